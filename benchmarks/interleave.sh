#!/usr/bin/env bash
# Compares builds of the ladder benchmark side by side on a noisy machine: runs the binaries in
# turn, one process each, ROUNDS times, and prints each binary's best and median events/s.
# usage: benchmarks/interleave.sh N ROUNDS REPS BIN...
#   e.g. benchmarks/interleave.sh 10000 6 41 /tmp/before/tvaer_bench_ladder build/bench/benchmarks/tvaer_bench_ladder
# (docs/performance.md: "interleaved runs"). Every replication of every process counts as a run.
set -euo pipefail
if [ $# -lt 4 ]; then
    echo "usage: $0 N ROUNDS REPS BIN..." >&2
    exit 2
fi
n=$1; rounds=$2; reps=$3; shift 3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for _ in $(seq "$rounds"); do
    i=0
    for bin in "$@"; do
        "$bin" "$n" "$reps" 1 | grep '^N=' | sed -E 's/.*events_per_s=([0-9]+).*/\1/' >> "$tmp/$i"
        i=$((i + 1))
    done
done
i=0
for bin in "$@"; do
    sort -n "$tmp/$i" | awk -v b="$bin" -v n="$n" '{a[NR]=$1} END {printf "%s N=%d runs=%d best=%.2fM median=%.2fM\n", b, n, NR, a[NR]/1e6, a[int((NR+1)/2)]/1e6}'
    i=$((i + 1))
done
