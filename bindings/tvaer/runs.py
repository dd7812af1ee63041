"""Running replications in the engine: argument checks, the progress bar and Ctrl-C handling,
shared by :func:`tvaer.simulate` and :func:`tvaer.simulate_to_file`. Depends on the compiled core
only, so that both can use it without importing each other."""

from __future__ import annotations

import os
from typing import Any, Callable

from . import _core

__all__ = ["check_run", "progress_bar", "run", "recording"]


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


def progress_bar(total: int, name: str) -> Any:
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=f"tvaer {name}", unit="rep", leave=False)


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
