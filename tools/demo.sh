#!/usr/bin/env bash
# The README's first command: build, then cluster the bundled demo corpus.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/tools/build.sh" >/dev/null
"$root/build/tools/mimeo" cluster "$root/datasets/demo/texts" --format table "$@"
