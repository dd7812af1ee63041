"""The sums of costs by ledger line to budgets and kinds (`tvaer.results.budget_costs`, the
engine's `sum_to_budgets`) against the NumPy version it replaced, timed in one process on the
default scenario's costs, and checked to give the same bytes.

    python benchmarks/budget_costs.py [--replications 53,1000] [--rounds 7]

docs/performance.md, "Twenty-second pass".
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

import tvaer
from tvaer import runs
from tvaer.results import KINDS, budget_costs
from tvaer.scenario import compile_model


def numpy_budget_costs(costs: np.ndarray, ledger_lines: list, n_budgets: int, block: int = 256) -> np.ndarray:
    """The NumPy version before the twenty-second pass: each line added to its (budget, kind) in
    line order, by blocks of replications."""
    where = [(int(line.payer), KINDS.index(line.kind.name)) for line in ledger_lines]
    reps, arms, _, months = costs.shape
    out = np.empty((reps, months, n_budgets, arms, len(KINDS)))
    for r0 in range(0, reps, block):
        part = costs[r0:r0 + block]
        acc = np.zeros((part.shape[0], n_budgets, len(KINDS), arms, months))
        for line, (budget, kind) in enumerate(where):
            acc[:, budget, kind] += part[:, :, line]
        out[r0:r0 + block] = acc.transpose(0, 4, 1, 3, 2)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--replications", default="53,1000", help="comma-separated counts")
    ap.add_argument("--rounds", type=int, default=7)
    args = ap.parse_args()
    model = compile_model(tvaer.default_scenario("default"))
    lines = list(model.lines)
    for n in (int(x) for x in args.replications.split(",")):
        raw, _ = runs.run(model, 1, 0, n, 2, None, runs.recording())
        costs, budgets = np.asarray(raw.costs), len(raw.budgets)
        assert numpy_budget_costs(costs, lines, budgets).tobytes() == budget_costs(costs, lines, budgets).tobytes()
        times: dict[str, list[float]] = {"numpy": [], "engine": []}
        for _ in range(args.rounds):  # alternating
            for name, f in (("numpy", numpy_budget_costs), ("engine", budget_costs)):
                t = time.perf_counter()
                f(costs, lines, budgets)
                times[name].append(time.perf_counter() - t)
        a, b = statistics.median(times["numpy"]), statistics.median(times["engine"])
        print(f"{n} replications: NumPy {a * 1e3:.2f} ms ({a / n * 1e6:.1f} us a replication), engine "
              f"{b * 1e3:.2f} ms ({b / n * 1e6:.1f} us); {a / b:.1f} times; same bytes")


if __name__ == "__main__":
    main()
