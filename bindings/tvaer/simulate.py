"""Running scenarios: Monte Carlo replications of both arms in C++ threads."""

from __future__ import annotations

import os
from typing import Any, Mapping

import pandas as pd

from . import _core
from .results import Results, _Meta, paired_interval
from .scenario import Scenario, compile_model, default_scenario

__all__ = ["simulate", "compare", "Comparison"]


def _meta(scenario: Scenario, model: Any) -> _Meta:
    return _Meta(budgets=list(model.budgets), sectors=list(model.sectors), ledger_lines=list(model.lines),
                 families=int(model.families), discount_rate=float(model.discount_rate),
                 scenario_json=scenario.to_json(), scenario_name=scenario.name)


def _check_run(replications: Any, seed: Any, threads: Any) -> int:
    """Checks the arguments shared by simulate and simulate_to_file; returns the thread count."""
    if not isinstance(replications, int) or isinstance(replications, bool) or not 1 <= replications < 2**31:
        raise ValueError(f"replications: must be an integer in [1, 2**31), got {replications!r}")
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed < 2**64:
        raise ValueError(f"seed: must be an integer in [0, 2**64), got {seed!r}")
    threads = (os.cpu_count() or 1) if threads is None else threads
    if not isinstance(threads, int) or threads < 1:
        raise ValueError(f"threads: must be an integer >= 1, got {threads!r}")
    return threads


def simulate(
    scenario: Scenario | None = None,
    replications: int = 100,
    seed: int = 1,
    threads: int | None = None,
    progress: bool = True,
    first_replication: int = 0,
    family_costs: bool = False,
    bookings: bool = False,
) -> Results:
    """Simulates both arms of `replications` replications; the same seed gives the same numbers
    whatever `threads` is.

    Ctrl-C stops within about a second (replications still running are abandoned, however large)
    and returns the replications that are complete, marked ``results.interrupted = True`` (no
    exception); a KeyboardInterrupt is raised only if Ctrl-C comes before the run starts.

    ``family_costs=True`` also records every family's cost per year and paying budget, the month
    it was admitted into the solution and whether it was a candidate (``Results.family_costs``);
    it is off by default (memory grows with families x years x budgets) and ``to_hdf5`` writes it
    to the results file with the rest. ``bookings=True`` records the booking log
    (``Results.bookings``: every krone with family, member, ledger line and month), meant for a
    few replications and not written to results files.
    """
    if not isinstance(bookings, bool):
        raise ValueError(f"bookings: must be True or False, got {bookings!r}")
    if not isinstance(family_costs, bool):
        raise ValueError(f"family_costs: must be True or False, got {family_costs!r}")
    if not isinstance(first_replication, int) or isinstance(first_replication, bool) or \
            not 0 <= first_replication < 2**32:
        raise ValueError(f"first_replication: must be an integer in [0, 2**32), got {first_replication!r}")
    scenario = scenario if scenario is not None else default_scenario()
    threads = _check_run(replications, seed, threads)
    record = _core.ReplicationOptions(family_costs=family_costs, bookings=bookings)
    model = compile_model(scenario)
    bar = _progress_bar(replications, scenario.name) if progress else None

    def report(done: int) -> bool:
        if bar is not None:
            bar.update(done - bar.n)
        return True

    try:
        raw, interrupted = _run(model, seed, first_replication, replications, threads, report, record)
    finally:
        if bar is not None:
            bar.close()
    return Results(raw, _meta(scenario, model), interrupted=interrupted)


def _run(model: Any, seed: int, first: int, count: int, threads: int, report: Any, record: Any) -> tuple[Any, bool]:
    """Runs replications [first, first + count) recording what `record` (`_core.ReplicationOptions`)
    asks for; on Ctrl-C returns the complete ones and True."""
    try:
        return _core.run(model, seed, first, count, threads, report, record), False
    except KeyboardInterrupt as e:
        raw = getattr(e, "tvaer_partial", None)
        if raw is None:
            raise
        return raw, True


def _progress_bar(total: int, name: str) -> Any:
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=f"tvaer {name}", unit="rep", leave=False)


class Comparison:
    """Several scenarios run with the same seed: common random numbers across scenarios."""

    def __init__(self, results: Mapping[str, Results], baseline: str):
        self.results = dict(results)
        self.baseline = baseline

    def differences(self, level: float = 0.95) -> pd.DataFrame:
        """Per scenario, sector and year: the paired difference of the solution arm's cost
        against the baseline scenario's solution arm (mean and interval over replications)."""
        base = self.results[self.baseline].yearly_costs.sum("kind").sel(arm="solution")
        rows = []
        for name, res in self.results.items():
            if name == self.baseline:
                continue
            other = res.yearly_costs.sum("kind").sel(arm="solution")
            d = (other - base).transpose("replication", "year", "sector")
            mean, lo, hi = paired_interval(d.values, axis=0, level=level)
            for i, year in enumerate(d["year"].values):
                for j, sector in enumerate(d["sector"].values):
                    rows.append({"scenario": name, "sector": sector, "year": int(year),
                                 "difference": mean[i, j], "ci_low": lo[i, j], "ci_high": hi[i, j]})
        return pd.DataFrame(rows).set_index(["scenario", "sector", "year"]).sort_index()

    def summaries(self) -> dict[str, pd.DataFrame]:
        return {name: res.summary() for name, res in self.results.items()}


def compare(
    scenarios: Mapping[str, Scenario],
    baseline: str | None = None,
    replications: int = 100,
    seed: int = 1,
    threads: int | None = None,
    progress: bool = True,
) -> Comparison:
    """Runs each scenario with the same seed and returns paired differences against `baseline`
    (default: the first). The scenarios must have the same sectors for differences to align."""
    if not scenarios:
        raise ValueError("compare: needs at least one scenario")
    names = list(scenarios)
    baseline = baseline or names[0]
    if baseline not in scenarios:
        raise ValueError(f"compare: baseline {baseline!r} is not one of {names}")
    out = {name: simulate(sc, replications=replications, seed=seed, threads=threads, progress=progress)
           for name, sc in scenarios.items()}
    return Comparison(out, baseline)
