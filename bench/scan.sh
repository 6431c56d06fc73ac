#!/usr/bin/env bash
# Measures the catalog on a generated ~500 MB image: decompression alone, a
# cold catalog, a warm catalog of an image sharing the base layers, their
# ratios and the peak RSS. Extra arguments go to the program, e.g.
#   bench/scan.sh -scale 0.2                 # a quick, smaller run
#   bench/scan.sh -cpuprofile /tmp/cold.pprof # then: go tool pprof -top /tmp/cold.pprof
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/scan" ./bench/scan
"$bin/scan" "$@"
