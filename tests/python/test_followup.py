"""Follow-up as a municipality runs it: Furesø's forecast, Helsingør's KPIs, pilot estimates.

Expected values are computed by hand from scenarios with fixed durations and costs, or come from
a second implementation (exponential stays drawn with numpy)."""

from __future__ import annotations

import copy
import math

import numpy as np
import pandas as pd
import pytest

import tvaer
import importlib

F = importlib.import_module("tvaer.forecast")  # the modules; tvaer.forecast and tvaer.estimate are the functions
E = importlib.import_module("tvaer.estimate")

# Two one-adult, one-child families, one place, stays of exactly 15 months: one family is inside
# in months 0-14, the other from month 15. The adult is 'out' (10,000 a month) for exactly 20
# months, the child in a measure (8,000 a month) for exactly 14.
FIXED = {
    "schema_version": 1, "name": "fixed", "horizon_months": 24, "sectors": ["employment", "children"], "families": 2,
    "selection": {"capacity": 1, "min_sectors": 1, "stay": {"distribution": "fixed", "months": 15}},
    "tracks": [
        {"name": "adult", "members": [0.0, 1.0], "initial": {"out": 1.0},
         "states": [{"name": "out", "duration": {"distribution": "fixed", "months": 20}, "transitions": [{"to": "job", "probability": 1.0}],
                     "costs": [{"sector": "employment", "kind": "transfer", "monthly": 10000}]},
                    {"name": "job"}]},
        {"name": "child", "members": [0.0, 1.0], "initial": {"measure": 1.0},
         "states": [{"name": "measure", "duration": {"distribution": "fixed", "months": 14}, "transitions": [{"to": "none", "probability": 1.0}],
                     "costs": [{"sector": "children", "monthly": 8000}]},
                    {"name": "none"}]},
    ],
}


@pytest.fixture(scope="module")
def fixed_run():
    return tvaer.simulate(tvaer.Scenario(FIXED, "fixed.toml"), replications=1, seed=1, progress=False, bookings=True)


def test_forecast_after_june_of_year_2_matches_the_hand_computed_table(fixed_run):
    # End of month 6 of year 2 = month 17. Citizens inside in months 12-17: A (inside to month 14)
    # and B (from month 15). Adults: A realised 12-17 = 60,000, truth 12-19 = 80,000; B realised
    # 15-17 = 30,000, truth 15-19 = 50,000; both cost 10,000 in month 17, so 'last_month' gives
    # 6 x 10,000 each. Children: A's measure ends at 14 (months 12, 13 = 16,000), B's is not followed.
    f = tvaer.forecast(fixed_run, month=6, year=2, rule="last_month")
    t = f.table
    assert f.citizens == 2
    adult = t.loc[("employment", "adult/out")]
    assert adult["previous_year"] == pytest.approx(240_000)
    assert adult["realised"] == pytest.approx(90_000)
    assert adult["forecast"] == pytest.approx(120_000)
    assert adult["truth"] == pytest.approx(130_000)
    assert adult["error"] == pytest.approx(80_000)
    child = t.loc[("children", "child/measure")]
    assert child["previous_year"] == pytest.approx(192_000)
    assert (child["realised"], child["forecast"], child["truth"]) == pytest.approx((16_000, 0, 16_000))
    # the year-to-date average carries A's child on at 16,000 / 6 a month: 16,000 more
    g = tvaer.forecast(fixed_run, month=6, year=2, rule="ytd_average").table
    assert g.loc[("children", "child/measure"), "forecast"] == pytest.approx(16_000)
    assert g.loc[("employment", "adult/out"), "forecast"] == pytest.approx(120_000)


def test_forecast_in_march_sees_only_the_first_family(fixed_run):
    f = tvaer.forecast(fixed_run, month=3, year=2)
    assert f.citizens == 1
    s = f.total()
    # adult: 30,000 + 9 x 10,000 against 80,000; child: 16,000 + 0 against 16,000
    assert (s["realised"], s["forecast"], s["truth"]) == pytest.approx((46_000, 90_000, 96_000))


def test_forecast_errors_has_one_row_per_rule_month_and_replication(fixed_run):
    e = tvaer.forecast_errors(fixed_run, year=2)
    assert len(e) == 2 * 12
    june = e[(e["rule"] == "last_month") & (e["month"] == 6)].iloc[0]
    assert june["error"] == pytest.approx(80_000) and june["relative_error"] == pytest.approx(80_000 / 146_000)
    # in December nothing is left to forecast
    assert e[e["month"] == 12]["error"].abs().max() == pytest.approx(0, abs=1e-6)


def test_forecast_arguments_are_checked(fixed_run):
    with pytest.raises(ValueError, match=r"month: must be the number of closed months of the year, 1..12, got 13"):
        tvaer.forecast(fixed_run, month=13)
    with pytest.raises(ValueError, match=r"year: must be a whole budget year of the run, 1..2 \(24 months simulated\), got 3"):
        tvaer.forecast(fixed_run, month=1, year=3)
    with pytest.raises(ValueError, match=r"rule: must be one of 'last_month', 'ytd_average', got 'trend'"):
        tvaer.forecast(fixed_run, month=1, rule="trend")


def test_forecast_needs_the_booking_log():
    r = tvaer.simulate(tvaer.Scenario(FIXED, "fixed.toml"), replications=1, seed=1, progress=False)
    with pytest.raises(ValueError, match=r"bookings: not recorded in these results"):
        tvaer.forecast(r, month=1)


# ---- estimation -------------------------------------------------------------------------------
TWO = {
    "schema_version": 1, "name": "two", "horizon_months": 24, "sectors": ["employment"], "families": 400,
    "selection": {"capacity": 200, "min_sectors": 1},
    "organisation": {"effects": [{"track": "adult", "from": "out", "to": "job", "multiplier": 2.0}]},
    "tracks": [{"name": "adult", "members": [0.0, 1.0], "initial": {"out": 1.0},
                "states": [{"name": "out", "transitions": [{"to": "job", "rate": 0.04}],
                            "costs": [{"sector": "employment", "kind": "transfer", "monthly": 10000}]},
                           {"name": "job"}]}],
}


def _numpy_pilot(rng, n, rates, end):
    """A second implementation: exponential stays in 'out' drawn with numpy, censored at `end`."""
    rows = []
    for g, rate in rates.items():
        t = rng.exponential(1 / rate, n)
        for i, ti in enumerate(t):
            fam = len(rows) + i * 0
            rows.append((fam, 0, 0.0, "adult/out", g))
            if ti < end:
                rows.append((fam, 0, float(ti), "adult/job", g))
    return pd.DataFrame(rows, columns=["family", "member", "month", "state", "group"])


def test_rate_and_multiplier_intervals_cover_the_truth_95_percent_of_the_time():
    sc = tvaer.Scenario(TWO, "two.toml")
    rng = np.random.default_rng(2026)
    true = {"comparison": 0.05, "participant": 0.08}
    hits_ratio, hits_rate, n = 0, 0, 400
    for _ in range(n):
        est = tvaer.estimate(_numpy_pilot(rng, 100, true, 24.0), sc, end=24.0)
        eff = est.effects.set_index(["track", "from", "to"]).loc[("adult", "out", "job")]
        hits_ratio += eff["low"] <= 1.6 <= eff["high"]
        c = est.rates[(est.rates["group"] == "comparison") & (est.rates["from"] == "out")].iloc[0]
        hits_rate += c["low"] <= 0.05 <= c["high"]
    assert 0.92 <= hits_ratio / n <= 0.98
    assert 0.92 <= hits_rate / n <= 0.98


def test_events_over_exposure_by_hand():
    sc = tvaer.Scenario(TWO, "two.toml")
    obs = pd.DataFrame({"family": [1, 1, 2, 3, 3, 4], "member": [0] * 6, "month": [0, 4, 0, 0, 10, 0],
                        "state": ["adult/out", "adult/job", "adult/out", "adult/out", "adult/job", "adult/out"],
                        "group": ["participant", "participant", "participant", "comparison", "comparison", "comparison"]})
    est = tvaer.estimate(obs, sc, end=12)
    r = est.rates.set_index("group")
    # participants: 1 event in 4 + 12 months; comparison: 1 event in 10 + 12 months
    assert r.loc["participant", "rate"] == pytest.approx(1 / 16)
    assert r.loc["comparison", "rate"] == pytest.approx(1 / 22)
    eff = est.effects.iloc[0]
    assert eff["multiplier"] == pytest.approx(22 / 16)
    assert eff["high"] == pytest.approx(22 / 16 * math.exp(1.959964 * math.sqrt(2)), rel=1e-6)
    # the scenario carries the estimate, replacing the organisation effect, as a lognormal
    assert est.scenario.get("organisation.effects.0.multiplier") == pytest.approx(22 / 16)
    u = tvaer.uncertain_distributions(est.scenario)["organisation.effects.0.multiplier"]
    assert u.distribution == "lognormal" and u.params["sigma"] == pytest.approx(math.sqrt(2))


def test_effects_on_chooses_the_transitions_written_into_the_scenario():
    data = {**TWO, "tracks": [{**TWO["tracks"][0], "states": [
        {"name": "out", "transitions": [{"to": "job", "rate": 0.04}], "costs": [{"sector": "employment", "monthly": 1}]},
        {"name": "job", "transitions": [{"to": "out", "rate": 0.02}]}]}]}
    sc = tvaer.Scenario(data, "two.toml")
    obs = pd.DataFrame({"family": [1, 1, 1, 2, 2, 2], "member": [0] * 6, "month": [0, 4, 8, 0, 5, 9],
                        "state": ["adult/out", "adult/job", "adult/out"] * 2, "group": ["participant"] * 3 + ["comparison"] * 3})
    est = tvaer.estimate(obs, sc, end=12, effects_on=["adult/job->out"])
    assert len(est.effects.dropna()) == 2
    effects = est.scenario.get("organisation.effects")
    # the organisation's own out -> job effect (2.0) stays; job -> out gets the estimate (1/4) / (1/4)
    assert [(e["from"], e["to"]) for e in effects] == [("out", "job"), ("job", "out")]
    assert effects[0]["multiplier"] == 2.0 and effects[1]["multiplier"] == pytest.approx(1.0)
    with pytest.raises(ValueError, match=r"effects_on: 'adult/out->none' is not a transition with a rate in the scenario; "
                                         r"one of adult/out->job, adult/job->out"):
        tvaer.estimate(obs, sc, end=12, effects_on=["adult/out->none"])


def test_a_censored_row_ends_exposure_without_an_event():
    sc = tvaer.Scenario(TWO, "two.toml")
    obs = pd.DataFrame({"family": [1, 1], "member": [0, 0], "month": [0, 5], "state": ["adult/out", "censored"],
                        "group": ["comparison", "comparison"]})
    r = tvaer.estimate(obs, sc, end=12).rates.set_index("group")
    assert (r.loc["comparison", "events"], r.loc["comparison", "exposure"]) == (0, 5.0)


@pytest.mark.parametrize("column, value, message", [
    ("month", "abc", r"row 1, column 'month': must be a number of months since the pilot's start in \[0, 12\) \(the pilot's end\), got 'abc'"),
    ("month", 12, r"row 1, column 'month': must be a number of months .* got 12"),
    ("state", "adult/work", r"row 1, column 'state': must be a state of the scenario spelt 'track/state' \(adult/out, adult/job\) or 'censored', got 'adult/work'"),
    ("group", "treated", r"row 1, column 'group': must be one of 'participant', 'comparison', got 'treated'"),
    ("family", -1, r"row 1, column 'family': must be a whole number >= 0, got -1"),
])
def test_a_misspecified_table_names_the_row_and_column(column, value, message):
    sc = tvaer.Scenario(TWO, "two.toml")
    obs = pd.DataFrame({"family": [1, 1], "member": [0, 0], "month": [0, 4], "state": ["adult/out", "adult/job"],
                        "group": ["participant", "participant"]}).astype(object)
    obs.at[1, column] = value
    with pytest.raises(tvaer.ObservationError, match=message):
        tvaer.estimate(obs, sc, end=12)


def test_a_missing_column_and_a_double_month_are_named():
    sc = tvaer.Scenario(TWO, "two.toml")
    with pytest.raises(tvaer.ObservationError, match=r"column 'group' is missing; the table needs the columns family, member, month, state, group"):
        tvaer.estimate(pd.DataFrame({"family": [1], "member": [0], "month": [0], "state": ["adult/out"]}), sc)
    obs = pd.DataFrame({"family": [1, 1], "member": [0, 0], "month": [3, 3], "state": ["adult/out", "adult/job"],
                        "group": ["participant"] * 2})
    with pytest.raises(tvaer.ObservationError, match=r"rows 0 and 1, column 'month': family 1, member 0 has two states at month 3"):
        tvaer.estimate(obs, sc, end=12)


def test_simulate_then_estimate_recovers_the_organisation_effect():
    # 200 of 400 identical candidates get a place at month 0 and keep it; the effect doubles the
    # rate out -> job. States are read from the booking log at month resolution.
    sc = tvaer.Scenario(TWO, "two.toml")
    r = tvaer.simulate(sc, replications=1, seed=5, progress=False, family_costs=True, bookings=True)
    obs = tvaer.pilot_observations(r)
    assert set(obs["group"]) == {"participant", "comparison"}
    assert obs.groupby("group")["family"].nunique().to_dict() == {"comparison": 200, "participant": 200}
    est = tvaer.estimate(obs, sc)
    eff = est.effects.iloc[0]
    assert eff["low"] <= 2.0 <= eff["high"]
    assert 1.6 < eff["multiplier"] < 2.5
    res = tvaer.simulate(est.scenario, replications=2, seed=1, progress=False)
    assert res.replications == 2
    assert obs["age"].isna().all()  # the track declares no ages


def test_pilot_observations_give_each_members_age_in_every_month_also_without_bookings():
    # Adults aged 30-39 when they enter (30 up to the day before 40) at month 0: in month m a
    # member is its starting age plus m / 12, also in the months in 'job', which costs nothing and
    # leaves no booking.
    data = copy.deepcopy(TWO)
    data["tracks"][0]["ages"] = {"30-39": 1.0}
    r = tvaer.simulate(tvaer.Scenario(data, "two.toml"), replications=1, seed=5, progress=False, family_costs=True,
                       bookings=True)
    obs = tvaer.pilot_observations(r)
    start = obs["age"] - obs["month"] / 12
    assert ((start >= 30) & (start < 40)).all()
    per_member = start.groupby([obs["family"], obs["member"]])
    assert (per_member.max() - per_member.min()).max() < 1e-4
    assert (obs["state"] == "adult/job").any()


# ---- KPIs -------------------------------------------------------------------------------------
KPI = {
    "schema_version": 1, "name": "k", "horizon_months": 12, "sectors": ["employment", "children"], "families": 3,
    "selection": {"capacity": 1, "min_sectors": 1},
    "organisation": {"staff_fte": 1.2, "salary_per_fte_year": 600000, "salary_key": {"employment": 1.0}},
    "tracks": [{"name": "adult", "members": [0.0, 1.0], "initial": {"out": 1.0},
                "states": [{"name": "out", "costs": [{"sector": "employment", "kind": "transfer", "monthly": 10000},
                                                     {"sector": "employment", "monthly": 2000, "cpr_registered": False}]}]}],
    "interventions": [{"name": "coach", "track": "adult", "request_on_entry": ["out"], "available": "solution",
                       "duration": {"distribution": "fixed", "months": 30}, "capacity": 5,
                       "costs": [{"sector": "employment", "monthly": 3000, "cpr_registered": False}]}],
}


def test_kpis_true_and_observed_by_hand():
    # One of three identical families is inside. Its true cost a month: 10,000 (CPR) + 2,000 (not
    # CPR) + the solution-only coach 3,000 (not CPR) = 15,000, all outside the unit's budget;
    # salaries 1.2 x 600,000 / 12 = 60,000. Observed: CPR 10,000 plus the account's hidden
    # 3 x 2,000 + 3,000 = 9,000 times the participant's CPR share 10,000 / 30,000 = 3,000.
    r = tvaer.simulate(tvaer.Scenario(KPI, "k.toml"), replications=1, seed=1, progress=False)
    k = tvaer.kpis(r).loc[(0, 5)]
    assert k["families"] == 1
    assert (k["salaries"], k["observed_salaries"]) == pytest.approx((60_000, 60_000))
    assert (k["inside"], k["outside"], k["observed_outside"]) == pytest.approx((0, 15_000, 13_000))
    assert (k["price"], k["observed_price"], k["gap_price"]) == pytest.approx((75_000, 73_000, -2_000))


def test_result_targets_by_hand():
    # year 1: participants 1 and 2, one reaches job (month 4); comparison 3 reaches job in month
    # 14 (year 2), 4 never. Member 2 moves out -> job? no: it is censored at month 6.
    obs = pd.DataFrame({"family": [1, 1, 2, 2, 3, 3, 4], "member": [0] * 7, "month": [0, 4, 0, 6, 0, 14, 0],
                        "state": ["adult/out", "adult/job", "adult/out", "censored", "adult/out", "adult/job", "adult/out"],
                        "group": ["participant"] * 4 + ["comparison"] * 3})
    t = tvaer.result_targets(obs, end=24)
    assert (t.loc[(1, "participant"), "members"], t.loc[(1, "participant"), "reached"]) == (2, 1)
    assert t.loc[(1, "participant"), "share"] == pytest.approx(0.5)
    assert t.loc[(2, "participant"), "members"] == 1  # member 1 in job all of year 2
    assert (t.loc[(1, "comparison"), "reached"], t.loc[(2, "comparison"), "reached"]) == (0, 1)
    assert t.loc[(2, "comparison"), "out->job"] == 1


def test_pilot_observations_read_a_cost_free_state_from_the_state_before():
    # One family, one place. 'out' costs and lasts exactly 5 months, then 'job'; 'job' and 'self'
    # both cost nothing, so a month without bookings is read as the cost-free state 'out' leads
    # to ('job'). The family has no bookings after month 4, so it is observed to month 5.
    data = {"schema_version": 1, "name": "free", "horizon_months": 12, "sectors": ["employment"], "families": 1,
            "selection": {"capacity": 1, "min_sectors": 1},
            "tracks": [{"name": "adult", "members": [0.0, 1.0], "initial": {"out": 1.0}, "states": [
                {"name": "out", "duration": {"distribution": "fixed", "months": 5}, "transitions": [{"to": "job", "probability": 1.0}],
                 "costs": [{"sector": "employment", "kind": "transfer", "monthly": 10000}]},
                {"name": "job", "transitions": [{"to": "self", "rate": 0.01}]},
                {"name": "self"}]}]}
    r = tvaer.simulate(tvaer.Scenario(data, "free.toml"), replications=1, seed=1, progress=False, family_costs=True, bookings=True)
    obs = tvaer.pilot_observations(r)
    assert obs["month"].tolist() == [0, 1, 2, 3, 4, 5]
    assert obs["state"].tolist() == ["adult/out"] * 5 + ["adult/job"]
    assert set(obs["group"]) == {"participant"}


def test_the_observed_forecast_sees_imputed_averages_instead_of_the_hidden_costs():
    # KPI's case: the participant's hidden costs are 2,000 + 3,000 (coach) = 5,000 a month, but
    # the municipality imputes 9,000 x 10,000 / 30,000 = 3,000 a month. After June of year 1:
    # realised 6 x 3,000, forecast 6 x 3,000, truth 12 x 5,000; the registered benefit is exact.
    r = tvaer.simulate(tvaer.Scenario(KPI, "k.toml"), replications=1, seed=1, progress=False, bookings=True)
    t = tvaer.forecast(r, month=6, year=1, observed=True).table
    hidden = t.loc[("employment", "not CPR-registered")]
    assert (hidden["realised"], hidden["forecast"], hidden["truth"], hidden["error"]) == pytest.approx(
        (18_000, 18_000, 60_000, -24_000))
    assert np.isnan(hidden["previous_year"])
    benefit = t.loc[("employment", "adult/out")]
    assert (benefit["projected"], benefit["truth"]) == pytest.approx((120_000, 120_000))
    # without observed, the coach and the hidden state cost are their own types, seen in full
    full = tvaer.forecast(r, month=6, year=1).table
    assert full["error"].abs().max() == pytest.approx(0, abs=1e-6)
    assert full["truth"].sum() == pytest.approx(t["truth"].sum())


def test_tvaer_forecast_prints_the_hand_computed_forecast_and_draws_the_chart(tmp_path, capsys):
    import tomli_w

    from tvaer.cli import main

    toml = tmp_path / "fixed.toml"
    toml.write_text(tomli_w.dumps(FIXED))
    png = tmp_path / "f.png"
    assert main(["forecast", str(toml), "--month", "6", "--year", "2", "-n", "1", "--quiet", "--out", str(png)]) == 0
    out = capsys.readouterr().out
    # the June case above: projected 90 + 120 + 16 = 226 thousand against a truth of 146
    assert "2 citizens" in out
    assert "Projected 226, truth 146: off by +54.8% (previous year 432)" in out
    assert png.stat().st_size > 0
    assert main(["forecast", str(toml), "--month", "13", "-n", "1", "--quiet"]) == 2
    assert "tvaer: error: month: must be the number of closed months of the year, 1..12, got 13" in capsys.readouterr().err


def test_the_placebo_of_identical_families_finds_no_effect():
    # TWO's families are identical and places go by lot, so in business as usual the
    # participants' rate out -> job is the comparison's: the interval covers 1 (and not 2).
    r = tvaer.simulate(tvaer.Scenario(TWO, "two.toml"), replications=1, seed=5, progress=False, family_costs=True, bookings=True)
    placebo = tvaer.pilot_observations(r, arm="bau")
    assert placebo.groupby("group")["family"].nunique().to_dict() == {"comparison": 200, "participant": 200}
    eff = tvaer.estimate(placebo, tvaer.Scenario(TWO, "two.toml")).effects.iloc[0]
    assert eff["low"] <= 1.0 <= eff["high"] < 2.0
    with pytest.raises(ValueError, match=r"arm: must be 'solution' or 'bau', got 'usual'"):
        tvaer.pilot_observations(r, arm="usual")
