#!/usr/bin/env bash
# Cost of walking a layer against plain decompression of the same blob
# (image/bench_test.go: 2,048 text files, 64 MiB, gzip about 3:1).
# BenchmarkWalk checks both digests (stored blob and DiffID): the worst
# case, since registry images skip the blob hash (go-containerregistry
# checks it while fetching). The machine is shared, so the ratios use CPU
# time per op (user+sys, all threads), the best of the runs.
# Usage: bench/image-walk.sh [count]   (default 5 runs of each benchmark)
set -euo pipefail
cd "$(dirname "$0")/.."
count="${1:-5}"
out=$(go test -run '^$' -bench 'Decompress|Walk' -benchtime 3x -count "$count" ./image/ | tee /dev/stderr)
echo "$out" | awk '
  /^Benchmark/ {
    name=$1; sub(/-[0-9]+$/, "", name)
    for (i=2; i<=NF; i++) if ($i == "cpu-ms/op") cpu=$(i-1)+0
    if (!(name in best) || cpu < best[name]) best[name]=cpu
  }
  END {
    std=best["BenchmarkDecompressStdlib"]; kp=best["BenchmarkDecompressKlauspost"]
    for (n in best) printf "%-30s %8.1f cpu-ms/op\n", n, best[n]
    printf "walk / stdlib gunzip:       %.2fx\n", best["BenchmarkWalk"]/std
    printf "walk / klauspost gunzip:    %.2fx\n", best["BenchmarkWalk"]/kp
    printf "walk+read / stdlib gunzip:  %.2fx\n", best["BenchmarkWalkRead"]/std
  }'
