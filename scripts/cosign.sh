#!/usr/bin/env bash
# Installs the cosign CLI (v3.1.3, from the Go module proxy) into a cache
# outside the repository and prints its path; a cached build is reused.
# The interop tests (sign/interop_test.go) run it when $DRYDOCK_COSIGN is
# not set:   DRYDOCK_COSIGN=$(scripts/cosign.sh) go test ./sign -run Cosign
set -euo pipefail
version=v3.1.3
tools=${DRYDOCK_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/drydock-tools}
bin="$tools/cosign-$version/bin"
if [ ! -x "$bin/cosign" ]; then
  mkdir -p "$bin"
  echo "scripts/cosign.sh: building cosign $version into $bin (a few minutes, once)" >&2
  GOBIN="$bin" GOFLAGS=-mod=mod nice go install "github.com/sigstore/cosign/v3/cmd/cosign@$version" >&2
fi
echo "$bin/cosign"
