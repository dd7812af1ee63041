"""Tables for people: the per-sector summary in thousands of DKK, one formatter for the command
line (text) and the report (HTML)."""

from __future__ import annotations

from typing import Sequence

import pandas as pd

__all__ = ["in_thousands"]

_MONEY = ["bau", "solution", "difference", "ci_low", "ci_high"]


def in_thousands(summary: pd.DataFrame, labels: list[str], money: Sequence[str] = _MONEY,
                 fractions: Sequence[str] = ("p_net_loss",)) -> pd.DataFrame:
    """The money columns of a :meth:`tvaer.Results.summary` in whole thousands of DKK and the
    probability of a net loss to two decimals, with the columns named `labels` (six names: bau,
    solution, difference, interval low and high, P(net loss)). Other tables name their `money`
    columns and `fractions` (two decimals), as :meth:`tvaer.Decomposition.summary` does. A value
    that is not a number (the interval of a single replication) shows as <NA>."""
    t = (summary[list(money)] / 1000).round(0).astype("Int64")
    for column in fractions:
        t[column] = summary[column].round(2)
    t.columns = labels
    return t
