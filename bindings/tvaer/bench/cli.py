"""``python -m tvaer.bench``: tvaer against SimPy, plain Python (heapq) and neworder on the ladder
reference model, and tvaer on the shipped scenarios, side by side in interleaved rounds.

Every measurement runs in a fresh process (tvaer.bench.worker) that reports its own peak RSS;
ratios compare measurements of the same round. docs/performance.md,
"python -m tvaer.bench", explains the output."""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Sequence

from . import agreement
from .ladder import SECTORS
from .scaling import SCALES
from .worker import BOOT, PYTHON_IMPLEMENTATIONS

PACKAGE_DIR = Path(__file__).resolve().parents[1]
KEYS = ("model", "implementation", "families", "replications", "threads", "events", "seconds",
        "events_per_second", "peak_rss_bytes", "scale", "cpu_seconds")
MAX_FAMILIES = 2**24  # the engine's limit (docs/scenario-format.md)


def shipped() -> list[str]:
    return sorted(p.stem for p in (PACKAGE_DIR / "scenarios").glob("*.toml"))


def _positive_list(text: str, option: str, parser: argparse.ArgumentParser, limit: int) -> list[int]:
    values = []
    for item in text.split(","):
        try:
            value = int(item.replace("_", ""))
        except ValueError:
            parser.error(f"{option}: expected comma-separated positive integers, got {item!r} in {text!r}")
        if not 1 <= value <= limit:
            parser.error(f"{option}: must be between 1 and {limit:,}, got {value}")
        values.append(value)
    return values


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        prog="tvaer.bench", description="tvaer's benchmark: the ladder reference model against SimPy, "
        "plain Python (heapq) and neworder, and the shipped scenarios (docs/performance.md).")
    ap.add_argument("--models", default=None, help="comma-separated: ladder, shipped scenario names, paths to .toml "
                    "files (default: ladder and every shipped scenario)")
    ap.add_argument("--families", default=None, help="comma-separated family counts (default: 10000 for the "
                    "ladder, each scenario its own)")
    ap.add_argument("--scale", default="families", choices=SCALES,
                    help="how a scenario given --families grows: 'families' changes the count of families only "
                    "(arrivals, places and staff as written); 'municipality' scales arrivals, places and staff with "
                    "it, so the families per place stay the file's (tvaer.bench.scaling; default: families)")
    ap.add_argument("--replications", default="3", help="comma-separated (default 3)")
    ap.add_argument("--threads", default="1", help="comma-separated tvaer thread counts (default 1)")
    ap.add_argument("--against", default=",".join(PYTHON_IMPLEMENTATIONS),
                    help="comma-separated implementations of the ladder to compare with: simpy, heapq, neworder, "
                    "or none (default: all three)")
    ap.add_argument("--rounds", default="3", help="interleaved rounds of every measurement (default 3)")
    ap.add_argument("--seed", default="1", help="seed of the first round; round r uses seed + r (default 1)")
    ap.add_argument("--python-limit", default="100000",
                    help="the largest families x replications the Python implementations run (default 100000)")
    ap.add_argument("--engine-bytes", action="store_true",
                    help="also report tvaer's engine state per family (bytes held by each arm of one more "
                    "replication, run after the clock and the peak memory are read; JSON key "
                    "engine_bytes_per_family: [business as usual, solution])")
    ap.add_argument("--json", action="store_true", help="one JSON object per measurement on stdout "
                    "(keys: " + ", ".join(KEYS) + "); the tables go to stderr")
    args = ap.parse_args(argv)
    big = 2**31 - 1
    args.families = None if args.families is None else _positive_list(args.families, "--families", ap, MAX_FAMILIES)
    args.replications = _positive_list(args.replications, "--replications", ap, big)
    args.threads = _positive_list(args.threads, "--threads", ap, 1024)
    args.rounds = _positive_list(args.rounds, "--rounds", ap, 1000)[0]
    args.python_limit = _positive_list(args.python_limit, "--python-limit", ap, 2**62)[0]
    try:
        args.seed = int(args.seed)
    except ValueError:
        ap.error(f"--seed: expected a non-negative integer, got {args.seed!r}")
    if args.seed < 0:
        ap.error(f"--seed: expected a non-negative integer, got {args.seed}")
    against = [] if args.against in ("none", "") else args.against.split(",")
    for name in against:
        if name not in PYTHON_IMPLEMENTATIONS:
            ap.error(f"--against: unknown implementation {name!r} (known: {', '.join(PYTHON_IMPLEMENTATIONS)}, none)")
    args.against = list(dict.fromkeys(against))
    models = ["ladder", *shipped()] if args.models is None else args.models.split(",")
    args.models = []
    for name in models:
        if name == "ladder":
            args.models.append((name, None))
        elif name in shipped():
            args.models.append((name, str(PACKAGE_DIR / "scenarios" / f"{name}.toml")))
        elif name.endswith(".toml"):
            if not Path(name).is_file():
                ap.error(f"--models: no scenario file {name!r}")
            args.models.append((Path(name).stem, str(Path(name).resolve())))
        else:
            ap.error(f"--models: unknown model {name!r} (known: ladder, {', '.join(shipped())}, or a .toml path)")
    return args


def available(implementation: str) -> str | None:
    """Why `implementation` cannot run here (None when it can)."""
    module = {"simpy": "simpy", "neworder": "neworder"}.get(implementation)
    if module and importlib.util.find_spec(module) is None:
        return f"{module} is not installed (pip install 'tvaer[bench]' or pip install {module})"
    return None


def plan(args: argparse.Namespace, note) -> list[dict[str, Any]]:
    """The measurements of one round, in the order they run (tvaer first at each point)."""
    skipped = set()
    out = []
    for model, path in args.models:
        for families in args.families or [10_000 if path is None else None]:
            for replications in args.replications:
                base = {"model": model, "path": path, "families": families, "replications": replications,
                        "scale": args.scale if path is not None and families is not None else "families"}
                for threads in args.threads:
                    out.append({**base, "implementation": "tvaer", "threads": threads,
                                "engine_bytes": args.engine_bytes})
                if path is not None:
                    continue
                for impl in args.against:
                    why = available(impl)
                    if why is None and families * replications > args.python_limit:
                        why = (f"families x replications = {families * replications:,} is over --python-limit "
                               f"{args.python_limit:,}")
                    if why is not None:
                        if (impl, why) not in skipped:
                            note(f"skipped {impl} at {families:,} families x {replications} replications: {why}")
                        skipped.add((impl, why))
                        continue
                    out.append({**base, "implementation": impl, "threads": 1})
    return out


def run_one(spec: dict[str, Any]) -> dict[str, Any]:
    """Runs one measurement in a fresh process; its result with the child's peak RSS."""
    with tempfile.TemporaryFile(mode="w+") as err:
        child = subprocess.Popen([sys.executable, "-c", BOOT, str(PACKAGE_DIR), json.dumps(spec)],
                                 stdout=subprocess.PIPE, stderr=err, text=True)
        stdout, _ = child.communicate()
        if child.returncode != 0:
            err.seek(0)
            raise RuntimeError(f"{spec['implementation']} on {spec['model']} failed (exit {child.returncode}):\n"
                               + err.read()[-2000:])
    result = json.loads(stdout.strip().splitlines()[-1])
    families = result.get("families", spec["families"])
    row = {"model": spec["model"], "implementation": spec["implementation"], "families": families,
           "replications": spec["replications"], "threads": spec["threads"], "events": result["events"],
           "seconds": result["seconds"], "events_per_second": result["events"] / result["seconds"],
           "peak_rss_bytes": result["peak_rss_bytes"], "scale": spec["scale"], "cpu_seconds": result["cpu_seconds"]}
    if "engine_bytes_per_family" in result:
        row["engine_bytes_per_family"] = result["engine_bytes_per_family"]
    return {**row, "round": spec["round"], "year1": result.get("year1")}


def point(row: dict[str, Any]) -> tuple:
    return (row["model"], row["families"], row["replications"])


def report(rows: list[dict[str, Any]], out) -> None:
    """The medians, the ratios of the same rounds and the agreement of year-1 costs."""
    groups: dict[tuple, list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault((*point(r), r["implementation"], r["threads"]), []).append(r)
    mw = model_width(groups)
    print("\nMedians over rounds (events: tvaer counts both arms of each replication; the ladder's arms "
          "are identical):", file=out)
    print(f"{'model':<{mw}} {'implementation':<14} {'families':>10} {'reps':>6} {'threads':>7} {'events':>12} "
          f"{'seconds':>9} {'CPU s':>8} {'events/s':>12} {'peak RSS MB':>12}", file=out)
    for (model, families, reps, impl, threads), rs in groups.items():
        med = {k: statistics.median(r[k] for r in rs) for k in ("events", "seconds", "cpu_seconds",
                                                                   "events_per_second", "peak_rss_bytes")}
        print(f"{model:<{mw}} {impl:<14} {families:>10,} {reps:>6} {threads:>7} {med['events']:>12,.0f} "
              f"{med['seconds']:>9.3f} {med['cpu_seconds']:>8.3f} {med['events_per_second']:>12,.0f} "
              f"{med['peak_rss_bytes'] / 2**20:>12.1f}", file=out)
    ratios = []
    for (model, families, reps, impl, threads), rs in groups.items():
        if impl != "tvaer" or model != "ladder":
            continue
        for other in PYTHON_IMPLEMENTATIONS:
            per_round = per_round_ratios(rs, groups.get((model, families, reps, other, 1), []), events_per_second)
            if per_round:
                ratios.append(f"{model:<{mw}} {families:>10,} {reps:>6} {threads:>7}   tvaer / {other:<9} "
                              f"{statistics.median(per_round):>9.1f}  ({len(per_round)} rounds: "
                              + ", ".join(f"{x:.1f}" for x in per_round) + ")")
    for (model, families, reps, impl, threads), rs in groups.items():
        first = min(k[4] for k in groups if k[:4] == (model, families, reps, "tvaer"))
        if impl != "tvaer" or threads == first:
            continue
        per_round = per_round_ratios(rs, groups[(model, families, reps, "tvaer", first)], events_per_second)
        ratios.append(f"{model:<{mw}} {families:>10,} {reps:>6} {threads:>7}   tvaer / tvaer with {first} "
                      f"{'thread' if first == 1 else 'threads':<7} {statistics.median(per_round):>5.2f}  "
                      f"({len(per_round)} rounds: " + ", ".join(f"{x:.2f}" for x in per_round) + ")")
    if ratios:
        print("\nEvents per second, tvaer / other, median of the rounds' ratios (each round runs both):", file=out)
        print(f"{'model':<{mw}} {'families':>10} {'reps':>6} {'threads':>7}", file=out)
        print("\n".join(ratios), file=out)
    scenario_ratios(groups, out, mw)
    engine_bytes_table(groups, out, mw)
    agreement_table(groups, out)


def model_width(groups: dict[tuple, list[dict[str, Any]]]) -> int:
    """The model column's width: 14, or the longest model name (a file's stem may be longer)."""
    return max([14, *(len(k[0]) for k in groups)])


def events_per_second(row: dict[str, Any]) -> float:
    return row["events_per_second"]


def per_round_ratios(rs: list[dict[str, Any]], theirs: list[dict[str, Any]], key) -> list[float]:
    """key(r) / key(their r) for each round both ran, in round order."""
    by_round = {r["round"]: r for r in theirs}
    return [key(r) / key(by_round[r["round"]]) for r in rs if r["round"] in by_round]


def scenario_ratios(groups: dict[tuple, list[dict[str, Any]]], out, mw: int) -> None:
    """Each scenario's events per second against the ladder's at the same families, replications
    and threads (issue 16's measure), by the clock and by the process's CPU time, round by round."""
    lines = []
    for (model, families, reps, impl, threads), rs in groups.items():
        ladder = groups.get(("ladder", families, reps, "tvaer", threads))
        if impl != "tvaer" or model == "ladder" or not ladder:
            continue
        wall = per_round_ratios(rs, ladder, events_per_second)
        cpu = per_round_ratios(rs, ladder, lambda r: r["events"] / r["cpu_seconds"])
        lines.append(f"{model:<{mw}} {families:>10,} {reps:>6} {threads:>7} {statistics.median(wall):>9.2f} "
                     f"{statistics.median(cpu):>9.2f}  ({len(wall)} round{'' if len(wall) == 1 else 's'}, wall: "
                     + ", ".join(f"{x:.2f}" for x in wall) + "; CPU: " + ", ".join(f"{x:.2f}" for x in cpu) + ")")
    if lines:
        print("\nEvents per second, scenario / ladder at the same families, replications and threads, median of "
              "the rounds' ratios (each round runs both), by the clock and by CPU time:", file=out)
        print(f"{'model':<{mw}} {'families':>10} {'reps':>6} {'threads':>7} {'wall':>9} {'CPU':>9}", file=out)
        print("\n".join(lines), file=out)


def engine_bytes_table(groups: dict[tuple, list[dict[str, Any]]], out, mw: int) -> None:
    """--engine-bytes: what each arm's engine held per family, median over rounds."""
    lines = []
    for (model, families, reps, impl, threads), rs in groups.items():
        held = [r["engine_bytes_per_family"] for r in rs if "engine_bytes_per_family" in r]
        if held and threads == min(k[4] for k in groups if k[:4] == (model, families, reps, impl)):
            bau, solution = (statistics.median(h[a] for h in held) for a in (0, 1))
            lines.append(f"{model:<{mw}} {families:>10,} {bau:>20.1f} {solution:>20.1f}")
    if lines:
        print("\nEngine state per family (bytes held at the end of replication 0, median over rounds):", file=out)
        print(f"{'model':<{mw}} {'families':>10} {'business as usual':>20} {'solution':>20}", file=out)
        print("\n".join(lines), file=out)


def agreement_table(groups: dict[tuple, list[dict[str, Any]]], out) -> None:
    """Year-1 cost per family, pooled over rounds (seeds differ by round), against tvaer."""
    lines, checks = [], []
    for (model, families, reps, impl, threads), rs in groups.items():
        if impl == "tvaer" or model != "ladder":
            continue
        ours = next((g for k, g in groups.items() if k[:3] == (model, families, reps) and k[3] == "tvaer"), None)
        if not ours:
            continue
        a = [y for r in ours for y in r["year1"]]
        b = [y for r in rs for y in r["year1"]]
        if len(a) < 2 or len(b) < 2:
            lines.append((f"{families:>10,} {impl:<9} needs 2 replications or more in all to compare", []))
            continue
        diffs = agreement.differences(a, b)
        checks.extend(diffs)
        lines.append((f"{families:>10,} {impl:<9}", diffs))
    if not lines:
        return
    print("\nYear-1 cost per family (DKK), mean +- standard error over replications, tvaer against each "
          f"(Welch t; * beyond the bound for a {agreement.ALPHA:.1%} chance of any false alarm in this table):",
          file=out)
    print(f"{'families':>10} {'other':<9} " + " ".join(f"{s + ' tvaer':>22} {s + ' other':>22} {'t':>6}" for s in SECTORS),
          file=out)
    for head, diffs in lines:
        cells = []
        for d in diffs:
            flag = "*" if abs(d.t) > agreement.bound(len(checks), d.df) else " "
            cells.append(f"{d.mean_a:>13,.0f} +- {d.se_a:>5,.0f} {d.mean_b:>13,.0f} +- {d.se_b:>5,.0f} {d.t:>+5.2f}{flag}")
        print(head + " " + " ".join(cells), file=out)
    if any(k[3] == "neworder" for k in groups):
        print("(neworder moves in monthly steps: it counts fewer events, as moves out and back within a month "
              "are unseen, and its mentor starts and ends at month boundaries; docs/performance.md)", file=out)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    info = sys.stderr

    def note(text: str) -> None:
        print(f"tvaer.bench: {text}", file=info, flush=True)

    measurements = plan(args, note)
    rows = []
    for rnd in range(args.rounds):
        for spec in measurements:
            spec = {**spec, "round": rnd, "seed": args.seed + rnd}
            try:
                row = run_one(spec)
            except RuntimeError as e:
                print(f"tvaer.bench: error: {e}", file=sys.stderr)
                return 1
            rows.append(row)
            if args.json:
                print(json.dumps({k: row[k] for k in (*KEYS, "engine_bytes_per_family") if k in row}), flush=True)
            else:
                scale = " (scaled as a municipality)" if row["scale"] == "municipality" else ""
                note(f"round {rnd + 1}/{args.rounds}: {row['model']}{scale} {row['implementation']} "
                     f"{row['families']:,} families x {row['replications']} reps, {row['threads']} threads: "
                     f"{row['events']:,} events in {row['seconds']:.3f} s, {row['events_per_second']:,.0f}/s, "
                     f"peak RSS {row['peak_rss_bytes'] / 2**20:.1f} MB")
    report(rows, sys.stderr if args.json else sys.stdout)
    return 0
