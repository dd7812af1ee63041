"""The five municipalities' scenario files say what the 2018 report says of them (issue 18).

Every expected value is typed in from the report (`/work/shared/seeds/000_*.txt`, cited as L1234;
domain.md sections 2-3 summarise it) or from shared/parameters.md, never read from the scenario
files; docs/municipalities.md describes the files. The business-as-usual cost per family and year
is checked against the report's figures with the definition of docs/calibration.md.
"""

from __future__ import annotations

import numpy as np
import pytest

import tvaer
from tvaer import budgets as B
from tvaer.governance import governance_table

from tvaer.calibration import bau_cost_per_family_by_year, families_present_by_year, members_per_family

REPLICATIONS = 20   # the per-family cost is an average over ~100-450 families and 3-4 years: ±1-2 %


def _load(name: str) -> tvaer.Scenario:
    return tvaer.default_scenario(name)


def _settled(name: str, replications: int = 2):
    sc = _load(name)
    res = tvaer.simulate(sc, replications=replications, seed=1, threads=2, progress=False)
    return res, B.settle(res, B.rules_from_scenario(sc))


def _required(st, year: int) -> dict[str, float]:
    return st.tables["required"].mean("replication").sel(year=year).to_series().to_dict()


def _cells(name: str) -> dict[str, tuple[str, str, str]]:
    table = governance_table(_load(name))
    return {iv: (row.grants, row.pays, row.classification) for iv, row in table.iterrows()}


# ---- Helsingør: SB Familier -------------------------------------------------------------------------

def test_helsingoer_size_staff_form_and_sectors():
    sc = _load("helsingoer")
    cap = sc.get("selection.capacity_by_year")
    assert cap[0] == 90                                          # the 90 families the caseworkers hold [L5963-5967]
    assert 90 <= cap[1] <= 110                                   # 90-110 at full capacity [L5747-5751]
    # The social workers' whole caseloads came along; "cirka halvdelen" is cross-cutting in June
    # 2018 [L5838-5846]: half the places start with family counselling cases (BUF) only.
    inherited = sc.get("selection.inherited")
    assert inherited["share"] == pytest.approx(0.5)
    assert inherited["sectors"] == ["children"]
    staff = sc.get("organisation.staff_fte_by_year")             # staff by year, as the places
    assert staff[-1] == 13 + 1                                   # 13 staff and a leader on 1 June 2018 [L5738, Tabel 3.1 L1703-1704]
    assert staff[0] <= 13 + 1                                    # a stepwise start-up from 1 October 2017 [L5678-5682]
    assert len(cap) <= sc.get("horizon_months") / 12             # one value per simulated year at most
    assert sc.get("organisation.form") == "unit"                 # Tabel 3.1 [L1709]
    assert set(sc.get("sectors")) == {"employment", "children"}  # BUF and JU [Tabel 3.2 L1953-1957]
    assert sc.get("organisation.ceiling") == 0                   # no amount ceiling [L5870-5876]
    # 268 persons in 90 families: 153 adults and 115 children [L5757-5759]
    assert members_per_family(sc, "adult") == pytest.approx(153 / 90, rel=0.01)
    assert members_per_family(sc, "child") == pytest.approx(115 / 90, rel=0.02)


def test_helsingoer_own_residential_places_are_shared_with_a_queue_and_external_places_beyond():
    sc = _load("helsingoer")
    # The municipality's own døgnpladser are capacity-limited and shared with the ordinary system,
    # prioritised between solution and ordinary children [L3169-3173, L5923-5931]; external
    # døgnpladser are the expensive alternative [L5957-5959].
    own = "tracks.child.states.internal_institution"
    assert sc.get(f"{own}.capacity") > 0
    assert sc.get(f"{own}.when_full") == "external_institution"
    assert sc.get(f"{own}.queue") in ("fifo", "solution_first")
    res = tvaer.simulate(sc, replications=2, seed=1, threads=2, progress=False)
    occupied = res.flows["occupancy"].sel(row="child/internal_institution")
    assert float(occupied.max()) <= sc.get(f"{own}.capacity") + 1e-9


def test_helsingoer_unit_grants_everything_and_pays_its_inside_items():
    cells = _cells("helsingoer")
    # Full visitation authority, also for what JU pays [L5866-5882]; employment-oriented and
    # pedagogical interventions are "inde": granted and paid in the unit, samlet [L5959-5961, Tabel 4.2 L2957-2958]
    for iv in ("mentor", "company_consultant", "family_treatment"):
        assert cells[iv] == ("solution", "solution", "samlet"), iv
    inside = governance_table(_load("helsingoer"))["inside_unit_budget"]
    assert inside.all()


def test_helsingoer_own_budget_funded_ninety_percent_by_buf_and_requirement_on_children():
    sc = _load("helsingoer")
    rules = B.rules_from_scenario(sc)
    assert [r.type for r in rules] == ["own_budget", "efficiency_requirement"]   # own budget from June 2018 [L5906-5912]
    assert sc.get("organisation.salary_key") == {"children": pytest.approx(0.9), "employment": pytest.approx(0.1)}  # ≈ 90 % from BUF [L5973]
    _, st = _settled("helsingoer")
    # 900,000 in 2018 and 1.9 mio. in 2019 [L5977-5979], all on children and youth [Tabel 5.2 L3726-3727, L3740-3744]
    assert _required(st, 1) == {"employment": 0.0, "children": pytest.approx(900_000, abs=0.01), "solution": 0.0}
    assert _required(st, 2)["children"] == pytest.approx(1_900_000, abs=0.01)
    assert _required(st, 3)["children"] == 0.0
    # "Some internal placements" are inside [L3141-3143, L5959-5961].
    assert sc.get("tracks.child.states.internal_institution.costs")[0]["inside_unit_budget"] is True
    # A fixed budget: 15.1 mio. "inside" at 90 families [L5953-5955]; after year 1, per family [A].
    total = sc.get("allocation.rules")[0]["funding"]["total"]
    cap = sc.get("selection.capacity_by_year")
    assert total[0] == pytest.approx(15.1e6)
    assert total[1:] == pytest.approx([15.1e6 / 90 * cap[1]] * 3, abs=1.0)
    # The sectors fund it ≈ 90 / 10 [L5969-5973]; the money only moves: the settlements sum to 0.
    settled = st.tables["settled"].mean("replication")
    assert settled.sel(budget="solution", year=1) == pytest.approx(15.1e6, abs=0.01)
    assert settled.sel(budget="children", year=1) == pytest.approx(-0.9 * 15.1e6, abs=0.01)
    assert settled.sel(budget="employment", year=1) == pytest.approx(-0.1 * 15.1e6, abs=0.01)
    assert float(np.abs(st.tables["settled"].sum("budget")).max()) == pytest.approx(0.0, abs=0.01)
    # The unit's net is its surplus (+) or deficit (-): the fixed budget less its gross cost, which
    # is at least year 1's salaries, 13 staff x 580,000 [L5738; P §4], plus the inside items.
    gross = st.tables["gross_solution"].sel(budget="solution")
    net = st.tables["net"].sel(budget="solution")
    assert (gross.sel(year=1) > 13 * 580_000).all()
    np.testing.assert_allclose(net.sel(year=1), 15.1e6 - gross.sel(year=1), atol=0.01)
    # The file flags fewer items inside than the 15.1 mio. Helsingør counted (which ones is "not
    # unambiguous" [L5961-5963]): the unit shows a surplus, as docs/municipalities.md says.
    assert float(net.sel(year=1).mean()) > 0


# ---- Assens: Job og Familie ---------------------------------------------------------------------------

def test_assens_size_staff_budget_and_ceiling():
    sc = _load("assens")
    assert sc.get("selection.capacity") == 39                 # about 39 families [L4848, Tabel 3.1 L1744]
    # an active employment case and an active child case [L4989-4993]
    assert sorted(sc.get("selection.require_sectors")) == ["children", "employment"]
    assert sc.get("organisation.staff_fte") == 9 + 1 + 1      # 9 staff, a project assistant, a leader [L4842-4846]
    assert sc.get("organisation.form") == "unit"              # Tabel 3.1 [L1709]
    assert sc.get("horizon_months") == 36                     # August 2017 - August 2020 [L1217-1219]
    # 9.2 + 9.2 mio. over three years, mainly salaries [L4852-4856], "ca. 6 mio. kroner årligt" [L1785]
    yearly_salaries = sc.get("organisation.staff_fte") * sc.get("organisation.salary_per_fte_year")
    assert yearly_salaries == pytest.approx((9.2e6 + 9.2e6) / 3, rel=0.01)
    assert sc.get("organisation.ceiling") == 25_000           # the project leader's ceiling [L5044-5046]


def test_assens_ranks_by_the_complexity_of_the_child_cases_and_the_duration_of_the_vulnerable_position():
    sc = _load("assens")
    # chosen "among other things by the length of the period the family has been in a vulnerable
    # position, and the complexity of the child cases", with an employment case and a child case
    # [L2642-2646]: the complexity score first (few values, many ties), duration among equals
    assert sc.get("selection.rank") == ["score", "duration"]
    # the score is the children's complexity alone: no weight on sectors, services or adult states
    assert sc.get("selection.score_per_sector") == 0 and sc.get("selection.score_per_service") == 0
    assert all("complexity" not in st for st in sc.get("tracks.adult.states"))
    weights = {st["name"]: st.get("complexity", 0) for st in sc.get("tracks.child.states")}
    assert weights["none"] == 0                              # no measure, no child case
    # heavier measures weigh more: preventive < day treatment < foster care < residential care [A]
    assert 0 < weights["preventive"] < weights["day_treatment"] < weights["foster"] < weights["external_institution"]
    assert sc.get("selection.case_capacity") == {"children": 75}   # "ca. 75 børnesager ad gangen" [L4846]
    assert sorted(sc.get("selection.require_sectors")) == ["children", "employment"]


def test_assens_three_payment_routes_and_the_ceiling():
    cells = _cells("assens")
    # familiebehandling by the unit's staff: granted and paid in the unit [Tabel 4.2 L2952-2953, L5021-5027]
    assert cells["family_treatment"] == ("solution", "solution", "samlet")
    # the allocation key: agreed in the chief forum, paid 60/20/20 [L3057-3075, Tabel 4.2 L2974-2975]
    assert cells["mentor"][:2] == ("shared", "shared")
    assert _load("assens").get("interventions.mentor.payment_key") == {
        "employment": pytest.approx(0.6), "adults": pytest.approx(0.2), "children": pytest.approx(0.2)}
    # below 25,000 the project grants what the departments pay [L5056-5058]
    assert cells["company_consultant"] == ("solution", "sector", "adskilt")
    table = governance_table(_load("assens"))
    # expected cost vs the 25,000 ceiling: a § 85 year and a mentor half-year go to the forum
    # (7,100 x 12 and 11,900 x 6 DKK [parameters.md sec. 3]); a company consultant's 3 months does not
    assert table.loc["bostoette", "above_ceiling"] and table.loc["mentor", "above_ceiling"]
    assert not table.loc["company_consultant", "above_ceiling"] and not table.loc["family_treatment", "above_ceiling"]


def test_assens_salaries_half_municipal_half_foundation_and_no_requirement():
    sc = _load("assens")
    assert [r.type for r in B.rules_from_scenario(sc)] == ["own_budget"]   # no requirement in the project [L3651-3655, Tabel 5.2 L3704-3705]
    # Børn og Familie 6.6 mio., PPR 1.7 mio., employment 0.9 mio. over the project [L5113-5117]
    assert sc.get("organisation.salary_key") == {"children": pytest.approx((6.6 + 1.7) / 9.2),
                                                 "employment": pytest.approx(0.9 / 9.2)}
    _, st = _settled("assens")
    settled = st.tables["settled"].mean("replication")
    for year in (1, 2, 3):
        assert float(settled.sel(budget="children", year=year)) == pytest.approx(-(6.6e6 + 1.7e6) / 3, abs=1.0)
        assert float(settled.sel(budget="employment", year=year)) == pytest.approx(-0.9e6 / 3, abs=1.0)
    # The project budget receives the municipality's 9.2 mio. over three years [L5107-5111]; the
    # foundation's half has no sector behind it, so the budget ends below zero by what it carries
    # (the salaries and the family intervention's materials) beyond that.
    t = st.tables.mean("replication").sel(budget="solution")
    staff_year = sc.get("organisation.staff_fte") * sc.get("organisation.salary_per_fte_year")
    for year in (1, 2, 3):
        assert float(t["settled"].sel(year=year)) == pytest.approx(9.2e6 / 3, abs=2.0)
        assert float(t["gross_solution"].sel(year=year)) >= staff_year
        assert float(t["net"].sel(year=year)) == pytest.approx(float((t["settled"] - t["gross_solution"]).sel(year=year)), abs=0.01)


# ---- Høje-Taastrup: Familieplanen ---------------------------------------------------------------------

def test_hoeje_taastrup_size_network_and_meetings():
    sc = _load("hoeje_taastrup")
    assert sc.get("selection.capacity") == 12                 # 12 families [L6131, Tabel 3.1 L1749]
    assert sorted(sc.get("selection.require_sectors")) == ["children", "employment"]  # as a minimum BAC and BURC [L6377-6379]
    assert sc.get("selection.rank") == "cost"                 # "the currently most expensive families" [L6383-6385]
    assert sc.get("organisation.form") == "network"           # Tabel 3.1 [L1709]
    # about 1.2 FTE over six coordinators plus part of a leader's time [L1795-1799]
    assert 1.2 <= sc.get("organisation.staff_fte") <= 1.2 + 0.5
    assert sc.get("organisation.meeting_every") == 3          # family meetings about every 3 months [L6315-6318]
    assert {c["every_months"] for c in sc.get("organisation.coordination")} == {3}
    assert sc.get("selection.stay.durations") == [9, 12]      # 9-12 months each [L6131-6135]
    assert sc.get("selection.score_min") == 3                 # three or more interventions/benefits [L6381]
    # "about a third of the families" with a young person/child aged 15-23 [L6395-6397]
    assert sc.get("selection.quota") == {"15-23": pytest.approx(1 / 3, abs=0.01)}


def test_hoeje_taastrup_grants_and_pays_in_the_centres_with_the_salary_key():
    for iv, cell in _cells("hoeje_taastrup").items():        # Tabel 4.2 bottom right [L2977, L6442-6454]
        assert cell == ("sector", "sector", "samlet"), iv
    sc = _load("hoeje_taastrup")
    key = {"children": pytest.approx(1 / 2), "employment": pytest.approx(1 / 3), "adults": pytest.approx(1 / 6)}  # [L3596-3602]
    assert sc.get("organisation.salary_key") == key
    rules = B.rules_from_scenario(sc)
    assert [r.type for r in rules] == ["salary_key", "efficiency_requirement"]   # no own budget [L6483, Tabel 3.3 L2521]
    assert sc.get("allocation.rules[0].shares") == key


def test_hoeje_taastrup_requirement_service_split_on_three_and_transfers_on_bac():
    _, st = _settled("hoeje_taastrup")
    required = _required(st, 1)
    # 0.49 mio. of service savings, equally on BURC, SHC and SUOC (≈160,000 each) [L6521-6527, Tabel 5.2 L3712-3714]
    for budget in ("children", "adults", "health"):
        assert required[budget] == pytest.approx(490_000 / 3, abs=0.01), budget
    # the transfer part falls on BAC [L6507-6509]; its size is not specified [L6527-6529]
    assert required["employment"] > 0
    assert required["solution"] == 0.0


# ---- Albertslund: Fælles om målet ---------------------------------------------------------------------

def test_albertslund_size_network_and_no_own_budget():
    sc = _load("albertslund")
    assert sc.get("selection.capacity") == 100                # "100 familier" planned [L1757-1759, Tabel 3.1 L1744]
    # a parent on sygedagpenge and a child with a service [L1209-1215]
    assert sorted(sc.get("selection.require_sectors")) == ["children", "employment"]
    assert sc.get("organisation.form") == "network"           # planned [Tabel 3.1 L1709]
    assert len(sc.get("sectors")) == 3                        # three departments [L4478-4488, L4676-4678]
    for iv, cell in _cells("albertslund").items():            # both in the departments (expected) [Tabel 4.2 L2981-2982]
        assert cell == ("sector", "sector", "samlet"), iv
    assert [r.type for r in B.rules_from_scenario(sc)] == ["salary_key", "efficiency_requirement"]   # [Tabel 3.3 L2525, Tabel 5.1 L3506]


def test_albertslund_requirement_pooled_so_every_department_carries_a_third_of_the_shortfall():
    res, st = _settled("albertslund")
    # 3 mio. in 2018 and 4 mio. in 2019 [L4666-4670], one third per department [L4680-4686]
    for year, total in ((1, 3e6), (2, 4e6)):
        for budget, amount in _required(st, year).items():
            want = total / 3 if budget != "solution" else 0.0
            assert amount == pytest.approx(want, abs=0.01), (year, budget)
    # The shortfall is split equally "regardless of which areas reached their 1 mio." [L4686-4700]:
    # each department's net minus its requirement is a third of (achieved - 3 mio.), where achieved
    # is the year's total saving over every budget.
    t = st.tables
    achieved = (t["net"].sum("budget")).sel(year=1)
    for budget in ("employment", "children", "health"):
        gap = (t["net"] - t["required"]).sel(budget=budget, year=1)
        np.testing.assert_allclose(gap.values, ((achieved - 3e6) / 3).values, atol=0.02)


# ---- Furesø (shipped before; its requirement and salaries are in test_calibration.py) -----------------

def test_furesoe_size_and_separated_grants():
    sc = _load("furesoe")
    assert sc.get("selection.capacity") == 100                # "ca. 100 borgere" [Tabel 3.1 L1744]
    assert sc.get("organisation.form") == "unit"
    assert 4 <= sc.get("organisation.staff_fte") <= 6         # 4 full-time, a coordinator and a leader part-time [L1695-1697, L1783-1785]
    cells = _cells("furesoe")
    for iv in ("mentor", "company_consultant", "bostoette"):  # the unit grants, the sectors pay [Tabel 4.2 L2967]
        assert cells[iv] == ("solution", "sector", "adskilt"), iv
    assert cells["family_treatment"][0] == "sector"           # child measures via "Grøn linje" [L3179-3185]


# Places the report gives: Furesø "ca. 100 borgere" [Tabel 3.1 L1744], Høje-Taastrup 12 families
# [L6131], Helsingør a caseload of 90 families [L5963-5967] growing to 90-110 [L5747-5751]. A steady
# flow must keep them full (the first families' stays end), not let the solution empty over the horizon.
@pytest.mark.parametrize("name, places", [("furesoe", [100] * 4), ("hoeje_taastrup", [12] * 4),
                                          ("helsingoer", [90, 90, 90, 90])])
def test_the_solutions_places_stay_full(name, places):
    res = tvaer.simulate(_load(name), replications=8, seed=1, threads=2, progress=False)
    inside = res.flows["occupancy"].sel(row="solution/families", arm="solution").mean("replication").values
    yearly = inside.reshape(-1, 12).mean(axis=1)[: len(places)]
    assert (yearly >= 0.95 * np.array(places)).all(), yearly


# ---- business-as-usual cost per family and year --------------------------------------------------------
# Helsingør: "godt 300.000 kr. pr. familie i 2018", services and salaries [L5755-5763].
# Albertslund: about 40 mio. for "knap 100 familier", salaries not included [L4460-4464, L1759-1763].
# Assens and Høje-Taastrup: not calculated [L1789-1793, L6135-6139]: the report's span, from about
# 220,000 per Furesø citizen (22 mio. for about 100 [L5318-5320, L1744]) to Albertslund's 400,000.
RANGES = {
    "helsingoer": (300_000 * 0.85, 300_000 * 1.15),
    "albertslund": (40e6 / 100 * 0.85, 40e6 / 100 * 1.15),
    "assens": (22e6 / 100, 40e6 / 100),
    "hoeje_taastrup": (22e6 / 100, 40e6 / 100),
}


@pytest.mark.parametrize("name", sorted(RANGES))
def test_business_as_usual_cost_per_family_and_year_is_in_the_reports_range(name):
    sc = _load(name)
    res = tvaer.simulate(sc, replications=REPLICATIONS, seed=1, threads=2, progress=False)
    per_family = bau_cost_per_family_by_year(sc, res)
    low, high = RANGES[name]
    assert low < per_family.mean() < high, per_family
    assert ((per_family > 22e6 / 100) & (per_family < 40e6 / 100 * 1.15)).all(), per_family
    # a steady flow, not a cohort running off: families and cost per family level over the horizon
    families = families_present_by_year(sc, res)
    assert families[-1] == pytest.approx(families[0], rel=0.10)
    assert per_family[-1] == pytest.approx(per_family[0], rel=0.10)
