"""Soak: many random scenarios simulated one after another in one process: the three-sector
scenario of conftest.py with up to three numbers scaled by factors in [0.25, 4] (mostly valid), and
one value from test_fuzz_scenarios.py's strategy at one key path (mostly invalid); no crash, no
exception but ScenarioError, and no memory growth. Minutes long, so not in the default run:
`pytest -m soak` (docs/reliability.md).

Hypothesis keeps a record of every example it tried (about 8 MiB of Python objects over 350
examples, measured with tracemalloc: docs/reliability.md), so resident memory over the drawing
phase grows whatever tvaer does. The leak check is therefore a second phase without hypothesis:
the same scenarios simulated again, three times over; a leak grows with every pass, a cache does
not."""

from __future__ import annotations

import copy
import math
import os
import warnings

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tvaer

from conftest import THREE
from test_fuzz_scenarios import PATHS, values

NUMBERS = [p for p in PATHS if isinstance(tvaer.Scenario(THREE).get(p), (int, float)) and
           not isinstance(tvaer.Scenario(THREE).get(p), bool) and p != "schema_version"]


def scaled(path: str, factor: float):
    v = tvaer.Scenario(THREE).get(path)
    return max(1, round(v * factor)) if isinstance(v, int) else v * factor

EXAMPLES = int(os.environ.get("TVAER_SOAK_EXAMPLES", "1500"))
AGAIN = 150  # scenarios run again, without hypothesis, for the leak check


def resident_mib() -> float:
    """This process's resident memory now (Linux /proc), MiB."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


@pytest.mark.soak
def test_many_random_valid_scenarios_run_without_crash_or_memory_growth():
    samples: list[float] = []
    ran = 0
    cases: list[tuple[tvaer.Scenario, int]] = []

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    @given(scale=st.dictionaries(st.sampled_from(NUMBERS), st.floats(0.25, 4.0), max_size=3),
           path=st.sampled_from(PATHS), value=values, fuzz=st.booleans(), seed=st.integers(0, 2**64 - 1))
    def one(scale, path, value, fuzz, seed):
        nonlocal ran
        changes = {p: scaled(p, f) for p, f in scale.items()} | ({path: value} if fuzz else {})
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", tvaer.ScenarioWarning)
                sc = tvaer.Scenario(copy.deepcopy(THREE), "three.toml").with_(changes).validate()
        except tvaer.ScenarioError:
            return
        if float(sc.get("population.arrivals_per_month", 0)) > 50 or int(sc.get("families", 0)) > 2000 or \
                float(sc.get("horizon_months", 0)) > 240 or len(sc.get("population.arrival_months", [])) > 50:
            return  # large on purpose: the soak is about many runs, not big ones
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", tvaer.ScenarioWarning)
            res = tvaer.simulate(sc, replications=3, seed=seed, threads=2, progress=False)
        assert all(math.isfinite(float(x)) for x in res.costs.sum(["month", "sector", "kind"]).values.ravel())
        ran += 1
        samples.append(resident_mib())
        if len(cases) < AGAIN:
            cases.append((sc, seed))

    one()
    assert ran > EXAMPLES // 10, f"only {ran} of {EXAMPLES} examples were valid and ran"
    settled = samples[len(samples) // 4]  # after imports and first allocations
    print(f"soak: {ran} scenarios simulated; resident memory {settled:.0f} MiB after a quarter, "
          f"{samples[-1]:.0f} MiB at the end, peak {max(samples):.0f} MiB")
    assert samples[-1] - settled < 64, f"memory grew from {settled:.0f} to {samples[-1]:.0f} MiB"
    passes = []
    for _ in range(3):
        for sc, seed in cases:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", tvaer.ScenarioWarning)
                tvaer.simulate(sc, replications=3, seed=seed, threads=2, progress=False)
        passes.append(resident_mib())
    print(f"soak: the first {len(cases)} scenarios again, three times: resident memory after each pass "
          f"{', '.join(f'{m:.1f}' for m in passes)} MiB")
    assert passes[-1] - passes[0] < 2, f"memory grew by {passes[-1] - passes[0]:.1f} MiB running the same scenarios again"
