"""Albertslund's nulpunktsmåling (tvaer.baseline_measurement) and the retrospective redistribution
on it (tvaer.baseline_redistribution). The first scenario makes every participant's costs known
by hand (fixed durations, states that never move, a known admission month); the second is a
solution with no effect at all, admitted by current cost, where the true saving is 0 exactly and
the municipality's before-after comparison shows a saving: regression to the mean, whose size
is worked out from the two-state Markov chain."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.linalg import expm

import tvaer


def _hand_scenario() -> tvaer.Scenario:
    # 5 families from t = 0 and one arriving at month 6.5. Every family: one adult on sickness
    # benefit (20,000 DKK a month, employment) for exactly 18 months, then a job (no cost); one
    # child in a measure (8,000 a month, children) for good. Inside the solution the adult gets a
    # coach (3,000 a month, employment, exactly 4 months), requested when the family is admitted.
    # Places: 1 in year 1 (one family admitted at month 0), 6 from year 2: the other 4 initial
    # families and the arrival (at the end of the waiting list) are admitted at month 12.
    return tvaer.Scenario({
        "schema_version": 1, "name": "hand", "horizon_months": 36,
        "sectors": ["employment", "children"], "families": 5,
        "population": {"arrival_months": [6.5]},
        "selection": {"min_sectors": 2, "capacity_by_year": [1, 6]},
        "tracks": [
            {"name": "adult", "members": [0.0, 1.0], "initial": {"sick": 1.0},
             "states": [{"name": "sick", "duration": {"distribution": "fixed", "months": 18},
                         "transitions": [{"to": "job", "probability": 1.0}],
                         "costs": [{"sector": "employment", "kind": "transfer", "monthly": 20000}]},
                        {"name": "job"}]},
            {"name": "child", "members": [0.0, 1.0], "initial": {"measure": 1.0},
             "states": [{"name": "measure", "costs": [{"sector": "children", "monthly": 8000}]}]},
        ],
        "interventions": [{"name": "coach", "track": "adult", "request_on_entry": ["sick"], "available": "solution",
                           "duration": {"distribution": "fixed", "months": 4},
                           "costs": [{"sector": "employment", "monthly": 3000}]}],
    }, "hand.toml")


@pytest.fixture(scope="module")
def hand_run() -> tvaer.Results:
    return tvaer.simulate(_hand_scenario(), replications=2, seed=1, progress=False, family_costs=True, bookings=True)


def test_baseline_after_and_true_saving_of_each_participant_by_hand(hand_run):
    m = tvaer.baseline_measurement(hand_run, window=12, after=12)
    # admitted at month 12: months 0-11 before entry, 12-23 after. Employment: 12 x 20,000 before;
    # after, 6 months of benefit (months 12-17) plus 4 of the coach in the solution, 6 x 20,000
    # as usual. Children: 12 x 8,000 in each.
    employment = {"baseline": 12 * 20000, "after": 6 * 20000 + 4 * 3000, "bau_after": 6 * 20000}
    children = {"baseline": 12 * 8000, "after": 12 * 8000, "bau_after": 12 * 8000}
    fam = m.families
    assert set(fam.index.get_level_values("family")) == {0, 1, 2, 3, 4}  # the arrival (5) is not measured
    for sector, expected in [("employment", employment), ("children", children)]:
        rows = fam.xs(sector, level="sector")
        for column, value in expected.items():
            np.testing.assert_allclose(rows[column], value, atol=1e-6)
        np.testing.assert_allclose(rows["municipality_saving"], expected["baseline"] - expected["after"], atol=1e-6)
        np.testing.assert_allclose(rows["true_saving"], expected["bau_after"] - expected["after"], atol=1e-6)
    # 4 measured families a replication: the municipality credits employment 108,000 each, while
    # the solution really cost employment 12,000 more (the coach): a bias of 120,000 a family
    t = m.table()
    assert t.loc["employment", "participants"] == 4
    assert t.loc["employment", "municipality_saving"] == pytest.approx(4 * 108000)
    assert t.loc["employment", "true_saving"] == pytest.approx(-4 * 12000)
    assert t.loc["employment", "bias"] == pytest.approx(4 * 120000)
    assert t.loc["children", "bias"] == pytest.approx(0, abs=1e-6)
    assert t.loc["total", "bias"] == pytest.approx(4 * 120000)


def test_participants_without_a_full_window_are_left_out_and_counted(hand_run):
    m = tvaer.baseline_measurement(hand_run, window=12, after=12)
    counts = m.left_out().loc["all"]
    # per replication: the family admitted at month 0 has no window, the arrival (month 6.5,
    # admitted at 12) lived only 6 of the 12 months before entry
    assert counts.to_dict() == {"measured": 8, "window_before_start": 2, "arrived_in_window": 2, "after_past_horizon": 0}
    # with a 6-month window the arrival is measured over months 6-11: 10,000 (it arrived half way
    # through month 6) + 5 x 20,000
    short = tvaer.baseline_measurement(hand_run, window=6, after=12)
    assert short.left_out().loc["all", "arrived_in_window"] == 0
    arrival = short.families.xs((5, "employment"), level=("family", "sector"))
    np.testing.assert_allclose(arrival["baseline"], 10000 + 5 * 20000, atol=1e-6)
    # 25 months from month 12 run past the 36-month horizon: the 4 initial families admitted at
    # 12 (the arrival is left out first for its short window)
    late = tvaer.baseline_measurement(hand_run, window=11, after=25).left_out().loc["all"]
    assert late.to_dict() == {"measured": 0, "window_before_start": 2, "arrived_in_window": 2, "after_past_horizon": 8}


def test_a_shorter_after_window_scales_the_baseline(hand_run):
    m = tvaer.baseline_measurement(hand_run, window=12, after=6)
    rows = m.families.xs("employment", level="sector")
    # the baseline per month (20,000) for 6 months against months 12-17: 6 x 20,000 + 4 x 3,000
    np.testing.assert_allclose(rows["municipality_saving"], 6 * 20000 - (6 * 20000 + 4 * 3000), atol=1e-6)
    np.testing.assert_allclose(m.table().loc["employment", "baseline"], 4 * 6 * 20000)


def test_redistribution_by_hand_conserves_money(hand_run):
    m = tvaer.baseline_measurement(hand_run, window=12, after=12)
    r = tvaer.baseline_redistribution(m, ["employment", "children"], basis="equal")
    # true gains: employment -48,000 (4 coaches), children 0; the municipality's: 432,000 and 0.
    # Equal shares: truly -24,000 each; the municipality's books 216,000 each, so it moves
    # 216,000 from employment to children, and employment really ends at -48,000 - 216,000
    expected = {"true_allocation": (-24000, -24000), "municipality_allocation": (216000, 216000),
                "transfer": (-216000, 216000), "real_outcome": (-264000, 216000)}
    for column, (emp, chi) in expected.items():
        assert r.loc["employment", column] == pytest.approx(emp)
        assert r.loc["children", column] == pytest.approx(chi)
    assert r.loc["total", "real_outcome"] == pytest.approx(r.loc["total", "true_allocation"])
    assert r.loc["total", "transfer"] == 0
    # basis gained: no true gain anywhere falls back to equal; the municipality's all to employment
    g = tvaer.baseline_redistribution(m, ["employment", "children"], basis="gained")
    assert g.loc["employment", "municipality_allocation"] == pytest.approx(432000)
    assert g.loc["children", "true_allocation"] == pytest.approx(-24000)
    assert g.loc["employment", "transfer"] == 0


def test_the_sentence_is_computed_from_the_table_and_refused_without_participants(hand_run):
    m = tvaer.baseline_measurement(hand_run, window=12, after=12)
    assert m.sentence() == ("Over the 12 months after entry of 4 participants, the municipality's baseline (12 months "
                            "before entry) would credit 0.43 mio. DKK of savings to employment; the true saving is "
                            "-0.05 mio. DKK (95 % interval -0.05 to -0.05), a bias of 0.48 mio. DKK.")
    with pytest.raises(ValueError, match=r"^sector: must be one of employment, children, solution, total, got 'health'$"):
        m.sentence("health")
    # a 13-month window: every participant was admitted at month 0 or 12
    with pytest.raises(ValueError, match=r"^sentence: no participant was measured \(see \.left_out\(\) for why\)$"):
        tvaer.baseline_measurement(hand_run, window=13, after=12).sentence()


# ---- regression to the mean ------------------------------------------------------------------

CRISIS, STABLE = 30000.0, 5000.0  # DKK a month
OUT, BACK = 0.1, 0.01              # crisis -> stable, stable -> crisis, per month


def _no_effect_scenario() -> tvaer.Scenario:
    # One adult per family, in crisis (30,000 a month) or stable (5,000); half start in crisis.
    # The solution changes nothing: no effects, no interventions. Ranked by current cost at the
    # start, 10 families are admitted at month 0 and 30 more at month 12: all of them families in
    # crisis at t = 0 (about 100 of 200 are).
    return tvaer.Scenario({
        "schema_version": 1, "name": "no_effect", "horizon_months": 24,
        "sectors": ["employment"], "families": 200,
        "selection": {"min_sectors": 1, "rank": "cost", "capacity_by_year": [10, 40]},
        "tracks": [{"name": "adult", "members": [0.0, 1.0], "initial": {"crisis": 0.5, "stable": 0.5},
                    "states": [{"name": "crisis", "transitions": [{"to": "stable", "rate": OUT}],
                                "costs": [{"sector": "employment", "kind": "transfer", "monthly": CRISIS}]},
                               {"name": "stable", "transitions": [{"to": "crisis", "rate": BACK}],
                                "costs": [{"sector": "employment", "kind": "transfer", "monthly": STABLE}]}]}],
    }, "no_effect.toml")


def _expected_cost(start: float, end: float) -> float:
    """E[cost over months [start, end)] of a family in crisis at t = 0: the integral of
    p(t) c with p(t) = e_crisis exp(Q t), by the block-matrix exponential (Van Loan)."""
    q = np.array([[-OUT, OUT], [BACK, -BACK]])
    c = np.array([CRISIS, STABLE])

    def integral(t: float) -> float:  # int_0^t exp(Q s) ds, top-right block
        block = np.zeros((4, 4))
        block[:2, :2], block[:2, 2:] = q, np.eye(2)
        return (expm(block * t)[:2, 2:] @ c)[0]

    return integral(end) - integral(start)


def test_a_solution_without_effect_saves_nothing_but_the_baseline_shows_a_saving():
    res = tvaer.simulate(_no_effect_scenario(), replications=8, seed=7, progress=False, family_costs=True,
                         bookings=True)
    m = tvaer.baseline_measurement(res, window=12, after=12)
    assert m.left_out().loc["all"].to_dict() == {"measured": 8 * 30, "window_before_start": 8 * 10,
                                                 "arrived_in_window": 0, "after_past_horizon": 0}
    fam = m.families.xs("employment", level="sector")
    assert (fam["true_saving"] == 0).all()  # same families, same random numbers, no effect
    t = m.table()
    assert t.loc["employment", "true_saving"] == 0
    assert t.loc["employment", "municipality_saving_low"] > 0
    # the size: a family in crisis at t = 0 costs E[0-12] before and E[12-24] after entry
    expected = _expected_cost(0, 12) - _expected_cost(12, 24)
    assert expected > 100000  # regression to the mean is large here
    mean, se = fam["bias"].mean(), fam["bias"].std(ddof=1) / np.sqrt(len(fam))
    assert abs(mean - expected) < 4 * se, (mean, expected, se)
    # and settled on the baseline, the municipality moves money that was never saved
    r = tvaer.baseline_redistribution(m, basis="equal")
    assert r.loc["employment", "true_allocation"] == 0
    assert r.loc["total", "real_outcome"] == 0


# ---- errors ------------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, message", [
    ({"window": 0}, r"^window: must be a whole number of months > 0, got 0$"),
    ({"window": -3}, r"^window: must be a whole number of months > 0, got -3$"),
    ({"window": 2.5}, r"^window: must be a whole number of months > 0, got 2.5$"),
    ({"after": 0}, r"^after: must be a whole number of months > 0, got 0$"),
    ({"window": 24, "after": 13}, r"^window \+ after: 24 \+ 13 months do not fit in the run's 36 months$"),
])
def test_bad_windows_are_named(hand_run, kwargs, message):
    with pytest.raises(ValueError, match=message):
        tvaer.baseline_measurement(hand_run, **kwargs)


def test_results_without_the_booking_log_are_refused():
    res = tvaer.simulate(_hand_scenario(), replications=1, seed=1, progress=False, family_costs=True)
    with pytest.raises(ValueError, match=r"^results: the baseline measurement needs the booking log and the "
                                         r"admission months; these results lack bookings=True: run "
                                         r"tvaer\.simulate\(\.\.\., bookings=True, family_costs=True\)$"):
        tvaer.baseline_measurement(res)
    bare = tvaer.simulate(_hand_scenario(), replications=1, seed=1, progress=False)
    with pytest.raises(ValueError, match=r"lack bookings=True and family_costs=True: run"):
        tvaer.baseline_measurement(bare)


def test_redistribution_arguments_are_checked(hand_run):
    m = tvaer.baseline_measurement(hand_run)
    with pytest.raises(ValueError, match=r"^basis: must be one of 'equal', 'baseline', 'invested', 'gained', got 'fair'$"):
        tvaer.baseline_redistribution(m, basis="fair")
    with pytest.raises(ValueError, match=r"^sectors: must be budgets of the results \(employment, children, "
                                         r"solution\), got \['health'\]$"):
        tvaer.baseline_redistribution(m, ["health"])
