"""Scenarios: load from TOML, edit in code, and hand to the engine.

The engine reads and validates scenario documents itself (engine/include/tvaer/document.hpp and
scenario.hpp): every error names where the bad value is (``FILE:LINE:COL``, or the ``with_``
override that wrote it), the key path as the planner wrote it and what was expected. A
:class:`Scenario` here is a document (the TOML text as written, or text made from a dict) plus the
overrides made with :meth:`Scenario.with_`. What stays in Python: finding shipped scenarios by
name, the overrides' values (written as TOML with tomli-w) and population tables (CSV/Parquet).
The layout is documented in docs/scenario-format.md.
"""

from __future__ import annotations

import copy
import csv
import json
from importlib import resources
from pathlib import Path
from typing import Any, Mapping

import tomli_w

from . import _core
from .errors import ScenarioError
from .uncertain import uncertain_distributions

__all__ = ["Scenario", "load_scenario", "default_scenario", "shipped_scenarios", "compile_model"]

SCHEMA_VERSION = _core.SCENARIO_SCHEMA_VERSION


class Scenario:
    """A scenario: a document as written (or made from `data`) and the overrides made in code.

    ``Scenario(data, source)`` makes one from nested data as in a TOML file; `source` names it in
    errors. :func:`load_scenario` reads a file, so that errors give the line and column.
    """

    def __init__(self, data: Mapping[str, Any], source: str | None = None):
        self.source = source
        self._text = _toml_text(dict(data), "scenario data", source)
        self._positions = False
        self._overrides: tuple[tuple[str, str], ...] = ()
        self._forget()

    def _forget(self) -> None:
        """Drops what is derived from the text and the overrides, made once when first needed: the
        parsed document, its JSON, its data, the compiled model. A scenario is not changed after it
        is made (``with_`` makes a copy), so these stay valid; the first simulate of a process
        would otherwise parse the same text about fifteen times (docs/performance.md)."""
        self._doc: Any = None
        self._json: str | None = None
        self._data: dict[str, Any] | None = None
        self._model: Any = None

    def __getstate__(self) -> dict[str, Any]:
        """Pickled (tvaer.distributed) without the engine's objects, which are made again."""
        state = dict(self.__dict__)
        state.update(_doc=None, _model=None)
        return state

    @classmethod
    def _from_document(cls, doc: Any) -> "Scenario":
        new = cls.__new__(cls)
        new.source, new._text, new._positions = doc.source, doc.text, True
        new._overrides = ()
        new._forget()
        new._doc = doc
        return new

    def document(self) -> Any:
        """The engine's document (`_core.Document`): the text parsed, then the overrides applied.
        A new one each call (a caller may change it with ``set`` without changing this scenario)."""
        doc = _core.Document.parse(self._text, self.source or "", self._positions)
        for path, value in self._overrides:
            doc.set(path, value)
        return doc

    def _document(self) -> Any:
        """The document parsed once, shared by the reads below; never changed."""
        if self._doc is None:
            self._doc = self.document()
        return self._doc

    def _read(self) -> dict[str, Any]:
        """The scenario as nested data, not copied: for reading only."""
        if self._data is None:
            self._data = json.loads(self._json_text())
        return self._data

    def _json_text(self) -> str:
        if self._json is None:
            self._json = self._document().to_json()
        return self._json

    @property
    def data(self) -> dict[str, Any]:
        """The scenario as nested data (a copy), with the overrides applied."""
        return json.loads(self._json_text())  # a deep copy, faster than copy.deepcopy

    @property
    def name(self) -> str:
        return str(self._read().get("name", "scenario"))

    def get(self, path: str, default: Any = ...) -> Any:
        """The value at a dotted key path (the spelling of :meth:`with_`); `default` if there is
        none, or a ScenarioError naming the path when no default is given."""
        try:
            return json.loads(self._document().to_json(path))
        except ScenarioError:
            if default is ...:
                raise
            return default

    def locate(self, key_path: str) -> Any:
        """Where the value at `key_path` came from (`_core.Origin`: ``file``, ``line``, ``column``,
        ``override``, ``describe()``): the ``with_`` override that wrote it, else its line and column
        in the file, or those of its nearest enclosing table when the key is missing. A key with
        dots is written in double quotes: ``uncertain."interventions.mentor.capacity"``."""
        return self._document().locate(key_path)

    def with_(self, changes: Mapping[str, Any] | None = None, **kwargs: Any) -> "Scenario":
        """A copy with values replaced at dotted key paths.

        List items are addressed by name where they have one, or by index:
        ``s.with_({"interventions.mentor.capacity": 10, "tracks.adult.states.out.transitions[0].rate": 0.1})``,
        or ``s.with_(families=500)`` for top-level keys. An error in a value set here names the
        override, not the file.
        """
        new = copy.copy(self)
        new._forget()
        overrides = list(self._overrides)
        for path, value in {**(changes or {}), **kwargs}.items():
            overrides.append((path, _toml_text({"v": value}, f"the value of override {path!r}", self.source)))
        new._overrides = tuple(overrides)
        new._document()  # a path that leads nowhere is an error now, not at the next run
        return new

    def validate(self) -> "Scenario":
        """Raises ScenarioError naming where the bad value is, its key path and what was
        expected; warns (tvaer.ScenarioWarning) of what is valid but probably not meant
        (tvaer.scenario_warnings); returns self. The ``[allocation]`` and ``[uncertain]`` tables
        are checked too, although only settlements and sensitivity studies use them."""
        from .scenario_warnings import warn

        compile_model(self)
        data = self._read()
        if "allocation" in data:
            _core.allocation_rules(self._document())
        if "uncertain" in data:
            uncertain_distributions(self)
        warn(self)
        return self

    def to_json(self) -> str:
        """Canonical JSON of the data (stored as provenance in results files)."""
        return json.dumps(self._read(), sort_keys=True, ensure_ascii=False)

    def __repr__(self) -> str:
        src = f" from {self.source}" if self.source else ""
        return f"<Scenario {self.name!r}{src}: {self.get('families', '?')} families>"


def load_scenario(path: str | Path) -> Scenario:
    """Reads and validates a scenario TOML file."""
    return Scenario._from_document(_core.Document.load(Path(path))).validate()


def shipped_scenarios() -> list[str]:
    """Names of the scenarios shipped with tvaer (use with :func:`default_scenario`)."""
    folder = resources.files("tvaer") / "scenarios"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


def default_scenario(name: str = "default") -> Scenario:
    """A scenario shipped inside the package (``scenarios/<name>.toml`` in the repository)."""
    res = resources.files("tvaer") / "scenarios" / f"{name}.toml"
    if not res.is_file():
        raise ScenarioError(f"no shipped scenario named {name!r} (shipped: {', '.join(shipped_scenarios())})")
    with resources.as_file(res) as p:
        return load_scenario(p)


def compile_model(scenario: Scenario, tables: dict[str, list[tuple[int, str, str, str]]] | None = None) -> Any:
    """The engine's compiled model (`_core.Model`) of a scenario; raises ScenarioError.

    `tables`, when given, maps population table files (``population.table`` as written) to their
    rows as plain tuples: a file it holds is not read again, and the rows of a file read are added
    to it. tvaer.distributed uses this to send a scenario's tables to Dask workers with the scenario,
    so that workers need no copy of the table files.

    A scenario without population tables is compiled once and its model reused (the engine's
    model is read-only); one with tables is compiled each time, since the files may change."""
    def read(file: str) -> list:
        known = tables if tables is not None else {}
        if file not in known:
            known[file] = population_rows(scenario, file)
        return [_core.MemberRow(*row) for row in known[file]]

    if scenario._model is not None:
        return scenario._model
    model = _core.Model(scenario._document(), read)
    if "table" not in scenario._read().get("population", {}):
        scenario._model = model
    return model


def _plain(value: Any) -> Any:
    """`value` with NumPy scalars and tuples made plain, for tomli-w."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # NumPy scalars
        return value.item()
    return value


def _toml_text(data: dict[str, Any], what: str, source: str | None) -> str:
    try:
        return tomli_w.dumps(_plain(data))
    except (TypeError, ValueError) as e:
        raise ScenarioError(f"{what} cannot be written as TOML: {e}", "", source) from None
    except RecursionError:
        raise ScenarioError(f"{what} cannot be written as TOML: nested too deeply", "", source) from None


# ---- population tables -----------------------------------------------------------------------

TABLE_COLUMNS = ("family", "track", "state", "benefit")


def population_rows(scenario: Scenario, table: str) -> list[tuple[int, str, str, str]]:
    """Rows of a population table (CSV, or Parquet when pyarrow is installed), one per family
    member, with columns family, track, state and optionally benefit; rows of a family together.
    `table` is the scenario's ``population.table``, relative to the scenario file. Each row is a
    plain (family, track, state, benefit) tuple (picklable, unlike the engine's MemberRow).

    Errors name ``population.table`` where the scenario gives it (``Scenario.locate``) and the
    table file; a bad row is ``population.table[i]``, the i-th member row counted from 0 after
    the header (line i + 2 of a CSV file), as in the engine's checks of the rows."""
    base = Path(scenario.source).parent if scenario.source else Path.cwd()
    path = base / table

    def fail(message: str, key: str = "population.table") -> None:
        raise ScenarioError.at(scenario.locate("population.table"), key, f"{message} (table {path})")

    if not path.is_file():
        fail("no such file")
    try:
        columns, records = _table_records(path)
    except ImportError as e:
        fail(f"reading Parquet needs pyarrow ({e}); save the table as CSV")
    except (ValueError, OSError, UnicodeDecodeError, csv.Error) as e:
        fail(f"cannot read the table: {e}")
    missing = [c for c in TABLE_COLUMNS[:3] if c not in columns]
    if missing:
        fail(f"missing column(s) {', '.join(missing)} (expected {', '.join(TABLE_COLUMNS)})")
    extra = [c for c in columns if c not in TABLE_COLUMNS]
    if extra:
        fail(f"unknown column(s) {', '.join(map(str, extra))} (expected {', '.join(TABLE_COLUMNS)}; the table must be anonymised)")
    if not records:
        fail("has no rows")
    rows = []
    for i, rec in enumerate(records):
        if len(rec) != len(columns):
            fail(f"has {len(rec)} fields, the header {len(columns)} ({', '.join(columns)})", f"population.table[{i}]")
        rec = dict(zip(columns, rec))
        family = str(rec["family"]).strip()
        if not (family.isascii() and family.isdigit()) or int(family) >= 2**32:
            fail(f"must be a whole number in [0, 4294967295], got {family!r}", f"population.table[{i}].family")
        rows.append((int(family), str(rec["track"]), str(rec["state"]), str(rec.get("benefit", "") or "")))
    return rows


def _table_records(path: Path) -> tuple[list[str], list[list[Any]]]:
    """The column names and the rows (lists of values) of a CSV or Parquet table. A CSV row keeps
    the fields it has, so that a row with too many or too few can be named."""
    if path.suffix.lower() == ".parquet":
        import pandas as pd

        df = pd.read_parquet(path)
        return [str(c) for c in df.columns], df.astype(object).values.tolist()
    with path.open(newline="", encoding="utf-8-sig") as f:
        lines = [row for row in csv.reader(f) if row]
    if not lines:
        raise ValueError("the file is empty (expected a header: family,track,state[,benefit])")
    return [c.strip() for c in lines[0]], lines[1:]
