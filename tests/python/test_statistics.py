"""Statistical honesty: intervals cover the truth at their stated rate; CRN reduces variance."""

from __future__ import annotations

import math

import numpy as np

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


def test_paired_interval_does_not_import_scipy_stats():
    # Importing scipy.stats took about 1 s of the first summary() in a process.
    import subprocess
    import sys

    code = ("import sys, numpy as np\n"
            "from tvaer.results import paired_interval\n"
            "m, lo, hi = paired_interval(np.array([[1.0, 2.0], [3.0, 5.0], [2.0, 2.0]]))\n"
            "assert lo[0] < 2.0 < hi[0]\n"
            "print('scipy.stats' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False", out.stderr
