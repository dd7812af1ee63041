"""A change of behaviour is caught, or recorded on purpose: each shipped scenario's results at a
fixed seed hash to the fingerprint kept in tests/data/fingerprints.json (tools/fingerprints.py)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

import tvaer

from conftest import load_tool

ROOT = Path(__file__).resolve().parents[2]


def _tool():
    return load_tool("fingerprints")


def test_every_shipped_scenario_matches_its_recorded_fingerprint():
    kept = json.loads((ROOT / "tests" / "data" / "fingerprints.json").read_text())
    now = _tool().fingerprints()
    assert set(now) == set(kept["fingerprints"]), "a shipped scenario was added or removed: run `make fingerprints`"
    changed = [name for name in now if now[name] != kept["fingerprints"][name]]
    assert not changed, (f"results of {', '.join(changed)} changed; if that is intended, run `make fingerprints` "
                         "and commit tests/data/fingerprints.json with the change")


def test_the_fingerprint_sees_a_single_changed_value(tiny):
    res = tvaer.simulate(tiny, replications=2, seed=1, threads=1, progress=False)
    same = tvaer.simulate(tiny, replications=2, seed=1, threads=2, progress=False)
    assert res.fingerprint() == same.fingerprint()
    other = tvaer.simulate(tiny.with_({"tracks.adult.states.out.costs[0].monthly": 10000.01}), replications=2, seed=1,
                           threads=1, progress=False)
    assert not np.array_equal(res.line_costs.values, other.line_costs.values)
    assert res.fingerprint() != other.fingerprint()
