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
