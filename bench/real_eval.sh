#!/usr/bin/env bash
# The quality grid the defaults are chosen on: one line per setting, with
# every corpus side by side, through the `mimeo` command as users run it.
#
#   bench/real_eval.sh [--copy] [-- MIMEO_OPTIONS...]
#
# Near-duplicate clusters (default): `mimeo cluster` on
#   * the real messy corpora of bench/real_corpora.sh (copyright files,
#     changelogs, git release notes, python-doc, postgresql-doc, qt-doc
#     and erlang-doc HTML, manual pages, npm package READMEs, reuters21578 wire
#     stories, a mailing-list archive and a crawl of news sites written
#     from real text, Debian package descriptions, C headers, Python
#     modules, fortune sayings, the SPDX licence texts, the SpamAssassin
#     public mail corpus, State of the Union addresses, manual pages in
#     Japanese, Chinese, German and Russian), scored by
#     bench/oracle.cc: the
#     share of pairs inside clusters at exact Jaccard >= 0.3 or containment
#     >= 0.7 (precision), and of pairs at Jaccard >= 0.55 that share a
#     cluster (recall);
#   * wikipedia-versions: pairwise precision, recall and F1 against the
#     article folders;
#   * a generated corpus of 3,000 documents from bbc-news (mimeo_gen):
#     pairwise F1 against its labels (bench/score.cc).
# With --copy, shared copy: `mimeo pairs --mode copy` on the real corpora,
# scored by the oracle (pairs sharing a non-boilerplate run of 8+ words,
# pairs with a non-boilerplate run of 30+ words found, passages per pair).
#
# MIMEO_OPTIONS go to every mimeo run (for example --threshold 0.2).
# Corpora are built under build/real-eval on the first run; each run's
# outputs (build/real-eval/out) replace the last run's. Needs the
# build (tools/build.sh) and ../shared/datasets.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
data="${MIMEO_DATASETS:-$root/../shared/datasets}"
bin="$root/build"
work="$bin/real-eval"
copy=0
if [ "${1:-}" = "--copy" ]; then copy=1; shift; fi
if [ "${1:-}" = "--" ]; then shift; fi
mkdir -p "$work/out"
if [ ! -f "$work/real/.complete" ]; then
  "$root/bench/real_corpora.sh" "$work/real" >&2
  touch "$work/real/.complete"
fi
# The mail archive and the web crawl came later than the other real
# corpora: written here when a tree built before them lacks them.
for c in mail web; do
  [ -d "$work/real/$c" ] || [ ! -d "$data/bbc-news" ] ||
    python3 "$root/bench/${c}_corpus.py" --datasets "$data" \
      --out "$work/real/$c"
done
# So did these (real_corpora.sh builds them alone when named).
for c in debian-desc headers python-src fortunes licenses spamassassin sotu man-ja man-zh man-de man-ru bible apache-doc; do
  [ -d "$work/real/$c" ] || "$root/bench/real_corpora.sh" "$work/real" "$c"
done
[ -f "$work/gen3k/labels.jsonl" ] ||
  "$bin/tools/mimeo_gen" --from "$data/bbc-news" --out "$work/gen3k" \
    --docs 3000 --seed 1 >&2

line="${*:-defaults} |"
for c in copyright python-doc postgresql-doc qt-doc erlang-doc changelog git-relnotes man gcloud-man npm-readme reuters mail web debian-desc headers python-src fortunes licenses spamassassin sotu man-ja man-zh man-de man-ru bible apache-doc; do
  [ -d "$work/real/$c" ] || continue
  if [ $copy = 1 ]; then
    "$bin/tools/mimeo" pairs --mode copy "$work/real/$c" "$@" -q \
      -o "$work/out/$c.jsonl"
    # Stories forwarded or reprinted by more than the oracle's 20 documents
    # (the mail archive and the web crawl list them) are copy the oracle
    # would call boilerplate: their pairs are left out of the precision and
    # counted apart, as the share of them reported ("many").
    many="$work/real/$c/held-by-many.tsv"
    scored="$work/out/$c.jsonl"
    extra=""
    if [ -f "$many" ]; then
      scored="$work/out/$c.others.jsonl"
      extra=$(python3 - "$many" "$work/out/$c.jsonl" "$scored" <<'PY'
import itertools, json, sys
groups, pairs, others = sys.argv[1:]
many = set()
for line in open(groups):
    paths = sorted(line.rstrip("\n").split("\t"))
    many.update(itertools.combinations(paths, 2))
found = 0
with open(others, "w") as out:
    for line in open(pairs):
        p = json.loads(line)
        if tuple(sorted((p["a"], p["b"]))) in many:
            found += p.get("shares_copy", False)
        else:
            out.write(line)
print(" many %d/%d" % (found, len(many)))
PY
)
    fi
    # Precision outside those stories, recall and passages of all pairs.
    precision=$("$bin/bench/mimeo_oracle" score "$work/real/$c" \
      --pairs "$scored" --json |
      python3 -c 'import json,sys; print("%.3f" % json.load(sys.stdin)["copy"]["precision"])')
    figures=$("$bin/bench/mimeo_oracle" score "$work/real/$c" \
      --pairs "$work/out/$c.jsonl" --json |
      python3 -c 'import json,sys; c=json.load(sys.stdin)["copy"]
print("P '"$precision"' R %.3f p99 %d" % (c["recall"], c["passages_per_pair"]["p99"]))')$extra
  else
    "$bin/tools/mimeo" cluster "$work/real/$c" "$@" -q -o "$work/out/$c.jsonl"
    figures=$("$bin/bench/mimeo_oracle" score "$work/real/$c" \
      --clusters "$work/out/$c.jsonl" --json |
      python3 -c 'import json,sys; c=json.load(sys.stdin)["clusters"]
# "-": no pair to score (no cluster, or no pair at the recall Jaccard).
p = "%.3f" % c["precision"] if c["member_pairs"] else "-"
r = "%.3f" % c["recall"] if c["pairs_above_recall_jaccard"] else "-"
print("P %s R %s" % (p, r))')
  fi
  line="$line $c $figures |"
done
if [ $copy = 0 ]; then
  w="$data/wikipedia-versions/version_documents"
  "$bin/tools/mimeo" cluster "$w" "$@" -q -o "$work/out/wiki.jsonl"
  wiki=$(python3 - "$w" "$work/out/wiki.jsonl" <<'PY'
import itertools, json, os, sys
root, clusters = sys.argv[1:]
label = {}
for d, _, files in os.walk(root):
    for f in files:
        if f.endswith(".txt"):
            p = os.path.relpath(os.path.join(d, f), root)
            label[p] = p.split("/")[0]
sizes = {}
for l in label.values():
    sizes[l] = sizes.get(l, 0) + 1
true = sum(n * (n - 1) // 2 for n in sizes.values())
pred = right = 0
for line in open(clusters):
    for a, b in itertools.combinations(json.loads(line)["docs"], 2):
        pred += 1
        right += label[a] == label[b]
p = right / pred if pred else 0
r = right / true
print("P %.3f R %.3f F1 %.3f" % (p, r, 2 * p * r / (p + r) if p + r else 0))
PY
)
  "$bin/tools/mimeo" cluster "$work/gen3k/docs.jsonl" "$@" -q \
    -o "$work/out/gen.jsonl"
  gen=$("$bin/bench/mimeo_score" "$work/gen3k/labels.jsonl" \
    "$work/out/gen.jsonl" --json |
    python3 -c 'import json,sys; s=json.load(sys.stdin)
print("F1 %.3f" % s["pairwise_f1"])')
  line="$line wikipedia-versions $wiki | generated $gen"
fi
echo "$line"
