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
    assert str(t["a"].dtype) == "int64"
