"""Results.family_costs: per-family costs by year and paying budget (and CPR registration),
admission month, candidacy."""

from __future__ import annotations

import numpy as np
import pytest

import tvaer


@pytest.fixture
def busy(tiny_data) -> tvaer.Scenario:
    """The tiny scenario with arrivals, leavers, a limited stay, refusion and staff."""
    data = tiny_data
    data["horizon_months"] = 30  # a partial third year
    data["population"] = {"arrivals_per_month": 2.0, "leave_rate": 0.02}
    data["selection"]["stay"] = {"distribution": "exponential", "rate": 0.1}
    data["refusion"] = {"ladder": "statutory"}
    data["organisation"] = {"staff_fte": 1.5, "salary_key": {"employment": 1.0}}
    data["tracks"][1]["states"][0]["costs"][0]["one_off"] = 4000
    return tvaer.Scenario(data, "busy.toml")


def test_family_costs_add_up_to_the_costs_without_staff(busy):
    r = tvaer.simulate(busy, replications=3, seed=4, threads=2, progress=False, family_costs=True)
    fc = r.family_costs
    assert fc.dims == ("replication", "family", "year", "budget", "arm")
    assert list(fc["year"].values) == [1, 2, 3]
    assert list(fc["budget"].values) == ["employment", "children", "solution"]
    lc = r.line_costs
    lc = lc.where(lc["source"] != "staff", 0.0)
    year = (lc["month"] // 12 + 1).rename("year")
    expected = lc.groupby(year).sum("month").groupby("payer").sum("line")  # (rep, arm, year, payer)
    got = fc.sum("family")  # NaN padding is skipped
    for budget in r.budgets:
        e = expected.sel(payer=budget).transpose("replication", "year", "arm").values
        g = got.sel(budget=budget).transpose("replication", "year", "arm").values
        np.testing.assert_allclose(g, e, rtol=1e-6, atol=1e-6)
    admitted = (fc["admitted_month"] >= 0).sum("family")
    assert np.array_equal(admitted.transpose("replication", "arm").values, r.admitted)
    assert fc["present"].sum("family").min() > 40  # families arrived during the run


def test_registered_and_unregistered_family_costs_match_the_ledger_lines(busy):
    # Part of the child measure (say, school psychologist hours) is booked on no person.
    data = busy.data
    data["tracks"][1]["states"][0]["costs"].append({"sector": "children", "monthly": 1200, "cpr_registered": False})
    r = tvaer.simulate(tvaer.Scenario(data, "busy.toml"), replications=2, seed=6, progress=False, family_costs=True)
    by_reg = r.family_costs_by_registration
    assert by_reg.dims == ("replication", "family", "year", "budget", "registration", "arm")
    lc = r.line_costs
    lc = lc.where(lc["source"] != "staff", 0.0)
    year = (lc["month"] // 12 + 1).rename("year")
    for reg, flag in (("cpr", True), ("not_cpr", False)):
        lines = lc.where(lc["cpr_registered"] == flag, 0.0)
        expected = lines.groupby(year).sum("month").groupby("payer").sum("line")  # the ledger's way
        got = by_reg.sel(registration=reg).sum("family")                           # family by family
        for budget in r.budgets:
            np.testing.assert_allclose(got.sel(budget=budget).transpose("replication", "year", "arm").values,
                                       expected.sel(payer=budget).transpose("replication", "year", "arm").values,
                                       rtol=1e-6, atol=1e-6)
    assert float(by_reg.sel(registration="not_cpr").sum()) > 0.0
    np.testing.assert_array_equal(by_reg.sum("registration", skipna=False).values, r.family_costs.values)


def test_one_family_by_hand():
    # One member: "here" costs 1,000 a month for 6 months (fixed), then "there" 500 a month.
    # Over 18 months: year 1 = 6 x 1,000 + 6 x 500 = 9,000; year 2 = 6 x 500 = 3,000. It is in
    # contact with one sector, so min_sectors = 1 admits it at month 0.
    data = {
        "schema_version": 1, "horizon_months": 18, "sectors": ["s"], "families": 1,
        "tracks": [{"name": "a", "initial": {"here": 1.0}, "states": [
            {"name": "here", "transitions": [{"to": "there", "probability": 1.0}],
             "duration": {"distribution": "fixed", "months": 6},
             "costs": [{"sector": "s", "monthly": 1000}]},
            {"name": "there", "costs": [{"sector": "s", "monthly": 500}]}]}],
        "selection": {"min_sectors": 1},
    }
    r = tvaer.simulate(tvaer.Scenario(data), replications=1, seed=1, progress=False, family_costs=True)
    fc = r.family_costs
    for arm in ("bau", "solution"):
        np.testing.assert_allclose(fc.sel(arm=arm, budget="s", family=0).squeeze().values, [9000.0, 3000.0])
        assert (fc.sel(arm=arm, budget="solution").values == 0.0).all()
    assert fc["admitted_month"].sel(family=0).squeeze().values.tolist() == [-1, 0]
    assert fc["candidate"].sel(family=0).squeeze().values.tolist() == [True, True]


def test_families_never_admitted_cost_the_same_in_both_arms(tiny):
    # The coach is solution-only and its places are used only by solution families, so a family
    # never admitted draws and books exactly what it does in business as usual (CRN).
    r = tvaer.simulate(tiny, replications=4, seed=5, progress=False, family_costs=True)
    fc = r.family_costs
    never = fc["admitted_month"].sel(arm="solution") < 0
    bau = fc.sel(arm="bau").where(never)
    sol = fc.sel(arm="solution").where(never)
    np.testing.assert_allclose(sol.values, bau.values, rtol=1e-12, atol=1e-9)
    assert int(never.sum()) == 4 * (40 - 10)
    admitted = fc.where(~never)
    assert not np.allclose(admitted.sel(arm="bau").sum("year").values, admitted.sel(arm="solution").sum("year").values,
                           equal_nan=True)
    assert (fc["candidate"].sel(arm="bau") == fc["candidate"].sel(arm="solution")).all()


def test_not_recorded_raises_a_clear_error(tiny, tmp_path):
    r = tvaer.simulate(tiny, replications=1, seed=1, progress=False)
    with pytest.raises(ValueError, match=r"family_costs: not recorded in these results; run "
                                         r"tvaer.simulate\(..., family_costs=True\)"):
        r.family_costs
    back = tvaer.open_results(r.to_hdf5(tmp_path / "r.h5"))
    with pytest.raises(ValueError, match=r"not recorded in these results; run tvaer.simulate\(..., family_costs=True\) "
                                         r"or tvaer.simulate_to_file\(..., family_costs=True\)"):
        back.family_costs
    with pytest.raises(ValueError, match="family_costs: must be True or False, got 'yes'"):
        tvaer.simulate(tiny, replications=1, progress=False, family_costs="yes")


def test_family_costs_round_trip_through_a_results_file(busy, tmp_path):
    r = tvaer.simulate(busy, replications=3, seed=4, threads=2, progress=False, family_costs=True)
    back = tvaer.open_results(r.to_hdf5(tmp_path / "families.h5"))
    a, b = r.family_costs_by_registration, back.family_costs_by_registration
    assert a.dims == b.dims
    np.testing.assert_array_equal(a.values, b.values)  # NaN padding included, bit for bit
    for coord in ("admitted_month", "candidate", "present"):
        np.testing.assert_array_equal(a[coord].values, b[coord].values)
    # readable without tvaer: the family variables carry their dimension names
    import h5py

    with h5py.File(tmp_path / "families.h5", "r") as f:
        cost = f["family_cost"]
        assert [d.label for d in cost.dims] == ["family_record", "year", "budget", "registration"]
        assert cost.attrs["units"] == "DKK"
        assert f["family_count"][()].sum() == cost.shape[0]


def test_simulate_to_file_keeps_family_costs_and_resumes_only_with_them(busy, tmp_path, monkeypatch):
    path = tmp_path / "chunks.h5"
    whole = tvaer.simulate(busy, replications=5, seed=2, threads=1, progress=False, family_costs=True)
    part = tvaer.simulate_to_file(busy, path, replications=2, seed=2, threads=1, chunk=1, progress=False,
                                  family_costs=True)
    assert part.replications == 2
    with pytest.raises(tvaer.ResultsFileError, match="cannot resume: it holds per-family costs; resume with family_costs=True"):
        tvaer.simulate_to_file(busy, path, replications=5, seed=2, threads=1, progress=False)
    done = tvaer.simulate_to_file(busy, path, replications=5, seed=2, threads=1, chunk=2, progress=False,
                                  family_costs=True)
    np.testing.assert_array_equal(done.family_costs.values, whole.family_costs.values)
    np.testing.assert_array_equal(done.costs.values, whole.costs.values)



def test_the_booking_log_adds_up_to_the_line_costs_and_the_family_costs(busy):
    r = tvaer.simulate(busy, replications=2, seed=8, threads=2, progress=False, family_costs=True, bookings=True)
    log = r.bookings
    assert list(log.columns[:6]) == ["replication", "arm", "family", "member", "month", "line"]
    assert {"source", "payer", "law_sector", "kind", "cpr_registered", "amount"} <= set(log.columns)
    # line by line and month by month: the ledger's own arrays (less the staff line)
    by_cell = log.groupby(["replication", "arm", "line", "month"], observed=True)["amount"].sum()
    lc = r.line_costs
    for (rep, arm, line, month), amount in by_cell.items():
        assert amount == pytest.approx(float(lc.sel(replication=rep, arm=arm, line=line, month=month)), rel=1e-9, abs=1e-6)
    staff = r.lines.index[r.lines["source"] == "staff"]
    covered = lc.where(~lc["line"].isin(list(staff)), 0.0).sum().item()
    assert log["amount"].sum() == pytest.approx(covered, rel=1e-12)
    # family by family, year and budget: the per-family costs
    log["year"] = log["month"] // 12 + 1
    fam = log.groupby(["replication", "arm", "family", "year", "payer"], observed=True)["amount"].sum()
    fc = r.family_costs
    for (rep, arm, family, year, payer), amount in fam.items():
        want = float(fc.sel(replication=rep, arm=arm, family=family, year=year, budget=payer))
        assert amount == pytest.approx(want, rel=1e-9, abs=1e-6)
    assert (log["member"] <= 1).all()  # busy families have one adult and one child


def test_the_booking_log_is_built_once_and_a_changed_copy_does_not_leak(busy):
    r = tvaer.simulate(busy, replications=1, seed=8, threads=1, progress=False, bookings=True)
    first = r.bookings
    total = first["amount"].sum()
    first["amount"] *= 2  # a planner's own edit of the table they were given
    first["year"] = 1
    again = r.bookings
    assert "year" not in again.columns
    assert again["amount"].sum() == total
    assert again is not first


def test_the_booking_log_gives_each_members_age_which_grows_by_a_year_in_twelve_months(tiny_data):
    # Children aged 6-14 when they enter (uniform within the band: 6 up to the day before 15) and
    # in their measure for good; adults have no ages. In month m a child is its age at the start
    # plus m / 12; the mean age at the start is the band's middle, (6 + 15) / 2 = 10.5.
    tiny_data["tracks"][1]["ages"] = {"6-14": 1.0}
    tiny_data["tracks"][1]["states"] = [{"name": "measure", "costs": [{"sector": "children", "monthly": 8000}]}]
    res = tvaer.simulate(tvaer.Scenario(tiny_data, "aged.toml"), replications=2, seed=3, progress=False, bookings=True)
    log = res.bookings
    child = log[log["source"] == "child/measure"]
    assert np.isnan(log.loc[log["source"].str.startswith("adult/"), "age"]).all()
    start = child["age"] - child["month"] / 12
    per_member = start.groupby([child["replication"], child["arm"], child["family"], child["member"]], observed=True)
    assert (per_member.max() - per_member.min()).max() < 1e-4        # float ages: within an hour
    at_start = per_member.first().unstack("arm")
    assert ((at_start >= 6) & (at_start < 15)).all().all()
    np.testing.assert_array_equal(at_start["bau"].values, at_start["solution"].values)  # the same child in both arms
    assert len(at_start) == 2 * 40                                   # one child per family
    assert abs(at_start["bau"].mean() - 10.5) < 4 * (9 / np.sqrt(12)) / np.sqrt(len(at_start))
    assert child["month"].max() == 23 and child.loc[child["month"] == 23, "age"].min() >= 6 + 23 / 12 - 1e-4


def test_bookings_not_recorded_raise_a_clear_error(tiny):
    r = tvaer.simulate(tiny, replications=1, seed=1, progress=False)
    with pytest.raises(ValueError, match=r"bookings: not recorded in these results; run tvaer.simulate\(..., bookings=True\)"):
        r.bookings
    with pytest.raises(ValueError, match="bookings: must be True or False, got 1"):
        tvaer.simulate(tiny, replications=1, progress=False, bookings=1)
