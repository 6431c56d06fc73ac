#!/usr/bin/env bash
# Checks drydock's Go symbol verdicts (present / absent) against govulncheck's
# binary mode, finding by finding, on three binaries built here against
# golang.org/x/text v0.3.6 (vulnerable to GO-2021-0113 and GO-2022-1059):
# one calling language.Parse, one using only unicode/norm, and the first
# again stripped (-ldflags "-s -w"). Both tools read the same records,
# vulndb/testdata/golang-vulndb: govulncheck from a local database in its
# own layout (-db file://…), drydock from `drydock db import`.
#
# For the stripped binary govulncheck v1.9.0 cannot read function symbols and
# falls back to package level (every vulnerable function of a linked-in
# package counts as present), so drydock's verdicts there are checked against
# govulncheck's on the same program unstripped (calls); govulncheck's own
# stripped answer is printed beside them.
#
# govulncheck is installed with `go install` into
# ${XDG_CACHE_HOME:-$HOME/.cache}/drydock-tools/bin; the binaries' modules
# come from the Go module proxy into the usual module cache.
# Needs: go, jq. Exit 0 when every finding agrees, 1 otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

govulncheck_version=v1.9.0
tools="${XDG_CACHE_HOME:-$HOME/.cache}/drydock-tools"
govulncheck="$tools/govulncheck-$govulncheck_version/govulncheck"
if [ ! -x "$govulncheck" ]; then
	echo "installing govulncheck $govulncheck_version into ${govulncheck%/*}" >&2
	GOBIN="${govulncheck%/*}" GOTOOLCHAIN=local go install "golang.org/x/vuln/cmd/govulncheck@$govulncheck_version"
fi
command -v jq >/dev/null || { echo "govulncheck-agree: jq is needed (apt-get install jq)" >&2; exit 2; }

work=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT

# govulncheck's database layout: index/db.json, index/modules.json,
# index/vulns.json and ID/<id>.json.
db="$work/govulndb"
mkdir -p "$db/index" "$db/ID"
records=("$repo"/vulndb/testdata/golang-vulndb/GO-*.json)
cp "${records[@]}" "$db/ID/"
echo '{"modified":"2026-01-01T00:00:00Z"}' > "$db/index/db.json"
jq -s '[.[] | {id, modified: "2026-01-01T00:00:00Z", aliases}]' "${records[@]}" > "$db/index/vulns.json"
jq -s '[.[] | {id, fixed: (.affected[0].ranges[0].events | map(.fixed // empty) | last), path: .affected[0].package.name}]
	| group_by(.path) | map({path: .[0].path, vulns: map({id, modified: "2026-01-01T00:00:00Z", fixed})})' \
	"${records[@]}" > "$db/index/modules.json"

# The binaries.
build() { # name, package to use, ldflags
	local dir="$work/src/$1"
	mkdir -p "$dir"
	printf 'module example.com/%s\n\ngo 1.22\n\nrequire golang.org/x/text v0.3.6\n' "$1" > "$dir/go.mod"
	cat > "$dir/main.go"
	(cd "$dir" && GOFLAGS=-mod=mod GOTOOLCHAIN=local go build -ldflags="$2" -o "$work/bin/$1" .)
}
build calls "" <<'GO'
package main

import (
	"fmt"
	"os"

	"golang.org/x/text/language"
)

func main() { fmt.Println(language.Parse(os.Args[len(os.Args)-1])) }
GO
build nocall "" <<'GO'
package main

import (
	"fmt"
	"os"

	"golang.org/x/text/unicode/norm"
)

func main() { fmt.Println(norm.NFC.String(os.Args[len(os.Args)-1])) }
GO
cp "$work/src/calls/main.go" "$work/calls.go"
build stripped "-s -w" < "$work/calls.go"

go build -o "$work/drydock" ./cmd/drydock
"$work/drydock" db import --db "$work/vuln.db" "$repo/vulndb/testdata/golang-vulndb" >/dev/null

status=0
absent=0 total=0
for bin in calls nocall stripped; do
	# govulncheck: a finding whose trace names a function is symbol level.
	"$govulncheck" -mode=binary -db "file://$db" -format json "$work/bin/$bin" > "$work/$bin.govulncheck.json" || true
	jq -r 'select(.finding) | .finding | [.osv, (if .trace[0].function then "present" else "absent" end)] | @tsv' \
		"$work/$bin.govulncheck.json" | sort | awk -F'\t' '{s[$1] = (s[$1] == "present" || $2 == "present") ? "present" : "absent"} END {for (k in s) print k "\t" s[k]}' \
		| sort > "$work/$bin.want"
	mkdir -p "$work/rootfs-$bin/app"
	cp "$work/bin/$bin" "$work/rootfs-$bin/app/$bin"
	"$work/drydock" scan "dir:$work/rootfs-$bin" --no-cache --db "$work/vuln.db" --format json > "$work/$bin.drydock.json" 2>/dev/null || true
	jq -r '.findings[] | select(.package.type == "go-module" or .package.type == "go-stdlib")
		| [(.ids[] | select(startswith("GO-"))), .goSymbols] | @tsv' "$work/$bin.drydock.json" | sort > "$work/$bin.got"
	want="$work/$bin.want"
	if [ "$bin" = stripped ]; then
		echo "stripped: govulncheck (package level): $(tr '\t\n' ' ,' < "$want")"
		want="$work/calls.want"
	fi
	if diff -u --label "govulncheck ${want##*/}" --label "drydock $bin" "$want" "$work/$bin.got"; then
		echo "$bin: agree: $(tr '\t\n' ' ,' < "$work/$bin.got")"
	else
		status=1
	fi
	total=$((total + $(wc -l < "$work/$bin.got")))
	absent=$((absent + $(grep -c $'\tabsent$' "$work/$bin.got" || true)))
done
echo "Go findings marked absent: $absent of $total"
exit $status
