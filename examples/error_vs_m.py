#!/usr/bin/env python3
"""NTK-Attention's error against the prefix length m: the window's "Error scaling" plot.

Prints the same points the window draws for the same settings (the default workload unless
--set changes it): the prefix lengths of its m series, NTK-Attention's max-abs and relative
Frobenius errors, and the Taylor bound where it applies.
"""

import math

import ntk_explorer as nx
from _common import arguments, figure

args, params = arguments(__doc__.splitlines()[0], {})
series = nx.scaling(**params)
print(f"{'m':>8} {'max_abs':>11} {'rel_fro':>11} {'taylor bound':>13}")
for m, err, rel, bound in zip(series["m"], series["max_abs_error"], series["rel_fro_error"],
                              series["taylor_output_bound"]):
    print(f"{m:8.0f} {err:11.4e} {rel:11.4e} {'-' if math.isnan(bound) else f'{bound:.4e}':>13}")


def draw(ax):
    ax.loglog(series["m"], series["max_abs_error"], "o-", label="NTK-Attention, max-abs error")
    ax.loglog(series["m"], series["rel_fro_error"], "s-", label="relative Frobenius error")
    bounded = [(m, b) for m, b in zip(series["m"], series["taylor_output_bound"]) if not math.isnan(b)]
    if bounded:
        ax.loglog(*zip(*bounded), "--", label="Taylor bound (where it applies)")
    ax.set_xlabel("prefix length m")
    ax.set_ylabel("error against exact prefix attention")
    ax.legend()


figure(args.out / "error_vs_m.png", draw)
