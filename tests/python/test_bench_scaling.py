"""tvaer.bench.scaling: `--scale municipality` grows a scenario's arrivals, places and staff with
its families; `--scale families` changes the count of families only. Expected values are the
shipped files' numbers (scenarios/default.toml, scenarios/helsingoer.toml) times the factor, by
hand."""

from __future__ import annotations

import math

import pytest

import tvaer
from tvaer.bench import cli
from tvaer.bench.scaling import municipality_overrides, scaled


def test_the_default_ten_times_larger_has_ten_times_the_arrivals_places_and_staff():
    # default.toml: families = 450 (L28), arrivals_per_month = 9.0 (L36), selection.capacity = 60
    # (L48), staff_fte = 8 (L61), mentor capacity 20 (L195), family_treatment capacity 25 (L218)
    assert municipality_overrides(tvaer.default_scenario(), 4500) == {
        "families": 4500, "population.arrivals_per_month": 90.0, "selection.capacity": 600,
        "organisation.staff_fte": 80.0, "interventions.mentor.capacity": 200,
        "interventions.family_treatment.capacity": 250}


def test_half_of_helsingoer_rounds_places_half_up_and_scales_its_yearly_places_and_staff():
    # helsingoer.toml: families = 450, capacity_by_year = [90, 100], staff_fte_by_year = [13, 14],
    # internal_institution 6 places, mentor 20, company_consultant 15 (7.5 -> 8), family_treatment 40
    overrides = municipality_overrides(tvaer.default_scenario("helsingoer"), 225)
    assert overrides["selection.capacity_by_year"] == [45, 50]
    assert overrides["organisation.staff_fte_by_year"] == [6.5, 7.0]
    assert overrides["tracks.child.states.internal_institution.capacity"] == 3
    assert overrides["interventions.company_consultant.capacity"] == 8
    assert overrides["interventions.mentor.capacity"] == 10
    assert overrides["interventions.family_treatment.capacity"] == 20
    assert overrides["population.arrivals_per_month"] == 4.5


def test_a_place_never_scales_to_none():
    overrides = municipality_overrides(tvaer.default_scenario(), 1)  # 60 / 450 places -> 0.13
    assert overrides["selection.capacity"] == 1
    assert overrides["interventions.mentor.capacity"] == 1


def _present(scenario) -> tuple[float, float]:
    """Mean child members present in month 0 and in month 59 over the replications, business as
    usual (families arrive with the same members as the initial ones, so children are in
    proportion to families)."""
    occ = tvaer.simulate(scenario, replications=2, seed=5, progress=False).flows.occupancy.sel(arm="bau")
    child = [r for r in occ.coords["row"].values if str(r).startswith("child/")]
    per_month = occ.sel(row=child).sum("row").mean("replication")
    return float(per_month.sel(month=0)), float(per_month.sel(month=59))


def test_a_municipality_stays_level_where_more_families_alone_shrink_towards_the_files_steady_state():
    """The default's arrivals (9 a month) and leave rate (2 % a month) hold 450 families level
    (arrivals / leave rate). With 4,500 families and arrivals as written, the expected count
    after t months is 450 + 4,050 exp(-0.02 t): 4,460 in the middle of month 0 and 1,682 in the
    middle of month 59, a ratio of 0.377; scaled as a municipality, arrivals are 90 a month and
    the count stays level."""
    base = tvaer.default_scenario()
    first, last = _present(scaled(base, 4500, "municipality"))
    assert last / first == pytest.approx(1.0, abs=0.05)
    first, last = _present(scaled(base, 4500, "families"))
    expected = (450 + 4050 * math.exp(-0.02 * 59.5)) / (450 + 4050 * math.exp(-0.02 * 0.5))
    assert last / first == pytest.approx(expected, rel=0.08)


def test_a_table_population_cannot_be_scaled_and_the_error_names_the_key():
    data = tvaer.default_scenario().data
    del data["families"]
    data["population"]["table"] = "members.csv"
    with pytest.raises(tvaer.ScenarioError) as e:
        municipality_overrides(tvaer.Scenario(data, "tabled.toml"), 1000)
    assert str(e.value).startswith("tabled.toml")
    assert "families: --scale municipality needs a generated population of at least one family to scale from, " \
           "got population.table" in str(e.value)


def test_an_unknown_scale_is_named_with_the_choices(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--scale", "city"])
    assert "argument --scale: invalid choice: 'city' (choose from 'families', 'municipality')" in capsys.readouterr().err


def test_the_json_rows_say_how_the_scenario_was_scaled():
    args = cli.parse(["--models", "ladder,default", "--families", "900", "--scale", "municipality", "--against",
                      "none"])
    planned = cli.plan(args, print)
    assert [(p["model"], p["scale"]) for p in planned] == [("ladder", "families"), ("default", "municipality")]
    assert "scale" in cli.KEYS
