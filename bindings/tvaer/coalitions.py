"""Shapley values by simulation (docs/allocation.md): a coalition's value is the simulated saving
when only that coalition's sectors take part in the solution, every coalition run with the same
seed (common random numbers). Part of :mod:`tvaer.budgets`' API (re-exported there)."""

from __future__ import annotations

import json
from typing import Any, Sequence

import numpy as np
import pandas as pd

from . import _core
from .results import paired_interval
from .scenario import Scenario

def coalition_scenario(scenario: Scenario, members: Sequence[str], players: Sequence[str] | None = None) -> Scenario:
    """The scenario in which only the players in `members` take part in the solution (sectors
    that are not players always take part). A sector that does not take part:

    * its solution-only interventions are unavailable: an intervention belongs to the sectors
      named in its costs, and stays only if all of them take part;
    * its interventions available in both arms work as usual inside the solution too (the
      solution arm's decision delay becomes the usual one, the sector grants and pays);
    * the organisation's effects on its cases are dropped: an effect belongs to the sectors with a
      cost in its ``from`` state (or, for a state without costs, anywhere on its track) and stays
      only if all of them take part.

    Staff, selection and everything else are unchanged. Returns a new Scenario.
    """
    data = json.loads(json.dumps(scenario.data))
    everyone = [str(s) for s in data.get("sectors", [])]
    absent = set(players if players is not None else everyone) - set(members)
    data["interventions"] = [_as_coalition(iv, absent) for iv in data.get("interventions", [])]
    data["interventions"] = [iv for iv in data["interventions"] if iv is not None]
    org = data.get("organisation", {})
    if "effects" in org:
        org["effects"] = [e for e in org["effects"] if not (_effect_sectors(data, e) & absent)]
    return Scenario(data, scenario.source)


def _as_coalition(iv: dict, absent: set[str]) -> dict | None:
    if not ({c.get("sector") for c in iv.get("costs", [])} & absent):
        return iv
    if iv.get("available", "both") == "solution":
        return None
    if iv.get("available", "both") == "bau":
        return iv
    delay = iv.get("decision_delay", {})
    if "bau" in delay:
        delay["solution"] = delay["bau"]
    else:
        delay.pop("solution", None)
    iv.update(grants="sector", pays="sector")
    iv.pop("payment_key", None)
    iv.pop("inside_unit_budget", None)
    return iv


def _effect_sectors(data: dict, effect: dict) -> set[str]:
    track = next((t for t in data.get("tracks", []) if t.get("name") == effect.get("track")), {})
    states = track.get("states", [])
    own = {c.get("sector") for s in states if s.get("name") == effect.get("from") for c in s.get("costs", [])}
    return own or {c.get("sector") for s in states for c in s.get("costs", [])}


class ShapleyValues:
    """Coalition values and Shapley values of the players, per replication and summarised."""

    def __init__(self, players: list[str], yearly_savings: np.ndarray, level: float):
        self.players = players
        self.yearly_savings = yearly_savings  # (replication, year, coalition mask): DKK, v(empty) = 0
        self.savings = yearly_savings.sum(axis=1)  # (replication, coalition mask): whole horizon
        self.per_replication = np.stack([_core.shapley_values(len(players), list(row)) for row in self.savings])
        self.level = level

    @property
    def years(self) -> int:
        return int(self.yearly_savings.shape[1])

    @property
    def table(self) -> list[float]:
        """Mean coalition values v[mask] (DKK), bit i = players[i]; v[0] = 0."""
        return [float(x) for x in self.savings.mean(axis=0)]

    def coalitions(self) -> pd.DataFrame:
        """v(S) per coalition: mean saving (bau - solution, all budgets, whole horizon) and interval."""
        mean, lo, hi = paired_interval(self.savings, axis=0, level=self.level)
        members = [" + ".join(p for i, p in enumerate(self.players) if mask >> i & 1) or "(none)"
                   for mask in range(self.savings.shape[1])]
        return pd.DataFrame({"members": members, "value": mean, "low": lo, "high": hi}).rename_axis("mask")

    def values(self) -> pd.DataFrame:
        """Shapley value per player: mean and interval over replications, and share of v(N)."""
        mean, lo, hi = paired_interval(self.per_replication, axis=0, level=self.level)
        grand = self.savings[:, -1].mean()
        share = mean / grand if grand != 0 else np.full_like(mean, np.nan)
        return pd.DataFrame({"player": self.players, "shapley": mean, "low": lo, "high": hi,
                             "share": share}).set_index("player")

    def yearly_tables(self) -> list[list[float]]:
        """Mean coalition values per year: one table v_y[mask] (DKK) per year of the horizon."""
        means = self.yearly_savings.mean(axis=0)  # (year, mask)
        return [[float(x) for x in row] for row in means]

    def values_by_year(self) -> pd.DataFrame:
        """Shapley value per player and year, from each year's own coalition saving.

        Shapley values are linear in the game, so each player's values summed over the years
        equal its whole-horizon value in :meth:`values` (up to rounding).
        """
        reps, years, _ = self.yearly_savings.shape
        phi = np.array([[_core.shapley_values(len(self.players), list(self.yearly_savings[r, y]))
                         for y in range(years)] for r in range(reps)])  # (rep, year, player)
        mean, lo, hi = paired_interval(phi, axis=0, level=self.level)
        index = pd.MultiIndex.from_product([self.players, range(1, years + 1)], names=["player", "year"])
        return pd.DataFrame({"shapley": mean.T.ravel(), "low": lo.T.ravel(), "high": hi.T.ravel()}, index=index)

    def rule(self, name: str = "shapley", per_year: bool = False) -> Any:
        """Rule 7 with the mean coalition table: one table for all years (the whole horizon's
        proportions), or with ``per_year=True`` each year's own table, so that a sector whose
        gains come late is credited in the years they come."""
        tables = self.yearly_tables() if per_year else [self.table]
        return _core.shapley(name, list(self.players), [[float(x) for x in t] for t in tables])


def shapley_values(scenario: Scenario, replications: int = 100, seed: int = 1, players: Sequence[str] | None = None,
                   threads: int | None = None, level: float = 0.95, client: Any = None) -> ShapleyValues:
    """Shapley values of `players` (default: the scenario's sectors) for the total saving.

    v(S) is the simulated saving (bau - solution, all budgets, whole horizon) of
    :func:`coalition_scenario` for S, every coalition run with the same `seed` (common random
    numbers); v(empty) is 0 by definition (no solution, nothing simulated). Shapley values are
    computed exactly per replication and then averaged, so they sum to v(N) in every replication.
    Coalition savings are also kept per year (``yearly_savings``, ``values_by_year()``,
    ``rule(per_year=True)``). Costs 2^k - 1 simulations for k players.
    """
    from .simulate import simulate

    names = [str(s) for s in (players if players is not None else scenario.data.get("sectors", []))]
    savings: np.ndarray | None = None  # (replication, year, mask)
    for mask in range(1, 1 << len(names)):
        members = [p for i, p in enumerate(names) if mask >> i & 1]
        res = simulate(coalition_scenario(scenario, members, names), replications=replications, seed=seed,
                       threads=threads, client=client, progress=False)
        raw = res.line_costs.values  # (rep, arm, line, month)
        monthly = raw[:, 0].sum(axis=1) - raw[:, 1].sum(axis=1)  # (rep, month)
        months = monthly.shape[1]
        yearly = np.add.reduceat(monthly, np.arange(0, months, 12), axis=1)  # year y: months 12y ... 12y + 11
        if savings is None:
            savings = np.zeros((replications, yearly.shape[1], 1 << len(names)))
        savings[:, :, mask] = yearly
    assert savings is not None
    return ShapleyValues(names, savings, level)
