"""One measurement in a fresh Python process, for the benchmarks that compare builds side by side
(memory.py, first_summary.py, to_file.py): peak RSS and first-call costs are per process."""

from __future__ import annotations

import json
import os
import subprocess
import sys


# Code for a child: `cpu_of(owner, name, clock)` replaces the function `owner.name` by one that
# adds the `clock` seconds spent in it (time.thread_time, time.process_time) to the list it
# returns, so a child can say how much of its CPU a part of tvaer took.
TIMING = r"""
def cpu_of(owner, name, clock):
    spent = [0.0]
    inner = getattr(owner, name)
    def timed(*args, **kwargs):
        c = clock()
        try:
            return inner(*args, **kwargs)
        finally:
            spent[0] += clock() - c
    setattr(owner, name, timed)
    return spent
"""


def run_child(code: str, argv: list[str], pythonpath: str) -> dict:
    """Runs `code` with `argv` in a fresh interpreter, `pythonpath` (a directory holding the tvaer
    package; "" for the installed one) first on the path; returns the JSON object it printed last."""
    env = dict(os.environ)
    if pythonpath:
        env["PYTHONPATH"] = os.path.abspath(pythonpath)
    out = subprocess.run([sys.executable, "-c", code, *argv], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def alternating_rounds(code: str, argv: list[str], pythonpaths: list[str], rounds: int) -> dict[str, list[dict]]:
    """`rounds` rounds, each running `code` once per build in turn (so the machine's mood falls on
    every build alike); prints each measurement as one JSON line with its build and returns the
    rows by build ("" for the installed package)."""
    rows: dict[str, list[dict]] = {p: [] for p in pythonpaths}
    for _ in range(rounds):
        for p in pythonpaths:
            row = run_child(code, argv, p)
            row["build"] = p or "(installed)"
            print(json.dumps(row), flush=True)
            rows[p].append(row)
    return rows
