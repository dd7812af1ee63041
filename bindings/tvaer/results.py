"""Results of a simulation: labelled arrays (xarray), summaries (pandas), HDF5 round trip.

Costs are booked on ledger lines (a source, the budget that pays it, a cost kind, the families it
concerns); ``Results.costs`` sums them by paying budget and cost kind. The budgets are the
scenario's sectors plus ``"solution"``, the cross-sector solution's own budget (staff, and items
the scenario lets the solution pay). Differences are always solution arm minus business as usual,
paired by replication: that is what common random numbers buy.
"""

from __future__ import annotations

import functools
import hashlib
import json

import math
import os
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from . import _core
from .labelled import xarray
from .tables import in_unit, unit_factor

if TYPE_CHECKING:  # imported where used: the first labelled array costs up to a second
    import xarray as xr

__all__ = ["Results", "paired_interval", "ARRAYS"]

ARMS = ["bau", "solution"]
KINDS = ["service", "transfer"]


def budget_costs(costs: np.ndarray, ledger_lines: list[Any], n_budgets: int) -> np.ndarray:
    """DKK by (replication, month, budget, arm, kind) from the engine's costs by (replication, arm,
    line, month): each ledger line added to its payer and kind. Both result modes (every
    replication kept, or folded as they finish) sum this way, so they agree bit for bit.

    Each budget's lines are added one after another in line order, starting from zero. The
    matrix product with a 0/1 matrix of lines that this replaces (an einsum through OpenBLAS)
    mostly added them in that order too, but its kernels chose the order by the matrix's shape,
    so a replication's monthly costs could differ in the last bit with the number of
    replications run beside it; this order depends on nothing but the lines, and the first call
    in a process starts no BLAS threads (up to 30 ms on a loaded machine; docs/performance.md,
    "The first cell, second pass"). The sums are the engine's (C++, the GIL released): NumPy's
    line-by-line adds took most of a block's fold (docs/performance.md, "Twenty-second pass")."""
    where = [(int(line.payer), KINDS.index(line.kind.name)) for line in ledger_lines]
    return _core.budget_costs(costs, where, n_budgets, len(KINDS))  # engine/include/tvaer/budget_costs.hpp


def yearly_sums(monthly: np.ndarray) -> np.ndarray:
    """Sums over months 0-11, 12-23, ... of an array by (replication, month, ...): by (replication,
    year, ...), a partial last year included; each year's months added in month order."""
    years = (monthly.shape[1] + 11) // 12
    out = np.empty((monthly.shape[0], years) + monthly.shape[2:])
    for y in range(years):
        out[:, y] = monthly[:, 12 * y:12 * y + 12].sum(axis=1)
    return out


@functools.lru_cache(maxsize=256)
def t_quantile(p: float, df: int) -> float:
    """Quantile `p` of Student's t with `df` degrees of freedom.

    `scipy.special.stdtrit` is the function `scipy.stats.t.ppf` evaluates (same value, bit for
    bit), without importing `scipy.stats` (about 1 s on the first call in a process against
    0.2 s for `scipy.special`); cached, since a process asks for few (p, df) pairs. The
    intervals' usual levels (80, 90, 95 and 99 %) up to 1,000 degrees of freedom are read from
    a table of its values (tools/t_quantiles.py), so that the first summary in a process imports
    no scipy at all."""
    if 1 <= df <= _t_table()[1] and p in _t_table()[0]:
        return float(_t_table()[2][_t_table()[0][p], df - 1])
    from scipy.special import stdtrit

    return float(stdtrit(df, p))


@functools.lru_cache(maxsize=1)
def _t_table() -> tuple[dict[float, int], int, np.ndarray]:
    """The table of tvaer._t_quantiles: row of each p, degrees of freedom covered, quantiles."""
    import base64

    from ._t_quantiles import DATA, LEVELS, MAX_DF

    table = np.frombuffer(base64.b64decode(DATA), dtype="<f8").reshape(len(LEVELS), MAX_DF)
    return {0.5 + level / 2: i for i, level in enumerate(LEVELS)}, MAX_DF, table


def paired_interval(diff: np.ndarray, axis: int = 0, level: float = 0.95) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean and two-sided t interval of paired differences along `axis` (replications)."""
    n = diff.shape[axis]
    mean = diff.mean(axis=axis)
    if n < 2:
        nan = np.full_like(mean, np.nan, dtype=float)
        return mean, nan, nan
    se = diff.std(axis=axis, ddof=1) / math.sqrt(n)
    q = t_quantile(0.5 + level / 2, n - 1)
    return mean, mean - q * se, mean + q * se


LINE_COLUMNS = ["source", "source_kind", "law_sector", "payer", "kind", "cpr_registered", "group",
                "inside_unit_budget", "benefit", "granted_by"]


def _line_table(lines: list[Any], budgets: list[str], sectors: list[str]) -> pd.DataFrame:
    """The ledger lines (`_core.LedgerLine`) as a table, indices replaced by names."""
    rows = [{
        "source": line.source,
        "source_kind": line.source_kind,
        "law_sector": sectors[line.law_sector],
        "payer": budgets[line.payer],
        "kind": line.kind.name,
        "cpr_registered": bool(line.cpr_registered),
        "group": line.group,
        "inside_unit_budget": bool(line.inside_unit_budget),
        "benefit": line.benefit,
        "granted_by": line.granted_by,
    } for line in lines]
    return pd.DataFrame(rows, columns=LINE_COLUMNS)


# The engine's table of result arrays (name, dims, units, long_name, optional), by name.
ARRAYS: dict[str, dict[str, Any]] = {a["name"]: a for a in _core.result_arrays()}

# How `Results.flows` names the engine's per-month arrays where it differs (name, units).
_FLOW_NAMES = {"queue": ("queue_length", "requests (time average)")}
_FLOW_DIMS = {"occupancy_row": "row", "transition_row": "transition"}
# Summed waits that `Results.flows` gives as means: array -> (mean's name, the count it is over, what).
_FLOW_MEANS = {
    "wait_months": ("mean_wait", "starts", "wait of the intervention starts"),
    **{f"wait_months_{g}": (f"mean_wait_{g}", f"starts_{g}", f"queue wait (decision to start) of the starts, {w}")
       for g, w in (("ordinary", "families treated as usual"), ("solution", "families inside the solution"))},
    **{f"decision_wait_months_{g}": (f"mean_decision_wait_{g}", f"requests_{g}",
                                     f"decision wait (request to decision) of the decided requests, {w}")
       for g, w in (("ordinary", "families treated as usual"), ("solution", "families inside the solution"))},
    **{f"place_wait_months_{g}": (f"mean_place_wait_{g}", f"placed_{g}",
                                  f"wait for a place of a state (tracks.states.queue) of the members placed, {w}")
       for g, w in (("ordinary", "families treated as usual"), ("solution", "families inside the solution"))},
}


class Results:
    """What :func:`tvaer.simulate` returns. Arrays are copies; the object is cheap to keep.

    Made from the engine's results (`raw`, a ``tvaer._core.Results``, or the
    ``tvaer.aggregate.Totals`` of ``simulate(..., keep="totals")``) and what labels them: the
    scenario's sectors, its ledger lines (``tvaer._core.LedgerLine``, one per costs line), number of
    families (None when unknown), discount rate, canonical JSON and name.

    Results of ``keep="totals"`` hold each replication's yearly costs by budget and kind, events
    and admitted families, and per-month means and variances over replications (:meth:`mean`,
    :meth:`variance`): ``summary``, ``yearly_costs``, ``break_even``, ``present_value``,
    ``events`` and ``admitted`` work as usual; what needs every replication's monthly arrays
    (``costs``, ``line_costs``, ``flows``, ``raw``, ``to_hdf5``, settlements, ...) raises
    ValueError naming ``keep="replications"``."""

    def __init__(self, raw: Any, *, sectors: list[str], ledger_lines: list[Any], families: int | None,
                 discount_rate: float, scenario_json: str, scenario_name: str, interrupted: bool = False):
        self._raw = raw
        self._totals = raw if getattr(raw, "keep", "replications") == "totals" else None
        self._sectors = list(sectors)
        self._ledger_lines = list(ledger_lines)
        self._families = families
        self._discount_rate = discount_rate
        self._scenario_json = scenario_json
        self._scenario_name = scenario_name
        self._line_frame: pd.DataFrame | None = None  # made when asked for (see _lines)
        self.interrupted = interrupted
        self._costs: xr.DataArray | None = None
        self._monthly: np.ndarray | None = None
        self._yearly: np.ndarray | None = None
        self._family: xr.DataArray | None = None
        self._bookings: pd.DataFrame | None = None

    @property
    def _lines(self) -> pd.DataFrame:
        """The ledger lines as a table (:attr:`lines`), made once and only when needed."""
        if self._line_frame is None:
            self._line_frame = _line_table(self._ledger_lines, self.budgets, self._sectors)
        return self._line_frame

    # ---- basic facts -------------------------------------------------------------------------
    @property
    def keep(self) -> str:
        """What these results keep: ``"replications"`` (every replication's arrays) or
        ``"totals"`` (per-replication totals and per-month moments; ``simulate(keep=...)``)."""
        return "replications" if self._totals is None else "totals"

    def needs_replications(self, what: str) -> None:
        """Raises ValueError naming `what` when these results keep only totals."""
        if self._totals is not None:
            raise ValueError(f"{what}: needs every replication's month-by-line arrays, which "
                             "tvaer.simulate(..., keep='totals') does not keep; run with keep='replications' "
                             "(the default). Kept with keep='totals': summary(), yearly_costs, break_even(), "
                             "present_value(), events, admitted, and per-month mean(name) and variance(name)")

    @property
    def raw(self) -> Any:
        """The engine's results (``tvaer._core.Results``) behind the labelled arrays: read-only
        NumPy arrays in the engine's layout, one per row of :data:`ARRAYS`."""
        self.needs_replications("Results.raw")
        return self._raw

    @property
    def seed(self) -> int:
        return int(self._raw.seed)

    @property
    def replications(self) -> int:
        return int(self._raw.replications)

    @property
    def first_replication(self) -> int:
        return int(self._raw.first_replication)

    @property
    def months(self) -> int:
        return int(self._raw.months)

    @property
    def budgets(self) -> list[str]:
        return list(self._raw.budgets)

    @property
    def sectors(self) -> list[str]:
        """The scenario's sectors (the budgets less ``"solution"``)."""
        return list(self._sectors)

    @property
    def lines(self) -> pd.DataFrame:
        """One row per ledger line: source, payer budget, law sector, kind, cpr, group, ..."""
        return self._lines.copy()

    @property
    def ledger_lines(self) -> list[Any]:
        """The engine's ledger lines (``tvaer._core.LedgerLine``), one per line of ``line_costs``."""
        return list(self._ledger_lines)

    @property
    def families(self) -> int | None:
        """Families in the scenario (None for a file whose scenario text does not say)."""
        return self._families

    @property
    def scenario_json(self) -> str:
        return self._scenario_json

    @property
    def scenario_name(self) -> str:
        return self._scenario_name

    @property
    def start_year(self) -> int | None:
        """The calendar year of year 1 as the scenario gives it (its `start_year`, checked by the
        engine when the file was read), or None when it gives none."""
        year = json.loads(self._scenario_json).get("start_year") if self._scenario_json else None
        return None if year is None else int(year)

    @property
    def discount_rate(self) -> float:
        return self._discount_rate

    def __repr__(self) -> str:
        flag = (", totals" if self._totals is not None else "") + (", interrupted" if self.interrupted else "")
        return (f"<tvaer.Results {self._scenario_name!r}: {self.replications} replications x 2 arms, "
                f"{self.months} months, seed {self.seed}{flag}>")

    # ---- the engine's arrays, labelled by its table ------------------------------------------
    def holds(self, name: str) -> bool:
        """Whether these results hold the engine's array `name` (a key of :data:`ARRAYS`):
        optional arrays are absent when not recorded, or from a file written before them."""
        if name not in ARRAYS:
            raise KeyError(f"{name!r} is not a result array; one of {sorted(ARRAYS)}")
        return getattr(self._raw, name, None) is not None

    def array(self, name: str) -> xr.DataArray:
        """The engine's array `name` (a key of :data:`ARRAYS`) with the table's dimensions, units
        and long name, and coordinates for every dimension. Raises KeyError for an unknown name
        and ValueError for an array these results do not hold."""
        xr = xarray()

        if not self.holds(name):
            self.needs_replications(f"Results.array({name!r})")
            raise ValueError(f"{name}: not held by these results")
        row = ARRAYS[name]
        data = np.asarray(getattr(self._raw, name))
        coords = {d: self._coordinate(d, n) for d, n in zip(row["dims"], data.shape)}
        return xr.DataArray(data, dims=row["dims"], coords=coords, name=name,
                            attrs={"units": row["units"], "long_name": row["long_name"]})

    def fingerprint(self) -> str:
        """A SHA-256 of every array these results hold, in the table's order, with names, shapes
        and types: equal fingerprints mean the same bytes. The tests keep one per shipped scenario
        (tests/data/fingerprints.json), so that a change of behaviour is either caught or recorded
        on purpose (`make fingerprints`)."""
        self.needs_replications("Results.fingerprint()")
        h = hashlib.sha256()
        for name in ARRAYS:
            if self.holds(name):
                a = np.ascontiguousarray(np.asarray(getattr(self._raw, name)))
                h.update(f"{name}:{a.dtype.str}:{a.shape};".encode())
                h.update(a.tobytes())
        return h.hexdigest()

    def _coordinate(self, dim: str, size: int) -> Any:
        raw = self._raw
        named = {"arm": ARMS, "registration": ["cpr", "not_cpr"], "budget": self.budgets,
                 "occupancy_row": list(raw.occupancy_rows), "transition_row": list(raw.transition_rows),
                 "intervention": list(raw.interventions)}
        if dim in named:
            return named[dim]
        if dim == "replication":
            return np.arange(self.first_replication, self.first_replication + size)
        if dim == "year":
            return np.arange(1, size + 1)
        return np.arange(size)  # month, line (sources are not unique: see line_costs), family_record

    # ---- labelled arrays ---------------------------------------------------------------------
    @property
    def line_costs(self) -> xr.DataArray:
        """DKK by (replication, arm, line, month), with line metadata as coordinates."""
        xr = xarray()

        self.needs_replications("Results.line_costs")
        lines = self._lines
        coords: dict[str, Any] = {
            "replication": np.arange(self.first_replication, self.first_replication + self.replications),
            "arm": ARMS,
            "line": np.arange(len(lines)),
            "month": np.arange(self.months),
        }
        for col in ["source", "payer", "kind", "group", "cpr_registered"]:
            coords[col] = ("line", lines[col].to_numpy())
        return xr.DataArray(np.asarray(self._raw.costs), dims=("replication", "arm", "line", "month"),
                            coords=coords, name="cost", attrs={"units": "DKK"})

    def _monthly_values(self) -> np.ndarray:
        """DKK by (replication, month, budget, arm, kind) as a NumPy array (what :attr:`costs`
        labels), computed once."""
        if self._monthly is None:
            self._monthly = budget_costs(np.asarray(self._raw.costs), self._ledger_lines, len(self.budgets))
        return self._monthly

    @property
    def costs(self) -> xr.DataArray:
        """DKK by (replication, month, sector, arm, kind); `sector` is the paying budget."""
        xr = xarray()

        self.needs_replications("Results.costs")
        if self._costs is None:
            self._costs = xr.DataArray(
                self._monthly_values(),
                dims=("replication", "month", "sector", "arm", "kind"),
                coords={
                    "replication": np.arange(self.first_replication, self.first_replication + self.replications),
                    "month": np.arange(self.months),
                    "sector": self.budgets,
                    "arm": ARMS,
                    "kind": KINDS,
                },
                name="cost",
                attrs={"units": "DKK"},
            )
        return self._costs

    def _yearly_values(self) -> np.ndarray:
        """DKK by (replication, year, budget, arm, kind) as a C-contiguous NumPy array (what
        :attr:`yearly_costs` labels; year 1 is months 0-11, a partial last year included).
        Plain NumPy: the summary needs no labelled array, whose first one in a process costs
        about a second (xarray imports dask.array; docs/performance.md)."""
        if self._totals is not None:
            return np.ascontiguousarray(self._totals.yearly)
        if self._yearly is None:
            self._yearly = yearly_sums(self._monthly_values())
        return self._yearly

    @property
    def yearly_costs(self) -> xr.DataArray:
        """DKK by (replication, year, sector, arm, kind); year 1 is months 0-11."""
        xr = xarray()

        data = self._yearly_values().copy()
        return xr.DataArray(data, dims=("replication", "year", "sector", "arm", "kind"),
                            coords={"replication": self._coordinate("replication", self.replications),
                                    "year": np.arange(1, data.shape[1] + 1), "sector": self.budgets,
                                    "arm": ARMS, "kind": KINDS}, name="cost", attrs={"units": "DKK"})

    @property
    def flows(self) -> xr.Dataset:
        """Every per-month array of the engine but the costs, by replication, arm and month:
        occupancy (member-months per month), transitions, intervention requests, starts, drops,
        mean waits (``mean_wait`` = ``wait_months`` / ``starts``), time-averaged queue lengths
        (``queue_length``), and the same flows by group (``*_ordinary``: families treated as
        usual, ``*_solution``: inside the solution) with mean queue waits (``mean_wait_<group>``,
        decision to start, per start) apart from mean decision waits (``mean_decision_wait_<group>``,
        request to decision, per decided request). With queues for places in states
        (``tracks.states.queue``): ``placed_<group>``, members who waited and moved in, and
        ``mean_place_wait_<group>``, their mean wait from being sent to the ``when_full`` state
        (counted in ``redirected_<group>``) to moving in. Means are NaN in months without any.
        Arrays a results file lacks are left out."""
        xr = xarray()

        self.needs_replications("Results.flows")
        out = {}
        for name, row in ARRAYS.items():
            if name == "costs" or "month" not in row["dims"] or row["dims"][0] != "replication" or not self.holds(name):
                continue
            a = self.array(name).rename({d: _FLOW_DIMS[d] for d in row["dims"] if d in _FLOW_DIMS})
            if name in _FLOW_MEANS:
                mean, count, what = _FLOW_MEANS[name]
                n = np.asarray(getattr(self._raw, count))
                with np.errstate(invalid="ignore", divide="ignore"):
                    a = a.copy(data=np.where(n > 0, a.values / np.maximum(n, 1), np.nan))
                a.attrs["long_name"] = f"mean {what} of each month (NaN without any; {name} / {count})"
                name = mean
            name, a.attrs["units"] = _FLOW_NAMES.get(name, (name, a.attrs["units"]))
            out[name] = a.rename(name)
        return xr.Dataset(out)

    def moment_names(self) -> list[str]:
        """The names :meth:`mean` and :meth:`variance` take: ``"costs"`` (as :attr:`costs`),
        ``"line_costs"`` (as :attr:`line_costs`) and every engine array with a month dimension."""
        return ["costs", "line_costs"] + [n for n, a in ARRAYS.items() if n != "costs" and a["dims"][0] == "replication"
                                          and "month" in a["dims"] and self._has_moments(n)]

    def _has_moments(self, name: str) -> bool:
        if self._totals is not None:
            return name in self._totals.moment_names()
        return name in ("costs", "line_costs") or self.holds(name)

    def mean(self, name: str = "costs") -> xr.DataArray:
        """Mean over replications of `name` (one of :meth:`moment_names`), labelled like one
        replication of it: ``"costs"`` by (month, sector, arm, kind), ``"line_costs"`` by (arm,
        line, month), an engine array by its own dimensions. With ``keep="totals"`` it was
        accumulated as replications finished; otherwise it is computed from the arrays."""
        return self._moment(name, variance=False)

    def variance(self, name: str = "costs") -> xr.DataArray:
        """Sample variance (ddof 1) over replications of `name`, as :meth:`mean`; NaN with
        fewer than two replications."""
        return self._moment(name, variance=True)

    def _moment(self, name: str, variance: bool) -> xr.DataArray:
        xr = xarray()

        names = self.moment_names()
        if name not in names:
            raise ValueError(f"Results.mean/variance: {name!r} is not one of {names}")
        if name == "costs":
            dims = ("month", "sector", "arm", "kind")
        elif name == "line_costs":
            dims = ("arm", "line", "month")
        else:
            dims = tuple(ARRAYS[name]["dims"][1:])
        if self._totals is not None:
            data = self._totals.variance(name) if variance else self._totals.mean(name)
        else:
            full = self.costs.values if name == "costs" else np.asarray(
                getattr(self._raw, "costs" if name == "line_costs" else name), dtype=float)
            if not variance:
                data = full.mean(axis=0)
            else:
                data = full.var(axis=0, ddof=1) if full.shape[0] > 1 else np.full(full.shape[1:], np.nan)
        named = {"sector": self.budgets, "kind": KINDS}
        coords = {d: named[d] if d in named else self._coordinate(d, n) for d, n in zip(dims, data.shape)}
        what = "variance" if variance else "mean"
        return xr.DataArray(data, dims=dims, coords=coords, name=f"{name}_{what}",
                            attrs={"long_name": f"{what} over {self.replications} replications of {name}"})

    @property
    def events(self) -> np.ndarray:
        """Events per (replication, arm)."""
        return np.asarray(self._raw.events)

    @property
    def admitted(self) -> np.ndarray:
        """Families admitted into the solution per (replication, arm)."""
        return np.asarray(self._raw.admitted)

    @property
    def family_costs(self) -> xr.DataArray:
        """DKK by (replication, family, year, budget, arm): what each family cost each paying
        budget in each year (year 1 is months 0-11, a partial last year included), every ledger
        booking that concerns the family (refunds too; the solution's staff and coordination meetings
        are salaries, not a family's cost). Summed over families it equals ``yearly_costs`` summed
        over kinds, less the staff and coordination lines.

        Coordinates: ``admitted_month`` (replication, family, arm), the month the family was first
        admitted into the solution or -1 (always -1 in business as usual); ``candidate``
        (replication, family, arm), whether it was eligible and motivated when considered (at
        t = 0 or on arrival; the same in both arms); ``present`` (replication, family): families
        arrive during a run, so replications with fewer families than the largest are padded
        (costs NaN, admitted -1, candidate False, present False).

        Recorded only by ``simulate(..., family_costs=True)`` (or ``simulate_to_file``); raises
        ValueError otherwise. Results files hold it when the results do (``to_hdf5`` and
        ``open_results`` round-trip it). ``family_costs_by_registration`` splits it by CPR
        registration."""
        return self.family_costs_by_registration.sum("registration", skipna=False, keep_attrs=True)

    @property
    def family_costs_by_registration(self) -> xr.DataArray:
        """``family_costs`` with one more dimension, ``registration``: ``"cpr"`` for costs booked on
        a person's CPR number, ``"not_cpr"`` for the rest (report sec. 4.13: 80-90 % are; a
        municipality following its own families sees only the first)."""
        self.needs_replications("Results.family_costs")
        if not self.holds("family_cost"):
            raise ValueError("family_costs: not recorded in these results; run tvaer.simulate(..., family_costs=True) "
                             "or tvaer.simulate_to_file(..., family_costs=True)")
        if self._family is None:
            self._family = self._family_array()
        return self._family

    @property
    def bookings(self) -> pd.DataFrame:
        """The booking log: every krone that concerns a family, one row per (replication, arm,
        family, member, ledger line, month) piece, with the line's source, paying budget, granting
        sector, cost kind, CPR registration and group (the columns of :attr:`lines`) and the amount
        in DKK. A spell is booked month by month; when a family enters or leaves the solution its
        open spells are rebooked (a negative row on the old lines, a positive one on the new), so
        the rows sum, line by line and month by month, to ``line_costs`` (less the staff and
        coordination lines, nobody's booking). ``member`` counts within the family, in the order its members were
        created. ``age`` is the member's age in years at the start of the month (0 for a member
        born during it; members age one year every 12 months), NaN for a member of a track without
        ``ages`` (docs/scenario-format.md, "Ages, age bands and quotas").

        Recorded only by ``simulate(..., bookings=True)`` and not written to results files; meant
        for a few replications (it has about one row per member, cost line and month). The table is
        built once and each call returns a copy of it, so changing one does not change the next."""
        if self._bookings is None:
            self._bookings = self._bookings_table()
        return self._bookings.copy()

    def _bookings_table(self) -> pd.DataFrame:
        self.needs_replications("Results.bookings")
        raw = self._raw
        if not bool(getattr(raw, "has_bookings", False)):
            raise ValueError("bookings: not recorded in these results; run tvaer.simulate(..., bookings=True) "
                             "(for a few replications: the log has a row per member, cost line and month)")
        counts = np.asarray(raw.booking_counts).astype(np.int64).reshape(self.replications, 2).ravel()
        reps = np.arange(self.first_replication, self.first_replication + self.replications)
        line = np.asarray(raw.booking_line).astype(np.int64)
        df = pd.DataFrame({
            "replication": np.repeat(np.repeat(reps, 2), counts),
            "arm": pd.Categorical(np.repeat(np.tile(ARMS, self.replications), counts), categories=ARMS),
            "family": np.asarray(raw.booking_family),
            "member": np.asarray(raw.booking_member),
            "month": np.asarray(raw.booking_month),
            "line": line,
        })
        meta = self._lines.iloc[line].reset_index(drop=True)
        df = pd.concat([df, meta], axis=1)
        df["amount"] = np.asarray(raw.booking_amount)
        df["age"] = np.asarray(raw.booking_age).astype(np.float64)
        return df

    def _family_array(self) -> xr.DataArray:
        xr = xarray()

        raw = self._raw
        counts = np.asarray(raw.family_count).reshape(self.replications, 2)
        years, budgets = (self.months + 11) // 12, len(self.budgets)
        n = int(counts.max()) if counts.size else 0
        flat = np.asarray(raw.family_cost).reshape(-1)
        admitted_flat = np.asarray(raw.family_admitted)
        candidate_flat = np.asarray(raw.family_candidate)
        data = np.full((self.replications, n, years, budgets, 2, 2), np.nan)  # ..., registration, arm
        admitted = np.full((self.replications, n, 2), -1, dtype=np.int32)
        candidate = np.zeros((self.replications, n, 2), dtype=bool)
        present = np.zeros((self.replications, n), dtype=bool)
        start = 0
        for r in range(self.replications):
            for a in range(2):
                k = int(counts[r, a])
                cells = years * budgets * 2
                block = flat[start * cells:(start + k) * cells]
                data[r, :k, :, :, :, a] = block.reshape(k, years, budgets, 2)
                admitted[r, :k, a] = admitted_flat[start:start + k]
                candidate[r, :k, a] = candidate_flat[start:start + k] != 0
                present[r, :k] = True
                start += k
        rep = np.arange(self.first_replication, self.first_replication + self.replications)
        return xr.DataArray(
            data,
            dims=("replication", "family", "year", "budget", "registration", "arm"),
            coords={
                "replication": rep,
                "family": np.arange(n),
                "year": np.arange(1, years + 1),
                "budget": self.budgets,
                "registration": ["cpr", "not_cpr"],
                "arm": ARMS,
                "admitted_month": (("replication", "family", "arm"), admitted),
                "candidate": (("replication", "family", "arm"), candidate),
                "present": (("replication", "family"), present),
            },
            name="family_cost",
            attrs={"units": "DKK"},
        )

    # ---- summaries ---------------------------------------------------------------------------
    def yearly_difference(self) -> xr.DataArray:
        """Solution minus business as usual, DKK by (replication, year, sector), both kinds."""
        xr = xarray()

        return xr.DataArray(self._difference_values(), dims=("replication", "year", "sector"),
                            coords={"replication": self._coordinate("replication", self.replications),
                                    "year": np.arange(1, self._yearly_values().shape[1] + 1), "sector": self.budgets},
                            name="cost", attrs={"units": "DKK"})

    def _arm_values(self) -> np.ndarray:
        """DKK by (replication, year, budget, arm), both kinds."""
        return self._yearly_values().sum(axis=-1)  # the kinds summed

    def _difference_values(self) -> np.ndarray:
        """Solution minus business as usual, DKK by (replication, year, budget), both kinds."""
        y = self._arm_values()
        return y[..., 1] - y[..., 0]

    def summary(self, level: float = 0.95, unit: str = "DKK") -> pd.DataFrame:
        """Per sector and year: mean cost per arm, the mean paired difference (solution - bau) with
        its interval, the probability that the sector's cost rises (a net loss), and the total's
        break-even statistics. A row `sector == "total"` sums the budgets. Money in DKK, or in
        thousands (``unit="kDKK"``) or millions (``"MDKK"``) of DKK; ValueError for another unit."""
        unit_factor(unit)  # an unknown unit is refused before any work
        # First, so that its arrays by replication are freed before the summary's are made: with
        # keep="totals" these arrays are most of what grows with replications (about 1 KB each).
        break_even = self.break_even()
        # NumPy throughout (no labelled array: see _yearly_values), in the order of the labelled
        # computation it replaces, so that the numbers are the same bit for bit
        # (tests/python/test_statistics.py checks them against xarray).
        # One budget at a time, the "total" last (the budgets added in order), so that the arrays by
        # replication made here are a budget's, not all of them at once.
        yearly = self._yearly_values()  # (rep, year, budget, arm, kind)
        n_years, n_budgets = yearly.shape[1], yearly.shape[2]
        bau, sol, mean, lo, hi, p_loss = (np.empty((n_years, n_budgets + 1)) for _ in range(6))
        total = None
        for b in range(n_budgets + 1):
            if b < n_budgets:
                y = np.sum(yearly[:, :, b], axis=-1)  # (rep, year, arm): the kinds summed (as _arm_values)
                total = y.copy() if total is None else np.add(total, y, out=total)
            else:
                y = total
            diff = y[..., 1] - y[..., 0]
            mean[:, b], lo[:, b], hi[:, b] = paired_interval(diff, axis=0, level=level)
            bau[:, b] = y[..., 0].mean(axis=0)
            sol[:, b] = y[..., 1].mean(axis=0)
            p_loss[:, b] = (diff > 0).mean(axis=0)
        del yearly, y, total, diff
        sectors = self.budgets + ["total"]
        order = sorted(range(len(sectors)), key=lambda j: sectors[j])
        years = np.arange(1, bau.shape[0] + 1)
        # Built from its levels and codes: MultiIndex.from_arrays would sort and factorize the same
        # labels again (about 1.5 ms, most of the first summary's pandas time).
        index = pd.MultiIndex(levels=[pd.Index([sectors[j] for j in order]), pd.Index(years)],
                              codes=[np.repeat(np.arange(len(sectors)), len(years)),
                                     np.tile(np.arange(len(years)), len(sectors))],
                              names=["sector", "year"], verify_integrity=False)
        columns = {name: a[:, order].T.reshape(-1) for name, a in
                   [("bau", bau), ("solution", sol), ("difference", mean), ("ci_low", lo), ("ci_high", hi),
                    ("p_net_loss", p_loss)]}
        df = pd.DataFrame(columns, index=index)
        df.attrs["level"] = level
        df.attrs["units"] = "DKK per year (p_net_loss: a share of replications)"
        df.attrs["replications"] = self.replications
        df.attrs["break_even"] = break_even
        return in_unit(df, unit)

    def break_even(self) -> dict[str, float]:
        """When the solution has paid for itself: the first year from which the cumulative total
        difference (solution - bau, all budgets) stays <= 0 (the engine's ``break_even_year_dkk`` of
        the yearly saving). Median over replications and the share of replications that break
        even within the horizon."""
        d = self._difference_values().sum(axis=2)  # (rep, year)
        found = []
        for row in d:
            idx = _core.break_even_year_dkk([float(-x) for x in row])
            found.append(np.nan if idx is None else float(idx + 1))
        arr = np.array(found, dtype=float)
        share = float(np.mean(~np.isnan(arr))) if len(arr) else float("nan")
        median = float(np.nanmedian(arr)) if share > 0 else float("nan")
        return {"median_year": median, "share_within_horizon": share}

    def present_value(self) -> xr.DataArray:
        """Present value (DKK) of the yearly difference per (replication, sector), discounted at
        the scenario's yearly rate with year 1 undiscounted (the engine's ``present_value_dkk``)."""
        xr = xarray()

        d = self.yearly_difference().transpose("replication", "sector", "year")
        pv = np.array([[_core.present_value_dkk([float(x) for x in row], self.discount_rate) for row in rep]
                       for rep in d.values]).reshape(d.shape[:2])
        return xr.DataArray(pv, dims=("replication", "sector"),
                            coords={"replication": d["replication"].values, "sector": d["sector"].values})

    # ---- files -------------------------------------------------------------------------------
    def to_hdf5(self, path: str | os.PathLike[str], compression: str | None = None) -> str:
        """Writes an HDF5 results file atomically (see docs/results-format.md) and returns its
        path; :func:`tvaer.open_results` reads it back bit for bit. ``compression``: ``"szip"``
        (the default), ``"none"`` or ``"deflate:1"`` to ``"deflate:9"``. Raises ResultsFileError
        naming the path when it cannot be written (a file already there is then left as it was),
        ValueError naming ``compression`` when it is none of these."""
        self.needs_replications("Results.to_hdf5")
        path = os.fspath(path)
        how = _core.check_compression(_core.DEFAULT_COMPRESSION if compression is None else compression)
        provenance = _core.Provenance(self._scenario_json, self._scenario_name, lines=self._ledger_lines)
        _core.write_results(path, self._raw, provenance, how)
        return path
