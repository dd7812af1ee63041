"""Albertslund's *nulpunktsmåling*: each participant's costs before entry as the municipality's
baseline, and the bias of that baseline against the simulated counterfactual.

Albertslund planned to document the saving of its cross-sector solution by setting "the costs of
the previous efforts for the citizen (nulpunktsmåling)" against the real costs in the new
solution, per sector, and to redistribute the money between the sectors at the closing of the
accounts [report L3912-3933, L4714-4730]. A municipality has only the participant's own history
to stand in for what the participant would have cost. tvaer also has the business-as-usual arm,
the same families on the same random numbers without the solution, so it can say how far the
municipality's method is off: families are admitted when they are expensive, and many would have
become cheaper anyway (regression to the mean), which the before-after comparison credits to the
solution (docs/followup.md, "The nulpunktsmåling").

Everything here is computed from the booking log and the admission months
(``simulate(..., bookings=True, family_costs=True)``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd

from . import _core
from .results import Results, paired_interval

__all__ = ["BaselineMeasurement", "baseline_measurement", "baseline_redistribution", "BASES", "LEFT_OUT"]

# Why an admitted family is not measured (the keys of BaselineMeasurement.left_out).
LEFT_OUT = {
    "window_before_start": "admitted less than `window` months after the start of the run: no full window before entry",
    "arrived_in_window": "arrived in the municipality less than `window` months before entry (an arrival is "
                         "known from its first booked month)",
    "after_past_horizon": "the `after` months from entry run past the end of the run",
}

# The retrospective rule's bases (tvaer.budgets.retrospective, docs/allocation.md rule 6).
BASES = ("equal", "baseline", "invested", "gained")

_COLUMNS = ["baseline", "after", "municipality_saving", "true_saving", "bias"]


def _whole(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{name}: must be a whole number of months > 0, got {value!r}")
    return int(value)


def _check(results: Results, window: int, after: int) -> None:
    if not isinstance(results, Results):
        raise TypeError(f"results: must be tvaer.Results, got {type(results).__name__}")
    missing = [flag for flag, held in [("bookings=True", bool(getattr(results.raw, "has_bookings", False))),
                                       ("family_costs=True", results.holds("family_admitted"))] if not held]
    if missing:
        raise ValueError(f"results: the baseline measurement needs the booking log and the admission months; "
                         f"these results lack {' and '.join(missing)}: run tvaer.simulate(..., bookings=True, "
                         f"family_costs=True)")
    if window + after > results.months:
        raise ValueError(f"window + after: {window} + {after} months do not fit in the run's "
                         f"{results.months} months")


@dataclass(frozen=True)
class BaselineMeasurement:
    """The nulpunktsmåling of every participant, per replication (see :func:`baseline_measurement`).

    ``families``: one row per (replication, family, sector) of the measured participants with
    ``entry`` (the admission month), ``baseline`` (solution arm, the `window` months before
    entry), ``after`` (solution arm, the `after` months from entry), ``bau_after`` (business as
    usual, the same months), ``municipality_saving`` = baseline x after / window - after,
    ``true_saving`` = bau_after - after and ``bias`` = municipality_saving - true_saving, in DKK.
    ``participants``: one row per (replication, family) admitted into the solution with its
    ``entry`` and ``status`` (``"measured"`` or a key of :data:`LEFT_OUT`).
    ``per_replication``: the measured participants' sums per (replication, sector), a sector
    ``"total"`` included, with ``participants`` (how many were measured)."""

    families: pd.DataFrame
    participants: pd.DataFrame
    per_replication: pd.DataFrame
    window: int
    after: int
    sectors: list[str]

    @property
    def replications(self) -> int:
        return int(self.participants["replication"].nunique()) if len(self.participants) else 0

    def left_out(self) -> pd.DataFrame:
        """Admitted families per replication and status: ``measured`` and each reason of
        :data:`LEFT_OUT` (0 where none), with a row ``"all"`` summing the replications."""
        counts = self.participants.groupby(["replication", "status"]).size().unstack("status")
        counts = counts.reindex(columns=["measured", *LEFT_OUT], fill_value=0).fillna(0).astype(int)
        counts.loc["all"] = counts.sum()
        return counts

    def table(self, level: float = 0.95) -> pd.DataFrame:
        """Per sector (and ``"total"``), DKK summed over the measured participants of a
        replication, mean over replications: ``baseline``, ``after`` (scaled: both for `after`
        months), ``municipality_saving``, ``true_saving`` and ``bias``, the last three with a
        ``_low`` / ``_high`` interval at `level` (tvaer.results.paired_interval), and the mean
        number of ``participants`` measured."""
        p = self.per_replication
        rows = {}
        for sector in [*self.sectors, "total"]:
            s = p.xs(sector, level="sector")
            row = {"participants": s["participants"].mean(),
                   "baseline": (s["baseline"] * self.after / self.window).mean(), "after": s["after"].mean()}
            for col in _COLUMNS[2:]:
                mean, lo, hi = paired_interval(s[col].to_numpy(), axis=0, level=level)
                row.update({col: float(mean), f"{col}_low": float(lo), f"{col}_high": float(hi)})
            rows[sector] = row
        df = pd.DataFrame.from_dict(rows, orient="index").rename_axis("sector")
        df.attrs.update(level=level, window=self.window, after=self.after, replications=self.replications)
        return df

    def sentence(self, sector: str | None = None) -> str:
        """One sentence on `sector` (default: the sector whose mean bias is largest in size): the
        saving the municipality's baseline would credit to it and the true saving, in mio. DKK."""
        t = self.table()
        if not (t["participants"] > 0).any():
            raise ValueError("sentence: no participant was measured (see .left_out() for why)")
        if sector is None:
            sector = str(t.drop(index="total")["bias"].abs().idxmax())
        elif sector not in t.index:
            raise ValueError(f"sector: must be one of {', '.join(t.index)}, got {sector!r}")
        r = t.loc[sector]
        return (f"Over the {self.after} months after entry of {r['participants']:.0f} participants, the "
                f"municipality's baseline ({self.window} months before entry) would credit "
                f"{r['municipality_saving'] / 1e6:.2f} mio. DKK of savings to {sector}; the true saving is "
                f"{r['true_saving'] / 1e6:.2f} mio. DKK (95 % interval {r['true_saving_low'] / 1e6:.2f} to "
                f"{r['true_saving_high'] / 1e6:.2f}), a bias of {r['bias'] / 1e6:.2f} mio. DKK.")


def _status(entry: np.ndarray, arrival: np.ndarray, window: int, after: int, months: int) -> np.ndarray:
    return np.select([entry < window, arrival > entry - window, entry + after > months],
                     list(LEFT_OUT), default="measured")


def baseline_measurement(results: Results, window: int = 12, after: int = 12) -> BaselineMeasurement:
    """Albertslund's nulpunktsmåling [report L3912-3933, L4714-4730] run on simulated data.

    Participants are the families admitted into the solution (``admitted_month``, their entry
    month). A participant is measured if its `window` months before entry lie inside the run and
    it lived in the municipality through them (families of the initial population are there from
    month 0, arrivals from their first booked month), and its `after` months from entry (the entry
    month counts to them) end inside the run; the others are left out and counted by reason
    (:data:`LEFT_OUT`, ``.left_out()``). A participant that leaves the solution again is still
    followed (the same citizens, as in tvaer.forecast).

    Costs are every booking on the family (benefits net of refusion, services, interventions) by
    paying budget; the solution's salaries and coordination meetings are nobody's booking and are
    not in it. The municipality's estimate of the saving is baseline x after / window - after
    (the baseline scaled to the same length), both in the solution arm, which is all a
    municipality sees; the true saving is the same families' business-as-usual cost over the same
    months (common random numbers) less their solution-arm cost.

    Raises ValueError naming `window` or `after` when not a whole number of months > 0 or when
    they do not fit in the run, and naming `results` when it lacks the booking log or the
    admission months."""
    window, after = _whole(window, "window"), _whole(after, "after")
    _check(results, window, after)
    entry = results.family_costs["admitted_month"].sel(arm="solution").to_series()
    entry = entry[entry >= 0].rename("entry").reset_index()
    b = results.bookings
    first = b.groupby(["replication", "family"])["month"].min().rename("first_booked")
    entry = entry.join(first, on=["replication", "family"])
    initial = results.families if results.families is not None else 0
    arrival = np.where(entry["family"] < initial, 0, entry["first_booked"].fillna(results.months))
    entry["status"] = _status(entry["entry"].to_numpy(), arrival, window, after, results.months)
    participants = entry[["replication", "family", "entry", "status"]].reset_index(drop=True)

    measured = participants[participants["status"] == "measured"]
    b = b.merge(measured[["replication", "family", "entry"]], on=["replication", "family"])
    rel = b["month"].to_numpy() - b["entry"].to_numpy()
    solution = (b["arm"] == "solution").to_numpy()
    b["column"] = np.select([solution & (rel >= -window) & (rel < 0), solution & (rel >= 0) & (rel < after),
                             ~solution & (rel >= 0) & (rel < after)], ["baseline", "after", "bau_after"], "")
    b = b[b["column"] != ""]
    sectors = list(results.budgets)
    fam = (b.groupby(["replication", "family", "payer", "column"], observed=True)["amount"].sum()
           .unstack("column").reindex(columns=["baseline", "after", "bau_after"]))
    grid = pd.MultiIndex.from_tuples([(r, f, s) for r, f in zip(measured["replication"], measured["family"])
                                      for s in sectors], names=["replication", "family", "sector"])
    fam = fam.rename_axis(index={"payer": "sector"}).reindex(grid).fillna(0.0)
    fam = fam.join(measured.set_index(["replication", "family"])["entry"], on=["replication", "family"])
    fam["municipality_saving"] = fam["baseline"] * after / window - fam["after"]
    fam["true_saving"] = fam["bau_after"] - fam["after"]
    fam["bias"] = fam["municipality_saving"] - fam["true_saving"]
    families = fam[["entry", "baseline", "after", "bau_after", *_COLUMNS[2:]]]

    reps = np.arange(results.first_replication, results.first_replication + results.replications)
    idx = pd.MultiIndex.from_product([reps, sectors], names=["replication", "sector"])
    per = families.drop(columns="entry").groupby(level=["replication", "sector"]).sum().reindex(idx, fill_value=0.0)
    total = per.groupby(level="replication").sum()
    total.index = pd.MultiIndex.from_product([reps, ["total"]], names=["replication", "sector"])
    per = pd.concat([per, total]).sort_index(level="replication", sort_remaining=False)
    n = measured.groupby("replication").size().reindex(reps, fill_value=0)
    per["participants"] = n.reindex(per.index.get_level_values("replication")).to_numpy()
    return BaselineMeasurement(families, participants, per, window, after, sectors)


def _weights(basis: str, gain: np.ndarray, baseline: np.ndarray) -> np.ndarray:
    """The retrospective rule's weights (engine/src/allocation_rules.cpp, basis_weights):
    equal; baseline = the cost without the solution; invested = max(0, -gain); gained = max(0,
    gain); all 0 falls back to equal."""
    w = {"equal": np.ones_like(gain), "baseline": np.maximum(0.0, baseline),
         "invested": np.maximum(0.0, -gain), "gained": np.maximum(0.0, gain)}[basis]
    return w if w.sum() > 0 else np.ones_like(gain)


def _settle(gain: np.ndarray, baseline: np.ndarray, members: np.ndarray, basis: str) -> np.ndarray:
    """Øre per budget after the retrospective settlement of `gain` (øre per budget): the total
    gain spread over `members` by the basis' weights (_core.apportion: exact to the øre), every
    other budget at 0."""
    out = np.zeros_like(gain)
    out[members] = _core.apportion(int(gain.sum()), list(_weights(basis, gain[members], baseline[members])))
    return out


def baseline_redistribution(measurement: BaselineMeasurement, sectors: Sequence[str] | None = None,
                            basis: str = "gained", level: float = 0.95) -> pd.DataFrame:
    """Albertslund's retrospective redistribution of the participants' gains [report L3912-3933],
    settled once on the simulated counterfactual and once on the municipality's baseline, side by
    side: per budget, means over replications in DKK (and "total"):

    * ``true_gain``, ``municipality_gain``: each budget's saving by the two methods
      (``true_saving``, ``municipality_saving`` of the measurement);
    * ``true_allocation``: what each budget ends with when the true total gain is shared among
      `sectors` by `basis` (the rule of tvaer.budgets.retrospective; other budgets end at 0);
    * ``municipality_allocation``: the same rule on the municipality's gains, what its books say
      each budget ends with;
    * ``transfer``: the money the municipality's settlement moves (municipality_allocation -
      municipality_gain; sums to 0);
    * ``real_outcome``: what each budget really ends with after those transfers (true_gain +
      transfer; sums to the true total gain, as ``true_allocation`` does), and
      ``error`` = real_outcome - true_allocation, with an interval at `level`.

    Money is whole øre in each replication (_core.apportion), so ``real_outcome`` and
    ``true_allocation`` sum to the same total in every replication. The settlement covers the
    measured participants' `after` months, not a budget year, and not the unit's salaries or
    effects on other families. `sectors` default to the scenario's sectors (all budgets but
    ``"solution"``); `basis` is one of :data:`BASES` (``"baseline"`` weighs by the business-as-usual
    cost, or by the municipality's scaled baseline)."""
    if basis not in BASES:
        raise ValueError(f"basis: must be one of {', '.join(repr(b) for b in BASES)}, got {basis!r}")
    budgets = measurement.sectors
    sectors = [s for s in budgets if s != "solution"] if sectors is None else list(sectors)
    unknown = [s for s in sectors if s not in budgets]
    if not sectors or unknown:
        raise ValueError(f"sectors: must be budgets of the results ({', '.join(budgets)}), got {sectors!r}")
    members = np.array([budgets.index(s) for s in dict.fromkeys(sectors)])
    p = measurement.per_replication.drop(index="total", level="sector")
    ratio = measurement.after / measurement.window
    cols = ["true_gain", "municipality_gain", "true_allocation", "municipality_allocation", "transfer", "real_outcome"]
    rows = []
    for rep, s in p.groupby(level="replication"):
        s = s.droplevel("replication").reindex(budgets)
        ore = {k: np.array([_core.to_ore(float(x)) for x in s[c]]) for k, c in
               [("true", "true_saving"), ("municipality", "municipality_saving"), ("bau", "bau_after")]}
        ore["measured"] = np.array([_core.to_ore(float(x) * ratio) for x in s["baseline"]])
        true_alloc = _settle(ore["true"], ore["bau"], members, basis)
        muni_alloc = _settle(ore["municipality"], ore["measured"], members, basis)
        transfer = muni_alloc - ore["municipality"]
        data = [ore["true"], ore["municipality"], true_alloc, muni_alloc, transfer, ore["true"] + transfer]
        rows.append(pd.DataFrame(np.column_stack(data), index=pd.Index(budgets, name="budget"), columns=cols)
                    .assign(replication=rep))
    per = pd.concat(rows).set_index("replication", append=True)
    per = pd.concat([per, per.groupby(level="replication").sum().assign(budget="total")
                     .set_index("budget", append=True).reorder_levels(["budget", "replication"])])
    per["error"] = per["real_outcome"] - per["true_allocation"]
    per = per / 100.0
    out = per.groupby(level="budget", sort=False).mean()
    for budget, g in per.groupby(level="budget", sort=False):
        _, lo, hi = paired_interval(g["error"].to_numpy(), axis=0, level=level)
        out.loc[budget, ["error_low", "error_high"]] = [float(lo), float(hi)]
    out.attrs.update(basis=basis, sectors=sectors, level=level, units="DKK")
    return out
