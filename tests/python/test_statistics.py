"""Statistical honesty: intervals cover the truth at their stated rate; CRN reduces variance."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import tvaer

RATE_BAU, RATE_SOL, COST, FAMILIES = 0.05, 0.08, 1000.0, 50


def _exit_scenario() -> tvaer.Scenario:
    # Each family's one member leaves a costly state at rate 0.05/month as usual and 0.08/month
    # inside the solution (every family is admitted).
    return tvaer.Scenario({
        "schema_version": 1, "horizon_months": 24, "sectors": ["s"], "families": FAMILIES,
        "selection": {"min_sectors": 0},
        "organisation": {"effects": [{"track": "p", "from": "in", "to": "out", "multiplier": RATE_SOL / RATE_BAU}]},
        "tracks": [{"name": "p", "initial": {"in": 1.0}, "states": [
            {"name": "in", "transitions": [{"to": "out", "rate": RATE_BAU}], "costs": [{"sector": "s", "monthly": COST}]},
            {"name": "out"}]}],
    })


def _year_cost(rate: float, year: int) -> float:
    """Expected cost of one family in year `year`: COST * (e^{-r 12(y-1)} - e^{-r 12 y}) / r."""
    return COST * (math.exp(-rate * 12 * (year - 1)) - math.exp(-rate * 12 * year)) / rate


def test_paired_interval_covers_the_analytic_difference_at_its_rate():
    sc = _exit_scenario()
    truth = {y: FAMILIES * (_year_cost(RATE_SOL, y) - _year_cost(RATE_BAU, y)) for y in (1, 2)}
    covered = {1: 0, 2: 0}
    seeds = 200
    for seed in range(seeds):
        s = tvaer.simulate(sc, replications=10, seed=seed, threads=1, progress=False).summary().loc["s"]
        for y in (1, 2):
            covered[y] += int(s.loc[y, "ci_low"] <= truth[y] <= s.loc[y, "ci_high"])
    # 95 % intervals: the count of covering intervals is Binomial(200, 0.95), sd 3.08.
    for y in (1, 2):
        assert abs(covered[y] - 0.95 * seeds) <= 3.29 * math.sqrt(seeds * 0.95 * 0.05), (y, covered[y])


def test_common_random_numbers_reduce_the_variance_of_the_difference():
    table = tvaer.studies.crn_variance_reduction(_exit_scenario(), replications=60, seed=3)
    # Both arms share every member's unit exponential draw, so the paired difference varies far
    # less than a difference of independent runs.
    assert (table.loc["s", "ratio"] > 2).all()
    assert np.isfinite(table["var_independent"]).all()


def test_t_quantile_equals_scipy_stats_t_ppf_bit_for_bit():
    # The interval's quantile comes from scipy.special without scipy.stats; it must be the very
    # number scipy.stats.t.ppf gives (a second, independent entry point), so no interval moves.
    from scipy import stats

    from tvaer.results import t_quantile

    for level in (0.5, 0.8, 0.9, 0.95, 0.99, 0.999):
        p = 0.5 + level / 2
        for df in (1, 2, 3, 4, 5, 9, 19, 29, 99, 199, 999, 9999):
            assert t_quantile(p, df) == float(stats.t.ppf(p, df=df)), (level, df)
    # A hand-checked value: t_{0.975, 9} = 2.2622 (printed tables).
    assert abs(t_quantile(0.975, 9) - 2.2622) < 5e-5


def test_t_quantile_table_equals_scipy_stats_t_ppf_bit_for_bit():
    # Every entry of the table the first summary reads instead of importing scipy
    # (tvaer/_t_quantiles.py) is the number scipy.stats.t.ppf gives, bit for bit.
    from scipy import stats

    from tvaer._t_quantiles import LEVELS, MAX_DF
    from tvaer.results import t_quantile

    assert 0.95 in LEVELS and MAX_DF >= 999  # summary()'s default level, up to 1,000 replications
    df = np.arange(1, MAX_DF + 1)
    for level in LEVELS:
        p = 0.5 + level / 2
        expected = stats.t.ppf(p, df=df)
        got = np.array([t_quantile(p, int(d)) for d in df])
        assert got.tobytes() == expected.tobytes(), level
    # Outside the table (another level, more degrees of freedom): scipy, the same function.
    assert t_quantile(0.5 + 0.8 / 2, MAX_DF + 1) == float(stats.t.ppf(0.9, df=MAX_DF + 1))
    assert t_quantile(0.5 + 0.5 / 2, 7) == float(stats.t.ppf(0.75, df=7))


def test_paired_interval_imports_no_scipy_for_the_usual_levels():
    # Importing scipy.stats took about 1 s of the first summary() in a process, scipy.special
    # 0.2 to 1 s: the usual levels come from a table, other levels still from scipy.special.
    import subprocess
    import sys

    code = ("import sys, numpy as np\n"
            "from tvaer.results import paired_interval\n"
            "d = np.array([[1.0, 2.0], [3.0, 5.0], [2.0, 2.0]])\n"
            "m, lo, hi = paired_interval(d)\n"
            "assert abs(hi[0] - 2.0 - 4.3027 / 3 ** 0.5) < 1e-4, hi\n"  # t_{0.975, 2} = 4.3027 (printed tables), sd 1
            "print('scipy' in sys.modules)\n"
            "paired_interval(d, level=0.5)\n"
            "print('scipy.special' in sys.modules, 'scipy.stats' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True", "False"], out.stderr


def _summary_by_xarray(res: tvaer.Results, level: float) -> tuple[pd.DataFrame, dict[str, float]]:
    """The summary table and break-even computed the labelled way (xarray and pandas, from the
    monthly costs, scipy.stats for the quantile): how Results.summary computed it before it moved
    to plain NumPy, kept here as the second implementation."""
    from scipy import stats

    c = res.costs  # (replication, month, sector, arm, kind)
    y = c.groupby(xr.DataArray(c["month"].values // 12 + 1, dims="month", name="year")).sum("month")
    y = y.sum("kind", skipna=False)
    y = xr.concat([y, y.sum("sector", skipna=False).expand_dims(sector=["total"])], dim="sector")
    bau, sol = y.sel(arm="bau", drop=True), y.sel(arm="solution", drop=True)
    diff = (sol - bau).transpose("replication", "year", "sector")
    n = diff.sizes["replication"]
    mean = diff.mean("replication")
    half = float(stats.t.ppf(0.5 + level / 2, df=n - 1)) * (diff.std("replication", ddof=1) / math.sqrt(n))
    table = xr.Dataset({"bau": bau.mean("replication"), "solution": sol.mean("replication"),
                        "difference": mean, "ci_low": mean - half, "ci_high": mean + half,
                        "p_net_loss": (diff > 0).mean("replication")})
    df = table.to_dataframe().reorder_levels(["sector", "year"]).sort_index()
    total = diff.sel(sector=[s for s in y["sector"].values if s != "total"])
    years = []
    for row in total.sum("sector").transpose("replication", "year").values:
        cum = np.cumsum(row)  # the first year from which the cumulative difference stays <= 0
        stays = [i for i in range(len(cum)) if (cum[i:] <= 0).all()]
        years.append(float(stays[0] + 1) if stays else np.nan)
    share = float(np.mean(~np.isnan(years)))
    return df, {"median_year": float(np.nanmedian(years)) if share > 0 else np.nan, "share_within_horizon": share}


def test_summary_equals_a_labelled_computation_bit_for_bit():
    # Results.summary works on NumPy arrays (no xarray object, so the first summary in a process
    # imports no dask.array); every number must be the one the labelled computation gives.
    sc = tvaer.default_scenario().with_({"families": 40, "horizon_months": 30})  # a partial last year
    for reps, level in ((12, 0.95), (5, 0.9)):
        res = tvaer.simulate(sc, replications=reps, seed=11, threads=1, progress=False)
        got = res.summary(level=level)
        expected, break_even = _summary_by_xarray(res, level)
        assert list(got.index) == list(expected.index)
        assert "total" in got.index.get_level_values("sector")
        for column in expected.columns:
            assert got[column].to_numpy().tobytes() == expected[column].to_numpy().tobytes(), (reps, column)
        assert got.attrs["break_even"] == pytest.approx(break_even, nan_ok=True)
        assert got.attrs["level"] == level and got.attrs["replications"] == reps
        # The labelled yearly costs are the same numbers (years summed from months).
        c = res.costs
        y = c.groupby(xr.DataArray(c["month"].values // 12 + 1, dims="month", name="year")).sum("month")
        assert res.yearly_costs.transpose(*y.dims).values.tobytes() == y.values.tobytes()


def test_budget_costs_add_each_budgets_lines_one_after_another_in_line_order():
    # Hand-computed: 1e17 + 1 rounds back to 1e17 (the spacing of doubles there is 16), so the
    # order of the additions shows in the result.
    from tvaer.results import budget_costs

    class Line:
        def __init__(self, payer: int, kind: str):
            self.payer, self.kind = payer, type("Kind", (), {"name": kind})

    lines = [Line(0, "service"), Line(1, "service"), Line(0, "service"), Line(1, "service"),
             Line(0, "service"), Line(1, "transfer"), Line(1, "service")]
    values = [1e17, 1e17, 1.0, -1e17, -1e17, 5.0, 1.0]  # budget 0: 1e17, 1, -1e17; budget 1: 1e17, -1e17, 1
    costs = np.array(values).reshape(1, 1, 7, 1) * np.array([1.0, 2.0]).reshape(1, 2, 1, 1)  # two arms
    got = budget_costs(costs, lines, 2)  # (replication, month, budget, arm, kind)
    assert got[0, 0, :, 0, :].tolist() == [[0.0, 0.0], [1.0, 5.0]]
    assert got[0, 0, :, 1, :].tolist() == [[0.0, 0.0], [2.0, 10.0]]


def test_budget_costs_equal_a_plain_python_sum_bit_for_bit_across_blocks_of_replications():
    # A second implementation in Python floats, cell by cell, over 300 replications.
    from tvaer.results import KINDS, budget_costs

    res = tvaer.simulate(tvaer.default_scenario().with_({"families": 20, "horizon_months": 3}), replications=300,
                         seed=5, threads=2, progress=False)
    costs, lines, budgets = np.asarray(res.raw.costs), res.ledger_lines, len(res.budgets)
    got = budget_costs(costs, lines, budgets)
    expected = np.zeros(got.shape)
    cells = costs.transpose(0, 1, 3, 2).tolist()  # (replication, arm, month, line)
    where = [(int(line.payer), KINDS.index(line.kind.name)) for line in lines]
    for r, by_arm in enumerate(cells):
        for a, by_month in enumerate(by_arm):
            for m, by_line in enumerate(by_month):
                totals = [[0.0] * len(KINDS) for _ in range(budgets)]
                for (s, k), x in zip(where, by_line):
                    totals[s][k] += x
                expected[r, m, :, a, :] = totals
    assert got.tobytes() == expected.tobytes()
    assert float(np.abs(expected).sum()) > 0


def test_a_replications_costs_by_budget_do_not_depend_on_how_many_replications_are_summed_with_it():
    # The einsum this replaced went through OpenBLAS, whose kernels add in an order that depends
    # on the matrix's shape: replication 0 of a 3-replication Helsingoer run differed in the last
    # bit from replication 0 of a 10-replication run (3 of 1,728 monthly cells).
    from tvaer.results import budget_costs

    class Line:
        def __init__(self, payer: int, kind: str):
            self.payer, self.kind = payer, type("Kind", (), {"name": kind})

    rng = np.random.default_rng(3)
    lines = [Line(i % 5, ("service", "transfer")[i % 3 == 0]) for i in range(96)]
    costs = np.round(rng.lognormal(8, 2, size=(10, 2, 96, 48)) * (rng.random((10, 2, 96, 48)) < 0.3), 2)
    full = budget_costs(costs, lines, 5)
    for n in (1, 2, 3, 5, 7):
        assert budget_costs(costs[:n], lines, 5).tobytes() == full[:n].tobytes(), n
