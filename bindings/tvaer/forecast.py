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

from .kpis import impute
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


def _check_replication(results: Results, replication: int) -> None:
    if replication not in range(results.first_replication, results.first_replication + results.replications):
        raise ValueError(f"replication: must be one of the results' replications "
                         f"{results.first_replication}..{results.first_replication + results.replications - 1}, got {replication!r}")


@dataclass(frozen=True)
class _Ledger:
    """One replication's solution-arm bookings by (family, sector, type) cell and month, as arrays."""

    cell: np.ndarray        # per booking row: its cell
    month: np.ndarray
    amount: np.ndarray       # what it really cost
    seen: np.ndarray         # what the municipality sees of it (= amount, or CPR-registered + imputed)
    cell_family: np.ndarray  # per cell: the family
    cell_label: np.ndarray   # per cell: index into labels
    labels: pd.MultiIndex    # (sector, type)
    inside_family: np.ndarray  # (family, month) pairs inside the solution
    inside_month: np.ndarray


HIDDEN = "not CPR-registered"  # the type of costs no citizen's CPR number carries (observed=True)


def _imputed_rows(b: pd.DataFrame) -> pd.DataFrame:
    """Per (replication, family, label, month): the average a municipality books for the costs it
    cannot see per citizen (kpis.impute, per paying budget and month over all families)."""
    cpr = b["cpr_registered"].to_numpy()
    acct = ["replication", "payer", "month"]
    registered = b[cpr].groupby(acct)["amount"].sum().rename("cpr_all")
    hidden = b[~cpr].groupby(acct)["amount"].sum().rename("hidden_all")
    own = b[cpr].groupby(["replication", "family", "payer", "month"])["amount"].sum().rename("cpr_part").reset_index()
    own = own.join(registered, on=acct).join(hidden, on=acct).fillna({"hidden_all": 0.0})
    own["seen"] = impute(own["cpr_part"], own["cpr_all"], own["hidden_all"])
    return own


def _book(results: Results, only: int | None = None, observed: bool = False) -> dict[int, _Ledger]:
    """Per replication: the solution arm's bookings summed by (family, sector, type, month), and
    the (family, month) pairs in which a family is inside the solution (a positive booking on a
    solution line). With `observed`, costs not registered on a CPR number are one type per sector,
    seen as the imputed average instead of their amount."""
    b = results.bookings
    b = b[(b["arm"] == "solution") & ((b["replication"] == only) if only is not None else True)]
    lines = results.lines
    types = _line_type(lines).to_numpy()
    if observed:
        types = np.where(lines["cpr_registered"].to_numpy(), types, HIDDEN)
    payers = list(lines["payer"]) + (list(lines["payer"].unique()) if observed else [])
    all_types = list(types) + ([HIDDEN] * lines["payer"].nunique() if observed else [])
    label, labels = pd.factorize(pd.MultiIndex.from_arrays([payers, all_types], names=["sector", "type"]))
    b = b.assign(label=label[b["line"].to_numpy()])
    b["seen"] = np.where(b["cpr_registered"].to_numpy() | (not observed), b["amount"].to_numpy(), 0.0)
    inside = b[b["group"] == "solution"].groupby(["replication", "family", "month"])["amount"].sum()
    inside = inside[inside > 0].reset_index()
    keys = ["replication", "family", "label", "month"]
    cost = b.groupby(keys)[["amount", "seen"]].sum().reset_index()
    if observed:
        extra = _imputed_rows(b)
        hidden_label = {p: labels.get_loc((p, HIDDEN)) for p in lines["payer"].unique()}
        extra = extra.assign(label=extra["payer"].map(hidden_label), amount=0.0)
        cost = pd.concat([cost, extra[keys + ["amount", "seen"]]]).groupby(keys)[["amount", "seen"]].sum().reset_index()
    out = {}
    for r in ([only] if only is not None else range(results.first_replication, results.first_replication + results.replications)):
        c, i = cost[cost["replication"] == r], inside[inside["replication"] == r]
        cell, cells = pd.factorize(pd.MultiIndex.from_arrays([c["family"], c["label"]]))
        out[r] = _Ledger(cell, c["month"].to_numpy(), c["amount"].to_numpy(), c["seen"].to_numpy(),
                         cells.get_level_values(0).to_numpy(), cells.get_level_values(1).to_numpy(), labels,
                         i["family"].to_numpy(), i["month"].to_numpy())
    return out


def _forecast_table(book: _Ledger, year: int, month: int, rule: str) -> tuple[pd.DataFrame, int]:
    start, now, end = (year - 1) * 12, (year - 1) * 12 + month - 1, year * 12
    # Citizens: inside the solution in some month of this year up to now; entry = first month inside.
    entry = pd.Series(book.inside_month).groupby(book.inside_family).min()
    active = np.unique(book.inside_family[(book.inside_month >= start) & (book.inside_month <= now)])
    cell_from = np.maximum(entry.reindex(book.cell_family).fillna(np.inf).to_numpy(), start)
    cell_active = np.isin(book.cell_family, active)
    m, from_ = book.month, cell_from[book.cell]
    followed = (m >= from_) & (m < end)

    def per_cell(mask: np.ndarray, amount: np.ndarray = book.seen) -> np.ndarray:  # summed per (family, sector, type)
        return np.bincount(book.cell, weights=np.where(mask, amount, 0.0), minlength=len(cell_from))

    realised = per_cell(followed & (m <= now))
    remaining = 12 - month
    with np.errstate(invalid="ignore", divide="ignore"):
        forecast_ = per_cell(m == now) * remaining if rule == "last_month" else realised / (now - cell_from + 1) * remaining
    cols = {"previous_year": per_cell((m >= start - 12) & (m < start)), "realised": realised,
            "forecast": forecast_, "truth": per_cell(followed, book.amount)}
    n = len(book.labels)
    t = pd.DataFrame({k: np.bincount(book.cell_label[cell_active], weights=v[cell_active], minlength=n)
                      for k, v in cols.items()}, index=book.labels)
    t = t[np.bincount(book.cell_label[cell_active], minlength=n) > 0].sort_index()
    t.index.names = ["sector", "type"]
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
             rule: str = "last_month", observed: bool = False) -> Forecast:
    """Furesø's forecast at the end of `month` (1-12) of budget `year` (year 1 = months 0-11) for
    one replication (default: the first), from the booking log (``simulate(..., bookings=True)``).

    The citizens are the families that have entered the solution by the end of `month` (entry =
    the first month with a cost on a solution line) and are in it at some time this year. Their
    costs are followed from the later of their entry month and 1 January, by paying budget
    (``sector``) and ``type`` (the benefit, the intervention, or the state for a measure without a
    benefit; state refunds as "<benefit> refusion"). `rule` (see :data:`RULES`) forecasts the rest
    of the year per citizen and type. ``truth`` is the same citizens' realised cost to the end of
    the year, so ``error`` is the forecast's error, which a municipality never gets to see.

    ``observed=True`` forecasts from what a municipality sees: the costs not registered on a CPR
    number become one type per sector, ``"not CPR-registered"``, whose previous year, realised
    and forecast are the imputed average (``tvaer.kpis.impute`` per paying budget and month) and
    whose truth is what they really were."""
    _check(results, year, month, rule)
    replication = results.first_replication if replication is None else replication
    _check_replication(results, replication)
    table, n = _forecast_table(_book(results, replication, observed)[replication], year, month, rule)
    return Forecast(table, year, month, rule, n, replication)


def forecast_errors(results: Results, year: int = 2, rules: tuple[str, ...] = tuple(RULES),
                    observed: bool = False) -> pd.DataFrame:
    """The forecast's total error at every month of `year`, for each rule and every replication
    of the booking log: one row per (rule, month, replication) with ``projected``, ``truth``,
    ``error`` and ``relative_error`` = error / truth; `observed` as in :func:`forecast`."""
    for rule in rules:
        _check(results, year, 1, rule)
    rows = []
    for r, book in _book(results, observed=observed).items():
        for rule in rules:
            for k in range(1, 13):
                t, n = _forecast_table(book, year, k, rule)
                s = t[["projected", "truth", "error"]].sum()
                rows.append({"rule": rule, "month": k, "replication": r, "citizens": n,
                             "projected": s["projected"], "truth": s["truth"], "error": s["error"]})
    df = pd.DataFrame(rows)
    df["relative_error"] = df["error"] / df["truth"]
    return df
