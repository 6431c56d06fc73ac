#!/usr/bin/env bash
# Push/pull throughput and manifest GET latency of drydock against the CNCF
# distribution registry v3.1.2, same client and images. Tools are installed
# outside the repository, in $DRYDOCK_TOOLS (default ~/.cache/drydock-tools).
# Extra arguments go to the benchmark (e.g. --rounds 5 --layer-size 8388608).
set -euo pipefail
cd "$(dirname "$0")/../.."
tools=${DRYDOCK_TOOLS:-$HOME/.cache/drydock-tools}
mkdir -p "$tools/bin" bench/out
if [ ! -x "$tools/bin/registry" ]; then
  GOBIN="$tools/bin" GOFLAGS=-mod=mod go install github.com/distribution/distribution/v3/cmd/registry@v3.1.2
fi
scripts/build.sh "$tools/bin/drydock-bench"
go build -o "$tools/bin/registry-bench" ./bench/registry
"$tools/bin/registry-bench" --drydock "$tools/bin/drydock-bench" --registry "$tools/bin/registry" "$@" | tee bench/out/registry.txt
