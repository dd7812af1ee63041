"""Business-as-usual cost per family present and year, as docs/calibration.md defines it: shared by
test_calibration.py and test_municipalities.py (a helper module, not a test file)."""

from __future__ import annotations

import numpy as np


def members_per_family(scenario, track: str) -> float:
    t = next(t for t in scenario.data["tracks"] if t["name"] == track)
    return sum(n * p for n, p in enumerate(t.get("members", [0.0, 1.0])))


def families_present_by_year(scenario, res) -> np.ndarray:
    """Mean families present in each year, from the occupancy output: every track's member-months
    (rows `track/state`, business as usual) divided by the expected members per family. The number
    of members is drawn when a family is made and does not change, and families leave whole, so
    member-months / members per family estimates family-months without bias."""
    occ = res.flows["occupancy"].sel(arm="bau")
    tracks = [t["name"] for t in scenario.data["tracks"]]
    rows = [r for r in occ["row"].values if str(r).split("/")[0] in tracks]
    member_months = occ.sel(row=rows).sum("row").mean("replication").values
    per_family = sum(members_per_family(scenario, t) for t in tracks)
    years = member_months.size // 12
    return member_months[: years * 12].reshape(years, 12).sum(axis=1) / 12 / per_family


def families_expected_by_year(scenario, years: int) -> np.ndarray:
    """The same from the population settings: N(t) = N0 e^{-rt} + (a / r)(1 - e^{-rt}),
    averaged over each year's months."""
    pop = scenario.data.get("population", {})
    n0, a, r = float(scenario.data["families"]), float(pop.get("arrivals_per_month", 0.0)), float(pop.get("leave_rate", 0.0))
    t = np.linspace(0.0, 12.0 * years, 12 * years * 8, endpoint=False) + 12.0 / 16
    n = n0 * np.exp(-r * t) + (a / r * (1.0 - np.exp(-r * t)) if r > 0 else a * t)
    return n.reshape(years, -1).mean(axis=1)


def bau_cost_by_year(res) -> np.ndarray:
    """Total business-as-usual cost over every budget, net of refusion, mean over replications."""
    return res.yearly_costs.sel(arm="bau").sum(["sector", "kind"]).mean("replication").values


def bau_cost_per_family_by_year(scenario, res) -> np.ndarray:
    """Business-as-usual cost per family present, DKK per year, one value per whole year."""
    families = families_present_by_year(scenario, res)
    return bau_cost_by_year(res)[: families.size] / families
