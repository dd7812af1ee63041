"""tvaer.budgets' Shapley values by simulation (coalitions.py): coalition scenarios as documented,
efficiency per replication and per year, linearity over years, and the exact formula by hand."""

from __future__ import annotations

import numpy as np
import pytest

import tvaer
from tvaer import budgets as B

SECTORS = ["employment", "adults", "children"]


def test_coalition_scenario_takes_sectors_out_as_documented(three):
    only_employment = B.coalition_scenario(three, ["employment"]).data
    assert [iv["name"] for iv in only_employment["interventions"]] == ["mentor"]  # coach is adults' and solution-only
    assert only_employment["organisation"]["effects"] == []  # the effect acts on children's cases
    grand = B.coalition_scenario(three, SECTORS).data
    assert grand == three.data


def test_shapley_values_by_simulation_are_efficient(three):
    sv = B.shapley_values(three, replications=12, seed=3)
    assert sv.savings.shape == (12, 8)
    np.testing.assert_allclose(sv.per_replication.sum(axis=1), sv.savings[:, -1], rtol=1e-9, atol=1e-6)
    values = sv.values()
    assert values["shapley"].sum() == pytest.approx(sv.table[-1])
    # the grand coalition is the scenario itself, simulated with the same seed
    own = tvaer.simulate(three, replications=12, seed=3, progress=False).yearly_difference().sum(("sector", "year"))
    np.testing.assert_allclose(sv.savings[:, -1], -own.values, rtol=1e-9)
    # a hand check of the exact formula on the mean table
    v = sv.table
    phi_emp = (v[1] - v[0]) / 3 + (v[3] - v[2]) / 6 + (v[5] - v[4]) / 6 + (v[7] - v[6]) / 3
    assert values.loc["employment", "shapley"] == pytest.approx(phi_emp)
    assert sv.rule().type == "shapley"


def test_shapley_values_per_year_add_up_to_the_whole_horizon(three):
    sv = B.shapley_values(three, replications=6, seed=5)
    months = int(three.data["horizon_months"])
    assert sv.yearly_savings.shape == (6, -(-months // 12), 8)
    # each year's coalition saving, summed over years, is the whole-horizon saving
    np.testing.assert_allclose(sv.yearly_savings.sum(axis=1), sv.savings, rtol=1e-12, atol=1e-6)
    by_year = sv.values_by_year()
    whole = sv.values()
    for p in SECTORS:
        # linearity of the Shapley value: the sum of the yearly games' values is the whole game's
        assert by_year.loc[p, "shapley"].sum() == pytest.approx(whole.loc[p, "shapley"], rel=1e-9, abs=1e-6)
    # efficiency in every year: the players' values sum to that year's grand-coalition saving
    grand_by_year = sv.yearly_savings[:, :, -1].mean(axis=0)
    np.testing.assert_allclose(by_year["shapley"].groupby(level="year").sum().values, grand_by_year,
                               rtol=1e-9, atol=1e-6)
    assert sv.yearly_tables()[0] == pytest.approx(list(sv.yearly_savings[:, 0, :].mean(axis=0)))
    # the engine takes one table per year of the horizon and conserves money with it
    res = tvaer.simulate(three, replications=3, seed=5, progress=False)
    settled = B.settle(res, [sv.rule(per_year=True)])
    assert settled.tables.sizes["year"] == sv.years
