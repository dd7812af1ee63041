"""Where a scenario's time goes, mechanism by mechanism: the scenario as written and variants of it
with one mechanism taken out (and all of them at once), run by `python -m tvaer.bench` beside the
ladder in the same rounds, so that each variant's events per second over the ladder's says what
that mechanism costs an event (docs/performance.md, "The default's time by mechanism").

    python benchmarks/features.py --scenario default -- --families 10000 --replications 100 \\
        --rounds 3 --against none

Everything after `--` goes to `tvaer.bench` (add `--scale municipality` to grow the scenario's
arrivals, places and staff with its families). The variants (VARIANTS) are written as TOML files
named `<scenario>-<variant>.toml` into a temporary folder; `--keep DIR` writes them there instead.
A variant that takes out nothing the scenario has is left out, with a line saying so.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable

import tomli_w

import tvaer
from tvaer.errors import ScenarioError


def _drop_uncertain(data: dict[str, Any], names_it: Callable[[str], bool]) -> None:
    """Takes out the `[uncertain]` ranges whose key path names what a variant took out (and the
    table when none is left): they would name a key that is not there."""
    uncertain = data.get("uncertain", {})
    for key in [k for k in uncertain if names_it(k)]:
        del uncertain[key]
    if "uncertain" in data and not uncertain:
        del data["uncertain"]


def _no_refusion(data: dict[str, Any]) -> bool:
    """The state's refusion of benefits (the `[refusion]` table): no benefit weeks counted."""
    if data.pop("refusion", None) is None:
        return False
    _drop_uncertain(data, lambda k: k.startswith("refusion."))
    return True


def _no_interventions(data: dict[str, Any]) -> bool:
    """The interventions (requests, decisions, capacity queues, their costs and effects), and the
    `[uncertain]` ranges that name them."""
    if not data.pop("interventions", None):
        return False
    _drop_uncertain(data, lambda k: k.startswith("interventions."))
    return True


def _no_recheck(data: dict[str, Any]) -> bool:
    """`selection.recheck`: eligibility looked at again when a family changes."""
    selection = data.get("selection", {})
    if not selection.get("recheck", False):
        return False
    selection["recheck"] = False
    return True


def _no_effects(data: dict[str, Any]) -> bool:
    """The effects on hazards: the solution's own (`organisation.effects`) and the interventions'."""
    took = data.get("organisation", {}).pop("effects", None) is not None
    for iv in data.get("interventions", []):
        took = iv.pop("effects", None) is not None or took
    _drop_uncertain(data, lambda k: ".effects." in k or k.startswith("organisation.effects"))
    return took


def _no_flow(data: dict[str, Any]) -> bool:
    """The population's flow: no families arrive or leave over the horizon."""
    population = data.get("population", {})
    if not population.get("arrivals_per_month") and not population.get("leave_rate"):
        return False
    population["arrivals_per_month"] = 0.0
    population["leave_rate"] = 0.0
    return True


# Each variant takes one mechanism out of the scenario's data in place and says whether it had it.
VARIANTS: dict[str, Callable[[dict[str, Any]], bool]] = {
    "no_refusion": _no_refusion,
    "no_interventions": _no_interventions,
    "no_recheck": _no_recheck,
    "no_effects": _no_effects,
    "no_flow": _no_flow,
}


# What each variant takes out, in a few words (--help).
TAKES_OUT = {
    "no_refusion": "[refusion]",
    "no_interventions": "interventions",
    "no_recheck": "selection.recheck",
    "no_effects": "effects on hazards",
    "no_flow": "arrivals and departures",
}
assert TAKES_OUT.keys() == VARIANTS.keys()


def variants(scenario: tvaer.Scenario) -> dict[str, dict[str, Any]]:
    """The scenario's data with each mechanism of VARIANTS taken out that it has, and "bare" with
    all of them out (when more than one was), by variant name."""
    out: dict[str, dict[str, Any]] = {}
    bare = scenario.data
    for name, take_out in VARIANTS.items():
        data = scenario.data
        if take_out(data):
            out[name] = data
            take_out(bare)
    if len(out) > 1:
        out["bare"] = bare
    return out


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    split = argv.index("--") if "--" in argv else len(argv)
    epilog = ("variants: " + "; ".join(f"{name} (without {what})" for name, what in TAKES_OUT.items()) +
              "; bare (without all of them). Arguments after -- go to python -m tvaer.bench.")
    parser = argparse.ArgumentParser(prog="features.py", description=__doc__.split("\n\n")[0], epilog=epilog)
    parser.add_argument("--scenario", default="default", help="a shipped scenario's name or a .toml file (default: default)")
    parser.add_argument("--keep", metavar="DIR", help="write the variants' TOML files here (kept) instead of a temporary folder")
    args = parser.parse_args(argv[:split])
    bench_args = argv[split + 1:]
    try:
        scenario = tvaer.load_scenario(args.scenario) if args.scenario.endswith(".toml") else tvaer.default_scenario(args.scenario)
    except (ScenarioError, OSError) as e:
        print(f"features.py: --scenario {args.scenario}: {e}", file=sys.stderr)
        return 2
    stem = Path(args.scenario).stem
    found = variants(scenario)
    for name in VARIANTS:
        if name not in found:
            print(f"features.py: {stem} has nothing for {name} to take out; left out", file=sys.stderr)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(args.keep) if args.keep else Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for name, data in found.items():
            path = folder / f"{stem}-{name}.toml"
            path.write_text(tomli_w.dumps(data), encoding="utf-8")
            try:
                tvaer.load_scenario(path).validate()
            except ScenarioError as e:  # a mechanism the rest of the scenario leans on
                print(f"features.py: the variant {name} of {stem} is not a valid scenario: {e}", file=sys.stderr)
                return 1
            paths.append(str(path))
        models = ",".join(["ladder", str(Path(args.scenario).resolve()) if args.scenario.endswith(".toml") else stem, *paths])
        return subprocess.run([sys.executable, "-m", "tvaer.bench", "--models", models, *bench_args]).returncode


if __name__ == "__main__":
    sys.exit(main())
