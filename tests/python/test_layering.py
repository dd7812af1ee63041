"""The package's layers: the results modules import each other without a cycle and use only each
other's public names (read from the source with ast, so lazy imports inside functions count)."""

from __future__ import annotations

import ast
from pathlib import Path

import tvaer

PACKAGE = Path(tvaer.__file__).resolve().parent
RESULTS_MODULES = ["results", "results_file", "simulate", "runs", "distributed", "aggregate"]


def _imports(module: str) -> list[tuple[str, list[str]]]:
    """(imported tvaer module, names taken from it) for every relative import in `module`."""
    out = []
    for node in ast.walk(ast.parse((PACKAGE / f"{module}.py").read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                out.append((node.module, [a.name for a in node.names]))
            else:
                out.extend((a.name, []) for a in node.names)
    return out


def test_the_results_modules_import_each_other_without_a_cycle():
    graph = {m: {dep for dep, _ in _imports(m) if dep in RESULTS_MODULES} for m in RESULTS_MODULES}

    def reaches(start: str, goal: str, seen: frozenset[str] = frozenset()) -> bool:
        return any(d == goal or (d not in seen and reaches(d, goal, seen | {d})) for d in graph[start])

    assert not [m for m in RESULTS_MODULES if reaches(m, m)], graph
    assert graph["results"] == set()  # the bottom: labels the engine's arrays, runs nothing


def test_the_results_modules_take_no_private_names_from_each_other():
    private = [(m, dep, name) for m in RESULTS_MODULES for dep, names in _imports(m) if dep in RESULTS_MODULES
               for name in names if name.startswith("_")]
    assert private == []
