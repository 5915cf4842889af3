#!/usr/bin/env python3
"""The empirical NTK concentrating on its limit as the width m grows: the window's NTK tab.

The stylized model (docs/method.md section 8: the standard form; the paper's exact network could
not be checked). Prints |H(W)/m - H*|_F / |H*|_F and lambda_min(H(W)/m) at every width the
window plots, the limit's lambda_min, and the fitted slope (about -0.5: Monte Carlo over m keys).
"""

import numpy as np

import ntk_explorer as nx
from _common import arguments, figure

args, params = arguments(__doc__.splitlines()[0], {})
series = nx.ntk_concentration(**params)
limit = nx.ntk_kernel(**params)["limit_spectrum"]
m = np.array(series["m"], dtype=float)
distance = np.array(series["distance"])
print(f"{'m':>8} {'|H/m - H*|_F / |H*|_F':>22} {'lambda_min(H/m)':>16}")
for mi, di, li in zip(m, distance, series["lambda_min"]):
    print(f"{mi:8.0f} {di:22.4e} {li:16.4e}")
print(f"lambda_min(H*) = {limit['lambda_min']:.4e}")
slope = np.polyfit(np.log(m), np.log(distance), 1)[0]
print(f"log-log slope: {slope:.3f}")


def draw(ax):
    ax.loglog(m, distance, "o-", label="|H(W)/m - H*|_F / |H*|_F")
    ax.loglog(m, distance[0] * (m / m[0]) ** -0.5, ":", label="m^(-1/2)")
    ax.set_xlabel("width m (prefix length)")
    ax.set_ylabel("relative distance to the limit kernel")
    ax.legend()


figure(args.out / "ntk_concentration.png", draw)
