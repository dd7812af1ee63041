"""The report's Tabel 4.1 classification of visitation authority and payment obligation."""

from __future__ import annotations

import pytest

import tvaer
from tvaer.governance import classify, governance_table


@pytest.mark.parametrize(("grants", "pays", "cell"), [
    ("solution", "solution", "samlet"),          # Assens' family therapy, Helsingør's "inside" items
    ("sector", "sector", "samlet"),              # Høje-Taastrup, Albertslund
    ("solution", "sector", "adskilt"),           # Furesø, Helsingør's "outside" items
    ("sector", "solution", "adskilt"),
    ("shared", "sector", "delvist samlet"),      # Assens' expensive interventions
    ("solution", "shared", "delvist samlet"),
    ("shared", "shared", "delvist samlet"),
])
def test_tabel_4_1(grants, pays, cell):
    assert classify(grants, pays) == cell


def test_bad_place_is_named():
    with pytest.raises(ValueError, match=r"grants: must be one of solution, shared, sector, got 'unit'"):
        classify("unit", "sector")


def test_default_scenario_governance_table():
    t = governance_table(tvaer.default_scenario())
    assert t.loc["family_treatment", "classification"] == "samlet"  # granted and paid by the solution
    assert t.loc["family_treatment", "delivered_by"] == "solution"  # by the unit's own pedagogues
    assert t.loc["mentor", "classification"] == "samlet"            # granted and paid by its sector
    # materials of 500 a month for a mean of 9 months, computed by hand (the pedagogues are salaries)
    assert t.loc["family_treatment", "expected_cost"] == pytest.approx(500 * 9)


def test_furesoe_separates_granting_from_paying():
    t = governance_table(tvaer.load_scenario("scenarios/furesoe.toml"))
    assert "adskilt" in set(t["classification"])
