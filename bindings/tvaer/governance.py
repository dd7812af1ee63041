"""Where visitation authority and payment obligation sit, in the report's classification.

Tabel 4.1 of the 2018 study (shared/domain.md sec. 3.5, report L2869-2897) crosses where the
authority to grant sits (in the solution, shared, in the sectors) with where the obligation to
pay sits. Both in the same place is *samlet* (combined); one in the solution and the other in
the sectors is *adskilt* (separated); anything shared is *delvist samlet* (partly combined).
"""

from __future__ import annotations

import pandas as pd

from .scenario import Scenario, compile_model

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
    rows = [{
        "intervention": g.intervention,
        "grants": g.grants,
        "pays": g.pays,
        "delivered_by": g.delivered_by,
        "classification": classify(g.grants, g.pays),
        "inside_unit_budget": g.inside_unit_budget,
        "expected_cost": g.expected_cost,
        "above_ceiling": g.above_ceiling,
    } for g in compile_model(scenario).governance]
    return pd.DataFrame(rows).set_index("intervention")
