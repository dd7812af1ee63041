"""Running scenarios: Monte Carlo replications of both arms in C++ threads."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

import pandas as pd

from . import aggregate, distributed, runs, scenario_warnings
from .labelled import xarray
from .results import Results, paired_interval
from .scenario import Scenario, compile_model, default_scenario

if TYPE_CHECKING:  # imported where used: the first labelled array costs up to a second
    import xarray as xr

__all__ = ["simulate", "compare", "Comparison"]


def simulate(
    scenario: Scenario | None = None,
    replications: int = 100,
    seed: int = 1,
    threads: int | None = None,
    progress: bool = True,
    first_replication: int = 0,
    family_costs: bool = False,
    bookings: bool = False,
    client: Any = None,
    chunk: int | None = None,
    keep: str = "replications",
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

    ``client`` (a ``dask.distributed.Client``) runs the replications on its cluster, `chunk` at a
    time (default: tvaer.distributed.chunk_size), each chunk with `threads` engine threads
    (default 1); the numbers are the same as a local run's (tvaer.distributed, docs/distributed.md).

    ``keep="replications"`` (the default) keeps every replication's arrays (about 0.15 MB per
    replication of the default scenario). ``keep="totals"`` folds replications into totals as they
    finish, so memory stays flat in replications: each replication's yearly costs by budget and
    kind, events and admitted families, and per-month means and variances over replications
    (:meth:`Results.mean`, :meth:`Results.variance`); ``summary()``, ``break_even()`` and
    ``present_value()`` give the same numbers as with the full arrays, and what needs those
    arrays raises ValueError naming ``keep="replications"`` (tvaer.aggregate, docs/performance.md).
    """
    keep = aggregate.check_keep(keep)
    record = runs.recording(family_costs=family_costs, bookings=bookings)
    if keep == "totals" and (family_costs or bookings):
        raise ValueError("keep='totals' keeps no per-replication detail; family_costs=True and bookings=True "
                         "need keep='replications'")
    if not isinstance(first_replication, int) or isinstance(first_replication, bool) or \
            not 0 <= first_replication < 2**32:
        raise ValueError(f"first_replication: must be an integer in [0, 2**32), got {first_replication!r}")
    scenario = scenario if scenario is not None else default_scenario()
    if chunk is not None and client is None:
        raise ValueError(f"chunk: goes with client= (chunks of replications for Dask tasks), got chunk={chunk!r} "
                         "without a client")
    threads = runs.check_run(replications, seed, 1 if threads is None and client is not None else threads)
    model = compile_model(scenario)
    scenario_warnings.warn(scenario)
    bar = runs.progress_bar(replications, scenario.name) if progress else None

    def report(done: int) -> bool:
        if bar is not None:
            bar.update(done - bar.n)
        return True

    try:
        if keep == "totals":
            raw, interrupted = _run_totals(client, scenario, model, seed, first_replication, replications, threads,
                                           chunk, record, report)
        elif client is None:
            raw, interrupted = runs.run(model, seed, first_replication, replications, threads, report, record)
        else:
            raw, interrupted = distributed.run(client, scenario, model, seed, first_replication, replications,
                                               threads, chunk, record, report)
    finally:
        if bar is not None:
            bar.close()
    return Results(raw, sectors=list(model.sectors), ledger_lines=list(model.lines), families=int(model.families),
                   discount_rate=float(model.discount_rate), scenario_json=scenario.to_json(),
                   scenario_name=scenario.name, interrupted=interrupted)


def _run_totals(client: Any, scenario: Scenario, model: Any, seed: int, first: int, count: int, threads: int,
                chunk: int | None, record: Any, report: Any) -> tuple[aggregate.Totals, bool]:
    """keep="totals": block by block locally, or chunk by chunk (in replication order) on `client`."""
    lines = list(model.lines)
    if client is None:
        return aggregate.run(lambda f, n, rep, deliver=None, block=0:
                             runs.run(model, seed, f, n, threads, rep, record, deliver, block), lines,
                             first, count, threads, report)
    totals: list[aggregate.Totals] = []

    def take(raw: Any) -> None:
        if not totals:
            totals.append(aggregate.Totals(raw, lines, count))
        totals[0].add(raw)

    interrupted = distributed.run_chunks(client, scenario, seed, first, count, threads, chunk, record, report, take)
    if not totals:  # interrupted before the first chunk: no replications
        take(runs.run(model, seed, first, 0, 1, None, record)[0])
    return totals[0], interrupted


class Comparison:
    """Several scenarios run with the same seed: common random numbers across scenarios."""

    def __init__(self, results: Mapping[str, Results], baseline: str):
        self.results = dict(results)
        self.baseline = baseline

    def __repr__(self) -> str:
        others = [n for n in self.results if n != self.baseline]
        reps = self.results[self.baseline].replications
        return (f"<tvaer.Comparison: {', '.join(map(repr, others))} against baseline {self.baseline!r}, "
                f"{reps} replications each, common random numbers>")

    def differences(self, level: float = 0.95) -> pd.DataFrame:
        """Per scenario (in the order given), sector and year: the paired difference (DKK) of the
        solution arm's cost against the baseline scenario's solution arm (mean and interval over
        replications), with a row ``sector == "total"`` per scenario and year for all budgets
        together, its interval from the paired totals (not the sum of the sectors' intervals)."""
        xr = xarray()

        base = self.results[self.baseline].yearly_costs.sum("kind").sel(arm="solution")
        base = xr.concat([base, base.sum("sector").expand_dims(sector=["total"])], dim="sector")
        rows = []
        for name, res in self.results.items():
            if name == self.baseline:
                continue
            other = res.yearly_costs.sum("kind").sel(arm="solution")
            other = xr.concat([other, other.sum("sector").expand_dims(sector=["total"])], dim="sector")
            d = (other - base).transpose("replication", "year", "sector")
            mean, lo, hi = paired_interval(d.values, axis=0, level=level)
            for j, sector in enumerate(d["sector"].values):
                for i, year in enumerate(d["year"].values):
                    rows.append({"scenario": name, "sector": str(sector), "year": int(year),
                                 "difference": mean[i, j], "ci_low": lo[i, j], "ci_high": hi[i, j]})
        df = pd.DataFrame(rows)
        for column in ["scenario", "sector"]:  # sorted in the order given, not alphabetically
            df[column] = pd.Categorical(df[column], categories=list(dict.fromkeys(df[column])), ordered=True)
        return df.set_index(["scenario", "sector", "year"]).sort_index()

    def summaries(self) -> dict[str, pd.DataFrame]:
        return {name: res.summary() for name, res in self.results.items()}


def compare(
    scenarios: Mapping[str, Scenario],
    baseline: str | None = None,
    replications: int = 100,
    seed: int = 1,
    threads: int | None = None,
    client: Any = None,
    progress: bool = True,
    keep: str = "replications",
) -> Comparison:
    """Runs each scenario with the same seed and returns paired differences against `baseline`
    (default: the first). The scenarios must have the same sectors for differences to align.
    ``keep="totals"`` keeps memory flat in replications (see :func:`simulate`); the
    differences and summaries are the same."""
    if not scenarios:
        raise ValueError("compare: needs at least one scenario")
    names = list(scenarios)
    baseline = baseline or names[0]
    if baseline not in scenarios:
        raise ValueError(f"compare: baseline {baseline!r} is not one of {names}")
    out = {name: simulate(sc, replications=replications, seed=seed, threads=threads, client=client,
                          progress=progress, keep=keep)
           for name, sc in scenarios.items()}
    return Comparison(out, baseline)
