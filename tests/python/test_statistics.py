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
