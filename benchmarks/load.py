"""The load items of docs/reliability.md, one per process (peak RSS is per process).

    python benchmarks/load.py families 1000000 120   # one replication of the default scenario
    python benchmarks/load.py file helsingoer 10000   # simulate_to_file of a shipped scenario
    python benchmarks/load.py file helsingoer 10000 totals   # the same, keep="totals" in memory

Prints one JSON line: wall seconds, peak RSS (ru_maxrss) and, for `file`, the resident memory
sampled every second while the call ran (at 10 %, 25 %, ... of the time, and the last sample),
which shows whether memory grows with the chunks written or only when the file is read back.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import tempfile
import threading
import time

import tvaer


def resident_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def families(n: int, months: int) -> dict:
    sc = tvaer.default_scenario().with_(families=n, horizon_months=months)
    res = tvaer.simulate(sc, replications=1, seed=1, threads=1, progress=False)
    return {"families": n, "months": months, "events": int(res.events.sum())}


def to_file(name: str, replications: int, keep: str = "replications") -> dict:
    samples: list[float] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(1.0):
            samples.append(resident_mib())

    threading.Thread(target=sample, daemon=True).start()
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "out.h5")
        tvaer.simulate_to_file(tvaer.default_scenario(name), path, replications=replications, seed=1, threads=2,
                               progress=False, keep=keep)
        size = os.path.getsize(path)
    stop.set()
    n = len(samples)
    at = {f"{q}%": round(samples[min(n - 1, n * q // 100)]) for q in (10, 25, 50, 75, 90)} if n else {}
    return {"scenario": name, "replications": replications, "keep": keep, "file_mb": round(size / 1e6, 1),
            "rss_mib_at": at, "rss_mib_last": round(samples[-1]) if n else None}


def main() -> None:
    kind, a, b = sys.argv[1], sys.argv[2], int(sys.argv[3])
    t0 = time.perf_counter()
    extra = families(int(a), b) if kind == "families" else to_file(a, b, *sys.argv[4:5])
    print(json.dumps({"kind": kind, "seconds": round(time.perf_counter() - t0, 1),
                      "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1), **extra}))


if __name__ == "__main__":
    main()
