#!/usr/bin/env python3
"""How accurate `costcast fit` is: WAPE and P10-P90 coverage on public
monthly seasonal series, beside statsmodels' Holt-Winters (additive trend,
multiplicative season) and the seasonal naive forecast.

Run by hand (not in CI), from the repository root, after
`cargo build --release`:

    python3 benches/compare_fit.py [--costcast target/release/costcast]

Needs numpy, pandas and statsmodels. Every forecast sees 48 months of
history and is scored on the 12 and the 24 months after it. Each series is
cut at several origins, a year apart, wherever 48 months before and 24
after fit (rolling origins), so one lucky year does not decide. The series
(benches/data/, from github.com/jbrownlee/Datasets, which takes them from
Hyndman's Time Series Data Library):

- airline-passengers.csv: international airline passengers, 1949-1960
  (Box & Jenkins 1976)
- monthly-car-sales.csv: car sales in Quebec, 1960-1968 (Abraham &
  Ledolter 1983)
- monthly_champagne_sales.csv: Perrin Freres champagne sales, 1964-1972
  (Makridakis & Wheelwright 1989)
- monthly-writing-paper-sales.csv: CFE specialty writing paper sales,
  12 years (Makridakis & Wheelwright 1989)

Results are recorded in docs/fit.md.
"""

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import warnings

import numpy as np
from statsmodels.tsa.holtwinters import ExponentialSmoothing

HERE = os.path.dirname(os.path.abspath(__file__))
SERIES = [
    "airline-passengers",
    "monthly-car-sales",
    "monthly_champagne_sales",
    "monthly-writing-paper-sales",
]
HISTORY = 48
HORIZONS = (12, 24)
STEP = 12
SIMULATIONS = 2000


def read_series(name):
    with open(os.path.join(HERE, "data", name + ".csv"), newline="") as f:
        rows = list(csv.reader(f))[1:]
    return np.array([float(r[1]) for r in rows if len(r) == 2])


def months(first_year, n):
    """YYYY-MM labels from January of first_year (the series' own labels
    differ in form; all begin in January)."""
    return [f"{first_year + t // 12:04d}-{t % 12 + 1:02d}" for t in range(n)]


def costcast_forecast(exe, history, ahead, workdir):
    path = os.path.join(workdir, "history.csv")
    with open(path, "w") as f:
        f.write("month,channel,volume\n")
        for label, v in zip(months(2001, len(history)), history):
            f.write(f"{label},series,{v}\n")
    out = os.path.join(workdir, "out")
    subprocess.run(
        [exe, "fit", path, "--holdout", "0", "--ahead", str(ahead), "-o", out],
        check=True,
        capture_output=True,
    )
    with open(os.path.join(out, "forecast.csv"), newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["kind"] == "forecast"]
    return tuple(np.array([float(r[k]) for r in rows]) for k in ("p10", "p50", "p90"))


def holt_winters_forecast(history, ahead, seed):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = ExponentialSmoothing(
            history, trend="add", seasonal="mul", seasonal_periods=12, initialization_method="estimated"
        ).fit()
        point = model.forecast(ahead)
        paths = model.simulate(
            ahead, repetitions=SIMULATIONS, error="mul", anchor="end", random_state=np.random.RandomState(seed)
        )
    paths = np.asarray(paths)
    return np.quantile(paths, 0.1, axis=1), point, np.quantile(paths, 0.9, axis=1)


def seasonal_naive(history, ahead):
    return np.array([history[len(history) - 12 + h % 12] for h in range(ahead)])


def wape(actual, p50):
    return np.abs(actual - p50).sum() / actual.sum()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--costcast", default=os.path.join(HERE, "..", "target", "release", "costcast"))
    args = parser.parse_args()
    exe = os.path.abspath(args.costcast)
    if not os.path.exists(exe):
        sys.exit(f"{exe} not found: build with `cargo build --release` or pass --costcast")
    methods = ("costcast", "holt_winters", "seasonal_naive")
    # per (series, horizon, method): list of (sum |a - f|, sum a, inside, months)
    scores = {}
    with tempfile.TemporaryDirectory() as workdir:
        for name in SERIES:
            y = read_series(name)
            origins = range(HISTORY, len(y) - max(HORIZONS) + 1, STEP)
            for k, origin in enumerate(origins):
                history, future = y[origin - HISTORY : origin], y[origin : origin + max(HORIZONS)]
                forecasts = {
                    "costcast": costcast_forecast(exe, history, max(HORIZONS), workdir),
                    "holt_winters": holt_winters_forecast(history, max(HORIZONS), seed=k),
                    "seasonal_naive": (None, seasonal_naive(history, max(HORIZONS)), None),
                }
                for h in HORIZONS:
                    a = future[:h]
                    for m in methods:
                        p10, p50, p90 = forecasts[m]
                        inside = np.sum((p10[:h] <= a) & (a <= p90[:h])) if p10 is not None else np.nan
                        scores.setdefault((name, h, m), []).append((np.abs(a - p50[:h]).sum(), a.sum(), inside, h))
    print(f"{HISTORY} months of history, rolling origins {STEP} months apart; WAPE (P10-P90 coverage)\n")
    header = f"| series | origins | held out | " + " | ".join(methods) + " |"
    print(header)
    print("|" + "---|" * (3 + len(methods)))
    means = {}
    for h in HORIZONS:
        for name in SERIES:
            cells = []
            for m in methods:
                s = scores[(name, h, m)]
                # Mean WAPE over origins, so each forecast weighs the same.
                w = np.mean([e / t for e, t, _, _ in s])
                cov = sum(i for _, _, i, _ in s) / sum(n for _, _, _, n in s)
                means.setdefault((h, m), []).append((w, cov, sum(i for _, _, i, _ in s), sum(n for *_, n in s)))
                cells.append(f"{100 * w:.1f}%" + ("" if np.isnan(cov) else f" ({100 * cov:.0f}%)"))
            print(f"| {name} | {len(scores[(name, h, methods[0])])} | {h} | " + " | ".join(cells) + " |")
    for h in HORIZONS:
        cells = []
        for m in methods:
            rows = means[(h, m)]
            w = np.mean([r[0] for r in rows])
            inside, n = sum(r[2] for r in rows), sum(r[3] for r in rows)
            cells.append(f"{100 * w:.1f}%" + ("" if np.isnan(inside) else f" ({100 * inside / n:.0f}%)"))
        print(f"| **mean of series** | | {h} | " + " | ".join(cells) + " |")
    print()
    for h in HORIZONS:
        gap = np.mean([r[0] for r in means[(h, "costcast")]]) - np.mean([r[0] for r in means[(h, "holt_winters")]])
        print(f"{h} months held out: costcast's mean WAPE minus Holt-Winters': {100 * gap:+.2f} points")


if __name__ == "__main__":
    main()
