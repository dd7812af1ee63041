"""Running replications in the engine: argument checks, the progress bar and Ctrl-C handling,
shared by :func:`tvaer.simulate` and :func:`tvaer.simulate_to_file`. Depends on the compiled core
only, so that both can use it without importing each other."""

from __future__ import annotations

import os
import time
from typing import Any, Callable

from . import _core

__all__ = ["BAR_DELAY", "ProgressBar", "check_run", "progress_bar", "run", "recording"]


def check_run(replications: Any, seed: Any, threads: Any) -> int:
    """Checks the arguments shared by simulate and simulate_to_file; returns the thread count."""
    if not isinstance(replications, int) or isinstance(replications, bool) or not 1 <= replications < 2**31:
        raise ValueError(f"replications: must be an integer in [1, 2**31), got {replications!r}")
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed < 2**64:
        raise ValueError(f"seed: must be an integer in [0, 2**64), got {seed!r}")
    threads = (os.cpu_count() or 1) if threads is None else threads
    if not isinstance(threads, int) or threads < 1:
        raise ValueError(f"threads: must be an integer >= 1, got {threads!r}")
    return threads


def recording(family_costs: Any = False, bookings: Any = False) -> Any:
    """The engine's options for what a replication records (`_core.ReplicationOptions`), the
    keyword arguments checked. Raises ValueError for one that is not True or False."""
    if not isinstance(bookings, bool):
        raise ValueError(f"bookings: must be True or False, got {bookings!r}")
    if not isinstance(family_costs, bool):
        raise ValueError(f"family_costs: must be True or False, got {family_costs!r}")
    return _core.ReplicationOptions(family_costs=family_costs, bookings=bookings)


# Seconds a run goes on before its progress bar appears: a run shorter than this shows none and
# imports no tqdm (tqdm.auto takes 0.1 to 0.3 s to import, 0.7 s in a notebook where it imports
# ipywidgets; docs/performance.md "The first summary"). The engine reports at least every 0.1 s.
BAR_DELAY = 0.5


class ProgressBar:
    """A progress bar (tqdm.auto) made the first time it is updated :data:`BAR_DELAY` seconds or
    more after it was asked for, then starting at the replications done; ``n`` counts them."""

    def __init__(self, total: int, name: str):
        self.total, self.name, self.n = total, name, 0
        self._start = time.monotonic()
        self._bar: Any = None

    @property
    def shown(self) -> bool:
        return self._bar is not None

    def update(self, k: int) -> None:
        self.n += k
        if self._bar is not None:
            self._bar.update(k)
        elif time.monotonic() - self._start >= BAR_DELAY:
            from tqdm.auto import tqdm

            self._bar = tqdm(total=self.total, initial=self.n, desc=f"tvaer {self.name}", unit="rep", leave=False)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def progress_bar(total: int, name: str) -> ProgressBar:
    return ProgressBar(total, name)


def run(model: Any, seed: int, first: int, count: int, threads: int, report: Callable[[int], bool],
        record: Any) -> tuple[Any, bool]:
    """Runs replications [first, first + count) recording what `record` asks for; returns the
    engine's results and whether Ctrl-C stopped the run (then only the complete replications)."""
    try:
        return _core.run(model, seed, first, count, threads, report, record), False
    except KeyboardInterrupt as e:
        raw = getattr(e, "tvaer_partial", None)
        if raw is None:
            raise
        return raw, True
