"""CPU and size of HDF5's filters on the default scenario's arrays, written with h5py in the
results file's chunks (about 256 KiB, the other dimensions whole): what `compression=` chooses
from (docs/performance.md, "ninth pass"). LZF is h5py's plugin, shown for comparison only.

    python benchmarks/compression.py [--replications 50] [--scenario PATH]
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time

import h5py
import numpy as np

import tvaer

FILTERS = {
    "none": {},
    "szip": dict(compression="szip", compression_opts=("nn", 32)),
    "shuffle+szip": dict(shuffle=True, compression="szip", compression_opts=("nn", 32)),
    "deflate1": dict(compression="gzip", compression_opts=1),
    "shuffle+deflate1": dict(shuffle=True, compression="gzip", compression_opts=1),
    "shuffle+deflate4": dict(shuffle=True, compression="gzip", compression_opts=4),
    "shuffle+deflate6": dict(shuffle=True, compression="gzip", compression_opts=6),
    "lzf": dict(compression="lzf"),
    "shuffle+lzf": dict(shuffle=True, compression="lzf"),
}


def chunks(a: np.ndarray) -> tuple[int, ...]:
    """The engine's chunk shape (engine/src/hdf5_io.hpp, create_numeric)."""
    per = max(1, a[0].nbytes)
    return (max(1, min(4096, (256 << 10) // per)),) + tuple(max(1, s) for s in a.shape[1:])


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--replications", type=int, default=50)
    ap.add_argument("--scenario", help="a scenario file (default: the default scenario)")
    args = ap.parse_args()
    sc = tvaer.load_scenario(args.scenario) if args.scenario else tvaer.default_scenario()
    raw = tvaer.simulate(sc, replications=args.replications, seed=1, threads=2, progress=False).raw
    arrays = {n: np.asarray(getattr(raw, n)) for n in tvaer.results.ARRAYS if getattr(raw, n, None) is not None}
    n = args.replications
    print(f"{sum(a.nbytes for a in arrays.values()) / 1e6:.2f} MB of arrays, {n} replications")
    with tempfile.TemporaryDirectory() as d:
        for name, kw in FILTERS.items():
            best = []
            path = os.path.join(d, f"{name}.h5")
            for _ in range(3):
                c0, t0 = cpu(), time.perf_counter()
                with h5py.File(path, "w") as f:
                    for k, a in arrays.items():
                        f.create_dataset(k, data=a, chunks=chunks(a), maxshape=(None,) + a.shape[1:], **kw)
                best.append((cpu() - c0, time.perf_counter() - t0))
            c, t = min(best)
            print(f"{name:18s} CPU {c / n * 1000:5.2f} ms a replication, wall {t * 1000:6.0f} ms, "
                  f"file {os.path.getsize(path) / 1e6:6.2f} MB")


if __name__ == "__main__":
    main()
