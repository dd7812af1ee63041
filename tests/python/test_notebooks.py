"""Every notebook in notebooks/ runs top to bottom without an error, shows every figure it draws
(as many images in each cell's output as the cell created figures), ends with a sentence printed
from its own numbers, and is committed without outputs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb"))

# Run before the notebook's own cells: counts the matplotlib figures each cell creates (every
# Figure, whoever makes it: plt.subplots, tvaer.plots, a widget callback run at once).
_COUNT_FIGURES = """
import matplotlib.figure as _tvaer_mf
_tvaer_created, _tvaer_now = [], [0]
_tvaer_init = _tvaer_mf.Figure.__init__
def _tvaer_counting_init(self, *args, **kwargs):
    _tvaer_now[0] += 1
    _tvaer_init(self, *args, **kwargs)
_tvaer_mf.Figure.__init__ = _tvaer_counting_init
def _tvaer_before(*_):
    _tvaer_now[0] = 0
def _tvaer_after(*_):
    _tvaer_created.append(_tvaer_now[0])
get_ipython().events.register('pre_run_cell', _tvaer_before)
get_ipython().events.register('post_run_cell', _tvaer_after)
"""
_REPORT = "import json as _tvaer_json\nprint(_tvaer_json.dumps(_tvaer_created[1:]))"


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 7


def _images(cell) -> int:
    return sum("image/png" in o.get("data", {}) for o in cell.outputs)


def _printed(cell) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream" and o.name == "stdout")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs_shows_its_figures_and_ends_with_a_computed_sentence(path):
    nb = nbformat.read(path, as_version=4)
    dirty = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and (c.outputs or c.execution_count)]
    assert not dirty, f"{path.name}: cells {dirty} have outputs; clear them before committing"
    code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    assert nb.cells and code[-1] == len(nb.cells) - 1, f"{path.name}: ends with markdown, not with its computed answer"

    nb.cells = [nbformat.v4.new_code_cell(_COUNT_FIGURES), *nb.cells, nbformat.v4.new_code_cell(_REPORT)]
    # the kernel is the python3 of the running interpreter (jupyter_client maps "python" to sys.executable)
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    cells = nb.cells[1:-1]
    created = json.loads(_printed(nb.cells[-1]))
    assert len(created) == len(code)
    shown = [_images(cells[i]) for i in code]
    wrong = {i: (made, seen) for i, made, seen in zip(code, created, shown) if made != seen}
    assert not wrong, f"{path.name}: cell -> (figures created, images shown): {wrong}"
    assert sum(shown) == sum(created)

    last = _printed(cells[-1]).strip()
    assert re.search(r"\d", last) and last.endswith("."), f"{path.name}: the last cell prints {last!r}"
