#!/usr/bin/env bash
# Builds the peer program (bench/peer/main.go) against Debian's packaged
# ekzhu/minhash-lsh into build/bench/mimeo_peer. Needs golang-go and
# golang-github-ekzhu-minhash-lsh-dev (tools/install-deps.sh --bench).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
mkdir -p "$root/build/bench/gocache"
cd "$root/bench/peer"
GOPATH=/usr/share/gocode GO111MODULE=off GOCACHE="$root/build/bench/gocache" \
  go build -o "$root/build/bench/mimeo_peer" main.go
