"""Business-as-usual cost per family present and year, as docs/calibration.md defines it.

The measure the shipped scenarios are calibrated with: the total business-as-usual cost over
every budget, net of refusion, divided by the families present. Used by the calibration tests
(tests/python/test_calibration.py, test_municipalities.py) and by tools/update_docs.py, which
writes the measured tables of docs/calibration.md.
"""

from __future__ import annotations

import numpy as np

__all__ = ["members_per_family", "families_present_by_year", "families_expected_by_year", "bau_cost_by_year",
           "bau_cost_per_family_by_year"]


def members_per_family(scenario, track: str) -> float:
    """Expected members of `track` per family: the sum of n · P(n) over the track's ``members``."""
    t = next(t for t in scenario.data["tracks"] if t["name"] == track)
    return sum(n * p for n, p in enumerate(t.get("members", [0.0, 1.0])))


def _yearly(monthly: np.ndarray) -> np.ndarray:
    """Sums the last axis (months) into whole years."""
    years = monthly.shape[-1] // 12
    return monthly[..., : years * 12].reshape(*monthly.shape[:-1], years, 12).sum(axis=-1)


def families_present_by_year(scenario, res, per_replication: bool = False) -> np.ndarray:
    """Mean families present in each year, from the occupancy output: every track's member-months
    (rows `track/state`, business as usual) divided by the expected members per family. The number
    of members is drawn when a family is made and does not change, and families leave whole, so
    member-months / members per family estimates family-months without bias. With
    `per_replication`, one row per replication; else the mean over replications."""
    occ = res.flows["occupancy"].sel(arm="bau")
    tracks = [t["name"] for t in scenario.data["tracks"]]
    rows = [r for r in occ["row"].values if str(r).split("/")[0] in tracks]
    member_months = occ.sel(row=rows).sum("row").transpose("replication", "month").values
    per_family = sum(members_per_family(scenario, t) for t in tracks)
    families = _yearly(member_months) / 12 / per_family
    return families if per_replication else families.mean(axis=0)


def families_expected_by_year(scenario, years: int) -> np.ndarray:
    """The same from the population settings: N(t) = N0 e^{-rt} + (a / r)(1 - e^{-rt}),
    averaged over each year's months; t counts from the start of the warm-up
    (``population.warmup_months``), so month 0 is t = warm-up."""
    pop = scenario.data.get("population", {})
    n0, a, r = float(scenario.data["families"]), float(pop.get("arrivals_per_month", 0.0)), float(pop.get("leave_rate", 0.0))
    warmup = float(pop.get("warmup_months", 0.0))
    t = warmup + np.linspace(0.0, 12.0 * years, 12 * years * 8, endpoint=False) + 12.0 / 16
    n = n0 * np.exp(-r * t) + (a / r * (1.0 - np.exp(-r * t)) if r > 0 else a * t)
    return n.reshape(years, -1).mean(axis=1)


def bau_cost_by_year(res, per_replication: bool = False) -> np.ndarray:
    """Total business-as-usual cost over every budget, net of refusion (DKK per year); the mean
    over replications, or one row per replication with `per_replication`."""
    cost = res.yearly_costs.sel(arm="bau").sum(["sector", "kind"]).transpose("replication", "year").values
    return cost if per_replication else cost.mean(axis=0)


def bau_cost_per_family_by_year(scenario, res, per_replication: bool = False) -> np.ndarray:
    """Business-as-usual cost per family present, DKK per year, one value per whole year (the
    ratio of the means over replications, or one row per replication with `per_replication`)."""
    families = families_present_by_year(scenario, res, per_replication)
    return bau_cost_by_year(res, per_replication)[..., : families.shape[-1]] / families
