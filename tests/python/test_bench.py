"""`python -m tvaer.bench` (docs/performance.md): the ladder reference model's implementations
(SimPy, plain Python with heapq, neworder) agree with tvaer, the JSON output is what the docs
promise, and bad options say what is wrong."""

from __future__ import annotations

import importlib.util
import json
import math
import pathlib
import re
import subprocess
import sys

import pytest
from scipy.special import stdtrit

from tvaer.bench import cli, worker
from tvaer.bench.ladder import SECTORS

from conftest import unavailable

# (families, replications) per implementation: 24,000 family-years see an 8 % bias in children
# (the noisiest sector) at about 5 standard errors; SimPy, the slowest, runs fewer (an 8 % bias
# at about 3.5); neworder's cost is per step, not per family, so it runs larger replications.
SIZES = {"tvaer": (2000, 12), "heapq": (2000, 12), "simpy": (800, 10), "neworder": (6000, 6)}
OTHERS = ["heapq", "simpy", "neworder"]
FALSE_ALARM = 0.001  # chance that any of this file's agreement checks fails by chance


_MEASURED: dict[str, dict] = {}


def _measure(implementation: str) -> dict:
    """Each implementation once per test session, with its own seed (independent replications)."""
    if implementation in ("simpy", "neworder") and importlib.util.find_spec(implementation) is None:
        unavailable(f"{implementation} is not installed (the `bench` extra)", "make test installs .[test,bench]")
    if implementation not in _MEASURED:
        seed = 3 + len(_MEASURED)
        families, replications = SIZES[implementation]
        _MEASURED[implementation] = worker.measure({"model": "ladder", "implementation": implementation,
                                                    "families": families, "replications": replications,
                                                    "threads": 1, "seed": seed})
    return _MEASURED[implementation]


@pytest.fixture(scope="module")
def tvaer_ladder():
    return _measure("tvaer")


def _welch(a: list[float], b: list[float]) -> tuple[float, float]:
    """Welch's t of the means of two independent samples, and its |t| bound: two-sided at
    FALSE_ALARM, Bonferroni over the 3 implementations x 4 quantities (3 sectors and events)."""
    def mean_var(x):
        m = sum(x) / len(x)
        return m, sum((v - m) ** 2 for v in x) / (len(x) - 1) / len(x)

    (ma, va), (mb, vb) = mean_var(a), mean_var(b)
    df = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
    return (ma - mb) / math.sqrt(va + vb), float(stdtrit(df, 1 - FALSE_ALARM / (2 * 3 * 4)))


@pytest.mark.parametrize("implementation", OTHERS)
def test_each_implementation_computes_tvaers_year1_costs_within_statistical_error(implementation, tvaer_ladder):
    """Independent replications on both sides (their own generators), so the difference of the
    means has variance se_a^2 + se_b^2 (family counts differ a little between implementations:
    the mean cost per family does not depend on N beyond the rounding of N / 20 mentor slots);
    ladder.md: 154,600 / 24,900 / 107,200 at large N."""
    theirs = _measure(implementation)
    for s, sector in enumerate(SECTORS):
        t, bound = _welch([y[s] for y in tvaer_ladder["year1"]], [y[s] for y in theirs["year1"]])
        assert abs(t) <= bound, f"{sector}: t = {t:.2f} beyond {bound:.2f}"


@pytest.mark.parametrize("implementation", ["heapq", "simpy"])
def test_the_event_driven_implementations_count_events_as_tvaer_does(implementation, tvaer_ladder):
    """ladder.md "Counting": transitions, mentor starts and ends, queue joins at t <= 120 (about
    9.7 per family). tvaer's replication_events are its business-as-usual arm's."""
    theirs = _measure(implementation)
    per_family = {name: [e / SIZES[name][0] for e in m["replication_events"]]
                  for name, m in (("tvaer", tvaer_ladder), (implementation, theirs))}
    t, bound = _welch(per_family["tvaer"], per_family[implementation])
    assert abs(t) <= bound, f"events per family: t = {t:.2f} beyond {bound:.2f}"
    assert sum(per_family[implementation]) / len(per_family[implementation]) == pytest.approx(9.7, rel=0.03)


def test_json_output_has_one_object_per_measurement_with_the_documented_keys():
    run = subprocess.run([sys.executable, "-m", "tvaer.bench", "--models", "ladder", "--families", "200",
                          "--replications", "2", "--rounds", "2", "--against", "heapq", "--json"],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    rows = [json.loads(line) for line in run.stdout.splitlines()]
    assert [r["implementation"] for r in rows] == ["tvaer", "heapq", "tvaer", "heapq"]
    types = {"model": str, "implementation": str, "families": int, "replications": int, "threads": int,
             "events": int, "seconds": float, "events_per_second": float, "peak_rss_bytes": int, "scale": str,
             "cpu_seconds": float}
    for r in rows:
        assert {k: type(v) for k, v in r.items()} == types
        assert (r["model"], r["families"], r["replications"], r["threads"], r["scale"]) == ("ladder", 200, 2, 1,
                                                                                            "families")
        assert r["events_per_second"] == pytest.approx(r["events"] / r["seconds"])
        assert 0 < r["cpu_seconds"] < r["seconds"] * 1.5 + 0.05  # one thread: CPU about the clock's, or less
        assert 2**20 < r["peak_rss_bytes"] < 2**31
    # tvaer simulates both arms (identical for the ladder), heapq one: about 9.7 events a family each
    assert rows[0]["events"] / (2 * 200 * 2) == pytest.approx(9.7, rel=0.15)
    assert rows[1]["events"] / (200 * 2) == pytest.approx(9.7, rel=0.15)
    assert "tvaer / heapq" in run.stderr  # the ratios, on stderr with --json


@pytest.mark.parametrize("args, message", [
    (["--against", "simpy,ciw"], "--against: unknown implementation 'ciw' (known: simpy, heapq, neworder, none)"),
    (["--families", "0"], "--families: must be between 1 and 16,777,216, got 0"),
    (["--replications", "ten"], "--replications: expected comma-separated positive integers, got 'ten' in 'ten'"),
    (["--models", "ladder,nowhere"], "--models: unknown model 'nowhere' (known: ladder, albertslund,"),
])
def test_a_bad_option_is_named_with_what_was_expected(args, message, capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(args)
    assert stop.value.code == 2
    assert f"tvaer.bench: error: {message}" in capsys.readouterr().err


def test_the_python_implementations_are_skipped_above_the_limit_with_a_message(capsys):
    args = cli.parse(["--models", "ladder", "--families", "1000,5000", "--replications", "2",
                      "--python-limit", "2000", "--against", "heapq"])
    notes = []
    planned = cli.plan(args, notes.append)
    assert [(p["implementation"], p["families"]) for p in planned] == [("tvaer", 1000), ("heapq", 1000), ("tvaer", 5000)]
    assert notes == ["skipped heapq at 5,000 families x 2 replications: families x replications = 10,000 is over "
                     "--python-limit 2,000"]


def test_ratios_pair_measurements_of_the_same_round(capsys):
    """Round 0: tvaer 300 events/s, heapq 10 (ratio 30); round 1: 200 and 20 (ratio 10): the median
    ratio is 20, not 250 / 15 (the ratio of the medians). 2 threads against 1: 1.9 and 1.7."""
    def row(impl, threads, rnd, eps):
        return {"model": "ladder", "implementation": impl, "families": 100, "replications": 2, "threads": threads,
                "events": 1, "seconds": 1.0, "cpu_seconds": 1.0, "events_per_second": eps, "peak_rss_bytes": 2**20,
                "round": rnd,
                "year1": [[1.0, 2.0, 3.0], [1.5, 2.5, 3.5]]}
    rows = [row("tvaer", 1, 0, 300.0), row("tvaer", 2, 0, 570.0), row("heapq", 1, 0, 10.0),
            row("tvaer", 1, 1, 200.0), row("tvaer", 2, 1, 340.0), row("heapq", 1, 1, 20.0)]
    cli.report(rows, sys.stdout)
    out = " ".join(capsys.readouterr().out.split())  # columns aside
    assert "ladder 100 2 1 tvaer / heapq 20.0 (2 rounds: 30.0, 10.0)" in out
    assert "ladder 100 2 2 tvaer / tvaer with 1 thread 1.80 (2 rounds: 1.90, 1.70)" in out


def test_a_scenario_is_compared_with_the_ladder_round_by_round_by_the_clock_and_by_cpu_time(capsys):
    """Issue 16's measure: a scenario's events per second over the ladder's at the same families,
    replications and threads. By the clock: rounds 6/8, 5/10, 7/10 -> 0.75, 0.50, 0.70, median
    0.70. By CPU time (events / CPU seconds): 12/8, 5/10, 14/10 -> 1.50, 0.50, 1.40, median 1.40.
    A scenario at another family count has no ladder to compare with and gets no line."""
    def row(model, families, rnd, events, seconds, cpu):
        return {"model": model, "implementation": "tvaer", "families": families, "replications": 20, "threads": 1,
                "events": events, "seconds": seconds, "cpu_seconds": cpu, "events_per_second": events / seconds,
                "peak_rss_bytes": 2**20, "round": rnd, "year1": None}
    rows = [row("ladder", 10000, 0, 8, 1.0, 1.0), row("default", 10000, 0, 6, 1.0, 0.5), row("default", 450, 0, 1, 1, 1),
            row("ladder", 10000, 1, 10, 1.0, 1.0), row("default", 10000, 1, 5, 1.0, 1.0),
            row("ladder", 10000, 2, 10, 1.0, 1.0), row("default", 10000, 2, 7, 1.0, 0.5)]
    cli.report(rows, sys.stdout)
    out = " ".join(capsys.readouterr().out.split())
    assert ("default 10,000 20 1 0.70 1.40 (3 rounds, wall: 0.75, 0.50, 0.70; CPU: 1.50, 0.50, 1.40)") in out
    assert "default 450" not in out.split("scenario / ladder")[1]


def test_a_long_model_name_widens_its_column_instead_of_pushing_the_others(capsys):
    """A .toml file's stem names its model and may be longer than the 14 characters the column
    had: every line of a table keeps its columns under their headings."""
    name = "default-no_interventions"  # 24 characters
    def row(model, rnd):
        return {"model": model, "implementation": "tvaer", "families": 100, "replications": 2, "threads": 1,
                "events": 10, "seconds": 1.0, "cpu_seconds": 1.0, "events_per_second": 10.0,
                "peak_rss_bytes": 2**20, "round": rnd, "year1": None}
    cli.report([row("ladder", 0), row(name, 0)], sys.stdout)
    lines = capsys.readouterr().out.splitlines()
    medians = lines.index(next(line for line in lines if line.startswith("model") and "events/s" in line))
    header, ladder, scenario = lines[medians:medians + 3]
    for line in (ladder, scenario):
        assert len(line) == len(header)  # right-aligned columns end where their headings end
    assert scenario.startswith(name + " ")
    ratios = next(i for i, line in enumerate(lines) if line.startswith("model") and line.rstrip().endswith("CPU"))
    assert len(lines[ratios + 1].split("  (")[0]) == len(lines[ratios])


def _benchmark(name: str):
    """benchmarks/<name>.py, which is not part of the package."""
    path = pathlib.Path(__file__).resolve().parents[2] / "benchmarks" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _features():
    return _benchmark("features")


def test_each_variant_takes_out_its_mechanism_and_nothing_else():
    """benchmarks/features.py on the default scenario (scenarios/default.toml): [refusion], three
    interventions, selection.recheck = true, organisation.effects (two) and each intervention's
    effects, a flow of 9 families a month leaving at 2 % a month."""
    import tvaer
    features = _features()
    scenario = tvaer.default_scenario("default")
    found = features.variants(scenario)
    assert list(found) == ["no_refusion", "no_interventions", "no_recheck", "no_effects", "no_flow", "bare"]
    original = scenario.data
    assert "refusion" in original and len(original["interventions"]) == 3
    assert "refusion" not in found["no_refusion"]
    assert {k: v for k, v in found["no_refusion"].items()} == {k: v for k, v in original.items() if k != "refusion"}
    assert "interventions" not in found["no_interventions"]
    assert not any(k.startswith("interventions.") for k in found["no_interventions"]["uncertain"])
    assert found["no_recheck"]["selection"]["recheck"] is False
    assert "effects" not in found["no_effects"]["organisation"]
    assert all("effects" not in iv for iv in found["no_effects"]["interventions"])
    assert found["no_flow"]["population"]["arrivals_per_month"] == 0.0
    assert found["no_flow"]["population"]["leave_rate"] == 0.0
    bare = found["bare"]
    assert "refusion" not in bare and "interventions" not in bare and bare["selection"]["recheck"] is False
    assert "effects" not in bare["organisation"] and bare["population"]["leave_rate"] == 0.0
    for data in found.values():  # each is a scenario tvaer runs
        tvaer.Scenario(data).validate()


def test_features_runs_the_variants_beside_the_ladder_and_names_what_it_left_out(tmp_path):
    """A scenario without [refusion] (the default's no_refusion variant, written as small.toml): that
    variant is left out with a line saying so, and the others run beside the ladder and the
    scenario as written, under their files' stems."""
    import tomli_w

    import tvaer
    features = _features()
    small = tmp_path / "small.toml"
    small.write_text(tomli_w.dumps(features.variants(tvaer.default_scenario("default"))["no_refusion"]))
    kept = tmp_path / "kept"
    run = subprocess.run([sys.executable, features.__file__, "--scenario", str(small), "--keep", str(kept),
                          "--", "--families", "200", "--replications", "2", "--rounds", "1", "--against", "none",
                          "--json"], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    models = {json.loads(line)["model"] for line in run.stdout.splitlines() if line.startswith("{")}
    assert sorted(p.stem for p in kept.glob("*.toml")) == [
        "small-bare", "small-no_effects", "small-no_flow", "small-no_interventions", "small-no_recheck"]
    assert models == {"ladder", "small", "small-bare", "small-no_effects", "small-no_flow",
                      "small-no_interventions", "small-no_recheck"}
    assert "features.py: small has nothing for no_refusion to take out; left out" in run.stderr


def test_features_names_a_scenario_it_cannot_find():
    features = _features()
    run = subprocess.run([sys.executable, features.__file__, "--scenario", "defualt"], capture_output=True, text=True,
                         timeout=60)
    assert run.returncode == 2
    assert "features.py: --scenario defualt: " in run.stderr and "no shipped scenario named 'defualt'" in run.stderr


def test_engine_bytes_are_reported_per_family_and_arm_when_asked():
    """--engine-bytes: what each arm's engine held, per family. A ladder family is one adult and one
    child (ladder.md line 9) and a member record is 16 bytes (engine/src/simulator.hpp's
    static_assert), so the records alone are 32 bytes a family. The fourth pass ("64 bytes a
    family", docs/performance.md) counted 72.5 at 1,000 families, about 10 of it fixed buffers,
    so 2,000 families hold less than 100 (a count off by a factor of two is not). The two arms
    need not hold the same: their pools grow from what each run met."""
    run = subprocess.run([sys.executable, "-m", "tvaer.bench", "--models", "ladder", "--families", "2000",
                          "--replications", "1", "--rounds", "1", "--against", "none", "--engine-bytes", "--json"],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    (row,) = [json.loads(line) for line in run.stdout.splitlines()]
    bau, solution = row["engine_bytes_per_family"]
    assert 32 < bau < 100 and 32 < solution < 100
    assert "Engine state per family" in run.stderr


def _ab_packages():
    return _benchmark("ab_packages")


def test_two_installs_are_compared_round_by_round(capsys):
    """benchmarks/ab_packages.py: tvaer.bench's report for each install under its own heading.
    Old's default over its ladder per round 6/10, 4/10, 5/10 -> 0.60, 0.40, 0.50 (median 0.50);
    new's 9/10, 7/10, 8/10 -> 0.90, 0.70, 0.80 (median 0.80). By CPU (events / CPU seconds): old
    6/2 over 10/1 = 0.30 every round; new the clock's. Old's default: median events 5 M in a median
    of 1 s and 5/3 CPU seconds. A heapq row is left out (its year-1 costs are not in --json)."""
    def row(python, model, rnd, eps, cpu, implementation="tvaer"):
        return {"python": python, "round": rnd, "model": model, "implementation": implementation, "families": 10000,
                "replications": 30, "threads": 1, "events": eps * 1e6, "seconds": 1.0, "cpu_seconds": cpu,
                "events_per_second": eps * 1e6, "peak_rss_bytes": 2**20}
    rows = []
    for rnd, (old, new) in enumerate([(6, 9), (4, 7), (5, 8)], start=1):
        rows += [row("old", "ladder", rnd, 10, 1.0), row("old", "default", rnd, old, old / 3),
                 row("old", "ladder", rnd, 0.1, 1.0, "heapq"),
                 row("new", "ladder", rnd, 10, 1.0), row("new", "default", rnd, new, 1.0)]
    _ab_packages().summarise(rows, sys.stdout)
    out = " ".join(capsys.readouterr().out.split())  # columns aside
    old, new = out.split("== old")[1].split("== new")
    assert "default tvaer 10,000 30 1 5,000,000 1.000 1.667 5,000,000 1.0" in old
    assert "default 10,000 30 1 0.50 0.30 (3 rounds, wall: 0.60, 0.40, 0.50; CPU: 0.30, 0.30, 0.30)" in old
    assert "default 10,000 30 1 0.80 0.80 (3 rounds, wall: 0.90, 0.70, 0.80; CPU: 0.90, 0.70, 0.80)" in new
    assert "ladder tvaer 10,000 30 1 10,000,000" in new
    assert "heapq" not in out


def test_two_installs_run_in_turn_from_the_command_line(tmp_path):
    """The same install under two spellings of its path, two rounds: each spelling gets its ladder
    line and its default line with two per-round ratios, and --json keeps all 8 rows."""
    here = pathlib.Path(sys.executable)
    other = str(here.parent / ".." / here.parent.name / here.name)  # the same file
    here = str(here)
    out = tmp_path / "rows.jsonl"
    run = subprocess.run([sys.executable, str(_ab_packages().__file__), "--python", here, "--python", other,
                          "--rounds", "2", "--json", str(out), "--", "--models", "ladder,default",
                          "--families", "300", "--replications", "1", "--against", "none"],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    sections = run.stdout.split("\n== ")[1:]
    assert [s.splitlines()[0] for s in sections] == [here, other]
    for section in sections:
        lines = section.splitlines()
        assert sum(line.startswith("ladder         tvaer") for line in lines) == 1
        (default,) = [line for line in lines if re.match(r"default\s+300\s+1\s+1\s", line)]
        assert re.search(r"\(2 rounds, wall: \d\.\d\d, \d\.\d\d; CPU: \d\.\d\d, \d\.\d\d\)$", default), default
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 8 and {r["round"] for r in rows} == {1, 2}


def test_ab_packages_needs_two_installs():
    run = subprocess.run([sys.executable, str(_ab_packages().__file__), "--python", sys.executable],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 2
    assert "give --python at least twice (the installs to compare)" in run.stderr
