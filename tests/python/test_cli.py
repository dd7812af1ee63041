"""The `tvaer` command as its users meet it: run as a subprocess, Ctrl-C, pipes, --out, messages.

No test depends on simulated numbers: expected numbers come from an independent calculation
(the organisation's salary, which is the same in every replication; break-even recomputed from
the results file)."""

from __future__ import annotations

import re
import shlex
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pandas as pd
import pytest
import tomli_w

import tvaer
from tvaer import _core

TVAER = [sys.executable, "-m", "tvaer"]


def tvaer_cli(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([*TVAER, *args], capture_output=True, text=True, timeout=120, **kw)


def no_traceback(err: str) -> None:
    assert "Traceback" not in err and "Exception ignored" not in err, err


def write(path, scenario: tvaer.Scenario) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(tomli_w.dumps(scenario.data))
    return str(path)


@pytest.fixture
def tiny_toml(tmp_path, tiny) -> str:
    return write(tmp_path / "tiny.toml", tiny)


# ---- Ctrl-C ----------------------------------------------------------------------------------


def interrupt(args: list[str], after: str) -> tuple[int, str]:
    """Runs tvaer, sends SIGINT once its progress bar on stderr matches `after`; exit status, stderr.
    The child gets SIGINT's default action back before it starts: a test run started in the
    background by a shell without job control (`make test &`) ignores SIGINT, children inherit
    that, and Python then never raises KeyboardInterrupt (seen: all four tests ran to the end)."""
    seen: list[str] = []
    with subprocess.Popen([*TVAER, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL)) as p:
        reader = threading.Thread(target=lambda: seen.extend(iter(lambda: p.stderr.read(1), "")), daemon=True)
        reader.start()
        deadline = time.monotonic() + 60
        while not re.search(after, "".join(seen)) and time.monotonic() < deadline and p.poll() is None:
            time.sleep(0.02)
        assert p.poll() is None, "the run ended before it could be interrupted: make it longer"
        p.send_signal(signal.SIGINT)
        p.stdout.read()
        status = p.wait(timeout=60)
        reader.join(timeout=10)
    return status, "".join(seen)


def test_ctrl_c_keeps_the_complete_replications_says_how_to_go_on_and_writes_no_chart(tmp_path, tiny):
    scenario = tiny.with_(families=3000, horizon_months=60)  # some hundredths of a second a replication
    toml, h5, n = write(tmp_path / "big.toml", scenario), tmp_path / "big.h5", 100000
    status, err = interrupt(["run", toml, "--out", str(h5), "-n", str(n), "--threads", "1"], after=r"\b[1-9]\d*/100000")
    assert status == 130, err
    no_traceback(err)
    m = re.search(rf"tvaer: interrupted: kept (\d+) of {n} replications in {re.escape(str(h5))} "
                  r"\(no summary or chart written\)\ntvaer: to go on from there: (.*)\n", err)
    assert m, err
    kept = int(m[1])
    assert 1 <= kept < n and tvaer.open_results(h5).replications == kept
    assert shlex.split(m[2]) == ["tvaer", "run", toml, "--out", str(h5), "-n", str(n), "--seed", "1", "--resume"]
    assert not (tmp_path / "big.png").exists() and not (tmp_path / "big-summary.csv").exists()
    # the command it names goes on from the file (to two more replications here, not 100000)
    go_on = shlex.split(m[2])[1:]
    go_on[go_on.index("-n") + 1] = str(kept + 2)
    done = tvaer_cli(*go_on, "--quiet", "--threads", "2")
    assert done.returncode == 0, done.stderr
    want = tvaer.simulate(scenario, replications=kept + 2, seed=1, threads=2, progress=False)
    np.testing.assert_array_equal(tvaer.open_results(h5).costs.values, want.costs.values)
    assert (tmp_path / "big.png").exists()


@pytest.mark.parametrize("resume", [[], ["--resume"]])
def test_ctrl_c_before_the_first_replication_is_complete_writes_nothing(tmp_path, tiny, resume):
    toml = write(tmp_path / "huge.toml", tiny.with_(families=500_000, horizon_months=600))
    out = tmp_path / "out"
    status, err = interrupt(["run", toml, "--out", str(out), "-n", "2", "--threads", "1", *resume], after=r"0/2")
    assert status == 130, err
    no_traceback(err)
    assert "tvaer: interrupted before the first replication was complete; nothing written" in err
    assert not out.exists() or not any(out.iterdir())  # --resume makes the folder it simulates into


@pytest.mark.parametrize("args, message", [
    (["run", "SCENARIO", "--out", "OUT", "-n", "2"],
     "tvaer: interrupted before the first replication was complete; nothing written\n"),
    (["run", "SCENARIO", "--out", "OUT", "-n", "2", "--resume"],
     "tvaer: interrupted before the first replication was complete; nothing written\n"),
    (["compare", "SCENARIO", "SCENARIO", "-n", "2"],
     "tvaer: interrupted: nothing written (compare needs every replication it was asked for)\n"),
    (["report", "SCENARIO", "--out", "OUT/page.html", "-n", "2"],
     "tvaer: interrupted: nothing written (report needs every replication it was asked for)\n"),
    (["forecast", "SCENARIO", "-n", "2"],
     "tvaer: interrupted: nothing written (forecast needs every replication it was asked for)\n"),
])
def test_ctrl_c_after_the_bar_is_drawn_but_before_the_engine_starts_says_the_same(tmp_path, tiny_toml, monkeypatch,
                                                                                  capsys, args, message):
    """The subprocess tests above send SIGINT once the bar shows 0/2; under load it can land before the
    engine has started, where Python raises KeyboardInterrupt at its next bytecode. Raised there on
    purpose, the message must be the same."""
    from tvaer import cli, runs

    def ctrl_c_lands_here(*args, **kw):
        raise KeyboardInterrupt
    monkeypatch.setattr(runs, "run", ctrl_c_lands_here)
    (tmp_path / "out").mkdir()  # report writes only into folders that exist
    argv = [a.replace("SCENARIO", tiny_toml).replace("OUT", str(tmp_path / "out")) for a in args] + ["--quiet"]
    assert cli.main(argv) == 130
    assert capsys.readouterr().err == message
    assert not any((tmp_path / "out").iterdir())


def test_ctrl_c_in_compare_writes_nothing(tmp_path, tiny, tiny_toml):
    huge = write(tmp_path / "huge.toml", tiny.with_(families=500_000, horizon_months=600))
    csv = tmp_path / "d.csv"
    status, err = interrupt(["compare", huge, tiny_toml, "--out", str(csv), "-n", "2", "--threads", "1"], after=r"0/2")
    assert status == 130, err
    no_traceback(err)
    assert "tvaer: interrupted: nothing written (compare needs every replication it was asked for)" in err
    assert not csv.exists()


# ---- pipes -----------------------------------------------------------------------------------


def test_a_closed_pipe_ends_quietly_with_141_after_writing_every_file(tmp_path, tiny_toml):
    with subprocess.Popen([*TVAER, "run", tiny_toml, "--out", str(tmp_path), "-n", "3", "--quiet"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE) as p:
        p.stdout.close()  # the reader is gone before the first line
        err = p.stderr.read().decode()
        assert p.wait(timeout=120) == 141, err
    assert err == ""
    for name in ["tiny.h5", "tiny-summary.csv", "tiny-budgets.csv", "tiny.png"]:
        assert (tmp_path / name).stat().st_size > 0


def test_tvaer_run_piped_into_head_shows_the_first_line_and_no_traceback(tmp_path, tiny_toml):
    cmd = f"{shlex.join([*TVAER, 'run', tiny_toml, '--out', str(tmp_path), '-n', '3', '--quiet'])} | head -1"
    done = subprocess.run(["bash", "-c", cmd + '; echo "status ${PIPESTATUS[0]}" >&2'], capture_output=True,
                          text=True, timeout=120)
    no_traceback(done.stderr)
    assert done.stdout == "Scenario 'tiny': 3 replications of both arms, 24 months, seed 1.\n"
    assert re.fullmatch(r"status (0|141)\n", done.stderr), done.stderr  # 0 when it all fitted in the pipe


# ---- --out -----------------------------------------------------------------------------------


def test_out_a_folder_that_does_not_exist_yet_is_made_when_its_parent_exists(tmp_path, tiny_toml):
    done = tvaer_cli("run", tiny_toml, "--out", str(tmp_path / "res"), "-n", "2", "--quiet")
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (tmp_path / "res").iterdir()) == ["tiny-budgets.csv", "tiny-summary.csv", "tiny.h5", "tiny.png"]


def test_out_an_h5_file_puts_the_summary_and_chart_beside_it(tmp_path, tiny_toml):
    done = tvaer_cli("run", tiny_toml, "--out", str(tmp_path / "x.h5"), "-n", "2", "--quiet")
    assert done.returncode == 0, done.stderr
    written = [tmp_path / n for n in ["x.h5", "x-summary.csv", "x-budgets.csv", "x.png"]]
    assert f"Wrote: {', '.join(map(str, written))}" in done.stdout
    assert all(p.stat().st_size > 0 for p in written)


@pytest.mark.parametrize("out, message", [
    ("out.txt", "--out {tmp}/out.txt: give a results file ending in .h5 or a folder, not a .txt file "
                "(the summary CSV and the chart are written beside the results file)"),
    ("new/deeper/x.h5", "--out {tmp}/new/deeper/x.h5: the folder {tmp}/new/deeper does not exist "
                        "(create it, or add --mkdir)"),
    ("new/deeper", "--out {tmp}/new/deeper: the folder {tmp}/new does not exist (create it, or add --mkdir)"),
    ("tiny.toml", "--out {tmp}/tiny.toml: give a results file ending in .h5 or a folder, not a .toml file "
                  "(the summary CSV and the chart are written beside the results file)"),
])
def test_out_refuses_what_is_not_a_results_file_or_folder_and_makes_no_folders(tmp_path, tiny_toml, out, message):
    done = tvaer_cli("run", tiny_toml, "--out", str(tmp_path / out), "-n", "2", "--quiet")
    assert done.returncode == 2
    assert done.stderr == f"tvaer: error: {message.format(tmp=tmp_path)}\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny.toml"]


def test_out_refuses_a_plain_file_without_a_suffix(tmp_path, tiny_toml):
    (tmp_path / "notes").write_text("mine")
    done = tvaer_cli("run", tiny_toml, "--out", str(tmp_path / "notes"), "-n", "2", "--quiet")
    assert (done.returncode, done.stderr) == (2, f"tvaer: error: --out {tmp_path}/notes: is a file; give a results "
                                                 "file ending in .h5 or a folder\n")
    assert (tmp_path / "notes").read_text() == "mine"


def test_mkdir_makes_the_folders_of_out(tmp_path, tiny_toml):
    done = tvaer_cli("run", tiny_toml, "--out", str(tmp_path / "new/deeper/x.h5"), "--mkdir", "-n", "2", "--quiet")
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (tmp_path / "new/deeper").iterdir()) == ["x-budgets.csv", "x-summary.csv", "x.h5", "x.png"]


# ---- what it says ----------------------------------------------------------------------------


def test_version_names_tvaer_the_engine_and_the_git_revision():
    done = tvaer_cli("--version")
    assert done.returncode == 0
    assert re.fullmatch(rf"tvaer \S+ \(engine {re.escape(_core.__version__)}, git revision "
                        rf"{re.escape(_core.GIT_REVISION)}\)\n", done.stdout), done.stdout


def test_help_shows_the_defaults():
    run = tvaer_cli("run", "--help").stdout
    for shown in ["(default: 200)", "(default: 1)", "(default: results)", "(default: 50)", "(default: all cores)",
                  "(default: 'default')"]:
        assert shown in " ".join(run.split()), shown
    assert "(default: None)" not in run and "(default: False)" not in run
    assert "(default: report.html)" in tvaer_cli("report", "--help").stdout
    assert "(default: solution)" in tvaer_cli("compare", "--help").stdout


def test_a_mistyped_shipped_scenario_lists_the_shipped_ones_and_the_closest():
    done = tvaer_cli("run", "defualt", "--quiet")
    shipped = ", ".join(tvaer.shipped_scenarios())
    assert (done.returncode, done.stderr) == (2, "tvaer: error: 'defualt' is neither a scenario file nor a shipped "
                                                 f"scenario; did you mean 'default'? (shipped: {shipped})\n")


def test_a_bad_option_value_is_a_tvaer_error_with_exit_2():
    done = tvaer_cli("run", "-n", "many")
    assert done.returncode == 2
    assert done.stderr.endswith("tvaer: error: run: argument --replications/-n: invalid int value: 'many'\n")


def first_break_even_years(res: tvaer.Results) -> list[float]:
    """Independently of tvaer: per replication, the first year from which the cumulative total
    difference (solution - bau) stays <= 0, or NaN."""
    y = res.costs.sum(["kind", "sector"])
    months = y["month"].values
    diff = y.sel(arm="solution").values - y.sel(arm="bau").values  # (replication, month)
    years = (months.max() // 12) + 1
    yearly = np.stack([diff[:, months // 12 == k].sum(axis=1) for k in range(years)], axis=1)
    out = []
    for cum in np.cumsum(yearly, axis=1):
        ok = [k for k in range(years) if (cum[k:] <= 0).all()]
        out.append(float(ok[0] + 1) if ok else float("nan"))
    return out


@pytest.mark.parametrize("n", [1, 6])
def test_run_states_break_even_in_words_and_never_shows_nan(tmp_path, tiny, n):
    toml = write(tmp_path / "tiny.toml", tiny.with_({"interventions.coach.effects[0].multiplier": 6.0}))
    done = tvaer_cli("run", toml, "--out", str(tmp_path), "-n", str(n), "--quiet")
    assert done.returncode == 0, done.stderr
    assert not re.search(r"\bnan\b", done.stdout, re.IGNORECASE), done.stdout
    assert "in thousands of DKK" in done.stdout
    years = first_break_even_years(tvaer.open_results(tmp_path / "tiny.h5"))
    k = sum(y == y for y in years)
    if k == 0:
        want = f"does not pay back within the 24 months simulated (in none of the {n} replications)"
    else:
        share = f"all {n} replications" if k == n else f"{k / n:.0%} of the replications ({k} of {n})"
        want = (f"pays back within the 24 months simulated in {share}; where it does, the median year from "
                f"which it has paid for itself is year {np.nanmedian(years):g}.")
    assert f"Break-even: the solution {want}" in done.stdout


@pytest.mark.parametrize("share, median, n, words", [
    (0.62, 4.0, 200, "pays back within the 60 months simulated in 62% of the replications (124 of 200); where it "
                     "does, the median year from which it has paid for itself is year 4."),
    (0.001, 5.0, 1000, "pays back within the 60 months simulated in 1% of the replications (1 of 1000); where it "
                       "does, the median year from which it has paid for itself is year 5."),
    (0.5, 3.5, 2, "pays back within the 60 months simulated in 50% of the replications (1 of 2); where it does, "
                  "the median year from which it has paid for itself is year 3.5."),
    (0.0, float("nan"), 200, "does not pay back within the 60 months simulated (in none of the 200 replications)."),
])
def test_break_even_sentence_says_how_many_replications_and_which_year(share, median, n, words):
    from tvaer.cli import break_even_sentence

    sentence = break_even_sentence({"median_year": median, "share_within_horizon": share}, n, 60)
    assert sentence == f"Break-even: the solution {words}"


# ---- compare ---------------------------------------------------------------------------------


def test_compare_needs_two_scenarios(tiny_toml):
    done = tvaer_cli("compare", tiny_toml, "--quiet")
    assert (done.returncode, done.stderr) == (2, "tvaer: error: compare: give two or more scenarios, the first is "
                                                 "the baseline the others are compared with (to compare one "
                                                 "scenario's solution with business as usual: tvaer run SCENARIO)\n")


SALARY = "organisation.salary_per_fte_year"


def test_compare_labels_same_named_files_by_path_in_thousands_with_a_total(tmp_path, three):
    a = write(tmp_path / "a" / "three.toml", three)
    b = write(tmp_path / "b" / "three.toml", three.with_({SALARY: 700_000}))
    csv = tmp_path / "diff.csv"
    done = tvaer_cli("compare", a, b, "--out", str(csv), "-n", "3", "--quiet")
    assert done.returncode == 0, done.stderr
    assert f"against {a!r}" in done.stdout and "in thousands of DKK" in done.stdout
    assert "difference (kDKK)" in done.stdout
    table = pd.read_csv(csv, index_col=["scenario", "sector", "year"]).sort_index()
    assert set(table.index.get_level_values("scenario")) == {b}
    # 1.2 staff years at 120,000 DKK more a year, the same in every replication: 144,000 DKK in the
    # two whole years and 72,000 in the last six months, on the solution's own budget
    salary = [144_000.0, 144_000.0, 72_000.0]
    for sector in ["solution", "total"]:
        np.testing.assert_allclose(table.loc[(b, sector), "difference"].to_numpy(), salary, atol=1e-6)
    budgets = table.drop(index="total", level="sector").groupby("year")["difference"].sum()
    np.testing.assert_allclose(budgets.to_numpy(), salary, atol=1e-6)
    # printed in thousands: 144 on the total row of year 1
    assert re.search(r"^\S*\s+total\s+1\s+144\s+144\s+144$", done.stdout, re.MULTILINE), done.stdout
    assert f"Wrote: {csv} (in DKK)" in done.stdout


def test_compare_a_file_with_itself_labels_them_by_position(tmp_path, tiny_toml):
    done = tvaer_cli("compare", tiny_toml, tiny_toml, "-n", "2", "--quiet")
    assert done.returncode == 0, done.stderr
    assert f"against '{tiny_toml} (#1)'" in done.stdout and f"{tiny_toml} (#2)" in done.stdout


def test_compare_out_must_be_a_csv_file(tmp_path, tiny_toml):
    done = tvaer_cli("compare", tiny_toml, tiny_toml, "--out", str(tmp_path / "x.xlsx"), "--quiet")
    assert (done.returncode, done.stderr) == (2, f"tvaer: error: --out {tmp_path}/x.xlsx: give a file name ending "
                                                 "in .csv\n")


def test_run_shows_each_budget_under_the_scenarios_salary_financing(tmp_path, tiny):
    # 12 FTE at 1,000,000 DKK financed by the children's budget and nothing else changed: after the
    # scenario's rules the children's budget is 12,000 thousand DKK a year worse off and the
    # solution's own line, which carries nothing any more, is not shown.
    staff = tiny.with_({"interventions": [], "organisation.staff_fte": 12,
                        "organisation.salary_per_fte_year": 1_000_000.0, "organisation.salary_key": {"children": 1.0}})
    done = tvaer_cli("run", write(tmp_path / "staff.toml", staff), "--out", str(tmp_path), "-n", "2", "--quiet")
    assert done.returncode == 0, done.stderr
    assert "the scenario's rules applied in order: salaries (organisation.salary_key)" in " ".join(done.stdout.split())
    for year in [1, 2]:
        assert re.search(rf"^(children)?\s+{year}\s+\d+\s+\d+\s+12000\s+12000\s+12000\s+0\s+-12000\s+1\.0+$",
                         done.stdout, re.MULTILINE), done.stdout
    assert not re.search(r"^solution\s", done.stdout, re.MULTILINE), done.stdout
    budgets = pd.read_csv(tmp_path / "tiny-budgets.csv", index_col=["budget", "year"])
    assert budgets.loc[("children", 1), "net"] == pytest.approx(-12_000_000.0)
    assert budgets.loc[("solution", 1), "solution"] == 0.0


def test_the_run_chart_names_budget_years_when_the_scenario_gives_year_one(tmp_path, tiny_data, monkeypatch):
    # tiny runs 24 months: years 1 and 2, which a file saying start_year = 2018 calls 2018 and 2019.
    tiny_data["start_year"] = 2018
    path = tmp_path / "t.toml"
    path.write_text(tomli_w.dumps(tiny_data))
    import tvaer.cli
    import tvaer.plots

    labels = []
    real = tvaer.plots.difference_chart

    def spy(res, **kw):
        fig = real(res, **kw)
        labels.append([t.get_text() for t in fig.axes[0].get_xticklabels()])
        return fig

    monkeypatch.setattr(tvaer.plots, "difference_chart", spy)
    assert tvaer.cli.main(["run", str(path), "--out", str(tmp_path / "x.h5"), "-n", "2", "--quiet"]) == 0
    del tiny_data["start_year"]
    path.write_text(tomli_w.dumps(tiny_data))
    assert tvaer.cli.main(["run", str(path), "--out", str(tmp_path / "y.h5"), "-n", "2", "--quiet"]) == 0
    assert labels == [["2018", "2019"], ["year 1", "year 2"]]
    assert tvaer.open_results(tmp_path / "x.h5").start_year == 2018
    assert tvaer.open_results(tmp_path / "y.h5").start_year is None
