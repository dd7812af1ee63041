"""The measured tables of the docs are what the shipped scenarios give now (runnable docs).

tools/update_docs.py (`make docs`) writes them between marker comments; this test simulates the
scenarios again with the tool's replications and seed and compares the text, so a change of
results shows here until the docs are brought up to date.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import load_tool

ROOT = Path(__file__).resolve().parents[2]
TOOL = load_tool("update_docs")


@pytest.fixture(scope="module")
def generated():
    return TOOL.generated()


@pytest.mark.parametrize("doc, name", [(doc, name) for doc, tables in TOOL.TABLES.items() for name in tables])
def test_generated_tables_are_current(generated, doc, name):
    text = (ROOT / doc).read_text(encoding="utf-8")
    found = TOOL.block(name).search(text)
    assert found, f"{doc} has no generated block {name!r}"
    assert found[2] == generated[doc][name], f"{doc}'s table {name!r} is stale: run `make docs`"


def test_every_table_states_its_replications_and_seed(generated):
    for doc, tables in generated.items():
        for name, table in tables.items():
            assert f"replications={TOOL.REPLICATIONS}" in table and f"seed={TOOL.SEED}" in table, (doc, name)


def test_the_report_column_names_a_report_line_for_every_shipped_scenario():
    import tvaer

    assert set(TOOL.REPORT) == set(tvaer.shipped_scenarios())
    assert all(re.search(r"\bL\d{3,4}\b", text) for text in TOOL.REPORT.values()), TOOL.REPORT
