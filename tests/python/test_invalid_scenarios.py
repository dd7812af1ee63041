"""One row per class of invalid scenario: every one is a ScenarioError naming the key path as the
planner wrote it and what was expected (issue: reliability). Each row changes the small `three`
scenario through `Scenario.with_`, so each error also names the override that caused it."""

from __future__ import annotations

import re

import pytest

import tvaer

CASES = [
    # wrong type
    ("families", "many", r"families: must be an integer in \[0, 4294967295\], got string \"many\""),
    ("horizon_months", True, r"horizon_months: must be a number, got boolean true"),
    ("sectors", "employment", r"sectors: must be a list of strings, got string \"employment\""),
    ("sectors", ["employment", 3], r"sectors\[1\]: must be a string, got integer 3"),
    ("interventions.mentor.capacity", 2.5, r"interventions\.mentor\.capacity: must be an integer in \[0, 4294967295\], got number 2\.5"),
    ("interventions.mentor.request_on_entry", "out", r"interventions\.mentor\.request_on_entry: must be a list of strings"),
    ("organisation.staff_fte", "1", r"organisation\.staff_fte: must be a number, got string \"1\""),
    ("tracks.adult.members", {"one": 1}, r"tracks\.adult\.members: must be a list of numbers, got a table"),
    ("selection", [1, 2], r"selection: must be a table, got a list"),
    ("tracks.adult.states.out.costs[0].cpr_registered", "yes", r"costs\[0\]\.cpr_registered: must be a boolean"),
    # unknown keys and enumerations
    ("selection.capacty", 3, r"selection\.capacty: unknown key \(did you mean 'capacity'\?"),
    ("organisation.salary_keys", {"employment": 1.0}, r"organisation\.salary_keys: unknown key \(did you mean 'salary_key'\?"),
    ("interventions.mentor.duration.distribution", "gamma", r"duration\.distribution: must be one of exponential, weibull, lognormal, fixed, empirical; got 'gamma'"),
    ("interventions.mentor.available", "everyone", r"interventions\.mentor\.available: must be one of both, bau, solution; got 'everyone'"),
    ("interventions.mentor.grants", "unit", r"interventions\.mentor\.grants: must be one of solution, shared, sector; got 'unit'"),
    ("tracks.adult.states.out.costs[0].kind", "transfers", r"costs\[0\]\.kind: must be one of service, transfer; got 'transfers' \(did you mean 'transfer'\?\)"),
    ("organisation.form", "matrix", r"organisation\.form: must be 'unit' or 'network', got 'matrix'"),
    # missing required keys
    ("interventions.mentor.duration", {"mean": 6}, r"interventions\.mentor\.duration\.distribution: is required \(one of exponential, weibull"),
    ("interventions.mentor.effects[0]", {"from": "out", "multiplier": 2.0}, r"effects\[0\]\.to: is required \(a string\)"),
    # negative, non-finite or out-of-range values
    ("tracks.adult.states.out.transitions[0].rate", -0.1, r"tracks\.adult\.states\.out\.transitions\[0\]\.rate: must be >= 0 and finite, got -0\.1"),
    ("tracks.adult.states.out.transitions[0].rate", float("inf"), r"transitions\[0\]\.rate: must be >= 0 and finite, got inf"),
    ("tracks.adult.states.out.costs[0].monthly", float("nan"), r"costs\[0\]\.monthly: must be an amount in \[0, 1e12\] DKK, got nan"),
    ("tracks.adult.states.out.costs[0].monthly", 1e308, r"costs\[0\]\.monthly: must be an amount in \[0, 1e12\] DKK, got 1e\+308"),
    ("interventions.mentor.duration.mean", -6, r"interventions\.mentor\.duration\.mean: must be > 0, got -6"),
    ("interventions.mentor.effects[0].multiplier", -1.5, r"effects\[0\]\.multiplier: must be >= 0 and finite, got -1\.5"),
    ("horizon_months", 0, r"horizon_months: must be a whole number of months in \[1, 1200\], got 0"),
    ("horizon_months", 30.5, r"horizon_months: must be a whole number of months in \[1, 1200\], got 30\.5"),
    ("families", 0, r"families: must be in \[1, 16777216\], got 0"),
    ("families", 2**32, r"families: must be an integer in \[0, 4294967295\], got 4294967296"),
    ("discount_rate", 1.5, r"discount_rate: must be a yearly rate in \(-1, 1\), got 1\.5"),
    ("organisation.staff_fte", 1e308, r"organisation\.staff_fte: must be a number of full-time staff in \[0, 100000\], got 1e\+308"),
    ("population.arrivals_per_month", 2**24, r"population\.arrivals_per_month: .* families expected over the horizon"),
    ("population.leave_rate", -0.01, r"population\.leave_rate: must be >= 0 and finite, got -0\.01"),
    ("population.arrival_months", [3, 99], r"population\.arrival_months\[1\]: must be a time in \[0, horizon_months = 30\], got 99"),
    ("population.initial", "stationary", r"population\.initial: must be one of tracks, steady_state; got 'stationary'"),
    ("population.initial", "steady_state", r"population\.initial: \"steady_state\" needs families arriving: population\.arrivals_per_month must be > 0, got 0"),
    ("population.warmup_months", 30, r"population\.warmup_months: must be a whole number of years in months \(0, 12, 24, \.\.\. up to 1200\), got 30"),
    ("population.warmup_months", -12, r"population\.warmup_months: must be a whole number of years in months \(0, 12, 24, \.\.\. up to 1200\), got -12"),
    ("population.warmup_months", "60", r"population\.warmup_months: must be a number, got string \"60\""),
    # a rate or a probability the state would ignore (the member would never leave, or the duration decides)
    ("tracks.adult.states.out.transitions[0]", {"to": "job", "probability": 1.0},
     r"tracks\.adult\.states\.out\.transitions\[0\]\.probability: is used only with the state's duration: give a rate "
     r"per month, or a duration"),
    ("tracks.adult.states.job", {"name": "job", "duration": {"distribution": "fixed", "months": 3},
                                 "transitions": [{"to": "out", "rate": 0.02}]},
     r"tracks\.adult\.states\.job\.transitions\[0\]\.rate: is not used when the state has a duration: give a "
     r"probability instead"),
    # shares
    ("selection.motivated_share", 1.2, r"selection\.motivated_share: must be a share in \[0, 1\], got 1\.2"),
    ("selection.rank", "costs", r"selection\.rank: must be one of score, cost, duration; got 'costs' \(did you mean 'cost'\?\)"),
    # ranking by several keys and complexity weights (docs/scenario-format.md, "Ranking by complexity and by several keys")
    ("selection.rank", ["score", "durations"], r"selection\.rank\[1\]: must be one of score, cost, duration; got 'durations' \(did you mean 'duration'\?\)"),
    ("selection.rank", ["duration", "cost", "duration"], r"selection\.rank\[2\]: 'duration' is already in the list"),
    ("selection.rank", [], r"selection\.rank: must name at least one order \(score, cost or duration\), got an empty list"),
    ("selection.rank", 2, r"selection\.rank: must be a string or list of strings, got integer 2"),
    ("tracks.child.states.measure.complexity", -1, r"tracks\.child\.states\.measure\.complexity: must be a weight >= 0 and finite, got -1"),
    ("tracks.child.states.measure.complexity", "high", r"tracks\.child\.states\.measure\.complexity: must be a number, got string \"high\""),
    # ages, age bands and quotas (docs/scenario-format.md, "Ages, age bands and quotas")
    ("selection.quota", {"15-23": 1.5}, r"selection\.quota\.15-23: must be a share in \[0, 1\], got 1\.5"),
    ("selection.quota", {"15-23": 0.6, "24-29": 0.5}, r"selection\.quota: the reserved shares must sum to at most 1, got 1\.1"),
    ("selection.quota", {"15-23": 0.3, "20-29": 0.3}, r"selection\.quota\.20-29: overlaps the band '15-23'"),
    ("selection.quota", {"15-23": 0.3}, r"selection\.quota: needs a number of places \(selection\.capacity or capacity_by_year\)"),
    ("selection.age_bands", ["15 to 23"], r"selection\.age_bands\[0\]: must be an age band 'a-b' in whole years 0-150 \(e\.g\. '15-23'\), got '15 to 23'"),
    ("selection.age_bands", ["23-15"], r"selection\.age_bands\[0\]: the band's first age must not exceed its last, got '23-15'"),
    ("selection.age_bands", ["15-23"], r"selection\.age_bands\[0\]: no track has ages \(give the tracks whose members it means an `ages` table\)"),
    ("tracks.adult.ages", {"18-29": 0.5, "25-64": 0.5}, r"tracks\.adult\.ages\.25-64: overlaps the band '18-29'"),
    ("tracks.adult.ages", {"18-29": 0.5, "30-64": 0.4}, r"tracks\.adult\.ages: shares must sum to 1, got 0\.9"),
    ("selection.case_capacity", {"schools": 75}, r"selection\.case_capacity\.schools: unknown sector 'schools' \(known: employment, adults, children\)"),
    ("selection.case_capacity", {"children": 0}, r"selection\.case_capacity\.children: must be a whole number of cases in \[1, 4294967295\], got 0"),
    ("tracks.adult.ages", {"18-29": -0.5, "30-64": 1.5}, r"tracks\.adult\.ages\.18-29: must be a share in \[0, 1\], got -0\.5"),
    ("selection.require_sectors", ["employment", "health"], r"selection\.require_sectors\[1\]: unknown sector 'health' \(known: employment, adults, children\)"),
    ("selection.inherited", {"share": 1.5, "stay": {"distribution": "exponential", "mean": 12}}, r"selection\.inherited\.share: must be a share in \[0, 1\], got 1\.5"),
    ("selection.inherited", {"share": 0.5, "sectors": ["health"], "stay": {"distribution": "exponential", "mean": 12}},
     r"selection\.inherited\.sectors\[0\]: unknown sector 'health' \(known: employment, adults, children\)"),
    ("selection.inherited", {"share": 0.5, "stay": {"distribution": "exponential", "mean": 12}},
     r"selection\.inherited: needs a number of places to take a share of \(selection\.capacity or capacity_by_year\), got unlimited places"),
    ("selection.inherited", {"share": 0.5}, r"selection\.inherited\.stay: is required \(a distribution: the time until an inherited case is swapped out\)"),
    ("selection.inherited", {"stay": {"distribution": "exponential", "mean": 12}}, r"selection\.inherited\.share: is required \(a number\)"),
    ("selection.capacity_by_year", [60, 0], r"selection\.capacity_by_year\[1\]: must be a whole number of places in \[1, 4294967295\], got 0"),
    ("selection.capacity_by_year", [60, 90.5], r"selection\.capacity_by_year\[1\]: must be a whole number of places in \[1, 4294967295\], got 90\.5"),
    ("selection.capacity_by_year", [10, 10, 10, 10], r"selection\.capacity_by_year: has 4 values, more than the 3 years of horizon_months \(30\)"),
    # staff by year (the scenario has staff_fte = 1.2 and runs 30 months)
    ("organisation.staff_fte_by_year", [1, -2], r"organisation\.staff_fte_by_year\[1\]: must be a number of full-time staff in \[0, 100000\], got -2"),
    ("organisation.staff_fte_by_year", [1, 1, 1, 1], r"organisation\.staff_fte_by_year: has 4 values, more than the 3 years of horizon_months \(30\)"),
    ("organisation.staff_fte_by_year", [1, 2], r"organisation\.staff_fte_by_year: give organisation\.staff_fte \(1\.2\) or staff_fte_by_year, not both"),
    # queues for places in states
    ("tracks.child.states.measure.queue", "fifo", r"tracks\.child\.states\.measure\.queue: needs a capacity > 0 on the same state \(a queue waits for its places\)"),
    ("tracks.child.states.measure.queue", "lifo", r"tracks\.child\.states\.measure\.queue: must be one of fifo, solution_first; got 'lifo'"),
    ("tracks.adult.initial", {"out": 0.5, "job": 0.4}, r"tracks\.adult\.initial: shares must sum to 1, got 0\.9"),
    ("tracks.adult.members", [0.5, 0.6], r"tracks\.adult\.members: shares must sum to 1, got 1\.1"),
    ("organisation.salary_key", {"employment": 0.5, "adults": 0.4}, r"organisation\.salary_key: shares must sum to 1, got 0\.9"),
    ("tracks.adult.benefits", {"kontanthjaelp": 0.7}, r"tracks\.adult\.benefits: shares must sum to 1, got 0\.7"),
    # references to undefined names
    ("tracks.adult.states.out.transitions[0].to", "work", r"transitions\[0\]\.to: unknown state 'work' \(known: out, job\)"),
    ("tracks.adult.states.out.costs[0].sector", "health", r"costs\[0\]\.sector: unknown sector 'health' \(known: employment, adults, children\)"),
    ("interventions.mentor.track", "kids", r"interventions\.mentor\.track: unknown track 'kids' \(known: adult, child\)"),
    ("interventions.mentor.request_on_entry", ["nowhere"], r"request_on_entry\[0\]: unknown state 'nowhere'"),
    ("organisation.effects[0].track", "parents", r"organisation\.effects\[0\]\.track: unknown track 'parents'"),
    ("tracks.adult.states.out.costs[0].benefit", "kontanthjaelp", r"costs\[0\]\.benefit: this track has no benefit types"),
    ("selection.include_benefits", ["kontanthjaelp"], r"selection\.include_benefits\[0\]: no track has benefit types, got 'kontanthjaelp'"),
    ("tracks.adult.initial", {"outt": 1.0}, r"tracks\.adult\.initial\.outt: unknown name \(expected one of: out, job\)"),
    ("organisation.salary_key", {"health": 1.0}, r"organisation\.salary_key\.health: unknown sector 'health'"),
    # states and interventions that cannot work
    ("tracks.adult.states.out.transitions[0].to", "out", r"transitions\[0\]\.to: a state cannot move to itself"),
    ("interventions.mentor.request_on_entry", [], r"interventions\.mentor\.request_on_entry: is empty: nothing would ever request this intervention"),
    ("interventions.mentor.payment_key", {"employment": 1.0}, r"interventions\.mentor\.payment_key: is only used with pays = \"shared\""),
    ("organisation.grant_propensity", 0.8, r"organisation\.grant_propensity: must be a multiplier in \[1, 10\] \(1: no effect\), got 0\.8"),
    ("organisation.ceiling_on", "actual", r"organisation\.ceiling_on: must be one of expected_cost, grant; got 'actual'"),
    ("organisation.follow_up", 2, r"organisation\.follow_up: must be a share in \[0, 1\], got 2"),
    ("organisation.forum_review", -0.1, r"organisation\.forum_review: must be a share in \[0, 1\], got -0\.1"),
    ("organisation.payment_model", "fixed", r"organisation\.payment_model: must be a number, got string \"fixed\""),
    ("interventions.mentor.grant_share", 1.5, r"interventions\.mentor\.grant_share: must be a share in \(0, 1\], got 1\.5"),
    ("tracks.adult.states[1].name", "out", r"tracks\.adult\.states\[1\]: duplicate name 'out'"),
    ("name", "a\x00b", r"name: must not contain a NUL character"),
    ("schema_version", 2, r"schema_version: this tvaer reads schema version 1, got 2"),
    # allocation tables
    ("allocation.rules", [{"type": "salary_key", "shares": {"sport": 1.0}}], r"allocation\.rules\[0\]\.shares\.sport: unknown budget"),
    ("allocation.rules", [{"type": "salary_key"}], r"allocation\.rules\[0\]\.shares: is required \(a table of shares per budget\)"),
    ("allocation.rules", [{"type": "retrospective", "sectors": ["adults"], "basis": "fair"}], r"allocation\.rules\[0\]\.basis: must be one of equal, baseline, invested, gained; got 'fair'"),
    ("allocation.rules", [{"type": "salry_key"}], r"allocation\.rules\[0\]\.type: must be one of pay_where_granted, "
     r"fixed_key, salary_key, .*; got 'salry_key'"),
    # sensitivity tables: checked when the scenario is validated, not only when a study uses them
    ("uncertain", {"interventions.mentor.nothing": {"low": 1, "high": 2}},
     r"uncertain\.interventions\.mentor\.nothing: the scenario has no value at 'interventions\.mentor\.nothing'"),
    ("uncertain", {"families": {"low": 50, "high": 10}},
     r"uncertain\.families: low and high must be numbers with low < high, got low = 50, high = 10"),
    ("uncertain", {"name": {"low": 1, "high": 2}}, r"uncertain\.name: the value at 'name' is not a number \(got 'three'\)"),
    # Serviceloven § 176 (reimbursement)
    ("reimbursement", {"price_index": 1.0}, r"reimbursement: give either preset = \"statutory\" \(or \"pre_2021\"\) or \[\[reimbursement\.rules\]\], not both or neither"),
    ("reimbursement.preset", "statutry", r"reimbursement\.preset: must be one of statutory, pre_2021; got 'statutry' \(did you mean 'statutory'\?\)"),
    ("reimbursement", {"preset": "statutory", "children": "kids"}, r"reimbursement\.children: unknown sector 'kids' \(known: employment, adults, children\)"),
    ("reimbursement", {"preset": "statutory", "price_index": 0}, r"reimbursement\.price_index: must be > 0 and finite, got 0"),
    ("reimbursement.rules", [{"sector": "children", "per": "household", "thresholds": [1], "shares": [0.5]}], r"reimbursement\.rules\[0\]\.per: must be one of family, member; got 'household'"),
    ("reimbursement.rules", [{"sector": "children", "thresholds": [830000, 1630000], "shares": [0.25]}], r"reimbursement\.rules\[0\]\.shares: needs one share per threshold \(2\), got 1"),
    ("reimbursement.rules", [{"sector": "children", "shares": [0.25]}], r"reimbursement\.rules\[0\]\.thresholds: is required"),
    ("reimbursement.rules", [{"sector": "health", "thresholds": [830000], "shares": [0.25]}], r"reimbursement\.rules\[0\]\.sector: unknown sector 'health' \(known: employment, adults, children\)"),
]


@pytest.mark.parametrize("path, value, message", CASES, ids=[f"{i:02d}-{c[0]}" for i, c in enumerate(CASES)])
def test_an_invalid_value_is_named_with_its_key_path_and_override(three, path, value, message):
    with pytest.raises(tvaer.ScenarioError) as e:
        three.with_({path: value}).validate()
    text = str(e.value)
    assert re.search(message, text), text
    # The error names the override that brought the bad value in, and the scenario it changed.
    assert text.startswith("three.toml"), text
    assert e.value.override == path or f"(override '{path}')" in text, text


def test_there_are_at_least_forty_classes_of_invalid_input():
    assert len(CASES) >= 40


# A scenario file as a planner writes it; positions counted by hand (a value's column is where
# the value starts).
WITH_TABLES = """schema_version = 1
name = "t"
horizon_months = 24
sectors = ["employment"]

[population]
table = "people.csv"

[selection]
min_sectors = 1

[[tracks]]
name = "adult"
initial = { out = 1.0 }

[[tracks.states]]
name = "out"
transitions = [{ to = "job", rate = 0.05 }]
costs = [{ sector = "employment", monthly = 100 }]

[[tracks.states]]
name = "job"
transitions = [{ to = "out", rate = 0.02 }]

[uncertain]
"tracks.adult.states.out.costs.0.monthly" = { low = 5, high = 1 }
"""


def test_errors_checked_in_python_name_the_line_and_column_in_the_file(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(WITH_TABLES)
    (tmp_path / "people.csv").write_text("family,track,state\n1,adult,out\nx,adult,out\n")
    with pytest.raises(tvaer.ScenarioError) as e:
        tvaer.load_scenario(path)
    assert str(e.value) == (f"{path}:7:9: population.table[1].family: must be a whole number in [0, 4294967295], "
                            f"got 'x' (table {tmp_path / 'people.csv'})")
    assert (e.value.line, e.value.column, e.value.key_path) == (7, 9, "population.table[1].family")
    (tmp_path / "people.csv").write_text("family,track,state\n1,adult,out\n2,adult,job\n")
    with pytest.raises(tvaer.ScenarioError) as e:
        tvaer.load_scenario(path)
    assert str(e.value) == (f"{path}:26:45: uncertain.tracks.adult.states.out.costs.0.monthly: low and high must be "
                            "numbers with low < high, got low = 5, high = 1")
