"""What the examples share: their command line and the optional matplotlib figure."""

import argparse
from pathlib import Path


def arguments(description, defaults):
    """--out DIR for the figure, and --set KEY=VALUE (repeatable) for the module's parameters."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--out", type=Path, default=Path("."), help="folder for the PNG (default: here)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="a parameter as on the command line, e.g. --set m=8192 (repeatable)")
    args = parser.parse_args()
    params = dict(defaults)
    for item in args.set:
        key, _, value = item.partition("=")
        params[key] = value
    return args, params


def figure(path, draw):
    """Draws with matplotlib when it is installed (python3-matplotlib); says so when it is not."""
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed (apt-get install python3-matplotlib): numbers only")
        return
    fig, ax = plt.subplots(figsize=(6.4, 4.2), layout="constrained")
    draw(ax)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    print(f"wrote {path}")
