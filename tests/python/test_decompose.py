"""decompose: what drives the difference between two scenarios, against independent expectations."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest
import tomli_w

import tvaer
from tvaer.cli import main

import tvaer.decomposition as dec

RUN = {"replications": 8, "seed": 3, "threads": 2, "progress": False}
SALARY = "organisation.salary_per_fte_year"
MENTOR_MONTHLY = "interventions.mentor.costs[0].monthly"


def _solution_cost(scenario: tvaer.Scenario) -> np.ndarray:
    """The solution arm's cost by (replication, sector, year), simulated on its own."""
    y = tvaer.simulate(scenario, **RUN).yearly_costs.sum("kind").sel(arm="solution")
    return y.transpose("replication", "sector", "year").values


# ---- the parts and the whole -----------------------------------------------------------------


def test_parts_sum_to_the_difference_of_the_two_scenarios_in_every_replication(tiny):
    # The coach's effect and the solution's places interact (more places, more families coached),
    # so the order of switching matters and only the average over orders adds up.
    b = tiny.with_({"interventions.coach.effects[0].multiplier": 3.0, "selection.capacity": 20})
    d = tvaer.decompose(tiny, b, **RUN)
    whole = _solution_cost(b) - _solution_cost(tiny)
    assert list(d.parts["mechanism"].values) == ["selection.capacity", "interventions.coach.effects[0].multiplier"]
    np.testing.assert_allclose(d.parts.sum("mechanism").transpose("replication", "sector", "year").values, whole,
                               rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(d.total.values, whole, rtol=1e-9, atol=1e-6)
    assert np.abs(whole).sum() > 0


def test_a_capacity_far_above_need_is_a_mechanism_worth_exactly_nothing(tiny):
    # 40 families have at most 40 adults: a coach capacity of 500 or 1000 never makes anybody wait.
    a = tiny.with_({"interventions.coach.capacity": 500})
    b = a.with_({"interventions.coach.capacity": 1000, "interventions.coach.costs[0].monthly": 4500})
    d = tvaer.decompose(a, b, mechanisms={"places": ["interventions.coach.capacity"],
                                          "price": ["interventions.coach.costs"]}, **RUN)
    assert (d.parts.sel(mechanism="places").values == 0).all()
    assert np.abs(d.parts.sel(mechanism="price").values).sum() > 0
    assert d.mechanisms == {"places": ["interventions.coach.capacity"],
                            "price": ["interventions.coach.costs[0].monthly"]}


def test_additive_mechanisms_each_get_their_own_effect_and_salary_is_exact_to_the_krone(three):
    # A salary changes only the staff line (1.2 FTE x salary / 12 a month, solution arm); the
    # mentor's price changes only bookings: both are additive, so each part is the mechanism's
    # effect alone, whatever the order.
    b = three.with_({SALARY: 700000, MENTOR_MONTHLY: 6000})
    d = tvaer.decompose(three, b, mechanisms={"salary": [SALARY], "price": [MENTOR_MONTHLY]}, **RUN)
    months_per_year = np.array([12, 12, 6])  # 30 months
    salary = d.parts.sel(mechanism="salary").sum("sector").transpose("replication", "year").values
    expected = 1.2 * (700000 - 580000) / 12 * months_per_year
    np.testing.assert_allclose(salary, np.broadcast_to(expected, salary.shape), rtol=0, atol=0.5)
    alone = _solution_cost(three.with_({MENTOR_MONTHLY: 6000})) - _solution_cost(three)
    price = d.parts.sel(mechanism="price").transpose("replication", "sector", "year").values
    np.testing.assert_allclose(price, alone, rtol=1e-9, atol=1e-6)
    assert alone.sum() > 0


def test_coordination_meetings_switched_on_from_none_are_one_mechanism_worth_their_cost_to_the_krone(three):
    # A list of named items nothing refers to (organisation.coordination) switches whole. 2 staff x
    # 1.5 hours every 3 months at 400 DKK an hour: 400 DKK per family-month, 30 families inside the
    # solution for the whole horizon (closed population, no stay): 144,000 a year, 72,000 in year 3.
    meeting = {"name": "network", "participants": 2, "hours": 1.5, "every_months": 3, "sector": "adults",
               "hourly_cost": 400}
    a = three.with_({"organisation.coordination": []})
    b = three.with_({"organisation.coordination": [meeting], SALARY: 700000})
    d = tvaer.decompose(a, b, **RUN)
    assert list(d.parts["mechanism"].values) == [SALARY, "organisation.coordination"]
    part = d.parts.sel(mechanism="organisation.coordination").transpose("replication", "sector", "year")
    np.testing.assert_allclose(part.sel(sector="adults").values,
                               np.broadcast_to([144000.0, 144000.0, 72000.0], (RUN["replications"], 3)), rtol=0, atol=0.01)
    assert (part.sel(sector=["employment", "children", "solution"]).values == 0).all()


def test_the_difference_outcome_splits_solution_minus_business_as_usual(three):
    b = three.with_({SALARY: 700000, "organisation.effects[0].multiplier": 2.0})
    d = tvaer.decompose(three, b, outcome="difference", **RUN)

    def net(s: tvaer.Scenario) -> np.ndarray:
        y = tvaer.simulate(s, **RUN).yearly_costs.sum("kind")
        return (y.sel(arm="solution") - y.sel(arm="bau")).transpose("replication", "sector", "year").values

    np.testing.assert_allclose(d.parts.sum("mechanism").transpose("replication", "sector", "year").values,
                               net(b) - net(three), rtol=1e-9, atol=1e-6)
    _labels_have_room(d.waterfall())  # not zoomed: the axis starts at 0


def _labels_have_room(fig) -> None:
    """Every bar's label (a line of small text above it) fits inside the axes: at least 5 % of
    the axis above the highest bar."""
    ax = fig.axes[0]
    low, high = ax.get_ylim()
    tops = [max(p.get_y(), p.get_y() + p.get_height()) for p in ax.patches]
    assert max(tops) + 0.05 * (high - low) <= high, (max(tops), (low, high))
    plt.close(fig)


def test_summary_gives_each_part_its_share_of_the_mean_total(three):
    b = three.with_({SALARY: 700000, MENTOR_MONTHLY: 6000})
    d = tvaer.decompose(three, b, **RUN)
    s = d.summary()
    total = s.xs(("total", "total"), level=("mechanism", "sector"))
    np.testing.assert_allclose(total["difference"], d.total.sum("sector").mean("replication").values)
    shares = s.xs("total", level="sector").drop(index="total", level="mechanism")["share"].groupby("year").sum()
    np.testing.assert_allclose(shares, 1.0)
    assert (s["ci_low"] <= s["difference"] + 1e-9).all() and (s["difference"] <= s["ci_high"] + 1e-9).all()


# ---- pictures and words ----------------------------------------------------------------------


def test_waterfall_has_a_bar_per_mechanism_between_a_and_b_and_the_sentence_quotes_the_numbers(three):
    b = three.with_({SALARY: 700000, MENTOR_MONTHLY: 6000})
    d = tvaer.decompose(three, b, mechanisms={"salary": [SALARY], "mentor price": [MENTOR_MONTHLY]}, **RUN)
    fig = d.waterfall(year=1)
    ax = fig.axes[0]
    assert len(ax.patches) == 2 + 2
    assert "year 1" in ax.get_title()
    start = d.start.sel(year=1).sum("sector").mean().item()
    assert ax.patches[0].get_height() == pytest.approx(start / 1e6)
    _labels_have_room(fig)
    salary = 1.2 * 120000  # a full year
    sentence = d.sentence(1)
    total = d.total.sel(year=1).sum("sector").mean().item()
    price = d.parts.sel(year=1, mechanism="mentor price").sum("sector").mean().item()
    assert f"b costs {total / 1e6:,.2f} M DKK more than a in year 1" in sentence
    assert f"salary adds {salary / 1e6:,.2f} M DKK" in sentence
    assert f"mentor price adds {price / 1e6:,.2f} M DKK" in sentence
    assert "Decomposition 'a' -> 'b'" in repr(d) and "2 mechanisms (salary, mentor price)" in repr(d)


# ---- where the scenarios differ and how the variants are made --------------------------------


def test_differences_are_spelt_as_with_accepts_and_switching_all_of_them_gives_b(three):
    b = three.with_({SALARY: 700000, "tracks.adult.states.out.transitions[0].rate": 0.07,
                     "interventions.mentor.decision_delay.solution": {"distribution": "fixed", "months": 1},
                     "selection.capacity": 12, "description": "a label, not a mechanism"})
    data = b.data
    del data["interventions"][0]["costs"][0]["one_off"]  # a key only in a
    b = tvaer.Scenario(data, "b.toml")
    found = dec.differences(three, b)
    assert [f.path for f in found] == [
        "selection.capacity", SALARY, "tracks.adult.states.out.transitions[0].rate",
        "interventions.mentor.costs[0].one_off", "interventions.mentor.decision_delay"]
    for f in found:
        assert b.get(f.path, None) == (None if f.b is dec._MISSING else f.b)
    every = dec.variant(three, found)
    assert every.data == {k: v for k, v in b.data.items() if k != "description"}
    assert dec.variant(three, []) is three



def test_a_key_only_in_a_is_switched_off_by_rewriting_its_table(three):
    data = three.data
    del data["interventions"][0]["costs"][0]["one_off"]
    b = tvaer.Scenario(data, "b.toml")
    d = tvaer.decompose(three, b, **RUN)
    assert d.mechanisms == {"interventions.mentor.costs[0].one_off": ["interventions.mentor.costs[0].one_off"]}
    np.testing.assert_allclose(d.total.values, _solution_cost(b) - _solution_cost(three), rtol=1e-9, atol=1e-6)
    assert d.total.sum().item() < 0  # the mentor's one-off cost is gone

def test_shapley_parts_average_marginal_effects_over_orders_and_a_null_player_gets_exactly_zero():
    # Two players, v() = 10, v(0) = 13, v(1) = 11, v(01) = 20: phi_0 = ((13 - 10) + (20 - 11)) / 2.
    np.testing.assert_allclose(dec.shapley_parts(np.array([10.0, 13.0, 11.0, 20.0])), [6.0, 4.0])
    rng = np.random.default_rng(1)
    v = rng.normal(1e6, 1e5, size=(8, 5, 3))  # three players; player 1 (bit 2) changes nothing
    v[[2, 3, 6, 7]] = v[[0, 1, 4, 5]]
    phi = dec.shapley_parts(v)
    assert (phi[1] == 0).all()
    np.testing.assert_allclose(phi.sum(axis=0), v[7] - v[0], rtol=1e-12)


# ---- errors ----------------------------------------------------------------------------------


def test_structural_differences_are_refused_naming_them(tiny, tiny_data):
    other = dict(tiny_data, sectors=["employment", "children", "adults"])
    with pytest.raises(tvaer.ScenarioError, match=r"differ in structure.*sectors"):
        tvaer.decompose(tiny, tvaer.Scenario(other), **RUN)
    extra = tiny.data
    extra["interventions"].append({**extra["interventions"][0], "name": "mentor"})
    with pytest.raises(tvaer.ScenarioError, match=r"interventions: only in b: mentor"):
        tvaer.decompose(tiny, tvaer.Scenario(extra), **RUN)
    states = tiny.data
    states["tracks"][1]["states"].append({"name": "care"})
    with pytest.raises(tvaer.ScenarioError, match=r"tracks.child.states: only in b: care"):
        tvaer.decompose(tiny, tvaer.Scenario(states), **RUN)


def test_different_horizons_are_refused(tiny):
    with pytest.raises(tvaer.ScenarioError, match=r"different horizons \(24 and 36 months\)"):
        tvaer.decompose(tiny, tiny.with_(horizon_months=36), **RUN)


def test_scenarios_that_do_not_differ_are_refused(tiny):
    with pytest.raises(tvaer.ScenarioError, match="do not differ"):
        tvaer.decompose(tiny, tiny.with_(description="only words"), **RUN)


def test_a_prefix_that_matches_no_difference_is_named(tiny):
    b = tiny.with_({"selection.capacity": 20})
    with pytest.raises(ValueError, match=r"prefix 'organisation.staff_fte' matches no difference.*selection.capacity"):
        tvaer.decompose(tiny, b, mechanisms={"staff": ["organisation.staff_fte"]}, **RUN)


def test_a_difference_in_two_mechanisms_is_refused(tiny):
    b = tiny.with_({"selection.capacity": 20})
    with pytest.raises(ValueError, match=r"selection.capacity is in both 'x' and 'y'"):
        tvaer.decompose(tiny, b, mechanisms={"x": ["selection"], "y": ["selection.capacity"]}, **RUN)


def test_more_than_ten_mechanisms_are_refused_before_simulating(three):
    changes = {f"tracks.adult.states.out.costs[{i}].monthly": 1000 + i for i in range(2)}
    changes.update({SALARY: 1, "organisation.staff_fte": 2, "families": 31, "selection.min_sectors": 2,
                    "interventions.mentor.costs[0].monthly": 1, "interventions.coach.costs[0].monthly": 1,
                    "interventions.mentor.costs[0].one_off": 1, "tracks.adult.states.job.transitions[0].rate": 0.1,
                    "tracks.child.states.measure.transitions[0].rate": 0.1})
    with pytest.raises(ValueError, match=r"11 mechanisms would need 2\^11 = 2048 simulations; at most 10"):
        tvaer.decompose(three, three.with_(changes), **RUN)


def test_an_unknown_outcome_is_refused(tiny):
    with pytest.raises(ValueError, match=r"outcome: must be one of solution, difference, got 'bau'"):
        tvaer.decompose(tiny, tiny.with_({"selection.capacity": 20}), outcome="bau", **RUN)


def test_a_top_level_key_set_only_in_a_is_refused_before_simulating(tiny):
    a = tiny.with_(discount_rate=0.03)
    with pytest.raises(tvaer.ScenarioError, match=r"discount_rate: set in a, not in b \(write its value"):
        tvaer.decompose(a, tiny, **RUN)


def test_total_is_not_a_mechanism_name(tiny):
    with pytest.raises(ValueError, match="'total' names the whole difference"):
        tvaer.decompose(tiny, tiny.with_({"selection.capacity": 20}), mechanisms={"total": ["selection"]}, **RUN)

# ---- command line ----------------------------------------------------------------------------


def _write(tmp_path, name: str, scenario: tvaer.Scenario) -> str:
    path = tmp_path / f"{name}.toml"
    path.write_text(tomli_w.dumps(scenario.data))
    return str(path)


def test_compare_by_mechanism_prints_the_parts_in_thousands(tmp_path, capsys, three):
    a = _write(tmp_path, "a", three)
    b = _write(tmp_path, "b", three.with_({SALARY: 700000, MENTOR_MONTHLY: 6000}))
    assert main(["compare", a, b, "--by-mechanism", "--mechanism", f"salary={SALARY}",
                 "-n", "3", "--threads", "2", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "difference (kDKK)" in out and "salary" in out and MENTOR_MONTHLY in out
    assert "salary adds 0.14 M DKK" in out  # 1.2 FTE x 120,000 DKK in year 1


def test_compare_by_mechanism_needs_two_scenarios(tmp_path, capsys, three):
    a = _write(tmp_path, "a", three)
    assert main(["compare", a, a, a, "--by-mechanism", "--quiet"]) == 2
    assert "give exactly two scenarios (a, then b), got 3" in capsys.readouterr().err


# ---- docs ------------------------------------------------------------------------------------


def test_the_example_in_docs_studies_runs():
    text = (Path(__file__).resolve().parents[2] / "docs" / "studies.md").read_text(encoding="utf-8")
    section = text[text.index("## What drives the difference"):]
    block = re.search(r"```python\n(.*?)```", section, flags=re.S).group(1)
    namespace: dict = {"tvaer": tvaer}
    exec(compile(block.replace("replications=100", "replications=2, threads=2, progress=False"), "studies.md", "exec"),
         namespace)
    assert sorted(namespace["d"].mechanisms) == ["speed", "staff"]
    plt.close("all")

