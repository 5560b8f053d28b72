#!/usr/bin/env bash
# Builds the tests that exercise concurrency with ThreadSanitizer in
# ./build-tsan and runs them; any race report fails the script (after the
# other tests ran). Not part of .ci/run: the build takes about 7 minutes and
# the run about 6 on two cores.
#   bash tools/tsan.sh [TEST...]
# TEST is one of the tests below (default: all).
#
# The run is pinned to one CPU (taskset -c 0), so that oneTBB, which sizes
# its pool from the affinity mask, starts no worker threads: libtbb is not
# instrumented, so TSan cannot see the synchronisation between a parallel_for
# and its workers and would report every parallel loop as a race (hundreds of
# false reports per test). mimeo's own threads (concurrent Add, Query, Save,
# Commit in engine_test; the lock in writer_preferring_mutex_test; two
# processes on one index in durable_test) still run concurrently, and TSan's
# detection does not depend on timing. Races between the tasks of one
# parallel loop are not covered; that needs a oneTBB built with TSan.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tests=("$@")
if [ ${#tests[@]} -eq 0 ]; then
  tests=(writer_preferring_mutex_test atomic_file_test boilerplate_test
         engine_test durable_test cli_input_test cli_test)
fi

build="$root/build-tsan"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DMIMEO_SANITIZE=thread -DMIMEO_BUILD_BENCHMARKS=OFF -DMIMEO_PYTHON=OFF \
  >/dev/null
cmake --build "$build" --target "${tests[@]}" -j "$(nproc)"

# Reports of every process (the tests start mimeo and durable_child too).
logs="$build/tsan-logs"
rm -rf "$logs"
mkdir -p "$logs"
export TSAN_OPTIONS="halt_on_error=0 second_deadlock_stack=1 log_path=$logs/report"
failed=()
for t in "${tests[@]}"; do
  echo "tsan: $t" >&2
  if ! taskset -c 0 "$build/tests/$t" >"$logs/$t.out" 2>&1; then
    failed+=("$t")
    tail -n 20 "$logs/$t.out" >&2
  fi
done
if compgen -G "$logs/report.*" >/dev/null; then
  echo "tsan: race reports in $logs/report.*" >&2
  failed+=("(reports)")
fi
if [ ${#failed[@]} -gt 0 ]; then
  echo "tsan: failed: ${failed[*]}" >&2
  exit 1
fi
echo "tsan: no race reported in ${tests[*]}" >&2
