"""The HTML report: self-contained, numbers that match the costs, and the `tvaer report` command."""

from __future__ import annotations

import base64
import copy
import re
from pathlib import Path

import pytest

import tvaer
from tvaer.cli import main


def _staff_only(tiny_data: dict) -> tvaer.Scenario:
    # The solution changes nothing but adds 12 FTE at 1,000,000 DKK a year: over 24 months it
    # costs exactly 24 mio. DKK more than business as usual, 12 mio. in each year.
    data = copy.deepcopy(tiny_data)
    data["interventions"] = []
    data["organisation"] = {"staff_fte": 12, "salary_per_fte_year": 1_000_000.0, "salary_key": {"children": 1.0}}
    return tvaer.Scenario(data)


def test_report_is_self_contained_with_four_png_charts(tiny, tmp_path):
    res = tvaer.simulate(tiny, replications=10, seed=1, progress=False)
    path = tvaer.write_report(res, tmp_path / "page.html")
    text = Path(path).read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>")
    assert not re.search(r"(src|href)=['\"](https?:|//|file:)", text)
    images = re.findall(r"src='data:image/png;base64,([A-Za-z0-9+/=]+)'", text)
    assert len(images) == 4
    for data in images:
        assert base64.b64decode(data)[:8] == b"\x89PNG\r\n\x1a\n"


def test_report_states_the_hand_computed_total(tiny_data, tmp_path):
    res = tvaer.simulate(_staff_only(tiny_data), replications=5, seed=1, progress=False)
    text = Path(tvaer.write_report(res, tmp_path / "r.html")).read_text(encoding="utf-8")
    assert "the solution costs 24.0 mio. DKK in total" in text
    # the yearly total row: 12,000 thousand DKK difference in each year, thousands grouped by a
    # narrow no-break space
    assert len(re.findall("<td>12\u202f000</td>", text)) >= 2
    assert "not within the horizon" in text  # it never pays for itself


def test_cli_report_from_a_shipped_scenario(tmp_path, capsys):
    out = tmp_path / "default.html"
    assert main(["report", "default", "--out", str(out), "-n", "4", "--threads", "2", "--quiet"]) == 0
    assert "Wrote: " + str(out) in capsys.readouterr().out
    assert "Scenario <b>default</b>: 4 replications, 60 months" in out.read_text(encoding="utf-8")


def test_cli_report_names_a_missing_file(tmp_path, capsys):
    missing = tmp_path / "nope.toml"
    assert main(["report", str(missing), "--out", str(tmp_path / "x.html"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert f"tvaer: error: {missing}: cannot read the scenario file" in err
    assert not (tmp_path / "x.html").exists()


def test_report_states_staff_by_year_and_their_hand_computed_total(tiny_data, tmp_path):
    # 6 FTE in year 1 and 12 in year 2 at 1,000,000 DKK: 6 + 12 = 18 mio. DKK over 24 months.
    data = _staff_only(tiny_data).data
    del data["organisation"]["staff_fte"]
    data["organisation"]["staff_fte_by_year"] = [6, 12]
    res = tvaer.simulate(tvaer.Scenario(data), replications=2, seed=1, progress=False)
    text = Path(tvaer.write_report(res, tmp_path / "r.html")).read_text(encoding="utf-8")
    assert "Organisation: unit, 6, 12 FTE in years 1, 2, ... (the last after)." in text
    assert "the solution costs 18.0 mio. DKK in total" in text


def test_write_report_names_an_unwritable_path(tiny, tmp_path):
    res = tvaer.simulate(tiny, replications=2, seed=1, progress=False)
    with pytest.raises(OSError, match=r"No such file or directory: '.*no_such_folder/r\.html'"):
        tvaer.write_report(res, tmp_path / "no_such_folder" / "r.html")


def test_report_shows_each_budget_under_the_scenarios_rules(tiny_data, tmp_path):
    # 12 FTE at 1,000,000 DKK financed by the children's budget (organisation.salary_key): after
    # the rules the children's budget is 12,000 thousand DKK a year worse off and the solution's
    # own line carries nothing, so it is not shown.
    data = _staff_only(tiny_data).data
    data["uncertain"] = {"organisation.staff_fte": {"low": 10, "high": 14}}
    res = tvaer.simulate(tvaer.Scenario(data), replications=3, seed=1, progress=False)
    text = Path(tvaer.write_report(res, tmp_path / "r.html")).read_text(encoding="utf-8")
    section = text.split("Each budget under the scenario's rules")[1].split("</table>")[0]
    assert "salaries (organisation.salary_key)" in section
    # children, year 1: difference 12000 with the interval 12000 to 12000, settled 0, net -12000
    cells = re.findall(r"<th rowspan=\"\d+\" valign=\"top\">children</th>\s*<th>1</th>\s*((?:<td>[^<]*</td>\s*)+)", section)
    assert cells, section
    values = re.findall(r"<td>([^<]*)</td>", cells[0])
    assert values[2:7] == ["12\u202f000", "12\u202f000", "12\u202f000", "0", "-12\u202f000"]
    assert ">solution</th>" not in section
    assert "<code>organisation.staff_fte</code> uniform (low 10, high 14)" in text


def test_report_gives_the_present_value_and_the_difference_per_place(tiny_data, tmp_path):
    # 12 FTE at 1,000,000 DKK for 24 months, 10 places always full (40 eligible families, no stay):
    # 12 mio. a year, so 12,000,000 / 10 = 1,200,000 DKK per family-year inside; at 3 % a year the
    # present value is 12 + 12 / 1.03 = 23.65 mio. DKK
    data = _staff_only(tiny_data).data
    data["discount_rate"] = 0.03
    res = tvaer.simulate(tvaer.Scenario(data), replications=2, seed=1, progress=False)
    text = Path(tvaer.write_report(res, tmp_path / "r.html")).read_text(encoding="utf-8")
    assert f"{(12 + 12 / 1.03):.2f} mio. DKK" in text
    assert "1,200,000 DKK per family-year inside the solution (mean 10.0 families inside)" in text
