#!/usr/bin/env python3
"""Exact prefix attention approaching its m -> infinity limit: the window's "Limit" plot.

Projection mode (a Gaussian prefix of tokens through W_K and W_V), where the limit is not zero
(docs/method.md section 6: this program's derivation; the paper's text could not be checked).
Prints the distance the window draws at each prefix length and the fitted log-log slope.
"""

import math

import numpy as np

import ntk_explorer as nx
from _common import arguments, figure

args, params = arguments(__doc__.splitlines()[0], {"mode": "projection"})
series = nx.scaling(**params)
m = np.array(series["m"])
distance = np.array(series["limit_distance"])
print(f"{'m':>8} {'distance to the limit':>22}")
for mi, di in zip(m, distance):
    print(f"{mi:8.0f} {di:22.4e}")
keep = np.isfinite(distance) & (distance > 0)
slope = np.polyfit(np.log(m[keep]), np.log(distance[keep]), 1)[0] if keep.sum() >= 2 else math.nan
print(f"log-log slope: {slope:.3f} (about -0.5 when the prefix's Monte Carlo error dominates)")


def draw(ax):
    ax.loglog(m, distance, "o-", label="max-abs distance of exact attention to its limit")
    ax.set_xlabel("prefix length m")
    ax.set_ylabel("distance")
    ax.set_title(f"slope {slope:.2f}")
    ax.legend()


figure(args.out / "limit.png", draw)
