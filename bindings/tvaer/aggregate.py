"""Results aggregated as replications finish: ``tvaer.simulate(..., keep="totals")``.

With ``keep="replications"`` (the default) every replication's month-by-line arrays are kept,
about 0.15 MB per replication of the default scenario, so memory grows with replications. With
``keep="totals"`` the engine hands the replications over in blocks of consecutive replications
as they complete, without stopping its threads; each block is folded into a :class:`Totals` (on
a second thread) and freed. What is kept:

- per replication, the small totals that paired intervals, P(net loss), break-even and present
  values need: DKK by (year, budget, arm, cost kind), events and admitted families per arm;
- per month, over replications, the mean and the sum of squared deviations (Welford's update,
  numerically stable) of the costs by (month, budget, arm, kind), of the costs by ledger line and
  of every per-month flow of the engine (occupancy, transitions, queues, starts, waits, ...).

Replications are folded one at a time, in replication order, whatever the block size or the
thread count: the same seed gives the same bytes. Memory is the per-replication totals (640
bytes per replication for four budgets and five years) plus a few blocks and the running moments.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from . import _core, runs
from .results import KINDS, budget_costs, yearly_sums

__all__ = ["KEEP", "Totals", "check_keep", "run", "block_size"]

KEEP = ("replications", "totals")
# Raw replications handed over at once (a block), in bytes: bounds the extra memory, which is
# about three blocks (one being folded, one being filled, and at most one run ahead of it).
BLOCK_BYTES = 4 << 20


def check_keep(keep: Any) -> str:
    """`keep` checked: "replications" or "totals". Raises ValueError naming the argument."""
    if keep not in KEEP:
        raise ValueError(f"keep: must be 'replications' (every replication's arrays) or 'totals' (per-replication "
                         f"totals and per-month moments; memory flat in replications), got {keep!r}")
    return str(keep)


def _moment_arrays(raw: Any) -> list[str]:
    """The engine's per-replication arrays whose moments Totals keeps: every row of the table
    along replications with a month dimension, the costs by line included."""
    return [a["name"] for a in _core.result_arrays()
            if a["dims"][0] == "replication" and "month" in a["dims"] and getattr(raw, a["name"]) is not None]


class Totals:
    """Replications folded as they finish (``keep="totals"``).

    It answers the basic facts of ``_core.Results`` that :class:`tvaer.Results` reads (seed,
    replications, first_replication, months, budgets and the name coordinates) and holds
    ``yearly`` (replication, year, budget, arm, kind; DKK), ``events`` and ``admitted``
    (replication, arm) for every replication, and the mean and the sum of squared deviations over
    replications of ``"costs"`` (month, budget, arm, kind) and of every engine array with a month
    dimension (its own layout without the replication; the costs by line as ``"line_costs"``)."""

    keep = "totals"

    def __init__(self, head: Any, ledger_lines: list[Any], count: int):
        """`head`: the engine's results of the first block (for the names and shapes); `count`:
        the replications to expect (room for their totals is reserved)."""
        self.seed = int(head.seed)
        self.first_replication = int(head.first_replication)
        self.months = int(head.months)
        self.replications = 0
        for name in ["budgets", "line_sources", "occupancy_rows", "transition_rows", "interventions"]:
            setattr(self, name, list(getattr(head, name)))
        self.years = (self.months + 11) // 12
        nb = len(self.budgets)
        self._ledger_lines = ledger_lines
        self._yearly = np.zeros((count, self.years, nb, 2, len(KINDS)))
        self._events = np.zeros((count, 2), dtype=np.uint64)
        self._admitted = np.zeros((count, 2), dtype=np.uint32)
        self._shapes: dict[str, tuple[int, ...]] = {"costs": (self.months, nb, 2, len(KINDS))}
        for name in _moment_arrays(head):
            self._shapes["line_costs" if name == "costs" else name] = tuple(np.asarray(getattr(head, name)).shape[1:])
        self._slices: dict[str, slice] = {}
        start = 0
        for name, shape in self._shapes.items():
            size = int(np.prod(shape))
            self._slices[name] = slice(start, start + size)
            start += size
        self._mean = np.zeros(start)
        self._m2 = np.zeros(start)

    # ---- what Results reads ----------------------------------------------------------------
    @property
    def yearly(self) -> np.ndarray:
        return self._yearly[:self.replications]

    @property
    def events(self) -> np.ndarray:
        return self._events[:self.replications]

    @property
    def admitted(self) -> np.ndarray:
        return self._admitted[:self.replications]

    def moment_names(self) -> list[str]:
        """Names :meth:`mean` knows: "costs", "line_costs" and the engine's per-month arrays."""
        return list(self._shapes)

    def mean(self, name: str) -> np.ndarray:
        """Mean over the replications folded so far, shaped as one replication of `name`."""
        return self._mean[self._slices[name]].reshape(self._shapes[name]).copy()

    def variance(self, name: str) -> np.ndarray:
        """Sample variance (ddof 1) over the replications folded so far; NaN below two."""
        n = self.replications
        m2 = self._m2[self._slices[name]].reshape(self._shapes[name])
        return m2 / (n - 1) if n > 1 else np.full(m2.shape, np.nan)

    # ---- folding -----------------------------------------------------------------------------
    def add(self, raw: Any) -> None:
        """Folds the replications of `raw` (a ``_core.Results`` that directly follows those
        folded so far), one at a time and in order."""
        c = int(raw.replications)
        if c == 0:
            return
        if int(raw.first_replication) != self.first_replication + self.replications:
            raise ValueError(f"Totals.add: expected replication {self.first_replication + self.replications} "
                             f"next, got {int(raw.first_replication)}")
        lo, hi = self.replications, self.replications + c
        costs = np.asarray(raw.costs)
        monthly = budget_costs(costs, self._ledger_lines, len(self.budgets))
        self._yearly[lo:hi] = yearly_sums(monthly)
        self._events[lo:hi] = np.asarray(raw.events)
        self._admitted[lo:hi] = np.asarray(raw.admitted)
        sources = [monthly if name == "costs" else costs if name == "line_costs" else np.asarray(getattr(raw, name))
                   for name in self._slices]
        # Welford, one replication at a time in replication order (the same bytes whatever the
        # blocks), in C++ with the GIL released: delta = x - mean, mean += delta / n,
        # m2 += delta * (x - mean) for every value of each replication's row.
        _core.fold_moments(self._mean, self._m2, self.replications, sources, c)
        self.replications += c


def block_size(threads: int, raw_bytes_per_replication: int) -> int:
    """Replications per block: about :data:`BLOCK_BYTES` of raw results, at least 4 per thread
    (the engine's threads run at most a block ahead of the replications handed over)."""
    return max(4 * threads, BLOCK_BYTES // max(raw_bytes_per_replication, 1))


def _raw_bytes(raw: Any) -> int:
    """Bytes of one replication's arrays in `raw`."""
    total = 0
    for a in _core.result_arrays():
        data = getattr(raw, a["name"])
        if data is not None and a["dims"][0] == "replication":
            arr = np.asarray(data)
            total += arr.nbytes // max(arr.shape[0], 1)
    return total


def run(run_block: Callable[..., tuple[Any, bool]], ledger_lines: list[Any], first: int, count: int, threads: int,
        report: Callable[[int], bool]) -> tuple[Totals, bool]:
    """Runs replications [first, first + count) through ``run_block(first, count, report,
    deliver=None, block=0)`` (``runs.run`` with the model bound: the engine's results, whether
    Ctrl-C stopped it, and with `deliver` the engine's blocks handed over as they complete) and
    folds them into a :class:`Totals`. The first `threads` replications run alone, to learn the
    size of one; the rest run in one engine call that hands over blocks of :func:`block_size`
    while its threads go on. Returns the totals and whether Ctrl-C stopped the run (then the
    complete replications are folded).

    A block is folded on a second thread while the engine runs on (it releases the GIL); the
    folds run one at a time in replication order, so the bytes are those of folding on this
    thread. A fold's error stops the run and is raised from it; Ctrl-C while waiting for a fold
    stops the run as Ctrl-C in the engine does, with every replication run folded."""
    raw, interrupted = run_block(first, min(threads, count), report)
    totals = Totals(raw, ledger_lines, count)
    size = block_size(threads, _raw_bytes(raw))
    done = int(raw.replications)
    with runs.HandOver(totals.add, "fold") as take:
        take(raw)
        del raw
        if done < count and not interrupted:
            rest, interrupted = run_block(first + done, count - done, lambda k: report(done + k), take, size)
            take(rest)  # the replications after the last block handed over (maybe none)
    return totals, interrupted or take.interrupted  # leaving `with` waited for the last fold
