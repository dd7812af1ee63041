"""Loading, editing and validating scenarios: every error names file, key path and expectation."""

from __future__ import annotations

import pytest

import tvaer


def test_default_scenario_loads_and_is_valid():
    sc = tvaer.default_scenario()
    assert sc.name == "default"
    assert "default" in tvaer.shipped_scenarios()
    sc.validate()


def test_load_scenario_names_the_file_for_a_missing_file(tmp_path):
    with pytest.raises(tvaer.ScenarioError, match=r"nope\.toml: cannot read the scenario file"):
        tvaer.load_scenario(tmp_path / "nope.toml")


def test_bad_toml_names_the_file(tmp_path):
    p = tmp_path / "bad.toml"
    p.write_text("families = = 3\n")
    with pytest.raises(tvaer.ScenarioError, match=r"bad\.toml:1:12: not valid TOML: "):
        tvaer.load_scenario(p)


def test_engine_value_error_names_file_and_key_path(tiny):
    bad = tiny.with_({"tracks.adult.states.out.transitions.0.rate": -1.0})
    with pytest.raises(tvaer.ScenarioError, match=r"^tiny\.toml \(override 'tracks\.adult\.states\.out\.transitions\.0\.rate'\): "
                       r"tracks\.adult\.states\.out\.transitions\[0\]\.rate: must be >= 0 and finite, got -1$") as e:
        bad.validate()
    assert e.value.key_path == "tracks.adult.states.out.transitions[0].rate"
    assert e.value.file == "tiny.toml"
    assert e.value.override == "tracks.adult.states.out.transitions.0.rate"


def test_wrong_type_names_key_path_and_expected_type(tiny):
    with pytest.raises(tvaer.ScenarioError, match=r"interventions\.coach\.capacity: must be an integer in \[0, 4294967295\], got -1$"):
        tiny.with_({"interventions.coach.capacity": -1}).validate()


def test_unknown_key_is_rejected_with_the_expected_keys(tiny_data):
    tiny_data["selection"]["capacty"] = 3
    with pytest.raises(tvaer.ScenarioError, match=r"selection\.capacty: unknown key \(did you mean 'capacity'\? expected one of: .*min_sectors"):
        tvaer.Scenario(tiny_data).validate()


def test_unknown_state_name_in_initial_shares(tiny_data):
    tiny_data["tracks"][0]["initial"] = {"outt": 1.0}
    with pytest.raises(tvaer.ScenarioError, match=r"tracks\.adult\.initial\.outt: unknown name \(expected one of: out, job\)"):
        tvaer.Scenario(tiny_data).validate()


def test_unknown_sector_is_named(tiny):
    with pytest.raises(tvaer.ScenarioError, match=r"tracks\.child\.states\.measure\.costs\[0\]\.sector: unknown sector 'schools' \(known: employment, children\)"):
        tiny.with_({"tracks.child.states.measure.costs.0.sector": "schools"}).validate()


def test_with_returns_a_copy_and_leaves_the_original(tiny):
    changed = tiny.with_(families=99)
    assert changed.data["families"] == 99
    assert tiny.data["families"] == 40


def test_with_rejects_a_missing_list_item(tiny):
    with pytest.raises(tvaer.ScenarioError, match=r"interventions\.nobody: no item 'nobody' in this list"):
        tiny.with_({"interventions.nobody.capacity": 1})


def test_schema_version_is_checked(tiny):
    with pytest.raises(tvaer.ScenarioError, match=r"schema_version: this tvaer reads schema version 1, got 7"):
        tiny.with_(schema_version=7).validate()


def test_distribution_kind_is_checked(tiny):
    with pytest.raises(tvaer.ScenarioError, match=r"\(override 'interventions\.coach\.duration'\): interventions\.coach\.duration\.distribution: must be one of exponential, weibull"):
        tiny.with_({"interventions.coach.duration": {"distribution": "gamma"}}).validate()


def test_population_table_from_csv(tiny_data, tmp_path):
    (tmp_path / "people.csv").write_text("family,track,state\n10,adult,out\n10,child,measure\n11,adult,job\n")
    tiny_data.pop("families")
    # Nobody moves in month 0 whatever the draws (rates of 1e-12 a month), so its occupancy is
    # the table's states.
    for track in tiny_data["tracks"]:
        for state in track["states"]:
            for tr in state.get("transitions", []):
                tr["rate"] = 1e-12
    tiny_data["population"] = {"table": "people.csv"}
    sc = tvaer.Scenario(tiny_data, str(tmp_path / "s.toml"))
    res = tvaer.simulate(sc, replications=1, seed=1, progress=False)
    # Month 0 occupancy: one adult out of work, one in a job, one child with a measure.
    occ = res.flows["occupancy"].sel(arm="bau", month=0).isel(replication=0)
    assert float(occ.sel(row="adult/out")) == 1.0
    assert float(occ.sel(row="adult/job")) == 1.0
    assert float(occ.sel(row="child/measure")) == 1.0


def test_population_table_errors_name_file_row_and_column(tiny_data, tmp_path):
    tiny_data["population"] = {"table": "people.csv"}
    src = str(tmp_path / "s.toml")
    with pytest.raises(tvaer.ScenarioError, match=r"s\.toml: families: is ignored when population\.table is given: remove it"):
        tvaer.Scenario(tiny_data, src).validate()
    tiny_data.pop("families")
    src = str(tmp_path / "s.toml")
    (tmp_path / "people.csv").write_text("family,track,state,cpr\n1,adult,out,0101\n")
    with pytest.raises(tvaer.ScenarioError, match=r"s\.toml: population\.table: unknown column\(s\) cpr .*\(table .*people\.csv\)"):
        tvaer.Scenario(tiny_data, src).validate()
    (tmp_path / "people.csv").write_text("family,track,state\n1,adult,out\nx,adult,out\n")
    with pytest.raises(tvaer.ScenarioError, match=r"s\.toml: population\.table\[1\]\.family: must be a whole number in "
                                                  r"\[0, 4294967295\], got 'x' \(table .*people\.csv\)$"):
        tvaer.Scenario(tiny_data, src).validate()
    # A row with more fields than the header is named (pandas took its first fields as an index).
    (tmp_path / "people.csv").write_text("family,track,state\n1,adult,out\n2,adult,out,extra\n")
    with pytest.raises(tvaer.ScenarioError, match=r"s\.toml: population\.table\[1\]: has 4 fields, the header 3 "
                                                  r"\(family, track, state\)"):
        tvaer.Scenario(tiny_data, src).validate()
    (tmp_path / "people.csv").write_text("family,track,state\n1,adult,nowhere\n")
    with pytest.raises(tvaer.ScenarioError, match=r"s\.toml: population\.table\[0\]\.state: unknown state 'nowhere'"):
        tvaer.Scenario(tiny_data, src).validate()
    tiny_data["population"] = {"table": "missing.csv"}
    with pytest.raises(tvaer.ScenarioError, match=r"population\.table: no such file \(table .*missing\.csv\)"):
        tvaer.Scenario(tiny_data, src).validate()


def test_open_population_and_governance_keys_are_read(tiny):
    sc = tiny.with_({"population": {"arrivals_per_month": 2.0, "leave_rate": 0.01},
                     "organisation": {"form": "network", "meeting_every": 3, "ceiling": 25000, "forum_every": 1},
                     "interventions.coach.queue": "solution_first"})
    res = tvaer.simulate(sc, replications=2, seed=1, progress=False)
    assert res.costs.sizes["month"] == 24
    with pytest.raises(tvaer.ScenarioError, match=r"interventions\.coach\.queue: must be one of fifo, solution_first; got 'lifo'"):
        tiny.with_({"interventions.coach.queue": "lifo"}).validate()


def test_errors_in_a_file_name_line_column_and_key_path_by_names(tmp_path):
    text = tvaer.default_scenario("default").document().text
    # Line and column of the first "capacity" of an intervention, counted in the file's text.
    lines = text.splitlines()
    row = next(i for i, line in enumerate(lines) if line.startswith("capacity") and i > text[:text.index("[[interventions]]")].count("\n"))
    name_row = max(i for i in range(row) if lines[i].startswith("name = "))
    name = lines[name_row].split('"')[1]
    lines[row] = "capacity = -3"
    p = tmp_path / "s.toml"
    p.write_text("\n".join(lines) + "\n")
    with pytest.raises(tvaer.ScenarioError) as e:
        tvaer.load_scenario(p)
    assert str(e.value) == f"{p}:{row + 1}:12: interventions.{name}.capacity: must be an integer in [0, 4294967295], got -3"
    assert (e.value.line, e.value.column, e.value.override) == (row + 1, 12, "")


def test_a_misspelt_key_is_reported_as_unknown_not_as_the_missing_one(tiny_data):
    tiny_data["horizon_month"] = tiny_data.pop("horizon_months")
    with pytest.raises(tvaer.ScenarioError, match=r"^horizon_month: unknown key \(did you mean 'horizon_months'\?"):
        tvaer.Scenario(tiny_data).validate()


def test_an_override_error_names_the_override_and_a_file_error_still_names_the_file(tiny):
    with pytest.raises(tvaer.ScenarioError, match=r"^tiny\.toml \(override 'selection\.capacity'\): selection\.capacity: "
                       r"must be an integer in \[0, 4294967295\], got 4294967296$"):
        tiny.with_({"selection.capacity": 2**32}).validate()
    with pytest.raises(tvaer.ScenarioError, match=r"the value of override 'families' cannot be written as TOML"):
        tiny.with_(families=None)
    # Indexes in brackets, the spelling errors use, are accepted too.
    sc = tiny.with_({"tracks.adult.states.out.transitions[0].rate": 0.25})
    assert sc.get("tracks.adult.states.out.transitions[0].rate") == 0.25
    assert sc.data["tracks"][0]["states"][0]["transitions"][0]["rate"] == 0.25


def test_a_misspelt_selection_benefit_is_an_error_not_an_empty_solution():
    sc = tvaer.default_scenario("furesoe")
    with pytest.raises(tvaer.ScenarioError, match=r"selection\.exclude_benefits\[0\]: unknown benefit type 'sygedagpenge_'"):
        sc.with_({"selection.exclude_benefits": ["sygedagpenge_"]}).validate()


def test_values_python_can_hold_but_a_scenario_cannot_are_scenario_errors(tiny, tiny_data):
    with pytest.raises(tvaer.ScenarioError, match=r"tiny\.toml: the value of override 'families' cannot be written as TOML"):
        tiny.with_(families=None)
    with pytest.raises(tvaer.ScenarioError, match=r"override 'families'.*not representable in 64 bits"):
        tiny.with_(families=10**30)
    deep: list = []
    for _ in range(2000):
        deep = [deep]
    with pytest.raises(tvaer.ScenarioError, match=r"cannot be written as TOML: nested too deeply"):
        tiny.with_(description=deep)
    tiny_data["families"] = 2**32
    with pytest.raises(tvaer.ScenarioError, match=r"^families: must be an integer in \[0, 4294967295\], got 4294967296$"):
        tvaer.Scenario(tiny_data).validate()


def test_a_scenario_is_parsed_once_however_often_it_is_read_compiled_and_run(monkeypatch):
    # Issue 16: the first simulate + summary of a process parsed the same text about fifteen
    # times (compile, warnings, name, provenance, uncertain entries; docs/performance.md).
    from tvaer import _core

    parse, sources = _core.Document.parse, []

    def counted(text, source, positions=True):
        sources.append(source)
        return parse(text, source, positions)

    monkeypatch.setattr(_core.Document, "parse", staticmethod(counted))
    sc = tvaer.default_scenario()  # read from its file by the engine: no parse of text here
    assert sources == []
    small = sc.with_(families=20)  # the overrides applied: one parse
    res = tvaer.simulate(small, replications=2, seed=1, threads=1, progress=False)
    res.summary()
    small.validate()
    assert (small.name, small.get("families"), small.data["families"], small.locate("families").override) == \
        ("default", 20, 20, "families")
    assert len(sources) == 1 and sources[0].endswith("default.toml")


def test_what_a_scenario_hands_out_can_be_changed_without_changing_it_or_its_copies(tiny):
    from tvaer.scenario import compile_model

    assert compile_model(tiny).families == 40  # every cache filled
    data = tiny.data
    data["families"], data["tracks"][0]["name"] = 1, "renamed"
    tiny.document().set("families", "v = 2")
    assert (tiny.get("families"), tiny.data["families"], tiny.data["tracks"][0]["name"]) == (40, 40, "adult")
    assert compile_model(tiny).families == 40
    changed = tiny.with_(families=99, name="bigger")
    assert (compile_model(changed).families, changed.get("families"), changed.name) == (99, 99, "bigger")
    assert '"families": 99' in changed.to_json() and '"families": 40' in tiny.to_json()
    assert (compile_model(tiny).families, tiny.name) == (40, "tiny")


def test_a_compiled_scenario_pickles_and_runs_as_before(tiny):
    import pickle

    from tvaer.scenario import compile_model

    compile_model(tiny)  # holds the engine's document and model, which do not pickle
    back = pickle.loads(pickle.dumps(tiny))
    assert back.to_json() == tiny.to_json()
    runs = [tvaer.simulate(s, replications=2, seed=3, threads=1, progress=False) for s in (tiny, back)]
    assert runs[0].fingerprint() == runs[1].fingerprint()


def test_a_scenario_with_a_population_table_reads_the_table_again_at_each_compile(tiny_data, tmp_path):
    from tvaer.scenario import compile_model

    table = tmp_path / "people.csv"
    table.write_text("family,track,state\n10,adult,out\n11,adult,job\n")
    tiny_data.pop("families")
    tiny_data["population"] = {"table": "people.csv"}
    sc = tvaer.Scenario(tiny_data, str(tmp_path / "s.toml"))
    assert compile_model(sc).families == 2
    table.write_text("family,track,state\n10,adult,out\n11,adult,job\n12,adult,job\n")
    assert compile_model(sc).families == 3
