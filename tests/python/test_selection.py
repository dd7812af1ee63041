"""Selection into the solution (engine/src/simulation_selection.cpp): the sectors a family must
have cases in, the order of the waiting list, and places that change by year. Each expectation
is worked out from the scenario by hand: absorbing states make every family's costs known."""

from __future__ import annotations

import numpy as np
import pytest

import tvaer


def _scenario(selection: dict, families: int = 60, horizon: int = 36) -> tvaer.Scenario:
    # Every family has one adult on benefits for good: "high" (20,000 DKK a month, 30 %) or "low"
    # (5,000, 70 %), both in employment; half the families also have a child in a measure for good
    # (8,000 a month, children's sector). Nothing ever moves, so costs are constant per family.
    return tvaer.Scenario({
        "schema_version": 1, "name": "select", "horizon_months": horizon,
        "sectors": ["employment", "children"], "families": families,
        "selection": {"min_sectors": 1, **selection},
        "tracks": [
            {"name": "adult", "members": [0.0, 1.0], "initial": {"high": 0.3, "low": 0.7},
             "states": [{"name": "high", "costs": [{"sector": "employment", "monthly": 20000}]},
                        {"name": "low", "costs": [{"sector": "employment", "monthly": 5000}]}]},
            {"name": "child", "members": [0.5, 0.5], "initial": {"measure": 1.0},
             "states": [{"name": "measure", "costs": [{"sector": "children", "monthly": 8000}]}]},
        ],
    }, "select.toml")


def _year1(res: tvaer.Results) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per (replication, family): business-as-usual cost to employment and children in year 1,
    and whether the family was admitted into the solution."""
    all_arms = res.family_costs
    fc = all_arms.sel(year=1, arm="bau")
    admitted = all_arms["admitted_month"].sel(arm="solution").values >= 0
    return (fc.sel(budget="employment").fillna(0).values, fc.sel(budget="children").fillna(0).values, admitted)


def test_require_sectors_admits_exactly_the_families_with_a_case_in_each():
    res = tvaer.simulate(_scenario({"require_sectors": ["employment", "children"]}), replications=4, seed=3,
                         progress=False, family_costs=True)
    employment, children, admitted = _year1(res)
    has_both = (employment > 0) & (children == 12 * 8000)
    assert 0 < has_both.sum() < has_both.size  # both kinds of family occur
    np.testing.assert_array_equal(admitted, has_both)
    # without the requirement (min_sectors = 1, unlimited places) every family is admitted
    free = tvaer.simulate(_scenario({}), replications=4, seed=3, progress=False, family_costs=True)
    assert _year1(free)[2].all()


@pytest.mark.parametrize("rank", ["cost", "score"])
def test_rank_by_cost_admits_the_currently_most_expensive_families_first(rank):
    # 10 places, about 18 of 60 families on the high benefit: ranked by cost, every admitted family
    # costs employment 240,000 DKK a year; ranked by score (all families score the same per
    # sector and service, so in random order among equals) some cheap ones get in too
    res = tvaer.simulate(_scenario({"capacity": 10, "rank": rank, "require_sectors": ["employment"]}),
                         replications=5, seed=2, progress=False, family_costs=True)
    employment, _, admitted = _year1(res)
    assert (admitted.sum(axis=1) == 10).all()
    expensive = employment[admitted] == 12 * 20000
    if rank == "cost":
        assert expensive.all()
    else:
        assert not expensive.all()


def test_rank_by_cost_counts_every_cost_line_of_the_family():
    # the child's measure adds 8,000 a month: with 4 places and cost ranking, high-benefit families
    # with a child (28,000) come before high-benefit families without one (20,000)
    res = tvaer.simulate(_scenario({"capacity": 4, "rank": "cost"}), replications=5, seed=4, progress=False,
                         family_costs=True)
    employment, children, admitted = _year1(res)
    monthly = (employment + children) / 12
    for r in range(res.replications):
        inside, outside = monthly[r][admitted[r]], monthly[r][~admitted[r]]
        assert inside.min() >= outside.max()


def test_places_by_year_are_filled_when_they_rise_and_nobody_is_sent_home_when_they_fall():
    # 60 eligible families, no length of stay: the solution holds 5 families in year 1, 12 in
    # year 2, and still 12 in year 3 although its places fall to 8 (nobody leaves to make room)
    res = tvaer.simulate(_scenario({"capacity_by_year": [5, 12, 8]}), replications=2, seed=1, progress=False)
    occ = res.flows["occupancy"].sel(row="solution/families", arm="solution")
    expected = np.repeat([5.0, 12.0, 12.0], 12)
    for r in occ["replication"].values:
        np.testing.assert_allclose(occ.sel(replication=r).values, expected, atol=1e-9)


def test_places_by_year_refill_only_up_to_the_years_number():
    # a stay of exactly 6 months: families leave at months 6, 12, 18, 24, ...; in year 3 the 12
    # who leave at month 24 are replaced by 8, the year's number of places
    res = tvaer.simulate(_scenario({"capacity_by_year": [5, 12, 8], "stay": {"distribution": "fixed", "months": 6}},
                                   families=200), replications=1, seed=1, progress=False)
    occ = res.flows["occupancy"].sel(row="solution/families", arm="solution").isel(replication=0).values
    np.testing.assert_allclose(occ[:12], 5.0, atol=1e-9)
    np.testing.assert_allclose(occ[12:24], 12.0, atol=1e-9)
    np.testing.assert_allclose(occ[24:], 8.0, atol=1e-9)


def test_capacity_and_capacity_by_year_together_are_an_error():
    with pytest.raises(tvaer.ScenarioError, match=r"^select.toml: selection.capacity_by_year: give "
                                                  r"selection.capacity \(10\) or capacity_by_year, not both$"):
        _scenario({"capacity": 10, "capacity_by_year": [5, 8]}).validate()


def _recheck_scenario(recheck: bool) -> tvaer.Scenario:
    # Adults always cost employment; each family's child starts without a measure and enters one
    # (children's costs) at rate 0.05 a month. Only families with a case in both sectors are
    # eligible, so at t = 0 nobody is.
    data = _scenario({"require_sectors": ["employment", "children"], "recheck": recheck}).data
    data["tracks"][1] = {"name": "child", "members": [0.0, 1.0], "initial": {"none": 1.0},
                         "states": [{"name": "none", "transitions": [{"to": "measure", "rate": 0.05}]},
                                    {"name": "measure", "costs": [{"sector": "children", "monthly": 8000}]}]}
    return tvaer.Scenario(data, "recheck.toml")


def test_recheck_admits_a_family_in_the_month_it_becomes_eligible():
    res = tvaer.simulate(_recheck_scenario(True), replications=3, seed=5, progress=False, family_costs=True,
                         bookings=True)
    admitted = res.family_costs["admitted_month"].sel(arm="solution").to_pandas()  # (replication, family)
    # business as usual: the month each family's child first costs the children's budget
    b = res.bookings
    children = b[(b["arm"] == "bau") & (b["payer"] == "children") & (b["amount"] > 0)]
    first = children.groupby(["replication", "family"])["month"].min()
    for (rep, fam), month in first.items():
        assert admitted.loc[rep, fam] == month
    # families whose child never entered a measure were never admitted
    never = [(r, f) for r in admitted.index for f in admitted.columns
             if (r, f) not in first.index and res.family_costs["present"].sel(replication=r, family=f)]
    assert never and all(admitted.loc[r, f] == -1 for r, f in never)
    # checked once only, nobody is ever eligible
    once = tvaer.simulate(_recheck_scenario(False), replications=3, seed=5, progress=False)
    assert (once.admitted[:, 1] == 0).all()


# ---- ages and quotas (docs/scenario-format.md, "Ages, age bands and quotas") ----------------------

def _youth_scenario(selection: dict) -> tvaer.Scenario:
    # _scenario's families, every child aged 16 (so a family is "young" exactly when it has a child,
    # which its children's cost shows)
    data = _scenario({"rank": "cost", **selection}).data
    data["tracks"][1]["ages"] = {"16-16": 1.0}
    return tvaer.Scenario(data, "select.toml")


def test_a_quota_admits_the_top_young_families_up_to_its_places_and_the_top_others_after():
    # 10 places, 0.8 reserved for families with a member aged 15-23: R = 8. Ranked by cost, the
    # walk admits (docs/scenario-format.md) max(min(R, Y), y) young families, where Y is the number
    # of young families and y the number among the 10 most expensive (ties are among families of the
    # same kind, so y does not depend on the tie order), the most expensive of each kind.
    res = tvaer.simulate(_youth_scenario({"capacity": 10, "quota": {"15-23": 0.8}}), replications=6, seed=4,
                         progress=False, family_costs=True)
    employment, children, admitted = _year1(res)
    quota_mattered = False
    for rep in range(admitted.shape[0]):
        young = children[rep] > 0
        cost = employment[rep] + children[rep]
        top10 = np.sort(cost)[::-1][9]
        young_top = int((young & (cost > top10)).sum()) + min(10 - int((cost > top10).sum()),
                                                               int((young & (cost == top10)).sum()))
        want_young = max(min(8, int(young.sum())), young_top)
        assert admitted[rep].sum() == 10
        assert (admitted[rep] & young).sum() == want_young, rep
        for kind in (young, ~young):
            inside, outside = cost[admitted[rep] & kind], cost[~admitted[rep] & kind]
            if inside.size and outside.size:
                assert inside.min() >= outside.max()
        quota_mattered |= want_young > young_top
    assert quota_mattered  # the quota changed the admissions in some replication


def test_the_analytic_mode_names_the_age_rules_it_refuses():
    sc = _youth_scenario({"capacity": 10, "quota": {"15-23": 0.8}})
    with pytest.raises(tvaer.TvaerError, match=r"^analytic mode: selection\.quota is set \(places reserved by age\); "
                                               r"the analytic mode puts every family inside the solution from t = 0$"):
        tvaer.expected(sc, "solution")
    tvaer.expected(sc, "usual")  # nothing is selected as usual
    with pytest.raises(tvaer.TvaerError, match=r"^analytic mode: selection\.rank = \"duration\" \(the longest "
                                               r"vulnerable first\)"):
        tvaer.expected(_scenario({"rank": "duration"}), "solution")


def _weighted(rank) -> tvaer.Scenario:
    # The score is the child's complexity weight alone (5 for a child in a measure, no weight on
    # sectors or services): families with a child score 5, the others 0.
    sc = _scenario({"capacity": 10, "rank": rank, "score_per_sector": 0, "score_per_service": 0})
    return sc.with_({"tracks.child.states.measure.complexity": 5})


def test_rank_by_complexity_then_cost_takes_the_child_cases_first_and_the_dearer_among_them():
    # Costs a month: high + child 28,000, high 20,000, low + child 13,000, low 5,000. Ranked by
    # ["score", "cost"], the 10 places go to the families with a child (about 30), the high ones
    # (about 9) among them first; ranked by cost alone, high families without a child (20,000)
    # go before low families with one (13,000).
    res = tvaer.simulate(_weighted(["score", "cost"]), replications=4, seed=2, progress=False, family_costs=True)
    employment, children, admitted = _year1(res)
    has_child, high = children > 0, employment > 12 * 10000
    for r in range(admitted.shape[0]):
        assert admitted[r].sum() == min(10, has_child[r].sum())
        assert not (admitted[r] & ~has_child[r]).any()            # only families with a child case
        top = has_child[r] & high[r]
        if top.sum() <= 10:
            assert admitted[r][top].all()                          # every high family with a child
        else:
            assert not (admitted[r] & ~top).any()                  # nobody else
    by_cost = tvaer.simulate(_weighted(["cost", "score"]), replications=4, seed=2, progress=False, family_costs=True)
    employment, children, admitted = _year1(by_cost)
    assert (admitted & (children == 0) & (employment > 12 * 10000)).any()   # a high family without a child got in


def test_complexity_weights_nothing_reads_are_an_error():
    with pytest.raises(tvaer.ScenarioError, match=r"tracks\.child\.states\.measure\.complexity: is a weight in the "
                                                  r"complexity score, which this scenario neither ranks by "
                                                  r"\(selection\.rank = \"duration\"\) nor selects by \(selection\.score_min, "
                                                  r"score_max\): add \"score\" to selection\.rank"):
        _weighted("duration").validate()
    _weighted(["duration", "score"]).validate()


def test_the_analytic_mode_names_ranking_by_several_keys_and_complexity_weights():
    with pytest.raises(tvaer.TvaerError, match=r"^analytic mode: selection\.rank = \[\"score\", \"duration\"\] \(families "
                                               r"ranked by several keys in turn\); the analytic mode puts every family "
                                               r"inside the solution from t = 0$"):
        tvaer.expected(_scenario({"rank": ["score", "duration"]}), "solution")
    with pytest.raises(tvaer.TvaerError, match=r"^analytic mode: tracks\.child\.states\.measure\.complexity is set \(a "
                                               r"weight in the complexity score that ranks families\)"):
        tvaer.expected(_weighted("score"), "solution")
    tvaer.expected(_weighted("score"), "usual")  # nothing is selected as usual
