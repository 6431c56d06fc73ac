#!/usr/bin/env bash
# Prepares a real Kubernetes control plane for the admission tests: builds
# kube-apiserver from the tools module in tools/kube-apiserver into a cache
# outside the repository (reused when present; the first build takes several
# minutes on 2 cores), and installs etcd-server from Debian when etcd is
# missing. Prints the path of the kube-apiserver binary.
set -euo pipefail
cd "$(dirname "$0")/.."

version=v1.37.2
cache="${XDG_CACHE_HOME:-$HOME/.cache}/drydock-tools"
bin="$cache/kube-apiserver-$version"

if [ ! -x "$bin" ]; then
  mkdir -p "$cache"
  echo "scripts/kube-apiserver.sh: building kube-apiserver $version into $bin (several minutes)" >&2
  (cd tools/kube-apiserver && nice -n 10 go build -trimpath -ldflags='-s -w' -o "$bin.partial" .)
  mv "$bin.partial" "$bin"
fi

if ! command -v etcd >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq etcd-server) >/dev/null 2>&1 \
      || echo "scripts/kube-apiserver.sh: could not install etcd-server; the API server tests will skip" >&2
  else
    echo "scripts/kube-apiserver.sh: etcd is missing (Debian package etcd-server); the API server tests will skip" >&2
  fi
fi

echo "$bin"
