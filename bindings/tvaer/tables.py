"""Tables for people: the per-sector summary in thousands of DKK, one formatter for the command
line (text) and the report (HTML)."""

from __future__ import annotations

from typing import Sequence

import pandas as pd

__all__ = ["in_thousands", "budgets_in_thousands", "carrying_budgets", "rules_sentence"]

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


def budgets_in_thousands(settled: pd.DataFrame) -> pd.DataFrame:
    """A :meth:`tvaer.budgets.Settlement.summary` in thousands of DKK, for people: each budget's
    cost per arm after the rules, the difference with its interval, the money settled, the net
    position (> 0 is better off), the efficiency requirement where there is one, and the
    probability of a net loss. A budget that carries nothing in either arm after the rules (the
    solution's line once its salaries are financed by the sectors) is left out."""
    shown = settled.loc[carrying_budgets(settled) + ["total"]]
    money = ["bau", "solution", "difference", "difference_low", "difference_high", "settled", "net"]
    labels = ["bau (kDKK)", "solution (kDKK)", "difference", "95% low", "95% high", "settled", "net"]
    if (shown["required"] != 0).any():
        money, labels = money + ["required"], labels + ["required"]
    return in_thousands(shown, labels + ["P(net loss)"], money=money)


def carrying_budgets(settled: pd.DataFrame) -> list[str]:
    """The budgets of a :meth:`tvaer.budgets.Settlement.summary` that carry a cost or receive money
    in some year after the rules, in the summary's order ("total" left out): the solution's line
    once the sectors finance its salaries carries nothing and is not worth a row or a chart."""
    moved = settled[["bau", "solution", "settled"]].abs().groupby(level="budget", sort=False).max().max(axis=1)
    return [b for b, v in moved.items() if v != 0 and b != "total"]


def rules_sentence(rules: list[str]) -> str:
    if rules == ["pay where granted"]:
        return "the scenario has no allocation rules, so each budget pays what its law grants"
    return "the scenario's rules applied in order: " + "; ".join(rules)
