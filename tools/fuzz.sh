#!/usr/bin/env bash
# Builds the fuzz targets of tests/fuzz with clang, libFuzzer, and the
# address and undefined sanitizers in ./build-fuzz, then runs each for
# SECONDS (default 60) from its seed corpus. New inputs go to a scratch
# corpus, not the committed one; a crash, leak or failed check stops the
# target, leaves the input in build-fuzz/artifacts/, and fails the script
# (after the other targets ran).
#   bash tools/fuzz.sh [SECONDS [TARGET...]]
# TARGET is one of normalize, align, snapshot, byte_stream, html, mail,
# jsonl
# (default: all).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-60}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(normalize align snapshot byte_stream html mail jsonl)
fi

bash "$root/tools/install-deps.sh" --fuzz
build="$root/build-fuzz"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER=clang++ -DMIMEO_FUZZ=ON \
  -DMIMEO_SANITIZE="address;undefined" -DMIMEO_BUILD_BENCHMARKS=OFF \
  >/dev/null
cmake --build "$build" --target fuzzers -j "$(nproc)"

mkdir -p "$build/artifacts"
failed=()
for t in "${targets[@]}"; do
  scratch=$(mktemp -d)
  echo "fuzz: $t for ${seconds}s" >&2
  if ! "$build/tests/fuzz/${t}_fuzzer" "$scratch" "$root/tests/fuzz/corpus/$t" \
      -max_total_time="$seconds" -timeout=30 -rss_limit_mb=4096 \
      -print_final_stats=1 -artifact_prefix="$build/artifacts/$t-" \
      2>"$build/artifacts/$t.log"; then
    failed+=("$t")
    tail -60 "$build/artifacts/$t.log" >&2
  fi
  grep -E '^(#[0-9]+[[:space:]]+DONE|stat::number_of_executed_units|stat::peak_rss_mb)' \
    "$build/artifacts/$t.log" >&2 || true
  rm -rf "$scratch"
done
if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzz: findings in ${failed[*]} (inputs in $build/artifacts/)" >&2
  exit 1
fi
echo "fuzz: ${#targets[@]} targets ran ${seconds}s each, no finding" >&2
