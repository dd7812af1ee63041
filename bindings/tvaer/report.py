"""A self-contained HTML page of a simulation for a budget meeting: summary tables and charts
(PNG, inlined as base64), no external files or scripts, in English or Danish (every word and
number from tvaer.language)."""

from __future__ import annotations

import base64
import datetime as _dt
import html
import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .language import Language, break_even_sentence, check_start_year, language
from .results import Results
from .tables import budgets_in_thousands, in_thousands, rules_sentence

__all__ = ["write_report", "report_html"]

_CSS = """
body { font-family: system-ui, sans-serif; max-width: 60em; margin: 2em auto; color: #222; }
h1 { font-size: 1.6em; } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; font-size: 0.9em; } td, th { padding: 0.2em 0.7em; text-align: right; }
th { background: #f0f0f0; } tbody th { white-space: nowrap; } tr:nth-child(even) td { background: #fafafa; }
img { max-width: 100%; } .note { color: #555; font-size: 0.9em; }
.budgets td, .budgets th { padding: 0.2em 0.45em; }  /* the widest table: up to 11 columns */
"""


def _png(fig: Any) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


class _Page:
    """What every part of a page needs: the results, the language and the calendar year of year 1."""

    def __init__(self, results: Results, lang: str | Language, start_year: int | None):
        self.results = results
        self.w = language(lang)
        self.data = json.loads(results.scenario_json)
        # The option wins over the scenario's own `start_year` (checked by the engine when read).
        self.start_year = check_start_year(start_year if start_year is not None else results.start_year)

    def year(self, year: float) -> str:
        return self.w.year(year, self.start_year)

    def year_one(self) -> str:
        """What year 1 is, in words."""
        if self.start_year is None:
            return self.w.t("r.year_one")
        return self.w.t("r.year_one_given", year=self.start_year)

    def table(self, table: pd.DataFrame) -> str:
        """A table of whole thousands and shares as HTML: numbers in the language's style, budgets
        and years by their names."""
        w = self.w

        def cell(v: Any) -> str:
            if v is pd.NA or (isinstance(v, float) and v != v):
                return ""
            return w.number(v, 0 if isinstance(v, (int, np.integer)) else 2)

        shown = table.astype(object).map(cell)
        names = list(shown.index.names)
        shown.index = shown.index.map(lambda key: tuple(self._label(n, k) for n, k in zip(names, key))
                                      if isinstance(key, tuple) else self._label(names[0], key))
        shown.index.names = [w.words.get(f"index.{n}", n) for n in names]
        return shown.to_html(border=0, escape=True)

    def _label(self, level: str, key: Any) -> str:
        return self.year(key) if level == "year" else self.w.budget(str(key))

    def kdkk_table(self, summary: pd.DataFrame) -> str:
        columns = ["bau", "solution", "difference", "ci_low", "ci_high", "p_net_loss"]
        return self.table(in_thousands(summary, [self.w.column(c) for c in columns]))


def _charts(page: _Page) -> list[tuple[str, str]]:
    from . import plots

    r, w, y = page.results, page.w, page.start_year
    return [
        (w.t("c.difference"), _png(plots.difference_chart(r, lang=w, start_year=y))),
        (w.t("c.fan"), _png(plots.fan_chart(r, lang=w))),
        (w.t("c.break_even"), _png(plots.break_even_chart(r, lang=w))),
        (w.t("c.waterfall"), _png(plots.waterfall_chart(r, lang=w, start_year=y))),
    ]


def report_html(results: Results, title: str | None = None, lang: str | Language = "en",
                start_year: int | None = None) -> str:
    """The report page as an HTML string (see :func:`write_report`)."""
    page = _Page(results, lang, start_year)
    w = page.w
    name = page.data.get("name", "scenario")
    title = title or f"tvaer: {name}"
    summary = results.summary()
    total = summary.loc["total"]
    cum = float(total["difference"].sum())
    unit = w.t("kdkk")
    parts = [
        f"<!DOCTYPE html><html lang='{w.code}'><head><meta charset='utf-8'><title>{html.escape(title)}</title>",
        f"<style>{_CSS}</style></head><body><h1>{html.escape(title)}</h1>",
        "<p>" + w.t("r.intro", name=html.escape(str(name)), replications=results.replications,
                    months=results.months, seed=results.seed) + "</p>",
        "<p><b>" + w.t("r.verdict", verdict=w.t("r.saves" if cum < 0 else "r.costs"), amount=w.mio(abs(cum))) +
        "</b> " + w.t("r.verdict_note") + " " +
        html.escape(break_even_sentence(summary.attrs["break_even"], results.replications, results.months, w,
                                        page.start_year)) + "</p>",
        _key_figures(page, cum),
        f"<h2>{w.t('r.h_total', unit=unit)}</h2>", page.kdkk_table(total),
        *_budget_section(page),
        f"<h2>{w.t('r.h_sectors', unit=unit)}</h2>",
        page.kdkk_table(summary.drop(index="total", level="sector")),
        *_assumptions(page),
    ]
    for caption, data in _charts(page):
        parts.append(f"<h2>{html.escape(caption)}</h2><img alt='{html.escape(caption)}' src='data:image/png;base64,{data}'>")
    stamp = _dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    parts.append(f"<p class='note'>{w.t('r.footer', stamp=stamp)}</p></body></html>")
    return "\n".join(parts)


def _key_figures(page: _Page, total: float) -> str:
    """The present value of the total difference at the scenario's discount rate, and the
    difference per place: per family-year inside the solution (its mean occupancy)."""
    results, w = page.results, page.w
    pv = float(results.present_value().sel(sector=results.budgets).sum("sector").mean())
    occ = results.flows["occupancy"].sel(row="solution/families", arm="solution").mean("replication")
    family_years = float(occ.sum()) / 12.0
    per_place = (w.t("r.per_place", amount=w.dkk(total / family_years),
                     families=w.number(family_years / (results.months / 12.0), 1)) if family_years > 0
                 else w.t("r.no_place"))
    return (f"<p>{w.t('r.pv', rate=w.percent(results.discount_rate, 1), first=page.year(1), amount=w.mio(pv, 2))} "
            f"{per_place}</p>")


def _budget_section(page: _Page) -> list[str]:
    """Each budget's position under the scenario's allocation rules (salary financing and
    efficiency requirement included): the table a budget negotiator reads first."""
    from .budgets import settle

    w = page.w
    settlement = settle(page.results)
    rules = rules_sentence(settlement.rules, w)
    table = page.table(budgets_in_thousands(settlement.summary(), w.column))
    return [f"<h2>{w.t('r.h_budgets', unit=w.t('kdkk'))}</h2>",
            f"<p>{html.escape(rules[:1].upper() + rules[1:])}. {w.t('r.net')}</p>",
            f"<div class='budgets'>{table}</div>"]


def _assumptions(page: _Page) -> list[str]:
    """What the numbers rest on: horizon, discounting, population and the parameters the scenario
    declares uncertain (with their distributions), so a reader sees what to question."""
    data, w = page.data, page.w
    pop = data.get("population", {})
    flow = (w.t("r.flow", arrivals=w.number(pop.get("arrivals_per_month", 0), None),
                leave=w.percent(pop.get("leave_rate", 0), 1)) if pop else w.t("r.closed"))
    org = data.get("organisation", {})
    form = org.get("form", "unit")
    by_year = org.get("staff_fte_by_year")
    staff = (w.t("r.fte_by_year", fte=w.t("list_sep").join(w.number(float(s), None) for s in by_year)) if by_year
             else w.t("r.fte", fte=w.number(float(org.get("staff_fte", 0.0)), None)))
    items = [w.t("r.horizon", months=data.get("horizon_months"), rate=w.percent(float(data.get("discount_rate", 0.0)), 1),
                 families=w.number(data.get("families", 0)), flow=flow),
             page.year_one(),
             w.t("r.organisation", form=w.words.get(f"form.{form}", form), staff=staff)]
    uncertain = list(data.get("uncertain", {}).items())
    if uncertain:
        items.append(w.t("r.uncertain", items="; ".join(f"<code>{html.escape(k)}</code> {html.escape(_dist(v, w))}"
                                                        for k, v in uncertain)))
    else:
        items.append(w.t("r.certain"))
    return [f"<h2>{w.t('r.h_assumptions')}</h2><ul>", *(f"<li>{i}</li>" for i in items), "</ul>"]


def _dist(spec: Any, w: Language) -> str:
    if not isinstance(spec, dict):
        return str(spec)
    order = ["low", "mode", "high", "mean", "sd", "median", "sigma"]
    keys = sorted((k for k in spec if k != "distribution"), key=lambda k: (order.index(k) if k in order else 99, k))
    rest = ", ".join(f"{k} {w.number(spec[k], None)}" if isinstance(spec[k], (int, float)) else f"{k} {spec[k]}"
                     for k in keys)
    return f"{spec.get('distribution', 'uniform')} ({rest})"


def write_report(results: Results, path: str | Path, title: str | None = None, lang: str | Language = "en",
                 start_year: int | None = None) -> str:
    """Writes a self-contained HTML page (summary tables, inline PNG charts) for `results` to
    `path` and returns the path. `lang` is ``"en"`` or ``"da"`` (Danish words, ``1.234,5``,
    ``mio. kr.``); `start_year`, the calendar year of year 1, labels years as budget years (2027)
    instead of year 1. Raises ValueError for another language or a start year outside
    [1900, 2200], OSError if the file cannot be written."""
    path = Path(path)
    text = report_html(results, title, lang, start_year)
    path.write_text(text, encoding="utf-8")
    return str(path)
