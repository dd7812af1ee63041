"""Helsingør's proposed KPIs and Furesø's result targets, true and as a municipality observes them.

Helsingør proposes to follow its solution by (1) the total economy split into salaries and
services "inside" and "outside" the solution, (2) the average price per family per month and
(3) the number of families per month [report L6046-6052]. A municipality sees only the costs
registered on a citizen's CPR number (80-90 %, report L4146-4154) and adds the rest as averages
(L4154-4160). :func:`kpis` gives each KPI both ways. :func:`result_targets` counts Furesø's
result targets (the share of participants reaching job or education per year, 15 % in Furesø,
L4179-4191; movements between the steps) for participants and the comparison group from a
pilot's observation table (docs/followup.md).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .estimate import spells
from .results import Results

__all__ = ["kpis", "result_targets", "impute"]

FAMILY_KINDS = ("state", "refusion", "intervention", "reimbursement")  # lines of a family's costs; the others are salaries


def impute(cpr_part: np.ndarray, cpr_all: np.ndarray, hidden_all: np.ndarray) -> np.ndarray:
    """The municipality's average for the costs it cannot see per citizen: an account's
    non-CPR spending on all families (`hidden_all`) times the share some citizens' CPR-registered
    costs (`cpr_part`) are of all CPR-registered costs on it (`cpr_all`); 0 where nothing is
    registered. Element-wise."""
    cpr_all = np.asarray(cpr_all, dtype=float)
    safe = np.where(cpr_all != 0, cpr_all, 1.0)
    return np.where(cpr_all != 0, np.asarray(hidden_all) * np.asarray(cpr_part) / safe, 0.0)


def kpis(results: Results) -> pd.DataFrame:
    """Per (replication, month), the solution arm: ``families`` inside the solution, and for
    ``salaries``, ``inside`` and ``outside`` (services and benefits of the families inside, paid
    inside or outside the solution's own budget), ``total`` and ``price`` (total per family) the
    true value, the ``observed_`` value and the ``gap_`` (observed - true), in DKK.

    Observed = the CPR-registered costs plus the other costs imputed as an average: per paying
    budget, month and inside/outside, the municipality knows its non-CPR spending on all families
    (the account) and attributes to the participants the share their CPR-registered costs are of
    all CPR-registered costs on that account. Salaries are known from the payroll, so observed =
    true. Families per month are known exactly."""
    lc = results.line_costs.sel(arm="solution")  # (rep, line, month)
    lines = results.lines
    family_line = lines["source_kind"].isin(FAMILY_KINDS).to_numpy()
    inside_sol = (lines["group"] == "solution").to_numpy()
    cpr = lines["cpr_registered"].to_numpy()
    data = lc.transpose("replication", "line", "month").values

    def total(mask: np.ndarray) -> np.ndarray:  # (rep, month)
        return data[:, mask, :].sum(axis=1)

    out = {"salaries": total(~family_line)}
    observed = {"salaries": out["salaries"]}
    for name, flag in [("inside", True), ("outside", False)]:
        true_ = np.zeros_like(out["salaries"])
        obs = np.zeros_like(out["salaries"])
        for payer in lines["payer"].unique():
            acct = family_line & (lines["payer"] == payer).to_numpy() & (lines["inside_unit_budget"] == flag).to_numpy()
            cpr_p, cpr_all = total(acct & inside_sol & cpr), total(acct & cpr)
            true_ += total(acct & inside_sol)
            obs += cpr_p + impute(cpr_p, cpr_all, total(acct & ~cpr))
        out[name], observed[name] = true_, obs
    families = results.flows["occupancy"].sel(arm="solution", row="solution/families").transpose("replication", "month").values
    out["total"] = out["salaries"] + out["inside"] + out["outside"]
    observed["total"] = observed["salaries"] + observed["inside"] + observed["outside"]
    with np.errstate(invalid="ignore", divide="ignore"):
        out["price"] = np.where(families > 0, out["total"] / np.where(families > 0, families, 1.0), np.nan)
        observed["price"] = np.where(families > 0, observed["total"] / np.where(families > 0, families, 1.0), np.nan)
    reps = lc["replication"].values
    idx = pd.MultiIndex.from_product([reps, lc["month"].values], names=["replication", "month"])
    df = pd.DataFrame({"families": families.ravel()}, index=idx)
    for k in out:
        df[k] = out[k].ravel()
        df[f"observed_{k}"] = observed[k].ravel()
        df[f"gap_{k}"] = df[f"observed_{k}"] - df[k]
    return df


def result_targets(observations: pd.DataFrame, track: str = "adult", goal: str = "job", end: float | None = None) -> pd.DataFrame:
    """Per year and group of a checked observation table (``tvaer.pilot_observations`` or
    ``tvaer.estimate.read_observations``): ``members`` of `track` observed in the year,
    ``reached`` = those who entered `goal` in the year, ``share`` = reached / members (Furesø's
    target: 15 % a year, report L4179-4191), and ``moves``: every change of state on the track in
    the year, as ``from->to`` columns of counts."""
    df = observations.copy()
    if "track" not in df.columns:
        df["track"] = df["state"].str.split("/").str[0].where(df["state"] != "censored")
        df["track"] = df.groupby(["family", "member"])["track"].transform("first")
    end = float(df["month"].max() + 1 if end is None else end)
    sp = spells(df.sort_values(["family", "member", "month"], kind="stable").reset_index(drop=True), end)
    sp = sp[sp["track"] == track]
    sp = sp.assign(stop=sp["start"] + sp["exposure"])
    years = range(1, int(np.ceil(end / 12)) + 1)
    rows = []
    for y in years:
        a, b = (y - 1) * 12, y * 12
        seen = sp[(sp["start"] < b) & (sp["stop"] > a)]
        ev = sp[(sp["to"] != "") & (sp["stop"] >= a) & (sp["stop"] < b)]
        for g in sorted(sp["group"].unique()):
            members = seen[seen["group"] == g][["family", "member"]].drop_duplicates()
            e = ev[ev["group"] == g]
            reached = e[e["to"] == f"{track}/{goal}"][["family", "member"]].drop_duplicates()
            row = {"year": y, "group": g, "members": len(members), "reached": len(reached),
                   "share": len(reached) / len(members) if len(members) else np.nan}
            for (f, t), n in e.groupby(["state", "to"]).size().items():
                row[f"{f.split('/')[1]}->{t.split('/')[1]}"] = int(n)
            rows.append(row)
    df = pd.DataFrame(rows).set_index(["year", "group"])
    moves = [c for c in df.columns if "->" in c]
    df[moves] = df[moves].fillna(0).astype(int)
    return df
