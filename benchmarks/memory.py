"""Peak memory of `tvaer.simulate` (and a first `summary()`) against the number of replications.

Each measurement is a fresh process (peak RSS is per process: `resource.getrusage` ru_maxrss),
so the numbers do not depend on what ran before. To compare builds side by side, give several
package directories with --pythonpath: the processes alternate between them, round by round,
and the medians are printed per build (docs/performance.md "Memory in replications").

    python benchmarks/memory.py --replications 1000,4000 --rounds 3 \\
        --pythonpath /tmp/before/bindings --pythonpath bindings

``--keep totals`` runs ``simulate(..., keep="totals")`` (results folded as replications finish;
issue 16's target: 10,000 replications at most 1.2 times the peak of 100):

    python benchmarks/memory.py --replications 100,10000 --rounds 2 --keep totals

Prints one line per process and then, per build, the median peak RSS per replication count
and the slope between the smallest and largest count (MB per replication).
"""

from __future__ import annotations

import argparse
import json
import statistics

from fresh_process import run_child

CHILD = r"""
import json, resource, sys, time
import tvaer
n, threads, scenario, keep = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
sc = tvaer.default_scenario() if scenario == "default" else tvaer.load_scenario(scenario)
t0 = time.perf_counter()
extra = {} if keep == "replications" else {"keep": keep}  # builds before keep= know only the full mode
res = tvaer.simulate(sc, replications=n, seed=1, threads=threads, progress=False, **extra)
t1 = time.perf_counter()
simulate_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
res.summary()
t2 = time.perf_counter()
print(json.dumps({"replications": n, "threads": threads, "keep": keep, "simulate_seconds": t1 - t0,
                  "summary_seconds": t2 - t1, "simulate_peak_rss_bytes": simulate_peak,
                  "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
                  "events": int(res.events.sum())}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--replications", default="1000,4000", help="comma-separated counts")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--scenario", default="default", help="'default' or a scenario file")
    ap.add_argument("--keep", default="replications", choices=["replications", "totals"],
                    help="simulate(keep=...): every replication's arrays, or totals folded as they finish")
    ap.add_argument("--pythonpath", action="append", help="a directory holding the tvaer package; repeat to compare")
    args = ap.parse_args()
    counts = [int(x) for x in args.replications.split(",")]
    paths = args.pythonpath or [""]
    runs: dict[tuple[str, int], list[dict]] = {}
    for _ in range(args.rounds):
        for n in counts:
            for p in paths:
                row = run_child(CHILD, [str(n), str(args.threads), args.scenario, args.keep], p)
                row["build"] = p or "(installed)"
                print(json.dumps(row), flush=True)
                runs.setdefault((p, n), []).append(row)
    for p in paths:
        med = {n: statistics.median(r["peak_rss_bytes"] for r in runs[(p, n)]) / 2**20 for n in counts}
        secs = {n: statistics.median(r["simulate_seconds"] for r in runs[(p, n)]) for n in counts}
        line = ", ".join(f"{n} reps {med[n]:.1f} MB ({secs[n]:.1f} s)" for n in counts)
        slope = (med[counts[-1]] - med[counts[0]]) / (counts[-1] - counts[0]) if len(counts) > 1 else float("nan")
        ratio = med[counts[-1]] / med[counts[0]]
        print(f"{p or '(installed)'} (keep={args.keep}): median peak RSS {line}; {slope:.4f} MB per replication; "
              f"{counts[-1]} / {counts[0]} replications: {ratio:.3f} times the peak")


if __name__ == "__main__":
    main()
