"""tvaer.budgets: allocation rules on every replication, checked against a pandas recomputation,
conservation to the øre and the [allocation] table's errors (Shapley values: test_coalitions.py)."""

from __future__ import annotations

import copy
import time

import numpy as np
import pandas as pd
import pytest

import tvaer
from tvaer import budgets as B

SECTORS = ["employment", "adults", "children"]
KEY_60 = {"employment": 0.6, "adults": 0.2, "children": 0.2}
KEY_HT = {"children": 1 / 2, "employment": 1 / 3, "adults": 1 / 6}


@pytest.fixture
def results(three) -> tvaer.Results:
    return tvaer.simulate(three, replications=25, seed=5, progress=False)


def _ore(dkk: np.ndarray) -> np.ndarray:
    """DKK to whole øre, halves away from zero (our own rounding, not the engine's)."""
    x = np.asarray(dkk, dtype=float) * 100.0
    return (np.sign(x) * np.floor(np.abs(x) + 0.5)).astype(np.int64)


def _yearly_lines(res: tvaer.Results) -> np.ndarray:
    """DKK by (replication, arm, line, year) from the labelled line costs."""
    c = res.line_costs
    return c.groupby(c["month"] // 12).sum("month").transpose("replication", "arm", "line", "month").values


def _recompute(res: tvaer.Results, keys: list[tuple[pd.Series, dict[str, float]]]) -> np.ndarray:
    """Gross cost (DKK) by (replication, arm, budget, year) when the lines selected by each mask
    are carried by its key and every other line by its payer: a second implementation. Each
    line-year is rounded to the øre first, as the book does."""
    lines = res.lines
    carriers = np.zeros((len(lines), len(res.budgets)))
    for i, payer in enumerate(lines["payer"]):
        carriers[i, res.budgets.index(payer)] = 1.0
    for mask, key in keys:
        for i in np.flatnonzero(mask.to_numpy()):
            carriers[i] = [key.get(b, 0.0) for b in res.budgets]
    return np.einsum("ralY,lb->rabY", _ore(_yearly_lines(res)) / 100.0, carriers)


def test_fixed_60_20_20_key_matches_a_pandas_recomputation(results):
    st = B.settle(results, [B.fixed_key("mentor", KEY_60, "mentor key")])
    lines = results.lines
    mentor = (lines["source"] == "intervention/mentor") & (lines["group"] == "solution")
    assert mentor.sum() >= 1
    expected = _recompute(results, [(mentor, KEY_60)])
    got = np.stack([st.tables["gross_bau"].values, st.tables["gross_solution"].values], axis=1)
    # each shifted line rounds once to the øre, so at most one øre per shifted line
    assert np.abs(got - expected).max() <= 0.01 * mentor.sum() + 1e-6
    moved = st.transfers().xs("mentor key", level="rule")
    # a cost shift's `from` takes over cost, its `to` is relieved: adults and children take over 20 % each
    assert set(moved.index.get_level_values("from")) == {"adults", "children"}
    assert set(moved.index.get_level_values("to")) == {"employment"}


def test_salary_key_halves_thirds_sixths(results):
    st = B.settle(results, [B.salary_key(KEY_HT, "HT salaries")])
    staff = results.lines["source"] == "staff"
    expected = _recompute(results, [(staff, KEY_HT)])
    got = np.stack([st.tables["gross_bau"].values, st.tables["gross_solution"].values], axis=1)
    assert np.abs(got - expected).max() <= 0.01 * staff.sum() + 1e-6
    # by hand: 1.2 FTE x 580,000 = 696,000 DKK a year -> 348,000 / 232,000 / 116,000
    year1 = st.tables["gross_solution"].sel(year=1, replication=results.first_replication)
    base = st.tables["granted_solution"].sel(year=1, replication=results.first_replication)
    added = (year1 - base).to_series()
    assert added.to_dict() == pytest.approx({"employment": 232000.0, "adults": 116000.0, "children": 348000.0,
                                             "solution": -696000.0}, abs=1e-9)


def _composition() -> list:
    return [
        B.fixed_key("mentor", KEY_60),
        B.salary_key(KEY_HT),
        B.own_budget("inside", shares={"children": 0.9, "employment": 0.1}),
        B.efficiency_requirement([B.equal_split([300000.0, 300000.0], SECTORS)], "pooled"),
        B.retrospective(SECTORS, "invested"),
        B.investor_returns(["adults", "children"], "gained"),
    ]


def test_conservation_to_the_ore_for_every_replication(results):
    st = B.settle(results, _composition())
    t = st.ore  # int64 øre, (replication, budget, year)
    amounts = _yearly_lines(results)  # our own yearly sums per line
    saving = (_ore(amounts[:, 0]) - _ore(amounts[:, 1])).sum(axis=1)  # (replication, year)
    assert t["net"].dtype == np.int64
    np.testing.assert_array_equal(t["net"].sum("budget").values, saving)
    np.testing.assert_array_equal(t["settled"].sum("budget").values, 0)
    for a, arm in enumerate(["bau", "solution"]):
        np.testing.assert_array_equal(t[f"gross_{arm}"].sum("budget").values, _ore(amounts[:, a]).sum(axis=1))
    assert (t["net"] != t["granted_bau"] - t["granted_solution"]).any()  # the rules did move money
    pv = st.present_value()
    assert pv.loc["total", "after"] == pytest.approx(float(saving.sum(axis=1).mean()) / 100.0)


def test_summary_probabilities_and_break_even(results):
    st = B.settle(results, [B.retrospective(SECTORS, "equal")])
    s = st.summary()
    net = st.tables["net"]
    p = (net.sel(budget="adults", year=2) < 0).mean().item()
    assert s.loc[("adults", 2), "p_net_loss"] == pytest.approx(p)
    assert s.loc[("solution", 1), "net"] == 0.0  # retrospective leaves the solution's budget at 0
    # equal shares: each sector's net is a third of the total, to within an øre
    third = net.sum("budget") / 3.0
    assert float(np.abs(net.sel(budget="employment") - third).max()) <= 0.01
    be = st.break_even()
    assert list(be.columns) == [1, 2, 3, "never"]
    np.testing.assert_allclose(be.sum(axis=1).values, 1.0)
    inc = st.incentives()
    assert set(inc.index) == set(results.budgets)
    assert inc.loc["solution", "p_investor"] == 1.0  # the unit pays its staff from year 1 before any rule


def test_rules_from_the_allocation_table_equal_the_constructors(three, results):
    data = copy.deepcopy(three.data)
    data["organisation"]["salary_key"] = KEY_HT  # the [allocation] rule below restates it
    data["allocation"] = {"rules": [
        {"type": "fixed_key", "name": "mentor key", "intervention": "mentor", "shares": KEY_60},
        {"type": "salary_key", "shares": KEY_HT},
        {"type": "retrospective", "sectors": SECTORS, "basis": "baseline"},
    ]}
    sc = tvaer.Scenario(data, "three.toml")
    from_toml = B.settle(results, scenario=sc)
    by_hand = B.settle(results, [B.fixed_key("mentor", KEY_60, "mentor key"), B.salary_key(KEY_HT),
                                 B.retrospective(SECTORS, "baseline")])
    assert from_toml.rules == ["mentor key", "salary key 2", "retrospective 3"]
    np.testing.assert_array_equal(from_toml.ore["net"].values, by_hand.ore["net"].values)
    sc.validate()  # the scenario loader accepts the table


def test_the_organisations_salary_key_is_settled_by_default(three, results):
    # THREE: 1.2 FTE x 580,000 DKK = 696,000 a year, financed by employment alone; no [allocation]
    st = B.settle(results)
    assert st.rules == ["salaries (organisation.salary_key)"]
    first = results.first_replication
    added = (st.tables["gross_solution"] - st.tables["granted_solution"]).sel(year=1, replication=first).to_series()
    assert added.to_dict() == pytest.approx({"employment": 696000.0, "adults": 0.0, "children": 0.0,
                                             "solution": -696000.0}, abs=1e-9)
    # the solution's own budget carries nothing in either arm once the salaries are financed
    assert float(np.abs(st.tables["gross_solution"].sel(budget="solution")).max()) == 0.0
    # a rule in [allocation] that restates the key is the same statement: applied once
    same = tvaer.Scenario({**copy.deepcopy(three.data),
                           "allocation": {"rules": [{"type": "salary_key", "shares": {"employment": 1.0}}]}}, "t.toml")
    assert [r.type for r in B.rules_from_scenario(same)] == ["salary_key"]
    # an own budget finances the salaries itself (Assens, Helsingør): the key is not applied too
    own = tvaer.Scenario({**copy.deepcopy(three.data), "allocation": {"rules": [
        {"type": "own_budget", "items": "salaries", "funding": {"shares": {"employment": 1.0}}}]}}, "t.toml")
    assert [r.type for r in B.rules_from_scenario(own)] == ["own_budget"]
    # no staff, nothing to finance
    data = copy.deepcopy(three.data)
    data["organisation"]["staff_fte"] = 0.0
    assert B.rules_from_scenario(tvaer.Scenario(data, "t.toml")) == []


def test_staff_by_year_are_booked_and_financed_year_by_year(three):
    # THREE runs 30 months: 1 FTE in year 1, 2.5 in years 2 and 3 (the last value holds) at
    # 580,000 DKK: 580,000, 1,450,000 and half a year of 2.5 FTE, 725,000, all on employment.
    data = copy.deepcopy(three.data)
    del data["organisation"]["staff_fte"]
    data["organisation"]["staff_fte_by_year"] = [1.0, 2.5]
    sc = tvaer.Scenario(data, "three.toml")
    assert [r.type for r in B.rules_from_scenario(sc)] == ["salary_key"]  # the key applies as with staff_fte
    res = tvaer.simulate(sc, replications=1, seed=1, progress=False)
    st = B.settle(res)
    added = (st.tables["gross_solution"] - st.tables["granted_solution"]).sel(budget="employment", replication=0)
    np.testing.assert_allclose(added.values, [580000.0, 1450000.0, 725000.0])
    assert float(np.abs(st.tables["gross_solution"].sel(budget="solution")).max()) == pytest.approx(0.0, abs=1e-6)


def test_a_salary_rule_that_contradicts_the_organisation_is_an_error(three):
    sc = tvaer.Scenario({**copy.deepcopy(three.data),
                         "allocation": {"rules": [{"type": "salary_key", "shares": KEY_HT}]}}, "three.toml")
    with pytest.raises(tvaer.ScenarioError, match=r"^three.toml: allocation.rules\[0\].shares: differs from "
                                                  r"organisation.salary_key \(employment = 1\); the salary financing "
                                                  r"is written once, in \[organisation\]"):
        B.rules_from_scenario(sc)


@pytest.mark.parametrize("allocation, message", [
    ({"rules": {"type": "salary_key"}}, "allocation.rules: must be a list of tables, got a table"),
    ({"rule": []}, r"allocation.rule: unknown key \(did you mean 'rules'\? expected one of: rules\)"),
    ({"rules": [{"name": "x"}]}, r"allocation.rules.x.type: is required \(a string\)"),
    ({"rules": [{"type": "bogus"}]}, r"allocation.rules\[0\].type: must be one of pay_where_granted, fixed_key, "
                                     r"salary_key, own_budget, efficiency_requirement, retrospective, shapley, "
                                     r"investor_returns; got 'bogus'"),
    ({"rules": [{"type": "salary_key", "shares": {"sport": 1.0}}]},
     r"allocation.rules\[0\].shares.sport: unknown budget \(expected one of: employment, adults, children, solution\)"),
    ({"rules": [{"type": "fixed_key", "intervention": "mentor", "shares": {"employment": 0.5, "adults": 0.4}}]},
     r"allocation.rules\[0\]: fixed key 'fixed key 1': shares sum to 0.9, must sum to 1"),
    ({"rules": [{"type": "retrospective", "sectors": ["employment", "sport"]}]},
     r"allocation.rules\[0\].sectors\[1\]: unknown budget 'sport'"),
    ({"rules": [{"type": "retrospective", "sectors": SECTORS, "basis": "fair"}]},
     r"allocation.rules\[0\].basis: must be one of equal, baseline, invested, gained; got 'fair'"),
    ({"rules": [{"type": "salary_key", "shares": KEY_HT, "colour": "red"}]},
     r"allocation.rules\[0\].colour: unknown key \(expected one of: name, shares, type\)"),
    ({"rules": [{"type": "efficiency_requirement", "parts": [{"per_year": [1.0], "kind": "both", "equal": SECTORS}]}]},
     r"allocation.rules\[0\].parts\[0\].kind: must be one of any, service, transfer; got 'both'"),
    ({"rules": [{"type": "shapley", "players": SECTORS, "tables": [1, 2]}]},
     r"allocation.rules\[0\].tables\[0\]: must be a list of numbers, got integer 1"),
    ({"rules": [{"type": "own_budget", "funding": {"amounts": {"children": "lots"}}}]},
     r"allocation.rules\[0\].funding.amounts.children: must be a list of numbers, got string \"lots\""),
])
def test_allocation_table_errors_name_file_key_path_and_expectation(three, allocation, message):
    sc = tvaer.Scenario({**copy.deepcopy(three.data), "allocation": allocation}, "three.toml")
    with pytest.raises(tvaer.ScenarioError, match="^three.toml: " + message) as info:
        B.rules_from_scenario(sc)
    assert info.value.file == "three.toml"
    assert info.value.key_path.startswith("allocation")


def test_a_rule_that_does_not_fit_the_ledger_raises_the_engines_error(results):
    with pytest.raises(tvaer.TvaerError, match=r"^salary key 'k': unknown budget 'sport' \(budgets: employment, "
                                               r"adults, children, solution\)$"):
        B.settle(results, [B.salary_key({"sport": 1.0}, "k")])
    with pytest.raises(ValueError, match=r"salary key 'k': shares sum to 0.5, must sum to 1"):
        B.salary_key({"adults": 0.5}, "k")
    with pytest.raises(ValueError, match="basis: must be one of equal, baseline, invested, gained; got 'fair'"):
        B.retrospective(SECTORS, "fair")


SHIPPED = sorted((__import__("pathlib").Path(__file__).resolve().parents[2] / "scenarios").glob("*.toml"))


def _every_rule(sc: tvaer.Scenario) -> list:
    sectors = list(sc.get("sectors"))
    years = -(-int(sc.get("horizon_months")) // 12)
    equal = {s: 1 / len(sectors) for s in sectors}
    first = sc.get("interventions[0].name")
    return [B.pay_where_granted(), B.fixed_key(first, equal), B.salary_key(equal), B.own_budget("inside", shares=equal),
            B.efficiency_requirement([B.equal_split([200000.0] * years, sectors)], "pooled"),
            B.efficiency_requirement([B.requirement_part([100000.0], equal, "service")], "own"),
            B.retrospective(sectors, "invested"), B.investor_returns(sectors[:2], "gained")]


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_rule_conserves_money_to_the_ore_on_every_shipped_scenario(path):
    sc = tvaer.load_scenario(path)
    sc = sc.with_(families=min(int(sc.get("families", 100)), 80))
    res = tvaer.simulate(sc, replications=3, seed=2, threads=2, progress=False)
    amounts = _yearly_lines(res)
    saving = (_ore(amounts[:, 0]) - _ore(amounts[:, 1])).sum(axis=1)  # (replication, year), our own sums
    rules = _every_rule(sc) + B.rules_from_scenario(sc)
    for rule in rules:
        t = B.settle(res, [rule]).ore
        np.testing.assert_array_equal(t["net"].sum("budget").values, saving, err_msg=rule.name)
        np.testing.assert_array_equal(t["settled"].sum("budget").values, 0, err_msg=rule.name)
    t = B.settle(res, rules).ore  # and all of them in a row
    np.testing.assert_array_equal(t["net"].sum("budget").values, saving)


def test_settlement_and_comparison_say_what_they_hold(three, results):
    st = B.settle(results, [B.salary_key(KEY_HT, "HT salaries")])
    # THREE runs 30 months: three budget years; 25 replications (the fixture)
    assert st.summary().attrs["units"].startswith("DKK per year")
    assert results.summary().attrs["units"].startswith("DKK per year")
    assert repr(st) == ("<tvaer.budgets.Settlement: 25 replications x 3 years, budgets employment, adults, children, "
                        "solution; rules in order: HT salaries; discount rate 0.0%>")
    comp = tvaer.compare({"a": three, "b": three.with_({"organisation.salary_per_fte_year": 700_000})},
                         replications=3, progress=False)
    assert repr(comp) == "<tvaer.Comparison: 'b' against baseline 'a', 3 replications each, common random numbers>"
    d = comp.differences()
    # 1.2 staff years at 120,000 DKK more: 144,000 a year on the solution's line and in the total,
    # 72,000 in the last six months; the rows keep the scenario's sector order, total last
    assert list(d.loc["b"].index.get_level_values("sector").unique()) == ["employment", "adults", "children",
                                                                          "solution", "total"]
    np.testing.assert_allclose(d.loc[("b", "total"), "difference"].to_numpy(), [144_000.0, 144_000.0, 72_000.0])
    np.testing.assert_allclose(d.loc[("b", "total"), "ci_low"].to_numpy(), [144_000.0, 144_000.0, 72_000.0])


def test_what_if_resettles_the_same_replications_without_simulating_and_conserves_money(monkeypatch):
    res = tvaer.simulate(tvaer.default_scenario("furesoe"), replications=6, seed=3, progress=False)

    def no_run(*args, **kwargs):
        raise AssertionError("what_if simulated again")

    monkeypatch.setattr(tvaer._core, "run", no_run)
    with pytest.raises(AssertionError, match="simulated again"):  # the patch is where simulate runs
        tvaer.simulate(tvaer.default_scenario("furesoe"), replications=1, progress=False)
    # Weights 3 : 2 : 1 (sliders need not sum to 1) are Høje-Taastrup's 1/2, 1/3, 1/6.
    for call in ("first call (imports matplotlib)", "again"):
        start = time.perf_counter()
        w = B.what_if(res, salary_key={"children": 3, "employment": 2, "adults": 1})
        print(f"what_if, {call}: {time.perf_counter() - start:.3f} s for {res.replications} replications, chart included")
    assert [r.name for r in w.rules] == ["salary key", "efficiency requirement 2018"]  # the file's own key replaced
    t = w.settlement.tables
    moved = (t["gross_solution"] - t["granted_solution"]).sel(year=1)
    # Furesø's staff: 5 FTE x 580,000 DKK = 2,900,000 DKK a year, on the solution's line as granted.
    expected = {"children": 1_450_000.00, "employment": 966_666.67, "adults": 483_333.33, "solution": -2_900_000.00}
    for budget, dkk in expected.items():
        np.testing.assert_allclose(moved.sel(budget=budget).values, dkk, atol=0.001)
    assert list(w.table.index.get_level_values("budget").unique()) == ["employment", "adults", "children", "total"]
    assert [ax.get_title() for ax in w.figure.axes] == ["employment", "adults", "children", "total"]

    redistributed = B.what_if(res, salary_key={"children": 1, "employment": 1, "adults": 1},
                              year_end="retrospective", basis="invested", chart=False)
    amounts = _yearly_lines(res)
    saving = (_ore(amounts[:, 0]) - _ore(amounts[:, 1])).sum(axis=1)  # (replication, year), unsettled
    for settled in (w.settlement, redistributed.settlement):
        np.testing.assert_array_equal(settled.ore["net"].sum("budget").values, saving)
    assert redistributed.figure is None and redistributed.rules[-1].name == "retrospective"


@pytest.mark.parametrize("kwargs, message", [
    ({"salary_key": {"children": 0, "employment": 0}}, r"salary_key: the weights sum to 0"),
    ({"salary_key": {"children": -1, "employment": 2}}, r"salary_key: weights must be finite and >= 0; got \{'children': -1.0\}"),
    ({"year_end": "shapley"}, r"year_end: must be one of retrospective, investor_returns or None; got 'shapley'"),
])
def test_what_if_refuses_weights_and_rules_it_cannot_apply(results, kwargs, message):
    with pytest.raises(ValueError, match=message):
        B.what_if(results, chart=False, **kwargs)
