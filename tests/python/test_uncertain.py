"""Uncertain parameters: distributions read from a scenario's [uncertain] table, their tornado
ranges against published normal quantiles, SALib's conventions, and errors that name the key."""

from __future__ import annotations

import numpy as np
import pytest

import tvaer

COST = "interventions.coach.costs.0.monthly"


def test_uncertain_distributions_and_their_tornado_ranges(tiny):
    sc = tiny.with_({"selection.motivated_share": 0.7, "organisation.staff_fte": 3.0, "uncertain": {
        COST: {"distribution": "triangular", "low": 1000, "mode": 1500, "high": 5000},
        "selection.motivated_share": {"distribution": "normal", "mean": 0.7, "sd": 0.1},
        "interventions.coach.effects.0.multiplier": {"distribution": "lognormal", "median": 1.5, "sigma": 0.2},
        "organisation.staff_fte": {"low": 2, "high": 4},
    }})
    d = tvaer.uncertain_distributions(sc)
    assert d[COST].distribution == "triangular"
    r = tvaer.uncertain_parameters(sc)
    assert r[COST] == (1000.0, 5000.0)                      # bounded: its bounds
    assert r["organisation.staff_fte"] == (2.0, 4.0)
    z95 = 1.6448536269514722                                 # standard normal 95 % quantile (tables)
    assert r["selection.motivated_share"] == pytest.approx((0.7 - z95 * 0.1, 0.7 + z95 * 0.1), rel=1e-12)
    mult = r["interventions.coach.effects.0.multiplier"]
    assert mult == pytest.approx((1.5 * np.exp(-z95 * 0.2), 1.5 * np.exp(z95 * 0.2)), rel=1e-12)
    # SALib's conventions: triangular peak as a fraction of the width, lognormal in ln-space
    assert d[COST].salib() == ("triang", [1000.0, 5000.0, 0.125])
    assert d["interventions.coach.effects.0.multiplier"].salib() == ("lognorm", [pytest.approx(np.log(1.5)), 0.2])
    truncated = tvaer.Uncertain("normal", {"mean": 0.7, "sd": 0.1, "low": 0.5, "high": 0.9})
    assert truncated.tornado_range() == (0.5, 0.9)
    assert truncated.salib() == ("truncnorm", [0.5, 0.9, 0.7, 0.1])


@pytest.mark.parametrize("spec, message", [
    ({"distribution": "gamma", "low": 1, "high": 2},
     r"distribution must be one of 'uniform', 'triangular', 'normal', 'lognormal', got 'gamma'"),
    ({"distribution": "triangular", "low": 1, "high": 2},
     r"a triangular distribution needs high, low, mode, got high, low"),
    ({"distribution": "triangular", "low": 1, "mode": 3, "high": 2},
     r"needs low <= mode <= high and low < high, got 1, 3, 2"),
    ({"distribution": "normal", "mean": 1, "sd": 0},
     r"sd must be > 0, got 0"),
    ({"distribution": "normal", "mean": 1, "sd": 1, "low": 0},
     r"a truncated normal needs both low and high"),
    ({"distribution": "lognormal", "median": -1, "sigma": 0.5},
     r"median and sigma must be > 0, got median = -1, sigma = 0.5"),
    ({"low": "a", "high": 2},
     r"parameters must be finite numbers"),
])
def test_uncertain_distribution_errors_name_the_key(tiny, spec, message):
    bad = tiny.with_({"uncertain": {COST: spec}})
    with pytest.raises(tvaer.ScenarioError, match=r"uncertain\.interventions\.coach\.costs\.0\.monthly: " + message):
        tvaer.uncertain_distributions(bad)
