"""Rewrites the output block of README.md ("`make run` prints ...") with what `make run` prints
now (minus the "Wrote:" line, whose paths depend on where it runs). tests/python/test_readme.py
fails when the block is stale; run `make readme` after a change of results on purpose."""

from __future__ import annotations

import contextlib
import io
import re
import sys
import tempfile
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCK = re.compile(r"(`make run` prints.*?```\n)(.*?)(```)", re.S)


def run_output() -> str:
    """What `tvaer run --out results` prints for the default scenario, without the Wrote: line."""
    from tvaer.cli import main

    with tempfile.TemporaryDirectory() as folder, contextlib.redirect_stdout(io.StringIO()) as out:
        if main(["run", "--out", folder, "--quiet"]) != 0:
            raise SystemExit("tvaer run failed")
    return "".join(line for line in out.getvalue().splitlines(keepends=True) if not line.startswith("Wrote: "))


def main() -> int:
    text = README.read_text(encoding="utf-8")
    if not BLOCK.search(text):
        raise SystemExit("README.md has no `make run` output block")
    README.write_text(BLOCK.sub(lambda m: m[1] + run_output() + m[3], text, count=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
