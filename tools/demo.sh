#!/usr/bin/env bash
# The README's first command: build, then cluster the bundled demo corpus
# (a terminal table with the shared passages), and write the same clusters
# as an HTML page with both texts of each pair side by side.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/tools/build.sh" >/dev/null
cd "$root/datasets/demo"
"$root/build/tools/mimeo" cluster texts --format table "$@"
"$root/build/tools/mimeo" cluster texts --format html -o "$root/build/demo.html" --quiet
echo "The same clusters, side by side: $root/build/demo.html" >&2
