"""Where visitation authority and payment obligation sit, in the report's classification.

Tabel 4.1 of the 2018 study (shared/domain.md sec. 3.5, report L2869-2897) crosses where the
authority to grant sits (in the solution, shared, in the sectors) with where the obligation to
pay sits. Both in the same place is *samlet* (combined); one in the solution and the other in
the sectors is *adskilt* (separated); anything shared is *delvist samlet* (partly combined).
"""

from __future__ import annotations

import pandas as pd

from .scenario import Scenario, to_engine

__all__ = ["classify", "governance_table"]

_PLACES = ("solution", "shared", "sector")


def classify(grants: str, pays: str) -> str:
    """The Tabel 4.1 cell of a (visitation authority, payment obligation) pair."""
    for name, value in (("grants", grants), ("pays", pays)):
        if value not in _PLACES:
            raise ValueError(f"{name}: must be one of {', '.join(_PLACES)}, got {value!r}")
    if "shared" in (grants, pays):
        return "delvist samlet"
    return "samlet" if grants == pays else "adskilt"


def governance_table(scenario: Scenario) -> pd.DataFrame:
    """Per intervention: who grants and who pays inside the solution, the classification, whether
    the item is inside the unit's budget, and whether it is above the amount ceiling."""
    sc = to_engine(scenario)
    ceiling = sc.organisation.ceiling
    rows = []
    for iv in sc.interventions:
        monthly = sum(c.monthly for c in iv.costs)
        one_off = sum(c.one_off for c in iv.costs)
        expected_cost = one_off + monthly * iv.duration.mean()
        rows.append({
            "intervention": iv.name,
            "grants": iv.grants.name,
            "pays": iv.pays.name,
            "delivered_by": iv.delivered_by,
            "classification": classify(iv.grants.name, iv.pays.name),
            "inside_unit_budget": bool(iv.inside_unit_budget),
            "expected_cost": expected_cost,
            "above_ceiling": bool(ceiling > 0 and iv.grants.name != "sector" and expected_cost > ceiling),
        })
    return pd.DataFrame(rows).set_index("intervention")
