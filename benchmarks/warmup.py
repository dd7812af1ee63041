"""What a warm-up costs (population.warmup_months): time per replication of a shipped scenario
with warm-ups of several lengths, in alternating rounds within one process (so the machine's mood
falls on every length alike), one thread.

    PYTHONPATH=bindings python benchmarks/warmup.py [scenario] [replications] [rounds] [months ...]

Prints each measurement as a JSON line and the median seconds per replication by warm-up, with
the ratio to no warm-up. Expectation: about (W + 2H) / 2H, as the warm-up's months run the same
events as the horizon's but once for both arms (the solution arm is copied at month 0), where the
horizon's run in each arm.
"""

from __future__ import annotations

import json
import statistics
import sys
import time

import tvaer


def main(argv: list[str]) -> int:
    name = argv[0] if argv else "furesoe"
    replications = int(argv[1]) if len(argv) > 1 else 8
    rounds = int(argv[2]) if len(argv) > 2 else 3
    lengths = [int(m) for m in argv[3:]] or [0, 60]
    base = tvaer.default_scenario(name)
    variants = {w: base.with_({"population.warmup_months": w}) for w in lengths}
    per_rep: dict[int, list[float]] = {w: [] for w in lengths}
    for r in range(rounds):
        for w, sc in variants.items():
            start = time.perf_counter()
            tvaer.simulate(sc, replications=replications, seed=1 + r, threads=1, progress=False)
            seconds = (time.perf_counter() - start) / replications
            per_rep[w].append(seconds)
            print(json.dumps({"scenario": name, "warmup_months": w, "round": r, "seconds_per_replication": seconds}), flush=True)
    none = statistics.median(per_rep[lengths[0]])
    horizon = base.get("horizon_months")
    for w in lengths:
        med = statistics.median(per_rep[w])
        print(f"warmup_months={w:4d}: {med * 1000:8.1f} ms per replication, {med / none:.2f} x warmup_months={lengths[0]} "
              f"((W + 2H) / 2H = {(w + 2 * horizon) / (lengths[0] + 2 * horizon):.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
