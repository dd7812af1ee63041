"""Shared fixtures: small scenarios that run in well under a second."""

from __future__ import annotations

import copy
import importlib.util
import os
from pathlib import Path

import pytest

import tvaer

TINY = {
    "schema_version": 1,
    "name": "tiny",
    "horizon_months": 24,
    "sectors": ["employment", "children"],
    "families": 40,
    "selection": {"capacity": 10, "min_sectors": 2},
    "tracks": [
        {
            "name": "adult",
            "members": [0.0, 1.0],
            "initial": {"out": 1.0},
            "states": [
                {"name": "out", "transitions": [{"to": "job", "rate": 0.05}],
                 "costs": [{"sector": "employment", "kind": "transfer", "monthly": 10000}]},
                {"name": "job", "transitions": [{"to": "out", "rate": 0.02}]},
            ],
        },
        {
            "name": "child",
            "members": [0.0, 1.0],
            "initial": {"measure": 1.0},
            "states": [
                {"name": "measure", "transitions": [{"to": "none", "rate": 0.05}],
                 "costs": [{"sector": "children", "monthly": 8000}]},
                {"name": "none"},
            ],
        },
    ],
    "interventions": [
        {"name": "coach", "track": "adult", "request_on_entry": ["out"], "available": "solution",
         "duration": {"distribution": "fixed", "months": 6}, "capacity": 5,
         "costs": [{"sector": "employment", "monthly": 3000}],
         "effects": [{"from": "out", "to": "job", "multiplier": 2.0}]},
    ],
}


@pytest.fixture
def tiny_data() -> dict:
    return copy.deepcopy(TINY)


@pytest.fixture
def tiny(tiny_data) -> tvaer.Scenario:
    return tvaer.Scenario(tiny_data, "tiny.toml")


# Three sectors, an organisation effect and a solution-only coach: the budgets and coalition tests.
THREE = {
    "schema_version": 1,
    "name": "three",
    "horizon_months": 30,  # a last partial year
    "sectors": ["employment", "adults", "children"],
    "families": 30,
    "selection": {"min_sectors": 1},
    "organisation": {"staff_fte": 1.2, "salary_per_fte_year": 580000, "salary_key": {"employment": 1.0},
                     "effects": [{"track": "child", "from": "measure", "to": "none", "multiplier": 1.4}]},
    "tracks": [
        {"name": "adult", "members": [0.0, 1.0], "initial": {"out": 1.0},
         "states": [
             {"name": "out", "transitions": [{"to": "job", "rate": 0.05}],
              "costs": [{"sector": "employment", "kind": "transfer", "monthly": 10000},
                        {"sector": "adults", "monthly": 2500}]},
             {"name": "job", "transitions": [{"to": "out", "rate": 0.02}]}]},
        {"name": "child", "members": [0.0, 1.0], "initial": {"measure": 1.0},
         "states": [
             {"name": "measure", "transitions": [{"to": "none", "rate": 0.04}],
              "costs": [{"sector": "children", "monthly": 8000}]},
             {"name": "none"}]},
    ],
    "interventions": [
        {"name": "mentor", "track": "adult", "request_on_entry": ["out"],
         "duration": {"distribution": "exponential", "mean": 6},
         "costs": [{"sector": "employment", "monthly": 3000, "one_off": 1234.565}],
         "effects": [{"from": "out", "to": "job", "multiplier": 1.8}]},
        {"name": "coach", "track": "adult", "request_on_entry": ["out"], "available": "solution",
         "duration": {"distribution": "exponential", "mean": 4},
         "costs": [{"sector": "adults", "monthly": 2000}],
         "effects": [{"from": "out", "to": "job", "multiplier": 1.5}]},
    ],
}


@pytest.fixture
def three() -> tvaer.Scenario:
    return tvaer.Scenario(copy.deepcopy(THREE), "three.toml")


@pytest.fixture
def ctrl_c_at(monkeypatch):
    """ctrl_c_at(n): the next progress bar raises KeyboardInterrupt, as Ctrl-C would, once it has
    counted n replications."""
    def install(n: int) -> None:
        class Stop:
            def __init__(self) -> None:
                self.n = 0

            def update(self, k: int) -> None:
                self.n += k
                if self.n >= n:
                    raise KeyboardInterrupt

            def close(self) -> None:
                pass

        monkeypatch.setattr("tvaer.runs.progress_bar", lambda total, name: Stop())
    return install


def unavailable(reason: str, ci_installs: str) -> None:
    """Skips a test whose tool is missing, with the reason; under CI (`CI=true`, set by .ci/run)
    fails instead, since CI installs it (`ci_installs` says how), so a test never passes there by
    not running."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI must run this test ({ci_installs})")
    pytest.skip(reason)


def load_tool(name: str):
    """tools/<name>.py as a module: the tools are scripts, not a package, and their tests
    (test_readme, test_docs, test_fingerprints) regenerate what they write."""
    spec = importlib.util.spec_from_file_location(name, Path(__file__).resolve().parents[2] / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
