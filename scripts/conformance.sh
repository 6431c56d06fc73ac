#!/usr/bin/env bash
# Runs the OCI distribution-spec conformance suite against a real
# `drydock serve` (authentication on, SQLite, temporary data) with every
# optional API and data set switched on, and fails unless every check passes.
#
#   scripts/conformance.sh            # results in bench/out/conformance/
#
# The suite is built once into $DRYDOCK_TOOLS (default
# ~/.cache/drydock-tools), outside the repository, from the Go module proxy.
# Passes: the whole suite on the default server (which refuses image
# manifests whose layers were not pushed, so the suite's "sparse" data set
# is off), then the whole suite with "sparse" on, against a server started
# with --sparse-manifests; and, when DRYDOCK_TEST_POSTGRES names a server
# (scripts/test.sh sets it), the whole suite again with the store on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

suite_version=v0.0.0-20260831232431-97274622c111
tools=${DRYDOCK_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/drydock-tools}
out=${DRYDOCK_CONFORMANCE_OUT:-$root/bench/out/conformance}
suite=$tools/conformance-$suite_version/conformance

if [ ! -x "$suite" ]; then
  echo "conformance: building the OCI conformance suite $suite_version into $(dirname "$suite")" >&2
  mkdir -p "$(dirname "$suite")"
  (
    cd "$(dirname "$suite")"
    printf 'module drydock-conformance-build\n\ngo 1.26\n' > go.mod
    GOFLAGS=-mod=mod go get "github.com/opencontainers/distribution-spec/conformance@$suite_version" >/dev/null
    GOFLAGS=-mod=mod go build -o conformance github.com/opencontainers/distribution-spec/conformance
  )
fi

work=$(mktemp -d)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
scripts/build.sh "$work/drydock"

password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')

# start_server DATA_DIR [FLAGS…]: serve on a free loopback port, wait until ready.
start_server() {
  local data=$1; shift
  for _ in 1 2 3 4 5; do
    port=$((20000 + RANDOM % 20000))
    DRYDOCK_ADMIN_PASSWORD=$password "$work/drydock" serve --addr "127.0.0.1:$port" --data "$data" "$@" \
      >"$data.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 1 100); do
      if curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; then return 0; fi
      if ! kill -0 "$server_pid" 2>/dev/null; then break; fi
      sleep 0.1
    done
    kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true
  done
  echo "conformance: drydock serve did not start; its log:" >&2
  cat "$data.log" >&2
  exit 1
}

stop_server() {
  kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=
}

# run_suite NAME [VAR=VALUE…]: run the suite with everything on, results in $out/NAME.
run_suite() {
  local name=$1; shift
  mkdir -p "$out/$name"
  (
    cd "$work"
    env OCI_REGISTRY="127.0.0.1:$port" OCI_TLS=disabled \
      OCI_REPO1=conformance/repo1 OCI_REPO2=conformance/repo2 \
      OCI_USERNAME=admin OCI_PASSWORD="$password" \
      OCI_VERSION=dev \
      OCI_API_PING=true OCI_API_PULL=true OCI_API_PUSH=true \
      OCI_API_BLOBS_ATOMIC=true OCI_API_BLOBS_DELETE=true OCI_API_BLOBS_DIGEST_HEADER=true \
      OCI_API_BLOBS_MOUNT_ANONYMOUS=true OCI_API_BLOBS_UPLOAD_CANCEL=true \
      OCI_API_MANIFESTS_ATOMIC=true OCI_API_MANIFESTS_DELETE=true OCI_API_MANIFESTS_DIGEST_HEADER=true \
      OCI_API_MANIFESTS_TAG_PARAM=true \
      OCI_API_TAGS_ATOMIC=true OCI_API_TAGS_DELETE=true OCI_API_TAGS_LIST=true OCI_API_REFERRER=true \
      OCI_DATA_IMAGE=true OCI_DATA_INDEX=true OCI_DATA_INDEX_LIST=true OCI_DATA_ARTIFACT=true \
      OCI_DATA_SUBJECT=true OCI_DATA_SUBJECT_MISSING=true OCI_DATA_ARTIFACT_LIST=true \
      OCI_DATA_SUBJECT_LIST=true OCI_DATA_DATA_FIELD=true OCI_DATA_NONDISTRIBUTABLE=true \
      OCI_DATA_CUSTOM_FIELDS=true OCI_DATA_NO_LAYERS=true OCI_DATA_EMPTY_BLOB=true OCI_DATA_SHA512=true \
      OCI_RESULTS_DIR="$out/$name" \
      "$@" "$suite" >"$out/$name/report.txt" 2>"$out/$name/stderr.txt"
  ) || true
  local junit=$out/$name/junit.xml
  if [ ! -s "$junit" ]; then
    echo "conformance: $name produced no results; stderr:" >&2
    cat "$out/$name/stderr.txt" >&2
    exit 1
  fi
  local tests failures errors skipped
  tests=$(grep -o 'tests="[0-9]*"' "$junit" | head -1 | tr -dc 0-9)
  failures=$(grep -o 'failures="[0-9]*"' "$junit" | head -1 | tr -dc 0-9)
  errors=$(grep -o 'errors="[0-9]*"' "$junit" | head -1 | tr -dc 0-9)
  skipped=$(grep -c '<skipped' "$junit" || true)
  failed=$((failures + errors))
  passed=$((tests - failed - skipped))
  echo "conformance $name: $passed passed, $failed failed, $skipped skipped (of $tests; details in $out/$name)"
  total_passed=$((total_passed + passed)); total_failed=$((total_failed + failed)); total_skipped=$((total_skipped + skipped))
  if [ "$failed" -gt 0 ]; then grep -E 'FAIL|Error' "$out/$name/report.txt" | head -40 >&2; fi
}

total_passed=0 total_failed=0 total_skipped=0

start_server "$work/data"
run_suite full OCI_DATA_SPARSE=false
stop_server

start_server "$work/data-sparse" --sparse-manifests
run_suite sparse OCI_DATA_SPARSE=true
stop_server

# The same suite with the store on PostgreSQL, in a schema of its own.
pg=${DRYDOCK_TEST_POSTGRES:-}
if [ -n "$pg" ] && [ "$pg" != skip ]; then
  schema=drydock_conformance_$$
  psql -q "$pg" -c "CREATE SCHEMA $schema" >/dev/null
  sep='?'; case $pg in *\?*) sep='&' ;; esac
  start_server "$work/data-pg" --database "$pg${sep}search_path=$schema"
  run_suite postgres OCI_DATA_SPARSE=false
  stop_server
  psql -q "$pg" -c "DROP SCHEMA $schema CASCADE" >/dev/null 2>&1
else
  echo "conformance: DRYDOCK_TEST_POSTGRES unset or skip: the PostgreSQL pass is skipped" >&2
fi

echo "conformance: $total_passed passed, $total_failed failed, $total_skipped skipped"
[ "$total_failed" -eq 0 ] && [ "$total_skipped" -eq 0 ]
