"""Scenarios: load from TOML, edit in code, validate, and hand to the engine.

A :class:`Scenario` is the plain nested data of a TOML file (``scenario.data``) plus the file it
came from. Edit it as a dict, or with :meth:`Scenario.with_` and dotted key paths. The layout is
documented in docs/scenario-format.md. Conversion to the engine's types happens in
:func:`to_engine`, which checks the shape (keys, types) here and leaves value checks to the
engine; every error names the file, the key path and what was expected.
"""

from __future__ import annotations

import copy
import json
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any, Callable, Mapping

from . import _core
from .errors import ScenarioError

__all__ = ["Scenario", "load_scenario", "default_scenario", "shipped_scenarios"]

SCHEMA_VERSION = _core.SCENARIO_SCHEMA_VERSION


class Scenario:
    """A scenario: nested data as in the TOML file, and where it came from."""

    def __init__(self, data: Mapping[str, Any], source: str | None = None):
        self.data: dict[str, Any] = copy.deepcopy(dict(data))
        self.source = source

    @property
    def name(self) -> str:
        return str(self.data.get("name", "scenario"))

    def with_(self, changes: Mapping[str, Any] | None = None, **kwargs: Any) -> "Scenario":
        """A copy with values replaced at dotted key paths.

        List items are addressed by index or, for lists of named tables, by name:
        ``s.with_({"interventions.mentor.capacity": 10, "selection.capacity": 90})`` or
        ``s.with_(families=500)`` for top-level keys.
        """
        new = Scenario(self.data, self.source)
        for path, value in {**(changes or {}), **kwargs}.items():
            _set_path(new.data, path, value, self.source)
        return new

    def validate(self) -> "Scenario":
        """Raises ScenarioError naming the file, key path and expectation; returns self."""
        to_engine(self)
        return self

    def to_json(self) -> str:
        """Canonical JSON of the data (stored as provenance in results files)."""
        return json.dumps(self.data, sort_keys=True, ensure_ascii=False)

    def __repr__(self) -> str:
        src = f" from {self.source}" if self.source else ""
        return f"<Scenario {self.name!r}{src}: {self.data.get('families', '?')} families>"


def load_scenario(path: str | Path) -> Scenario:
    """Reads and validates a scenario TOML file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise ScenarioError(f"cannot read the scenario file: {e.strerror}", "", str(path)) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError(f"not valid TOML: {e}", "", str(path)) from None
    return Scenario(data, str(path)).validate()


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


# ---- dotted key paths ------------------------------------------------------------------------


def _set_path(data: dict, path: str, value: Any, source: str | None) -> None:
    parts = path.split(".")
    node: Any = data
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        where = ".".join(parts[: i + 1])
        if isinstance(node, list):
            idx = _list_index(node, part, where, source)
            if last:
                node[idx] = value
            else:
                node = node[idx]
        elif isinstance(node, dict):
            if last:
                node[part] = value
            else:
                node = node.setdefault(part, {})
        else:
            raise ScenarioError(f"{where}: cannot set {path!r} inside a {type(node).__name__}", where, source)


def _list_index(items: list, part: str, where: str, source: str | None) -> int:
    if part.lstrip("-").isdigit():
        idx = int(part)
        if -len(items) <= idx < len(items):
            return idx
    for idx, item in enumerate(items):
        if isinstance(item, dict) and item.get("name") == part:
            return idx
    raise ScenarioError(f"{where}: no item {part!r} in this list (give an index or a name)", where, source)


# ---- shape checks and conversion to the engine ------------------------------------------------


class _Reader:
    """Reads one table, tracking its key path; every error names file, key path and expectation."""

    def __init__(self, table: Any, path: str, file: str | None):
        self.file = file
        self.path = path
        if not isinstance(table, Mapping):
            self.fail(path, f"must be a table, got {_describe(table)}")
        self.table = table
        self.used: set[str] = set()

    def fail(self, key_path: str, message: str) -> None:
        raise ScenarioError(f"{key_path}: {message}" if key_path else message, key_path, self.file)

    def key(self, k: str) -> str:
        return f"{self.path}.{k}" if self.path else k

    def has(self, k: str) -> bool:
        return k in self.table

    def get(self, k: str, kind: str, default: Any = None, required: bool = False) -> Any:
        self.used.add(k)
        if k not in self.table:
            if required:
                self.fail(self.key(k), f"is required ({kind})")
            return default
        return _check(self.table[k], kind, self.key(k), self)

    def sub(self, k: str) -> "_Reader":
        self.used.add(k)
        return _Reader(self.table.get(k, {}), self.key(k), self.file)

    def items(self, k: str, required: bool = False) -> list["_Reader"]:
        value = self.get(k, "list of tables", [], required)
        return [_Reader(v, f"{self.key(k)}[{i}]", self.file) for i, v in enumerate(value)]

    def done(self) -> None:
        unknown = [k for k in self.table if k not in self.used]
        if unknown:
            self.fail(self.key(unknown[0]), f"unknown key (expected one of: {', '.join(sorted(self.used))})")


def _describe(v: Any) -> str:
    return f"{type(v).__name__} {v!r}" if not isinstance(v, (dict, list)) else type(v).__name__


def _check(v: Any, kind: str, where: str, r: _Reader) -> Any:
    ok: Callable[[Any], bool] = {
        "number": lambda x: isinstance(x, (int, float)) and not isinstance(x, bool),
        "integer >= 0": lambda x: isinstance(x, int) and not isinstance(x, bool) and x >= 0,
        "string": lambda x: isinstance(x, str),
        "boolean": lambda x: isinstance(x, bool),
        "list of strings": lambda x: isinstance(x, list) and all(isinstance(i, str) for i in x),
        "list of numbers": lambda x: isinstance(x, list)
        and all(isinstance(i, (int, float)) and not isinstance(i, bool) for i in x),
        "list of tables": lambda x: isinstance(x, list) and all(isinstance(i, Mapping) for i in x),
        "table of numbers": lambda x: isinstance(x, Mapping)
        and all(isinstance(i, (int, float)) and not isinstance(i, bool) for i in x.values()),
        "table": lambda x: isinstance(x, Mapping),
    }[kind]
    if not ok(v):
        article = "an" if kind[0] in "aeiou" else "a"
        r.fail(where, f"must be {article} {kind}, got {_describe(v)}")
    return v


def _sojourn(r: _Reader) -> Any:
    kind = r.get("distribution", "string", required=True)
    if kind == "exponential":
        if r.has("mean"):
            mean = r.get("mean", "number")
            if mean <= 0:
                r.fail(r.key("mean"), f"must be > 0, got {mean}")
            out = _core.Sojourn.exponential(1.0 / mean)
        else:
            out = _core.Sojourn.exponential(r.get("rate", "number", required=True))
    elif kind == "weibull":
        out = _core.Sojourn.weibull(r.get("shape", "number", required=True), r.get("scale", "number", required=True))
    elif kind == "lognormal":
        import math

        if r.has("median"):
            median = r.get("median", "number")
            if median <= 0:
                r.fail(r.key("median"), f"must be > 0, got {median}")
            mu = math.log(median)
        else:
            mu = r.get("mu", "number", required=True)
        out = _core.Sojourn.lognormal(mu, r.get("sigma", "number", required=True))
    elif kind == "fixed":
        out = _core.Sojourn.fixed(r.get("months", "number", required=True))
    elif kind == "empirical":
        out = _core.Sojourn.empirical(r.get("durations", "list of numbers", required=True))
    else:
        r.fail(r.key("distribution"), f"must be one of exponential, weibull, lognormal, fixed, empirical; got {kind!r}")
    r.done()
    return out


def _enum(r: _Reader, key: str, enum: Any, default: str) -> Any:
    value = r.get(key, "string", default)
    names = list(enum.__members__)
    if value not in names:
        r.fail(r.key(key), f"must be one of {', '.join(names)}; got {value!r}")
    return enum.__members__[value]


def _costs(r: _Reader) -> list:
    out = []
    for c in r.items("costs"):
        cr = _core.CostRate()
        cr.sector = c.get("sector", "string", required=True)
        cr.kind = _enum(c, "kind", _core.CostKind, "service")
        cr.monthly = float(c.get("monthly", "number", 0.0))
        cr.one_off = float(c.get("one_off", "number", 0.0))
        cr.cpr_registered = c.get("cpr_registered", "boolean", True)
        cr.benefit = c.get("benefit", "string", "")
        c.done()
        out.append(cr)
    return out


def _shares(r: _Reader, key: str, names: list[str]) -> list[float]:
    """A table {name: share} as a list in the order of `names`; missing names get 0."""
    table = r.get(key, "table of numbers", {})
    for k in table:
        if k not in names:
            r.fail(f"{r.key(key)}.{k}", f"unknown name (expected one of: {', '.join(names)})")
    return [float(table.get(n, 0.0)) for n in names]


def _effects(r: _Reader, default_track: str | None) -> list:
    out = []
    for e in r.items("effects"):
        ef = _core.Effect()
        ef.track = e.get("track", "string", default_track, required=default_track is None)
        ef.from_ = e.get("from", "string", required=True)
        ef.to = e.get("to", "string", required=True)
        ef.multiplier = float(e.get("multiplier", "number", required=True))
        e.done()
        out.append(ef)
    return out


def _track(r: _Reader) -> Any:
    t = _core.Track()
    t.name = r.get("name", "string", required=True)
    states = []
    for s in r.items("states", required=True):
        st = _core.State()
        st.name = s.get("name", "string", required=True)
        transitions = []
        for tr in s.items("transitions"):
            x = _core.Transition()
            x.to = tr.get("to", "string", required=True)
            x.rate = float(tr.get("rate", "number", 0.0))
            x.probability = float(tr.get("probability", "number", 0.0))
            tr.done()
            transitions.append(x)
        st.transitions = transitions
        if s.has("duration"):
            st.duration = _sojourn(s.sub("duration"))
        st.costs = _costs(s)
        s.done()
        states.append(st)
    t.states = states
    names = [s.name for s in states]
    t.initial = _shares(r, "initial", names)
    t.members = [float(x) for x in r.get("members", "list of numbers", [0.0, 1.0])]
    benefits = r.get("benefits", "table of numbers", {})
    t.benefits = list(benefits)
    t.benefit_shares = [float(v) for v in benefits.values()]
    r.done()
    return t


def _intervention(r: _Reader) -> Any:
    iv = _core.Intervention()
    iv.name = r.get("name", "string", required=True)
    iv.track = r.get("track", "string", required=True)
    iv.request_on_entry = r.get("request_on_entry", "list of strings", [])
    iv.ends_on_entry = r.get("ends_on_entry", "list of strings", [])
    iv.duration = _sojourn(r.sub("duration")) if r.has("duration") else r.fail(r.key("duration"), "is required (table)")
    iv.capacity = r.get("capacity", "integer >= 0", 0)
    iv.costs = _costs(r)
    iv.effects = _effects(r, iv.track)
    iv.available = _enum(r, "available", _core.Availability, "both")
    if r.has("decision_delay"):
        d = r.sub("decision_delay")
        if d.has("bau"):
            iv.decision_delay_bau = _sojourn(d.sub("bau"))
        if d.has("solution"):
            iv.decision_delay_solution = _sojourn(d.sub("solution"))
        d.done()
    iv.grants = _enum(r, "grants", _core.Authority, "sector")
    iv.pays = _enum(r, "pays", _core.Authority, "sector")
    iv.payment_key = {k: float(v) for k, v in r.get("payment_key", "table of numbers", {}).items()}
    iv.inside_unit_budget = r.get("inside_unit_budget", "boolean", False)
    iv.queue = _enum(r, "queue", _core.QueueDiscipline, "fifo")
    iv.delivered_by = r.get("delivered_by", "string", "sector")
    r.done()
    return iv


def _selection(r: _Reader) -> Any:
    s = _core.Selection()
    s.capacity = r.get("capacity", "integer >= 0", 0)
    s.min_sectors = r.get("min_sectors", "integer >= 0", 2)
    s.include_benefits = r.get("include_benefits", "list of strings", [])
    s.exclude_benefits = r.get("exclude_benefits", "list of strings", [])
    s.motivated_share = float(r.get("motivated_share", "number", 1.0))
    s.score_per_sector = float(r.get("score_per_sector", "number", 1.0))
    s.score_per_service = float(r.get("score_per_service", "number", 1.0))
    s.score_min = float(r.get("score_min", "number", 0.0))
    s.score_max = float(r.get("score_max", "number", 1e300))
    if r.has("stay"):
        s.stay = _sojourn(r.sub("stay"))
    r.done()
    return s


def _organisation(r: _Reader) -> Any:
    o = _core.Organisation()
    o.form = r.get("form", "string", "unit")
    o.staff_fte = float(r.get("staff_fte", "number", 0.0))
    o.salary_per_fte_year = float(r.get("salary_per_fte_year", "number", 580000.0))
    o.caseload = float(r.get("caseload", "number", 0.0))
    o.salary_key = {k: float(v) for k, v in r.get("salary_key", "table of numbers", {}).items()}
    o.effects = _effects(r, None)
    o.meeting_every = float(r.get("meeting_every", "number", 0.0))
    o.ceiling = float(r.get("ceiling", "number", 0.0))
    o.forum_every = float(r.get("forum_every", "number", 1.0))
    r.done()
    return o


TABLE_COLUMNS = ("family", "track", "state", "benefit")


def read_population_table(path: Path, key_path: str, scenario_file: str | None) -> list:
    """Rows of a population table (CSV, or Parquet when pyarrow is installed), one per family
    member, with columns family, track, state and optionally benefit; rows of a family together."""
    import pandas as pd

    where = f"{key_path} ({path})"
    if not path.is_file():
        raise ScenarioError(f"{where}: no such file", key_path, scenario_file)
    try:
        if path.suffix.lower() == ".parquet":
            df = pd.read_parquet(path)
        else:
            df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except ImportError as e:
        raise ScenarioError(f"{where}: reading Parquet needs pyarrow ({e}); save the table as CSV", key_path, scenario_file) from None
    except (ValueError, OSError) as e:
        raise ScenarioError(f"{where}: cannot read the table: {e}", key_path, scenario_file) from None
    missing = [c for c in TABLE_COLUMNS[:3] if c not in df.columns]
    if missing:
        raise ScenarioError(f"{where}: missing column(s) {', '.join(missing)} (expected {', '.join(TABLE_COLUMNS)})", key_path, scenario_file)
    extra = [c for c in df.columns if c not in TABLE_COLUMNS]
    if extra:
        raise ScenarioError(f"{where}: unknown column(s) {', '.join(map(str, extra))} (expected {', '.join(TABLE_COLUMNS)}; the table must be anonymised)", key_path, scenario_file)
    rows = []
    for i, rec in enumerate(df.to_dict("records")):
        family = str(rec["family"]).strip()
        if not family.isdigit():
            raise ScenarioError(f"{where}: row {i + 2}, column family: must be a whole number >= 0, got {family!r}", key_path, scenario_file)
        rows.append(_core.MemberRow(int(family), str(rec["track"]), str(rec["state"]), str(rec.get("benefit", "") or "")))
    return rows


def _population(r: _Reader, scenario: Scenario) -> Any:
    p = _core.Population()
    p.arrivals_per_month = float(r.get("arrivals_per_month", "number", 0.0))
    p.arrival_months = [float(x) for x in r.get("arrival_months", "list of numbers", [])]
    p.leave_rate = float(r.get("leave_rate", "number", 0.0))
    table = r.get("table", "string", "")
    if table:
        base = Path(scenario.source).parent if scenario.source else Path.cwd()
        p.table = read_population_table(base / table, r.key("table"), scenario.source)
    r.done()
    return p


def _refusion(r: _Reader) -> Any:
    """`ladder = "statutory"` (80/40/30/20 % at weeks 4/26/52), or explicit weeks and shares."""
    ladder = r.get("ladder", "string", "")
    if ladder and ladder != "statutory":
        r.fail(r.key("ladder"), f"must be 'statutory' (or give weeks and shares), got {ladder!r}")
    out = _core.RefusionLadder.statutory() if ladder else _core.RefusionLadder()
    if r.has("weeks") or r.has("shares"):
        out.upper_weeks = [float(x) for x in r.get("weeks", "list of numbers", required=True)]
        out.shares = [float(x) for x in r.get("shares", "list of numbers", required=True)]
    out.reset_after_weeks = float(r.get("reset_after_weeks", "number", out.reset_after_weeks))
    out.initial_weeks = float(r.get("initial_weeks", "number", out.initial_weeks))
    r.done()
    return out


def to_engine(scenario: Scenario) -> Any:
    """The engine's validated scenario (`_core.Scenario`); raises ScenarioError."""
    r = _Reader(scenario.data, "", scenario.source)
    sc = _core.Scenario()
    sc.schema_version = r.get("schema_version", "integer >= 0", required=True)
    if sc.schema_version != SCHEMA_VERSION:
        r.fail("schema_version", f"this tvaer reads schema version {SCHEMA_VERSION}, got {sc.schema_version}")
    sc.name = r.get("name", "string", "scenario")
    r.get("description", "string", "")
    sc.horizon_months = float(r.get("horizon_months", "number", required=True))
    sc.discount_rate = float(r.get("discount_rate", "number", 0.0))
    sc.sectors = r.get("sectors", "list of strings", required=True)
    pop = scenario.data.get("population")
    tabled = isinstance(pop, Mapping) and bool(pop.get("table"))
    sc.families = r.get("families", "integer >= 0", 1, required=not tabled)  # a table replaces it
    if r.has("population"):
        sc.population = _population(r.sub("population"), scenario)
    sc.tracks = [_track(t) for t in r.items("tracks", required=True)]
    sc.interventions = [_intervention(i) for i in r.items("interventions")]
    sc.selection = _selection(r.sub("selection"))
    sc.organisation = _organisation(r.sub("organisation"))
    if r.has("refusion"):
        sc.refusion = _refusion(r.sub("refusion"))
    r.get("allocation", "table", {})  # read by tvaer.budgets; shape checked there
    r.get("uncertain", "table", {})  # read by tvaer.studies.sensitivity
    r.done()
    try:
        sc.validate()
    except ScenarioError as e:
        raise e.in_file(scenario.source) from None
    return sc


def compile_model(scenario: Scenario) -> Any:
    """The compiled engine model of a scenario."""
    try:
        return _core.Model(to_engine(scenario))
    except ScenarioError as e:
        raise e.in_file(scenario.source) from None
