#!/usr/bin/env bash
# Installs, with apt-get, exactly the Debian 12 packages mimeo's build needs
# (with --test, what its tests need; with --bench, what bench/e2e.sh needs;
# with --fuzz, what the fuzz targets of tests/fuzz need).
# Idempotent: packages already present are not fetched again, and apt-get
# update runs only when something is missing. Needs root (or sudo).
set -euo pipefail

packages=(
  cmake g++ make pkg-config
  libabsl-dev          # Status, flat_hash_map, Span, strings
  libxxhash-dev        # XXH3 (pkg-config only)
  libutf8proc-dev      # NFKC, case folding, categories
  libhwy-dev           # SIMD with runtime dispatch
  libtbb-dev           # parallel loops and sorts
  libcli11-dev         # command line
  libgumbo-dev         # HTML to text
  libsimdjson-dev      # reading JSONL
  nlohmann-json3-dev   # the bench scorer reads labels and clusters
  zlib1g-dev libzstd-dev
  liblmdb-dev          # the on-disk index (Engine::Open)
  libgtest-dev libgmock-dev
  libbenchmark-dev
  pybind11-dev python3-dev python3-numpy  # the Python module (python/)
  libopenmpi-dev openmpi-bin  # mimeo-mpi (tools/mpi/) and its tests
)

# --test adds what only the tests use: Chromium, which loads the HTML report
# headlessly (that test skips where it is absent), pytest for the Python
# module's tests, and Dask with its distributed scheduler for the Dask
# example's test (python/examples/dask_dedup.py; skipped without them).
# --bench adds what the end-to-end benchmark uses (bench/e2e.sh): Go and
# ekzhu's minhash-lsh for the peer program, gnuplot for the plot, GNU time
# for peak memory.
# --fuzz adds clang and its runtime libraries, which hold libFuzzer and the
# sanitizers (Debian 12's clang 14), and llvm-symbolizer for their reports.
case "${1:-}" in
  --test) packages+=(chromium python3-pytest python3-dask python3-distributed) ;;
  --fuzz) packages+=(clang libclang-rt-14-dev llvm) ;;
  --bench) packages+=(golang-go golang-github-ekzhu-minhash-lsh-dev gnuplot-nox time python3 python3.11-doc postgresql-doc-15 qtbase5-doc-html erlang-doc) ;;
esac

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi
echo "mimeo: installing ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
