"""Analytic expected values: the instant answer, no simulation (docs/analytic.md).

:func:`expected` computes, for one treatment applied to every family from month 0, the expected
cost per paying budget, cost kind and month (or year), and the expected occupancy of every
``track/state`` row. The engine supports models whose clocks are all exponential, with unlimited
capacity and a closed, generated population; other models raise :class:`tvaer.TvaerError` naming
the first obstacle. Selection into the solution is not modelled: with ``treatment="solution"``
every family is inside the solution for the whole horizon.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from . import _core
from .labelled import xarray
from .scenario import Scenario, compile_model

if TYPE_CHECKING:  # imported where used: the first labelled array costs up to a second
    import xarray as xr

__all__ = ["expected"]

TREATMENTS = ("usual", "solution")
KINDS = ["service", "transfer"]


def expected(scenario: Scenario, treatment: str = "usual", by: str = "month") -> xr.Dataset:
    """Expected costs and occupancy of `scenario` with every family given `treatment`.

    Returns a Dataset with ``cost`` (DKK, dims ``(month, sector, kind)``; ``sector`` is the paying
    budget, the scenario's sectors then ``"solution"``) and ``occupancy`` (member-months, dims
    ``(month, row)``). With ``by="year"`` months are summed into years labelled 1, 2, ... (year 1
    is months 0-11, as in :attr:`tvaer.Results.yearly_costs`). Raises ValueError for a bad
    `treatment` or `by`, ScenarioError for an invalid scenario and TvaerError for a model the
    analytic mode does not support.
    """
    xr = xarray()

    if treatment not in TREATMENTS:
        raise ValueError(f"treatment: must be one of {', '.join(TREATMENTS)}; got {treatment!r}")
    if by not in ("month", "year"):
        raise ValueError(f"by: must be 'month' or 'year'; got {by!r}")
    model = compile_model(scenario)
    ev = _core.expected(model, _core.Treatment.__members__[treatment])
    budgets = list(model.budgets)
    ind = np.zeros((len(model.lines), len(budgets), len(KINDS)))
    for i, line in enumerate(model.lines):
        ind[i, line.payer, KINDS.index(line.kind.name)] = 1.0
    costs = np.einsum("lm,lsk->msk", np.asarray(ev.costs), ind)
    month = np.arange(int(ev.months))
    out = xr.Dataset(
        {
            "cost": (("month", "sector", "kind"), costs, {"units": "DKK"}),
            "occupancy": (("month", "row"), np.asarray(ev.occupancy).T, {"units": "member-months"}),
        },
        coords={"month": month, "sector": budgets, "kind": KINDS, "row": list(ev.occupancy_rows)},
        attrs={"treatment": treatment, "families": float(ev.families), "scenario": scenario.name,
               "extended_states": int(ev.extended_states)},
    )
    if by == "year":
        year = xr.DataArray(month // 12 + 1, dims="month", name="year")
        out = out.groupby(year).sum("month", keep_attrs=True)
    return out
