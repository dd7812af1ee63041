"""The README's Python example runs as written (runnable docs)."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_python_example_runs():
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
    assert blocks, "README.md has no python example"
    namespace: dict = {}
    exec(compile(blocks[0].replace("replications=200", "replications=20"), "README.md", "exec"), namespace)
    res = namespace["res"]
    summary = res.summary()
    assert summary.loc["total"].shape[0] == 5  # five years
    assert res.costs.dims == ("replication", "month", "sector", "arm", "kind")


def test_readme_names_the_two_commands():
    text = README.read_text(encoding="utf-8")
    assert "make run" in text and "make test" in text


def test_readme_shows_what_make_run_prints():
    # the block is what the CLI prints now (tools/update_readme.py, `make readme`), not a copy of
    # an earlier run: a change of results shows here until the README is brought up to date
    from conftest import load_tool

    tool = load_tool("update_readme")
    block = tool.BLOCK.search(README.read_text(encoding="utf-8"))
    assert block, "README.md has no `make run` output block"
    assert block[2] == tool.run_output(), "README.md's `make run` output is stale: run `make readme`"
