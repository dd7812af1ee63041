"""Valid scenarios a planner would still call a mistake warn (tvaer.ScenarioWarning) with the key
path: from Scenario.validate, tvaer.simulate and the command line. Expected messages are written
from the scenario by hand (the tiny scenario of conftest.py: 40 families, sectors employment and
children, tracks adult out<->job and child measure->none, the intervention coach on out)."""

from __future__ import annotations

import subprocess
import sys
import warnings

import pytest
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
    ({"selection.min_sectors": 3}, "(override 'selection.min_sectors'): selection.min_sectors: no family can be "
                                   "admitted: a case in 3 sectors is required but the scenario has 2 (employment, children)"),
    ({"selection.score_min": 3.5, "selection.score_max": 9.0},
     # two sectors x 1 + (one adult x one cost + one child x one cost) x 1 = 4 at most: 3.5 is reachable
     None),
    ({"selection.score_min": 4.5, "selection.score_max": 9.0},
     "(override 'selection.score_min'): selection.score_min: no family can be admitted: 4.5 is above the highest "
     "score a family can reach (4)"),
    ({"selection.capacity": 41}, "(override 'selection.capacity'): selection.capacity: 41 places but at most 40 "
                                 "families: the places are never all used (a typo, or a capacity meant for members?)"),
    ({"selection.motivated_share": 0.0}, "(override 'selection.motivated_share'): selection.motivated_share: no family "
                                         "can be admitted: no eligible family agrees to take part"),
    # 40 families leaving at 5 % a month for 24 months, none arriving: 40 e^(-1.2) = 12.05 are left.
    ({"population.warmup_months": 24, "population.leave_rate": 0.05},
     "(override 'population.warmup_months'): population.warmup_months: families leave in the warm-up and none "
     "arrive: about 12 of 40 families are left at month 0 (e^(-0.05 x 24) = 0.30); an open population needs "
     "arrivals_per_month"),
    ({"population.warmup_months": 24}, None),   # a closed cohort that nobody leaves: its states advance
    ({"interventions.coach.effects[0].to": "out", "interventions.coach.effects[0].from": "job"}, None),
    # The effect's key path names the last override that wrote inside it.
    ({"interventions.coach.effects[0].to": "job", "interventions.coach.effects[0].from": "job"},
     "(override 'interventions.coach.effects[0].from'): interventions.coach.effects[0]: changes nothing: track "
     "'adult' has no transition from 'job' to 'job'"),
    ({"tracks.adult.states.job.transitions[0].rate": 0.0},  # job -> out; out is reached anyway (initial)
     "(override 'tracks.adult.states.job.transitions[0].rate'): tracks.adult.states.job.transitions: members never "
     "leave the state: every transition has rate 0 (a state meant to keep its members needs no transitions)"),
])
def test_a_selection_or_effect_that_cannot_work_warns_with_its_key_and_override(tiny, changes, message):
    got = warned(tiny.with_(changes))
    assert got == ([] if message is None else [f"tiny.toml {message}"])


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
    with pytest.warns(tvaer.ScenarioWarning, match=r"^tiny\.toml \(override 'selection\.min_sectors'\): "
                                                   r"selection\.min_sectors: no family can be admitted"):
        tvaer.simulate(tiny.with_({"selection.min_sectors": 5}), replications=1, progress=False)


def test_no_shipped_scenario_warns():
    for name in tvaer.shipped_scenarios():
        assert warned(tvaer.default_scenario(name)) == [], name


# A scenario as a planner writes it; the positions below are counted by hand in this text (a
# value's column is where the value starts; a [[table]]'s is its header's).
HAND = """schema_version = 1
name = "hand"
horizon_months = 24
sectors = ["employment", "children"]
families = 40

[selection]
min_sectors = 3
motivated_share = 0.0

[[tracks]]
name = "adult"
initial = { out = 1.0 }

[[tracks.states]]
name = "out"
transitions = [{ to = "job", rate = 0.0 }]
costs = [{ sector = "employment", kind = "transfer", monthly = 10000 }]

[[tracks.states]]
name = "job"

[[interventions]]
name = "coach"
track = "adult"
request_on_entry = ["job"]
duration = { distribution = "fixed", months = 6 }
effects = [{ from = "job", to = "out", multiplier = 2.0 }]
"""

HAND_WARNINGS = [
    (8, 15, "selection.min_sectors: no family can be admitted: a case in 3 sectors is required but the scenario has 2 "
            "(employment, children)"),
    (9, 19, "selection.motivated_share: no family can be admitted: no eligible family agrees to take part"),
    (26, 20, "interventions.coach.request_on_entry: nothing ever requests it: no member of track 'adult' can reach "
             "'job'"),
    (28, 12, "interventions.coach.effects[0]: changes nothing: track 'adult' has no transition from 'job' to 'out'"),
    (17, 15, "tracks.adult.states.out.transitions: members never leave the state: every transition has rate 0 (a "
             "state meant to keep its members needs no transitions)"),
    (20, 1, "tracks.adult.states.job: can never be reached: no member starts in it (tracks.initial) and no transition "
            "or when_full leads to it from a state that is reached"),
]


def test_a_warning_from_a_file_names_the_line_and_column_of_the_value(tmp_path):
    path = tmp_path / "hand.toml"
    path.write_text(HAND)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tvaer.load_scenario(path)
    assert [str(w.message) for w in caught] == [f"{path}:{line}:{col}: {text}" for line, col, text in HAND_WARNINGS]
    first = caught[0].message
    assert (first.file, first.line, first.column, first.key_path, first.override) == (
        str(path), 8, 15, "selection.min_sectors", "")


def test_a_warning_about_a_missing_key_names_its_table(tmp_path):
    # min_sectors is not written: its default (2) is above the one sector; [selection] is on line 7.
    path = tmp_path / "m.toml"
    path.write_text(HAND.replace("min_sectors = 3\n", "").replace('["employment", "children"]', '["employment"]'))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tvaer.load_scenario(path)
    assert str(caught[0].message) == (f"{path}:7:1: selection.min_sectors: no family can be admitted: a case in 2 "
                                      "sectors is required but the scenario has 1 (employment)")


def test_items_whose_names_are_not_plain_keys_are_named_by_index_as_in_errors(tmp_path):
    path = tmp_path / "odd.toml"
    path.write_text('schema_version = 1\nname = "odd"\nhorizon_months = 12\nsectors = ["s"]\nfamilies = 5\n'
                    '[selection]\nmin_sectors = 1\n'
                    '[[tracks]]\nname = "a.b"\ninitial = { x = 1.0 }\n'            # lines 8-10
                    '[[tracks.states]]\nname = "x"\ncosts = [{ sector = "s", monthly = 1 }]\n'
                    '[[tracks.states]]\nname = "y z"\n')                          # line 14
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tvaer.load_scenario(path)
    assert [str(w.message) for w in caught] == [
        f"{path}:14:1: tracks[0].states[1]: can never be reached: no member starts in it (tracks.initial) and no "
        "transition or when_full leads to it from a state that is reached"]


@pytest.mark.parametrize("command", [["validate"], ["run", "-n", "1", "--quiet"]])
def test_the_command_line_prints_each_warning_once_on_stderr(tmp_path, command):
    toml = tmp_path / "w.toml"
    toml.write_text(HAND)
    out = ["--out", str(tmp_path / "out"), "--mkdir"] if command[0] == "run" else []
    done = subprocess.run([sys.executable, "-m", "tvaer", command[0], str(toml), *command[1:], *out],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stderr == "".join(f"tvaer: warning: {toml}:{line}:{col}: {text}\n" for line, col, text in HAND_WARNINGS)
