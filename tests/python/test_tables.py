"""The thousands-of-DKK table shared by the command line and the report."""

from __future__ import annotations

import pandas as pd

from tvaer.tables import in_thousands


def test_money_in_whole_thousands_and_probability_to_two_decimals():
    summary = pd.DataFrame({"bau": [1_234_567.0], "solution": [1_000_400.0], "difference": [-234_167.0],
                            "ci_low": [-250_500.0], "ci_high": [-217_499.9], "p_net_loss": [0.1234], "extra": [1.0]})
    t = in_thousands(summary, ["a", "b", "c", "d", "e", "f"])
    assert list(t.columns) == ["a", "b", "c", "d", "e", "f"]
    # 1,234,567 / 1000 = 1234.567 -> 1235; -250.5 rounds half to even -> -250; -217.4999 -> -217
    assert t.iloc[0].tolist() == [1235, 1000, -234, -250, -217, 0.12]
    assert str(t["a"].dtype) == "Int64"


def test_an_interval_that_does_not_exist_shows_as_missing_not_as_an_error():
    # One replication has no interval: summary() gives NaN there.
    summary = pd.DataFrame({"bau": [2000.0], "solution": [1000.0], "difference": [-1000.0],
                            "ci_low": [float("nan")], "ci_high": [float("nan")], "p_net_loss": [0.0]})
    t = in_thousands(summary, ["a", "b", "c", "d", "e", "f"])
    assert t.iloc[0, :3].tolist() == [2, 1, -1]
    assert t["d"].isna().all() and "<NA>" in t.to_string()


def test_summaries_in_thousands_or_millions(tiny_data):
    import copy

    import pytest

    import tvaer

    # The solution changes nothing but adds 12 FTE at 1,000,000 DKK a year, financed by the
    # children's budget: 12,000,000 DKK a year on the solution's line as granted, and a net
    # -12,000,000 for children after the salary key.
    data = copy.deepcopy(tiny_data)
    data["interventions"] = []
    data["organisation"] = {"staff_fte": 12, "salary_per_fte_year": 1_000_000.0, "salary_key": {"children": 1.0}}
    res = tvaer.simulate(tvaer.Scenario(data), replications=3, seed=1, progress=False)
    k, m = res.summary(unit="kDKK"), res.summary(unit="MDKK")
    assert k.loc[("solution", 1), ["bau", "solution", "difference"]].tolist() == pytest.approx([0, 12_000, 12_000])
    assert m.loc[("solution", 2), ["difference", "ci_low", "ci_high"]].tolist() == pytest.approx([12.0] * 3)
    assert m.loc[("solution", 2), "p_net_loss"] == 1.0  # a share stays a share
    assert m.attrs["units"].startswith("MDKK per year") and m.attrs["break_even"]["share_within_horizon"] == 0.0
    settled = tvaer.budgets.settle(res).summary(unit="MDKK")
    assert settled.loc[("children", 1), ["difference", "settled", "net"]].tolist() == pytest.approx([12.0, 0.0, -12.0])
    with pytest.raises(ValueError, match=r"^unit: must be one of DKK, kDKK, MDKK; got 'mio'$"):
        res.summary(unit="mio")
