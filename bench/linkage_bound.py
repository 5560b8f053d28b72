#!/usr/bin/env python3
"""What single linkage on exact figures could score against labelled folders.

Reads the pairs `mimeo_oracle score CORPUS --dump-pairs PAIRS.tsv` writes
(every pair sharing a rare shingle, with exact shingle counts), links every
pair a rule accepts, takes the connected components as clusters and scores
them pairwise against the corpus's top-level folders (one folder = one
true cluster, as bench/quality.cc scores wikipedia-versions). No clustering
that joins only pairs a rule accepts can reach further than single linkage
of them, so the recall here is a ceiling for the rule, and the precision
says what its chains cost.

  python3 bench/linkage_bound.py CORPUS PAIRS.tsv

Columns used: id_a id_b shingles_a shingles_b shared (exact word 5-gram
sets of the two documents and their intersection).
"""

import collections
import os
import sys


def folder(doc_id):
    # The top-level folder, as bench/corpora.cc labels a document.
    return doc_id.split("/", 1)[0] if "/" in doc_id else ""


def read_docs(corpus):
    docs = set()
    for top, _, files in os.walk(corpus):
        for name in files:
            if name.endswith(".txt"):
                docs.add(os.path.relpath(os.path.join(top, name), corpus))
    return docs


def read_pairs(path):
    pairs = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            a, b = cols[0], cols[1]
            na, nb, shared = int(cols[2]), int(cols[3]), int(cols[4])
            union = na + nb - shared
            jaccard = shared / union if union else 0.0
            smaller = min(na, nb)
            containment = shared / smaller if smaller else 0.0
            pairs.append((a, b, jaccard, containment))
    return pairs


def score(docs, pairs, accept):
    parent = {d: d for d in docs}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b, j, c in pairs:
        if accept(j, c):
            parent[find(a)] = find(b)
    clusters = collections.defaultdict(list)
    for d in docs:
        clusters[find(d)].append(d)
    truth = collections.Counter(folder(d) for d in docs)
    true_pairs = sum(n * (n - 1) // 2 for n in truth.values())
    right = wrong = 0
    for members in clusters.values():
        by_folder = collections.Counter(folder(d) for d in members)
        same = sum(n * (n - 1) // 2 for n in by_folder.values())
        right += same
        wrong += len(members) * (len(members) - 1) // 2 - same
    p = right / (right + wrong) if right + wrong else 1.0
    r = right / true_pairs if true_pairs else 1.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f1


RULES = [
    ("Jaccard >= 0.3 or containment >= 0.7 (the real corpora's bar)",
     lambda j, c: j >= 0.3 or c >= 0.7),
    ("Jaccard >= 0.2 or containment >= 0.5", lambda j, c: j >= 0.2 or c >= 0.5),
    ("Jaccard >= 0.5", lambda j, c: j >= 0.5),
] + [("Jaccard >= %g" % t, (lambda t: lambda j, c: j >= t)(t))
     for t in (0.2, 0.1, 0.07, 0.05, 0.03, 0.02, 0.01)] + [
    ("containment >= %g" % t, (lambda t: lambda j, c: c >= t)(t))
    for t in (0.5, 0.3, 0.2, 0.1)] + [
    ("any rare shingle shared", lambda j, c: True),
]


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    corpus, path = sys.argv[1], sys.argv[2]
    pairs = read_pairs(path)
    docs = read_docs(corpus)
    for a, b, _, _ in pairs:
        docs.add(a)
        docs.add(b)
    print("| single linkage of the pairs at | P | R | F1 |")
    print("|---|---|---|---|")
    for name, accept in RULES:
        p, r, f1 = score(docs, pairs, accept)
        print("| %s | %.3f | %.3f | %.3f |" % (name, p, r, f1))


if __name__ == "__main__":
    main()
