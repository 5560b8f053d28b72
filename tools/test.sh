#!/usr/bin/env bash
# The README's second command: build, then run every test. Tests that need
# ../shared/datasets skip when it is absent.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/tools/build.sh" --test
cd "$root/build"
ctest --output-on-failure -j "$(nproc)"
