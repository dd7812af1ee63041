"""Warnings for scenarios that are valid but probably not what the planner meant.

The engine rejects what cannot be simulated (tvaer.ScenarioError); what can be simulated but
would quietly admit nobody, or change nothing, gets a :class:`tvaer.ScenarioWarning` naming the
key path as the planner wrote it and where its value is (``FILE:LINE:COL``, or the ``with_``
override that wrote it, as in an error): a selection no family can satisfy, an intervention
effect on a transition that does not exist, an intervention requested only in states nobody
reaches, more places in the solution than there can be families, a state that can never be
reached or that nobody leaves although transitions are written, a warm-up in which families only
leave.

They are computed here from the scenario's data (the engine's reader already rejected what is
wrong) and located by the engine's document (``Scenario.locate``, which keeps toml++'s position of
every value); key paths of list items follow the engine's rule (``_core.item_path``).
`Scenario.validate()` and :func:`tvaer.simulate` emit them with :func:`warnings.warn`, and
``tvaer validate`` / ``tvaer run`` print them as ``tvaer: warning: FILE:LINE:COL: key.path: ...``.
"""

from __future__ import annotations

import math
import warnings
from typing import Any, Iterator

from ._core import item_path
from .errors import ScenarioWarning

__all__ = ["scenario_warnings", "warn"]


def scenario_warnings(scenario: Any) -> list[ScenarioWarning]:
    """The warnings for `scenario` (a valid tvaer.Scenario), in the order of its keys."""
    return [ScenarioWarning.at(scenario.locate(key), key, message) for key, message in _checks(scenario.data)]


def warn(scenario: Any, stacklevel: int = 3) -> None:
    """Emits each of the scenario's warnings with warnings.warn."""
    for w in scenario_warnings(scenario):
        warnings.warn(w, stacklevel=stacklevel)


def _checks(data: dict[str, Any]) -> Iterator[tuple[str, str]]:
    tracks = data.get("tracks", [])
    reachable = {t["name"]: _reachable(t) for t in tracks}
    from_table = "table" in data.get("population", {})
    yield from _warmup(data.get("population", {}), data.get("families", 0))
    yield from _selection(data, tracks)
    yield from _interventions(data, tracks, reachable, from_table)
    for i, t in enumerate(tracks):
        for j, s in enumerate(t.get("states", [])):
            key = item_path(item_path("tracks", t["name"], i) + ".states", s["name"], j)
            # a population table may start members anywhere
            if not from_table and s["name"] not in reachable[t["name"]]:
                yield (key, "can never be reached: no member starts in it (tracks.initial) and no transition "
                            "or when_full leads to it from a state that is reached")
            moves = s.get("transitions", [])
            if moves and "duration" not in s and not any(tr.get("rate", 0) > 0 for tr in moves):
                yield (f"{key}.transitions", "members never leave the state: every transition has rate 0 (a state "
                                             "meant to keep its members needs no transitions)")


def _warmup(population: dict[str, Any], families: int) -> Iterator[tuple[str, str]]:
    """A warm-up in which families only leave: month 0 starts with a fraction e^(-rW) of them."""
    w, r = population.get("warmup_months", 0), population.get("leave_rate", 0.0)
    arriving = population.get("arrivals_per_month", 0) > 0 or population.get("arrival_months")
    if w > 0 and r > 0 and not arriving and "table" not in population:
        left = families * math.exp(-r * w)
        yield ("population.warmup_months", f"families leave in the warm-up and none arrive: about {left:.0f} of "
                                           f"{families} families are left at month 0 (e^(-{r:g} x {w:g}) = "
                                           f"{math.exp(-r * w):.2f}); an open population needs arrivals_per_month")


def _reachable(track: dict[str, Any]) -> set[str]:
    """States of `track` some member can be in: those with an initial share > 0 and every state
    a transition or when_full leads to from one of them."""
    states = {s["name"]: s for s in track.get("states", [])}
    todo = [name for name, share in track.get("initial", {}).items() if share > 0]
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen or name not in states:
            continue
        seen.add(name)
        st = states[name]
        todo += [tr["to"] for tr in st.get("transitions", []) if tr.get("rate", 0) > 0 or tr.get("probability", 0) > 0]
        if "when_full" in st:
            todo.append(st["when_full"])
    return seen


def _selection(data: dict[str, Any], tracks: list[dict[str, Any]]) -> Iterator[tuple[str, str]]:
    sel = data.get("selection", {})
    sectors = data.get("sectors", [])
    costed = {c["sector"] for t in tracks for s in t.get("states", []) for c in s.get("costs", [])}
    min_sectors = sel.get("min_sectors", 2)
    if min_sectors > len(sectors):
        yield ("selection.min_sectors", f"no family can be admitted: a case in {min_sectors} sectors is required "
                                        f"but the scenario has {len(sectors)} ({', '.join(sectors)})")
    elif min_sectors > len(costed):
        yield ("selection.min_sectors", f"no family can be admitted: a case in {min_sectors} sectors is required "
                                        f"but states have costs in only {len(costed)} ({', '.join(sorted(costed))})")
    if sel.get("motivated_share", 1.0) == 0:
        yield ("selection.motivated_share", "no family can be admitted: no eligible family agrees to take part")
    for i, sector in enumerate(sel.get("require_sectors", [])):
        if sector not in costed:
            yield (f"selection.require_sectors[{i}]",
                   f"no family can be admitted: no state of any track has a cost in sector {sector!r}, so no "
                   "family has a case there")
    given = {b for t in tracks for b, share in t.get("benefits", {}).items() if share > 0}
    for key in ("include_benefits", "exclude_benefits"):
        for i, benefit in enumerate(sel.get(key, [])):
            if benefit not in given:
                effect = "admits nobody" if key == "include_benefits" else "excludes nobody"
                yield (f"selection.{key}[{i}]", f"{effect}: no track gives benefit {benefit!r} a share > 0")
    top = _highest_score(sel, tracks, len(costed))
    if sel.get("score_min", 0.0) > top:
        yield ("selection.score_min", f"no family can be admitted: {sel['score_min']} is above the highest score "
                                      f"a family can reach ({top:g})")
    capacity = sel.get("capacity", 0)
    population = data.get("population", {})
    if capacity > 0 and "table" not in population:
        most = data.get("families", 0) + len(population.get("arrival_months", []))
        if population.get("arrivals_per_month", 0) == 0 and capacity > most:
            yield ("selection.capacity", f"{capacity} places but at most {most} families: the places are never "
                                         "all used (a typo, or a capacity meant for members?)")


def _highest_score(sel: dict[str, Any], tracks: list[dict[str, Any]], sectors: int) -> float:
    """An upper bound of the complexity score: every costed sector, and on each member of each
    track at its largest count the state with the most costs (simulation_selection.cpp)."""
    services = sum((len(t.get("members", [0.0, 1.0])) - 1) * max((len(s.get("costs", [])) for s in t.get("states", [])),
                                                               default=0) for t in tracks)
    return max(0.0, sel.get("score_per_sector", 1.0)) * sectors + max(0.0, sel.get("score_per_service", 1.0)) * services


def _interventions(data: dict[str, Any], tracks: list[dict[str, Any]], reachable: dict[str, set[str]],
                   from_table: bool) -> Iterator[tuple[str, str]]:
    moves = {t["name"]: {(s["name"], tr["to"]) for s in t.get("states", []) for tr in s.get("transitions", [])}
             for t in tracks}
    for k, iv in enumerate(data.get("interventions", [])):
        key, own = item_path("interventions", iv["name"], k), iv.get("track")
        asked = iv.get("request_on_entry", [])
        if not from_table and own in reachable and asked and not set(asked) & reachable[own]:
            yield (f"{key}.request_on_entry",
                   f"nothing ever requests it: no member of track {own!r} can reach {', '.join(map(repr, asked))}")
        for i, e in enumerate(iv.get("effects", [])):
            track = e.get("track", own)
            if (e["from"], e["to"]) not in moves.get(track, set()):
                yield (f"{key}.effects[{i}]",
                       f"changes nothing: track {track!r} has no transition from {e['from']!r} to {e['to']!r}")
