"""Furesø's monthly accounts forecast, run on simulated data and checked against the truth.

At the end of month k of a budget year, Furesø adds up what the citizens in its solution have
cost so far this year, followed from each citizen's entry date, and forecasts the rest of the
year, by centre (sector) and by type of benefit or intervention; the total is set against the
same citizens' consumption in the whole previous year [report L4204-4222, L5640-5648]. The
municipality never learns how good that forecast was. The simulation does: the same citizens'
realised cost to the end of the year is known, so the forecast error can be measured month by
month (docs/followup.md).

Everything here is computed from the booking log (``simulate(..., bookings=True)``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .results import Results

__all__ = ["Forecast", "forecast", "forecast_errors", "RULES"]

# How the rest of the year is forecast from what a citizen costs so far, per citizen and ledger line.
RULES = {
    "last_month": "the citizen's cost in the last closed month continues every remaining month "
                  "(what is granted now runs to the end of the year)",
    "ytd_average": "the citizen's average monthly cost since the later of entry and 1 January "
                   "continues every remaining month",
}

COLUMNS = ["previous_year", "realised", "forecast", "projected", "truth", "error"]


@dataclass(frozen=True)
class Forecast:
    """One forecast: `table` in DKK by (sector, type) with the columns ``previous_year`` (the
    citizens' whole previous year, NaN in year 1), ``realised`` (this year to the end of month
    `month`, from each citizen's entry), ``forecast`` (the rest of the year by `rule`),
    ``projected`` = realised + forecast, ``truth`` (what the same citizens really cost to the end
    of the year, from entry) and ``error`` = projected - truth."""

    table: pd.DataFrame
    year: int
    month: int
    rule: str
    citizens: int
    replication: int

    def total(self) -> pd.Series:
        """The table's columns summed over sectors and types."""
        return self.table.sum(min_count=1)

    def by_sector(self) -> pd.DataFrame:
        return self.table.groupby(level="sector").sum(min_count=1)

    def chart(self, by: str = "sector") -> Any:
        """Figur 6.2's chart: realised (orange) and forecast (green) per sector or type, against
        the previous year (grey), with the simulated truth marked."""
        from .plots import forecast_chart

        return forecast_chart(self, by=by)


def _line_type(lines: pd.DataFrame) -> pd.Series:
    """The report's 'type of benefit or intervention' of each ledger line."""
    def one(row: pd.Series) -> str:
        if row["source_kind"] == "intervention":
            return row["source"].split("/", 1)[1]
        if row["benefit"]:
            return row["benefit"] + (" refusion" if row["source_kind"] == "refusion" else "")
        return row["source"]
    return lines.apply(one, axis=1)


def _book(results: Results, replication: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The solution arm's bookings of one replication, summed by (family, sector, type, month),
    and the (family, month) pairs in which a family is inside the solution (a positive booking on
    a solution line)."""
    if replication not in range(results.first_replication, results.first_replication + results.replications):
        raise ValueError(f"replication: must be one of the results' replications "
                         f"{results.first_replication}..{results.first_replication + results.replications - 1}, got {replication!r}")
    b = results.bookings
    b = b[(b["replication"] == replication) & (b["arm"] == "solution")]
    types = _line_type(results.lines)
    b = b.assign(type=types.to_numpy()[b["line"].to_numpy()])
    inside = b[b["group"] == "solution"].groupby(["family", "month"])["amount"].sum()
    inside = inside[inside > 0].reset_index()[["family", "month"]]
    cost = b.groupby(["family", "payer", "type", "month"])["amount"].sum().rename("amount").reset_index()
    return cost.rename(columns={"payer": "sector"}), inside


def _forecast_table(cost: pd.DataFrame, inside: pd.DataFrame, year: int, month: int, rule: str) -> tuple[pd.DataFrame, int]:
    start, now, end = (year - 1) * 12, (year - 1) * 12 + month - 1, year * 12
    # Citizens: inside the solution in some month of this year up to now; entry = first month inside.
    entry = inside.groupby("family")["month"].min()
    active = inside[(inside["month"] >= start) & (inside["month"] <= now)]["family"].unique()
    c = cost[cost["family"].isin(active)]
    c = c.assign(entry=entry.reindex(c["family"]).to_numpy())
    from_ = np.maximum(c["entry"].to_numpy(), start)
    m = c["month"].to_numpy()
    followed = (m >= from_) & (m < end)
    realised_m = followed & (m <= now)
    keys = ["family", "sector", "type"]
    per = pd.DataFrame({
        "previous_year": np.where((m >= start - 12) & (m < start), c["amount"], 0.0),
        "realised": np.where(realised_m, c["amount"], 0.0),
        "last": np.where(m == now, c["amount"], 0.0),
        "truth": np.where(followed, c["amount"], 0.0),
    })
    per[keys] = c[keys].to_numpy()
    per["from"] = from_
    g = per.groupby(keys).agg(previous_year=("previous_year", "sum"), realised=("realised", "sum"),
                              last=("last", "sum"), truth=("truth", "sum"), from_=("from", "first"))
    remaining = 12 - month
    if rule == "last_month":
        g["forecast"] = g["last"] * remaining
    else:
        g["forecast"] = g["realised"] / (now - g["from_"] + 1) * remaining
    t = g.reset_index().groupby(["sector", "type"])[["previous_year", "realised", "forecast", "truth"]].sum()
    if year == 1:
        t["previous_year"] = np.nan
    t["projected"] = t["realised"] + t["forecast"]
    t["error"] = t["projected"] - t["truth"]
    return t[COLUMNS], int(len(active))


def _check(results: Results, year: int, month: int, rule: str) -> None:
    years = results.months // 12
    if not isinstance(year, int) or isinstance(year, bool) or not 1 <= year <= years:
        raise ValueError(f"year: must be a whole budget year of the run, 1..{years} "
                         f"({results.months} months simulated), got {year!r}")
    if not isinstance(month, int) or isinstance(month, bool) or not 1 <= month <= 12:
        raise ValueError(f"month: must be the number of closed months of the year, 1..12, got {month!r}")
    if rule not in RULES:
        raise ValueError(f"rule: must be one of {', '.join(repr(r) for r in RULES)}, got {rule!r}")


def forecast(results: Results, month: int, year: int = 2, replication: int | None = None,
             rule: str = "last_month") -> Forecast:
    """Furesø's forecast at the end of `month` (1-12) of budget `year` (year 1 = months 0-11) for
    one replication (default: the first), from the booking log (``simulate(..., bookings=True)``).

    The citizens are the families that have entered the solution by the end of `month` (entry =
    the first month with a cost on a solution line) and are in it at some time this year. Their
    costs are followed from the later of their entry month and 1 January, by paying budget
    (``sector``) and ``type`` (the benefit, the intervention, or the state for a measure without a
    benefit; state refunds as "<benefit> refusion"). `rule` (see :data:`RULES`) forecasts the rest
    of the year per citizen and type. ``truth`` is the same citizens' realised cost to the end of
    the year, so ``error`` is the forecast's error, which a municipality never gets to see."""
    _check(results, year, month, rule)
    replication = results.first_replication if replication is None else replication
    cost, inside = _book(results, replication)
    table, n = _forecast_table(cost, inside, year, month, rule)
    return Forecast(table, year, month, rule, n, replication)


def forecast_errors(results: Results, year: int = 2, rules: tuple[str, ...] = tuple(RULES)) -> pd.DataFrame:
    """The forecast's total error at every month of `year`, for each rule and every replication
    of the booking log: one row per (rule, month, replication) with ``projected``, ``truth``,
    ``error`` and ``relative_error`` = error / truth."""
    for rule in rules:
        _check(results, year, 1, rule)
    rows = []
    for r in range(results.first_replication, results.first_replication + results.replications):
        cost, inside = _book(results, r)
        for rule in rules:
            for k in range(1, 13):
                t, n = _forecast_table(cost, inside, year, k, rule)
                s = t[["projected", "truth", "error"]].sum()
                rows.append({"rule": rule, "month": k, "replication": r, "citizens": n,
                             "projected": s["projected"], "truth": s["truth"], "error": s["error"]})
    df = pd.DataFrame(rows)
    df["relative_error"] = df["error"] / df["truth"]
    return df
