"""HDF5 results files from Python: write, open, and simulate into a file in resumable chunks.

The layout is docs/results-format.md; the engine (tvaer::write_results and friends) does the I/O.
A file written here stores the scenario as canonical JSON (:meth:`Scenario.to_json`), the ledger
lines and the git revision of this build, so :func:`open_results` rebuilds the same
:class:`Results`, every array bit for bit.
"""

from __future__ import annotations

import json
import os
import tomllib
from typing import Any, Callable

from . import _core, aggregate, distributed, runs
from .errors import ResultsFileError
from .results import Results
from .scenario import Scenario, compile_model, default_scenario

__all__ = ["write", "read", "open_results", "simulate_to_file"]


def write(results: Results, path: str | os.PathLike[str]) -> str:
    """Writes `results` to `path` atomically; returns the path as a string (see Results.to_hdf5)."""
    return results.to_hdf5(path)


def read(path: str | os.PathLike[str]) -> Results:
    """Opens a results file as :class:`Results`. Raises ResultsFileError naming the path when the
    file cannot be read or has no line metadata (which labels the costs by budget)."""
    path = os.fspath(path)
    return _labelled(path, _core.read_results(path))


def _labelled(path: str, raw: Any) -> Results:
    """`raw` (the arrays of the file at `path`, read or just written) labelled by the file's
    provenance."""
    prov = _core.read_provenance(path)
    if not prov.lines:
        raise ResultsFileError(f"results file {path}: has no line metadata (line_* variables); "
                               "tvaer needs them to label costs by budget")
    data = _scenario_data(path, prov.scenario_text)
    budgets = list(raw.budgets)
    return Results(raw, sectors=list(data.get("sectors", budgets[:-1])), ledger_lines=list(prov.lines),
                   families=data.get("families"), discount_rate=float(data.get("discount_rate", 0.0)),
                   scenario_json=json.dumps(data, sort_keys=True, ensure_ascii=False),
                   scenario_name=prov.scenario_name)


open_results = read


def _scenario_data(path: str, text: str) -> dict[str, Any]:
    """The stored scenario: JSON (written by tvaer's Python package) or TOML (other writers)."""
    try:
        return dict(json.loads(text))
    except (ValueError, TypeError):
        pass
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        raise ResultsFileError(f"results file {path}: attribute 'scenario' is neither JSON nor TOML") from None


def simulate_to_file(
    scenario: Scenario | None,
    path: str | os.PathLike[str],
    replications: int = 100,
    seed: int = 1,
    threads: int | None = None,
    chunk: int = 50,
    progress: bool = True,
    family_costs: bool = False,
    client: Any = None,
    keep: str = "replications",
    compression: str | None = None,
) -> Results:
    """Simulates replications 0 .. `replications` - 1 into the results file `path`, `chunk` at a
    time (each chunk appended atomically; the last one, of 20 or more, in two parts, so that the
    write the engine does not overlap is short), and returns the file's results.

    When `path` already holds results of the same scenario (same JSON) and seed, the run goes on
    from the replications there, so an interrupted run resumes; the finished file equals, bit for
    bit, one uninterrupted run. A file of another scenario, seed, engine version or git revision,
    or holding more than `replications`, is refused with ResultsFileError naming the file and what
    differs. Ctrl-C keeps every complete replication on disk and returns them, marked
    ``interrupted`` (no exception), like :func:`tvaer.simulate`. ``family_costs=True`` also
    stores every family's costs (``Results.family_costs``); a file resumes only with the same
    choice.

    ``client`` (a ``dask.distributed.Client``) runs the chunks on its cluster, `threads` engine
    threads each (default 1), and appends each to the file as soon as it and every chunk before
    it are done: the file is the same, and resumes the same, as a local run's (tvaer.distributed).

    ``keep="totals"`` returns totals folded chunk by chunk (as :func:`tvaer.simulate` with
    ``keep="totals"``) while the file receives every array: memory stays flat in replications,
    except that a resumed run first reads the replications already in the file.

    ``compression`` is how a new file stores its arrays: ``"szip"`` (the default,
    ``tvaer._core.DEFAULT_COMPRESSION``), ``"none"`` or ``"deflate:1"`` to ``"deflate:9"``
    (docs/results-format.md; any HDF5 reader decodes them). A resumed run keeps the file's own;
    naming another is refused. The arrays read back are the same bits whatever it is.
    """
    keep = aggregate.check_keep(keep)
    if compression is not None:
        compression = _core.check_compression(compression)
    record = runs.recording(family_costs=family_costs)
    scenario = scenario if scenario is not None else default_scenario()
    threads = runs.check_run(replications, seed, 1 if threads is None and client is not None else threads)
    if not isinstance(chunk, int) or chunk < 1:
        raise ValueError(f"chunk: must be an integer >= 1, got {chunk!r}")
    path = os.fspath(path)
    model = compile_model(scenario)
    # The file's replications and those written after them, held as written (or folded, with
    # keep="totals"): the returned results are the file's without reading it back.
    held: list[Any] = []

    def hold(raw: Any) -> None:
        if keep == "totals":
            if not held:
                held.append(aggregate.Totals(raw, list(model.lines), replications))
            held[0].add(raw)
        elif held:
            held[0].append(raw)
        else:
            raw.reserve(replications)  # each later chunk is copied once, not again as the arrays grow
            held.append(raw)

    if os.path.exists(path):
        hold(_resumable(path, scenario, seed, replications, family_costs, compression))
    done = int(held[0].replications) if held else 0
    bar = runs.progress_bar(replications, scenario.name) if progress else None
    if bar is not None:
        bar.update(done)
    interrupted = False

    def take(raw: Any) -> None:
        nonlocal done
        done += _store(path, raw, model, scenario, done == 0, compression)
        hold(raw)

    def reporter(base: int) -> Callable[[int], bool]:
        def report(n: int) -> bool:
            if bar is not None:
                bar.update(base + n - bar.n)
            return True
        return report

    try:
        if client is not None:
            interrupted = distributed.run_chunks(client, scenario, seed, done, replications - done, threads, chunk,
                                                 record, reporter(done), take)
        interrupted = _run_and_write(model, seed, done, replications, threads, chunk, record, reporter, take,
                                     interrupted)
    finally:
        if bar is not None:
            bar.close()
    if done == 0:
        raise KeyboardInterrupt  # interrupted before the first replication was complete: no file
    res = _labelled(path, held[0])
    res.interrupted = interrupted
    return res


def _run_and_write(model: Any, seed: int, done: int, replications: int, threads: int, chunk: int, record: Any,
                   reporter: Callable[[int], Callable[[int], bool]], take: Callable[[Any], None],
                   interrupted: bool) -> bool:
    """Runs the replications from `done` and hands each chunk to `take` (which writes it) in a
    writer thread as the engine completes it, its threads going on meanwhile (the engine and the
    HDF5 calls release the GIL): one engine call hands over chunks of `chunk`, a second runs the
    last chunk's short tail (:func:`_tail`), whose write is the one nothing overlaps. One chunk is
    written at a time, in order. Returns whether Ctrl-C stopped the run; every chunk run is
    written first."""
    with runs.HandOver(take, "writer") as write:
        tail = _tail(done, replications, chunk)
        for count in (replications - done - tail, tail):
            if count == 0 or interrupted or write.interrupted:
                continue
            try:
                rest, interrupted = runs.run(model, seed, done, count, threads, reporter(done), record, write, chunk)
            except KeyboardInterrupt:  # Ctrl-C while the engine was not running: every chunk run is written
                interrupted = True
                continue
            write(rest)  # what follows the last chunk handed over (maybe none)
            done = int(rest.first_replication) + int(rest.replications)
    return interrupted or write.interrupted  # leaving `with` waited for the last write


def _tail(done: int, replications: int, chunk: int) -> int:
    """How many replications at the end to run apart: the last chunk of 20 or more is run as two,
    its second part the largest divisor of `chunk` up to a fifth of it (10 of 50), and 0 when it
    is not cut. The last write is the one the engine does not overlap: a fifth of a chunk
    shortens it (docs/performance.md, "twelfth pass"). The file's first write is never cut: the
    file's chunks are cut to it, and a divisor of it keeps the parts as aligned to them as it can."""
    left = replications - done
    if chunk < 20 or left <= 0 or (done == 0 and left <= chunk):
        return 0
    last_chunk = left - chunk * ((left - 1) // chunk)  # the chunks are counted from `done`
    last = max(d for d in range(1, chunk // 5 + 1) if chunk % d == 0)
    return last if last_chunk > 2 * last else 0


def _store(path: str, raw: Any, model: Any, scenario: Scenario, first: bool, compression: str | None) -> int:
    """Writes (first chunk, compressed by `compression`, default szip) or appends `raw`; returns
    how many replications it held."""
    if raw.replications == 0:
        return 0
    if first:
        _core.write_results(path, raw, _core.make_provenance(model, scenario.to_json()),
                            compression or _core.DEFAULT_COMPRESSION)
    else:
        _core.append_results(path, raw)
    return int(raw.replications)


def _resumable(path: str, scenario: Scenario, seed: int, replications: int, family_costs: bool = False,
               compression: str | None = None) -> Any:
    """The engine's results the existing file holds; raises ResultsFileError when it does not
    hold the start of this very run."""
    prov = _core.read_provenance(path)
    raw = _core.read_results(path)
    ours = scenario.to_json()

    def refuse(what: str) -> ResultsFileError:
        return ResultsFileError(f"results file {path}: cannot resume: {what}; write to another file or remove it")

    if prov.scenario_text != ours:
        where = _first_difference(_scenario_data(path, prov.scenario_text), json.loads(ours))
        raise refuse(f"it holds another scenario ({where})")
    if raw.seed != seed:
        raise refuse(f"it holds seed {raw.seed}, not {seed}")
    if (prov.engine_version, prov.git_revision) != (_core.__version__, _core.GIT_REVISION):
        raise refuse(f"it was written by tvaer {prov.engine_version} at revision {prov.git_revision}, this is "
                     f"tvaer {_core.__version__} at revision {_core.GIT_REVISION}")
    if raw.first_replication != 0:
        raise refuse(f"it starts at replication {raw.first_replication}, not 0")
    if raw.replications > replications:
        raise refuse(f"it holds {raw.replications} replications, more than the {replications} asked for")
    if compression is not None and prov.compression != compression:
        raise refuse(f"its arrays are compressed with {prov.compression!r}, not {compression!r}; resume without "
                     "compression= (or the same)")
    if raw.replications > 0 and bool(raw.has_family_costs) != family_costs:
        raise refuse("it holds per-family costs; resume with family_costs=True" if raw.has_family_costs
                     else "it holds no per-family costs; resume with family_costs=False")
    return raw


def _first_difference(theirs: Any, ours: Any, where: str = "") -> str:
    """'first difference at <key path>: <file value> in the file, <given value> given'."""
    if isinstance(theirs, dict) and isinstance(ours, dict):
        for k in sorted(set(theirs) | set(ours)):
            if theirs.get(k) != ours.get(k):
                return _first_difference(theirs.get(k), ours.get(k), f"{where}.{k}" if where else str(k))
    elif isinstance(theirs, list) and isinstance(ours, list) and len(theirs) == len(ours):
        for i, (a, b) in enumerate(zip(theirs, ours)):
            if a != b:
                return _first_difference(a, b, f"{where}[{i}]")
    return f"first difference at {where or 'the top'}: {theirs!r} in the file, {ours!r} given"
