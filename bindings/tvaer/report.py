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

import pandas as pd

from .results import Results
from .tables import in_thousands

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
    return in_thousands(summary, labels).to_html(border=0, escape=True)


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
        "<h2>Total per year (thousand DKK)</h2>", _kdkk_table(total),
        "<h2>Per budget and year (thousand DKK)</h2>", _kdkk_table(summary.drop(index="total", level="sector")),
    ]
    for caption, data in _charts(results):
        parts.append(f"<h2>{html.escape(caption)}</h2><img alt='{html.escape(caption)}' src='data:image/png;base64,{data}'>")
    stamp = _dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    parts.append(f"<p class='note'>Written by tvaer on {stamp}. Intervals are 95 % paired t intervals over "
                 f"replications; they describe simulation uncertainty under the scenario's assumptions, not "
                 f"uncertainty in the assumptions themselves (see tvaer.tornado and tvaer.sobol).</p></body></html>")
    return "\n".join(parts)


def _fmt_year(y: float) -> str:
    return "not within the horizon" if y != y else f"{int(y)}"


def write_report(results: Results, path: str | Path, title: str | None = None) -> str:
    """Writes a self-contained HTML page (summary tables, inline PNG charts) for `results` to
    `path` and returns the path. Raises OSError if the file cannot be written."""
    path = Path(path)
    path.write_text(report_html(results, title), encoding="utf-8")
    return str(path)
