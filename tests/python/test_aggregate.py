"""simulate(..., keep="totals"): replications folded as they finish (tvaer/aggregate.py).

The oracle is the full run of the same seed: numpy's mean and variance over its arrays, and its
summary; the totals must agree with them and be the same bytes whatever the threads and blocks."""

from __future__ import annotations

import signal
import sys
import threading
import time

import numpy as np
import pandas as pd
import pytest

import tvaer
from tvaer import aggregate, runs
from tvaer.scenario import compile_model

REPS = 23  # not a multiple of any block size used below


@pytest.fixture(scope="module")
def pair():
    sc = tvaer.default_scenario().with_(families=120)
    full = tvaer.simulate(sc, replications=REPS, seed=5, threads=2, progress=False)
    totals = tvaer.simulate(sc, replications=REPS, seed=5, threads=2, progress=False, keep="totals")
    return full, totals


def _full_array(full, name):
    """One replication per row, straight from the full run's arrays."""
    if name == "costs":
        return full.costs.values  # (rep, month, sector, arm, kind)
    if name == "line_costs":
        return full.line_costs.values
    return full.array(name).values.astype(float)


def test_totals_means_and_variances_equal_numpys_over_the_full_arrays_of_the_same_run(pair):
    full, totals = pair
    names = totals.moment_names()
    assert {"costs", "line_costs", "occupancy", "transitions", "queue", "starts"} <= set(names)
    for name in names:
        x = _full_array(full, name)
        mean, var = x.mean(axis=0), x.var(axis=0, ddof=1)
        scale = float(np.abs(x).max()) or 1.0
        assert totals.mean(name).shape == mean.shape, name
        np.testing.assert_allclose(totals.mean(name).values, mean, rtol=1e-12, atol=1e-13 * scale, err_msg=name)
        np.testing.assert_allclose(totals.variance(name).values, var, rtol=1e-9, atol=1e-12 * scale**2, err_msg=name)


def test_totals_give_the_full_runs_summary_break_even_present_value_events_and_yearly_costs(pair):
    full, totals = pair
    pd.testing.assert_frame_equal(totals.summary(), full.summary(), rtol=1e-12)
    np.testing.assert_equal(totals.break_even(), full.break_even())  # NaN == NaN here
    np.testing.assert_allclose(totals.present_value().values, full.present_value().values, rtol=1e-12)
    np.testing.assert_allclose(totals.yearly_costs.values, full.yearly_costs.values, rtol=1e-12)
    assert totals.yearly_costs.dims == full.yearly_costs.dims
    assert np.array_equal(totals.events, full.events) and np.array_equal(totals.admitted, full.admitted)
    assert totals.replications == REPS and totals.keep == "totals" and full.keep == "replications"


def test_totals_and_full_runs_label_mean_and_variance_alike(pair):
    full, totals = pair
    for name in ["costs", "line_costs", "occupancy"]:
        a, b = full.mean(name), totals.mean(name)
        assert a.dims == b.dims and all(np.array_equal(a[d].values, b[d].values) for d in a.dims), name
    assert full.mean("costs").dims == ("month", "sector", "arm", "kind")
    with pytest.raises(ValueError, match=r"Results.mean/variance: 'family_cost' is not one of \['costs', 'line_costs'"):
        totals.mean("family_cost")


@pytest.mark.parametrize("threads,block_bytes", [(1, 1), (2, 1), (1, 10**9)])
def test_totals_are_the_same_bytes_whatever_the_threads_and_blocks(tiny, monkeypatch, threads, block_bytes):
    ref = tvaer.simulate(tiny, replications=17, seed=9, threads=2, progress=False, keep="totals")
    # 1 byte: blocks of 4 x threads replications; 10**9: the whole run after the first block.
    monkeypatch.setattr(sys.modules["tvaer.aggregate"], "BLOCK_BYTES", block_bytes)
    other = tvaer.simulate(tiny, replications=17, seed=9, threads=threads, progress=False, keep="totals")
    assert other.yearly_costs.values.tobytes() == ref.yearly_costs.values.tobytes()
    for name in ref.moment_names():
        assert other.mean(name).values.tobytes() == ref.mean(name).values.tobytes(), name
        assert other.variance(name).values.tobytes() == ref.variance(name).values.tobytes(), name


def _run_totals(model, count, seed=3):
    """aggregate.run as simulate(..., keep="totals") calls it, on one engine thread; returns the
    totals, whether the run was interrupted, and the largest progress count (replications run)."""
    seen = [0]

    def report(k):
        seen[0] = max(seen[0], k)
        return True

    def run_block(first, n, rep, deliver=None, block=0):
        return runs.run(model, seed, first, n, 1, rep, runs.recording(), deliver, block)

    totals, interrupted = aggregate.run(run_block, list(model.lines), 0, count, 1, report)
    return totals, interrupted, seen[0]


def test_an_error_in_a_blocks_fold_reaches_the_caller_and_stops_the_engine(tiny, monkeypatch):
    # Blocks are folded on a second thread while the engine runs on; a fold's error must be
    # raised from the run, and the engine must stop instead of running every replication.
    monkeypatch.setattr(aggregate, "BLOCK_BYTES", 1)  # blocks of 4 replications after the first
    add = aggregate.Totals.add

    def failing_add(self, raw):
        if self.replications == 5:  # the third block
            raise RuntimeError("the fold failed")
        add(self, raw)

    monkeypatch.setattr(aggregate.Totals, "add", failing_add)
    handed = []
    hand_over = runs.HandOver.__call__
    monkeypatch.setattr(runs.HandOver, "__call__", lambda self, raw: handed.append(1) or hand_over(self, raw))
    model = compile_model(tiny.with_(families=2000))
    with pytest.raises(RuntimeError, match=r"^the fold failed$"):
        _run_totals(model, 400)
    # Raised when the fourth block waited for the third's fold: no later block is handed over.
    assert len(handed) == 4


def test_ctrl_c_while_waiting_for_a_fold_folds_every_replication_run(tiny, monkeypatch):
    # Ctrl-C (SIGINT to the main thread) arrives while the engine, handing over the third block,
    # waits for the second block's fold: the run stops, nothing is raised, and the totals are
    # those of a run of exactly the replications that completed (no block lost or doubled).
    monkeypatch.setattr(aggregate, "BLOCK_BYTES", 1)  # blocks of 4 replications after the first
    add = aggregate.Totals.add

    def slow_add(self, raw):
        if self.replications == 1:  # the second block: the third is handed over meanwhile
            time.sleep(0.3)
            signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)
            time.sleep(0.2)
        add(self, raw)

    monkeypatch.setattr(aggregate.Totals, "add", slow_add)
    model = compile_model(tiny)
    totals, interrupted, _ = _run_totals(model, 4000)
    assert interrupted and 9 <= totals.replications < 4000
    monkeypatch.setattr(aggregate.Totals, "add", add)
    same, again, _ = _run_totals(model, totals.replications)
    assert not again
    for name in same.moment_names():
        assert totals.mean(name).tobytes() == same.mean(name).tobytes(), name
        assert totals.variance(name).tobytes() == same.variance(name).tobytes(), name


def test_what_needs_every_replication_names_keep_replications(pair, tiny):
    _, totals = pair
    needs = r"needs every replication's month-by-line arrays, which tvaer.simulate\(\.\.\., keep='totals'\) does " \
            r"not keep; run with keep='replications' \(the default\)"
    for what, call in [("Results.costs", lambda: totals.costs), ("Results.line_costs", lambda: totals.line_costs),
                       ("Results.flows", lambda: totals.flows), ("Results.raw", lambda: totals.raw),
                       (r"Results.fingerprint\(\)", totals.fingerprint),
                       (r"Results.array\('occupancy'\)", lambda: totals.array("occupancy")),
                       ("Results.family_costs", lambda: totals.family_costs),
                       ("Results.to_hdf5", lambda: totals.to_hdf5("never.h5")),
                       ("budgets.settle", lambda: tvaer.budgets.settle(totals))]:
        with pytest.raises(ValueError, match=f"^{what}: {needs}"):
            call()
    assert totals.array("events").shape == (REPS, 2)  # kept per replication


def test_keep_is_checked_and_refuses_per_replication_detail(tiny):
    with pytest.raises(ValueError, match=r"keep: must be 'replications' .* or 'totals' .*, got 'all'"):
        tvaer.simulate(tiny, replications=2, progress=False, keep="all")
    for flag in ["family_costs", "bookings"]:
        with pytest.raises(ValueError, match=r"keep='totals' keeps no per-replication detail; family_costs=True and "
                                             r"bookings=True need keep='replications'"):
            tvaer.simulate(tiny, replications=2, progress=False, keep="totals", **{flag: True})


def test_ctrl_c_keeps_the_totals_of_the_complete_replications(tiny, ctrl_c_at):
    ctrl_c_at(3)
    big = tiny.with_(families=20000)
    part = tvaer.simulate(big, replications=40, seed=4, threads=1, keep="totals")
    assert part.interrupted and 3 <= part.replications < 40
    whole = tvaer.simulate(big, replications=part.replications, seed=4, threads=1, progress=False)
    np.testing.assert_allclose(part.yearly_costs.values, whole.yearly_costs.values, rtol=1e-12)
    np.testing.assert_allclose(part.mean().values, whole.costs.values.mean(axis=0), rtol=1e-12)


def test_compare_with_totals_gives_the_same_paired_differences(tiny):
    scenarios = {"base": tiny, "more": tiny.with_({"selection.capacity": 20})}
    full = tvaer.compare(scenarios, replications=9, seed=2, progress=False).differences()
    totals = tvaer.compare(scenarios, replications=9, seed=2, progress=False, keep="totals").differences()
    pd.testing.assert_frame_equal(totals, full, rtol=1e-12)
    assert (full["difference"] != 0).any()  # the comparison compares something


def test_simulate_to_file_with_totals_writes_every_array_and_returns_the_totals(tiny, tmp_path):
    path = tmp_path / "run.h5"
    tvaer.simulate_to_file(tiny, path, replications=4, seed=6, chunk=3, progress=False, keep="totals")
    res = tvaer.simulate_to_file(tiny, path, replications=11, seed=6, chunk=3, progress=False, keep="totals")
    assert res.keep == "totals" and res.replications == 11
    whole = tvaer.simulate(tiny, replications=11, seed=6, progress=False)
    assert tvaer.open_results(path).fingerprint() == whole.fingerprint()  # the file has everything
    pd.testing.assert_frame_equal(res.summary(), whole.summary(), rtol=1e-12)
    np.testing.assert_allclose(res.mean("occupancy").values, whole.array("occupancy").values.mean(axis=0), rtol=1e-12)
