"""Two installs of tvaer side by side: `python -m tvaer.bench` run by each interpreter in turn,
one round at a time, so that a noisy machine's moods fall on both alike (docs/performance.md,
"interleaved runs").

    python benchmarks/ab_packages.py --python OLD/.venv/bin/python --python NEW/.venv/bin/python \
        --rounds 6 -- --models ladder,default --families 10000 --replications 30 --against none

Everything after `--` goes to `tvaer.bench` (which adds `--rounds 1 --seed r --json`, round r =
1, 2, ...). Each run starts in an empty folder, so a checkout's own `bindings/` is never imported
in place of the install. Prints tvaer.bench's own report for each interpreter in turn (medians over
rounds, each scenario's events per second over the ladder's round by round by the clock and by CPU
time, threads against one thread); `--json FILE` also keeps every row, tagged with its interpreter
and round. Needs tvaer installed in the interpreter that runs it (for `tvaer.bench.cli.report`).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from typing import Any

from tvaer.bench.cli import report


def summarise(rows: list[dict[str, Any]], out) -> None:
    """tvaer.bench's own report for each install in turn, from its tvaer rows (rows carry "python"
    and "round" besides tvaer.bench's keys; --json leaves out the year-1 costs that the agreement
    with other implementations needs, so those rows are not compared here)."""
    for python in dict.fromkeys(r["python"] for r in rows):
        print(f"\n== {python}", file=out)
        report([r for r in rows if r["python"] == python and r["implementation"] == "tvaer"], out)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    split = argv.index("--") if "--" in argv else len(argv)
    parser = argparse.ArgumentParser(prog="ab_packages.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--python", action="append", required=True, help="an interpreter with tvaer installed (twice or more)")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--json", metavar="FILE", help="also write every row, one JSON object a line")
    args = parser.parse_args(argv[:split])
    bench_args = argv[split + 1:]
    if len(args.python) < 2:
        parser.error("give --python at least twice (the installs to compare)")
    if args.rounds < 1:
        parser.error(f"--rounds must be at least 1, got {args.rounds}")
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as empty:
        for r in range(1, args.rounds + 1):
            for python in args.python:
                cmd = [python, "-m", "tvaer.bench", *bench_args, "--rounds", "1", "--seed", str(r), "--json"]
                done = subprocess.run(cmd, cwd=empty, capture_output=True, text=True)
                if done.returncode != 0:
                    print(f"ab_packages.py: {' '.join(cmd)} failed ({done.returncode}):\n{done.stderr}", file=sys.stderr)
                    return 1
                for line in done.stdout.splitlines():
                    if line.startswith("{"):
                        rows.append({**json.loads(line), "python": python, "round": r})
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            f.writelines(json.dumps(row) + "\n" for row in rows)
    summarise(rows, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
