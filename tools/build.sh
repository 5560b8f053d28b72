#!/usr/bin/env bash
# Installs the dependencies (tools/install-deps.sh) and builds mimeo in
# ./build (Release). Shared by the README's two commands; arguments go to
# install-deps.sh.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/tools/install-deps.sh" "$@"
cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$root/build" -j "$(nproc)"
