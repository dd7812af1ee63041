"""A self-contained HTML page of a simulation for a budget meeting: summary tables and charts
(PNG, inlined as base64), no external files or scripts."""

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

from .results import Results
from .tables import budgets_in_thousands, in_thousands, rules_sentence

__all__ = ["write_report", "report_html"]

_CSS = """
body { font-family: system-ui, sans-serif; max-width: 60em; margin: 2em auto; color: #222; }
h1 { font-size: 1.6em; } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; font-size: 0.9em; } td, th { padding: 0.2em 0.7em; text-align: right; }
th { background: #f0f0f0; } tr:nth-child(even) td { background: #fafafa; }
img { max-width: 100%; } .note { color: #555; font-size: 0.9em; }
"""


def _png(fig: Any) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _kdkk_table(summary: pd.DataFrame) -> str:
    labels = ["business as usual", "solution", "difference", "95 % low", "95 % high", "P(net loss)"]
    return _html_table(in_thousands(summary, labels))


def _html_table(table: pd.DataFrame) -> str:
    """A table of whole thousands and shares as HTML, thousands grouped by a narrow no-break space
    (readable in Danish and English alike)."""
    def cell(v: Any) -> str:
        if v is pd.NA or (isinstance(v, float) and v != v):
            return ""
        if isinstance(v, (int, np.integer)):
            return f"{int(v):,}".replace(",", "\u202f")
        return f"{v:.2f}"
    return table.astype(object).map(cell).to_html(border=0, escape=True)


def _charts(results: Results) -> list[tuple[str, str]]:
    from . import plots

    return [
        ("Cost shift by sector and year", _png(plots.difference_chart(results))),
        ("Cumulative total difference", _png(plots.fan_chart(results))),
        ("Break-even curve", _png(plots.break_even_chart(results))),
        ("Cost shifts between sectors in the last year", _png(plots.waterfall_chart(results))),
    ]


def report_html(results: Results, title: str | None = None) -> str:
    """The report page as an HTML string (see :func:`write_report`)."""
    name = json.loads(results.scenario_json).get("name", "scenario")
    title = title or f"tvaer: {name}"
    summary = results.summary()
    be = summary.attrs["break_even"]
    total = summary.loc["total"]
    cum = float(total["difference"].sum())
    verdict = "saves" if cum < 0 else "costs"
    parts = [
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title>",
        f"<style>{_CSS}</style></head><body><h1>{html.escape(title)}</h1>",
        f"<p>Scenario <b>{html.escape(str(name))}</b>: {results.replications} replications, {results.months} months, "
        f"seed {results.seed}. Each family is simulated twice with the same random numbers: business as usual "
        f"and inside the cross-sector solution. Differences are solution minus business as usual; negative "
        f"means the solution saves money.</p>",
        f"<p><b>Over the whole horizon the solution {verdict} {abs(cum) / 1e6:.1f} mio. DKK in total</b> "
        f"(mean over replications, all budgets). Break-even: median year "
        f"{_fmt_year(be['median_year'])}; share of replications that break even within the horizon "
        f"{be['share_within_horizon']:.0%}.</p>",
        _key_figures(results, cum),
        "<h2>Total per year (thousand DKK)</h2>", _kdkk_table(total),
        *_budget_section(results),
        "<h2>Per sector and year as granted, before the rules (thousand DKK)</h2>",
        _kdkk_table(summary.drop(index="total", level="sector")),
        *_assumptions(results),
    ]
    for caption, data in _charts(results):
        parts.append(f"<h2>{html.escape(caption)}</h2><img alt='{html.escape(caption)}' src='data:image/png;base64,{data}'>")
    stamp = _dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    parts.append(f"<p class='note'>Written by tvaer on {stamp}. Intervals are 95 % paired t intervals over "
                 f"replications; they describe simulation uncertainty under the scenario's assumptions, not "
                 f"uncertainty in the assumptions themselves (see tvaer.tornado and tvaer.sobol).</p></body></html>")
    return "\n".join(parts)


def _key_figures(results: Results, total: float) -> str:
    """The present value of the total difference at the scenario's discount rate, and the
    difference per place: per family-year inside the solution (its mean occupancy)."""
    pv = float(results.present_value().sel(sector=results.budgets).sum("sector").mean())
    occ = results.flows["occupancy"].sel(row="solution/families", arm="solution").mean("replication")
    family_years = float(occ.sum()) / 12.0
    per_place = (f"{total / family_years:,.0f} DKK per family-year inside the solution (mean "
                 f"{family_years / (results.months / 12.0):.1f} families inside)" if family_years > 0
                 else "no family was inside the solution")
    return (f"<p>Present value of the total difference at the scenario's discount rate of "
            f"{results.discount_rate:.1%} a year (year 1 undiscounted): {pv / 1e6:.2f} mio. DKK. "
            f"Difference per place: {per_place}.</p>")


def _budget_section(results: Results) -> list[str]:
    """Each budget's position under the scenario's allocation rules (salary financing and
    efficiency requirement included): the table a budget negotiator reads first."""
    from .budgets import settle

    settlement = settle(results)
    rules = rules_sentence(settlement.rules)
    table = _html_table(budgets_in_thousands(settlement.summary()))
    return ["<h2>Each budget under the scenario's rules (thousand DKK)</h2>",
            f"<p>{html.escape(rules[:1].upper() + rules[1:])}. Net = the budget's position after the rules (cost "
            f"without the solution &minus; cost with it + money settled); positive is better off.</p>",
            f"<div class='budgets'>{table}</div>"]


def _assumptions(results: Results) -> list[str]:
    """What the numbers rest on: horizon, discounting, population and the parameters the scenario
    declares uncertain (with their distributions), so a reader sees what to question."""
    data = json.loads(results.scenario_json)
    pop = data.get("population", {})
    flow = (f"{pop.get('arrivals_per_month', 0):g} new families a month and {pop.get('leave_rate', 0):.1%} leaving "
            f"a month" if pop else "a closed cohort (no arrivals, no departures)")
    org = data.get("organisation", {})
    by_year = org.get("staff_fte_by_year")
    staff = (", ".join(f"{float(s):g}" for s in by_year) + " FTE in years 1, 2, ... (the last after)" if by_year
             else f"{float(org.get('staff_fte', 0.0)):g} FTE")
    items = [f"Horizon {data.get('horizon_months')} months; discount rate {float(data.get('discount_rate', 0.0)):.1%} "
             f"a year; {data.get('families')} families at the start, {flow}.",
             f"Organisation: {org.get('form', 'unit')}, {staff}."]
    uncertain = list(data.get("uncertain", {}).items())
    if uncertain:
        items.append("Declared uncertain (run tvaer.tornado or tvaer.sobol to see which decide the answer): " +
                     "; ".join(f"<code>{html.escape(k)}</code> {html.escape(_dist(v))}" for k, v in uncertain))
    else:
        items.append("The scenario declares no uncertain parameters: every number below is as written in the file.")
    return ["<h2>Assumptions</h2><ul>", *(f"<li>{i}</li>" for i in items), "</ul>"]


def _dist(spec: Any) -> str:
    if not isinstance(spec, dict):
        return str(spec)
    order = ["low", "mode", "high", "mean", "sd", "median", "sigma"]
    keys = sorted((k for k in spec if k != "distribution"), key=lambda k: (order.index(k) if k in order else 99, k))
    rest = ", ".join(f"{k} {spec[k]:g}" if isinstance(spec[k], (int, float)) else f"{k} {spec[k]}" for k in keys)
    return f"{spec.get('distribution', 'uniform')} ({rest})"


def _fmt_year(y: float) -> str:
    return "not within the horizon" if y != y else f"{int(y)}"


def write_report(results: Results, path: str | Path, title: str | None = None) -> str:
    """Writes a self-contained HTML page (summary tables, inline PNG charts) for `results` to
    `path` and returns the path. Raises OSError if the file cannot be written."""
    path = Path(path)
    path.write_text(report_html(results, title), encoding="utf-8")
    return str(path)
