"""tvaer.expected (analytic mode) against simulation means, and its errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
import xarray as xr
from scipy import stats

import tvaer

REPLICATIONS = 400


@pytest.fixture
def exponential(tiny_data) -> tvaer.Scenario:
    """The tiny scenario made analytic: unlimited capacity, exponential durations, every family
    admitted at t = 0 (so the simulated solution arm is the analytic "solution" treatment)."""
    coach = tiny_data["interventions"][0]
    coach["capacity"] = 0
    coach["duration"] = {"distribution": "exponential", "mean": 6}
    tiny_data["selection"] = {"min_sectors": 0}
    tiny_data["organisation"] = {"staff_fte": 0.5, "salary_per_fte_year": 600000,
                                 "salary_key": {"employment": 1.0},
                                 "effects": [{"track": "child", "from": "measure", "to": "none", "multiplier": 1.5}]}
    return tvaer.Scenario(tiny_data, "exponential.toml")


def _agrees(sim: np.ndarray, exact: np.ndarray) -> np.ndarray:
    """Whether each exact value lies in the 99.9 % t interval of the mean of `sim` (axis 0);
    cells without spread must match to 1e-6 relative."""
    n = sim.shape[0]
    mean = sim.mean(axis=0)
    half = stats.t.ppf(0.9995, n - 1) * sim.std(axis=0, ddof=1) / math.sqrt(n)
    tol = np.maximum(half, 1e-6 * np.maximum(1.0, np.abs(exact)))
    return np.abs(mean - exact) <= tol


@pytest.mark.parametrize("treatment, arm", [("usual", "bau"), ("solution", "solution")])
def test_expected_costs_and_occupancy_agree_with_simulation(exponential, treatment, arm):
    res = tvaer.simulate(exponential, replications=REPLICATIONS, seed=11, progress=False)
    ev = tvaer.expected(exponential, treatment, by="year")
    sim = res.yearly_costs.sel(arm=arm).transpose("replication", "year", "sector", "kind")
    exact = ev["cost"].sel(sector=sim["sector"].values).transpose("year", "sector", "kind")
    assert sim.shape[1:] == exact.shape
    ok = _agrees(sim.values, exact.values)
    assert ok.all(), f"disagree at {np.argwhere(~ok)}"
    assert exact.sum() > 1e6  # the comparison is about real money

    occ = res.flows["occupancy"].sel(arm=arm)  # (replication, row, month)
    year = xr.DataArray(occ["month"].values // 12 + 1, dims="month", name="year")
    sim_occ = occ.groupby(year).sum("month")
    sim_occ = sim_occ.transpose("replication", "year", "row")
    exact_occ = ev["occupancy"].sel(row=sim_occ["row"].values).transpose("year", "row")
    assert _agrees(sim_occ.values, exact_occ.values).all()


def test_staff_is_booked_in_full_on_the_solution_budget(exponential):
    ev = tvaer.expected(exponential, "solution", by="year")
    # 0.5 FTE x 600,000 DKK a year, paid by the solution's budget, a service cost
    assert ev["cost"].sel(sector="solution", kind="service").values == pytest.approx([300000.0, 300000.0])
    assert tvaer.expected(exponential, "usual")["cost"].sel(sector="solution").sum() == 0.0


def test_monthly_and_yearly_views_sum_alike(exponential):
    monthly = tvaer.expected(exponential, "usual")
    yearly = tvaer.expected(exponential, "usual", by="year")
    assert monthly.sizes["month"] == 24
    assert float(yearly["cost"].sum()) == pytest.approx(float(monthly["cost"].sum()), rel=1e-12)


def test_unsupported_model_raises_the_engines_message(exponential):
    weibull = exponential.with_({
        "tracks.adult.states.out.duration": {"distribution": "weibull", "shape": 1.5, "scale": 10},
        "tracks.adult.states.out.transitions": [{"to": "job", "probability": 1.0}],
    })
    with pytest.raises(tvaer.TvaerError, match=r"^analytic mode: tracks\[0\]\.states\[0\] has a non-exponential duration$"):
        tvaer.expected(weibull, "usual")


def test_capacity_is_unsupported(tiny):
    with pytest.raises(tvaer.TvaerError, match=r"interventions\[0\] \('coach'\) has capacity 5; only unlimited "
                                               r"capacity \(0\) is supported"):
        tvaer.expected(tiny, "solution")


def test_bad_treatment_is_named(exponential):
    with pytest.raises(ValueError, match="treatment: must be one of usual, solution; got 'bau'"):
        tvaer.expected(exponential, "bau")
