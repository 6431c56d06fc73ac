#!/usr/bin/env bash
# Builds drydock with its version stamped in (what `drydock --version`,
# reports, SBOMs and the audit log say): `git describe` of the checkout,
# "-dirty" when it has uncommitted changes. Usage: scripts/build.sh [OUT]
# (default bin/drydock).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-bin/drydock}"
version="${DRYDOCK_VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo devel)}"
go build -ldflags "-X github.com/drydock/drydock/internal/build.version=$version" -o "$out" ./cmd/drydock
got=$("$out" --version)
if [ "$got" != "drydock $version" ]; then
  echo "scripts/build.sh: $out says \"$got\", want \"drydock $version\"" >&2
  exit 1
fi
