"""A `tvaer run --resume` killed with SIGKILL at random moments never leaves a results file that
fails to open, never loses replications a reader had already seen in it, and resuming after each
kill ends with the numbers of an uninterrupted run (docs/reliability.md, "Kill-safety").

The kill times are drawn from seeded generators, as fractions of a measured uninterrupted run, so
the kills land before the first write, between writes and while a chunk is being written."""

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


def watch(cmd: list[str], kill_after: float | None = None) -> tuple[int, float]:
    """Runs `cmd` watching its file; SIGKILLs it `kill_after` seconds in (None: lets it finish, and
    checks it succeeded). The most replications a reader saw in the file, and when it first saw
    some (seconds after the start; inf: never)."""
    h5 = cmd[cmd.index("--out") + 1]
    seen, first = replications_in(h5), float("inf")
    with subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) as p:
        start = time.monotonic()
        end = start + (kill_after if kill_after is not None else 120)
        while time.monotonic() < end and p.poll() is None:
            seen = max(seen, replications_in(h5))
            first = min(first, time.monotonic() - start) if seen else first
            time.sleep(0.01)
        if kill_after is None:
            assert p.wait(timeout=60) == 0, p.stderr.read().decode()
        p.send_signal(signal.SIGKILL)
        p.wait(timeout=60)
    return seen, first


def test_sigkill_at_random_moments_loses_nothing_written_and_resumes_to_the_same_numbers(tmp_path, tiny):
    scenario = tiny.with_(families=300, horizon_months=60)
    toml = tmp_path / "k.toml"
    toml.write_text(tomli_w.dumps(scenario.data))
    whole, h5 = tmp_path / "whole.h5", tmp_path / "killed.h5"
    started = time.monotonic()
    _, first_write = watch(command(str(toml), whole))
    duration = time.monotonic() - started
    first_write = min(first_write, duration)
    kept = []
    for seed in range(5):  # from just before the first write to the end of a whole run
        seen, _ = watch(command(str(toml), h5), kill_after=random.Random(seed).uniform(0.8 * first_write, duration))
        now = replications_in(h5)
        assert seen <= now <= REPLICATIONS, f"kill {seed}: a reader saw {seen} replications in the file, now {now}"
        kept.append(now)
    watch(command(str(toml), h5))
    a, b = tvaer.open_results(whole), tvaer.open_results(h5)
    assert a.replications == b.replications == REPLICATIONS
    np.testing.assert_array_equal(a.costs.values, b.costs.values)
    assert a.fingerprint() == b.fingerprint()  # every array, bit for bit
    assert 0 < max(kept), f"no kill came after the first write: {kept}"  # the kills exercised the resume
