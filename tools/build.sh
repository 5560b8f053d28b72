#!/usr/bin/env bash
# Installs the dependencies (tools/install-deps.sh) and builds mimeo in
# ./build (Release), showing the build's progress. Shared by the README's
# two commands. --target NAME builds only NAME and what it needs (the demo
# builds the command, mimeo_cli, and no tests or benchmarks); the other
# arguments go to install-deps.sh.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
target=()
deps=()
while (($#)); do
  case "$1" in
    --target) target=(--target "$2"); shift 2 ;;
    *) deps+=("$1"); shift ;;
  esac
done
bash "$root/tools/install-deps.sh" "${deps[@]}"
cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$root/build" -j "$(nproc)" "${target[@]}"
