"""Charts a reader can read: a chart that would be a flat line says what it means."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest

import tvaer
from tvaer.plots import break_even_chart


def test_a_solution_that_never_pays_back_says_so_on_the_break_even_chart(tiny):
    # 50 FTE at 580,000 a year on 40 families: the solution arm costs more every month.
    costly = tiny.with_({"organisation": {"staff_fte": 50, "salary_key": {"employment": 1.0}}})
    res = tvaer.simulate(costly, replications=3, seed=1, threads=1, progress=False)
    fig = break_even_chart(res)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.texts] == ["does not pay for itself within 24 months\nin any of the 3 replications"]
    assert max(ax.lines[0].get_ydata()) == 0.0
    plt.close(fig)


def test_the_net_position_chart_shows_each_budgets_net_and_its_share_of_losing_years(tiny):
    from tvaer import budgets as B
    from tvaer.plots import net_position_chart

    # The salaries (12 FTE x 580,000 DKK = 6.96 M a year) all on employment.
    costly = tiny.with_({"organisation": {"staff_fte": 12, "salary_key": {"employment": 1.0}}})
    res = tvaer.simulate(costly, replications=4, seed=2, threads=1, progress=False)
    settlement = B.settle(res)
    fig = net_position_chart(settlement)
    net = settlement.tables["net"]  # DKK by (replication, budget, year)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[-1] == "total" and "solution" not in titles  # the salaries left the solution's line
    for ax, budget in zip(fig.axes, titles):
        values = net.sum("budget") if budget == "total" else net.sel(budget=budget)
        heights = [bar.get_height() for bar in ax.patches]
        assert heights == pytest.approx([float(v) / 1e6 for v in values.mean("replication").values], abs=1e-9)
        shares = (values < 0).mean("replication").values  # the share of the 4 replications losing each year
        labels = [t.get_text() for t in ax.get_xticklabels()]
        assert labels == [f"{y}\n{100 * p:.0f}" for y, p in zip(values["year"].values, shares)]
    employment = fig.axes[titles.index("employment")]
    assert all(bar.get_height() < 0 for bar in employment.patches)  # it carries the salaries
    plt.close(fig)
