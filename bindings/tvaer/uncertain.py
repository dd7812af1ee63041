"""Uncertain parameters: the distributions a scenario's ``[uncertain]`` table declares.

Each entry maps a dotted key path of the scenario (as in ``Scenario.with_``) to a distribution:

* ``{ low = a, high = b }`` or ``{ distribution = "uniform", low = a, high = b }``
* ``{ distribution = "triangular", low = a, mode = m, high = b }``
* ``{ distribution = "normal", mean = mu, sd = s }``, optionally truncated with ``low`` and/or
  ``high`` (both needed for truncation)
* ``{ distribution = "lognormal", median = m, sigma = s }`` (sigma: standard deviation of the
  logarithm; a factor exp(sigma) up or down is one standard deviation)

The one-at-a-time study (tornado) moves each parameter to its ``low`` and ``high``: the bounds of
a bounded distribution, and the 5 % and 95 % quantiles of an unbounded one. The global study
(Sobol) samples the distributions themselves through SALib's ``dists``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping

from .errors import ScenarioError

TAIL = 0.05  # tornado range of an unbounded distribution: its TAIL and 1 - TAIL quantiles

_KEYS = {
    "uniform": ({"low", "high"}, set()),
    "triangular": ({"low", "mode", "high"}, set()),
    "normal": ({"mean", "sd"}, {"low", "high"}),
    "lognormal": ({"median", "sigma"}, set()),
}


@dataclass(frozen=True)
class Uncertain:
    """One uncertain parameter: a distribution and its parameters (see the module docstring)."""

    distribution: str
    params: Mapping[str, float] = field(default_factory=dict)

    @staticmethod
    def uniform(low: float, high: float) -> "Uncertain":
        return Uncertain("uniform", {"low": float(low), "high": float(high)})

    def _frozen(self) -> Any:
        from scipy import stats

        p = self.params
        if self.distribution == "uniform":
            return stats.uniform(loc=p["low"], scale=p["high"] - p["low"])
        if self.distribution == "triangular":
            width = p["high"] - p["low"]
            return stats.triang(c=(p["mode"] - p["low"]) / width, loc=p["low"], scale=width)
        if self.distribution == "normal":
            if "low" in p:
                a, b = (p["low"] - p["mean"]) / p["sd"], (p["high"] - p["mean"]) / p["sd"]
                return stats.truncnorm(a, b, loc=p["mean"], scale=p["sd"])
            return stats.norm(loc=p["mean"], scale=p["sd"])
        return stats.lognorm(s=p["sigma"], scale=p["median"])

    def ppf(self, q: float) -> float:
        """The q-quantile."""
        return float(self._frozen().ppf(q))

    def tornado_range(self) -> tuple[float, float]:
        """(low, high) for the one-at-a-time study: the bounds, or the 5 % and 95 % quantiles."""
        p = self.params
        if "low" in p and "high" in p:
            return (p["low"], p["high"])
        return (self.ppf(TAIL), self.ppf(1.0 - TAIL))

    def salib(self) -> tuple[str, list[float]]:
        """SALib's name and bounds for this distribution (SALib.util's ``dists`` conventions)."""
        p = self.params
        if self.distribution == "uniform":
            return "unif", [p["low"], p["high"]]
        if self.distribution == "triangular":
            return "triang", [p["low"], p["high"], (p["mode"] - p["low"]) / (p["high"] - p["low"])]
        if self.distribution == "normal":
            if "low" in p:
                return "truncnorm", [p["low"], p["high"], p["mean"], p["sd"]]
            return "norm", [p["mean"], p["sd"]]
        return "lognorm", [math.log(p["median"]), p["sigma"]]


def read_uncertain(spec: Any, where: str, at: Any) -> Uncertain:
    """Checks one ``[uncertain]`` entry; errors name `where` (``uncertain.<path>``) and the entry's
    origin `at` (``Scenario.locate``: its line and column, or the override that wrote it)."""

    def fail(msg: str) -> None:
        raise ScenarioError.at(at, where, msg)

    if not isinstance(spec, Mapping):
        fail(f"must be a table such as {{ low = ..., high = ... }}, got {spec!r}")
    kind = spec.get("distribution", "uniform")
    if kind not in _KEYS:
        fail(f"distribution must be one of {', '.join(repr(k) for k in _KEYS)}, got {kind!r}")
    required, optional = _KEYS[kind]
    keys = set(spec) - {"distribution"}
    if not required <= keys or not keys <= required | optional:
        wanted = ", ".join(sorted(required)) + (f" (optional: {', '.join(sorted(optional))})" if optional else "")
        fail(f"a {kind} distribution needs {wanted}, got {', '.join(sorted(keys)) or 'nothing'}")
    values = {k: spec[k] for k in keys}
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in values.values()):
        fail(f"parameters must be finite numbers, got {values!r}")
    p = {k: float(v) for k, v in values.items()}
    if kind == "uniform" and not p["low"] < p["high"]:
        fail(f"low and high must be numbers with low < high, got low = {spec['low']!r}, high = {spec['high']!r}")
    if kind == "triangular" and not (p["low"] <= p["mode"] <= p["high"] and p["low"] < p["high"]):
        fail(f"needs low <= mode <= high and low < high, got {p['low']:g}, {p['mode']:g}, {p['high']:g}")
    if kind == "normal":
        if not p["sd"] > 0:
            fail(f"sd must be > 0, got {p['sd']:g}")
        if ("low" in p) != ("high" in p):
            fail("a truncated normal needs both low and high")
        if "low" in p and not p["low"] < p["high"]:
            fail(f"low and high must be numbers with low < high, got low = {p['low']:g}, high = {p['high']:g}")
    if kind == "lognormal" and not (p["median"] > 0 and p["sigma"] > 0):
        fail(f"median and sigma must be > 0, got median = {p['median']:g}, sigma = {p['sigma']:g}")
    return Uncertain(kind, p)


def uncertain_distributions(scenario: Any) -> dict[str, Uncertain]:
    """The scenario's ``[uncertain]`` table: dotted key path -> distribution (tvaer.uncertain).

    Raises ScenarioError naming ``uncertain.<path>`` and where the entry is (``Scenario.locate``)
    when an entry is malformed or the path does not lead to a number in the scenario.
    ``Scenario.validate`` calls it, so a bad entry is refused when the scenario is loaded, not
    only when a study uses it.
    """
    table = scenario.data.get("uncertain", {})
    out: dict[str, Uncertain] = {}
    for path, spec in table.items():
        where, at = f"uncertain.{path}", scenario.locate(f'uncertain."{path}"')
        dist = read_uncertain(spec, where, at)
        try:
            base = scenario.get(path)
        except ScenarioError:
            raise ScenarioError.at(at, where, f"the scenario has no value at {path!r}") from None
        if not isinstance(base, (int, float)) or isinstance(base, bool):
            raise ScenarioError.at(at, where, f"the value at {path!r} is not a number (got {base!r})")
        out[path] = dist
    return out
