"""Property-based fuzzing of scenario documents through the Python API (hypothesis): whatever value
lands at whatever key path, the answer is a valid scenario or a ScenarioError that names a key
path; never another exception, never a crash."""

from __future__ import annotations

import copy
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tvaer

from conftest import THREE


def _leaf_paths(node, prefix=""):
    """Every key path of the data as `Scenario.with_` spells it (named items by name)."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _leaf_paths(v, f"{prefix}.{k}" if prefix else k)
        if prefix:
            yield prefix
    elif isinstance(node, list):
        for i, v in enumerate(node):
            name = v.get("name") if isinstance(v, dict) else None
            yield from _leaf_paths(v, f"{prefix}.{name}" if isinstance(name, str) else f"{prefix}[{i}]")
        yield prefix
    else:
        yield prefix


PATHS = sorted(set(_leaf_paths(THREE)))

scalars = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.booleans(),
    st.sampled_from(["out", "job", "adult", "child", "employment", "solution", "exponential", "fixed", ""]),
)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                      max_leaves=8)


@pytest.mark.filterwarnings("ignore::tvaer.ScenarioWarning")  # valid but odd: tested in test_scenario_warnings.py
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=st.sampled_from(PATHS), value=values, extra=st.sampled_from(["", ".extra", "[0]", ".name"]))
def test_any_value_at_any_key_path_is_valid_or_a_scenario_error(path, value, extra):
    base = tvaer.Scenario(copy.deepcopy(THREE), "three.toml")
    try:
        sc = base.with_({path + extra: value})
        sc.validate()
    except tvaer.ScenarioError as e:
        assert str(e).startswith("three.toml"), str(e)
        assert e.key_path or "not valid TOML" in str(e) or "cannot be written as TOML" in str(e), str(e)
        return
    # Valid: then it must also run (unless it asks for a large open population, which is slow).
    if float(sc.get("population.arrivals_per_month", 0)) > 50 or len(sc.get("population.arrival_months", [])) > 50:
        return
    res = tvaer.simulate(sc.with_(families=3), replications=1, seed=1, threads=1, progress=False)
    assert all(math.isfinite(float(x)) for x in res.costs.sum(["month", "sector", "kind"]).values.ravel())
