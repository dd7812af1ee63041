"""Running replications in the engine: argument checks, the progress bar and Ctrl-C handling,
shared by :func:`tvaer.simulate` and :func:`tvaer.simulate_to_file`. Depends on the compiled core
only, so that both can use it without importing each other."""

from __future__ import annotations

import os
import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable

from . import _core

__all__ = ["BAR_DELAY", "HandOver", "ProgressBar", "check_run", "progress_bar", "run", "recording"]


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


def run(model: Any, seed: int, first: int, count: int, threads: int, report: Callable[[int], bool] | None,
        record: Any, deliver: Callable[[Any], bool] | None = None, block: int = 0) -> tuple[Any, bool]:
    """Runs replications [first, first + count) recording what `record` asks for; returns the
    engine's results and whether Ctrl-C stopped the run (then only the complete replications).
    With `deliver`, every `block` consecutive replications go to ``deliver(results)`` as they
    complete, while the engine's threads go on (False stops the run); the results returned are
    those after the last block delivered."""
    try:
        return _core.run(model, seed, first, count, threads, report, record, deliver, block), False
    except KeyboardInterrupt as e:
        raw = getattr(e, "tvaer_partial", None)
        if raw is None:
            raise
        return raw, True


class HandOver:
    """Blocks of results handed, in order, to ``work(results)`` on one background thread while
    the engine runs on: the ``deliver`` of :func:`run` (a fold, or a write to a file). A block
    waits for the one before it (whose error, if any, is raised there and stops the engine);
    Ctrl-C while waiting stops the run but is not raised: the block is still handed over and
    :attr:`interrupted` is set, so that every replication run is kept. Use as a context
    manager: leaving it waits for the last block."""

    def __init__(self, work: Callable[[Any], None], name: str):
        self._work = work
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"tvaer-{name}")
        self._job: Future[None] | None = None
        self.interrupted = False

    def __call__(self, raw: Any) -> bool:
        """Hands `raw` over after the block before it is done; False (stop) once Ctrl-C came."""
        self.wait()
        self._job = self._pool.submit(self._work, raw)
        return not self.interrupted

    def wait(self) -> None:
        """Waits for the block handed over last (raising its error)."""
        if self._job is None:
            return
        try:
            self._job.result()
        except KeyboardInterrupt:
            self.interrupted = True
            self._job.result()

    def __enter__(self) -> "HandOver":
        return self

    def __exit__(self, *exc: Any) -> None:
        try:
            if exc[0] is None:
                self.wait()
        finally:
            self._pool.shutdown(wait=True)
