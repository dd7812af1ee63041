"""Charts for planners (matplotlib). Each function returns the Figure; nothing is shown. The
report's four charts speak English or Danish (`lang`, tvaer.language), numbers on their axes too."""

from __future__ import annotations

import textwrap
from typing import Any

import numpy as np

from .language import Language, language

__all__ = ["difference_chart", "fan_chart", "occupancy_chart", "break_even_chart", "waterfall_chart", "forecast_chart",
           "forecast_error_chart", "net_position_chart"]


def _figure(**kw: Any) -> Any:
    # No backend is forced: notebooks keep theirs, and headless machines fall back to Agg.
    import matplotlib.pyplot as plt

    return plt.subplots(**kw)


def _numbers(ax: Any, w: Language, axes: str = "y") -> None:
    """Tick labels in the language's number style (decimal comma in Danish)."""
    from matplotlib.ticker import FuncFormatter

    for axis in axes:
        getattr(ax, f"{axis}axis").set_major_formatter(FuncFormatter(lambda v, _pos: w.number(v, None)))


def difference_chart(results: Any, level: float = 0.95, lang: str | Language = "en", start_year: int | None = None) -> Any:
    """Per sector: the yearly cost difference (solution - business as usual) with its interval;
    years as budget years from `start_year` when given."""
    w = language(lang)
    s = results.summary(level=level).reset_index()
    sectors = [x for x in s["sector"].unique() if x != "total"]
    fig, ax = _figure(figsize=(8, 4.5))
    width = 0.8 / max(len(sectors), 1)
    years = sorted(s["year"].unique())
    for i, sector in enumerate(sectors):
        d = s[s["sector"] == sector].set_index("year").loc[years]
        x = np.arange(len(years)) + (i - (len(sectors) - 1) / 2) * width
        err = np.vstack([d["difference"] - d["ci_low"], d["ci_high"] - d["difference"]]) / 1e6
        ax.bar(x, d["difference"] / 1e6, width, yerr=err, capsize=3, label=w.budget(sector))
    total = s[s["sector"] == "total"].set_index("year").loc[years]
    ax.plot(np.arange(len(years)), total["difference"] / 1e6, "k.-", label=w.budget("total"))
    ax.axhline(0, color="grey", lw=0.8)
    ax.set_xticks(np.arange(len(years)), [w.year(y, start_year) for y in years])
    _numbers(ax, w)
    ax.set_ylabel(w.t("c.difference_y"))
    ax.set_title(w.t("c.difference_title", n=results.replications, level=int(level * 100)))
    # below the axes, where no bar can be under it
    ax.legend(frameon=False, ncol=len(sectors) + 1, fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.08))
    fig.tight_layout()
    return fig


def fan_chart(results: Any, sector: str = "total", lang: str | Language = "en") -> Any:
    """Monthly cumulative difference for one sector (or the total): median and 50/90 % bands."""
    w = language(lang)
    c = results.costs.sum("kind")
    d = (c.sel(arm="solution") - c.sel(arm="bau"))
    d = d.sum("sector") if sector == "total" else d.sel(sector=sector)
    cum = d.cumsum("month").transpose("replication", "month").values / 1e6
    q = np.percentile(cum, [5, 25, 50, 75, 95], axis=0)
    months = np.arange(cum.shape[1]) + 1
    fig, ax = _figure(figsize=(8, 4.5))
    ax.fill_between(months, q[0], q[4], alpha=0.2, label=w.t("percent", x=90))
    ax.fill_between(months, q[1], q[3], alpha=0.4, label=w.t("percent", x=50))
    ax.plot(months, q[2], lw=1.5, label=w.t("c.median"))
    ax.axhline(0, color="grey", lw=0.8)
    _numbers(ax, w)
    ax.set_xlabel(w.t("month"))
    ax.set_ylabel(w.t("c.fan_y"))
    ax.set_title(w.t("c.fan_title", sector=w.budget(sector)))
    ax.legend(frameon=False)
    fig.tight_layout()
    return fig


def break_even_chart(results: Any, lang: str | Language = "en") -> Any:
    """Share of replications whose cumulative total difference is <= 0 by month."""
    w = language(lang)
    c = results.costs.sum(["kind", "sector"])
    cum = (c.sel(arm="solution") - c.sel(arm="bau")).cumsum("month").transpose("replication", "month").values
    share = (cum <= 0).mean(axis=0)
    fig, ax = _figure(figsize=(8, 4))
    ax.plot(np.arange(cum.shape[1]) + 1, share)
    ax.set_ylim(0, 1)
    _numbers(ax, w)
    ax.set_xlabel(w.t("month"))
    ax.set_ylabel(w.t("c.break_even_y"))
    ax.set_title(w.t("c.break_even"))
    if not share.any():  # a flat line at 0 reads as an empty chart: say what it means
        ax.text(0.5, 0.5, w.t("c.never", months=cum.shape[1], n=cum.shape[0]),
                transform=ax.transAxes, ha="center", va="center")
    fig.tight_layout()
    return fig


def occupancy_chart(results: Any, arm: str = "bau", track: str | None = None) -> Any:
    """Mean number of members in each state over time (one arm)."""
    occ = results.flows["occupancy"].sel(arm=arm).mean("replication")
    rows = [r for r in occ["row"].values if track is None or str(r).startswith(track + "/")]
    fig, ax = _figure(figsize=(8, 4.5))
    months = occ["month"].values + 1
    ax.stackplot(months, *[occ.sel(row=r).values for r in rows], labels=rows)
    ax.set_xlabel("month")
    ax.set_ylabel("members (mean)")
    ax.set_title(f"State occupancy, {arm}")
    ax.legend(frameon=False, fontsize="x-small", loc="upper left", bbox_to_anchor=(1, 1))
    fig.tight_layout()
    return fig


def waterfall_chart(results: Any, year: int | None = None, lang: str | Language = "en",
                    start_year: int | None = None) -> Any:
    """How the total difference in a year (default: the last) is made of each sector's shift."""
    w = language(lang)
    s = results.summary().reset_index()
    year = int(s["year"].max()) if year is None else year
    d = s[(s["year"] == year) & (s["sector"] != "total")]
    fig, ax = _figure(figsize=(7, 4))
    start = 0.0
    for i, (_, row) in enumerate(d.iterrows()):
        v = row["difference"] / 1e6
        ax.bar(i, v, bottom=start, color="tab:red" if v > 0 else "tab:green")
        start += v
    ax.bar(len(d), start, color="tab:blue")
    ax.set_xticks(range(len(d) + 1), [textwrap.fill(w.budget(x), 12, break_long_words=False) for x in [*d["sector"], "total"]])
    ax.axhline(0, color="grey", lw=0.8)
    _numbers(ax, w)
    ax.set_ylabel(w.t("c.mio"))
    ax.set_title(w.t("c.waterfall_title", year=w.year(year, start_year)))
    fig.tight_layout()
    return fig


def forecast_chart(forecast: Any, by: str = "sector") -> Any:
    """Figur 6.2 of the report: per sector (or type), this year's realised cost (orange) with the
    forecast for the rest of the year on top (green), next to the same citizens' previous year
    (grey); a black tick marks the simulated truth, which the municipality never sees."""
    t = forecast.table.groupby(level=by).sum(min_count=1) / 1e6
    t = t.loc[t[["previous_year", "projected", "truth"]].abs().max(axis=1).fillna(0).sort_values(ascending=False).index]
    x = np.arange(len(t))
    fig, ax = _figure(figsize=(min(13, max(7, 0.55 * len(t) + 4)), 4.8))
    ax.bar(x - 0.2, t["previous_year"].fillna(0), 0.4, color="tab:gray", label="previous year, same citizens")
    ax.bar(x + 0.2, t["realised"], 0.4, color="tab:orange", label=f"realised, months 1-{forecast.month}")
    ax.bar(x + 0.2, t["forecast"], 0.4, bottom=t["realised"], color="tab:green", label=f"forecast ({forecast.rule})")
    ax.scatter(x + 0.2, t["truth"], marker="_", s=600, color="black", zorder=3, label="truth (simulated)")
    ax.set_xticks(x, list(t.index), rotation=40 if len(t) > 4 else 0, ha="right" if len(t) > 4 else "center",
                  fontsize="small" if len(t) > 4 else None)
    ax.axhline(0, color="grey", lw=0.8)
    ax.set_ylabel("mio. DKK")
    ax.set_title(f"Accounts forecast, year {forecast.year} after month {forecast.month}: "
                 f"{forecast.citizens} citizens")
    ax.legend(frameon=False, fontsize="small", loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    return fig


def forecast_error_chart(errors: Any) -> Any:
    """The forecast's relative error of the year's total by month of the year (``forecast_errors``):
    median and 10-90 % band over replications, one line per rule."""
    fig, ax = _figure(figsize=(8, 4.5))
    for rule, d in errors.groupby("rule", sort=False):
        q = d.groupby("month")["relative_error"].quantile([0.1, 0.5, 0.9]).unstack() * 100
        ax.fill_between(q.index, q[0.1], q[0.9], alpha=0.2)
        ax.plot(q.index, q[0.5], marker="o", label=rule)
    ax.axhline(0, color="grey", lw=0.8)
    ax.set_xticks(range(1, 13))
    ax.set_xlabel("closed months of the year")
    ax.set_ylabel("forecast error of the year (%)")
    ax.set_title(f"Forecast error against the simulated truth ({errors['replication'].nunique()} replications, 10-90 %)")
    ax.legend(frameon=False)
    fig.tight_layout()
    return fig


def net_position_chart(settlement: Any, level: float = 0.95) -> Any:
    """One panel per budget that carries something after the rules, and the total: the mean net
    position per year (> 0 is better off; green gains, red losses) with its interval, and under
    each year the share of replications in which the budget loses that year, P(loss)."""
    from .tables import carrying_budgets

    s = settlement.summary(level=level)
    budgets = carrying_budgets(s) + ["total"]
    years = sorted(s.index.get_level_values("year").unique())
    panel = max(2.6, 0.3 * len(years) + 0.6)  # room for each year's P(loss) under it
    fig, axes = _figure(ncols=len(budgets), figsize=(max(8, panel * len(budgets)), 4), sharey=True, squeeze=False)
    for ax, budget in zip(axes[0], budgets):
        d = s.loc[budget].loc[years]
        net = d["net"] / 1e6
        err = np.vstack([d["net"] - d["net_low"], d["net_high"] - d["net"]]) / 1e6
        ax.bar(years, net, yerr=err, capsize=3, color=["tab:green" if v >= 0 else "tab:red" for v in net])
        ax.axhline(0, color="grey", lw=0.8)
        ax.set_title(budget)
        ax.set_xticks(years, [f"{y}\n{100 * p:.0f}" for y, p in zip(years, d["p_net_loss"])], fontsize="x-small")
    axes[0][0].set_ylabel("net position (mio. DKK a year)")
    fig.supxlabel("year, and below it P(loss): the % of replications in which the budget loses that year", fontsize="small")
    fig.suptitle(f"Net position per budget after the rules (> 0: better off), {int(level * 100)} % intervals, "
                 f"{settlement.replications} replications", fontsize="medium")
    # Fixed margins instead of tight_layout, which measures every label and takes most of the time
    # of a redraw (what_if is called on every slider move).
    fig.subplots_adjust(left=0.9 / fig.get_figwidth(), right=0.99, bottom=0.2, top=0.84, wspace=0.08)
    return fig
