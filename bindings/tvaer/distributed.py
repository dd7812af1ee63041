"""Replications on a Dask cluster (``dask.distributed.Client``): the ``client=`` of
:func:`tvaer.simulate`, :func:`tvaer.simulate_to_file` and the studies built on them.

Replications [first, first + count) are split into chunks of consecutive replications; each chunk
is one Dask task that runs the C++ engine in the worker (``threads`` engine threads per chunk, 1 by
default: a worker runs as many chunks at once as it has Dask threads, the engine releases the GIL).
Replication r draws from random streams keyed by (seed, r) only, so the numbers do not depend on
how the replications were split, on which worker ran them, or in which order the chunks finished:
the merged results equal the local run's, bit for bit.

- The scenario travels once per worker: it is scattered to every worker (``broadcast=True``) with
  the rows of its population tables (read on the client, so workers need no table files) and
  compiled once per worker.
- A chunk comes back as an HDF5 results file in memory (the engine's own format, the only way
  its results cross a process boundary) and is handed on in replication order as soon as it and
  every chunk before it are done. ``simulate_to_file`` appends each to its file then, so an
  interrupted run resumes like a local one.
- A worker that dies mid-chunk: the scheduler reruns the chunk elsewhere (``allowed-failures`` in
  Dask's configuration, 3 by default); each chunk is taken once, by its first replication, so no
  replication is lost or counted twice.
- Ctrl-C cancels the chunks not yet done and keeps the consecutive replications done so far.

docs/distributed.md says how to use it on a cluster and how the default chunk size was chosen.
"""

from __future__ import annotations

import math
import os
import tempfile
import threading
from typing import Any, Callable

from . import _core
from .errors import TvaerError
from .scenario import Scenario, compile_model

__all__ = ["DEFAULT_CHUNK", "chunk_size", "connect", "run", "run_chunks"]

# Replications per task when none is given: at most this many, fewer when that keeps every Dask
# thread busy (see chunk_size). benchmarks/dask_scaling.py measures the overhead of a task (mostly
# the HDF5 round trip of its results) and the chunk that keeps it at 10 % of a chunk's time: a few
# hundred replications of the 300-family default scenario, some 50 to 100 of a 1,020-family
# municipality over ten years (docs/distributed.md, "Choosing the chunk size"; the machine is noisy).
DEFAULT_CHUNK = 100


class Payload:
    """What a worker needs to run chunks of a scenario: the scenario and its population tables'
    rows. Pickled without the compiled model; a worker compiles it once, on first use."""

    def __init__(self, scenario: Scenario, tables: dict[str, list[tuple[int, str, str, str]]]):
        self.scenario = scenario
        self.tables = tables
        self._model: Any = None
        self._lock = threading.Lock()

    def __getstate__(self) -> tuple[Scenario, dict[str, Any]]:
        return self.scenario, self.tables

    def __setstate__(self, state: tuple[Scenario, dict[str, Any]]) -> None:
        self.__init__(*state)

    def model(self) -> Any:
        """The compiled model (`_core.Model`), compiled on first use (once per worker)."""
        with self._lock:
            if self._model is None:
                self._model = compile_model(self.scenario, dict(self.tables))
            return self._model


def payload(scenario: Scenario) -> tuple[Any, Payload]:
    """The scenario compiled here (errors are raised on the client, before any task) and the
    payload to scatter to the workers."""
    tables: dict[str, list[tuple[int, str, str, str]]] = {}
    model = compile_model(scenario, tables)
    return model, Payload(scenario, tables)


def build() -> tuple[str, str]:
    """This process's tvaer build: engine version and git revision."""
    return _core.__version__, _core.GIT_REVISION


def check_workers(client: Any) -> None:
    """Raises TvaerError naming the first worker whose tvaer build differs from the client's:
    chunks of another build could give other numbers, and a results file records one build."""
    ours = build()
    for worker, theirs in sorted(client.run(build).items()):
        if tuple(theirs) != ours:
            raise TvaerError(f"Dask worker {worker}: runs tvaer {theirs[0]} at revision {theirs[1]}, this is tvaer "
                             f"{ours[0]} at revision {ours[1]}; install the same build on every worker")


def run_chunk(pay: Payload, seed: int, first: int, count: int, threads: int, family_costs: bool) -> bytes:
    """One task: replications [first, first + count) in the worker, as HDF5 bytes."""
    raw = _core.run(pay.model(), seed, first, count, threads, None,
                    _core.ReplicationOptions(family_costs=family_costs))
    return encode(raw)


def encode(raw: Any) -> bytes:
    """Engine results as the bytes of an HDF5 results file (a bare provenance: only the arrays
    are read back)."""
    with tempfile.TemporaryDirectory(prefix="tvaer-chunk-") as folder:
        path = os.path.join(folder, "chunk.h5")
        _core.write_results(path, raw, _core.Provenance("{}", "chunk"))
        with open(path, "rb") as f:
            return f.read()


def decode(data: bytes) -> Any:
    """Engine results (`_core.Results`) from :func:`encode`'s bytes, bit for bit."""
    with tempfile.TemporaryDirectory(prefix="tvaer-chunk-") as folder:
        path = os.path.join(folder, "chunk.h5")
        with open(path, "wb") as f:
            f.write(data)
        return _core.read_results(path)


def chunk_size(client: Any, count: int, chunk: int | None) -> int:
    """`chunk` checked, or the default: :data:`DEFAULT_CHUNK`, or fewer so that there are at
    least two chunks per Dask thread of the cluster (so that all are busy to the end)."""
    if chunk is None:
        threads = sum(client.nthreads().values()) or 1
        return max(1, min(DEFAULT_CHUNK, math.ceil(count / (2 * threads))))
    if not isinstance(chunk, int) or isinstance(chunk, bool) or chunk < 1:
        raise ValueError(f"chunk: must be an integer >= 1, got {chunk!r}")
    return chunk


def run_chunks(client: Any, scenario: Scenario, seed: int, first: int, count: int, threads: int,
               chunk: int | None, record: Any, report: Callable[[int], Any],
               take: Callable[[Any], None]) -> bool:
    """Runs replications [first, first + count) of `scenario` on `client` in chunks; hands each
    chunk's engine results (`_core.Results`) to `take` in replication order, as soon as it and
    every chunk before it are done, and calls `report(n)` with the replications done so far.
    Returns whether Ctrl-C stopped the run (the chunks not yet taken are then cancelled).
    Raises ValueError for a bad `chunk` or bookings asked for, TvaerError when a worker runs
    another tvaer build (:func:`check_workers`), and the first error of a chunk (a
    SimulationError, or Dask's KilledWorker when a chunk killed every worker it was given)."""
    from dask.distributed import as_completed

    if record.bookings:
        raise ValueError("bookings: not recorded on a Dask cluster (results travel as results files, "
                         "which do not hold the booking log); run without client=")
    size = chunk_size(client, count, chunk)
    check_workers(client)
    _, pay = payload(scenario)
    spans = [(f, min(size, first + count - f)) for f in range(first, first + count, size)]
    [shared] = client.scatter([pay], broadcast=True, hash=False)
    futures: list[Any] = []
    finished: dict[int, bytes] = {}
    taken = done = 0
    try:
        futures = client.map(run_chunk, [shared] * len(spans), [seed] * len(spans), [f for f, _ in spans],
                             [n for _, n in spans], [threads] * len(spans),
                             [bool(record.family_costs)] * len(spans), pure=False)
        order = {future.key: i for i, future in enumerate(futures)}
        for future in as_completed(futures):
            i = order[future.key]
            finished[i] = future.result()
            future.release()
            done += spans[i][1]
            report(done)
            while taken in finished:
                take(decode(finished.pop(taken)))
                taken += 1
    except KeyboardInterrupt:
        return True
    finally:
        client.cancel(futures)
        client.cancel([shared])
    return False


def run(client: Any, scenario: Scenario, model: Any, seed: int, first: int, count: int, threads: int,
        chunk: int | None, record: Any, report: Callable[[int], Any]) -> tuple[Any, bool]:
    """:func:`run_chunks` merged: the engine's results of the consecutive replications done from
    `first` and whether Ctrl-C stopped the run (the counterpart of ``runs.run``)."""
    parts: list[Any] = []

    def take(raw: Any) -> None:
        if parts:
            parts[0].append(raw)
        else:
            parts.append(raw)

    interrupted = run_chunks(client, scenario, seed, first, count, threads, chunk, record, report, take)
    if not parts:  # interrupted before the first chunk: no replications, like a local run
        parts.append(_core.run(model, seed, first, 0, 1, None, record))
    return parts[0], interrupted


def connect(address: str, timeout: float = 10.0) -> Any:
    """A ``dask.distributed.Client`` of the scheduler at `address` (``tcp://host:8786``, or a
    scheduler file ending in .json). Raises ValueError naming the address when there is no
    scheduler there within `timeout` seconds."""
    from dask.distributed import Client

    try:
        if address.endswith(".json"):
            if not os.path.isfile(address):  # Client would wait for it to appear
                raise ValueError(f"scheduler file {address}: no such file")
            return Client(scheduler_file=address, timeout=timeout)
        return Client(address, timeout=timeout)
    except (OSError, ValueError, TypeError) as e:
        raise ValueError(f"scheduler {address!r}: cannot connect to a Dask scheduler there ({e}); give its "
                         "address as tcp://HOST:PORT, as printed by `dask scheduler`, or its scheduler file "
                         "(.json)") from None
