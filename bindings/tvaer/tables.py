"""Tables for people: the per-sector summary in thousands of DKK, one formatter for the command
line (text) and the report (HTML)."""

from __future__ import annotations

from typing import Callable, Sequence

import pandas as pd

from .language import Language, language

__all__ = ["UNITS", "unit_factor", "in_unit", "in_thousands", "budgets_in_thousands", "carrying_budgets",
           "rules_sentence"]

_MONEY = ["bau", "solution", "difference", "ci_low", "ci_high"]

UNITS = {"DKK": 1.0, "kDKK": 1e3, "MDKK": 1e6}


def unit_factor(unit: str) -> float:
    """DKK per `unit` (one of :data:`UNITS`); ValueError naming the units otherwise."""
    if unit not in UNITS:
        raise ValueError(f"unit: must be one of {', '.join(UNITS)}; got {unit!r}")
    return UNITS[unit]


def in_unit(summary: pd.DataFrame, unit: str) -> pd.DataFrame:
    """A summary in DKK with its money columns in `unit` (``"DKK"``, thousands ``"kDKK"`` or
    millions ``"MDKK"``), not rounded; shares (columns ``p_...``) stay shares and
    ``attrs["units"]`` says the unit. ValueError for another unit."""
    factor = unit_factor(unit)
    if factor == 1.0:
        return summary
    out = summary.copy()
    money = [c for c in out.columns if not str(c).startswith("p_")]
    out[money] = out[money] / factor
    out.attrs["units"] = out.attrs.get("units", "DKK per year").replace("DKK", unit, 1)
    return out


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


def budgets_in_thousands(settled: pd.DataFrame, label: Callable[[str], str] | None = None) -> pd.DataFrame:
    """A :meth:`tvaer.budgets.Settlement.summary` in thousands of DKK, for people: each budget's
    cost per arm after the rules, the difference with its interval, the money settled, the net
    position (> 0 is better off), the efficiency requirement where there is one, and the
    probability of a net loss. A budget that carries nothing in either arm after the rules (the
    solution's line once its salaries are financed by the sectors) is left out. Columns are named
    for the terminal, or by `label` (a column name -> its label, e.g. :meth:`Language.column`)."""
    shown = settled.loc[carrying_budgets(settled) + ["total"]]
    money = ["bau", "solution", "difference", "difference_low", "difference_high", "settled", "net"]
    labels = ["bau (kDKK)", "solution (kDKK)", "difference", "95% low", "95% high", "settled", "net"]
    if (shown["required"] != 0).any():
        money, labels = money + ["required"], labels + ["required"]
    labels = [label(c) for c in money] if label else labels
    return in_thousands(shown, labels + [label("p_net_loss") if label else "P(net loss)"], money=money)


def carrying_budgets(settled: pd.DataFrame) -> list[str]:
    """The budgets of a :meth:`tvaer.budgets.Settlement.summary` that carry a cost or receive money
    in some year after the rules, in the summary's order ("total" left out): the solution's line
    once the sectors finance its salaries carries nothing and is not worth a row or a chart."""
    moved = settled[["bau", "solution", "settled"]].abs().groupby(level="budget", sort=False).max().max(axis=1)
    return [b for b, v in moved.items() if v != 0 and b != "total"]


# The names the engine gives the rules it makes itself (engine/src/allocation_read.cpp), by the
# key of their words in each language; every other name is the scenario's own and stays as written.
ENGINE_RULE_NAMES = {"salaries (organisation.salary_key)": "rules.salaries"}


def rules_sentence(rules: list[str], lang: str | Language = "en") -> str:
    """The allocation rules of a settlement in words (their names as the scenario gives them, the
    engine's own in the language's words)."""
    words = language(lang)
    if rules == ["pay where granted"]:
        return words.t("rules.none")
    named = [words.t(ENGINE_RULE_NAMES[r]) if r in ENGINE_RULE_NAMES else r for r in rules]
    return words.t("rules.order", rules="; ".join(named))
