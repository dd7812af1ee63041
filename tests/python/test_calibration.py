"""The shipped scenarios look like the municipalities of the report (issue 18).

The default's business-as-usual cost per family and year lies inside the report's range, its
population is a steady flow, refusion is on and the unit's own pedagogues are paid through the
salaries only; Furesø's scenario carries the report's salary financing and efficiency requirement.
Expected values are typed in from the report (seed report lines, domain.md sec. 6.3) or the
issue, never read from the scenario files. docs/calibration.md explains the targets.
"""

from __future__ import annotations

import numpy as np
import pytest

import tvaer
from tvaer import budgets as B

from tvaer.calibration import bau_cost_by_year, bau_cost_per_family_by_year, families_expected_by_year, families_present_by_year

# ---- the report's per-family economies (DKK per year, 2018) ------------------------------------
# Furesø: "ca. 22 mio. kr." in 2017 for the unemployed adults, salaries not included [report
# L5318-5320, L1779-1781], about 100 citizens [L1744]: the low end.
FURESOE_PER_CITIZEN = 22e6 / 100
# Helsingør: "godt 300.000 kr. pr. familie i 2018", services, transfers and salaries [L5755-5763].
HELSINGOER_PER_FAMILY = 300_000.0
# Albertslund: about 40 mio. for just under 100 families, salaries not included [L1759-1763,
# L4460-4464]: the high end.
ALBERTSLUND_PER_FAMILY = 40e6 / 100

REPLICATIONS = 40


@pytest.fixture(scope="module")
def default_run():
    sc = tvaer.default_scenario()
    return sc, tvaer.simulate(sc, replications=REPLICATIONS, seed=1, threads=2, progress=False)


def test_the_family_count_from_occupancy_agrees_with_the_population_settings(default_run):
    sc, res = default_run
    counted = families_present_by_year(sc, res)
    assert counted == pytest.approx(families_expected_by_year(sc, counted.size), rel=0.03)


def test_business_as_usual_costs_per_family_and_year_are_inside_the_reports_range(default_run):
    sc, res = default_run
    per_family = bau_cost_by_year(res) / families_present_by_year(sc, res)
    assert per_family.size == 5
    assert (per_family > FURESOE_PER_CITIZEN).all() and (per_family < ALBERTSLUND_PER_FAMILY).all(), per_family
    # The default resembles Helsingør: within 15 % of its "a little over 300,000" over the horizon.
    assert per_family.mean() == pytest.approx(HELSINGOER_PER_FAMILY, rel=0.15)


def test_the_population_is_a_steady_flow_not_a_cohort_running_off(default_run):
    sc, res = default_run
    assert sc.data["population"]["arrivals_per_month"] > 0 and sc.data["population"]["leave_rate"] > 0
    families = families_present_by_year(sc, res)
    assert families[-1] == pytest.approx(families[0], rel=0.10)
    per_family = bau_cost_by_year(res) / families
    assert per_family[-1] == pytest.approx(per_family[0], rel=0.10)


def test_the_units_places_stay_full_over_the_horizon(default_run):
    # The default's unit is Helsingør-like: 60 family cases [report L5747-5749]. A steady flow of
    # families must keep it full, not let it empty as the first families' stays end.
    _, res = default_run
    inside = res.flows["occupancy"].sel(row="solution/families", arm="solution").mean("replication").values
    yearly = inside.reshape(-1, 12).mean(axis=1)
    assert (yearly >= 0.95 * 60).all(), yearly


def test_refusion_is_on_and_refunds_part_of_the_benefits(default_run):
    sc, res = default_run
    assert sc.data["refusion"]["ladder"] == "statutory"
    lines = res.line_costs.sel(arm="bau")
    sources = [str(s) for s in lines["source"].values]
    refund = lines.isel(line=[i for i, s in enumerate(sources) if s.endswith("/refusion")]).sum().item()
    benefits = lines.isel(line=[i for i, k in enumerate(lines["kind"].values) if k == "transfer"]).sum().item() - refund
    # The statutory ladder refunds 80/40/30/20 % [parameters.md sec. 1b]: between 20 % and 80 %.
    assert 0.20 <= -refund / benefits <= 0.80


def test_the_units_own_family_treatment_is_paid_through_salaries_not_an_hourly_rate():
    sc = tvaer.default_scenario()
    ft = next(i for i in sc.data["interventions"] if i["name"] == "family_treatment")
    assert ft["delivered_by"] == "solution"
    assert sc.data["organisation"]["staff_fte"] > 0
    # An external rate of 670 kr/h x 6 h/week [parameters.md sec. 2] would be 17,400 a month;
    # materials and transport stay under 1,500 (issue 18).
    assert sum(c.get("monthly", 0.0) for c in ft.get("costs", [])) <= 1_500


# ---- Furesø: Tabel 5.1 and 5.2 -------------------------------------------------------------------
# The requirement: 6 mio. DKK in 2018 [L3707], "ligeligt fordelt på to sektorområder" [L3723-3724],
# namely vulnerable adults and employment [L3759-3761].
FURESOE_REQUIREMENT_2018 = 6e6
FURESOE_REQUIREMENT_SECTORS = {"adults", "employment"}


@pytest.fixture(scope="module")
def furesoe_settled():
    sc = tvaer.default_scenario("furesoe")
    res = tvaer.simulate(sc, replications=4, seed=1, threads=2, progress=False)
    return sc, res, B.settle(res, B.rules_from_scenario(sc))


def test_furesoe_declares_a_salary_key_then_an_efficiency_requirement(furesoe_settled):
    sc, _, _ = furesoe_settled
    assert [r.type for r in B.rules_from_scenario(sc)] == ["salary_key", "efficiency_requirement"]


def test_furesoe_requirement_is_six_million_split_equally_on_adults_and_employment(furesoe_settled):
    _, _, st = furesoe_settled
    required = st.tables["required"].mean("replication").sel(year=1).to_series()
    for budget, amount in required.items():
        want = FURESOE_REQUIREMENT_2018 / 2 if budget in FURESOE_REQUIREMENT_SECTORS else 0.0
        assert amount == pytest.approx(want, abs=0.01), budget


def test_furesoe_salaries_are_carried_by_the_jobcenter(furesoe_settled):
    """All salaries in the employment budget [L3602-3606, L5541-5547]: the solution's own budget
    carries nothing, and employment carries the staff line on top of what it grants."""
    _, res, st = furesoe_settled
    lines = res.line_costs.sel(arm="solution")
    staff = lines.isel(line=[i for i, s in enumerate(lines["source"].values) if s == "staff"]).sum(["line", "month"])
    t = st.tables
    assert float(np.abs(t["gross_solution"].sel(budget="solution")).max()) == pytest.approx(0.0, abs=0.01)
    shifted = (t["gross_solution"] - t["granted_solution"]).sel(budget="employment").sum("year")
    assert shifted.values == pytest.approx(staff.values, rel=1e-9)


# ---- starting in the steady state of an open population (population.initial) ------------------

# A flow of one-adult households without interventions, so that the steady state is the tracks'
# own: a ladder with competing rates and a job left after an exponential spell (the `duration`
# form with probabilities; a clock restarted at t = 0 is then as good as one running, which is not
# so for a Weibull job: docs/calibration.md), and an adult-area case that opens and closes.
FLOW = {
    "schema_version": 1, "name": "flow", "horizon_months": 48, "sectors": ["employment", "adults"],
    "families": 1000, "population": {"arrivals_per_month": 30, "leave_rate": 0.03, "initial": "steady_state"},
    "selection": {"min_sectors": 2, "capacity": 10},   # the solution arm is not looked at
    "tracks": [
        {"name": "adult", "members": [0.0, 1.0], "initial": {"far": 0.7, "near": 0.3},
         "states": [
             {"name": "far", "transitions": [{"to": "near", "rate": 0.05}],
              "costs": [{"sector": "employment", "kind": "transfer", "monthly": 12000}]},
             {"name": "near", "transitions": [{"to": "far", "rate": 0.02}, {"to": "job", "rate": 0.08}],
              "costs": [{"sector": "employment", "kind": "transfer", "monthly": 12000}]},
             {"name": "job", "duration": {"distribution": "exponential", "mean": 33},
              "transitions": [{"to": "near", "probability": 1.0}]}]},
        {"name": "case", "members": [0.0, 1.0], "initial": {"open": 1.0},
         "states": [
             {"name": "open", "transitions": [{"to": "closed", "rate": 0.04}],
              "costs": [{"sector": "adults", "monthly": 4000}]},
             {"name": "closed", "transitions": [{"to": "open", "rate": 0.01}]}]},
    ],
}
FLOW_REPLICATIONS = 20


def _state_shares(res, months: slice) -> np.ndarray:
    """Per replication, each track's member-months in each state over `months`, as shares of the track."""
    occ = res.flows["occupancy"].sel(arm="bau").isel(month=months).sum("month")
    rows = [str(r) for r in occ["row"].values if not str(r).startswith("solution/")]
    occ = occ.sel(row=rows).transpose("replication", "row").values
    tracks = np.array([r.split("/")[0] for r in rows])
    totals = np.stack([occ[:, tracks == t].sum(axis=1) for t in tracks], axis=1)
    return occ / totals


def test_the_steady_state_mix_is_where_a_long_warm_up_of_the_flow_settles():
    # The independent expectation: the same flow simulated for 25 years from the arrivals' mix;
    # its last year is the steady state. The steady-state start must match it from year 1.
    run = lambda sc: tvaer.simulate(sc, replications=FLOW_REPLICATIONS, seed=3, threads=2, progress=False)  # noqa: E731
    steady = run(tvaer.Scenario(FLOW, "flow.toml"))
    warm = dict(FLOW, horizon_months=300, population=dict(FLOW["population"], initial="tracks"))
    warmed = run(tvaer.Scenario(warm, "flow.toml"))
    start, settled = _state_shares(steady, slice(0, 12)), _state_shares(warmed, slice(288, 300))
    diff = start.mean(axis=0) - settled.mean(axis=0)
    se = np.sqrt(start.var(axis=0, ddof=1) / FLOW_REPLICATIONS + settled.var(axis=0, ddof=1) / FLOW_REPLICATIONS)
    assert (np.abs(diff) < 4 * se + 1e-3).all(), (diff, se)
    # By hand for the case track (competing rates): pi_open = (r + reopen) / (r + close + reopen)
    # = (0.03 + 0.01) / (0.03 + 0.04 + 0.01) = 0.5, not the arrivals' 1.0.
    assert start.mean(axis=0)[list(steady.flows["occupancy"]["row"].values).index("case/open")] == pytest.approx(0.5, abs=0.02)


FURESOE_REPLICATIONS = 40


@pytest.fixture(scope="module")
def furesoe_both_starts():
    sc = tvaer.default_scenario("furesoe")
    cold = sc.with_({"population.initial": "tracks", "population.warmup_months": 0})
    run = lambda s: tvaer.simulate(s, replications=FURESOE_REPLICATIONS, seed=1, threads=2, progress=False)  # noqa: E731
    return sc, run(sc), cold, run(cold)


def test_furesoe_warms_up_and_its_cost_per_household_is_level(furesoe_both_starts):
    # Level: every year-on-year change of the business-as-usual cost per household, paired within
    # each replication, is within three of its standard errors of zero (no allowance for bias).
    sc, res, _, _ = furesoe_both_starts
    assert sc.get("population.warmup_months") > 0
    per_rep = bau_cost_per_family_by_year(sc, res, per_replication=True)
    assert per_rep.shape[1] == 4
    for a, b in [(0, 1), (1, 2), (2, 3), (0, 3)]:
        change = per_rep[:, b] - per_rep[:, a]
        se = change.std(ddof=1) / np.sqrt(change.size)
        assert abs(change.mean()) < 3 * se, (a, b, change.mean(), se)


def test_without_the_options_furesoe_drifts_as_before(furesoe_both_starts):
    _, _, cold, res = furesoe_both_starts
    per_family = bau_cost_per_family_by_year(cold, res)
    assert per_family[3] < 0.9 * per_family[0], per_family


# ---- a warm-up before month 0 (population.warmup_months) ------------------------------------------

WARM_FLOW = dict(FLOW, families=200, population=dict(FLOW["population"], initial="tracks", warmup_months=48))


def test_the_family_count_after_a_warm_up_follows_the_population_settings():
    # N(t) = N0 e^{-rt} + (a / r)(1 - e^{-rt}) with t counted from the start of the warm-up: 200
    # families growing towards 1,000 are at about 840 by month 0 (about 330 in a year 1 without it).
    sc = tvaer.Scenario(WARM_FLOW, "flow.toml")
    res = tvaer.simulate(sc, replications=FLOW_REPLICATIONS, seed=3, threads=2, progress=False)
    counted = families_present_by_year(sc, res)
    assert counted == pytest.approx(families_expected_by_year(sc, counted.size), rel=0.03)
    assert counted[0] > 800


def test_a_warm_up_gives_the_same_numbers_whatever_the_thread_count():
    sc = tvaer.Scenario(dict(WARM_FLOW, families=100, horizon_months=24), "flow.toml")
    one, two = (tvaer.simulate(sc, replications=4, seed=9, threads=n, progress=False) for n in (1, 2))
    assert np.array_equal(one.costs.values, two.costs.values)
    assert np.array_equal(one.flows["occupancy"].values, two.flows["occupancy"].values)
    assert one.costs.sizes["month"] == 24
