"""One measurement, run in a fresh process by ``python -m tvaer.bench`` so that its peak memory is
its own: simulates one model with one implementation and prints one JSON object (events, seconds,
peak RSS; for the ladder each replication's year-1 cost per family and sector and its events in
one arm).

The parent starts it with :data:`BOOT`, which makes ``tvaer`` a bare namespace for this process
(``tvaer/__init__.py`` is not run), so that each implementation loads only what it needs: the
Python implementations the standard library (and simpy or neworder), tvaer its compiled core and,
for a shipped scenario, the scenario reader. Otherwise every process would carry pandas, xarray
and dask, which ``import tvaer`` loads."""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from . import ladder as L

#: Code for ``python -c``: registers the package directory as a bare ``tvaer`` and runs main().
BOOT = ("import sys, types; pkg = types.ModuleType('tvaer'); pkg.__path__ = [sys.argv[1]]; "
        "sys.modules['tvaer'] = pkg; from tvaer.bench import worker; worker.main(sys.argv[2])")

PYTHON_IMPLEMENTATIONS = ("simpy", "heapq", "neworder")


def replication_seed(seed: int, replication: int) -> int:
    """The seed of replication `replication` for the Python implementations' own generators."""
    return (seed << 32) | replication


def _simulator(implementation: str):
    """The implementation's `simulate`; importing it here loads its libraries before the clock starts."""
    if implementation == "heapq":
        from .heapq_ladder import simulate
    elif implementation == "simpy":
        from .simpy_ladder import simulate
    else:
        from .neworder_ladder import simulate
    return simulate


def _python_ladder(spec: dict[str, Any]) -> dict[str, Any]:
    simulate = _simulator(spec["implementation"])
    families, seed = spec["families"], spec["seed"]
    t0, c0 = time.perf_counter(), time.process_time()
    outcomes = [simulate(families, replication_seed(seed, r)) for r in range(spec["replications"])]
    seconds, cpu_seconds = time.perf_counter() - t0, time.process_time() - c0
    return {"events": sum(o.events for o in outcomes), "seconds": seconds, "cpu_seconds": cpu_seconds,
            "dropped": sum(o.dropped for o in outcomes), "year1": [o.year1() for o in outcomes],
            "replication_events": [o.events for o in outcomes]}


def _tvaer(spec: dict[str, Any]) -> dict[str, Any]:
    import numpy as np

    from tvaer import _core

    if spec["model"] == "ladder":
        model = _core.ladder_model(spec["families"])
        record = _core.ReplicationOptions()
    else:
        from tvaer.runs import recording

        from .scaling import scaled
        from tvaer.scenario import compile_model, load_scenario

        scenario = load_scenario(spec["path"])
        if spec["families"] is not None:
            scenario = scaled(scenario, spec["families"], spec["scale"])
        model = compile_model(scenario)
        record = recording()
    t0, c0 = time.perf_counter(), time.process_time()
    raw = _core.run(model, spec["seed"], 0, spec["replications"], spec["threads"], None, record)
    seconds, cpu_seconds = time.perf_counter() - t0, time.process_time() - c0
    out: dict[str, Any] = {"events": int(np.asarray(raw.events).sum()), "seconds": seconds,
                           "cpu_seconds": cpu_seconds, "families": int(model.families)}
    if spec.get("engine_bytes"):
        # After the clock, and after the peak memory is read: one more replication (replication 0
        # of the round's seed, both arms), whose engine reports what it held (docs/performance.md).
        out["peak_rss_bytes"] = peak_rss_bytes()
        held = _core.engine_bytes(model, spec["seed"], 0)
        out["engine_bytes_per_family"] = [b / model.families for b in held]
    if spec["model"] == "ladder":
        costs = np.asarray(raw.costs)[:, 0, :, :12].sum(axis=2)  # business as usual: (replication, line)
        year1 = np.zeros((costs.shape[0], len(L.SECTORS)))
        for i, line in enumerate(model.lines):
            year1[:, L.SECTORS.index(model.budgets[line.payer])] += costs[:, i]
        out["year1"] = (year1 / spec["families"]).tolist()
        out["dropped"] = int(np.asarray(raw.dropped)[:, 0].sum())
        out["replication_events"] = np.asarray(raw.events)[:, 0].tolist()  # business as usual
    return out


def measure(spec: dict[str, Any]) -> dict[str, Any]:
    """Runs the measurement `spec` (model, implementation, families, replications, threads, seed,
    and path for a scenario file) in this process."""
    if spec["implementation"] == "tvaer":
        return _tvaer(spec)
    return _python_ladder(spec)


def peak_rss_bytes() -> int:
    """This process's peak resident memory. Linux: VmHWM of /proc/self/status, which counts this
    program only (``ru_maxrss`` of a child also counts the parent's memory at the fork, since
    Linux carries it across exec); elsewhere ``ru_maxrss``."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    import resource

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss if sys.platform == "darwin" else rss * 1024


def main(spec_json: str) -> None:
    result = measure(json.loads(spec_json))
    result.setdefault("peak_rss_bytes", peak_rss_bytes())
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
