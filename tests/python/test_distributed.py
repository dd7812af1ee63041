"""Replications on a Dask cluster (tvaer.distributed): the same numbers as the local run whatever
the chunking, a killed worker's chunk rerun, Ctrl-C, and `tvaer run --scheduler`.

The oracle is the local single-process run with the same seed: an independent path (one engine
call in this process, no chunks, no HDF5 round trip, no Dask)."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import threading
import time

import cloudpickle
import numpy as np
import pandas as pd
import pytest
import tomli_w
from dask.distributed import Client, LocalCluster, WorkerPlugin

import tvaer

TVAER = [sys.executable, "-m", "tvaer"]
cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the plugin below, for the workers


def cluster() -> LocalCluster:
    return LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=":0")


@pytest.fixture(scope="module")
def client():
    with cluster() as c, Client(c) as cl:
        cl.run(lambda: __import__("tvaer"))  # workers import tvaer now, not during a timed test
        yield cl


def ctrl_c_after(monkeypatch, chunks: int) -> None:
    """Ctrl-C (KeyboardInterrupt) on the client as it takes chunk number `chunks` + 1, wherever
    that chunk is in the file order: deterministic, unlike a timer."""
    decode, calls = tvaer.distributed.decode, []

    def interrupting(data: bytes):
        calls.append(1)
        if len(calls) > chunks:
            raise KeyboardInterrupt
        return decode(data)

    monkeypatch.setattr(tvaer.distributed, "decode", interrupting)


def same_arrays(a: tvaer.Results, b: tvaer.Results) -> None:
    assert (a.first_replication, a.replications) == (b.first_replication, b.replications)
    for name in tvaer.results.ARRAYS:
        assert a.holds(name) == b.holds(name), name
        if a.holds(name):
            np.testing.assert_array_equal(np.asarray(getattr(a.raw, name)), np.asarray(getattr(b.raw, name)), name)
    assert a.fingerprint() == b.fingerprint()


@pytest.mark.parametrize("chunk", [3, 11])
def test_two_worker_processes_give_the_local_numbers_whatever_the_chunk_size(client, tiny, chunk):
    local = tvaer.simulate(tiny, replications=11, seed=5, first_replication=2, threads=1, progress=False,
                           family_costs=True)
    remote = tvaer.simulate(tiny, replications=11, seed=5, first_replication=2, progress=False, family_costs=True,
                            client=client, chunk=chunk)
    same_arrays(remote, local)
    assert not remote.interrupted
    assert list(remote.costs["replication"].values) == list(range(2, 13))


def test_engine_threads_per_chunk_and_the_default_chunk_give_the_same_numbers(client, tiny):
    local = tvaer.simulate(tiny, replications=9, seed=8, threads=2, progress=False)
    same_arrays(tvaer.simulate(tiny, replications=9, seed=8, threads=2, progress=False, client=client), local)


def test_a_population_table_travels_with_the_scenario_not_as_a_file(tiny_data, tmp_path):
    (tmp_path / "people.csv").write_text("family,track,state\n0,adult,out\n0,child,measure\n1,adult,job\n")
    data = dict(tiny_data, population={"table": "people.csv"})
    data.pop("families")
    (tmp_path / "table.toml").write_text(tomli_w.dumps(data))
    sc = tvaer.load_scenario(tmp_path / "table.toml")
    local = tvaer.simulate(sc, replications=4, seed=2, threads=1, progress=False)
    _, pay = tvaer.distributed.payload(sc)
    (tmp_path / "people.csv").unlink()  # a worker reading the file would fail now
    on_worker = pickle.loads(pickle.dumps(pay))  # as the worker gets it
    raw = tvaer._core.run(on_worker.model(), 2, 0, 4, 1, None, tvaer._core.ReplicationOptions())
    np.testing.assert_array_equal(np.asarray(raw.costs), np.asarray(local.raw.costs))
    np.testing.assert_array_equal(np.asarray(raw.occupancy), np.asarray(local.raw.occupancy))


def test_simulate_to_file_with_a_client_resumes_a_local_file_into_the_local_numbers(client, tiny, tmp_path):
    path = tmp_path / "run.h5"
    tvaer.simulate_to_file(tiny, path, replications=5, seed=3, chunk=5, progress=False)
    res = tvaer.simulate_to_file(tiny, path, replications=14, seed=3, chunk=4, progress=False, client=client)
    same_arrays(res, tvaer.simulate(tiny, replications=14, seed=3, threads=1, progress=False))
    same_arrays(tvaer.open_results(path), res)


def test_compare_and_the_studies_run_on_the_client_with_the_local_numbers(client, tiny):
    other = tiny.with_({"interventions.coach.capacity": 2})
    runs = {"base": tiny, "smaller coach": other}
    local = tvaer.compare(runs, replications=6, seed=9, threads=1, progress=False)
    remote = tvaer.compare(runs, replications=6, seed=9, progress=False, client=client)
    pd.testing.assert_frame_equal(remote.differences(), local.differences())
    pilots = dict(scenario=tiny, families=[5], months=[12, 24], replications=6, seed=2)
    pd.testing.assert_frame_equal(tvaer.pilot_power(**pilots, client=client), tvaer.pilot_power(**pilots, threads=1))


def test_a_worker_with_another_tvaer_build_is_named_and_refused(client):
    class OtherBuild:  # a cluster whose second worker runs another revision
        def run(self, fn):
            mine = fn()
            return {"tcp://a:1": mine, "tcp://b:2": (mine[0], "0123abc")}

    tvaer.distributed.check_workers(client)  # the real workers run this build
    with pytest.raises(tvaer.TvaerError, match=r"^Dask worker tcp://b:2: runs tvaer .* at revision 0123abc, this is "
                                               r"tvaer .*; install the same build on every worker$"):
        tvaer.distributed.check_workers(OtherBuild())


def test_bookings_and_chunk_without_a_client_are_refused(client, tiny):
    with pytest.raises(ValueError, match=r"bookings: not recorded on a Dask cluster .*run without client="):
        tvaer.simulate(tiny, replications=2, progress=False, bookings=True, client=client)
    with pytest.raises(ValueError, match=r"chunk: goes with client= .*got chunk=5 without a client"):
        tvaer.simulate(tiny, replications=2, progress=False, chunk=5)
    with pytest.raises(ValueError, match=r"chunk: must be an integer >= 1, got 0"):
        tvaer.simulate(tiny, replications=2, progress=False, chunk=0, client=client)


def test_ctrl_c_cancels_the_chunks_not_done_and_returns_the_consecutive_replications_done(client, tiny,
                                                                                           monkeypatch):
    big = tiny.with_(families=2000, horizon_months=60)
    ctrl_c_after(monkeypatch, 3)
    res = tvaer.simulate(big, replications=400, seed=4, progress=False, client=client, chunk=2)
    assert res.interrupted and res.replications == 6  # the three chunks taken
    same_arrays(res, tvaer.simulate(big, replications=6, seed=4, threads=2, progress=False))
    deadline = time.monotonic() + 10
    while any(client.processing().values()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(client.processing().values()), "chunks still running after Ctrl-C"


def test_an_interrupted_distributed_file_run_resumes_locally_into_the_local_numbers(client, tiny, tmp_path,
                                                                                     monkeypatch):
    big, path = tiny.with_(families=2000, horizon_months=60), tmp_path / "run.h5"
    ctrl_c_after(monkeypatch, 2)
    part = tvaer.simulate_to_file(big, path, replications=400, seed=4, chunk=2, progress=False, client=client)
    assert part.interrupted and part.replications == tvaer.open_results(path).replications == 4
    monkeypatch.undo()
    n = part.replications + 3
    res = tvaer.simulate_to_file(big, path, replications=n, seed=4, chunk=2, threads=2, progress=False)
    same_arrays(res, tvaer.simulate(big, replications=n, seed=4, threads=2, progress=False))


# ---- a worker that dies mid-chunk -------------------------------------------------------------


class KillOnFirstChunk(WorkerPlugin):
    """Kills its worker process when the first chunk starts there; the marker file makes it once
    per test (a restarted worker gets the plugin again, and finds the marker)."""

    name = "kill-on-first-chunk"

    def __init__(self, marker: str):
        self.marker = marker

    def setup(self, worker) -> None:
        self.worker = worker

    def transition(self, key, start, finish, **kwargs) -> None:
        if finish == "executing" and "run_chunk" in str(key):
            try:
                fd = os.open(self.marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                return
            os.write(fd, f"{os.getpid()} {key}".encode())
            os.close(fd)
            os._exit(1)


def test_a_worker_killed_mid_chunk_loses_no_replication_and_counts_none_twice(tiny, tmp_path):
    marker = tmp_path / "killed"
    local = tvaer.simulate(tiny, replications=12, seed=6, threads=1, progress=False)
    with cluster() as c, Client(c) as cl:
        before = set(cl.scheduler_info()["workers"])
        cl.register_plugin(KillOnFirstChunk(str(marker)))
        res = tvaer.simulate(tiny, replications=12, seed=6, progress=False, client=cl, chunk=3)
        pid = int(marker.read_text().split()[0])
        replaced = set(cl.scheduler_info()["workers"]) != before
    assert marker.exists() and replaced, "no worker was killed: the test tests nothing"
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    same_arrays(res, local)
    assert list(res.costs["replication"].values) == list(range(12))


# ---- tvaer run --scheduler ---------------------------------------------------------------------


def test_tvaer_run_scheduler_writes_the_local_numbers(client, tiny, tmp_path):
    toml = tmp_path / "tiny.toml"
    toml.write_text(tomli_w.dumps(tiny.data))
    h5 = tmp_path / "out.h5"
    done = subprocess.run([*TVAER, "run", str(toml), "--out", str(h5), "-n", "7", "--seed", "2", "--quiet",
                           "--resume", "--chunk", "3", "--scheduler", client.scheduler.address],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    same_arrays(tvaer.open_results(h5), tvaer.simulate(tiny, replications=7, seed=2, threads=1, progress=False))


def test_tvaer_run_with_a_bad_scheduler_address_says_so_without_a_traceback(tiny, tmp_path):
    toml = tmp_path / "tiny.toml"
    toml.write_text(tomli_w.dumps(tiny.data))
    done = subprocess.run([*TVAER, "run", str(toml), "--out", str(tmp_path / "x.h5"), "-n", "2", "--quiet",
                           "--scheduler", "nonsense::"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("tvaer: error: scheduler 'nonsense::': cannot connect to a Dask scheduler there "
                                  "(invalid address"), done.stderr
    assert not (tmp_path / "x.h5").exists()
