#!/usr/bin/env bash
# The one test command (README, .ci/run): prepares what the tests need on a
# fresh machine, then runs vet and every test.
set -euo pipefail
cd "$(dirname "$0")/.."

# PostgreSQL: the store's shared suite runs against it as well as SQLite.
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  if command -v pg_ctlcluster >/dev/null; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
  fi
fi

# skopeo: a real client for the registry interop tests (Debian package).
if ! command -v skopeo >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq skopeo) >/dev/null 2>&1 \
      || echo "scripts/test.sh: could not install skopeo; its interop tests will skip" >&2
  fi
fi

# A real Kubernetes control plane for the admission tests: kube-apiserver
# built once into the tools cache, etcd from Debian.
scripts/kube-apiserver.sh >/dev/null
# The cosign CLI for the signing interop tests, built once the same way.
DRYDOCK_COSIGN="${DRYDOCK_COSIGN:-$(scripts/cosign.sh)}"
export DRYDOCK_COSIGN

export DRYDOCK_TEST_POSTGRES="${DRYDOCK_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}"

unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change: $unformatted" >&2
  exit 1
fi
go vet ./...

# staticcheck, built once into the tools cache outside the repository (or
# taken from $PATH when it is the same version).
staticcheck_version=v0.8.2 # staticcheck 2026.2.2, the first to build with Go 1.26
tools="${DRYDOCK_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/drydock-tools}"
staticcheck="$tools/bin/staticcheck"
if [ ! -x "$staticcheck" ] || ! "$staticcheck" -version | grep -q "(${staticcheck_version#v})"; then
  if command -v staticcheck >/dev/null && staticcheck -version | grep -q "(${staticcheck_version#v})"; then
    staticcheck=$(command -v staticcheck)
  else
    GOBIN="$tools/bin" GOFLAGS=-mod=mod go install "honnef.co/go/tools/cmd/staticcheck@$staticcheck_version"
  fi
fi
"$staticcheck" ./...

# Every Go test, verbose into a log: the package lines are shown, the whole
# log only when something failed, and the counts close the run.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
go test -count=1 -timeout 40m -v ./... >"$log" 2>&1 || status=$?
grep -E '^(ok|FAIL|\?) ' "$log" || true
go_passed=$(grep -c '^--- PASS' "$log" || true)
go_failed=$(grep -c '^--- FAIL' "$log" || true)
if [ "$status" -ne 0 ]; then
  cat "$log"
  echo "go test: $go_passed passed, $go_failed failed"
  exit "$status"
fi
echo "go test: $go_passed passed, $go_failed failed"

# The OCI distribution-spec conformance suite, every option on, against a
# real `drydock serve` with authentication (fails on any failed check).
scripts/conformance.sh
