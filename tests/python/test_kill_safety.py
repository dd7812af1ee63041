"""A `tvaer run --resume` killed with SIGKILL at random moments never leaves a results file that
fails to open, never loses replications a reader had already seen in it, and resuming after each
kill ends with the numbers of an uninterrupted run (docs/reliability.md, "Kill-safety").

The kill moments are drawn from seeded generators: before the first write, or a random time
within a chunk after the reader has seen one or two more writes (so also while a chunk is being
written)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

import numpy as np
import tomli_w

import tvaer

REPLICATIONS, CHUNK = 24, 2


def command(toml: str, h5) -> list[str]:
    return [sys.executable, "-m", "tvaer", "run", toml, "--out", str(h5), "-n", str(REPLICATIONS), "--seed", "7",
            "--resume", "--chunk", str(CHUNK), "--threads", "1", "--quiet"]


def replications_in(h5) -> int:
    """What a reader finds in the file now: 0 when there is none yet; fails the test if it does
    not open (the writer replaces it whole, so a reader never sees a partial file)."""
    return tvaer.open_results(h5).replications if os.path.exists(h5) else 0


def watch(cmd: list[str], writes: int | None = None, delay: float = 0.0) -> tuple[int, float, float]:
    """Runs `cmd` watching its file. With `writes`, SIGKILLs it `delay` seconds after a reader has
    seen that many more writes (0: `delay` seconds after the start); else lets it finish and checks
    it succeeded. The most replications a reader saw in the file, and when it first saw some and
    all of them (seconds after the start; inf: never)."""
    h5 = cmd[cmd.index("--out") + 1]
    seen = at_start = replications_in(h5)
    first, full, kill_at = float("inf"), float("inf"), delay if writes == 0 else float("inf")
    with subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) as p:
        start = time.monotonic()
        while p.poll() is None and time.monotonic() - start < min(kill_at, 120):
            seen = max(seen, replications_in(h5))
            now = time.monotonic() - start
            first = min(first, now) if seen else first
            full = min(full, now) if seen == REPLICATIONS else full
            if writes and seen >= at_start + writes * CHUNK:
                kill_at = min(kill_at, now + delay)
            time.sleep(0.005)
        if writes is None:
            assert p.wait(timeout=60) == 0, p.stderr.read().decode()
        p.send_signal(signal.SIGKILL)
        p.wait(timeout=60)
    return seen, first, full


def test_sigkill_at_random_moments_loses_nothing_written_and_resumes_to_the_same_numbers(tmp_path, tiny):
    # Large enough that a chunk takes longer than a reader's look at the file (about 50 ms): with
    # appends in place and the faster engine, 5,000 families wrote all 24 replications in 0.9 s on a
    # quiet machine and a reader's first look could already find them all.
    scenario = tiny.with_(families=20000, horizon_months=60)
    toml = tmp_path / "k.toml"
    toml.write_text(tomli_w.dumps(scenario.data))
    whole, h5 = tmp_path / "whole.h5", tmp_path / "killed.h5"
    _, first, full = watch(command(str(toml), whole))
    assert first < full < float("inf"), (first, full)  # the writes of a whole run were seen
    per_write = (full - first) / (REPLICATIONS / CHUNK - 1)
    kept = []
    for seed, writes in enumerate([0, 1, 2, 1, 0, 2]):
        # before the first write (during start-up or the first chunk), or after 1 or 2 more
        # writes, at a random moment within the next chunk (which may be while it is written)
        rng = random.Random(seed)
        delay = rng.uniform(0.5, 1.0) * first if writes == 0 else rng.uniform(0.0, per_write)
        seen, _, _ = watch(command(str(toml), h5), writes=writes, delay=delay)
        now = replications_in(h5)
        assert seen <= now <= REPLICATIONS, f"kill {seed}: a reader saw {seen} replications in the file, now {now}"
        kept.append(now)
    watch(command(str(toml), h5))
    a, b = tvaer.open_results(whole), tvaer.open_results(h5)
    assert a.replications == b.replications == REPLICATIONS
    np.testing.assert_array_equal(a.costs.values, b.costs.values)
    assert a.fingerprint() == b.fingerprint()  # every array, bit for bit
    # At least one kill landed before the run was complete, so a resume was exercised. (Not "at
    # least two different counts": with the writer thread a run can finish its last chunks within
    # one chunk's time of a reader seeing a write, and a fresh clone saw [12, 24, 24, 24, 24, 24].)
    assert any(k < REPLICATIONS for k in kept), f"the kills did not land between writes: {kept}"


# Appends in place (docs/results-format.md, "Appending in place"): a child process appends one
# replication at a time as fast as it can, so that most SIGKILLs land inside an append, with the
# file half changed; what a reader then finds must be a prefix of the uninterrupted run.
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


def test_sigkill_inside_appends_in_place_leaves_a_prefix_of_the_run_and_goes_on(tmp_path):
    total = 24
    scenario = tvaer.default_scenario().with_({"families": 100})
    toml = tmp_path / "a.toml"
    toml.write_text(tomli_w.dumps(scenario.data))
    whole = tvaer.simulate(scenario, replications=total, seed=7, threads=1, progress=False).raw
    timed = tmp_path / "timed.h5"
    p = appender(toml, timed, total)
    start = time.monotonic()
    finish(p)
    per_append = (time.monotonic() - start) / (total - 1)
    h5 = tmp_path / "killed.h5"
    rng = random.Random(16)
    seen, torn = 0, 0
    for _ in range(10):
        p = appender(toml, h5, total)
        time.sleep(rng.uniform(0.5, 3.0) * per_append)
        finish(p, kill=True)
        torn += os.path.exists(f"{h5}.journal")  # killed inside an append: the file is half changed
        raw = tvaer._core.read_results(str(h5))  # rolls the half-made append back
        k = raw.replications
        assert seen <= k <= total
        assert raw.costs.tobytes() == whole.costs[:k].tobytes()
        assert raw.events.tobytes() == whole.events[:k].tobytes()
        assert not os.path.exists(f"{h5}.journal")
        seen = k
    assert torn >= 3, f"only {torn} of 10 kills landed inside an append"
    finish(appender(toml, h5, total))
    assert tvaer.open_results(h5).fingerprint() == tvaer.open_results(timed).fingerprint()
