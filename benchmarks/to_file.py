"""`simulate_to_file` against `simulate`, seconds per replication, side by side.

Each round runs, in one fresh process per build, `simulate` and then `simulate_to_file` (into a
temporary file) of the same replications; the ratio of the two is what counts on a noisy
machine. Give several package directories with --pythonpath to compare builds (alternating).

    python benchmarks/to_file.py --replications 400 --rounds 3 \\
        --pythonpath /tmp/before/bindings --pythonpath bindings
"""

from __future__ import annotations

import argparse
import statistics

from fresh_process import alternating_rounds

CHILD = r"""
import json, os, sys, tempfile, time
import tvaer
n, threads, chunk = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
sc = tvaer.default_scenario()
t0 = time.perf_counter()
tvaer.simulate(sc, replications=n, seed=1, threads=threads, progress=False)
t1 = time.perf_counter()
with tempfile.TemporaryDirectory() as d:
    tvaer.simulate_to_file(sc, os.path.join(d, "run.h5"), replications=n, seed=1, threads=threads, chunk=chunk,
                           progress=False)
    t2 = time.perf_counter()
    size = os.path.getsize(os.path.join(d, "run.h5"))
print(json.dumps({"replications": n, "threads": threads, "chunk": chunk, "simulate_seconds": t1 - t0,
                  "to_file_seconds": t2 - t1, "ratio": (t2 - t1) / (t1 - t0), "file_bytes": size}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--replications", type=int, default=400)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--chunk", type=int, default=50, help="simulate_to_file's chunk (its default: 50)")
    ap.add_argument("--pythonpath", action="append", help="a directory holding the tvaer package; repeat to compare")
    args = ap.parse_args()
    paths = args.pythonpath or [""]
    runs = alternating_rounds(CHILD, [str(args.replications), str(args.threads), str(args.chunk)], paths, args.rounds)
    for p in paths:
        rows = runs[p]
        print(f"{p or '(installed)'}: median simulate {statistics.median(r['simulate_seconds'] for r in rows):.2f} s, "
              f"simulate_to_file {statistics.median(r['to_file_seconds'] for r in rows):.2f} s, "
              f"median ratio {statistics.median(r['ratio'] for r in rows):.2f}")


if __name__ == "__main__":
    main()
