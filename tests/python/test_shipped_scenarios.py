"""Every scenario file in scenarios/ loads, validates and runs; the ladder reference model keeps
the reference numbers of shared/bench/ladder.md."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.linalg import expm

import tvaer
from tvaer import _core

SCENARIOS = sorted((Path(__file__).resolve().parents[2] / "scenarios").glob("*.toml"))


def test_the_repository_ships_scenarios():
    names = {p.stem for p in SCENARIOS}
    # the generic default and the report's five municipalities (issue 18, docs/municipalities.md)
    assert {"default", "albertslund", "assens", "furesoe", "helsingoer", "hoeje_taastrup"} <= names


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_scenario_loads_validates_and_runs(path):
    scenario = tvaer.load_scenario(path)
    assert scenario.name == path.stem
    small = scenario.with_(families=min(int(scenario.data["families"]), 200))
    res = tvaer.simulate(small, replications=2, seed=7, threads=1, progress=False)
    summary = res.summary()
    assert not summary.empty
    assert np.isfinite(summary.select_dtypes("number").to_numpy()).all()
    costs = res.costs.to_numpy()
    assert np.isfinite(costs).all()
    assert costs.sum() > 0.0


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_scenario_declares_uncertain_parameters_that_tornado_and_sobol_run_on(path):
    """docs/studies.md: every shipped scenario runs the sensitivity studies out of the box."""
    scenario = tvaer.load_scenario(path)
    ranges = tvaer.uncertain_parameters(scenario)
    assert len(ranges) >= 3
    small = scenario.with_(families=min(int(scenario.data["families"]), 60))
    tornado = tvaer.tornado(small, replications=2, seed=1)
    assert len(tornado) == len(ranges)
    assert np.isfinite(tornado.select_dtypes("number").to_numpy()).all()
    assert (tornado["swing"] != 0).any()
    sobol = tvaer.sobol(small, n=4, replications=1, seed=1)
    assert len(sobol) == len(ranges)


# ---- the ladder reference model ---------------------------------------------------------------

LADDER_FAMILIES = 20_000


@pytest.fixture(scope="module")
def ladder():
    model = _core.ladder_model(LADDER_FAMILIES)
    raw = _core.run(model, 1, 0, 1, 1)
    return model, raw


def _year1_cost_per_family(model, raw) -> dict[str, float]:
    costs = np.asarray(raw.costs)[0, 0]  # replication 0, business as usual: (line, month)
    out: dict[str, float] = {}
    for i, line in enumerate(model.lines):
        budget = model.budgets[line.payer]
        out[budget] = out.get(budget, 0.0) + costs[i, :12].sum() / LADDER_FAMILIES
    return out


def test_ladder_year1_costs_match_the_reference_numbers(ladder):
    """shared/bench/ladder.md: about 154,600 / 24,900 / 107,200 DKK per family in year 1."""
    got = _year1_cost_per_family(*ladder)
    assert got["employment"] == pytest.approx(154_600, rel=0.01)
    assert got["adults"] == pytest.approx(24_900, rel=0.02)
    assert got["children"] == pytest.approx(107_200, rel=0.02)


def test_ladder_child_costs_match_the_kolmogorov_expectation(ladder):
    """Children have no interventions, so year-1 cost is p0 · ∫0^12 exp(Qt) c dt, computed with
    the augmented-matrix exponential (an independent derivation from ladder.md's rates)."""
    q = np.array([[-0.01, 0.01, 0.0], [0.04, -0.05, 0.01], [0.0, 0.03, -0.03]])
    c = np.array([0.0, 8000.0, 60000.0])
    p0 = np.array([0.50, 0.40, 0.10])
    aug = np.zeros((4, 4))
    aug[:3, :3] = q
    aug[:3, 3] = c
    expected = p0 @ expm(aug * 12.0)[:3, 3]
    got = _year1_cost_per_family(*ladder)["children"]
    assert got == pytest.approx(expected, rel=0.01)
    assert expected == pytest.approx(107_200, rel=0.005)


def test_ladder_counts_about_ten_events_per_family(ladder):
    _, raw = ladder
    per_family = float(np.asarray(raw.events)[0, 0]) / LADDER_FAMILIES
    assert per_family == pytest.approx(9.7, rel=0.03)


def test_ladder_arms_are_identical_when_no_family_is_selected(ladder):
    """The ladder selects nobody (min_sectors = 99): both arms draw the same numbers."""
    _, raw = ladder
    costs = np.asarray(raw.costs)[0]
    np.testing.assert_array_equal(costs[0], costs[1])


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_same_seed_same_bytes_whatever_threads_and_chunks(path, tmp_path):
    scenario = tvaer.load_scenario(path)
    small = scenario.with_(families=min(int(scenario.data["families"]), 60))
    one = tvaer.simulate(small, replications=4, seed=11, threads=1, progress=False)
    two = tvaer.simulate(small, replications=4, seed=11, threads=2, progress=False)
    tvaer.simulate_to_file(small, tmp_path / "run.h5", replications=4, seed=11, chunk=1, threads=2, progress=False)
    chunked = tvaer.open_results(tmp_path / "run.h5")
    for other in (two, chunked):
        assert np.array_equal(one.line_costs.values, other.line_costs.values)
        for name, var in one.flows.data_vars.items():
            assert np.array_equal(var.values, other.flows[name].values, equal_nan=True), name
