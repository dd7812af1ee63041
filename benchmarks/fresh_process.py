"""One measurement in a fresh Python process, for the benchmarks that compare builds side by side
(memory.py, first_summary.py, to_file.py): peak RSS and first-call costs are per process."""

from __future__ import annotations

import json
import os
import subprocess
import sys


def run_child(code: str, argv: list[str], pythonpath: str) -> dict:
    """Runs `code` with `argv` in a fresh interpreter, `pythonpath` (a directory holding the tvaer
    package; "" for the installed one) first on the path; returns the JSON object it printed last."""
    env = dict(os.environ)
    if pythonpath:
        env["PYTHONPATH"] = os.path.abspath(pythonpath)
    out = subprocess.run([sys.executable, "-c", code, *argv], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])
