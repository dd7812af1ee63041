"""Charts a reader can read: a chart that would be a flat line says what it means."""

from __future__ import annotations

import matplotlib.pyplot as plt

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
