"""Every notebook in notebooks/ runs top to bottom without an error, and is committed without outputs."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 2


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs_and_is_committed_clean(path):
    nb = nbformat.read(path, as_version=4)
    dirty = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and (c.outputs or c.execution_count)]
    assert not dirty, f"{path.name}: cells {dirty} have outputs; clear them before committing"
    # the kernel is the python3 of the running interpreter (jupyter_client maps "python" to sys.executable)
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    # Every cell that draws a figure shows it in the executed notebook (an image, not only "it ran").
    drawing = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and any(
        k in c.source for k in ("plt.subplots(", ".plot(", "chart(", ".waterfall("))]
    blank = [i for i in drawing if not any("image/png" in o.get("data", {}) for o in nb.cells[i].outputs)]
    assert not blank, f"{path.name}: cells {blank} draw a figure that is not shown"
