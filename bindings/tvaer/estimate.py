"""From a pilot's observed records back into a scenario: transition rates and effect multipliers.

A pilot observes which state each member of each family is in over time, for participants and a
comparison group. For stays that end at a constant rate (exponential, the engine's ``rate``
transitions) the maximum-likelihood estimate of a rate is events over exposure, and the effect
of the solution on a transition is the ratio of the participants' rate to the comparison
group's. :func:`estimate` reads the table, estimates both, and returns a scenario whose
``organisation.effects`` carry the estimates as ``[uncertain]`` lognormal distributions, so that
pilot -> estimate -> scenario -> Monte Carlo is one loop. The table format and the method are in
docs/followup.md.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .errors import ObservationError
from .results import Results
from .scenario import Scenario

__all__ = ["Estimate", "estimate", "read_observations", "pilot_observations", "GROUPS", "CENSORED"]

GROUPS = ("participant", "comparison")
CENSORED = "censored"  # a row with this state ends the member's observation without an event
REQUIRED = ["family", "member", "month", "state", "group"]
Z95 = 1.959963984540054


def _states(scenario: Scenario) -> dict[str, list[str]]:
    """track -> its state names."""
    return {t["name"]: [s["name"] for s in t.get("states", [])] for t in scenario.get("tracks", [])}


def read_observations(observations: pd.DataFrame | str | Path, scenario: Scenario, end: float) -> pd.DataFrame:
    """Checks a pilot's table (a DataFrame or a CSV file) and returns it sorted by family, member
    and month with a ``track`` column. Raises ObservationError naming the row (as numbered in the
    table, from 0) and the column."""
    df = pd.read_csv(observations) if isinstance(observations, (str, Path)) else observations.copy()
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise ObservationError(f"observations: column {missing[0]!r} is missing; the table needs the columns "
                               f"{', '.join(REQUIRED)} (optional: cost_<sector>), got {', '.join(map(str, df.columns))}")
    df = df.reset_index(drop=True)

    def fail(i: int, col: str, msg: str) -> None:
        raise ObservationError(f"observations: row {i}, column {col!r}: {msg}, got {df.at[i, col]!r}")

    numeric = ["family", "member", "month"] + [c for c in df.columns if str(c).startswith("cost_")]
    for col in numeric:
        values = pd.to_numeric(df[col], errors="coerce")
        bad = values.isna() | ~np.isfinite(values)
        if col != "month" and not str(col).startswith("cost_"):
            bad |= (values < 0) | (values != np.floor(values))
        if col == "month":
            bad |= (values < 0) | (values >= end)
        if bad.any():
            want = {"month": f"a number of months since the pilot's start in [0, {end:g}) (the pilot's end)",
                    "family": "a whole number >= 0", "member": "a whole number >= 0"}.get(col, "a number")
            fail(int(np.flatnonzero(bad)[0]), col, f"must be {want}")
        df[col] = values
    by_state = {f"{t}/{s}": t for t, states in _states(scenario).items() for s in states}
    bad_state = ~df["state"].isin(list(by_state) + [CENSORED])
    bad_group = ~df["group"].isin(GROUPS)
    for i in np.flatnonzero(bad_state | bad_group)[:1]:
        if bad_state[i]:
            fail(int(i), "state", f"must be a state of the scenario spelt 'track/state' ({', '.join(by_state)}) or {CENSORED!r}")
        fail(int(i), "group", f"must be one of {', '.join(map(repr, GROUPS))}")
    df["family"] = df["family"].astype(np.int64)
    df["member"] = df["member"].astype(np.int64)
    df["track"] = df["state"].map(by_state)
    df["row"] = np.arange(len(df))
    df = df.sort_values(["family", "member", "month"], kind="stable").reset_index(drop=True)
    same = (df["family"] == df["family"].shift()) & (df["member"] == df["member"].shift())
    dup = same & (df["month"] == df["month"].shift())
    if dup.any():
        j = int(np.flatnonzero(dup)[0])
        raise ObservationError(f"observations: rows {int(df.at[j - 1, 'row'])} and {int(df.at[j, 'row'])}, column 'month': "
                               f"family {df.at[j, 'family']}, member {df.at[j, 'member']} has two states at month {df.at[j, 'month']:g}")
    tracks = df["track"].groupby([df["family"], df["member"]]).transform("nunique")
    if (tracks > 1).any():
        j = int(np.flatnonzero(tracks > 1)[0])
        raise ObservationError(f"observations: row {int(df.at[j, 'row'])}, column 'state': family {df.at[j, 'family']}, "
                               f"member {df.at[j, 'member']} is in states of more than one track; a member follows one track")
    return df


def spells(df: pd.DataFrame, end: float) -> pd.DataFrame:
    """One row per spell of a checked table: from a row to the member's next row (or `end`), with
    the state, group, exposure in months and the next state (the event, or "" if censored)."""
    nxt = df.groupby(["family", "member"])[["month", "state"]].shift(-1)
    out = pd.DataFrame({
        "family": df["family"], "member": df["member"], "start": df["month"],
        "track": df["track"], "state": df["state"], "group": df["group"],
        "exposure": nxt["month"].fillna(end) - df["month"],
        "to": nxt["state"].fillna(""),
    })
    out = out[out["state"] != CENSORED]
    out.loc[(out["to"] == out["state"]) | (out["to"] == CENSORED), "to"] = ""
    return out


@dataclass(frozen=True)
class Estimate:
    """What :func:`estimate` returns. `rates`: per (track, from, to, group) the events, exposure
    (member-months in `from`), the rate per month and its 95 % interval. `effects`: per
    transition the multiplier (participants' rate / comparison's rate), its 95 % interval and the
    standard error of its logarithm. `scenario`: the input scenario with those multipliers in
    ``organisation.effects`` and ``[uncertain]``."""

    rates: pd.DataFrame
    effects: pd.DataFrame
    scenario: Scenario


def _rate_table(sp: pd.DataFrame, transitions: list[tuple[str, str, str]]) -> pd.DataFrame:
    exposure = sp.groupby(["track", "state", "group"])["exposure"].sum()
    events = sp[sp["to"] != ""].groupby(["track", "state", "to", "group"]).size()
    rows = []
    for track, frm, to in transitions:
        for g in GROUPS:
            e = float(exposure.get((track, frm, g), 0.0))
            d = int(events.get((track, frm, to, g), 0))
            rate = d / e if e > 0 else math.nan
            half = Z95 / math.sqrt(d) if d > 0 else math.nan
            rows.append({"track": track, "from": frm, "to": to, "group": g, "events": d, "exposure": e, "rate": rate,
                         "low": rate * math.exp(-half), "high": rate * math.exp(half)})
    return pd.DataFrame(rows)


def _effect_table(rates: pd.DataFrame) -> pd.DataFrame:
    p = rates[rates["group"] == "participant"].set_index(["track", "from", "to"])
    c = rates[rates["group"] == "comparison"].set_index(["track", "from", "to"])
    ok = (p["events"] > 0) & (c["events"] > 0)
    ratio = (p["rate"] / c["rate"]).where(ok)
    se = np.sqrt(1.0 / p["events"].where(ok) + 1.0 / c["events"].where(ok))
    return pd.DataFrame({"multiplier": ratio, "low": ratio * np.exp(-Z95 * se), "high": ratio * np.exp(Z95 * se),
                         "se_log": se, "events_participant": p["events"], "events_comparison": c["events"]}).reset_index()


def _with_effects(scenario: Scenario, effects: pd.DataFrame) -> Scenario:
    data = scenario.data
    org = data.setdefault("organisation", {})
    items = list(org.get("effects", []))
    uncertain = dict(data.get("uncertain", {}))
    for _, row in effects.dropna(subset=["multiplier"]).iterrows():
        key = (row["track"], row["from"], row["to"])
        found = [i for i, e in enumerate(items) if (e.get("track"), e.get("from"), e.get("to")) == key]
        item = {"track": key[0], "from": key[1], "to": key[2], "multiplier": float(row["multiplier"])}
        if found:
            items[found[0]] = item
        else:
            items.append(item)
        i = found[0] if found else len(items) - 1
        uncertain[f"organisation.effects.{i}.multiplier"] = {"distribution": "lognormal", "median": float(row["multiplier"]),
                                                              "sigma": float(row["se_log"])}
    org["effects"] = items
    data["uncertain"] = uncertain
    return Scenario(data, f"{scenario.source or scenario.name} + pilot estimates")


def estimate(observations: pd.DataFrame | str | Path, scenario: Scenario, end: float | None = None,
             effects_on: list[str] | None = None) -> Estimate:
    """Estimates the transition rates of each group and the solution's effect on each transition
    of `scenario` given by a ``rate``, from a pilot's `observations` (a DataFrame or CSV file; the
    format is in docs/followup.md). `end`: the pilot's end in months since its start, where every
    member still observed is right-censored (default: the scenario's ``horizon_months``).

    Rates are events over exposure (the maximum-likelihood estimate for exponential stays) with
    95 % intervals exp(log rate +- 1.96 / sqrt(events)); multipliers are ratios of rates with
    exp(log ratio +- 1.96 sqrt(1/d_participant + 1/d_comparison)). A transition without events in
    one group has no multiplier (NaN) and is left out of the returned scenario.

    `effects_on`: the transitions ("track/from->to", as in ``Results.flows``) whose multipliers go
    into the returned scenario (default: every one estimated); the others are only reported.
    `scenario` is the one the estimates are written into: the pilot's, or the full scenario the
    pilot was for, with `end` the pilot's length."""
    end = float(scenario.get("horizon_months") if end is None else end)
    df = read_observations(observations, scenario, end)
    sp = spells(df, end)
    transitions = [(t["name"], s["name"], tr["to"]) for t in scenario.get("tracks", []) for s in t.get("states", [])
                   for tr in s.get("transitions", []) if "rate" in tr]
    prefixed = [(t, f"{t}/{f}", f"{t}/{to}") for t, f, to in transitions]
    rates = _rate_table(sp, prefixed)
    rates["from"] = rates["from"].str.split("/").str[1]
    rates["to"] = rates["to"].str.split("/").str[1]
    effects = _effect_table(rates)
    chosen = effects
    if effects_on is not None:
        names = effects["track"] + "/" + effects["from"] + "->" + effects["to"]
        unknown = [t for t in effects_on if t not in set(names)]
        if unknown:
            raise ValueError(f"effects_on: {unknown[0]!r} is not a transition with a rate in the scenario; "
                             f"one of {', '.join(names)}")
        chosen = effects[names.isin(effects_on)]
    return Estimate(rates, effects, _with_effects(scenario, chosen))


# ---- pilot data from a simulation ---------------------------------------------------------------
def _free_successors(scenario: Scenario, costed: set[str]) -> dict[str, str]:
    """For each state, the one state without costs it can move to directly, where there is exactly
    one ("track/state" -> "track/state"); and for each track with exactly one state without costs,
    that state (key: the track's name), for members first seen there."""
    out = {}
    for t in scenario.get("tracks", []):
        free = [s["name"] for s in t.get("states", []) if f"{t['name']}/{s['name']}" not in costed]
        if len(free) == 1:
            out[t["name"]] = f"{t['name']}/{free[0]}"
        for st in t.get("states", []):
            nxt = {tr["to"] for tr in st.get("transitions", [])} & set(free)
            if len(nxt) == 1:
                out[f"{t['name']}/{st['name']}"] = f"{t['name']}/{nxt.pop()}"
            elif len(free) == 1:
                out[f"{t['name']}/{st['name']}"] = f"{t['name']}/{free[0]}"
    return out


def _monthly_states(results: Results, b: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """(family, member, month) -> "track/state" from one replication's booking log `b`: the state
    line with the largest amount that month; a month without a state booking is the state without
    costs that the last state read leads to (if there is exactly one), else ``censored``."""
    b = b[b["source_kind"] == "state"]
    net = b.groupby(["family", "member", "month", "source"])["amount"].sum()
    net = net[net > 0].reset_index()
    top = net.sort_values("amount", kind="stable").groupby(["family", "member", "month"]).tail(1)
    free = _free_successors(scenario, set(results.lines["source"]))
    last = top.groupby("family")["month"].max()
    members = top.groupby(["family", "member"]).agg(first=("month", "min"), source=("source", "first")).reset_index()
    members["track"] = members["source"].str.split("/").str[0]
    members["stop"] = np.minimum(members["family"].map(last).to_numpy() + 1, results.months - 1)
    n = (members["stop"] - members["first"] + 1).to_numpy()
    g = pd.DataFrame({"family": np.repeat(members["family"].to_numpy(), n),
                      "member": np.repeat(members["member"].to_numpy(), n)})
    g["month"] = np.repeat(members["first"].to_numpy(), n) + (np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n))
    g = g.merge(top[["family", "member", "month", "source"]], how="left", on=["family", "member", "month"])
    known = g.groupby(["family", "member"])["source"].ffill()
    g["state"] = g["source"].fillna(known.map(free)).fillna(CENSORED)
    return g[["family", "member", "month", "state"]]


def pilot_observations(results: Results, replication: int | None = None, arm: str = "solution") -> pd.DataFrame:
    """A pilot's observation table made from one replication of a simulation (solution arm; needs
    ``simulate(..., family_costs=True, bookings=True)``): participants are the families while they
    are inside the solution (from their entry month; a ``censored`` row when they leave it), the
    comparison group the candidates (eligible and motivated) while they have no place: those who
    never get one, and those on the waiting list until their entry month. States are read month by month from the
    booking log, so the table has month resolution (docs/followup.md says what that costs).

    ``arm="bau"`` is the placebo no municipality can run: the same families in the same groups and
    months (taken from the solution arm), but their states in business as usual. Its estimated
    multipliers are what the comparison finds without any solution: the selection bias.

    Beside the required columns the table has ``age``: the member's age in years at the start of
    the month (as in :attr:`Results.bookings`), NaN on a track without ``ages``."""
    if arm not in ("solution", "bau"):
        raise ValueError(f"arm: must be 'solution' or 'bau', got {arm!r}")
    replication = results.first_replication if replication is None else replication
    scenario = Scenario(json.loads(results.scenario_json), results.scenario_name)
    log = results.bookings
    log = log[log["replication"] == replication]
    b = log[log["arm"] == "solution"]
    panel = _monthly_states(results, log[log["arm"] == arm], scenario)
    fc = results.family_costs.sel(replication=replication, arm="solution")
    admitted = pd.Series(fc["admitted_month"].values, index=fc["family"].values)
    candidate = pd.Series(fc["candidate"].values, index=fc["family"].values)
    # inside the solution: a month with a cost on a solution line; a month with costs on usual lines
    # only is outside; a month without costs keeps the status of the month before
    by = b.assign(sol=np.where(b["group"] == "solution", b["amount"], 0.0)).groupby(["family", "month"])[["sol", "amount"]].sum()
    status = pd.Series(np.where(by["sol"] > 0, 1.0, np.where(by["amount"] > 0, 0.0, np.nan)), index=by.index, name="in")
    panel = panel.merge(status.reset_index(), how="left", on=["family", "month"])
    panel["in"] = panel.groupby(["family", "member"])["in"].ffill().fillna(0.0) > 0
    adm = panel["family"].map(admitted).fillna(-1).to_numpy()
    part = panel[(adm >= 0) & (panel["month"].to_numpy() >= adm)].copy()
    cand = panel["family"].map(candidate).fillna(False).to_numpy().astype(bool)
    comp = panel[cand & ((adm < 0) | (panel["month"].to_numpy() < adm))]
    # participants: from entry while inside; the first month outside is a censored row, then nothing
    exit_month = part[~part["in"]].groupby("family")["month"].min()
    leaves = part["family"].map(exit_month)
    part = part[~(part["month"] > leaves)]
    part.loc[part["month"] == part["family"].map(exit_month), "state"] = CENSORED
    out = pd.concat([part.assign(group="participant"), comp.assign(group="comparison")], ignore_index=True)
    # each member's age at month 0 (the log's age less the months since; the largest, as a member
    # born during a month shows 0 there), so every row has the age at the start of its month
    age0 = (b["age"] - b["month"] / 12).groupby([b["family"], b["member"]]).max()
    key = pd.MultiIndex.from_arrays([out["family"], out["member"]])
    out["age"] = age0.reindex(key).to_numpy() + out["month"].to_numpy() / 12
    return out[REQUIRED + ["age"]].sort_values(["family", "member", "month"], kind="stable").reset_index(drop=True)
