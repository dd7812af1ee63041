"""Replications per second on Dask (tvaer.distributed) against the in-process threaded run, the
overhead per task, the chunk size it implies, and the national what-if on paper.

Usage (about two minutes on 2 cores; from a source tree, the package on the path):
    PYTHONPATH=bindings python benchmarks/dask_scaling.py [rounds=3]

Prints a Markdown report (machine, versions, commit, tables, arithmetic) for docs/distributed.md.
Each figure is the median over `rounds` rounds; every cluster run is warmed up first (workers
import tvaer and compile the scenario once). Two scenarios: the shipped default (300 families,
60 months) and "municipality": the default scaled to one average Danish municipality of the
national what-if, 100,000 / 98 = 1,020 families over 120 months (arrivals scaled with the
families, so that the stock stays at that size).
"""

from __future__ import annotations

import math
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone

import dask
import distributed as dd
from dask.distributed import Client, LocalCluster

import tvaer
from tvaer import _core
from tvaer import distributed as tvd

NATIONAL = {"families": 100_000, "municipalities": 98, "months": 120, "replications": 1_000, "cores": 32}


def scenarios() -> dict[str, tvaer.Scenario]:
    base = tvaer.default_scenario()
    per = NATIONAL["families"] / NATIONAL["municipalities"]
    arrivals = float(base.get("population.arrivals_per_month")) * per / float(base.get("families"))
    muni = base.with_({"families": round(per), "horizon_months": NATIONAL["months"],
                       "population.arrivals_per_month": arrivals})
    return {"default": base, "municipality": muni}


def timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def median_time(fn, rounds: int) -> float:
    return statistics.median(timed(fn) for _ in range(rounds))


def machine() -> list[str]:
    model = ""
    try:
        model = next((line.split(":", 1)[1].strip() for line in subprocess.run(
            ["lscpu"], capture_output=True, text=True).stdout.splitlines() if line.startswith("Model name")), "")
    except OSError:
        pass
    rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    return [f"- date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC; commit {rev or '?'} "
            f"(engine {_core.__version__}, built at {_core.GIT_REVISION})",
            f"- machine: nproc={os.cpu_count()}, {model or platform.processor()}; load average "
            f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} at the start",
            f"- Python {platform.python_version()}, dask {dask.__version__}, distributed {dd.__version__}",
            f"- command: PYTHONPATH=bindings python benchmarks/dask_scaling.py {' '.join(sys.argv[1:])}".rstrip()]


def main(rounds: int = 3) -> None:
    cores = os.cpu_count() or 1
    scs = scenarios()
    reps = {"default": 200, "municipality": 40}
    lines = ["## Measured", "", *machine(), ""]

    # The in-process run: the engine's threads, no Dask.
    rate: dict[tuple[str, str], float] = {}
    per_rep: dict[str, float] = {}
    for name, sc in scs.items():
        n = reps[name]
        rate[(name, "in-process, 1 thread")] = n / median_time(
            lambda: tvaer.simulate(sc, replications=n, threads=1, progress=False), rounds)
        rate[(name, f"in-process, {cores} threads")] = n / median_time(
            lambda: tvaer.simulate(sc, replications=n, threads=cores, progress=False), rounds)
        per_rep[name] = 1 / rate[(name, "in-process, 1 thread")]

    # The pieces of a task's overhead, measured alone: a chunk's results as HDF5 bytes (on the
    # worker) and back (on the client), for chunks of 1 and of 20 replications.
    transport: dict[tuple[str, str], float] = {}
    for name, sc in scs.items():
        model = tvaer.scenario.compile_model(sc)
        times = {}
        for k in (1, 20):
            raw = _core.run(model, 1, 0, k, cores, None, _core.ReplicationOptions())
            data = tvd.encode(raw)
            times[k] = (median_time(lambda: tvd.encode(raw), rounds), median_time(lambda: tvd.decode(data), rounds))
        for i, what in enumerate(("encode", "decode")):
            transport[(name, what)] = times[1][i]
            transport[(name, what + " per replication")] = (times[20][i] - times[1][i]) / 19

    overhead = {}
    for workers in (1, 2):
        with LocalCluster(n_workers=workers, processes=True, threads_per_worker=1, dashboard_address=":0") as c, \
                Client(c) as client:
            for name, sc in scs.items():
                n = reps[name]
                tvaer.simulate(sc, replications=2, progress=False, client=client, chunk=1)  # warm up
                for chunk in sorted({tvd.chunk_size(client, n, None), n // 2 // workers or 1}):
                    t = median_time(lambda: tvaer.simulate(sc, replications=n, progress=False, client=client,
                                                           chunk=chunk), rounds)
                    rate[(name, f"{workers} worker{'s' * (workers > 1)} x 1 thread, chunk {chunk}")] = n / t
            if workers == 1:  # per task: n tasks of 1 replication against 1 task of n, on one worker
                sc, n = scs["default"], 40
                many = median_time(lambda: tvaer.simulate(sc, replications=n, progress=False, client=client,
                                                          chunk=1), rounds)
                few = median_time(lambda: tvaer.simulate(sc, replications=n, progress=False, client=client,
                                                         chunk=n), rounds)
                overhead["task"] = (many - few) / (n - 1)
                noop = client.submit(lambda: None, pure=False)
                noop.result()
                overhead["no-op task"] = median_time(lambda: client.submit(lambda: None, pure=False).result(),
                                                     rounds * 5)

    lines += ["Replications per second (both arms; median of "
              f"{rounds} rounds; {reps['default']} replications of default, {reps['municipality']} of municipality):",
              "", "| run | default | municipality |", "|---|---|---|"]
    for how in dict.fromkeys(h for _, h in rate):
        cells = [f"{rate[(name, how)]:.1f}" if (name, how) in rate else "" for name in scs]
        lines.append(f"| {how} | {' | '.join(cells)} |")
    task = overhead["task"]
    lines += ["", "Per task (default scenario, one worker):", "",
              f"- overhead per task, (time of 40 tasks of 1 replication - time of 1 task of 40) / 39: "
              f"**{task * 1e3:.0f} ms**",
              f"- of which: a no-op task's round trip {overhead['no-op task'] * 1e3:.1f} ms; a 1-replication chunk "
              f"written as HDF5 bytes {transport[('default', 'encode')] * 1e3:.0f} ms (worker), read back "
              f"{transport[('default', 'decode')] * 1e3:.0f} ms (client)",
              *(f"- {name}: each further replication of a chunk adds "
                f"{transport[(name, 'encode per replication')] * 1e3:.1f} ms to write (worker) and "
                f"{transport[(name, 'decode per replication')] * 1e3:.1f} ms to read (client)" for name in scs),
              f"- one replication, one thread: default {per_rep['default'] * 1e3:.1f} ms, municipality "
              f"{per_rep['municipality'] * 1e3:.1f} ms",
              f"- chunk that keeps the overhead at 10 % of a chunk's time: default "
              f"{math.ceil(task / (0.1 * per_rep['default']))}, municipality "
              f"{math.ceil(task / (0.1 * per_rep['municipality']))} replications "
              f"(tvaer.distributed.DEFAULT_CHUNK = {tvd.DEFAULT_CHUNK})"]
    cost_lines = len(tvaer.scenario.compile_model(scs["municipality"]).lines)
    lines += ["", *national(per_rep["municipality"], task, transport, cost_lines)]
    print("\n".join(lines))


def national(per_rep: float, task: float, transport: dict[tuple[str, str], float], cost_lines: int) -> list[str]:
    """The national what-if on paper, from the municipality's measured times."""
    n = NATIONAL
    runs = n["municipalities"] * n["replications"]
    chunk = tvd.DEFAULT_CHUNK
    tasks = math.ceil(n["replications"] / chunk) * n["municipalities"]
    write = transport[("municipality", "encode per replication")]
    read_fixed, read = transport[("municipality", "decode")], transport[("municipality", "decode per replication")]
    core_s = runs * (per_rep + write) + tasks * task
    wall = core_s / n["cores"]
    client_s = tasks * read_fixed + runs * read
    gb = runs * 2 * cost_lines * n["months"] * 8 / 1e9
    return ["## The national what-if on paper", "",
            f"{n['families']:,} families as {n['municipalities']} municipalities of "
            f"{n['families'] / n['municipalities']:,.0f}, {n['months']} months, {n['replications']:,} replications "
            f"(each runs both arms), {n['cores']} cores, chunks of {chunk}:", "",
            f"- workers: {n['municipalities']} x {n['replications']:,} = {runs:,} municipality-replications x "
            f"({per_rep * 1e3:.1f} ms simulated + {write * 1e3:.1f} ms written) + {tasks:,} tasks x "
            f"{task * 1e3:.0f} ms = {core_s:,.0f} core-seconds; / {n['cores']} cores = {wall:,.0f} s = "
            f"{wall / 60:.1f} minutes",
            f"- client (one process, reads every chunk back): {tasks:,} x {read_fixed * 1e3:.0f} ms + {runs:,} x "
            f"{read * 1e3:.1f} ms = {client_s:,.0f} s = {client_s / 60:.1f} minutes, in parallel with the workers",
            f"- so about {max(wall, client_s) / 60:.1f} minutes if nothing else limits it (an upper side: the task "
            "overhead measured on one worker includes the client's read of a chunk); the costs array alone "
            f"is {runs:,} x 2 arms x {cost_lines} lines x {n['months']} months x 8 bytes = {gb:,.1f} GB: one results file per "
            "municipality (simulate_to_file), not one Results in memory"]

if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
