"""Serviceloven § 176 end to end: the "<sector>/s176" lines of a simulated scenario against the
same rule computed again in numpy from the booking log's yearly child costs per family (a second
implementation), money conserved, and the same numbers for any thread count."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import tvaer

from conftest import THREE

# § 176 since 2021 at the 2020 level (shared/parameters.md sec. 6): 25/50/75 % above these.
THRESHOLDS = np.array([830_000.0, 1_630_000.0, 2_050_000.0])
SHARES = np.array([0.25, 0.50, 0.75])


def reimbursed(cost: np.ndarray) -> np.ndarray:
    """The statutory reimbursement of yearly costs, step by step."""
    upper = np.append(THRESHOLDS[1:], np.inf)
    parts = np.clip(cost[..., None], THRESHOLDS, upper) - THRESHOLDS
    return (parts * SHARES).sum(axis=-1)


@pytest.fixture
def placements() -> tvaer.Scenario:
    """`three` with one or two children per family, some placed at 96,667 a month (1,160,000 a
    year), moving in and out of placement, over 30 months (a partial last year)."""
    data = copy.deepcopy(THREE)
    data["tracks"][1] = {
        "name": "child", "members": [0.0, 0.5, 0.5], "initial": {"measure": 0.5, "placed": 0.5},
        "states": [
            {"name": "measure", "transitions": [{"to": "placed", "rate": 0.05}],
             "costs": [{"sector": "children", "monthly": 8000}]},
            {"name": "placed", "transitions": [{"to": "measure", "rate": 0.03}],
             "costs": [{"sector": "children", "monthly": 96667}]},
        ]}
    data["organisation"]["effects"] = [{"track": "child", "from": "placed", "to": "measure", "multiplier": 1.4}]
    data["reimbursement"] = {"preset": "statutory"}
    return tvaer.Scenario(data, "placements.toml")


def test_the_rule_in_numpy_matches_hand_computed_amounts():
    assert reimbursed(np.array([800_000.0, 1_160_004.0, 2_320_008.0])) == pytest.approx([0.0, 82_501.0, 612_506.0])


def test_s176_lines_reimburse_each_familys_yearly_child_costs(placements):
    res = tvaer.simulate(placements, replications=2, seed=3, threads=1, progress=False, bookings=True)
    b = res.bookings
    b["year"] = b["month"] // 12
    keys = ["replication", "arm", "family", "year"]
    child = b[(b["law_sector"] == "children") & (b["kind"] == "service") & b["source_kind"].isin(["state", "intervention"])]
    gross = child.groupby(keys, observed=True)["amount"].sum()
    back = b[b["source_kind"] == "reimbursement"].groupby(keys, observed=True)["amount"].sum()
    expected = reimbursed(gross.to_numpy())
    assert (expected > 0).sum() > 10  # the scenario has expensive years, in both arms
    assert set(back.index) == set(gross.index[expected > 0])
    assert back.reindex(gross.index, fill_value=0.0).to_numpy() == pytest.approx(-expected, rel=1e-9, abs=1e-6)
    # Booked in each year's last month: 11, 23, and 29 for the partial third year.
    assert set(b.loc[b["source_kind"] == "reimbursement", "month"]) == {11, 23, 29}
    # The ledger's "children/s176" lines hold the same amounts, and the children's budget pays
    # the gross cost less the reimbursement.
    lines = res.lines
    s176 = (lines["source"] == "children/s176").to_numpy()
    assert set(lines.loc[s176, "payer"]) == {"children"}
    lc = res.line_costs.sum("month").values  # (replication, arm, line)
    assert lc[:, :, s176].sum() == pytest.approx(-expected.sum(), rel=1e-12)
    paid = (lines["payer"] == "children").to_numpy()
    assert lc[:, :, paid].sum() == pytest.approx(gross.sum() - expected.sum(), rel=1e-12)


def test_reimbursement_is_the_same_for_any_thread_count(placements):
    one = tvaer.simulate(placements, replications=4, seed=5, threads=1, progress=False)
    two = tvaer.simulate(placements, replications=4, seed=5, threads=2, progress=False)
    np.testing.assert_array_equal(one.line_costs.values, two.line_costs.values)


def test_the_analytic_mode_refuses_reimbursement(placements):
    with pytest.raises(tvaer.TvaerError, match=r"analytic mode: reimbursement \(Serviceloven § 176\) depends on each "
                                               r"family's yearly cost"):
        tvaer.expected(placements, "usual")
