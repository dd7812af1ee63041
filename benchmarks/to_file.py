"""`simulate_to_file` against `simulate`, seconds per replication, side by side.

Each round runs, in one fresh process per build and compression, `simulate` and then
`simulate_to_file` (into a temporary file) of the same replications, with the same `keep`; the
ratio of the two is what counts on a noisy machine. CPU seconds of the process (all threads,
`getrusage`) are printed beside the wall clock, and the CPU seconds of the writer thread's calls
that write each chunk (`write_results` / `append_results`, timed with `time.thread_time`). Give several package directories with
--pythonpath to compare builds (alternating), and --compression several times to compare
compressions ("default" is the build's own default, the only choice of builds before the option).

    python benchmarks/to_file.py --replications 400 --rounds 3 --scenario helsingoer --keep totals \\
        --compression szip --compression none --pythonpath /tmp/before/bindings --pythonpath bindings
"""

from __future__ import annotations

import argparse
import statistics

from fresh_process import TIMING, alternating_rounds

CHILD = TIMING + r"""
import json, os, resource, sys, tempfile, time
import tvaer
n, threads, chunk, name, keep, how = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6]
shipped = os.path.join(os.path.dirname(tvaer.__file__), "scenarios", name + ".toml")
sc = tvaer.default_scenario() if name == "default" else tvaer.load_scenario(name if os.path.exists(name) else shipped)
extra = {} if how == "default" else {"compression": how}
if extra and not hasattr(tvaer._core, "DEFAULT_COMPRESSION"):  # a build from before the option
    print(json.dumps({"skip": True})); sys.exit(0)
cpu = lambda: sum(resource.getrusage(resource.RUSAGE_SELF)[:2])
writer = cpu_of(tvaer.results_file, "_store", time.thread_time)  # the thread that writes each chunk
c0, t0 = cpu(), time.perf_counter()
tvaer.simulate(sc, replications=n, seed=1, threads=threads, progress=False, keep=keep)
c1, t1 = cpu(), time.perf_counter()
with tempfile.TemporaryDirectory() as d:
    tvaer.simulate_to_file(sc, os.path.join(d, "run.h5"), replications=n, seed=1, threads=threads, chunk=chunk,
                           progress=False, keep=keep, **extra)
    c2, t2 = cpu(), time.perf_counter()
    size = os.path.getsize(os.path.join(d, "run.h5"))
print(json.dumps({"scenario": name, "replications": n, "threads": threads, "chunk": chunk, "keep": keep,
                  "compression": how, "simulate_seconds": t1 - t0, "to_file_seconds": t2 - t1,
                  "ratio": (t2 - t1) / (t1 - t0), "simulate_cpu": c1 - c0, "to_file_cpu": c2 - c1,
                  "cpu_ratio": (c2 - c1) / (c1 - c0), "writer_cpu": writer[0], "file_bytes": size,
                  "load": os.getloadavg()[0]}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--replications", type=int, default=400)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--chunk", type=int, default=50, help="simulate_to_file's chunk (its default: 50)")
    ap.add_argument("--scenario", default="default", help="'default' or a scenario file / shipped name")
    ap.add_argument("--keep", default="replications", choices=["replications", "totals"])
    ap.add_argument("--compression", action="append", help="repeat to compare; 'default': the build's default")
    ap.add_argument("--pythonpath", action="append", help="a directory holding the tvaer package; repeat to compare")
    args = ap.parse_args()
    paths = args.pythonpath or [""]
    hows = args.compression or ["default"]
    rows: dict[tuple[str, str], list[dict]] = {}
    for _ in range(args.rounds):
        for how in hows:
            argv = [str(args.replications), str(args.threads), str(args.chunk), args.scenario, args.keep, how]
            for p, got in alternating_rounds(CHILD, argv, paths, 1).items():
                rows.setdefault((p, how), []).extend(r for r in got if not r.get("skip"))
    for (p, how), got in rows.items():
        if not got:
            continue
        med = {k: statistics.median(r[k] for r in got)
               for k in ["simulate_seconds", "to_file_seconds", "ratio", "cpu_ratio", "writer_cpu", "file_bytes", "load"]}
        print(f"{p or '(installed)'} {args.scenario} keep={args.keep} compression={how}: median simulate "
              f"{med['simulate_seconds']:.2f} s, simulate_to_file {med['to_file_seconds']:.2f} s, ratio "
              f"{med['ratio']:.2f} (CPU {med['cpu_ratio']:.2f}, writing {med['writer_cpu']:.2f} s), "
              f"file {med['file_bytes'] / 1e6:.1f} MB, "
              f"load {med['load']:.1f}")


if __name__ == "__main__":
    main()
