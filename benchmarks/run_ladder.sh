#!/usr/bin/env bash
# The reference benchmark (shared/bench/ladder.md): the engine and the hand-written baseline side
# by side, single thread, Release. Each N runs in its own process (so peak RSS is per N) with a
# few replications; the table shows medians. Then both implementations' year-1 mean costs per
# family with standard errors across replications (they must agree within statistical error).
# Usage: benchmarks/run_ladder.sh [build-dir=build/bench]   (about one minute on 2 cores)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build/bench}"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j"${JOBS:-1}" --target tvaer_bench_ladder tvaer_bench_ladder_baseline >/dev/null
engine="$build/benchmarks/tvaer_bench_ladder"
baseline="$build/benchmarks/tvaer_bench_ladder_baseline"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

# Small N runs take milliseconds, so they get many replications; engine and baseline alternate
# (three rounds each) so that a burst of load on a shared machine hits both.
reps_for() { case "$1" in 1000000) echo 1 ;; 100000) echo 5 ;; 10000) echo 41 ;; *) echo 201 ;; esac; }
for n in 1000 10000 100000 1000000; do
    for round in 1 2 3; do
        "$engine" "$n" "$(reps_for "$n")" 1 | grep '^N=' >>"$out/engine_$n"
        "$baseline" "$n" "$(reps_for "$n")" 1 | grep '^N=' >>"$out/baseline_$n"
    done
done
"$engine" 100000 20 11 | grep '^N=' >"$out/engine_costs"
"$baseline" 100000 20 11 | grep '^N=' >"$out/baseline_costs"

echo "machine: nproc=$(nproc), $(lscpu | grep -m1 'Model name' | sed 's/  */ /g')"
echo "command: benchmarks/run_ladder.sh (single thread, Release, seed 1, medians over 3 alternating rounds of 201/41/5/1 replications)"
echo
python3 - "$out" <<'PY'
import statistics, sys
out = sys.argv[1]
def runs(path):
    rows = []
    for line in open(path):
        rows.append({k: float(v) for k, v in (kv.split("=") for kv in line.split())})
    return rows
med = lambda rows, key: statistics.median(r[key] for r in rows)
print("| N | events | engine ev/s | baseline ev/s | ratio | engine wall s | baseline wall s | engine peak RSS MB | baseline peak RSS MB | engine bytes/family | baseline bytes/family |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for n in (1000, 10000, 100000, 1000000):
    e, b = runs(f"{out}/engine_{n}"), runs(f"{out}/baseline_{n}")
    ee, be = med(e, "events_per_s"), med(b, "events_per_s")
    print(f"| {n:,} | {med(e, 'events'):,.0f} | {ee/1e6:.2f} M | {be/1e6:.2f} M | {ee/be:.2f} | "
          f"{med(e, 'wall_s'):.3f} | {med(b, 'wall_s'):.3f} | {max(r['peak_rss_mb'] for r in e):.1f} | "
          f"{max(r['peak_rss_mb'] for r in b):.1f} | {med(e, 'engine_bytes_per_family'):.1f} | "
          f"{med(b, 'engine_bytes_per_family'):.1f} |")
print()
print("Year-1 mean cost per family (DKK), N = 100,000, 20 replications, mean +- standard error:")
print()
print("| sector | engine | baseline | difference / SE |")
print("|---|---|---|---|")
e, b = runs(f"{out}/engine_costs"), runs(f"{out}/baseline_costs")
for s in ("employment", "adults", "children"):
    k = "y1_" + s
    me, mb = statistics.mean(r[k] for r in e), statistics.mean(r[k] for r in b)
    se_e = statistics.stdev(r[k] for r in e) / len(e) ** 0.5
    se_b = statistics.stdev(r[k] for r in b) / len(b) ** 0.5
    z = (me - mb) / (se_e ** 2 + se_b ** 2) ** 0.5
    print(f"| {s} | {me:,.0f} +- {se_e:.0f} | {mb:,.0f} +- {se_b:.0f} | {z:+.2f} |")
PY
