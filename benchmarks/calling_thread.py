"""What the calling thread costs a run on two threads, and why (issue 16: two threads at least
1.9 times one).

`run_replications` keeps the calling thread for itself: it appends each finished replication to
the results in order and frees it. With one engine thread that work runs on the machine's idle
second core; with two engine threads it takes CPU from them. So on two cores the best ratio is
about 2 W / (W + M), W the engine threads' CPU seconds and M the calling thread's.

Each round, in a fresh process: a run of `--replications` on 1 and on 2 engine threads (alternating
which goes first), timed by the clock, by the process's CPU time and by the calling thread's CPU
time (time.thread_time around the engine's call, whose threads release the GIL). Then the cost of
touching fresh memory for the first time, per MB: a fresh NumPy array as large as the run's
results written once (page faults included) against the same array written again. The report
prints the medians, M per replication, what the results' first touch explains of it (raw bytes
per replication times the first-touch cost per byte) and the ratio 2 W / (W + M) predicts.

    python benchmarks/calling_thread.py [--scenario default] [--replications 1000] [--rounds 5] \\
        [--keep totals] [--pythonpath DIR ...]

With --pythonpath repeated, each round runs one process per package directory, alternating.
With `--keep totals` each round runs `tvaer.simulate(..., keep="totals")` instead (blocks of
replications folded into running totals as they finish) and reports the clock, CPU, the ratio and
the CPU the folding takes (`Totals.add`, timed on the thread that runs it).

docs/performance.md, "Twentieth pass: the calling thread".
"""

from __future__ import annotations

import argparse
import statistics

from fresh_process import alternating_rounds

CHILD = r"""
import json, os, resource, sys, time
import numpy as np
import tvaer
from tvaer import _core, aggregate, runs
from tvaer.scenario import compile_model
name, n, first_threads, keep = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
scenario = tvaer.default_scenario(name)
model = compile_model(scenario)
record = runs.recording()
cpu = lambda: sum(resource.getrusage(resource.RUSAGE_SELF)[:2])
out = {"scenario": name, "replications": n, "keep": keep}
fold = [0.0]  # keep="totals": CPU seconds of Totals.add, on the thread that folds
add = aggregate.Totals.add
def timed_add(self, raw):
    t = time.thread_time()
    add(self, raw)
    fold[0] += time.thread_time() - t
aggregate.Totals.add = timed_add
if keep == "totals":
    tvaer.simulate(scenario, replications=4, seed=1, keep="totals", progress=False)  # imports, first calls
for threads in (first_threads, 3 - first_threads):
    fold[0] = 0.0
    t0, c0, m0 = time.perf_counter(), cpu(), time.thread_time()
    if keep == "totals":
        tvaer.simulate(scenario, replications=n, seed=1, threads=threads, keep="totals", progress=False)
    else:
        raw = _core.run(model, 1, 0, n, threads, None, record)
    t1, c1, m1 = time.perf_counter(), cpu(), time.thread_time()
    out[f"wall_{threads}"], out[f"cpu_{threads}"], out[f"calling_{threads}"] = t1 - t0, c1 - c0, m1 - m0
    out[f"fold_{threads}"] = fold[0]
    if keep == "totals":
        continue
    out["raw_bytes"] = aggregate._raw_bytes(raw)
    del raw
if keep == "totals":
    print(json.dumps(out))
    sys.exit(0)
size = out["raw_bytes"] * n // 8
# The engine's vectors take plain pages; NumPy would ask large arrays for huge pages (madvise), whose
# first touch on this machine's kernel (defrag=madvise) costs compaction and differs a lot.
np.core.multiarray._set_madvise_hugepage(False)
t0 = time.thread_time()
a = np.empty(size)
a[...] = 1.0  # first touch: every page faults in
t1 = time.thread_time()
a[...] = 2.0  # the same pages again
t2 = time.thread_time()
out["first_touch_per_mb"] = ((t1 - t0) - (t2 - t1)) / (size * 8 / 2**20)
print(json.dumps(out))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenario", default="default", help="a shipped scenario's name")
    ap.add_argument("--replications", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--keep", default="replications", choices=["replications", "totals"],
                    help="totals: simulate(..., keep='totals'), blocks folded as they finish (its fold's CPU shown)")
    ap.add_argument("--pythonpath", action="append", help="a directory holding the tvaer package; repeat to compare")
    args = ap.parse_args()
    paths = args.pythonpath or [""]
    rows: dict[str, list[dict]] = {p: [] for p in paths}
    for r in range(args.rounds):  # alternate which thread count runs first in its process
        for p, got in alternating_rounds(CHILD, [args.scenario, str(args.replications), str(1 + r % 2), args.keep], paths,
                                         1).items():
            rows[p] += got
    for p in paths:
        report(args.scenario, args.replications, p or "(installed)", rows[p], args.keep)


def report(scenario: str, n: int, build: str, rows: list[dict], keep: str) -> None:
    med = lambda key: statistics.median(row[key] for row in rows)
    ratios = [row["wall_1"] / row["wall_2"] for row in rows]
    if keep == "totals":
        print(f"{build}: {scenario}, {n} replications, keep='totals', medians of {len(rows)} rounds:")
        print(f"  1 thread {med('wall_1'):.3f} s (CPU {med('cpu_1'):.3f} s), 2 threads {med('wall_2'):.3f} s "
              f"(CPU {med('cpu_2'):.3f} s); ratio {statistics.median(ratios):.3f} "
              f"(rounds: {', '.join(f'{x:.3f}' for x in ratios)})")
        print(f"  folding: {med('fold_1'):.3f} s CPU with 1 engine thread, {med('fold_2'):.3f} s with 2: "
              f"{1e6 * med('fold_2') / n:.0f} us a replication; calling thread {med('calling_2'):.3f} s with 2")
        return
    engine_cpu = med("cpu_1") - med("calling_1")  # W: the engine thread's CPU seconds
    calling = med("calling_2")  # M
    per_rep_us = 1e6 * calling / n
    touch_us = 1e6 * med("raw_bytes") / 2**20 * med("first_touch_per_mb")
    print(f"{build}: {scenario}, {n} replications, medians of {len(rows)} rounds:")
    print(f"  1 thread {med('wall_1'):.3f} s (CPU {med('cpu_1'):.3f} s), 2 threads {med('wall_2'):.3f} s "
          f"(CPU {med('cpu_2'):.3f} s); ratio {statistics.median(ratios):.3f} "
          f"(rounds: {', '.join(f'{x:.3f}' for x in ratios)})")
    print(f"  calling thread: {med('calling_1'):.3f} s with 1 engine thread, {calling:.3f} s with 2: "
          f"{per_rep_us:.0f} us a replication")
    print(f"  results: {med('raw_bytes') / 1024:.0f} KiB a replication; first touch of fresh memory "
          f"{1e3 * med('first_touch_per_mb'):.2f} ms a MiB, so {touch_us:.0f} us a replication "
          f"({100 * touch_us / per_rep_us:.0f} % of the calling thread's)")
    print(f"  2 W / (W + M) = {2 * engine_cpu / (engine_cpu + calling):.3f} "
          f"(W = {engine_cpu:.3f} s, the engine thread's CPU with 1 thread; M = {calling:.3f} s)")


if __name__ == "__main__":
    main()
