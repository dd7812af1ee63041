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
    # the yearly total row: 12,000 thousand DKK difference in each year, thousands grouped as in
    # every English number of the page
    assert len(re.findall("<td>12,000</td>", text)) >= 2
    # it never pays for itself
    assert "Break-even: the solution does not pay back within the 24 months simulated (in none of the 5 " \
           "replications)." in text


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
    da = tvaer.report.report_html(res, lang="da")
    assert "6; 12 årsværk i år 1, 2, ... (det sidste gælder derefter)." in da
    assert "koster løsningen 18,0 mio. kr. i alt" in da


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
    cells = re.findall(r"<th rowspan=\"\d+\" valign=\"top\">children</th>\s*<th>year 1</th>\s*((?:<td>[^<]*</td>\s*)+)", section)
    assert cells, section
    values = re.findall(r"<td>([^<]*)</td>", cells[0])
    assert values[2:7] == ["12,000", "12,000", "12,000", "0", "-12,000"]
    assert 'valign="top">solution</th>' not in section  # no row of a budget named solution
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


def test_the_danish_report_writes_numbers_years_and_budgets_the_danish_way(tiny_data, tmp_path):
    # The same staff-only solution: 12,000 thousand DKK more each year, all on the children's
    # budget; 24 mio. in total; 12,000,000 / 10 places = 1,200,000 DKK per family-year; present
    # value at 3 % 12 + 12 / 1.03 = 23.650... mio.; year 1 is 2027, year 2 is 2028.
    data = _staff_only(tiny_data).data
    data["discount_rate"] = 0.03
    res = tvaer.simulate(tvaer.Scenario(data), replications=3, seed=1, progress=False)
    text = Path(tvaer.write_report(res, tmp_path / "r.html", lang="da", start_year=2027)).read_text(encoding="utf-8")
    assert "<html lang='da'>" in text
    assert "Over hele perioden koster løsningen 24,0 mio. kr. i alt" in text
    assert f"Nutidsværdien af den samlede forskel er {12 + 12 / 1.03:.2f} mio. kr.".replace(".", ",", 1) in text
    assert "diskonteringsrente på 3,0 % om året (2027 udiskonteret)" in text
    assert "Forskel pr. plads: 1.200.000 kr. pr. familieår i løsningen (gennemsnitligt 10,0 familier" in text
    assert ("Tilbagebetaling: løsningen tjener sig ikke hjem inden for 2 år (i ingen af de 3 replikationer)."
            in text)
    section = text.split("Hvert budget efter scenariets regler (1.000 kr.)")[1].split("</table>")[0]
    row = re.findall(r"valign=\"top\">Børn og unge</th>\s*<th>2027</th>\s*((?:<td>[^<]*</td>\s*)+)", section)
    assert row, section
    assert re.findall(r"<td>([^<]*)</td>", row[0])[2:7] == ["12.000", "12.000", "12.000", "0", "-12.000"]
    assert "<th>2028</th>" in section and "år 1" not in section
    assert "År 1 er 2027" in text


def test_without_a_start_year_the_report_says_what_year_1_is(tiny, tmp_path):
    res = tvaer.simulate(tiny, replications=2, seed=1, progress=False)
    en = tvaer.report.report_html(res)
    da = tvaer.report.report_html(res, lang="da")
    assert "year 1 is its first 12 months" in en and "<th>year 2</th>" in en
    assert "år 1 er dens første 12 måneder" in da and "<th>år 2</th>" in da


def test_the_scenarios_start_year_labels_the_years_and_the_option_overrides_it(tiny_data, tmp_path):
    tiny_data["start_year"] = 2018
    res = tvaer.simulate(tvaer.Scenario(tiny_data, "tiny.toml"), replications=2, seed=1, progress=False)
    from_file = tvaer.report.report_html(res)
    assert "<th>2018</th>" in from_file and "<th>2019</th>" in from_file and "<th>year 1</th>" not in from_file
    overridden = tvaer.report.report_html(res, start_year=2027)
    assert "<th>2027</th>" in overridden and "<th>2018</th>" not in overridden


def test_a_start_year_in_the_scenario_is_checked_when_the_file_is_read(tiny_data):
    tiny_data["start_year"] = 27
    with pytest.raises(tvaer.ScenarioError, match=r"start_year: must be a calendar year in \[1900, 2200\], got 27"):
        tvaer.Scenario(tiny_data, "tiny.toml").validate()


def test_a_language_or_start_year_the_report_does_not_know_is_refused(tiny, tmp_path):
    res = tvaer.simulate(tiny, replications=2, seed=1, progress=False)
    with pytest.raises(ValueError, match=r"^lang: must be one of en, da; got 'de'$"):
        tvaer.write_report(res, tmp_path / "r.html", lang="de")
    with pytest.raises(ValueError, match=r"^start_year: must be a calendar year in \[1900, 2200\], got 27$"):
        tvaer.write_report(res, tmp_path / "r.html", start_year=27)
    with pytest.raises(ValueError, match=r"^start_year: must be a calendar year in \[1900, 2200\], got '2027'$"):
        tvaer.write_report(res, tmp_path / "r.html", start_year="2027")
    assert not (tmp_path / "r.html").exists()


def test_cli_report_in_danish_from_a_results_file(tiny, tmp_path, capsys):
    h5 = tvaer.simulate(tiny, replications=2, seed=1, progress=False).to_hdf5(tmp_path / "tiny.h5")
    out = tmp_path / "side.html"
    assert main(["report", h5, "--out", str(out), "--lang", "da", "--start-year", "2027"]) == 0
    text = out.read_text(encoding="utf-8")
    assert "<html lang='da'>" in text and "<th>2028</th>" in text and "Forudsætninger" in text


def test_cli_report_refuses_a_language_it_does_not_know(tmp_path, capsys):
    out = tmp_path / "x.html"
    with pytest.raises(SystemExit) as stop:
        main(["report", "default", "--out", str(out), "--quiet", "--lang", "de"])
    assert stop.value.code == 2
    assert capsys.readouterr().err.endswith(
        "tvaer: error: report: argument --lang: invalid choice: 'de' (choose from 'en', 'da')\n")
    assert not out.exists()


def test_cli_report_refuses_a_start_year_before_simulating(tmp_path, capsys):
    # 2,000 replications of the default scenario would take minutes: the check comes first
    out = tmp_path / "x.html"
    assert main(["report", "default", "--out", str(out), "-n", "2000", "--quiet", "--start-year", "27"]) == 2
    assert capsys.readouterr().err == "tvaer: error: --start-year: must be a calendar year in [1900, 2200], got 27\n"
    assert not out.exists()
