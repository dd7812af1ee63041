"""Time of the first `simulate` and `summary()` in a fresh process (a notebook cell's first run:
issue 16 asks for 10 replications of 100 families under 50 ms), then of the first labelled array
and the first operation on it (`yearly_costs.sel(...).sum(...)`: xarray's first operation imported
dask.array when dask is installed, unless tvaer.labelled defers it), and what each step imported.
Seconds are wall-clock; the `_cpu` columns are the process's CPU time (time.process_time), which
a loaded machine inflates far less than wall-clock time: `load_cpu` for `default_scenario()`,
`engine_cpu` inside the engine's runs (`tvaer.runs.run`), `python_cpu` the rest of the cell.

    python benchmarks/first_summary.py [--rounds 5] [--pythonpath DIR ...]

Each round runs one fresh process per package directory, alternating, and prints the medians
(docs/performance.md "The first summary").
"""

from __future__ import annotations

import argparse
import statistics

from fresh_process import TIMING, alternating_rounds

CHILD = TIMING + r"""
import json, sys, time
t0 = time.perf_counter()
import tvaer
t1 = time.perf_counter()
heavy = ["xarray", "dask", "scipy", "tqdm"]
imported = [m for m in heavy if m in sys.modules]
engine = cpu_of(tvaer.runs, "run", time.process_time)  # CPU seconds inside the engine's runs
c1 = time.process_time()
scenario = tvaer.default_scenario()
c_load = time.process_time()
res = tvaer.simulate(scenario.with_({"families": 100}), replications=10, seed=1, threads=1)
t2 = time.perf_counter()
c2 = time.process_time()
res.summary()
t3 = time.perf_counter()
c3 = time.process_time()
cell = [m for m in heavy if m in sys.modules and m not in imported]
res.summary()
t4 = time.perf_counter()
y = res.yearly_costs
t5 = time.perf_counter()
y.sel(arm="solution").sum("kind")
t6 = time.perf_counter()
labelled = [m for m in heavy + ["dask.array"] if m in sys.modules and m not in imported + cell]
print(json.dumps({"import": t1 - t0, "simulate": t2 - t1, "first_summary": t3 - t2, "cell": t3 - t1,
                  "cell_cpu": c3 - c1, "simulate_cpu": c2 - c1, "first_summary_cpu": c3 - c2,
                  "load_cpu": c_load - c1, "engine_cpu": engine[0], "python_cpu": c3 - c1 - engine[0],
                  "second_summary": t4 - t3, "first_labelled_array": t5 - t4,
                  "first_labelled_operation": t6 - t5, "labelled_array_and_operation": t6 - t4,
                  "imported_by_import": imported, "imported_by_cell": cell, "imported_by_labelled": labelled}))
"""


KEYS = ("import", "simulate", "first_summary", "cell", "simulate_cpu", "first_summary_cpu", "cell_cpu",
        "load_cpu", "engine_cpu", "python_cpu", "second_summary", "first_labelled_array", "first_labelled_operation", "labelled_array_and_operation")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--pythonpath", action="append", help="a directory holding the tvaer package; repeat to compare")
    args = ap.parse_args()
    paths = args.pythonpath or [""]
    rows = alternating_rounds(CHILD, [], paths, args.rounds)
    for p in paths:
        med = {k: statistics.median(r[k] for r in rows[p]) for k in KEYS}
        print(f"{p or '(installed)'}: medians (s) " + ", ".join(f"{k} {v:.3f}" for k, v in med.items()))


if __name__ == "__main__":
    main()
