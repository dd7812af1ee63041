"""HDF5 results files from Python: exact round trip, other readers, resumable runs, the CLI.

Expectations come from a second path, never from the code's own output: a file read back must
equal the in-memory results it was written from, and a run resumed from a file must equal one
uninterrupted in-memory run of tvaer.simulate.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import tvaer
from tvaer.cli import main

RAW_ARRAYS = ["costs", "occupancy", "queue", "transitions", "requests", "starts", "dropped", "wait_months",
              "events", "admitted"]


def same_bits(a, b) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def assert_same_results(got: tvaer.Results, want: tvaer.Results) -> None:
    for name in RAW_ARRAYS:
        assert same_bits(getattr(got.raw, name), getattr(want.raw, name)), name
    assert (got.seed, got.first_replication, got.replications, got.months) == \
        (want.seed, want.first_replication, want.replications, want.months)
    assert got.budgets == want.budgets
    pd.testing.assert_frame_equal(got.lines, want.lines)
    pd.testing.assert_frame_equal(got.summary(), want.summary(), check_exact=True)


@pytest.fixture
def run(tiny):
    return tvaer.simulate(tiny, replications=5, seed=3, threads=2, progress=False)


def test_to_hdf5_then_open_results_is_exact(run, tiny, tmp_path):
    path = run.to_hdf5(tmp_path / "tiny.h5")
    assert path == str(tmp_path / "tiny.h5")
    back = tvaer.open_results(path)
    assert_same_results(back, run)
    assert same_bits(back.line_costs.values, run.line_costs.values)
    for name, var in run.flows.data_vars.items():
        assert same_bits(back.flows[name].values, var.values), name
    assert back.families == 40 == run.families
    assert back.discount_rate == 0.0
    assert back.scenario_json == tiny.to_json()
    assert "'tiny': 5 replications" in repr(back)


def test_the_file_opens_in_h5py_in_the_same_process(run, tiny, tmp_path):
    h5py = pytest.importorskip("h5py")
    path = run.to_hdf5(tmp_path / "tiny.h5")
    with h5py.File(path, "r") as f:
        assert same_bits(f["costs"][...], run.raw.costs)
        assert same_bits(f["transitions"][...], run.raw.transitions)
        assert [d.label for d in f["costs"].dims] == ["replication", "arm", "line", "month"]
        assert list(f["line_payer"].asstr()[...]) == list(run.lines["payer"])
        assert int(f.attrs["seed"]) == 3 and f.attrs["scenario_name"] == "tiny"
        assert json.loads(f.attrs["scenario"]) == tiny.data
        revision = f.attrs["git_revision"]
    assert revision == tvaer._core.GIT_REVISION
    assert revision == "unknown" or re.fullmatch(r"[0-9a-f]{40}", revision)
    # the engine reads the file again after h5py closed it
    assert same_bits(tvaer.open_results(path).raw.costs, run.raw.costs)


def test_the_file_opens_in_xarray_with_labelled_dimensions(run, tmp_path):
    xr = pytest.importorskip("xarray")
    pytest.importorskip("h5netcdf")
    path = run.to_hdf5(tmp_path / "tiny.h5")
    with xr.open_dataset(path, engine="h5netcdf") as ds:
        assert ds.costs.dims == ("replication", "arm", "line", "month")
        assert list(ds.arm.values) == ["bau", "solution"]
        assert list(ds.replication.values) == [0, 1, 2, 3, 4]
        assert list(ds.budget.values) == run.budgets
        by_payer = ds.costs.sel(arm="bau").groupby("line_payer").sum()
        paying = list(by_payer.line_payer.values)
        for payer in run.budgets:  # a budget that pays no line has no group but a zero cost
            mine = run.costs.sel(arm="bau", sector=payer).sum("kind").transpose("replication", "month").values
            theirs = by_payer.sel(line_payer=payer).values if payer in paying else np.zeros_like(mine)
            assert np.allclose(theirs, mine, rtol=1e-12, atol=0), payer


def test_a_resumed_run_equals_one_uninterrupted_run(tiny, tmp_path, monkeypatch):
    whole = tvaer.simulate(tiny, replications=7, seed=5, threads=1, progress=False)
    path = tmp_path / "resumed.h5"
    first = tvaer.simulate_to_file(tiny, path, replications=4, seed=5, threads=2, chunk=3, progress=False)
    assert first.replications == 4 and not first.interrupted
    calls = []  # (first replication, count, chunk) of every engine call of the resumed run
    real_run = tvaer.runs.run

    def spy(model, seed, first, count, threads, report, record, deliver=None, block=0):
        calls.append((first, count, block))
        return real_run(model, seed, first, count, threads, report, record, deliver, block)

    monkeypatch.setattr("tvaer.runs.run", spy)
    done = tvaer.simulate_to_file(tiny, path, replications=7, seed=5, threads=2, chunk=2, progress=False)
    assert calls == [(4, 3, 2)]  # only the replications the file lacks, handed over 2 at a time
    monkeypatch.undo()
    assert_same_results(done, whole)
    single = tvaer.simulate_to_file(tiny, tmp_path / "single.h5", replications=7, seed=5, chunk=7, progress=False)
    assert_same_results(single, whole)
    again = tvaer.simulate_to_file(tiny, path, replications=7, seed=5, progress=False)
    assert_same_results(again, whole)


def test_ctrl_c_keeps_the_complete_replications_on_disk(tiny, tmp_path, ctrl_c_at, monkeypatch):
    ctrl_c_at(5)
    path = tmp_path / "stopped.h5"
    part = tvaer.simulate_to_file(tiny, path, replications=10, seed=2, threads=1, chunk=2)
    assert part.interrupted
    assert 4 <= part.replications < 10
    whole = tvaer.simulate(tiny, replications=10, seed=2, threads=1, progress=False)
    k = part.replications
    assert same_bits(tvaer.open_results(path).raw.costs, whole.raw.costs[:k])
    monkeypatch.undo()
    assert_same_results(tvaer.simulate_to_file(tiny, path, replications=10, seed=2, progress=False), whole)


def test_resuming_with_another_seed_is_refused_and_leaves_the_file(tiny, tmp_path):
    path = tmp_path / "run.h5"
    tvaer.simulate_to_file(tiny, path, replications=2, seed=5, progress=False)
    before = path.read_bytes()
    with pytest.raises(tvaer.ResultsFileError,
                       match=re.escape(f"results file {path}: cannot resume: it holds seed 5, not 6; "
                                       "write to another file or remove it")):
        tvaer.simulate_to_file(tiny, path, replications=4, seed=6, progress=False)
    assert path.read_bytes() == before


def test_resuming_with_another_scenario_names_the_difference(tiny, tmp_path):
    path = tmp_path / "run.h5"
    tvaer.simulate_to_file(tiny, path, replications=2, seed=5, progress=False)
    other = tiny.with_({"interventions.coach.capacity": 6})
    with pytest.raises(tvaer.ResultsFileError,
                       match=re.escape(f"results file {path}: cannot resume: it holds another scenario "
                                       "(first difference at interventions[0].capacity: 5 in the file, 6 given)")):
        tvaer.simulate_to_file(other, path, replications=4, seed=5, progress=False)


def test_resuming_a_longer_file_is_refused(tiny, tmp_path):
    path = tmp_path / "run.h5"
    tvaer.simulate_to_file(tiny, path, replications=3, seed=5, progress=False)
    with pytest.raises(tvaer.ResultsFileError, match="it holds 3 replications, more than the 2 asked for"):
        tvaer.simulate_to_file(tiny, path, replications=2, seed=5, progress=False)


def test_simulate_to_file_checks_chunk(tiny, tmp_path):
    with pytest.raises(ValueError, match=r"chunk: must be an integer >= 1, got 0"):
        tvaer.simulate_to_file(tiny, tmp_path / "x.h5", replications=2, chunk=0, progress=False)


def test_writing_into_a_missing_folder_names_the_path(run, tmp_path):
    path = tmp_path / "no" / "such" / "tiny.h5"
    with pytest.raises(tvaer.ResultsFileError, match=re.escape(f"results file {path}: cannot create {path}.lock: No such file")):
        run.to_hdf5(path)
    assert not path.parent.exists()


def test_a_failed_write_keeps_the_file_already_there(run, tiny, tmp_path):
    path = run.to_hdf5(tmp_path / "tiny.h5")
    before = (tmp_path / "tiny.h5").read_bytes()
    (tmp_path / "tiny.h5.tmp").mkdir()  # the writer's temporary file cannot be created
    other = tvaer.simulate(tiny, replications=2, seed=9, threads=1, progress=False)
    with pytest.raises(tvaer.ResultsFileError, match=re.escape(f"results file {path}: cannot create {path}.tmp")):
        other.to_hdf5(path)
    assert (tmp_path / "tiny.h5").read_bytes() == before
    assert_same_results(tvaer.open_results(path), run)


def test_opening_a_missing_file_names_it(tmp_path):
    path = tmp_path / "nope.h5"
    with pytest.raises(tvaer.ResultsFileError, match=re.escape(f"results file {path}: cannot open {path}")):
        tvaer.open_results(path)


def test_cli_run_writes_h5_csv_png_and_report_reads_the_h5(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", "default", "--out", str(out), "-n", "3", "--seed", "4", "--threads", "2", "--quiet"]) == 0
    for name in ["default.h5", "default-summary.csv", "default.png"]:
        assert (out / name).stat().st_size > 0, name
    res = tvaer.open_results(out / "default.h5")
    assert (res.replications, res.seed) == (3, 4)
    want = tvaer.simulate(tvaer.default_scenario(), replications=3, seed=4, threads=1, progress=False)
    assert_same_results(res, want)
    html = tmp_path / "page.html"
    assert main(["report", str(out / "default.h5"), "--out", str(html)]) == 0
    assert "seed 4" in html.read_text(encoding="utf-8")


def test_cli_run_resume_goes_on_from_the_file(tmp_path, capsys):
    h5 = tmp_path / "d.h5"
    args = ["run", "default", "--out", str(h5), "--seed", "4", "--threads", "2", "--quiet", "--resume", "--chunk", "2"]
    assert main(args + ["-n", "2"]) == 0
    assert main(args + ["-n", "3"]) == 0
    want = tvaer.simulate(tvaer.default_scenario(), replications=3, seed=4, threads=1, progress=False)
    assert_same_results(tvaer.open_results(h5), want)
    assert main(args + ["-n", "4", "--seed", "5"]) == 2
    assert "cannot resume: it holds seed 4, not 5" in capsys.readouterr().err


def test_cli_run_family_costs_stores_them_in_the_file(tmp_path, capsys):
    h5 = tmp_path / "f.h5"
    assert main(["run", "default", "--out", str(h5), "-n", "2", "--seed", "3", "--quiet", "--family-costs"]) == 0
    want = tvaer.simulate(tvaer.default_scenario(), replications=2, seed=3, threads=1, progress=False, family_costs=True)
    np.testing.assert_array_equal(tvaer.open_results(h5).family_costs.values, want.family_costs.values)


DATA = Path(__file__).resolve().parents[1] / "data"


def test_a_file_of_schema_version_1_written_by_the_engine_opens(tmp_path):
    h5py = pytest.importorskip("h5py")
    path = DATA / "results-v1.h5"
    res = tvaer.open_results(path)
    assert (res.seed, res.first_replication, res.replications) == (2024, 0, 2)
    assert res.families is None  # its scenario text is a TOML comment: no families given
    assert res.budgets == ["employment", "adults", "children", "solution"]
    with h5py.File(path, "r") as f:
        assert same_bits(res.line_costs.values, f["costs"][...])
        assert list(res.lines["payer"]) == list(f["line_payer"].asstr()[...])


def test_a_file_from_a_newer_tvaer_is_refused():
    path = DATA / "results-v999.h5"
    with pytest.raises(tvaer.ResultsFileError,
                       match=re.escape(f"results file {path}: schema version 999 is newer than this tvaer reads (1); "
                                       "upgrade tvaer")):
        tvaer.open_results(path)


def test_every_array_of_the_engine_table_is_labelled_as_in_the_file(tiny, tmp_path):
    h5py = pytest.importorskip("h5py")
    # 20 places for the children's measure, with a queue: the arrays of place waits are recorded too
    queued = tiny.with_({"tracks.child.states.measure.capacity": 20, "tracks.child.states.measure.when_full": "none",
                         "tracks.child.states.measure.queue": "fifo"})
    res = tvaer.simulate(queued, replications=3, seed=5, threads=1, progress=False, family_costs=True)
    path = res.to_hdf5(tmp_path / "table.h5")
    assert set(tvaer.results.ARRAYS) >= set(RAW_ARRAYS) | {"family_count", "family_cost"}
    with h5py.File(path, "r") as f:
        for name in tvaer.results.ARRAYS:
            a = res.array(name)
            assert list(a.dims) == [d.label for d in f[name].dims], name
            assert same_bits(a.values, f[name][...]), name
            assert a.attrs["long_name"] == f[name].attrs["long_name"], name
            assert a.attrs["units"] == f[name].attrs.get("units", ""), name


def test_a_file_written_before_the_per_family_output_has_those_arrays_absent():
    res = tvaer.open_results(DATA / "results-v1.h5")
    assert res.holds("costs")
    assert not res.holds("family_cost") and not res.holds("family_count")
    assert tvaer._core.read_results(str(DATA / "results-v1.h5")).family_cost is None
    with pytest.raises(ValueError, match="family_cost: not held by these results"):
        res.array("family_cost")
    with pytest.raises(ValueError, match="family_costs: not recorded in these results"):
        res.family_costs
    with pytest.raises(KeyError, match="'family_costs' is not a result array"):
        res.holds("family_costs")


def test_per_family_arrays_come_together_or_the_file_is_refused(tiny, tmp_path):
    h5py = pytest.importorskip("h5py")
    res = tvaer.simulate(tiny, replications=2, seed=5, threads=1, progress=False, family_costs=True)
    path = res.to_hdf5(tmp_path / "families.h5")
    with h5py.File(path, "a") as f:
        del f["family_candidate"]
    with pytest.raises(tvaer.ResultsFileError,
                       match=re.escape(f"results file {path}: dataset 'family_candidate' is missing")):
        tvaer.open_results(path)


def test_simulate_to_file_returns_what_the_file_holds_fresh_and_resumed(tiny, tmp_path):
    # The returned results are the chunks as written (not read back): they must be the file's.
    path = tmp_path / "run.h5"
    first = tvaer.simulate_to_file(tiny, path, replications=5, seed=3, chunk=2, progress=False)
    assert first.fingerprint() == tvaer.open_results(path).fingerprint()
    resumed = tvaer.simulate_to_file(tiny, path, replications=9, seed=3, chunk=3, progress=False)
    back = tvaer.open_results(path)
    assert resumed.fingerprint() == back.fingerprint() and resumed.replications == 9
    assert (resumed.scenario_json, resumed.scenario_name, resumed.sectors, resumed.families, resumed.discount_rate) == \
        (back.scenario_json, back.scenario_name, back.sectors, back.families, back.discount_rate)
    pd.testing.assert_frame_equal(resumed.lines, back.lines)


COMPRESSIONS = ["none", "szip", "deflate:1", "deflate:9"]


@pytest.mark.parametrize("compression", COMPRESSIONS)
def test_every_compression_reads_back_the_bits_of_simulate_whatever_the_chunks(tiny, tmp_path, compression):
    h5py = pytest.importorskip("h5py")
    whole = tvaer.simulate(tiny, replications=7, seed=4, threads=2, progress=False)
    path = tmp_path / "run.h5"
    tvaer.simulate_to_file(tiny, path, replications=3, seed=4, chunk=2, progress=False, compression=compression)
    tvaer.simulate_to_file(tiny, path, replications=7, seed=4, chunk=3, progress=False)  # resumed: the file's own
    assert_same_results(tvaer.open_results(path), whole)
    assert tvaer._core.read_provenance(str(path)).compression == compression
    # another reader sees the filters asked for (h5py names deflate 'gzip')
    want = {"none": (None, False), "szip": ("szip", False), "deflate:1": ("gzip", True), "deflate:9": ("gzip", True)}
    with h5py.File(path, "r") as f:
        assert f.attrs["compression"] == compression
        for name in ["costs", "transitions", "events", "replication"]:
            assert (f[name].compression, f[name].shuffle) == want[compression], name
        if compression.startswith("deflate"):
            assert f["costs"].compression_opts == int(compression[-1])


def test_compressed_files_are_smaller_than_the_arrays_and_uncompressed_ones_not(tmp_path):
    res = tvaer.simulate(tvaer.default_scenario(), replications=20, seed=1, threads=2, progress=False)
    raw_bytes = sum(np.asarray(getattr(res.raw, name)).nbytes for name in tvaer.results.ARRAYS if res.holds(name))
    size = {c: Path(res.to_hdf5(tmp_path / f"{c}.h5", compression=c)).stat().st_size for c in COMPRESSIONS}
    assert size["none"] >= raw_bytes  # every element stored as it is
    assert size["szip"] < raw_bytes / 2 and size["deflate:1"] < raw_bytes / 2
    assert size["deflate:9"] <= size["deflate:1"]


@pytest.mark.parametrize("given", ["lz4", "deflate", "deflate:0", "deflate:10", "gzip", "", "SZIP"])
def test_a_bad_compression_names_the_argument_what_was_given_and_the_choices(tiny, tmp_path, run, given):
    message = re.escape(f"compression: must be 'none', 'szip' or 'deflate:1' to 'deflate:9', got '{given}'")
    path = tmp_path / "x.h5"
    with pytest.raises(ValueError, match=message):
        tvaer.simulate_to_file(tiny, path, replications=2, progress=False, compression=given)
    with pytest.raises(ValueError, match=message):
        run.to_hdf5(path, compression=given)
    assert not path.exists()


def test_cli_refuses_a_bad_compression_before_simulating(tmp_path, capsys):
    out = tmp_path / "r.h5"
    assert main(["run", "default", "--out", str(out), "-n", "2", "--quiet", "--compression", "zstd"]) == 2
    assert "--compression: must be 'none', 'szip' or 'deflate:1' to 'deflate:9', got 'zstd'" in capsys.readouterr().err
    assert not out.exists()
    assert main(["run", "default", "--out", str(out), "-n", "2", "--quiet", "--compression", "none", "--resume",
                 "--chunk", "1"]) == 0
    assert tvaer._core.read_provenance(str(out)).compression == "none"


def test_resuming_with_another_compression_is_refused(tiny, tmp_path):
    path = tmp_path / "run.h5"
    tvaer.simulate_to_file(tiny, path, replications=2, seed=5, progress=False, compression="none")
    with pytest.raises(tvaer.ResultsFileError,
                       match=re.escape(f"results file {path}: cannot resume: its arrays are compressed with 'none', "
                                       "not 'deflate:2'; resume without compression= (or the same)")):
        tvaer.simulate_to_file(tiny, path, replications=4, seed=5, progress=False, compression="deflate:2")


def test_a_file_from_before_the_compression_attribute_reads_as_deflate_4_and_grows(tiny, tmp_path):
    # The old writer: shuffle + deflate 4 and no 'compression' attribute (made here by removing it).
    h5py = pytest.importorskip("h5py")
    path = tmp_path / "old.h5"
    tvaer.simulate_to_file(tiny, path, replications=3, seed=6, progress=False, compression="deflate:4")
    with h5py.File(path, "a") as f:
        del f.attrs["compression"]
    assert tvaer._core.read_provenance(str(path)).compression == "deflate:4"
    assert tvaer._core.read_provenance(str(DATA / "results-v1.h5")).compression == "deflate:4"
    tvaer.simulate_to_file(tiny, path, replications=6, seed=6, chunk=2, progress=False)
    assert_same_results(tvaer.open_results(path),
                        tvaer.simulate(tiny, replications=6, seed=6, threads=1, progress=False))


def test_appending_does_not_rewrite_what_the_file_held(tiny, tmp_path):
    # In place, not a copy: the rows of the replications already there keep their bytes and place
    # (uncompressed, so they can be found), and no journal is left behind.
    h5py = pytest.importorskip("h5py")
    path = tmp_path / "grow.h5"
    tvaer.simulate_to_file(tiny, path, replications=40, seed=2, chunk=40, progress=False, compression="none")
    with h5py.File(path, "r") as f:
        offset = f["costs"].id.get_chunk_info(0).byte_offset
        held = 40 * f["costs"][0].nbytes  # the 40 replications' rows: the first bytes of the first chunk
    before = path.read_bytes()
    inode = path.stat().st_ino
    tvaer.simulate_to_file(tiny, path, replications=60, seed=2, chunk=20, progress=False)
    after = path.read_bytes()
    assert path.stat().st_ino == inode  # the same file, not a renamed copy
    with h5py.File(path, "r") as f:
        assert f["costs"].id.get_chunk_info(0).byte_offset == offset
    assert after[offset:offset + held] == before[offset:offset + held]
    assert tvaer.open_results(path).replications == 60
    assert not Path(f"{path}.journal").exists()


def test_appends_as_large_as_the_first_block_leave_every_chunk_written_alone(tiny, tmp_path):
    # simulate_to_file appends blocks of its first block's size; the chunks are cut so that such
    # appends fill whole chunks: no chunk already written is read, recompressed (szip) and
    # rewritten elsewhere. Arrays whose block holds under 8 KiB (`events`, `admitted`) keep one
    # 256 KiB chunk, which an append does rewrite. 123 = 3 x 41: `costs` (2,304 bytes a
    # replication, 113 to 256 KiB) needs chunks of 41.
    h5py = pytest.importorskip("h5py")
    path, block = tmp_path / "aligned.h5", 123

    def chunks(f) -> dict[str, list[tuple]]:
        out = {}
        for name, ds in f.items():
            if ds.chunks is None or ds.ndim < 2 or block * ds[0].nbytes < 8 << 10:
                continue
            info = [ds.id.get_chunk_info(i) for i in range(ds.id.get_num_chunks())]
            out[name] = [(c.chunk_offset, c.byte_offset, c.size) for c in info]
        return out

    tvaer.simulate_to_file(tiny, path, replications=block, seed=2, chunk=block, progress=False, compression="szip")
    with h5py.File(path, "r") as f:
        before = chunks(f)
    assert {"costs", "occupancy", "queue", "transitions", "wait_months", "redirected_ordinary"} <= set(before)
    tvaer.simulate_to_file(tiny, path, replications=3 * block, seed=2, chunk=block, progress=False)
    with h5py.File(path, "r") as f:
        after = chunks(f)
        for name, held in before.items():
            assert after[name][:len(held)] == held, name
            assert block % f[name].chunks[0] == 0, name  # every chunk complete
    whole = tvaer.simulate(tiny, replications=3 * block, seed=2, progress=False)
    assert_same_results(tvaer.open_results(path), whole)


def test_the_last_chunk_runs_in_two_so_that_the_write_nothing_overlaps_is_short(tiny, tmp_path, monkeypatch):
    # The last chunk (of 20 or more) is cut at the largest divisor of `chunk` up to a fifth of it
    # (10 of 50, 5 of 25); a file's first block never is (its chunks are cut to it), nor chunks
    # under 20. The file is the same bits whatever the blocks.
    blocks = []  # (first replication, count) of every write
    real_store = tvaer.results_file._store

    def spy(path, raw, *rest):
        if raw.replications:
            blocks.append((int(raw.first_replication), int(raw.replications)))
        return real_store(path, raw, *rest)

    monkeypatch.setattr("tvaer.results_file._store", spy)
    expected = {(100, 50): [(0, 50), (50, 40), (90, 10)],
                (120, 50): [(0, 50), (50, 50), (100, 20)],  # 20 left: cut only above twice 10
                (130, 50): [(0, 50), (50, 50), (100, 20), (120, 10)],
                (75, 25): [(0, 25), (25, 25), (50, 20), (70, 5)],
                (50, 50): [(0, 50)],
                (30, 10): [(0, 10), (10, 10), (20, 10)]}
    for (replications, chunk), want in expected.items():
        blocks.clear()
        path = tmp_path / f"blocks-{replications}-{chunk}.h5"
        got = tvaer.simulate_to_file(tiny, path, replications=replications, seed=3, chunk=chunk, threads=1,
                                     progress=False)
        assert blocks == want, (replications, chunk)
        assert got.replications == replications
    monkeypatch.undo()
    assert_same_results(tvaer.open_results(tmp_path / "blocks-130-50.h5"),
                        tvaer.simulate(tiny, replications=130, seed=3, progress=False))
