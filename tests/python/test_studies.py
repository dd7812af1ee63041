"""Studies: follow-up estimators, pilot power and sensitivity against independent expectations."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import tvaer
from tvaer import studies


def _identical_families(tiny_data: dict, families: int = 200, capacity: int = 50) -> tvaer.Scenario:
    # Every family starts alike (adult "out", child "measure"), so the solution's places go to a
    # random subset: participants and non-participants are exchangeable. The coach is offered only
    # inside the solution, so families outside it are unaffected.
    data = copy.deepcopy(tiny_data)
    data.update(families=families, selection={"capacity": capacity, "min_sectors": 2})
    return tvaer.Scenario(data)


def _split_costs(data: dict, hidden: float) -> dict:
    """Every cost split into a CPR-registered share (1 - hidden) and a hidden share."""
    data = copy.deepcopy(data)
    holders = [s for t in data["tracks"] for s in t["states"]] + data.get("interventions", [])
    for h in holders:
        split = []
        for c in h.get("costs", []):
            split.append({**c, "monthly": c["monthly"] * (1 - hidden), "cpr_registered": True})
            split.append({**c, "monthly": c["monthly"] * hidden, "cpr_registered": False})
        if split:
            h["costs"] = split
    return data


# ---- follow-up -------------------------------------------------------------------------------


def test_comparison_group_is_unbiased_when_families_are_exchangeable(tiny_data):
    sc = _identical_families(tiny_data)
    f = studies.follow_up(sc, replications=400, seed=3, threads=2)
    row = f.loc["comparison_group"]
    assert abs(row["bias"]) < 4 * row["bias_se"]


def test_hidden_costs_scale_every_estimate_by_the_registered_share(tiny_data):
    full = studies.follow_up_estimates(tvaer.simulate(tvaer.Scenario(_split_costs(tiny_data, 0.0)),
                                                      replications=30, seed=4, progress=False))
    part = studies.follow_up_estimates(tvaer.simulate(tvaer.Scenario(_split_costs(tiny_data, 0.15)),
                                                      replications=30, seed=4, progress=False))
    np.testing.assert_allclose(part["truth"], full["truth"], rtol=1e-9)
    for name in studies.ESTIMATORS:
        np.testing.assert_allclose(part[name], 0.85 * full[name], rtol=1e-9, atol=1e-6)


@pytest.mark.filterwarnings("ignore::tvaer.ScenarioWarning")  # "job" and "none" unreachable: nobody moves, on purpose
def test_all_estimators_find_a_pure_staff_cost_exactly(tiny_data):
    # Nobody moves and the solution only adds staff: 1.5 FTE at 96,000 a year = 12,000 a month.
    # Every estimator must find 12,000 x months, which is also the truth.
    data = copy.deepcopy(tiny_data)
    for t in data["tracks"]:
        for s in t["states"]:
            s.pop("transitions", None)
    data["interventions"] = []
    data["organisation"] = {"staff_fte": 1.5, "salary_per_fte_year": 96000.0, "salary_key": {"children": 1.0}}
    res = tvaer.simulate(tvaer.Scenario(data), replications=3, seed=1, progress=False)
    est = studies.follow_up_estimates(res, months=10)
    for name in ["truth", *studies.ESTIMATORS]:
        np.testing.assert_allclose(est[name], 120000.0, rtol=1e-9)


@pytest.mark.filterwarnings("ignore::tvaer.ScenarioWarning")  # selects nobody on purpose
def test_follow_up_errors_name_the_value(tiny):
    res = tvaer.simulate(tiny, replications=2, seed=1, progress=False)
    with pytest.raises(ValueError, match=r"months: must be an integer in 1\.\.24 \(the horizon\), got 25"):
        studies.follow_up_estimates(res, months=25)
    none = tvaer.simulate(tiny.with_({"selection.min_sectors": 3}), replications=2, seed=1, progress=False)
    with pytest.raises(ValueError, match=r"no family is inside the solution in month 0"):
        studies.follow_up(none)


# ---- pilot power -----------------------------------------------------------------------------


def test_power_is_alpha_without_an_effect_and_one_with_a_huge_effect(tiny_data):
    sc = _identical_families(tiny_data)
    null = sc.with_({"interventions.coach.effects.0.multiplier": 1.0, "interventions.coach.costs.0.monthly": 0.0})
    p0 = tvaer.pilot_power(null, families=[50], months=[24], replications=1000, alpha=0.05, seed=5, threads=2)
    # 1000 pilots: binomial sd of a 5 % rate is 0.0069; allow 3.5 sd.
    assert abs(p0.loc[(50, 24), "power"] - 0.05) < 0.024
    assert p0.loc[(50, 24), "true_effect"] == pytest.approx(0.0, abs=1e-6)
    huge = sc.with_({"interventions.coach.effects.0.multiplier": 50.0, "interventions.coach.capacity": 0})
    p1 = tvaer.pilot_power(huge, families=[50], months=[24], replications=200, seed=5, threads=2)
    assert p1.loc[(50, 24), "power"] >= 0.99
    assert p1.loc[(50, 24), "true_effect"] < -50000  # most of 24 x 10,000 DKK in transfers saved


def test_pilot_power_grid_and_minimum_detectable_effect(tiny_data):
    sc = _identical_families(tiny_data)
    p = tvaer.pilot_power(sc, families=[10, 40], months=[6, 12], replications=100, seed=2, threads=2)
    assert list(p.index) == [(10, 6), (10, 12), (40, 6), (40, 12)]
    z = 1.959963984540054 + 0.8416212335729143  # z_0.975 + z_0.8
    np.testing.assert_allclose(p["mde"], z * p["estimate_sd"], rtol=1e-12)
    assert (p["participants"] == [10, 10, 40, 40]).all()


def test_pilot_power_errors_name_the_value(tiny):
    with pytest.raises(ValueError, match=r"families: must be a non-empty list of integers >= 1, got \[0\]"):
        tvaer.pilot_power(tiny, families=[0], months=[12])
    with pytest.raises(ValueError, match=r"alpha: must be in \(0, 1\), got 1.5"):
        tvaer.pilot_power(tiny, families=[5], months=[12], alpha=1.5)
    with pytest.raises(ValueError, match=r"estimator: must be one of .*; got 'guess'"):
        tvaer.pilot_power(tiny, families=[5], months=[12], estimator="guess")


# ---- sensitivity -----------------------------------------------------------------------------

INERT = "selection.score_max"  # every family scores 2: a band above 1e6 changes nothing
COST = "interventions.coach.costs.0.monthly"


def test_tornado_inert_parameter_has_zero_swing_and_costs_are_linear(tiny):
    sc = tiny.with_({INERT: 1e9, "uncertain": {INERT: {"low": 1e6, "high": 1e7}, COST: {"low": 1000, "high": 5000}}})
    t = tvaer.tornado(sc, replications=20, seed=3)
    assert list(t.index) == [COST, INERT]
    assert t.loc[INERT, "swing"] == 0.0
    # The coach's cost does not change who gets it, so the output is linear in it: the swing over
    # 1000..5000 is 4 times the change from 1000 to 2000.
    step = (studies.total_difference(tvaer.simulate(tiny.with_({COST: 2000.0}), replications=20, seed=3, progress=False))
            - studies.total_difference(tvaer.simulate(tiny.with_({COST: 1000.0}), replications=20, seed=3, progress=False)))
    assert t.loc[COST, "swing"] == pytest.approx(4 * step, rel=1e-9)


def test_sobol_gives_the_only_active_parameter_all_the_variance(tiny):
    sc = tiny.with_({INERT: 1e9})
    s = tvaer.sobol(sc, n=64, replications=10, seed=2,
                    parameters={COST: (1000.0, 5000.0), INERT: (1e6, 1e7)})
    # Output = a + b * cost exactly; with 64 base points Saltelli's estimators are within a few %.
    assert s.loc[COST, "S1"] == pytest.approx(1.0, abs=0.1)
    assert s.loc[COST, "ST"] == pytest.approx(1.0, abs=0.1)
    assert abs(s.loc[INERT, "S1"]) < 1e-12 and abs(s.loc[INERT, "ST"]) < 1e-12
    assert s.attrs["runs"] == 64 * 4


def test_uncertain_table_errors_name_the_key(tiny):
    bad = tiny.with_({"uncertain": {COST: {"low": 5, "high": 1}}})
    with pytest.raises(tvaer.ScenarioError, match=r"uncertain\.interventions\.coach\.costs\.0\.monthly: low and high "
                                                  r"must be numbers with low < high, got low = 5, high = 1"):
        tvaer.tornado(bad)
    missing = tiny.with_({"uncertain": {"interventions.coach.nothing": {"low": 1, "high": 2}}})
    with pytest.raises(tvaer.ScenarioError, match=r"uncertain\.interventions\.coach\.nothing: the scenario has no value"):
        studies.uncertain_parameters(missing)
    with pytest.raises(ValueError, match=r"declares no \[uncertain\] parameters"):
        tvaer.tornado(tiny)
    with pytest.raises(ValueError, match=r"n: must be a power of two >= 4 \(Sobol sequence\), got 10"):
        tvaer.sobol(tiny, n=10, parameters={COST: (1.0, 2.0)})
    with pytest.raises(ValueError, match=r"output: must be 'total_difference' or a function of Results, got 'x'"):
        tvaer.tornado(tiny, output="x", parameters={COST: (1.0, 2.0)})


def test_sobol_samples_the_declared_distribution(tiny):
    # The output is linear in the coach's monthly cost (see the tornado test), so with the cost
    # ~ Normal(3000, 400) its standard deviation over the Sobol sample is |slope| x 400.
    sc = tiny.with_({INERT: 1e9, "uncertain": {COST: {"distribution": "normal", "mean": 3000, "sd": 400}}})
    s = tvaer.sobol(sc, n=256, replications=5, seed=2)
    at = {c: studies.total_difference(tvaer.simulate(tiny.with_({COST: c}), replications=5, seed=2, progress=False))
          for c in (1000.0, 2000.0)}
    slope = (at[2000.0] - at[1000.0]) / 1000.0
    assert s.attrs["output_mean"] == pytest.approx(at[1000.0] + slope * 2000.0, rel=0.01)
    assert s.attrs["output_sd"] == pytest.approx(abs(slope) * 400.0, rel=0.05)
    assert s.loc[COST, "S1"] == pytest.approx(1.0, abs=0.1)


def test_waiting_list_comparison_is_unbiased_when_places_are_drawn_at_random(tiny):
    # Every family starts alike, so every candidate has the same complexity score and places go
    # by the keyed random tie-break: participants and the waiting list are exchangeable, and the
    # comparison-group estimate is unbiased for the participants' paired effect.
    res = tvaer.simulate(tiny.with_(families=200, **{"selection.capacity": 80}), replications=60, seed=9,
                         family_costs=True, progress=False)
    table = tvaer.studies.follow_up_families(res)
    for year, row in table.iterrows():
        se = row["sd"] / np.sqrt(row["replications"])
        assert abs(row["bias"]) < 3.29 * se + 1e-9, (year, row.to_dict())
    assert table["truth"].iloc[1] < table["truth"].iloc[0]  # the coach costs first, benefits fall later


def test_follow_up_on_cpr_registered_costs_misses_what_is_booked_on_no_person(tiny):
    # The coach (solution only) is booked on no person: a municipality following its own families
    # does not see it, so its estimate of the participants' extra cost falls short of the truth,
    # while with all costs the comparison stays unbiased (random places, see above).
    data = tiny.with_(families=200, **{"selection.capacity": 80}).data
    data["interventions"][0]["costs"][0]["cpr_registered"] = False
    res = tvaer.simulate(tvaer.Scenario(data), replications=40, seed=9, family_costs=True, progress=False)
    seen_all = tvaer.studies.follow_up_families(res)
    seen_cpr = tvaer.studies.follow_up_families(res, cpr_only=True)
    np.testing.assert_allclose(seen_cpr["truth"].values, seen_all["truth"].values)  # truth: all costs
    # By hand: 80 participants all want the coach and 5 places are always busy, so the coach costs
    # 5 x 12 months x 3,000 DKK = 180,000 a year, 2,250 per participant, none of it on a CPR number,
    # and nothing for the waiting list (the coach is solution-only).
    coach = res.family_costs_by_registration.sel(registration="not_cpr", arm="solution").sum("budget")
    participants = res.family_costs["admitted_month"].sel(arm="solution") == 0
    np.testing.assert_allclose(coach.where(participants).mean("family").mean("replication").values, [2250.0, 2250.0])
    np.testing.assert_allclose((seen_all["estimate"] - seen_cpr["estimate"]).values, [2250.0, 2250.0])
    np.testing.assert_allclose((seen_all["bias"] - seen_cpr["bias"]).values, [2250.0, 2250.0])
    with pytest.raises(ValueError, match=r"cpr_only: must be True or False, got 'yes'"):
        tvaer.studies.follow_up_families(res, cpr_only="yes")


def test_follow_up_families_needs_per_family_costs(tiny):
    res = tvaer.simulate(tiny, replications=2, seed=1, progress=False)
    with pytest.raises(ValueError, match=r"family_costs: not recorded in these results"):
        tvaer.studies.follow_up_families(res)
