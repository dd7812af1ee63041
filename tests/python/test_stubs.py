"""The checked-in type stubs of tvaer._core are what pybind11-stubgen generates from the module."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_checked_in_stubs_match_the_compiled_module():
    run = subprocess.run(["bash", str(ROOT / "tools" / "generate-stubs"), "--check"], cwd=ROOT,
                         env={"PYTHON": sys.executable, "PATH": "/usr/bin:/bin"}, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
