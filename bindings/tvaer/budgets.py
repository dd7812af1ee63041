"""Budgets: who pays, who gains, and what allocation rules settle, replication by replication.

The rules are the engine's (docs/allocation.md): each constructor here makes a
:class:`Rule`; :func:`settle` applies a list of them, in order, to every replication of a
:class:`tvaer.Results` and summarises per budget and year over replications. A scenario's
``[allocation]`` table lists rules in TOML (:func:`rules_from_scenario`). Shapley values of the
sectors by simulation with common random numbers: :func:`shapley_values`.

Money inside a settlement is whole øre; tables are returned in DKK (øre / 100). Years are
labelled 1, 2, ... as in :attr:`tvaer.Results.yearly_costs` (year 1 is months 0-11).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Mapping, NamedTuple, Sequence

import numpy as np
import pandas as pd

from . import _core
from .errors import ScenarioError
from .labelled import xarray
from .results import Results, paired_interval
from .scenario import Scenario, compile_model
from .tables import budgets_in_thousands, in_unit, unit_factor

if TYPE_CHECKING:  # imported where used: the first labelled array costs up to a second
    import xarray as xr

__all__ = [
    "Rule", "Settlement", "settle", "rules_from_scenario", "pay_where_granted", "fixed_key", "salary_key",
    "own_budget", "requirement_part", "equal_split", "efficiency_requirement", "retrospective", "shapley",
    "investor_returns", "shapley_values", "ShapleyValues", "coalition_scenario", "what_if", "WhatIf", "YEAR_END", "salary_key_rule",
]

Rule = _core.Rule
TABLES = ["granted_bau", "granted_solution", "gross_bau", "gross_solution", "difference", "settled", "net", "required"]


def _member(enum: Any, value: str, where: str) -> Any:
    if value not in enum.__members__:
        raise ValueError(f"{where}: must be one of {', '.join(enum.__members__)}; got {value!r}")
    return enum.__members__[value]


def _kind(kind: str | None, where: str) -> Any:
    return None if kind is None else _member(_core.CostKind, kind, where)


# ---- rule constructors (docs/allocation.md, rules 1-8) ------------------------------------------


def pay_where_granted(name: str = "pay where granted") -> Rule:
    """Rule 1: every line's payer pays (moves nothing)."""
    return _core.pay_where_granted(name)


def fixed_key(intervention: str, shares: Mapping[str, float], name: str | None = None,
              solution_group_only: bool = True) -> Rule:
    """Rule 2: the cost of ``intervention/<intervention>`` lines is re-split by `shares`."""
    return _core.fixed_key(name or f"{intervention} key", intervention, dict(shares), solution_group_only)


def salary_key(shares: Mapping[str, float], name: str = "salary key") -> Rule:
    """Rule 3: the staff lines are carried by budgets in proportion to `shares`."""
    return _core.salary_key(name, dict(shares))


def own_budget(items: str = "inside", shares: Mapping[str, float] | None = None,
               total: Sequence[float] | None = None, amounts: Mapping[str, Sequence[float]] | None = None,
               name: str = "own budget") -> Rule:
    """Rule 4: the solution's budget carries `items` ("inside" or "salaries"), funded by the
    sectors: by `shares` of its cost, by `shares` of a fixed `total` per year, or by `amounts`
    (budget -> DKK per year)."""
    return _core.own_budget(name, _member(_core.UnitItems, items, "own_budget.items"), dict(shares or {}),
                            [float(x) for x in total or []],
                            {k: [float(x) for x in v] for k, v in (amounts or {}).items()})


def requirement_part(per_year: Sequence[float], shares: Mapping[str, float], kind: str | None = None) -> Any:
    """One part of an efficiency requirement: DKK per year from year 1, carried by `shares`;
    `kind` ("service", "transfer" or None: any) is the saving that counts against it."""
    return _core.RequirementPart([float(x) for x in per_year], dict(shares), _kind(kind, "requirement_part.kind"))


def equal_split(per_year: Sequence[float], budgets: Sequence[str], kind: str | None = None) -> Any:
    """A requirement part split equally over `budgets`."""
    return _core.equal_split([float(x) for x in per_year], list(budgets), _kind(kind, "equal_split.kind"))


def efficiency_requirement(parts: Sequence[Any], settlement: str = "own", name: str = "efficiency requirement") -> Rule:
    """Rule 5: requirements per budget; ``settlement="pooled"`` shares the achieved saving by key."""
    return _core.efficiency_requirement(name, list(parts), _member(_core.Shortfall, settlement, "settlement"))


def retrospective(sectors: Sequence[str], basis: str = "equal", name: str = "retrospective") -> Rule:
    """Rule 6: the year's saving is shared among `sectors` by `basis`; others end at 0."""
    return _core.retrospective(name, list(sectors), _member(_core.ShareBasis, basis, "basis"))


def shapley(players: Sequence[str], tables: Sequence[Sequence[float]], name: str = "shapley") -> Rule:
    """Rule 7: the year's saving is shared in proportion to Shapley values of coalition tables
    (one for all years or one per year; table[mask], bit i = players[i])."""
    return _core.shapley(name, list(players), [[float(x) for x in t] for t in tables])


def investor_returns(sectors: Sequence[str], rest: str = "equal", name: str = "investor returns") -> Rule:
    """Rule 8: investing sectors are repaid from later gains before the rest is shared by `rest`."""
    return _core.investor_returns(name, list(sectors), _member(_core.ShareBasis, rest, "rest"))


# ---- the [allocation] table of a scenario --------------------------------------------------------

def rules_from_scenario(scenario: Scenario) -> list[Rule]:
    """The rules of the scenario's ``[allocation]`` table (layout in docs/allocation.md), in order,
    read by the engine. Raises ScenarioError naming where the bad entry is, its key path and what
    was expected."""
    return list(_core.allocation_rules(scenario.document()))


# ---- settling every replication ----------------------------------------------------------------


def _scenario_of(results: Results, scenario: Scenario | None) -> Scenario:
    return scenario if scenario is not None else Scenario(json.loads(results.scenario_json))


def settle(results: Results, rules: Sequence[Rule] | None = None, discount_rate: float | None = None,
           scenario: Scenario | None = None) -> "Settlement":
    """Applies `rules` in order to every replication of `results`.

    `rules` default to the scenario's ``[allocation]`` table (pay where granted if it has none);
    `discount_rate` to the scenario's. The scenario is read from the results' provenance unless
    given. Raises TvaerError for a rule that does not fit the ledger (an unknown budget, no
    matching line) and ValueError for a bad discount rate.
    """
    results.needs_replications("budgets.settle")
    sc = _scenario_of(results, scenario)
    if rules is None:
        rules = rules_from_scenario(sc) or [pay_where_granted()]
    rate = results.discount_rate if discount_rate is None else float(discount_rate)
    model = compile_model(sc)
    raw = results.raw
    settled = [_core.settle(_core.yearly_lines(model, raw, i), list(rules), rate) for i in range(results.replications)]
    return Settlement(settled, list(rules), results.first_replication, rate)


# ---- what if: other keys on the same replications -------------------------------------------------

#: The year-end rules :func:`what_if` can add after the scenario's own (None: none).
YEAR_END = {"retrospective": retrospective, "investor_returns": investor_returns}


class WhatIf(NamedTuple):
    """One re-settlement: the rules applied, the settlement, its table for people (thousands of
    DKK, :func:`tvaer.tables.budgets_in_thousands`) and the chart of each budget's net position
    (:func:`tvaer.plots.net_position_chart`; None when not drawn)."""
    rules: list[Rule]
    settlement: "Settlement"
    table: pd.DataFrame
    figure: Any


def what_if(results: Results, salary_key: Mapping[str, float] | None = None, year_end: str | None = None,
            basis: str = "equal", chart: bool = True, scenario: Scenario | None = None) -> WhatIf:
    """The same simulated replications settled under other keys: nothing is simulated again
    (the rules are swappable on fixed draws), so one call takes a fraction of a second.

    The scenario's own rules (:func:`rules_from_scenario`) are applied in order, with its salary
    key replaced by `salary_key` (budget -> weight; the weights are scaled to sum to 1, so sliders
    need not add up) when given, then the year-end rule `year_end` (a key of :data:`YEAR_END`)
    over the scenario's sectors by `basis` ("equal", "baseline", "invested" or "gained"). A
    scenario whose own budget carries the salaries (an ``own_budget`` rule: Assens, Helsingør)
    re-splits them after the key, so there the key changes nothing. Raises ValueError for
    weights that are negative or sum to 0 and for an unknown `year_end`."""
    sc = _scenario_of(results, scenario)
    rules = rules_from_scenario(sc)
    if salary_key is not None:
        rules = [r for r in rules if r.type != "salary_key"]
        rules.insert(0, salary_key_rule(salary_key))
    if year_end is not None:
        if year_end not in YEAR_END:
            raise ValueError(f"year_end: must be one of {', '.join(YEAR_END)} or None; got {year_end!r}")
        rules.append(YEAR_END[year_end](list(sc.data["sectors"]), basis))
    rules = rules or [pay_where_granted()]
    settlement = settle(results, rules, scenario=sc)
    table = budgets_in_thousands(settlement.summary())
    figure = None
    if chart:
        from .plots import net_position_chart

        figure = net_position_chart(settlement)
    return WhatIf(rules, settlement, table, figure)


def salary_key_rule(weights: Mapping[str, float], name: str = "salary key") -> Rule:
    """A salary key from weights that need not sum to 1 (slider positions): each is divided by
    their sum. Raises ValueError for a negative or non-finite weight or weights summing to 0."""
    w = {k: float(v) for k, v in weights.items()}
    bad = {k: v for k, v in w.items() if not np.isfinite(v) or v < 0}
    if bad:
        raise ValueError(f"salary_key: weights must be finite and >= 0; got {bad}")
    total = sum(w.values())
    if total <= 0:
        raise ValueError(f"salary_key: the weights sum to 0 ({w}); give at least one budget a share")
    return salary_key({k: v / total for k, v in w.items()}, name)


class Settlement:
    """Settlements of every replication: tables, summaries and the incentive table."""

    def __init__(self, settled: list[Any], rules: list[Rule], first_replication: int, discount_rate: float):
        xr = xarray()

        first = settled[0]
        self.budgets = list(first.budgets)
        self.rules = [r.name for r in rules]
        self.discount_rate = discount_rate
        self._settled = settled
        reps = np.arange(first_replication, first_replication + len(settled))
        years = np.arange(1, int(first.years) + 1)
        self.ore = xr.Dataset(
            {t: (("replication", "budget", "year"), np.stack([getattr(s, t) for s in settled])) for t in TABLES},
            coords={"replication": reps, "budget": self.budgets, "year": years},
            attrs={"units": "øre"},
        )

    @property
    def replications(self) -> int:
        return len(self._settled)

    def __repr__(self) -> str:
        years = int(self.ore.sizes["year"])
        return (f"<tvaer.budgets.Settlement: {self.replications} replications x {years} years, budgets "
                f"{', '.join(self.budgets)}; rules in order: {'; '.join(self.rules)}; "
                f"discount rate {self.discount_rate:.1%}>")

    @property
    def tables(self) -> xr.Dataset:
        """Every table in DKK by (replication, budget, year): granted (pay where granted) and gross
        (after cost shifts) cost per arm, difference (solution - bau), settled (money received),
        net (bau - solution + settled; > 0 is better off) and required (efficiency requirement)."""
        out = self.ore.astype(float) / 100.0
        out.attrs["units"] = "DKK"
        return out

    def summary(self, level: float = 0.95, unit: str = "DKK") -> pd.DataFrame:
        """Per budget (and "total") and year: mean gross cost per arm, and the mean with interval
        over replications of the difference, the money settled and the net position, plus the
        probability that the budget is a net loser (net < 0) that year. Money in DKK, or in
        thousands (``unit="kDKK"``) or millions (``"MDKK"``) of DKK; ValueError for another unit."""
        xr = xarray()

        unit_factor(unit)  # an unknown unit is refused before any work
        t = self.tables
        t = xr.concat([t, t.sum("budget").expand_dims(budget=["total"])], dim="budget")
        cols: dict[str, np.ndarray] = {"bau": t["gross_bau"].mean("replication").values,
                                       "solution": t["gross_solution"].mean("replication").values}
        for name in ["difference", "settled", "net"]:
            mean, lo, hi = paired_interval(t[name].values, axis=0, level=level)
            cols.update({name: mean, f"{name}_low": lo, f"{name}_high": hi})
        cols["p_net_loss"] = (t["net"].values < 0).mean(axis=0)
        cols["required"] = t["required"].mean("replication").values
        index = pd.MultiIndex.from_product([list(t["budget"].values), list(t["year"].values)], names=["budget", "year"])
        df = pd.DataFrame({k: v.reshape(-1) for k, v in cols.items()}, index=index)
        df.attrs.update(level=level, replications=self.replications, rules=self.rules,
                        units="DKK per year (p_net_loss: a share of replications)")
        return in_unit(df, unit)

    def present_value(self, level: float = 0.95) -> pd.DataFrame:
        """Present value (DKK) of each budget's yearly net before (pay where granted) and after the
        rules, year 1 undiscounted: mean and interval over replications; a row "total"."""
        rows = []
        for b, budget in enumerate(self.budgets + ["total"]):
            before = np.array([s.incentives[b].present_value_before if b < len(self.budgets) else np.nan
                               for s in self._settled])
            after = np.array([s.incentives[b].present_value_after if b < len(self.budgets) else s.present_value_total
                              for s in self._settled])
            if budget == "total":
                before = after  # the rules never change the total
            row: dict[str, Any] = {"budget": budget}
            for name, x in [("before", before), ("after", after)]:
                mean, lo, hi = paired_interval(x, axis=0, level=level)
                row.update({name: float(mean), f"{name}_low": float(lo), f"{name}_high": float(hi)})
            rows.append(row)
        return pd.DataFrame(rows).set_index("budget")

    def break_even(self) -> pd.DataFrame:
        """Distribution over replications of the break-even year after the rules (the first year
        from which the cumulative net stays >= 0), per budget and for the total: the share of
        replications per year label, and "never"."""
        found = {budget: [s.incentives[b].break_even_after for s in self._settled]
                 for b, budget in enumerate(self.budgets)}
        found["total"] = [s.break_even_total for s in self._settled]
        labels = [int(y) for y in self.ore["year"].values] + ["never"]
        rows = {}
        for budget, years in found.items():
            named = ["never" if y is None else int(y) + 1 for y in years]
            rows[budget] = [named.count(label) / len(named) for label in labels]
        return pd.DataFrame.from_dict(rows, orient="index", columns=labels).rename_axis("budget")

    def incentives(self) -> pd.DataFrame:
        """Who invests, who gains and by when, per budget, under pay where granted ("before") and
        after the rules: the share of replications in which the budget is an investor (its first
        non-zero yearly net before the rules is < 0) or a gainer, mean DKK invested and gained
        before the rules, median break-even year before and after (NaN when most never break
        even), and the mean present values."""
        rows = []
        for b, budget in enumerate(self.budgets):
            inc = [s.incentives[b] for s in self._settled]
            roles = [i.role for i in inc]
            rows.append({
                "budget": budget,
                "p_investor": roles.count("investor") / len(roles),
                "p_gainer": roles.count("gainer") / len(roles),
                "invested": np.mean([i.invested for i in inc]) / 100.0,
                "gained": np.mean([i.gained for i in inc]) / 100.0,
                "break_even_before": _median_year([i.break_even_before for i in inc]),
                "break_even_after": _median_year([i.break_even_after for i in inc]),
                "present_value_before": np.mean([i.present_value_before for i in inc]),
                "present_value_after": np.mean([i.present_value_after for i in inc]),
            })
        return pd.DataFrame(rows).set_index("budget")

    def transfers(self) -> pd.DataFrame:
        """Mean DKK per replication moved by each rule, per year, arm booked, movement type and
        pair of budgets (`from` pays or takes over cost, `to` is paid or relieved)."""
        rows = [(t.rule, int(t.year) + 1, t.books, "cost shift" if t.cost_shift else "money",
                 self.budgets[t.from_], self.budgets[t.to], t.amount)
                for s in self._settled for t in s.transfers]
        cols = ["rule", "year", "books", "type", "from", "to"]
        df = pd.DataFrame(rows, columns=cols + ["amount"])
        out = df.groupby(cols, sort=True)["amount"].sum() / (100.0 * self.replications)
        return out.to_frame("mean_dkk")


def _median_year(years: list[int | None]) -> float:
    """Median of 1-based break-even years with "never" as +inf; NaN if that median is "never"."""
    x = np.array([np.inf if y is None else y + 1 for y in years], dtype=float)
    m = float(np.median(x))
    return m if np.isfinite(m) else float("nan")


# Shapley values by simulation live in coalitions.py; they are part of this module's API.
from .coalitions import ShapleyValues, coalition_scenario, shapley_values  # noqa: E402

