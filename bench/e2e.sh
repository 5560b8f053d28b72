#!/usr/bin/env bash
# The end-to-end benchmark: generated corpora of 10k, 100k and 1M documents
# (mimeo_gen from bbc-news), each clustered by `mimeo cluster` at its
# defaults, by `mimeo cluster` at the peer's parameters (LSH and Jaccard
# threshold 0.5, containment off), and by the peer program on ekzhu's Go
# minhash-lsh (bench/peer); wall time and peak memory from GNU time, and
# precision/recall by kind from mimeo_score. Then the labelled real
# corpora: wikipedia-versions (clusters against the article folders),
# pan13-text-alignment and clough-stevenson (shared passages against the
# labelled pairs).
#
#   bench/e2e.sh [SIZES...]     default: 10000 100000 1000000
#
# Writes build/e2e/results.tsv, build/e2e/real.txt and, with gnuplot,
# bench/scaling.png.
# Needs tools/install-deps.sh --bench. The 1M corpus takes 2.3 GB of disk,
# about 3 minutes to generate, and the peer about 8 GB of memory on it.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
data="${MIMEO_DATASETS:-$root/../shared/datasets}"
"$root/tools/install-deps.sh" --bench
"$root/tools/build.sh"
"$root/bench/peer/build.sh"
bin="$root/build"
out="$bin/e2e"
mkdir -p "$out"
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000 1000000)

results="$out/results.tsv"
printf 'corpus\tdocs\tMB\tengine\tseconds\tpeak_MB\tMB_per_s\tlink_recall\tpairwise_precision\tpairwise_recall\tpairwise_f1\treprint_recall\n' > "$results"

# run NAME CORPUS_DIR LABELS CMD... : times CMD (which writes $out/$NAME.jsonl)
run() {
  local name="$1" dir="$2" engine="$3"; shift 3
  local mb docs
  docs=$(wc -l < "$dir/docs.jsonl")
  mb=$(python3 -c "import os;print(round(os.path.getsize('$dir/docs.jsonl')/1e6,1))" 2>/dev/null || du -m "$dir/docs.jsonl" | cut -f1)
  /usr/bin/time -f '%e %M' -o "$out/time.txt" "$@"
  read -r seconds kb < "$out/time.txt"
  local score
  score=$("$bin/bench/mimeo_score" "$dir/labels.jsonl" "$out/$name.jsonl" --json)
  python3 - "$score" "$name" "$docs" "$mb" "$engine" "$seconds" "$kb" >> "$results" <<'PY'
import json, sys
s = json.loads(sys.argv[1]); name, docs, mb, engine, sec, kb = sys.argv[2:]
print("\t".join(map(str, [name, docs, mb, engine, sec, round(int(kb) / 1024),
      round(float(mb) / float(sec), 1), round(s["link_recall"], 4),
      round(s["pairwise_precision"], 4), round(s["pairwise_recall"], 4),
      round(s["pairwise_f1"], 4), round(s["kinds"]["reprint"]["link_recall"], 4)])))
PY
  tail -1 "$results"
}

for n in "${sizes[@]}"; do
  dir="$out/gen$n"
  [ -f "$dir/labels.jsonl" ] || "$bin/tools/mimeo_gen" --from "$data/bbc-news" --out "$dir" --docs "$n" --seed 1
  run "gen$n" "$dir" mimeo "$bin/tools/mimeo" cluster "$dir/docs.jsonl" -q -o "$out/gen$n.jsonl"
  run "gen$n" "$dir" mimeo-0.5 "$bin/tools/mimeo" cluster "$dir/docs.jsonl" -q \
      --lsh-threshold 0.5 --threshold 0.5 --containment 2 -o "$out/gen$n.jsonl"
  run "gen$n" "$dir" peer sh -c "'$bin/bench/mimeo_peer' '$dir/docs.jsonl' > '$out/gen$n.jsonl'"
done

# The labelled real corpora, each with its wall time and peak memory.
real="$out/real.txt"
: > "$real"
timed() {
  echo "\$ $*" | sed "s|$bin/||g; s|$data/||g" >> "$real"
  /usr/bin/time -f 'wall %e s, peak %M KB' -o "$out/time.txt" "$@" >> "$real" 2>&1
  cat "$out/time.txt" >> "$real"
  echo >> "$real"
}
timed "$bin/bench/mimeo_quality" clusters "$data/wikipedia-versions/version_documents"
timed "$bin/bench/mimeo_copy_eval" pan13 "$data/pan13-text-alignment"
timed "$bin/bench/mimeo_copy_eval" clough "$data/clough-stevenson"
cat "$real"

if command -v gnuplot > /dev/null; then
  gnuplot -e "results='$results'; output='$root/bench/scaling.png'" "$root/bench/scaling.gp"
  echo "plot: bench/scaling.png"
fi
