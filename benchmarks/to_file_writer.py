"""The writer of `simulate_to_file` alone: the default scenario's replications in chunks of 50,
the first written with `write_results` and the others appended with `append_results`, as
`simulate_to_file` does, without simulating while it writes. Meant for counting the writer's
instructions (the machine's neighbours do not move them; this VM has no hardware counters):

    valgrind --tool=callgrind --collect-atstart=no --toggle-collect='tvaer::write_results*' \\
        --toggle-collect='tvaer::append_results*' python benchmarks/to_file_writer.py none
    callgrind_annotate callgrind.out.<pid> | grep "PROGRAM TOTALS"

The chunks are simulated once and kept uncompressed in --cache (reading them back is not
counted), so that each run writes the same arrays.
"""

from __future__ import annotations

import argparse
import os
import tempfile

import tvaer
from tvaer import _core, runs
from tvaer.scenario import compile_model


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("compression", help="none, szip or deflate:N")
    ap.add_argument("--replications", type=int, default=400)
    ap.add_argument("--chunk", type=int, default=50)
    ap.add_argument("--cache", default=os.path.join(tempfile.gettempdir(), "tvaer-to-file-writer"))
    args = ap.parse_args()
    scenario = tvaer.default_scenario()
    model = compile_model(scenario)
    provenance = _core.make_provenance(model, scenario.to_json())
    os.makedirs(args.cache, exist_ok=True)
    chunks = []
    for first in range(0, args.replications, args.chunk):
        kept = os.path.join(args.cache, f"{first}-{args.chunk}.h5")
        if not os.path.exists(kept):
            raw, _ = runs.run(model, 1, first, min(args.chunk, args.replications - first), 2, lambda n: True,
                              runs.recording())
            _core.write_results(kept, raw, provenance, "none")
        chunks.append(_core.read_results(kept))
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "run.h5")
        for i, raw in enumerate(chunks):
            if i == 0:
                _core.write_results(path, raw, provenance, args.compression)
            else:
                _core.append_results(path, raw)
        print(f"{args.replications} replications written with {args.compression}: {os.path.getsize(path) / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
