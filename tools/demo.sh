#!/usr/bin/env bash
# The README's first command: build the mimeo command (only it: the tests
# and benchmarks are tools/test.sh's), then cluster the bundled demo corpus
# (a terminal table with the shared passages), and write the same clusters
# as an HTML page with both texts of each pair side by side. The build's
# progress goes to stderr, the clusters to stdout.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
echo "Building the mimeo command in $root/build (a few minutes the first time)" >&2
bash "$root/tools/build.sh" --target mimeo_cli >&2
cd "$root/datasets/demo"
"$root/build/tools/mimeo" cluster texts --format table "$@"
"$root/build/tools/mimeo" cluster texts --format html -o "$root/build/demo.html" --quiet
echo "The same clusters, side by side: $root/build/demo.html" >&2
