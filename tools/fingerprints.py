"""Writes tests/data/fingerprints.json: the fingerprint (tvaer.Results.fingerprint) of every
shipped scenario at a fixed size, seed and replication count. Run it (`make fingerprints`) in the
commit that changes behaviour on purpose; tests/python/test_fingerprints.py checks the file."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import tvaer

ROOT = Path(__file__).resolve().parents[1]
FILE = ROOT / "tests" / "data" / "fingerprints.json"
SETTINGS = {"families": 60, "replications": 3, "seed": 20261130}


def fingerprints() -> dict[str, str]:
    out = {}
    for path in sorted((ROOT / "scenarios").glob("*.toml")):
        sc = tvaer.load_scenario(path)
        if "families" in sc.data:
            sc = sc.with_(families=SETTINGS["families"])
        res = tvaer.simulate(sc, replications=SETTINGS["replications"], seed=SETTINGS["seed"], threads=2,
                             progress=False, family_costs=True)
        out[path.stem] = res.fingerprint()
    return out


if __name__ == "__main__":
    FILE.write_text(json.dumps({"settings": SETTINGS, "fingerprints": fingerprints()}, indent=1, sort_keys=True) + "\n")
    print(f"wrote {FILE.relative_to(ROOT)}", file=sys.stderr)
