"""Valid scenarios a planner would still call a mistake warn (tvaer.ScenarioWarning) with the key
path: from Scenario.validate, tvaer.simulate and the command line. Expected messages are written
from the scenario by hand (the tiny scenario of conftest.py: 40 families, sectors employment and
children, tracks adult out<->job and child measure->none, the intervention coach on out)."""

from __future__ import annotations

import subprocess
import sys
import warnings

import pytest
import tomli_w

import tvaer


def warned(scenario: tvaer.Scenario) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        scenario.validate()
    assert all(issubclass(w.category, tvaer.ScenarioWarning) for w in caught), caught
    return [str(w.message) for w in caught]


def with_state(data: dict, track: int, state: dict) -> dict:
    data["tracks"][track]["states"].append(state)
    return data


@pytest.mark.parametrize("changes, message", [
    ({"selection.min_sectors": 3}, "selection.min_sectors: no family can be admitted: a case in 3 sectors is "
                                   "required but the scenario has 2 (employment, children)"),
    ({"selection.score_min": 3.5, "selection.score_max": 9.0},
     # two sectors x 1 + (one adult x one cost + one child x one cost) x 1 = 4 at most: 3.5 is reachable
     None),
    ({"selection.score_min": 4.5, "selection.score_max": 9.0},
     "selection.score_min: no family can be admitted: 4.5 is above the highest score a family can reach (4)"),
    ({"selection.capacity": 41}, "selection.capacity: 41 places but at most 40 families: the places are never all "
                                 "used (a typo, or a capacity meant for members?)"),
    ({"interventions.coach.effects[0].to": "out", "interventions.coach.effects[0].from": "job"}, None),
    ({"interventions.coach.effects[0].to": "job", "interventions.coach.effects[0].from": "job"},
     "interventions.coach.effects[0]: changes nothing: track 'adult' has no transition from 'job' to 'job'"),
])
def test_a_selection_or_effect_that_cannot_work_warns_with_its_key(tiny, changes, message):
    got = warned(tiny.with_(changes))
    assert got == ([] if message is None else [f"tiny.toml: {message}"])


def test_a_required_sector_in_which_no_state_has_a_cost_warns(tiny_data):
    tiny_data["sectors"].append("health")
    tiny_data["selection"]["require_sectors"] = ["employment", "health"]
    assert warned(tvaer.Scenario(tiny_data, "t.toml")) == [
        "t.toml: selection.require_sectors[1]: no family can be admitted: no state of any track has a cost in "
        "sector 'health', so no family has a case there"]


def test_min_sectors_above_the_sectors_that_have_costs_warns(tiny_data):
    tiny_data["sectors"].append("health")
    tiny_data["selection"]["min_sectors"] = 3
    assert warned(tvaer.Scenario(tiny_data, "t.toml")) == [
        "t.toml: selection.min_sectors: no family can be admitted: a case in 3 sectors is required but states "
        "have costs in only 2 (children, employment)"]


@pytest.mark.parametrize("key, effect", [("include_benefits", "admits nobody"), ("exclude_benefits", "excludes nobody")])
def test_a_benefit_no_track_gives_a_share_warns(tiny_data, key, effect):
    tiny_data["tracks"][0]["benefits"] = {"kontanthjaelp": 1.0, "sygedagpenge": 0.0}
    tiny_data["selection"][key] = ["kontanthjaelp", "sygedagpenge"]
    assert warned(tvaer.Scenario(tiny_data, "t.toml")) == [
        f"t.toml: selection.{key}[1]: {effect}: no track gives benefit 'sygedagpenge' a share > 0"]


def test_a_state_nothing_leads_to_warns_and_so_does_an_intervention_asked_for_only_there(tiny_data):
    with_state(tiny_data, 0, {"name": "prison", "transitions": [{"to": "out", "rate": 0.1}]})
    tiny_data["interventions"][0]["request_on_entry"] = ["prison"]
    assert warned(tvaer.Scenario(tiny_data, "t.toml")) == [
        "t.toml: interventions.coach.request_on_entry: nothing ever requests it: no member of track 'adult' can "
        "reach 'prison'",
        "t.toml: tracks.adult.states.prison: can never be reached: no member starts in it (tracks.initial) and no "
        "transition or when_full leads to it from a state that is reached"]


def test_a_state_reached_only_through_a_transition_or_when_full_does_not_warn(tiny_data):
    with_state(tiny_data, 0, {"name": "prison", "transitions": [{"to": "out", "rate": 0.1}]})
    tiny_data["tracks"][0]["states"][1]["transitions"].append({"to": "prison", "rate": 0.01})
    assert warned(tvaer.Scenario(tiny_data, "t.toml")) == []


def test_simulate_warns_too(tiny):
    with pytest.warns(tvaer.ScenarioWarning, match=r"^tiny\.toml: selection\.min_sectors: no family can be admitted"):
        tvaer.simulate(tiny.with_({"selection.min_sectors": 5}), replications=1, progress=False)


def test_no_shipped_scenario_warns():
    for name in tvaer.shipped_scenarios():
        assert warned(tvaer.default_scenario(name)) == [], name


@pytest.mark.parametrize("command", [["validate"], ["run", "-n", "1", "--quiet"]])
def test_the_command_line_prints_each_warning_once_on_stderr(tmp_path, tiny, command):
    toml = tmp_path / "w.toml"
    toml.write_text(tomli_w.dumps(tiny.with_({"selection.min_sectors": 3}).data))
    out = ["--out", str(tmp_path / "out"), "--mkdir"] if command[0] == "run" else []
    done = subprocess.run([sys.executable, "-m", "tvaer", command[0], str(toml), *command[1:], *out],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stderr == (f"tvaer: warning: {toml}: selection.min_sectors: no family can be admitted: a case in 3 "
                           "sectors is required but the scenario has 2 (employment, children)\n")
