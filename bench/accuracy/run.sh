#!/usr/bin/env bash
# Findings on a Debian 12 root filesystem made of this machine's real
# packages — Debian's skopeo and nats-server (Go binaries built by Debian with
# go1.19.8), login, passwd, tar, libc6, util-linux — plus an app layer: an npm
# tree (package.json, package-lock.json and node_modules), a Go binary built
# here against golang.org/x/text v0.3.6, a Spring Boot style jar nesting
# log4j-core 2.14.1 and a jar without pom.properties. The records are the
# fixtures: golang/vulndb's (modified 0001-01-01), Debian's, GitHub's.
#
#   bench/accuracy/run.sh                       # this tree's drydock
#   bench/accuracy/run.sh /path/to/old/drydock  # and an older build beside it
#
# Needs a Debian machine with skopeo and nats-server installed, go, jq, zip.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
work=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
root="$work/rootfs"
mkdir -p "$root/etc" "$root/var/lib/dpkg/info" "$root/usr/bin" "$root/usr/sbin" "$root/app/node_modules/ip" "$root/app/lib"

cp /etc/os-release "$root/etc/os-release"
for p in skopeo nats-server; do cp "/var/lib/dpkg/info/$p.list" "$root/var/lib/dpkg/info/"; done
cp /usr/bin/skopeo "$root/usr/bin/"
cp /usr/sbin/nats-server "$root/usr/sbin/"
dpkg-query -s skopeo nats-server login passwd tar libc6 bsdutils libuuid1 util-linux > "$root/var/lib/dpkg/status"

cat > "$root/app/package.json" <<'JSON'
{"name": "acc-app", "version": "1.0.0", "dependencies": {"ip": "2.0.0"}}
JSON
cat > "$root/app/package-lock.json" <<'JSON'
{"name": "acc-app", "version": "1.0.0", "lockfileVersion": 3, "requires": true,
 "packages": {"": {"name": "acc-app", "version": "1.0.0", "dependencies": {"ip": "2.0.0"}},
  "node_modules/ip": {"version": "2.0.0", "resolved": "https://registry.npmjs.org/ip/-/ip-2.0.0.tgz"}}}
JSON
echo '{"name": "ip", "version": "2.0.0"}' > "$root/app/node_modules/ip/package.json"

src="$work/src"
mkdir -p "$src/server" "$src/jar/inner/META-INF/maven/org.apache.logging.log4j/log4j-core" "$src/jar/boot/BOOT-INF/lib" "$src/jar/plain/META-INF"
printf 'module example.com/server\n\ngo 1.22\n\nrequire golang.org/x/text v0.3.6\n' > "$src/server/go.mod"
printf 'package main\n\nimport (\n\t"fmt"\n\t"os"\n\n\t"golang.org/x/text/language"\n)\n\nfunc main() { fmt.Println(language.Parse(os.Args[len(os.Args)-1])) }\n' > "$src/server/main.go"
(cd "$src/server" && GOFLAGS=-mod=mod GOTOOLCHAIN=local go build -ldflags="-s -w" -o "$root/app/server" .)
printf 'groupId=org.apache.logging.log4j\nartifactId=log4j-core\nversion=2.14.1\n' > "$src/jar/inner/META-INF/maven/org.apache.logging.log4j/log4j-core/pom.properties"
(cd "$src/jar/inner" && zip -qr "$src/jar/boot/BOOT-INF/lib/log4j-core-2.14.1.jar" .)
(cd "$src/jar/boot" && zip -qr "$root/app/lib/boot-app.jar" .)
printf 'Manifest-Version: 1.0\r\nCreated-By: javac\r\n\r\n' > "$src/jar/plain/META-INF/MANIFEST.MF"
(cd "$src/jar/plain" && zip -qr "$root/app/lib/acc-app-1.0.jar" .)

run() { # label, drydock binary
	local db="$work/$1.db"
	echo "== $1"
	for s in vulndb/testdata/golang-vulndb sbom/testdata/tools/osv; do
		"$2" db import --db "$db" --source "$(basename "$s")" "$repo/$s" 2>&1 | sed 's/^/   import: /' | grep -v '^   import: database:' || true
	done
	mkdir -p "$work/ghsa"
	cp "$repo"/match/testdata/osv/GHSA-2p57-rm9w-gvfp.json "$repo"/match/testdata/osv/GHSA-jfh8-c2jp-5v3q.json "$work/ghsa/"
	"$2" db import --db "$db" --source ghsa "$work/ghsa" >/dev/null
	"$2" scan "dir:$root" --no-cache --db "$db" --format json > "$work/$1.json" 2>"$work/$1.err" || true
	jq -r '
		def kind: .package.type + (if .package.owner then " (in deb " + .package.owner + ")" else "" end);
		"   findings: \(.findings | length)",
		(.findings | group_by(kind) | .[] | "     \(.[0] | kind): \(length)"),
		"   npm findings: " + ([.findings[] | select(.package.type == "npm") | .id + " " + .package.path] | join(", ")),
		"   java findings: " + ([.findings[] | select(.package.type == "java") | .id + " " + .package.path] | join(", ")),
		"   Go symbols: " + ([.findings[] | select(.goSymbols) | .goSymbols] | group_by(.) | map("\(.[0]) \(length)") | join(", "))
	' "$work/$1.json"
	"$2" sbom "dir:$root" --format json 2>/dev/null | jq -r '
		"   packages: \(.packages | length); npm: " + ([.packages[] | select(.type == "npm") | .name + "@" + .version] | join(", ")),
		"   go main modules: " + ([.packages[] | select(.type == "go-module" and (.name | startswith("example.com"))) | .purl] | join(", ")),
		"   java: " + ([.packages[] | select(.type == "java") | .purl + " " + .path] | join(", "))'
	sed 's/^/   stderr: /' "$work/$1.err" | head -5
}
go build -o "$work/drydock" ./cmd/drydock
if [ $# -gt 0 ]; then run before "$1"; fi
run after "$work/drydock"
