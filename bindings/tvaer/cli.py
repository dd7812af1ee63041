"""The `tvaer` command line: run, validate, compare and report scenarios in batch."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from .errors import TvaerError
from .scenario import Scenario, default_scenario, load_scenario, shipped_scenarios
from .tables import in_thousands

__all__ = ["main"]


def _scenario(arg: str | None) -> Scenario:
    if arg is None:
        return default_scenario()
    if arg in shipped_scenarios() and not Path(arg).exists():
        return default_scenario(arg)
    return load_scenario(arg)


def format_summary(summary: pd.DataFrame) -> str:
    """The summary as a plain text table in thousands of DKK."""
    labels = ["bau (kDKK)", "solution (kDKK)", "difference", "95% low", "95% high", "P(net loss)"]
    return in_thousands(summary, labels).to_string()


def _cmd_run(a: argparse.Namespace) -> int:
    import matplotlib.pyplot as plt

    from .plots import difference_chart
    from .results_file import simulate_to_file
    from .simulate import simulate

    sc = _scenario(a.scenario)
    out = Path(a.out)
    if out.suffix == ".h5":
        folder, stem = out.parent, out.stem
    else:
        folder, stem = out, sc.name
    folder.mkdir(parents=True, exist_ok=True)
    h5 = folder / f"{stem}.h5"
    if a.resume:
        res = simulate_to_file(sc, h5, replications=a.replications, seed=a.seed, threads=a.threads, chunk=a.chunk,
                               progress=not a.quiet, family_costs=a.family_costs)
    else:
        res = simulate(sc, replications=a.replications, seed=a.seed, threads=a.threads, progress=not a.quiet,
                       family_costs=a.family_costs)
        res.to_hdf5(h5)
    summary = res.summary()
    print(f"tvaer {res!r}")
    print("Cost per sector and year, mean over replications (solution - business as usual = difference):")
    print(format_summary(summary))
    be = summary.attrs["break_even"]
    print(f"Break-even (total): median year {be['median_year']}, share of replications within the horizon "
          f"{be['share_within_horizon']:.2f}")
    csv = folder / f"{stem}-summary.csv"
    summary.to_csv(csv)
    png = folder / f"{stem}.png"
    fig = difference_chart(res)
    fig.savefig(png, dpi=120)
    plt.close(fig)
    print("Wrote: " + ", ".join(str(p) for p in [h5, csv, png]))
    return 0


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
    first, second = (_scenario(s) for s in a.scenarios)
    d = decompose(first, second, mechanisms=_mechanisms(a.mechanism), replications=a.replications, seed=a.seed,
                  threads=a.threads, outcome=a.outcome, progress=not a.quiet)
    print(f"What drives the difference from {first.name!r} to {second.name!r} ({a.outcome}, "
          f"{d.replications} replications, parts sum to the total in every replication):")
    print(format_decomposition(d.summary()))
    for year in d.years:
        print(d.sentence(year))
    return 0


def _cmd_compare(a: argparse.Namespace) -> int:
    from .simulate import compare

    if a.by_mechanism:
        return _compare_by_mechanism(a)
    if a.mechanism or a.outcome != "solution":
        raise ValueError("compare: --mechanism and --outcome go with --by-mechanism")
    scenarios = {Path(s).stem: _scenario(s) for s in a.scenarios}
    comp = compare(scenarios, replications=a.replications, seed=a.seed, threads=a.threads, progress=not a.quiet)
    d = comp.differences()
    print(f"Paired differences against {comp.baseline!r} (solution arms, DKK):")
    print((d / 1000).round(0).to_string())
    return 0


def _cmd_report(a: argparse.Namespace) -> int:
    from .report import write_report

    if a.source.endswith(".h5"):
        from .results_file import open_results

        res = open_results(a.source)
    else:
        from .simulate import simulate

        res = simulate(_scenario(a.source), replications=a.replications, seed=a.seed, threads=a.threads,
                       progress=not a.quiet)
    print("Wrote: " + write_report(res, a.out))
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="tvaer", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    def common(q: argparse.ArgumentParser) -> None:
        q.add_argument("--replications", "-n", type=int, default=200)
        q.add_argument("--seed", type=int, default=1)
        q.add_argument("--threads", type=int, default=None, help="default: all cores")
        q.add_argument("--quiet", action="store_true", help="no progress bar")

    r = sub.add_parser("run", help="simulate a scenario and write results")
    r.add_argument("scenario", nargs="?", help="a TOML file or a shipped scenario name (default: 'default')")
    r.add_argument("--out", default="results", help="a folder (writes <folder>/<scenario name>.h5), or a .h5 file name")
    r.add_argument("--resume", action="store_true",
                   help="simulate into the .h5 file in chunks, going on from the replications already in it")
    r.add_argument("--chunk", type=int, default=50, help="replications per chunk with --resume")
    r.add_argument("--family-costs", action="store_true",
                   help="also store every family's cost by year, budget and CPR registration in the file")
    common(r)
    r.set_defaults(func=_cmd_run)
    v = sub.add_parser("validate", help="check a scenario file")
    v.add_argument("scenario")
    v.set_defaults(func=_cmd_validate)
    c = sub.add_parser("compare", help="run scenarios with common random numbers, first is the baseline")
    c.add_argument("scenarios", nargs="+")
    c.add_argument("--by-mechanism", action="store_true",
                   help="two scenarios: split their difference into the mechanisms that differ "
                        "(2^k runs; tvaer.decompose)")
    c.add_argument("--mechanism", action="append", metavar="NAME=PREFIX[,PREFIX]",
                   help="with --by-mechanism: one mechanism of the differences under these key paths "
                        "(repeatable)")
    c.add_argument("--outcome", choices=["solution", "difference"], default="solution",
                   help="with --by-mechanism: the solution arm's cost (default) or solution - business as usual")
    common(c)
    c.set_defaults(func=_cmd_compare)
    rp = sub.add_parser("report", help="an HTML page for a budget meeting, from a results file or a scenario")
    rp.add_argument("source", help="a results file (.h5), a scenario TOML file or a shipped scenario name")
    rp.add_argument("--out", default="report.html", help="the HTML file to write")
    common(rp)
    rp.set_defaults(func=_cmd_report)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except (TvaerError, ValueError) as e:  # bad input: a message, never a traceback
        print(f"tvaer: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("tvaer: interrupted", file=sys.stderr)
        return 130
