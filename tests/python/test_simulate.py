"""simulate(): both arms, determinism, thread independence, common random numbers."""

from __future__ import annotations

import numpy as np
import pytest

import tvaer


def test_same_seed_same_numbers_for_1_2_and_8_threads(tiny):
    runs = [tvaer.simulate(tiny, replications=12, seed=7, threads=t, progress=False) for t in (1, 2, 8)]
    for r in runs[1:]:
        assert np.array_equal(r.costs.values, runs[0].costs.values)
        assert np.array_equal(r.flows["transitions"].values, runs[0].flows["transitions"].values)


def test_different_seeds_differ(tiny):
    a = tvaer.simulate(tiny, replications=3, seed=1, progress=False)
    b = tvaer.simulate(tiny, replications=3, seed=2, progress=False)
    assert not np.array_equal(a.costs.values, b.costs.values)


def test_costs_have_the_documented_dimensions(tiny):
    r = tvaer.simulate(tiny, replications=2, seed=1, progress=False)
    assert r.costs.dims == ("replication", "month", "sector", "arm", "kind")
    assert list(r.costs["sector"].values) == ["employment", "children", "solution"]
    assert r.costs.sizes["month"] == 24


@pytest.mark.filterwarnings("ignore::tvaer.ScenarioWarning")  # selects nobody on purpose
def test_without_the_solution_both_arms_are_identical(tiny):
    # No family can be selected (min_sectors above the number of sectors): the arms share every draw.
    r = tvaer.simulate(tiny.with_({"selection.min_sectors": 3}), replications=4, seed=3, progress=False)
    c = r.costs
    assert np.array_equal(c.sel(arm="bau").values, c.sel(arm="solution").values)
    assert (r.admitted == 0).all()


def test_families_outside_the_solution_keep_their_costs(tiny):
    # Selection only: the coach is solution-only, capacity 10 of 40 families. Children never get
    # anything, so the children's sector costs are the same in both arms (CRN). They are booked on
    # different ledger lines (usual / solution families), so sums agree to rounding, not bit for bit.
    r = tvaer.simulate(tiny, replications=4, seed=5, progress=False)
    ch = r.costs.sel(sector="children")
    assert np.allclose(ch.sel(arm="bau").values, ch.sel(arm="solution").values, rtol=1e-12, atol=1e-6)
    emp = r.costs.sel(sector="employment").sum(["month", "kind"])
    assert not np.allclose(emp.sel(arm="bau").values, emp.sel(arm="solution").values)
    assert (r.admitted[:, 1] == 10).all()


@pytest.mark.filterwarnings("ignore::tvaer.ScenarioWarning")  # selects nobody on purpose
def test_closed_form_expected_cost_of_one_absorbing_exit():
    # One member per family leaves a cost state at rate 0.1/month and never returns. Expected cost
    # over [0, H] per family is rate * (1 - exp(-0.1 H)) / 0.1 (independent analytic expectation).
    data = {
        "schema_version": 1, "horizon_months": 12, "sectors": ["s"], "families": 4000,
        "tracks": [{"name": "a", "initial": {"in": 1.0}, "states": [
            {"name": "in", "transitions": [{"to": "out", "rate": 0.1}], "costs": [{"sector": "s", "monthly": 1000}]},
            {"name": "out"}]}],
        "selection": {"min_sectors": 9},
    }
    r = tvaer.simulate(tvaer.Scenario(data), replications=20, seed=11, progress=False)
    per_family = r.costs.sel(arm="bau").sum(["month", "sector", "kind"]).values / 4000
    expected = 1000 * (1 - np.exp(-1.2)) / 0.1
    se = per_family.std(ddof=1) / np.sqrt(len(per_family))
    assert abs(per_family.mean() - expected) < 3.29 * se + 1e-9


def test_summary_has_paired_intervals(tiny):
    r = tvaer.simulate(tiny, replications=20, seed=2, progress=False)
    s = r.summary()
    assert {"bau", "solution", "difference", "ci_low", "ci_high", "p_net_loss"} <= set(s.columns)
    total = s.loc["total"]
    assert (total["ci_low"] <= total["difference"]).all() and (total["difference"] <= total["ci_high"]).all()
    # the difference is the mean of paired differences: equals the difference of means
    assert np.allclose(total["difference"], total["solution"] - total["bau"])


def test_bad_arguments_are_named(tiny):
    with pytest.raises(ValueError, match=r"replications: must be an integer in \[1, 2\*\*31\), got 0"):
        tvaer.simulate(tiny, replications=0)
    with pytest.raises(ValueError, match=r"seed: must be an integer in \[0, 2\*\*64\), got 1180591620717411303424"):
        tvaer.simulate(tiny, seed=2**70)
    with pytest.raises(ValueError, match=r"seed: must be an integer in \[0, 2\*\*64\), got -1"):
        tvaer.simulate(tiny, seed=-1)
    with pytest.raises(ValueError, match=r"first_replication: must be an integer in \[0, 2\*\*32\), got -5"):
        tvaer.simulate(tiny, first_replication=-5)
    with pytest.raises(ValueError, match=r"threads: must be an integer >= 1, got 0"):
        tvaer.simulate(tiny, threads=0)


def test_progress_callback_cancel_returns_complete_prefix(tiny):
    from tvaer import _core
    from tvaer.scenario import compile_model

    model = compile_model(tiny.with_(families=20000))  # ~10 ms a replication
    calls = []

    def stop_after_first(done):
        calls.append(done)
        return done < 1

    raw = _core.run(model, 1, 0, 50, 1, stop_after_first)
    assert 1 <= raw.replications < 50
    full = _core.run(model, 1, 0, raw.replications, 1, None)
    assert np.array_equal(raw.costs, full.costs)


def test_refusion_lines_refund_a_share_of_benefits(tiny):
    # tiny's adults draw 10,000 a month in "out"; with 156 weeks already on benefits every month
    # is refunded at the last step, 20 % (a job is made final here: someone back on benefits after
    # 52 weeks off would restart at 80 %).
    sc = tiny.with_({"refusion": {"ladder": "statutory"}, "tracks.adult.states.job.transitions": []})
    res = tvaer.simulate(sc, replications=2, seed=1, progress=False)
    lines = res.lines
    refund = lines.index[lines["source_kind"] == "refusion"]
    benefit = lines.index[(lines["source_kind"] == "state") & (lines["kind"] == "transfer")]
    lc = res.line_costs.sum(["month", "arm", "replication"]).values
    assert lc[refund].sum() == pytest.approx(-0.2 * lc[benefit].sum())
    with pytest.raises(tvaer.ScenarioError, match=r"refusion\.ladder: must be 'statutory' \(or give weeks and shares\), got 'new'"):
        tiny.with_({"refusion": {"ladder": "new"}}).validate()


def test_ctrl_c_returns_the_complete_replications_marked_interrupted(tiny, ctrl_c_at):
    ctrl_c_at(3)
    big = tiny.with_(families=20000)  # ~10 ms a replication, so the stop lands mid-run
    part = tvaer.simulate(big, replications=40, seed=4, threads=1)
    assert part.interrupted
    assert 3 <= part.replications < 40
    whole = tvaer.simulate(big, replications=part.replications, seed=4, threads=1, progress=False)
    assert np.array_equal(part.costs.values, whole.costs.values)


def test_ctrl_c_abandons_a_long_replication_instead_of_finishing_it(tiny, monkeypatch):
    class StopAtOnce:  # Ctrl-C at the first progress tick (after at most 100 ms)
        n = 0

        def update(self, k):
            raise KeyboardInterrupt

        def close(self):
            pass

    import sys

    monkeypatch.setattr(sys.modules["tvaer.runs"], "progress_bar", lambda total, name: StopAtOnce())
    huge = tiny.with_(families=1_000_000)  # one replication takes seconds
    part = tvaer.simulate(huge, replications=2, seed=4, threads=1)
    assert part.interrupted
    assert part.replications == 0


def test_present_value_and_break_even_follow_their_definitions(tiny):
    # Hand computations on the yearly differences: discount year y (1 = first) by (1 + r)^(y - 1);
    # break even in the first year from which the cumulative difference stays <= 0.
    res = tvaer.simulate(tiny.with_(discount_rate=0.1), replications=6, seed=4, threads=1, progress=False)
    d = res.yearly_difference().transpose("replication", "year", "sector").values
    want = sum(d[:, y, :] / 1.1**y for y in range(d.shape[1]))
    np.testing.assert_allclose(res.present_value().transpose("replication", "sector").values, want, rtol=1e-12)
    years = []
    for row in np.cumsum(d.sum(axis=2), axis=1):
        later = [i for i in range(len(row)) if all(row[i:] <= 0)]
        years.append(float(later[0] + 1) if later else np.nan)
    years = np.array(years)
    be = res.break_even()
    assert be["share_within_horizon"] == np.mean(~np.isnan(years))
    np.testing.assert_equal(be["median_year"], np.nanmedian(years) if (~np.isnan(years)).any() else np.nan)


def test_the_engine_discounts_and_breaks_even_in_dkk():
    assert tvaer._core.present_value_dkk([100.0, -55.0], 0.1) == pytest.approx(50.0)
    assert tvaer._core.break_even_year_dkk([-10.0, 4.0, 7.0]) == 2  # cumulative -10, -6, 1
    assert tvaer._core.break_even_year_dkk([-10.0, 4.0]) is None
    with pytest.raises(ValueError, match="present_value: discount rate must be finite and > -1, got -1"):
        tvaer._core.present_value_dkk([1.0], -1.0)


def test_flows_give_mean_decision_waits_apart_from_mean_queue_waits_per_group():
    # 3000 one-member families, all inside the solution, request at t = 0; the network meets every
    # 3 months at a uniform phase, so the requests decided in month k waited k + U, U uniform on
    # [0, 1): a mean of k + 0.5. Nothing is capacity-limited, so nobody waits in a queue.
    n = 3000
    s = tvaer.Scenario({
        "schema_version": 1, "name": "waits", "horizon_months": 6, "sectors": ["employment"], "families": n,
        "selection": {"min_sectors": 0}, "organisation": {"meeting_every": 3},
        "tracks": [{"name": "adult", "members": [0.0, 1.0], "initial": {"out": 1.0},
                    "states": [{"name": "out", "costs": [{"sector": "employment", "monthly": 1000}]}]}],
        "interventions": [{"name": "coach", "track": "adult", "request_on_entry": ["out"],
                           "duration": {"distribution": "fixed", "months": 12},
                           "costs": [{"sector": "employment", "monthly": 500}]}],
    }, "waits.toml")
    f = tvaer.simulate(s, replications=2, seed=3, threads=2, progress=False).flows
    decision = f["mean_decision_wait_solution"].sel(arm="solution", intervention="coach")
    queue = f["mean_wait_solution"].sel(arm="solution", intervention="coach")
    requests = f["requests_solution"].sel(arm="solution", intervention="coach")
    for k in range(3):
        # U given the month: uniform, sd 1/sqrt(12) per request.
        tolerance = 4 / np.sqrt(12 * requests.isel(month=k).values)
        assert (np.abs(decision.isel(month=k).values - (k + 0.5)) < tolerance).all()
        assert (queue.isel(month=k).values == 0).all()
    assert np.isnan(decision.isel(month=4).values).all()  # nothing decided: no mean
    assert np.isnan(f["mean_wait_ordinary"].sel(arm="solution").values).all()  # nobody treated as usual
    assert {"decision_wait_months_solution", "wait_months_solution"}.isdisjoint(f.data_vars)
    assert f["mean_decision_wait_solution"].attrs["units"] == "months"


def test_progress_bar_appears_only_after_its_delay_at_the_count_done(monkeypatch):
    # A quick run shows no bar and imports no tqdm (0.1 to 0.7 s of a notebook cell); a longer
    # one shows it from the first report after BAR_DELAY, counting what is already done.
    from tvaer import runs

    monkeypatch.setattr(runs, "BAR_DELAY", 3600.0)
    bar = runs.progress_bar(10, "x")
    bar.update(4)
    assert not bar.shown and bar.n == 4
    bar.close()  # closing a bar never shown is fine
    monkeypatch.setattr(runs, "BAR_DELAY", 0.0)
    bar = runs.progress_bar(10, "x")
    bar.update(3)
    bar.update(2)
    assert bar.shown and bar.n == 5 and bar._bar.n == 5 and bar._bar.total == 10
    bar.close()


def test_a_quick_simulate_with_progress_imports_no_tqdm():
    import subprocess
    import sys

    code = ("import sys, tvaer\n"
            "sc = tvaer.default_scenario().with_({'families': 20, 'horizon_months': 12})\n"
            "tvaer.simulate(sc, replications=2, seed=1, threads=1)\n"  # progress=True, the default
            "print('tqdm' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False", out.stderr
    assert "tvaer default" not in out.stderr  # no bar drawn


def test_a_first_simulate_and_summary_import_no_labelled_arrays_nor_scipy():
    # Issue 16's notebook cell: xarray (with dask.array behind its first array: about a second),
    # scipy and tqdm are imported where they are needed, not by `import tvaer`, simulate or summary.
    import subprocess
    import sys

    heavy = ["xarray", "dask", "scipy", "tqdm", "matplotlib", "h5py"]
    code = ("import sys, tvaer\n"
            f"heavy = {heavy!r}\n"
            "print(*[m for m in heavy if m in sys.modules])\n"
            "r = tvaer.simulate(tvaer.default_scenario().with_({'families': 30}), replications=10, seed=1)\n"
            "s = r.summary()\n"
            "print(*[m for m in heavy if m in sys.modules])\n"
            "print(r.yearly_costs.dims, *[m for m in heavy if m in sys.modules])\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    lines = out.stdout.split("\n")
    assert lines[0] == "" and lines[1] == "", out.stdout + out.stderr
    # The labelled arrays still work, importing xarray then.
    assert lines[2].startswith("('replication', 'year', 'sector', 'arm', 'kind') xarray"), lines[2]
