"""A writer killed with SIGKILL at any point of writing its results file leaves a file that opens
and holds exactly the chunks committed before the kill, and resuming ends with the numbers of an
uninterrupted run (docs/reliability.md, "Kill-safety").

The kill points are deterministic: the engine's test hook `TVAER_TEST_CRASH_AT=<stage>:<n>`
(docs/results-format.md, "Crash safety") makes the writer SIGKILL itself the n-th time it
reaches a stage: `committed` (a chunk written or appended), `journaled` (an append's undo journal
saved, the file not yet changed), `extending` (the first arrays of an append extended and
flushed to the file, the others not) and `appended` (the append complete, its journal not yet
removed). `tvaer run --resume` writes its first chunk whole and appends the others, so the chunks
a kill leaves are known by hand."""

from __future__ import annotations

import os
import random
import signal
import struct
import subprocess
import sys
import time

import numpy as np
import pytest
import tomli_w

import tvaer

FAMILIES, REPLICATIONS, CHUNK = 300, 6, 2  # three chunks: the first written whole, two appended

# (stage, n, complete chunks in the file after the kill). A process's first chunk is its first
# commit and its later chunks its appends, so `committed:n` leaves n chunks and a kill inside the
# n-th append (chunk n + 1) leaves n.
CRASHES = [("committed", 1, 1), ("committed", 2, 2), ("committed", 3, 3),
           ("journaled", 1, 1), ("extending", 1, 1), ("appended", 1, 1),
           ("journaled", 2, 2), ("extending", 2, 2), ("appended", 2, 2)]


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory):
    toml = tmp_path_factory.mktemp("kill") / "k.toml"
    toml.write_text(tomli_w.dumps(tvaer.default_scenario().with_({"families": FAMILIES}).data))
    return toml


@pytest.fixture(scope="module")
def uninterrupted(scenario_file):
    """Replications 0 .. k - 1 of the run simulated in memory, no file: {k: results}."""
    scenario = tvaer.load_scenario(scenario_file)
    return {k: tvaer.simulate(scenario, replications=k, seed=7, threads=1, progress=False)
            for k in range(CHUNK, REPLICATIONS + 1, CHUNK)}


def run(toml, h5, crash_at: str | None = None) -> subprocess.CompletedProcess:
    """`tvaer run --resume` in a process of its own, with the crash hook set to `crash_at`."""
    env = {k: v for k, v in os.environ.items() if k != "TVAER_TEST_CRASH_AT"}
    if crash_at is not None:
        env["TVAER_TEST_CRASH_AT"] = crash_at
    cmd = [sys.executable, "-m", "tvaer", "run", str(toml), "--out", str(h5), "-n", str(REPLICATIONS), "--seed", "7",
           "--resume", "--chunk", str(CHUNK), "--threads", "1", "--quiet"]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)


def saved_size(journal) -> int:
    """The file size an undo journal restores (engine/src/results_journal.cpp: 8 magic bytes,
    then the size as a native uint64)."""
    with open(journal, "rb") as f:
        magic, size = struct.unpack("=8sQ", f.read(16))
    assert magic == b"tvaerj1\n"
    return size


@pytest.mark.parametrize(("stage", "n", "chunks"), CRASHES, ids=[f"{s}:{n}" for s, n, _ in CRASHES])
def test_a_writer_killed_at_each_stage_leaves_the_committed_chunks_and_resumes_to_the_same_numbers(
        tmp_path, scenario_file, uninterrupted, stage, n, chunks):
    h5 = tmp_path / "killed.h5"
    journal = f"{h5}.journal"
    p = run(scenario_file, h5, f"{stage}:{n}")
    assert p.returncode == -signal.SIGKILL, p.stderr
    inside_append = stage != "committed"
    assert os.path.exists(journal) == inside_append  # an uncommitted append: the file may be torn
    if inside_append:
        before = saved_size(journal)
        # journaled: not changed yet; extending, appended: grown past the size the journal restores
        assert (os.path.getsize(h5) > before) == (stage != "journaled")
    res = tvaer.open_results(h5)  # rolls back an append whose writer died
    assert not os.path.exists(journal)
    if inside_append:
        assert os.path.getsize(h5) == before
    assert res.replications == chunks * CHUNK
    assert res.fingerprint() == uninterrupted[chunks * CHUNK].fingerprint()  # every array, bit for bit
    finished = tvaer.simulate_to_file(tvaer.load_scenario(scenario_file), h5, replications=REPLICATIONS, seed=7,
                                      chunk=CHUNK, threads=1, progress=False)
    assert finished.replications == REPLICATIONS
    assert tvaer.open_results(h5).fingerprint() == uninterrupted[REPLICATIONS].fingerprint()


def test_a_resumed_run_killed_again_inside_its_first_append_loses_nothing(tmp_path, scenario_file, uninterrupted):
    # Killed inside the append of chunk 2, then resumed and killed inside its own first append
    # (chunk 2 again) and after its first commit: one chunk, one chunk, two, then the rest.
    h5 = tmp_path / "killed.h5"
    for crash_at, chunks in [("extending:1", 1), ("appended:1", 1), ("committed:1", 2), (None, 3)]:
        p = run(scenario_file, h5, crash_at)
        assert p.returncode == (0 if crash_at is None else -signal.SIGKILL), (crash_at, p.stderr)
        res = tvaer.open_results(h5)
        assert res.replications == chunks * CHUNK, crash_at
        assert res.fingerprint() == uninterrupted[chunks * CHUNK].fingerprint(), crash_at


def test_an_invalid_crash_hook_is_refused_naming_the_variable_and_what_it_expects(tmp_path, scenario_file):
    value = "extended:1"  # the other invalid forms: tests/cpp/crash_hook_test.cpp
    p = run(scenario_file, tmp_path / "r.h5", value)
    assert p.returncode != 0
    assert ("TVAER_TEST_CRASH_AT: expected <stage>:<n> with <stage> one of committed, journaled, extending, appended "
            f"and <n> an integer >= 1, got '{value}'") in p.stderr
    assert not os.path.exists(tmp_path / "r.h5")


# Kills at arbitrary instructions, which the hook's four stages do not reach: inside HDF5's own
# writes and flushes, while the journal is written or renamed. A child process appends one
# replication at a time as fast as it can and is SIGKILLed at seeded moments; wherever a kill lands
# (inside an append or between two, which this test does not count on), what a reader then finds
# must be a prefix of the uninterrupted run.
APPENDER = r"""
import sys, tomllib
import tvaer
from tvaer import _core, runs
toml, path, total = sys.argv[1], sys.argv[2], int(sys.argv[3])
scenario = tvaer.Scenario(tomllib.loads(open(toml).read()), toml)
model = tvaer.scenario.compile_model(scenario)
record = runs.recording()
raws = [runs.run(model, 7, k, 1, 1, None, record)[0] for k in range(total)]
import os
done = _core.read_results(path).replications if os.path.exists(path) else 0
if done == 0:
    _core.write_results(path, raws[0], _core.make_provenance(model, scenario.to_json()), "szip")
    done = 1
print("ready", flush=True)
for k in range(done, total):
    _core.append_results(path, raws[k])
"""


def appender(toml, h5, total: int) -> subprocess.Popen:
    """The appending child, once it is ready to append (its replications simulated)."""
    p = subprocess.Popen([sys.executable, "-c", APPENDER, str(toml), str(h5), str(total)], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "ready", finish(p)
    return p


def finish(p: subprocess.Popen, kill: bool = False) -> str:
    """Kills `p` (or waits for it to succeed); returns its error output."""
    if kill:
        p.send_signal(signal.SIGKILL)
    _, err = p.communicate(timeout=120)
    assert kill or p.returncode == 0, err
    return err


def test_sigkill_at_arbitrary_moments_of_appends_in_place_leaves_a_prefix_of_the_run_and_goes_on(tmp_path):
    total = 12
    scenario = tvaer.default_scenario().with_({"families": 100})
    toml = tmp_path / "a.toml"
    toml.write_text(tomli_w.dumps(scenario.data))
    whole = tvaer.simulate(scenario, replications=total, seed=7, threads=1, progress=False)
    timed = tmp_path / "timed.h5"
    p = appender(toml, timed, total)
    start = time.monotonic()
    finish(p)
    per_append = (time.monotonic() - start) / (total - 1)
    h5 = tmp_path / "killed.h5"
    rng = random.Random(16)
    seen = 0
    for _ in range(5):
        p = appender(toml, h5, total)
        time.sleep(rng.uniform(0.2, 2.0) * per_append)
        finish(p, kill=True)
        raw = tvaer._core.read_results(str(h5))  # rolls back a half-made append
        k = raw.replications
        assert seen <= k <= total
        assert raw.costs.tobytes() == whole.raw.costs[:k].tobytes()
        assert raw.events.tobytes() == whole.raw.events[:k].tobytes()
        assert not os.path.exists(f"{h5}.journal")
        seen = k
    finish(appender(toml, h5, total))
    assert tvaer.open_results(h5).fingerprint() == whole.fingerprint()
