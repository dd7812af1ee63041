"""The `tvaer` command line: run, validate, compare and report scenarios in batch.

Exit status: 0 done; 2 bad input (`tvaer: error: ...` on stderr, never a traceback); 130
interrupted with Ctrl-C (what was kept and how to go on, on stderr); 141 when the reader of
stdout went away (`tvaer run ... | head`), quietly, like Unix tools stopped by SIGPIPE. Every file
is written before anything is printed, so a closed pipe never costs a file. docs/cli.md has more.
"""

from __future__ import annotations

import argparse
import difflib
import os
import shlex
import sys
import textwrap
import warnings
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import ScenarioWarning, TvaerError
from .language import LANGUAGES, break_even_sentence, check_start_year
from .scenario import Scenario, default_scenario, load_scenario, shipped_scenarios
from .tables import budgets_in_thousands, in_thousands, rules_sentence

__all__ = ["main", "break_even_sentence"]

EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell shows for `cat` cut off by `head`


def _scenario(arg: str | None) -> Scenario:
    """A scenario file, else a shipped scenario; a name that is neither lists the shipped ones."""
    if arg is None:
        return default_scenario()
    path = Path(arg)
    if path.exists():
        return load_scenario(path)
    names = shipped_scenarios()
    if arg in names:
        return default_scenario(arg)
    if path.suffix or len(path.parts) > 1:  # meant as a file: the loader names what is wrong
        return load_scenario(path)
    close = difflib.get_close_matches(arg, names, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise ValueError(f"{arg!r} is neither a scenario file nor a shipped scenario{hint} "
                     f"(shipped: {', '.join(names)})")


def _folder_ready(path: Path, option: str, mkdir: bool = False, offer_mkdir: bool = False) -> Path:
    """`path` after checking that its folder exists, or may be made (`mkdir`; see :func:`_make`)."""
    folder = path.parent
    if folder.is_dir() or mkdir:
        return path
    if folder.exists():
        raise ValueError(f"{option} {path}: {folder} is not a folder")
    hint = " (create it, or add --mkdir)" if offer_mkdir else ""
    raise ValueError(f"{option} {path}: the folder {folder} does not exist{hint}")


def _make(folder: Path) -> Path:
    """Creates the folder an output was allowed to have (checked before the run); returns it."""
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _run_paths(out: str, name: str, mkdir: bool) -> tuple[Path, Path, Path]:
    """The results file, summary CSV and chart of `tvaer run --out OUT` (see the --out help)."""
    p = Path(out)
    if p.is_dir():
        h5 = p / f"{name}.h5"
    elif p.suffix == ".h5":
        h5 = _folder_ready(p, "--out", mkdir, offer_mkdir=True)
    elif p.suffix:
        raise ValueError(f"--out {out}: give a results file ending in .h5 or a folder, not a {p.suffix} file "
                         "(the summary CSV and the chart are written beside the results file)")
    elif p.exists():
        raise ValueError(f"--out {out}: is a file; give a results file ending in .h5 or a folder")
    else:  # a new folder: made if the folder it is in exists (or with --mkdir)
        h5 = _folder_ready(p, "--out", mkdir, offer_mkdir=True) / f"{name}.h5"
    return h5, h5.with_name(f"{h5.stem}-summary.csv"), h5.with_suffix(".png")


def _file_out(out: str, suffix: str) -> Path:
    """An output file `--out` ending in `suffix` whose folder exists."""
    p = Path(out)
    if p.suffix != suffix:
        raise ValueError(f"--out {out}: give a file name ending in {suffix}")
    if p.is_dir():
        raise ValueError(f"--out {out}: is a folder; give a file name ending in {suffix}")
    return _folder_ready(p, "--out")


def format_summary(summary: pd.DataFrame) -> str:
    """The summary as a plain text table in thousands of DKK."""
    labels = ["bau (kDKK)", "solution (kDKK)", "difference", "95% low", "95% high", "P(net loss)"]
    return in_thousands(summary, labels).to_string()


def _interrupted(kept: int, asked: int, h5: Path, again: list[str]) -> int:
    """Says what an interrupted run kept and how to go on; returns the exit status."""
    if kept == 0:
        print("tvaer: interrupted before the first replication was complete; nothing written", file=sys.stderr)
    else:
        print(f"tvaer: interrupted: kept {kept} of {asked} replications in {h5} (no summary or chart written)\n"
              f"tvaer: to go on from there: {shlex.join(['tvaer', *again])}", file=sys.stderr)
    return EXIT_INTERRUPTED


def _interrupted_all(command: str) -> int:
    print(f"tvaer: interrupted: nothing written ({command} needs every replication it was asked for)",
          file=sys.stderr)
    return EXIT_INTERRUPTED


def _cmd_run(a: argparse.Namespace) -> int:
    if a.scheduler is None:
        return _run_with(a, None)
    from .distributed import connect

    with connect(a.scheduler) as client:
        return _run_with(a, client)


def _run_with(a: argparse.Namespace, client: Any) -> int:
    """`tvaer run`, on the Dask cluster of `client` when it is not None."""
    from .results_file import simulate_to_file
    from .simulate import simulate

    sc = _scenario(a.scenario)
    h5, csv, png = _run_paths(a.out, sc.name, a.mkdir)
    if a.compression is not None:  # refused before simulating, named as the option
        from . import _core

        try:
            _core.check_compression(a.compression)
        except ValueError as e:
            raise ValueError(f"--{e}") from None
    again = ["run", a.scenario or "default", "--out", str(h5), "-n", str(a.replications), "--seed", str(a.seed),
             "--resume"] + (["--family-costs"] if a.family_costs else []) + \
        (["--scheduler", a.scheduler] if a.scheduler else [])
    if a.resume:
        _make(h5.parent)
        try:
            res = simulate_to_file(sc, h5, replications=a.replications, seed=a.seed, threads=a.threads,
                                   chunk=a.chunk, progress=not a.quiet, family_costs=a.family_costs, client=client,
                                   compression=a.compression)
        except KeyboardInterrupt:  # before a replication was complete, or outside the simulation
            from .results_file import open_results

            kept = open_results(h5).replications if h5.exists() else 0
            return _interrupted(kept, a.replications, h5, again)
    else:
        try:
            res = simulate(sc, replications=a.replications, seed=a.seed, threads=a.threads, progress=not a.quiet,
                           family_costs=a.family_costs, client=client)
        except KeyboardInterrupt:  # before the engine started (the bar may be drawn already): nothing to write
            return _interrupted(0, a.replications, h5, again)
        if res.replications > 0:
            res.to_hdf5(_make(h5.parent) / h5.name, compression=a.compression)
    if res.interrupted:
        return _interrupted(res.replications, a.replications, h5, again)
    _print_run(res, _write_summary(res, csv, png), [h5, csv, _budgets_csv(csv), png])
    return 0


def _write_summary(res: Any, csv: Path, png: Path) -> tuple[pd.DataFrame, Any]:
    """Writes the per-sector summary (as granted), the per-budget summary under the scenario's
    rules (`NAME-budgets.csv`) and the chart; returns the summary and the settlement."""
    import matplotlib.pyplot as plt

    from .budgets import settle
    from .plots import difference_chart

    summary = res.summary()
    summary.to_csv(csv)
    settlement = settle(res)
    settlement.summary().to_csv(_budgets_csv(csv))
    fig = difference_chart(res, start_year=res.start_year)  # budget years when the scenario gives year 1's
    fig.savefig(png, dpi=120)
    plt.close(fig)
    return summary, settlement


def _budgets_csv(summary_csv: Path) -> Path:
    return summary_csv.with_name(summary_csv.name.replace("-summary.csv", "-budgets.csv"))


def _print_run(res: Any, outputs: tuple[pd.DataFrame, Any], written: list[Path]) -> None:
    summary, settlement = outputs
    print(f"Scenario {res.scenario_name!r}: {res.replications} replications of both arms, {res.months} months, "
          f"seed {res.seed}.")
    print(textwrap.fill(f"Each budget's cost per year, mean over replications, in thousands of DKK "
                        f"({rules_sentence(settlement.rules)}; difference = solution - business as usual, negative "
                        "saves money; net = the budget's position after the rules, positive is better off):", 100))
    print(budgets_in_thousands(settlement.summary()).to_string())
    print(break_even_sentence(summary.attrs["break_even"], res.replications, res.months))
    print("Wrote: " + ", ".join(str(p) for p in written))


def _cmd_validate(a: argparse.Namespace) -> int:
    sc = _scenario(a.scenario)
    print(f"{a.scenario}: valid ({sc!r})")
    return 0


def format_decomposition(summary: pd.DataFrame) -> str:
    """A decomposition summary as a plain text table in thousands of DKK."""
    percent = int(summary.attrs["level"] * 100)
    labels = ["difference (kDKK)", f"{percent}% low", f"{percent}% high", "share"]
    return in_thousands(summary, labels, money=["difference", "ci_low", "ci_high"], fractions=["share"]).to_string()


def _mechanisms(specs: list[str] | None) -> dict[str, list[str]] | None:
    """`NAME=PREFIX,PREFIX` options as decompose's `mechanisms`."""
    if not specs:
        return None
    out: dict[str, list[str]] = {}
    for spec in specs:
        name, sep, prefixes = spec.partition("=")
        if not sep or not name or not prefixes:
            raise ValueError(f"--mechanism: write NAME=PREFIX[,PREFIX...], got {spec!r}")
        out.setdefault(name, []).extend(p for p in prefixes.split(",") if p)
    return out


def _compare_by_mechanism(a: argparse.Namespace) -> int:
    from .decomposition import decompose

    if len(a.scenarios) != 2:
        raise ValueError(f"compare --by-mechanism: give exactly two scenarios (a, then b), got {len(a.scenarios)}")
    if a.out:
        raise ValueError("compare: --out goes without --by-mechanism")
    first, second = (_scenario(s) for s in a.scenarios)
    d = decompose(first, second, mechanisms=_mechanisms(a.mechanism), replications=a.replications, seed=a.seed,
                  threads=a.threads, outcome=a.outcome, progress=not a.quiet)
    print(f"What drives the difference from {first.name!r} to {second.name!r} ({a.outcome}, "
          f"{d.replications} replications, parts sum to the total in every replication):")
    print(format_decomposition(d.summary()))
    for year in d.years:
        print(d.sentence(year))
    return 0


def _labels(args: list[str]) -> list[str]:
    """Each scenario's name in a comparison: the file's stem, or the path as given where stems
    clash, numbered by position where even those do."""
    stems = [Path(s).stem for s in args]
    labels = [stem if stems.count(stem) == 1 else arg for stem, arg in zip(stems, args)]
    return [f"{label} (#{i + 1})" if labels.count(label) > 1 else label for i, label in enumerate(labels)]


def _cmd_compare(a: argparse.Namespace) -> int:
    from .simulate import Comparison, simulate

    if a.by_mechanism:
        return _compare_by_mechanism(a)
    if a.mechanism or a.outcome != "solution":
        raise ValueError("compare: --mechanism and --outcome go with --by-mechanism")
    if len(a.scenarios) < 2:
        raise ValueError("compare: give two or more scenarios, the first is the baseline the others are compared "
                         "with (to compare one scenario's solution with business as usual: tvaer run SCENARIO)")
    csv = _file_out(a.out, ".csv") if a.out else None
    scenarios = {label: _scenario(s) for label, s in zip(_labels(a.scenarios), a.scenarios)}
    results = {}
    for label, sc in scenarios.items():
        try:
            results[label] = simulate(sc, replications=a.replications, seed=a.seed, threads=a.threads,
                                      progress=not a.quiet)
        except KeyboardInterrupt:  # before the engine started (the bar may be drawn already)
            return _interrupted_all("compare")
        if results[label].interrupted:
            return _interrupted_all("compare")
    table = Comparison(results, next(iter(results))).differences()
    if csv is not None:
        table.to_csv(csv)
    print(f"Paired differences of the solution arm's cost against {next(iter(results))!r}, mean over "
          f"{a.replications} replications, in thousands of DKK (negative: cheaper than the baseline):")
    labels = ["difference (kDKK)", "95% low", "95% high"]
    print(in_thousands(table, labels, money=["difference", "ci_low", "ci_high"], fractions=()).to_string())
    if csv is not None:
        print(f"Wrote: {csv} (in DKK)")
    return 0


def _cmd_report(a: argparse.Namespace) -> int:
    from .report import write_report

    out = _file_out(a.out, ".html")
    start_year = check_start_year(a.start_year, "--start-year")  # before any simulation time is spent
    if a.source.endswith(".h5"):
        from .results_file import open_results

        res = open_results(a.source)
    else:
        from .simulate import simulate

        try:
            res = simulate(_scenario(a.source), replications=a.replications, seed=a.seed, threads=a.threads,
                           progress=not a.quiet)
        except KeyboardInterrupt:  # before the engine started (the bar may be drawn already)
            return _interrupted_all("report")
        if res.interrupted:
            return _interrupted_all("report")
    print("Wrote: " + write_report(res, out, lang=a.lang, start_year=start_year))
    return 0


def _cmd_forecast(a: argparse.Namespace) -> int:
    from .forecast import forecast, forecast_errors
    from .simulate import simulate

    png = _file_out(a.out, ".png") if a.out else None
    try:
        res = simulate(_scenario(a.scenario), replications=a.replications, seed=a.seed, threads=a.threads,
                       progress=not a.quiet, bookings=True)
    except KeyboardInterrupt:  # before the engine started (the bar may be drawn already)
        return _interrupted_all("forecast")
    if res.interrupted:
        return _interrupted_all("forecast")
    f = forecast(res, month=a.month, year=a.year, rule=a.rule, observed=a.observed)
    print(f"Forecast of year {a.year} after month {a.month} ({a.rule}{', observed' if a.observed else ''}), "
          f"{f.citizens} citizens, replication {f.replication}, thousands of DKK:")
    print((f.table / 1e3).round(0).to_string())
    total = f.total()
    print(f"Projected {total['projected'] / 1e3:,.0f}, truth {total['truth'] / 1e3:,.0f}: "
          f"off by {total['error'] / total['truth']:+.1%} (previous year {total['previous_year'] / 1e3:,.0f})")
    e = forecast_errors(res, year=a.year, rules=(a.rule,), observed=a.observed)
    by = e.groupby("month")["relative_error"].agg(["mean", "min", "max"]) * 100
    print(f"Error of the projected year by closed months, % ({res.replications} replications):")
    print(by.round(1).to_string())
    if png is not None:
        f.chart().savefig(png, dpi=120)
        print(f"Wrote: {png}")
    return 0


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows each option's default, except where there is none to show (None, off)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default is None or action.default is False or "default" in (action.help or ""):
            return action.help
        return super()._get_help_string(action)


class _Parser(argparse.ArgumentParser):
    """Usage errors as `tvaer: error: ...` (exit 2) like every other error."""

    def error(self, message: str) -> Any:
        self.print_usage(sys.stderr)
        where = self.prog.removeprefix("tvaer").strip()
        self.exit(EXIT_BAD_INPUT, f"tvaer: error: {where + ': ' if where else ''}{message}\n")


def _version() -> str:
    from importlib import metadata

    from . import _core

    try:
        package = metadata.version("tvaer")
    except metadata.PackageNotFoundError:  # run from a source tree
        package = "(not installed)"
    return f"tvaer {package} (engine {_core.__version__}, git revision {_core.GIT_REVISION})"


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="tvaer", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=_version())
    sub = p.add_subparsers(dest="command", required=True)

    def command(name: str, help: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help, description=help, formatter_class=_HelpFormatter)

    def common(q: argparse.ArgumentParser) -> None:
        q.add_argument("--replications", "-n", type=int, default=200, help="replications of both arms")
        q.add_argument("--seed", type=int, default=1, help="the same seed gives the same numbers")
        q.add_argument("--threads", type=int, default=None, help="(default: all cores)")
        q.add_argument("--quiet", action="store_true", help="no progress bar")

    r = command("run", "simulate a scenario and write results")
    r.add_argument("scenario", nargs="?", help="a TOML file or a shipped scenario name (default: 'default')")
    r.add_argument("--out", default="results",
                   help="a results file ending in .h5 (its summary NAME-summary.csv and chart NAME.png go "
                        "beside it), or a folder (holding SCENARIO.h5, SCENARIO-summary.csv and SCENARIO.png; "
                        "created if the folder it is in exists); any other suffix is refused")
    r.add_argument("--mkdir", action="store_true", help="create the folders --out needs that do not exist")
    r.add_argument("--resume", action="store_true",
                   help="simulate into the .h5 file in chunks, going on from the replications already in it")
    r.add_argument("--chunk", type=int, default=50, help="replications per chunk with --resume")
    r.add_argument("--scheduler", metavar="ADDRESS",
                   help="run the replications on the Dask cluster of this scheduler (tcp://HOST:PORT, or its "
                        "scheduler file .json); --threads is then engine threads per chunk (default 1), "
                        "--chunk replications per task with --resume; docs/distributed.md")
    r.add_argument("--compression", metavar="HOW",
                   help="how the .h5 file stores its arrays: szip (the default), none, or deflate:1 to deflate:9 "
                        "(smaller, slower); a resumed file keeps its own; docs/results-format.md")
    r.add_argument("--family-costs", action="store_true",
                   help="also store every family's cost by year, budget and CPR registration in the file")
    common(r)
    r.set_defaults(func=_cmd_run)
    v = command("validate", "check a scenario file")
    v.add_argument("scenario", help="a TOML file or a shipped scenario name")
    v.set_defaults(func=_cmd_validate)
    c = command("compare", "run scenarios with common random numbers, the first is the baseline")
    c.add_argument("scenarios", nargs="+", help="two or more TOML files or shipped scenario names")
    c.add_argument("--out", help="also write the table, in DKK, to this .csv file")
    c.add_argument("--by-mechanism", action="store_true",
                   help="two scenarios: split their difference into the mechanisms that differ "
                        "(2^k runs; tvaer.decompose)")
    c.add_argument("--mechanism", action="append", metavar="NAME=PREFIX[,PREFIX]",
                   help="with --by-mechanism: one mechanism of the differences under these key paths "
                        "(repeatable)")
    c.add_argument("--outcome", choices=["solution", "difference"], default="solution",
                   help="with --by-mechanism: the solution arm's cost or solution - business as usual")
    common(c)
    c.set_defaults(func=_cmd_compare)
    rp = command("report", "an HTML page for a budget meeting, from a results file or a scenario")
    rp.add_argument("source", help="a results file (.h5), a scenario TOML file or a shipped scenario name")
    rp.add_argument("--out", default="report.html", help="the .html file to write (its folder must exist)")
    rp.add_argument("--lang", choices=list(LANGUAGES), default="en",
                    help="the page's language: words, numbers (da: 1.234,5 and mio. kr.) and charts")
    rp.add_argument("--start-year", type=int, metavar="YEAR",
                    help="the calendar year of year 1, to label years as budget years (default: year 1, 2, ...)")
    common(rp)
    rp.set_defaults(func=_cmd_report)
    fc = command("forecast", "Furesø's monthly accounts forecast against the simulated truth (docs/followup.md)")
    fc.add_argument("scenario", help="a TOML file or a shipped scenario name")
    fc.add_argument("--month", type=int, default=6, help="closed months of the year (1-12)")
    fc.add_argument("--year", type=int, default=2, help="the budget year (1 = months 0-11)")
    fc.add_argument("--rule", choices=["last_month", "ytd_average"], default="last_month",
                    help="how the rest of the year is forecast")
    fc.add_argument("--observed", action="store_true", help="from CPR-registered costs plus imputed averages")
    fc.add_argument("--out", help="also draw the chart into this .png file (its folder must exist)")
    fc.add_argument("--replications", "-n", type=int, default=10, help="replications for the error by month")
    fc.add_argument("--seed", type=int, default=1, help="the same seed gives the same numbers")
    fc.add_argument("--threads", type=int, default=None, help="(default: all cores)")
    fc.add_argument("--quiet", action="store_true", help="no progress bar")
    fc.set_defaults(func=_cmd_forecast)
    return p


def _warning_printer(other: Any) -> Any:
    """A warnings.showwarning printing a ScenarioWarning as `tvaer: warning: FILE:LINE:COL: key.path: ...`
    and handing other warnings to `other`; each message once (a scenario is validated, then
    simulated)."""
    shown: set[str] = set()

    def show(message: Any, category: type, *args: Any, **kw: Any) -> None:
        if issubclass(category, ScenarioWarning):
            if str(message) not in shown:
                shown.add(str(message))
                print(f"tvaer: warning: {message}", file=sys.stderr)
        else:
            other(message, category, *args, **kw)
    return show


def _run(argv: list[str] | None) -> int:
    args = build_parser().parse_args(argv)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always", ScenarioWarning)
            warnings.showwarning = _warning_printer(warnings.showwarning)
            return int(args.func(args))
    except (TvaerError, ValueError) as e:  # bad input: a message, never a traceback
        print(f"tvaer: error: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        raise
    except OSError as e:  # a file that cannot be written: the system's words, with the path
        print(f"tvaer: error: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT


def main(argv: list[str] | None = None) -> int:
    """The `tvaer` command; returns the exit status (module docstring)."""
    try:
        status = _run(argv)
        sys.stdout.flush()
        return status
    except KeyboardInterrupt:  # outside a simulation (which keeps its complete replications)
        print("tvaer: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # the reader is gone: say nothing more, not even at exit
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
