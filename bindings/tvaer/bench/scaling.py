"""A shipped scenario at another size, for the benchmark's ``--scale``.

``--scale families`` (the default) changes ``families`` only: the scenario's arrivals, places and
staff stay as written, so a scenario written for 450 families and run with 10,000 shrinks towards
its own steady state (the default: ``arrivals_per_month / leave_rate`` = 450) and its queues grow
without bound. ``--scale municipality`` runs the same municipality N / families times larger:
every count that grows with the population is multiplied by the same factor, so the families per
place, per member of staff and per arrival stay what the file says:

- ``families`` (set to N) and ``population.arrivals_per_month``;
- the places of interventions and states (``interventions.<name>.capacity``,
  ``tracks.<track>.states.<state>.capacity``), rounded to the nearest whole place (halves up), at least 1 (0 stays
  unlimited);
- the solution's places and cases (``selection.capacity``, ``capacity_by_year``,
  ``case_capacity.<sector>``), likewise;
- the staff (``organisation.staff_fte``, ``staff_fte_by_year``).

Money amounts (fixed budgets, prices) and rates are left as written: they do not change which
events happen.
"""

from __future__ import annotations

import math
from typing import Any

from ..errors import ScenarioError

SCALES = ("families", "municipality")


def _places(value: int, factor: float) -> int:
    """`value` places times `factor`, to the nearest whole place (halves up), at least 1."""
    return 0 if value == 0 else max(1, math.floor(value * factor + 0.5))


def municipality_overrides(scenario, families: int) -> dict[str, Any]:
    """The key paths and values that make `scenario` a municipality of `families` families."""
    data = scenario._read()
    population = data.get("population", {})
    base = data.get("families", 0)
    if "table" in population or base <= 0:
        got = "population.table" if "table" in population else f"families = {base}"
        raise ScenarioError.at(scenario.locate("families"), "families", "--scale municipality needs a generated "
                               f"population of at least one family to scale from, got {got}")
    factor = families / base
    out: dict[str, Any] = {"families": families}
    if "arrivals_per_month" in population:
        out["population.arrivals_per_month"] = population["arrivals_per_month"] * factor
    for iv in data.get("interventions", []):
        if iv.get("capacity", 0):
            out[f"interventions.{iv['name']}.capacity"] = _places(iv["capacity"], factor)
    for track in data.get("tracks", []):
        for state in track.get("states", []):
            if state.get("capacity", 0):
                out[f"tracks.{track['name']}.states.{state['name']}.capacity"] = _places(state["capacity"], factor)
    selection = data.get("selection", {})
    if selection.get("capacity", 0):
        out["selection.capacity"] = _places(selection["capacity"], factor)
    if selection.get("capacity_by_year"):
        out["selection.capacity_by_year"] = [_places(c, factor) for c in selection["capacity_by_year"]]
    for sector, cases in selection.get("case_capacity", {}).items():
        out[f"selection.case_capacity.{sector}"] = _places(cases, factor)
    organisation = data.get("organisation", {})
    if "staff_fte" in organisation:
        out["organisation.staff_fte"] = organisation["staff_fte"] * factor
    if organisation.get("staff_fte_by_year"):
        out["organisation.staff_fte_by_year"] = [s * factor for s in organisation["staff_fte_by_year"]]
    return out


def scaled(scenario, families: int, scale: str):
    """`scenario` with `families` families, scaled as `scale` says (module docstring)."""
    if scale == "families":
        return scenario.with_(families=families)
    if scale != "municipality":
        raise ValueError(f"scale: must be one of {', '.join(SCALES)}, got {scale!r}")
    return scenario.with_(municipality_overrides(scenario, families))
