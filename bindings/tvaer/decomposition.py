"""What drives the difference between two scenarios (docs/studies.md, "What drives the difference").

:func:`decompose` finds where two scenarios' data differ, groups the differences into mechanisms,
simulates every combination of mechanisms switched from `a` to `b` with the same seed (common
random numbers), and splits the difference in cost per replication, sector and year into one part
per mechanism: exact Shapley values, the average over every order of switching, so that the parts
sum to the whole difference in every replication.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping, Sequence

import numpy as np
import pandas as pd

from . import _core
from .errors import ScenarioError, TvaerError
from .labelled import xarray
from .results import paired_interval
from .scenario import Scenario

if TYPE_CHECKING:  # imported where used: the first labelled array costs up to a second
    import xarray as xr

__all__ = ["decompose", "Decomposition"]

MAX_MECHANISMS = 10  # 2^10 = 1024 scenario variants, each simulated in full
OUTCOMES = ("solution", "difference")
LABELS = ("name", "description")  # top-level labels: they name a scenario, they are not mechanisms
STRUCTURAL = ("sectors",)  # the budgets results are aligned on
_MISSING = object()
_PLAIN_KEY = re.compile(r"^[A-Za-z0-9_-]+$")  # a key or name that a key path can spell
# Named lists whose items other keys refer to by name: a different set of them is structure.
_STRUCTURAL_LISTS = re.compile(r"^(tracks|interventions|tracks(\.[A-Za-z0-9_-]+|\[\d+\])\.states)$")


# ---- where two scenarios differ --------------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    """One leaf where the scenarios' data differ: its key path (as ``Scenario.with_`` spells it),
    its location in the data (keys and list indices) and the values (``_MISSING`` when absent)."""

    path: str
    steps: tuple[str | int, ...]
    a: Any
    b: Any


def differences(a: Scenario, b: Scenario) -> list[Difference]:
    """The leaf differences between `a` and `b`, `name` and `description` left out. Raises
    ScenarioError naming every difference that cannot be switched on its own (different
    horizons, sectors, or the items of tracks, states and interventions, which other keys name).
    Another named list whose items differ (``organisation.coordination``) is one difference."""
    ha, hb = a.get("horizon_months", None), b.get("horizon_months", None)
    if ha != hb:
        raise ScenarioError(f"decompose: the scenarios have different horizons ({ha} and {hb} months); "
                            "costs by year can only be split between scenarios of the same horizon", "horizon_months")
    da, db = a.data, b.data
    for key in LABELS:
        da.pop(key, None)
        db.pop(key, None)
    found: list[Difference] = []
    structural: list[str] = []
    _walk(da, db, "", (), found, structural)
    structural += [d.path for d in found if d.path in STRUCTURAL]
    structural += [f"{d.path}: set in a, not in b (write its value, the default, in b)"
                   for d in found if d.b is _MISSING and len(d.steps) == 1]  # no table to rewrite without it
    if structural:
        raise ScenarioError("decompose: the scenarios differ in structure, which cannot be switched on its own: "
                            + "; ".join(structural) + ". Decompose scenarios with the same sectors, tracks, states "
                            "and interventions", structural[0].split(":")[0])
    return found


def _walk(x: Any, y: Any, path: str, steps: tuple, out: list[Difference], structural: list[str]) -> None:
    x, y = _empty_like(x, y), _empty_like(y, x)
    if isinstance(x, dict) and isinstance(y, dict) and not _atomic(x) and not _atomic(y):
        for key in [*x, *(k for k in y if k not in x)]:
            _walk(x.get(key, _MISSING), y.get(key, _MISSING), _join(path, key), (*steps, key), out, structural)
    elif _named_or_empty(x) and _named_or_empty(y) and (x or y):
        names_x, names_y = [t["name"] for t in x], [t["name"] for t in y]
        if names_x != names_y:
            if _STRUCTURAL_LISTS.match(path):
                structural.append(_structural(path, names_x, names_y))
            else:  # e.g. organisation.coordination: nothing refers to its items, so the list switches whole
                out.append(Difference(path, steps, x, y))
            return
        for i, (tx, ty) in enumerate(zip(x, y)):
            _walk(tx, ty, _item(path, tx["name"], i), (*steps, i), out, structural)
    elif _tables(x) and _tables(y) and len(x) == len(y):
        for i, (tx, ty) in enumerate(zip(x, y)):
            _walk(tx, ty, f"{path}[{i}]", (*steps, i), out, structural)
    elif x != y:
        out.append(Difference(path, steps, x, y))


def _empty_like(x: Any, other: Any) -> Any:
    """An absent table or list compares as an empty one (the engine reads both the same way), and
    an absent list as an empty list of named tables when the other side is one."""
    if x is _MISSING and (other in ({}, []) or _named_or_empty(other)):
        return type(other)()
    return x


def _atomic(table: dict) -> bool:
    """A table that is one value: a distribution (its keys go together: switching `mean` without
    `distribution` would make no sense), or one with keys a key path cannot spell."""
    return "distribution" in table or not all(map(_PLAIN_KEY.match, table))


def _tables(x: Any) -> bool:
    return isinstance(x, list) and len(x) > 0 and all(isinstance(t, dict) for t in x)


def _named_or_empty(x: Any) -> bool:
    """A list of tables that all have a name (matched by name, as key paths do), or []."""
    return x == [] or (_tables(x) and all(isinstance(t.get("name"), str) for t in x))


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _item(path: str, name: str, index: int) -> str:
    spellable = _PLAIN_KEY.match(name) and not name.lstrip("-").isdigit()
    return f"{path}.{name}" if spellable else f"{path}[{index}]"


def _structural(path: str, names_x: list[str], names_y: list[str]) -> str:
    only_a = [n for n in names_x if n not in names_y]
    only_b = [n for n in names_y if n not in names_x]
    if not only_a and not only_b:
        return f"{path}: the same items in a different order ({', '.join(names_x)} and {', '.join(names_y)})"
    said = [f"only in a: {', '.join(only_a)}" if only_a else "", f"only in b: {', '.join(only_b)}" if only_b else ""]
    return f"{path}: " + ", ".join(s for s in said if s)


# ---- mechanisms and scenario variants --------------------------------------------------------


def _within(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + ".") or path.startswith(prefix + "[")


def group(found: Sequence[Difference], mechanisms: Mapping[str, Sequence[str]] | None) -> dict[str, list[Difference]]:
    """Mechanism name -> its leaf differences: the named groups of key-path prefixes first, then
    every difference no prefix covers as a mechanism of its own, named by its path. Raises
    ValueError for a prefix that matches no difference, a difference claimed twice, and more
    than MAX_MECHANISMS mechanisms."""
    if not found:
        raise ScenarioError("decompose: a and b do not differ (beyond name and description); nothing to decompose")
    listed = "; they differ at " + ", ".join(d.path for d in found)
    out: dict[str, list[Difference]] = {}
    owner: dict[str, str] = {}
    for name, prefixes in (mechanisms or {}).items():
        prefixes = [prefixes] if isinstance(prefixes, str) else list(prefixes)
        if name == "total":
            raise ValueError("mechanisms: 'total' names the whole difference in summaries; "
                             "call the mechanism otherwise")
        if not prefixes:
            raise ValueError(f"mechanisms[{name!r}]: give at least one key-path prefix")
        out[name] = []
        for prefix in prefixes:
            hits = [d for d in found if _within(d.path, prefix)]
            if not hits:
                raise ValueError(f"mechanisms[{name!r}]: prefix {prefix!r} matches no difference "
                                 f"between a and b{listed}")
            for d in hits:
                if owner.setdefault(d.path, name) != name:
                    raise ValueError(f"mechanisms: {d.path} is in both {owner[d.path]!r} and {name!r}")
                if d not in out[name]:
                    out[name].append(d)
    for d in found:
        if d.path not in owner:
            if d.path in out:
                raise ValueError(f"mechanisms: {d.path!r} names a mechanism and a difference it does not cover")
            out[d.path] = [d]
    if len(out) > MAX_MECHANISMS:
        raise ValueError(f"decompose: {len(out)} mechanisms would need 2^{len(out)} = {2 ** len(out)} simulations; "
                         f"at most {MAX_MECHANISMS}: group key paths with mechanisms={{name: [prefix, ...]}} "
                         f"(mechanisms: {', '.join(out)})")
    return out


def variant(a: Scenario, switched: Sequence[Difference]) -> Scenario:
    """`a` with `b`'s values at the `switched` differences, written with ``Scenario.with_``. A key
    that `b` does not have is removed by rewriting its table as in `a` without it (tables before
    the keys inside them, so that later changes stay)."""
    data = a.data
    removed: dict[tuple, tuple[str, set[str]]] = {}  # the table's location -> its path, keys removed
    for d in switched:
        if d.b is _MISSING:
            removed.setdefault(d.steps[:-1], (d.path.rsplit(".", 1)[0], set()))[1].add(str(d.steps[-1]))
    changes: dict[str, Any] = {}
    for where in sorted(removed, key=len):
        path, keys = removed[where]
        changes[path] = {k: v for k, v in _at(data, where).items() if k not in keys}
    changes.update({d.path: d.b for d in switched if d.b is not _MISSING})
    return a.with_(changes) if changes else a


def _at(data: Any, steps: Sequence[str | int]) -> Any:
    for s in steps:
        data = data[s]
    return data


# ---- the decomposition -----------------------------------------------------------------------


def _outcome(results: Any, outcome: str) -> xr.DataArray:
    """DKK by (replication, year, sector): the solution arm, or solution - bau."""
    y = results.yearly_costs.sum("kind")
    v = y.sel(arm="solution") if outcome == "solution" else y.sel(arm="solution") - y.sel(arm="bau")
    return v.drop_vars("arm", errors="ignore").transpose("replication", "year", "sector")


def shapley_parts(values: np.ndarray) -> np.ndarray:
    """Exact Shapley values, (k, ...), of the games in `values`, (2^k, ...): v(S) for every
    coalition S (bit i of the index = player i), one game per cell of the other axes. Each cell
    goes to the engine's shapley_values, which sums weighted marginal differences: a player whose
    every marginal difference is exactly 0 gets exactly 0."""
    k = values.shape[0].bit_length() - 1
    games = (values - values[0]).reshape(values.shape[0], -1)
    phi = np.array([_core.shapley_values(k, game.tolist()) for game in games.T]).T
    return phi.reshape((k, *values.shape[1:]))


def decompose(
    a: Scenario,
    b: Scenario,
    mechanisms: Mapping[str, Sequence[str]] | None = None,
    replications: int = 100,
    seed: int = 1,
    threads: int | None = None,
    client: Any = None,
    outcome: str = "solution",
    level: float = 0.95,
    progress: bool = True,
) -> "Decomposition":
    """Splits the cost difference between scenarios `b` and `a`, per replication, sector (paying
    budget) and year, into one part per mechanism that differs between them.

    `mechanisms` maps a name to key-path prefixes (``Scenario.with_`` spelling) that group leaf
    differences; differences no prefix covers are mechanisms of their own, named by their path.
    Every combination of mechanisms switched from `a` to `b` (2^k variants for k mechanisms, at
    most 10) is simulated with the same `seed` and `replications` (common random numbers), and
    each part is the mechanism's exact Shapley value per replication: its marginal effect averaged
    over every order of switching. The parts sum to the whole difference in every replication.

    `outcome` is ``"solution"`` (the solution arm's cost) or ``"difference"`` (solution minus
    business as usual). Raises ScenarioError when the scenarios do not differ, differ in horizon
    or structure (sectors, tracks, states, interventions), and ValueError for a prefix that
    matches no difference or too many mechanisms.
    """
    xr = xarray()
    from .simulate import simulate

    if outcome not in OUTCOMES:
        raise ValueError(f"outcome: must be one of {', '.join(OUTCOMES)}, got {outcome!r}")
    groups = group(differences(a, b), mechanisms)
    names = list(groups)
    k = len(names)
    values = []
    for mask in range(1 << k):
        switched = [d for i, name in enumerate(names) if mask >> i & 1 for d in groups[name]]
        res = simulate(variant(a, switched), replications=replications, seed=seed, threads=threads, client=client,
                       progress=progress)
        values.append(_outcome(res, outcome))
    v = xr.concat(values, dim="variant")  # (variant, replication, year, sector)
    parts = xr.DataArray(shapley_parts(v.values), dims=("mechanism", "replication", "year", "sector"),
                         coords={"mechanism": names, "replication": v["replication"].values,
                                 "year": v["year"].values, "sector": v["sector"].values},
                         name="part", attrs={"units": "DKK"}).transpose("replication", "mechanism", "sector", "year")
    start = v.isel(variant=0, drop=True).transpose("replication", "sector", "year")
    end = v.isel(variant=-1, drop=True).transpose("replication", "sector", "year")
    labels = (a.name, b.name) if a.name != b.name else ("a", "b")
    return Decomposition(parts, start, end, {n: [d.path for d in groups[n]] for n in names}, labels, outcome,
                         level, seed)


class Decomposition:
    """What :func:`decompose` returns: the parts per replication, mechanism, sector and year (DKK)
    and the costs they lead from (`start`, scenario a) and to (`end`, scenario b)."""

    def __init__(self, parts: xr.DataArray, start: xr.DataArray, end: xr.DataArray,
                 mechanisms: dict[str, list[str]], names: tuple[str, str], outcome: str, level: float, seed: int):
        self.parts = parts  # (replication, mechanism, sector, year)
        self.start = start  # (replication, sector, year)
        self.end = end
        self.mechanisms = mechanisms  # name -> the key paths switched with it
        self.names = names
        self.outcome = outcome
        self.level = level
        self.seed = seed
        _check_exact(parts.sum("mechanism"), self.total)

    @property
    def total(self) -> xr.DataArray:
        """b's outcome minus a's, DKK by (replication, sector, year)."""
        return self.end - self.start

    @property
    def replications(self) -> int:
        return int(self.parts.sizes["replication"])

    @property
    def years(self) -> list[int]:
        return [int(y) for y in self.parts["year"].values]

    def __repr__(self) -> str:
        a, b = self.names
        k = len(self.mechanisms)
        return (f"<tvaer.Decomposition {a!r} -> {b!r}: {k} mechanism{'s' * (k != 1)} ({', '.join(self.mechanisms)}), "
                f"{self.replications} replications x {2 ** k} variants, outcome {self.outcome!r}, "
                f"years {self.years[0]}-{self.years[-1]}, seed {self.seed}>")

    def summary(self, level: float | None = None) -> pd.DataFrame:
        """Per mechanism (and ``"total"``, the whole difference), sector (and ``"total"``, all
        budgets) and year: the mean part (DKK) with its paired interval over replications and its
        share of the mean total (NaN where the total is 0)."""
        xr = xarray()

        level = self.level if level is None else level
        parts = _with_total(xr.concat([self.parts, self.total.expand_dims(mechanism=["total"])], dim="mechanism"))
        p = parts.transpose("replication", "mechanism", "sector", "year").values
        mean, lo, hi = paired_interval(p, axis=0, level=level)
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(mean[-1] != 0, mean / mean[-1] + 0.0, np.nan)  # + 0.0: no -0.00 in tables
        index = pd.MultiIndex.from_product([list(parts["mechanism"].values), list(parts["sector"].values), self.years],
                                           names=["mechanism", "sector", "year"])
        df = pd.DataFrame({"difference": mean.ravel(), "ci_low": lo.ravel(), "ci_high": hi.ravel(),
                           "share": share.ravel()}, index=index)
        df.attrs.update(level=level, replications=self.replications, outcome=self.outcome)
        return df

    def _means(self, year: int | None, sector: str | None) -> tuple[float, pd.Series, float, str]:
        """Mean start, parts per mechanism and end for one year (None: the whole horizon) and one
        sector (None: all budgets), and the words for them."""
        if year is not None and year not in self.years:
            raise ValueError(f"year: must be one of {self.years}, got {year!r}")
        sectors = list(self.parts["sector"].values)
        if sector is not None and sector not in sectors:
            raise ValueError(f"sector: must be one of {', '.join(sectors)}, got {sector!r}")

        def pick(x: xr.DataArray) -> xr.DataArray:
            x = x.sum("sector") if sector is None else x.sel(sector=sector)
            return x.sum("year") if year is None else x.sel(year=year)

        parts = pick(self.parts).mean("replication").to_series()
        when = f"years {self.years[0]}-{self.years[-1]}" if year is None else f"year {year}"
        where = "all budgets" if sector is None else f"budget {sector}"
        return float(pick(self.start).mean()), parts, float(pick(self.end).mean()), f"{when} ({where})"

    def waterfall(self, year: int | None = None, sector: str | None = None, ax: Any = None) -> Any:
        """A waterfall chart (matplotlib Figure): a's mean cost, one bar per mechanism, b's mean
        cost, labelled in millions of DKK, for one year (None: the whole horizon) and one sector
        (None: all budgets)."""
        start, parts, end, context = self._means(year, sector)
        if ax is None:
            import matplotlib.pyplot as plt

            fig, ax = plt.subplots(figsize=(2.0 + 1.2 * (len(parts) + 2), 4.5))
        else:
            fig = ax.figure
        a, b = self.names
        labels = [a, *parts.index, b]
        bottoms = start + np.concatenate([[0.0], np.cumsum(parts.values)[:-1]])
        bars = [ax.bar(0, start / 1e6, color="tab:blue")[0]]
        bars += [ax.bar(i, value / 1e6, bottom=bottom / 1e6, color="tab:red" if value > 0 else "tab:green")[0]
                 for i, (value, bottom) in enumerate(zip(parts.values, bottoms), start=1)]
        bars.append(ax.bar(len(parts) + 1, end / 1e6, color="tab:blue")[0])
        texts = [f"{start / 1e6:.2f}", *(f"{v / 1e6:+.2f}" for v in parts.values), f"{end / 1e6:.2f}"]
        for bar, text in zip(bars, texts):
            top = max(bar.get_y(), bar.get_y() + bar.get_height())
            ax.annotate(text, (bar.get_x() + bar.get_width() / 2, top), ha="center", va="bottom", fontsize="small")
        ax.set_xticks(range(len(labels)), labels, rotation=20, ha="right")
        ax.axhline(0, color="grey", lw=0.8)
        ax.set_ylabel(f"{_WHAT[self.outcome]} (mio. DKK)")
        _zoom(ax, np.concatenate([[start], start + np.cumsum(parts.values)]) / 1e6)
        low, high = ax.get_ylim()
        ax.set_ylim(low, high + 0.08 * (high - low))  # room for the labels above the highest bar
        ax.set_title(f"What drives the difference from {a} to {b}, {context}")
        fig.tight_layout()
        return fig

    def sentence(self, year: int | None = None, sector: str | None = None) -> str:
        """The decomposition in one plain-English sentence, from the mean parts of one year (None:
        the whole horizon) and sector (None: all budgets)."""
        start, parts, end, context = self._means(year, sector)
        a, b = self.names
        total = end - start
        more = f"{_millions(abs(total))} more than" if total > 0 else f"{_millions(-total)} less than" if total < 0 \
            else "the same as"
        head = f"{b} {_VERB[self.outcome]} {more} {a} in {context}"
        order = parts.abs().sort_values(ascending=False, kind="stable").index
        said = [f"{name} {'adds' if parts[name] > 0 else 'saves'} {_millions(abs(parts[name]))}" if parts[name] else
                f"{name} changes nothing" for name in order]
        tail = said[0] if len(said) == 1 else ", ".join(said[:-1]) + " and " + said[-1]
        return f"{head}: {tail} (means over {self.replications} replications)."


_WHAT = {"solution": "solution arm cost", "difference": "solution - business as usual"}
_VERB = {"solution": "costs", "difference": "costs, net of business as usual,"}


def _zoom(ax: Any, levels: np.ndarray) -> None:
    """Parts small beside the costs they lead between would be invisible from 0: the axis then
    starts just below the lowest level, and the label says so."""
    low, high = float(levels.min()), float(levels.max())
    span = high - low
    if low <= 0 or span == 0 or span > 0.25 * high:
        return
    bottom = max(0.0, low - 1.5 * span)
    ax.set_ylim(bottom, high + 0.5 * span)
    ax.set_ylabel(f"{ax.get_ylabel()}, axis from {bottom:.2f}")


def _millions(dkk: float) -> str:
    return f"{dkk / 1e6:,.2f} M DKK"


def _with_total(x: xr.DataArray) -> xr.DataArray:
    """`x` with one more sector, ``"total"``: the sum of the budgets."""
    xr = xarray()

    return xr.concat([x, x.sum("sector").expand_dims(sector=["total"])], dim="sector")


def _check_exact(parts_sum: xr.DataArray, total: xr.DataArray) -> None:
    """The parts must sum to the total in every replication (to floating-point rounding)."""
    err = np.abs(parts_sum.values - total.values)
    scale = max(1.0, float(np.abs(total.values).max(initial=0.0)))
    if (err > 1e-6 * scale).any():
        raise TvaerError(f"decompose: the parts miss the total by up to {err.max():.6g} DKK (a bug; please report it)")
