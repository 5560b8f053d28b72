#!/usr/bin/env python3
"""Near-duplicate clusters of a JSONL dump on a Dask cluster: the answer of
`mimeo cluster DUMP.jsonl`, computed past one machine.

    python3 python/examples/dask_dedup.py dump.jsonl -o clusters.jsonl
    python3 python/examples/dask_dedup.py dump.jsonl -o clusters.jsonl --workers 8
    python3 python/examples/dask_dedup.py dump.jsonl -o clusters.jsonl \\
        --scheduler tcp://10.0.0.1:8786      # a running Dask cluster

Each line of the dump is a JSON object with a string field "text" and an id
in "id" (--text-field, --id-field), as the command reads it. The output is
the command's JSONL: one line per cluster, {"cluster", "size", "docs",
"representative", "pairs"}. Needs Dask (Debian: python3-dask and
python3-distributed) and the mimeo module on every worker.

The pipeline, each step a set of Dask tasks over numpy arrays:

 1. Read and sketch. The dump is cut into blocks of whole lines
    (dask.bag.read_text, --blocksize); each block is parsed on a worker,
    and every document shingled (mimeo.shingles, made a set), signed
    (mimeo.MinHasher) and cut into LSH band keys (mimeo.LshIndex.band_keys,
    at the banding mimeo.lsh_params picks for --lsh-threshold). The sketches
    stay on the workers; DocIds are given in line order, as the command
    gives them.
 2. Boilerplate. Document frequencies of the shingles are counted in a
    shuffle (each block's counts split by shingle, summed per range); the
    shingles in --boilerplate-docs documents or more are common, the
    boilerplate model of the command (boilerplate.h), and go to every
    worker.
 3. Candidates. The (band, key, DocId) records are shuffled by key; every
    bucket gives its pairs: all pairs of a bucket of up to --large-bucket
    documents, and past that each member with the bucket's smallest DocId
    (k - 1 pairs), exactly as the command's join (lsh_index.h). Not k - 1
    pairs in every bucket: a bucket's first document need not resemble the
    rest, and pairing each member with it alone loses pairs the command
    verifies (on the 300 generated documents of the test, 238 of the 427
    pairs inside clusters are found, and 2 of 69 clusters change). Pairs
    are then grouped by the two blocks holding their documents.
 4. Verification. Each group of pairs is verified where the two blocks'
    sketches are, on the exact shingle sets with the command's rule
    (verify.h): Jaccard or containment, on the whole sets and on the rare
    shingles, and the MinHash shortcut that refuses a pair whose estimate
    is three standard errors below every threshold.
 5. Components and clusters. The verified pairs (far fewer than the
    candidates) are joined into connected components on the client; each
    component's documents are shuffled to one task, which runs the
    command's guarded clustering (cluster.h): edges of higher Jaccard
    first, a group's core its heaviest document, a merge refused unless
    every joining member is a near-duplicate, by the member thresholds, of
    the core and its first members. Clusters never cross components, so this
    gives the clusters one run over all documents gives.

Same answer as the command. With the same flags (--threshold,
--containment, --member-jaccard, --member-containment, --boilerplate-docs,
--lsh-threshold, --num-perm, --shingle, --seed, --text-field, --id-field),
the clusters, their representatives and their pairs are those of `mimeo
cluster DUMP.jsonl`; python/tests/test_dask_example.py checks it on two
corpora. Where they can differ:
  * texts the command reads as HTML (a text field starting with <html or
    <!DOCTYPE html, or holding markup; --text-format auto) are taken here
    as they are: compare with `mimeo cluster --text-format text`, or strip
    the markup first;
  * an id seen before is renamed FILE:LINE, as by the command, but the
    "#2" the command adds when that name is itself taken is not;
  * invalid UTF-8 is replaced by Python's decoder, which may put another
    number of U+FFFD than the command's repair;
  * a dump compressed with gzip or zstd is read as one block (decompress
    it first to spread it);
  * texts over the command's 256 MiB limit are not skipped.
What one machine holds: the client gathers the verified pairs (not the
candidates) and the boilerplate shingles, which go to every worker; each
component is clustered in one task.
"""
import argparse
import collections
import dataclasses
import json
import math
import sys
import time
import zlib

import numpy as np

import mimeo


@dataclasses.dataclass(frozen=True)
class Rule:
    """A pair rule of the command's verifier (Verifier::Options)."""
    jaccard: float
    containment: float  # above 1: containment off
    min_containment_shingles: int
    common_jaccard: float  # whole-set Jaccard that passes however common


# The engine's defaults (Engine::Options), which the command shares: the
# thresholds below are read from them, so that this example cannot drift
# from the library when a default changes.
_ENGINE_DEFAULTS = mimeo.Engine().options


@dataclasses.dataclass(frozen=True)
class Options:
    """The command's options that decide its clusters, at its defaults."""
    text_field: str = "text"
    id_field: str = "id"
    num_perm: int = 128
    shingle: int = 5
    seed: int = 1
    lsh_threshold: float = _ENGINE_DEFAULTS["lsh_threshold"]
    large_bucket: int = _ENGINE_DEFAULTS["lsh_large_bucket"]
    threshold: float = _ENGINE_DEFAULTS["jaccard_threshold"]
    containment: float = _ENGINE_DEFAULTS["containment_threshold"]
    member_jaccard: float = _ENGINE_DEFAULTS["member_jaccard_threshold"]
    member_containment: float = _ENGINE_DEFAULTS[
        "member_containment_threshold"]
    boilerplate_docs: int = 20
    # Not flags of the command: Engine::Options::DefaultVerify(),
    # DefaultMember() and DefaultCluster().
    min_containment_shingles: int = _ENGINE_DEFAULTS[
        "min_containment_shingles"]
    common_jaccard: float = _ENGINE_DEFAULTS["common_jaccard_threshold"]
    member_common_jaccard: float = 0.3
    representative_threshold: float = _ENGINE_DEFAULTS[
        "representative_threshold"]
    peers: int = 8
    max_id_bytes: int = 65536

    @property
    def pair_rule(self):
        return Rule(self.threshold, self.containment,
                    self.min_containment_shingles, self.common_jaccard)

    @property
    def member_rule(self):
        return Rule(self.member_jaccard, self.member_containment,
                    self.min_containment_shingles, self.member_common_jaccard)

    @property
    def banding(self):
        return mimeo.lsh_params(self.lsh_threshold, self.num_perm)


# --- the command's verification rule (verify.h, verify.cc) ---------------

@dataclasses.dataclass
class Similarity:
    """Exact figures of a pair on its whole sets and its rare shingles."""
    intersection: int
    size_a: int
    size_b: int
    rare_intersection: int
    rare_size_a: int
    rare_size_b: int

    @staticmethod
    def of(set_a, set_b, common_a, common_b):
        """Sets and their common shingles: sorted, distinct uint64."""
        inter = _shared(set_a, set_b)
        rare_inter = inter - min(inter, _shared(common_a, common_b))
        return Similarity(inter, set_a.size, set_b.size, rare_inter,
                          set_a.size - min(common_a.size, set_a.size),
                          set_b.size - min(common_b.size, set_b.size))

    @staticmethod
    def _figures(inter, a, b):
        if a == 0 or b == 0:
            return 0.0, 0.0, 0.0
        return inter / (a + b - inter), inter / a, inter / b

    @property
    def whole(self):
        """(jaccard, containment of a in b, of b in a)."""
        return self._figures(self.intersection, self.size_a, self.size_b)

    @property
    def rare(self):
        return self._figures(self.rare_intersection, self.rare_size_a,
                             self.rare_size_b)

    @property
    def has_common(self):
        return self.rare_size_a != self.size_a or self.rare_size_b != self.size_b


def _shared(a, b):
    if a.size == 0 or b.size == 0:
        return 0
    return int(np.intersect1d(a, b, assume_unique=True).size)


def _passes(rule, figures, smaller):
    jaccard, a_in_b, b_in_a = figures
    if jaccard >= rule.jaccard:
        return True
    return (rule.containment <= 1 and smaller >= rule.min_containment_shingles
            and max(a_in_b, b_in_a) >= rule.containment)


def accept(rule, s):
    """Verifier::Accept."""
    if s.intersection == 0:
        return False
    if s.whole[0] >= max(rule.jaccard, rule.common_jaccard):
        return True
    if not _passes(rule, s.whole, min(s.size_a, s.size_b)):
        return False
    if not s.has_common:
        return True
    return s.rare_intersection > 0 and _passes(
        rule, s.rare, min(s.rare_size_a, s.rare_size_b))


def score(rule, s):
    """Verifier::Score: what edges are ordered by."""
    def one(figures, smaller):
        if rule.containment > 1 or smaller < rule.min_containment_shingles:
            return figures[0]
        return max(figures)
    plain = one(s.whole, min(s.size_a, s.size_b))
    if not s.has_common:
        return plain
    rare = one(s.rare, min(s.rare_size_a, s.rare_size_b))
    return max(s.whole[0], min(plain, rare))


def clearly_rejects(rule, estimate, num_perm, size_a, size_b):
    """Verifier::ClearlyRejects: the pair fails even at the top of the
    three-standard-error Wilson interval around its MinHash estimate."""
    if num_perm == 0 or size_a == 0 or size_b == 0:
        return False
    z = 3.0
    k = float(num_perm)
    p = min(max(estimate, 0.0), 1.0)
    high = (p + z * z / (2 * k) +
            z * math.sqrt(p * (1 - p) / k + z * z / (4 * k * k))) / (1 + z * z / k)
    if high >= rule.jaccard:
        return False
    if rule.containment > 1:
        return True
    smaller = float(min(size_a, size_b))
    if smaller < rule.min_containment_shingles:
        return True
    shared = high * float(size_a + size_b) / (1 + high)
    return shared / smaller < rule.containment


def estimate_jaccard(sig_a, sig_b):
    """EstimateJaccard of two signatures of non-empty sets."""
    return int(np.count_nonzero(sig_a == sig_b)) / sig_a.size


# --- 1. reading and sketching (on the workers) ---------------------------

def _document_id(value):
    """The id field as the command writes it, or None to use FILE:LINE."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        if -(1 << 63) <= value < (1 << 64):
            return str(value)
        value = float(value)
    if isinstance(value, float):
        return "%.17g" % value
    return None


def sketch_block(lines, opts):
    """Parses a block of lines and sketches its documents. Skips what the
    command skips: blank lines, lines that are not a JSON object, objects
    without a string text field."""
    bands, rows = opts.banding
    hasher = mimeo.MinHasher(opts.num_perm, opts.seed, k=opts.shingle)
    index = mimeo.LshIndex(opts.num_perm, bands, rows, opts.large_bucket)
    line_of, ids, sets = [], [], []
    n_lines = 0
    for n_lines, line in enumerate(lines, 1):
        if not line.strip(" \t\r\n"):
            continue
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        if not isinstance(obj, dict):
            continue
        text = obj.get(opts.text_field)
        if not isinstance(text, str):
            continue
        try:
            shingles = mimeo.shingles(text, k=opts.shingle)
        except UnicodeEncodeError:  # a lone surrogate escape: not UTF-8
            continue
        doc_id = _document_id(obj.get(opts.id_field))
        if doc_id is not None and not 0 < len(doc_id.encode()) <= opts.max_id_bytes:
            doc_id = None
        line_of.append(n_lines - 1)
        ids.append(doc_id)
        sets.append(np.unique(shingles))
    signatures = (hasher.signatures_of_shingles(sets) if sets else
                  np.zeros((0, opts.num_perm), np.uint32))
    keys = np.zeros((len(sets), bands), np.uint64)
    for i, s in enumerate(sets):
        if s.size:
            keys[i] = index.band_keys(signatures[i])
    return {"lines": n_lines, "line_of": np.array(line_of, np.int64),
            "ids": ids, "sets": sets, "signatures": signatures, "keys": keys}


def block_counts(block):
    return block["lines"], len(block["sets"]), sum(1 for s in block["sets"] if s.size)


# --- shuffles --------------------------------------------------------------

def _piece(pieces, key):
    """One piece of a mapper's output, for the reducer of `key`."""
    return pieces.get(key) if isinstance(pieces, dict) else pieces[key]


def shuffle(client, mapped, reducers, reduce, *args):
    """Runs `reduce(r, [piece r of each mapper], *args)` for each reducer r:
    each piece moves from its mapper's worker to its reducer's alone."""
    return [client.submit(reduce, r,
                          [client.submit(_piece, m, r, pure=False) for m in mapped],
                          *args, pure=False)
            for r in range(reducers)]


def _split(reducers, values, *columns):
    """`columns` cut by reducer: the values' hash modulo `reducers`."""
    which = (values % np.uint64(reducers)).astype(np.int64)
    order = np.argsort(which, kind="stable")
    bounds = np.searchsorted(which[order], np.arange(reducers + 1))
    return [tuple(c[order[bounds[r]:bounds[r + 1]]] for c in (values,) + columns)
            for r in range(reducers)]


# --- 2. boilerplate --------------------------------------------------------

def shingle_frequencies(block, reducers):
    sets = [s for s in block["sets"] if s.size]
    values, counts = (np.unique(np.concatenate(sets), return_counts=True)
                      if sets else (np.zeros(0, np.uint64), np.zeros(0, np.int64)))
    return _split(reducers, values, counts)


def common_shingles(r, pieces, min_docs):
    values = np.concatenate([p[0] for p in pieces])
    counts = np.concatenate([p[1] for p in pieces])
    distinct, where = np.unique(values, return_inverse=True)
    total = np.bincount(where, weights=counts, minlength=distinct.size)
    return distinct[total >= min_docs]


def with_common(block, common):
    """The common shingles of each document, and its weight (what it holds
    that is not boilerplate: the core of a cluster is the heaviest)."""
    block = dict(block)
    block["common"] = [s[np.isin(s, common, assume_unique=True)] for s in block["sets"]]
    block["weight"] = np.array([s.size - min(c.size, s.size)
                                for s, c in zip(block["sets"], block["common"])],
                               np.int64)
    return block


# --- 3. candidates ---------------------------------------------------------

def band_records(block, first_doc, reducers):
    """(key, band, DocId) of every band of every document with shingles."""
    keys = block["keys"]
    live = np.array([s.size > 0 for s in block["sets"]], bool)
    docs = np.arange(first_doc, first_doc + keys.shape[0], dtype=np.uint64)[live]
    keys = keys[live]
    n, bands = keys.shape
    return _split(reducers, keys.reshape(-1),
                  np.tile(np.arange(bands, dtype=np.uint32), n),
                  np.repeat(docs, bands))


def bucket_pairs(r, pieces, large_bucket, block_starts):
    """The pairs of the buckets of reducer r, deduplicated, grouped by the
    blocks holding (a, b): {(block_a, block_b): a << 32 | b}."""
    keys = np.concatenate([p[0] for p in pieces])
    bands = np.concatenate([p[1] for p in pieces])
    docs = np.concatenate([p[2] for p in pieces])
    order = np.lexsort((docs, keys, bands))
    keys, bands, docs = keys[order], bands[order], docs[order]
    new = np.ones(keys.size, bool)
    new[1:] = (keys[1:] != keys[:-1]) | (bands[1:] != bands[:-1])
    starts = np.flatnonzero(new)
    sizes = np.diff(np.append(starts, keys.size))
    a_parts, b_parts = [], []
    for m in np.unique(sizes[sizes >= 2]):
        first = starts[sizes == m]
        if m > large_bucket:
            # Each member with the bucket's smallest DocId.
            x = np.zeros(m - 1, np.int64)
            y = np.arange(1, m)
        else:
            x, y = np.triu_indices(m, 1)
        a_parts.append(docs[(first[:, None] + x).reshape(-1)])
        b_parts.append(docs[(first[:, None] + y).reshape(-1)])
    if not a_parts:
        return {}
    packed = np.unique((np.concatenate(a_parts) << np.uint64(32)) |
                       np.concatenate(b_parts))
    block_a = np.searchsorted(block_starts, packed >> np.uint64(32), "right") - 1
    block_b = np.searchsorted(block_starts, packed & np.uint64(0xFFFFFFFF), "right") - 1
    out = {}
    for key in set(zip(block_a.tolist(), block_b.tolist())):
        out[key] = packed[(block_a == key[0]) & (block_b == key[1])]
    return out


# --- 4. verification -------------------------------------------------------

def verify_pairs(pieces, block_a, start_a, block_b, start_b, opts):
    """The pairs of these pieces that pass the pair rule, as rows
    (a, b, score, jaccard, containment_a_in_b, containment_b_in_a)."""
    packed = np.unique(np.concatenate([p for p in pieces if p is not None]))
    rule = opts.pair_rule
    out = []
    for a, b in zip((packed >> np.uint64(32)).tolist(),
                    (packed & np.uint64(0xFFFFFFFF)).tolist()):
        i, j = a - start_a, b - start_b
        set_a, set_b = block_a["sets"][i], block_b["sets"][j]
        estimate = estimate_jaccard(block_a["signatures"][i], block_b["signatures"][j])
        if clearly_rejects(rule, estimate, opts.num_perm, set_a.size, set_b.size):
            continue
        s = Similarity.of(set_a, set_b, block_a["common"][i], block_b["common"][j])
        if accept(rule, s):
            out.append((a, b, score(rule, s)) + s.whole)
    return out


# --- 5. components and clusters --------------------------------------------

def components(edges):
    """Connected components of the verified pairs: {DocId: root}."""
    parent = {}

    def find(x):
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while x != root:
            parent[x], x = root, parent[x]
        return root

    for a, b in edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {d: find(d) for d in parent.keys() | {r for e in edges for r in e}}


def member_records(block, first_doc, first_line, groups, renamed, source):
    """For each group, the documents of this block it clusters: DocId ->
    (id, set, common shingles, signature, weight)."""
    docs, group_of = groups
    here = np.arange(first_doc, first_doc + len(block["sets"]), dtype=np.int64)
    at = np.searchsorted(docs, here)
    out = collections.defaultdict(dict)
    for i in np.flatnonzero((at < docs.size) & (docs[np.minimum(at, docs.size - 1)] == here)):
        doc = int(here[i])
        doc_id = block["ids"][i]
        if doc_id is None or doc in renamed:
            doc_id = "%s:%d" % (source, first_line + int(block["line_of"][i]) + 1)
        out[int(group_of[at[i]])][doc] = (doc_id, block["sets"][i], block["common"][i],
                                          block["signatures"][i], int(block["weight"][i]))
    return dict(out)


def cluster_group(pieces, edges, opts):
    """The command's guarded clustering (Clusterer::Run) of some components:
    clusters as (DocIds, representative, ids by DocId, pairs)."""
    docs = {}
    for p in pieces:
        if p is not None:
            docs.update(p)
    rule = opts.member_rule
    memo = {}

    def similarity(x, y):
        key = (min(x, y), max(x, y))
        if key not in memo:
            _, set_x, common_x, sig_x, _ = docs[x]
            _, set_y, common_y, sig_y, _ = docs[y]
            if clearly_rejects(rule, estimate_jaccard(sig_x, sig_y), opts.num_perm,
                               set_x.size, set_y.size):
                memo[key] = 0.0
            else:
                s = Similarity.of(set_x, set_y, common_x, common_y)
                memo[key] = score(rule, s) if accept(rule, s) else 0.0
        return memo[key]

    def heavier(x, y):
        wx, wy = docs[x][4], docs[y][4]
        return wx > wy if wx != wy else x < y

    parent, size = {}, {}

    def find(x):
        while parent.get(x, x) != x:
            parent[x] = parent.get(parent[x], parent[x])
            x = parent[x]
        return x

    rep, members, version, refused = {}, {}, collections.Counter(), set()
    # Edges by Jaccard (the row's fourth figure), as ClusterPairs takes them.
    for a, b, _ in sorted(((e[0], e[1], e[3]) for e in edges),
                          key=lambda e: (-e[2], e[0], e[1])):
        ra, rb = find(a), find(b)
        if ra == rb:
            continue
        size_a, size_b = size.get(ra, 1), size.get(rb, 1)
        a_leads = (size_a > size_b if size_a != size_b else
                   heavier(rep.get(ra, ra), rep.get(rb, rb)))
        lead, other = (ra, rb) if a_leads else (rb, ra)
        key = (min(ra, rb), max(ra, rb), version[min(ra, rb)], version[max(ra, rb)])
        if key in refused:
            continue
        core = rep.get(lead, lead)
        judges = [core]
        for x in members.get(lead, []):
            if len(judges) > opts.peers:
                break
            if x != core:
                judges.append(x)
        joining = members.get(other) or [other]
        if not all(similarity(j, m) >= opts.representative_threshold
                   for m in joining for j in judges):
            refused.add(key)
            continue
        # UnionFind::Union: the larger group's root stays; of equal ones,
        # the smaller root.
        x, y = ra, rb
        if size_a < size_b or (size_a == size_b and y < x):
            x, y = y, x
        parent[y] = x
        size[x] = size_a + size_b
        rep[x] = core
        members[x] = (members.pop(lead, None) or [lead]) + \
                     (members.pop(other, None) or [other])
        version[x] += 1

    clusters = collections.defaultdict(list)
    for d in sorted(docs):
        root = find(d)
        if size.get(root, 1) >= 2:
            clusters[root].append(d)
    pairs = collections.defaultdict(list)
    root_of = {d: find(d) for d in docs}
    for e in edges:
        if root_of[e[0]] == root_of[e[1]] and size.get(root_of[e[0]], 1) >= 2:
            pairs[root_of[e[0]]].append(e)
    return [(m, rep[root], {d: docs[d][0] for d in m}, sorted(pairs[root]))
            for root, m in clusters.items()]


# --- the whole run -----------------------------------------------------------

def duplicate_ids(block, first_doc, reducers):
    ids = [(i, d) for i, d in enumerate(block["ids"]) if d is not None]
    hashes = np.array([zlib.crc32(d.encode()) for _, d in ids], np.uint64)
    out = [[] for _ in range(reducers)]
    for (i, d), h in zip(ids, hashes.tolist()):
        out[h % reducers].append((d, first_doc + i))
    return out


def renamed_docs(r, pieces):
    """DocIds whose id an earlier document has: the command renames them."""
    first = {}
    renamed = []
    for doc_id, doc in sorted((x for p in pieces for x in p), key=lambda x: x[1]):
        if doc_id in first:
            renamed.append(doc)
        else:
            first[doc_id] = doc
    return renamed


def deduplicate(path, client, opts=Options(), blocksize="64MiB", reducers=None,
                source=None, log=None):
    """The clusters of the JSONL file at `path`, computed on the Dask
    `client`, as dicts in the command's JSONL form. `source` is the file
    name FILE:LINE ids start with (default: `path`, as the command names
    it); `log`, a function of a str, hears the progress."""
    import dask
    import dask.bag

    log = log or (lambda message: None)
    source = path if source is None else source
    start = time.monotonic()

    def step(message):
        log("%6.1fs  %s" % (time.monotonic() - start, message))

    lines = dask.bag.read_text(path, blocksize=blocksize, encoding="utf-8",
                               errors="replace", linedelimiter="\n")
    blocks = client.compute([dask.delayed(sketch_block)(part, opts)
                             for part in lines.to_delayed()])
    counts = client.gather(client.map(block_counts, blocks))
    first_line = np.cumsum([0] + [c[0] for c in counts])
    first_doc = np.cumsum([0] + [c[1] for c in counts])
    num_docs = int(first_doc[-1])
    reducers = reducers or len(blocks)
    step("%d documents in %d blocks sketched" % (num_docs, len(blocks)))

    frequencies = client.map(shingle_frequencies, blocks, reducers=reducers)
    common = np.sort(np.concatenate(client.gather(
        shuffle(client, frequencies, reducers, common_shingles, opts.boilerplate_docs))))
    common = client.scatter(common, broadcast=True)
    blocks = client.map(with_common, blocks, common=common)
    step("boilerplate model counted")

    records = [client.submit(band_records, b, int(f), reducers)
               for b, f in zip(blocks, first_doc[:-1])]
    buckets = shuffle(client, records, reducers, bucket_pairs, opts.large_bucket,
                      first_doc[:-1].astype(np.uint64))
    block_pairs = sorted(set().union(*client.gather(client.map(list, buckets))))
    step("candidates in %d block pairs" % len(block_pairs))

    verified = [client.submit(verify_pairs,
                              [client.submit(_piece, b, key, pure=False) for b in buckets],
                              blocks[key[0]], int(first_doc[key[0]]),
                              blocks[key[1]], int(first_doc[key[1]]), opts)
                for key in block_pairs]
    edges = [e for part in client.gather(verified) for e in part]
    step("%d pairs verified" % len(edges))

    if not edges:
        step("0 clusters")
        return []
    root = components([(e[0], e[1]) for e in edges])
    sizes = collections.Counter(root.values())
    groups = max(1, min(len(sizes), len(blocks)))
    # Components to groups, largest first to the lightest group.
    load, group_of_root = [0] * groups, {}
    for r, n in sorted(sizes.items(), key=lambda x: (-x[1], x[0])):
        g = load.index(min(load))
        group_of_root[r], load[g] = g, load[g] + n
    docs = np.array(sorted(root), np.int64)
    group_of = np.array([group_of_root[root[d]] for d in docs.tolist()], np.int64)
    id_pieces = [client.submit(duplicate_ids, b, int(f), reducers)
                 for b, f in zip(blocks, first_doc[:-1])]
    renamed = set(d for part in client.gather(
        shuffle(client, id_pieces, reducers, renamed_docs)) for d in part)
    members = [client.submit(member_records, b, int(fd), int(fl), (docs, group_of),
                             renamed, source)
               for b, fd, fl in zip(blocks, first_doc[:-1], first_line[:-1])]
    edges_of = collections.defaultdict(list)
    for e in edges:
        edges_of[group_of_root[root[e[0]]]].append(e)
    clustered = [client.submit(cluster_group,
                               [client.submit(_piece, m, g, pure=False) for m in members],
                               edges_of[g], opts, pure=False)
                 for g in range(groups)]
    found = sorted(c for part in client.gather(clustered) for c in part)
    step("%d clusters" % len(found))
    return [_cluster_json(n, c) for n, c in enumerate(found)]


def _cluster_json(number, cluster):
    members, rep, ids, pairs = cluster
    # The command lists the pairs holding the representative first.
    pairs = sorted(pairs, key=lambda e: rep not in (e[0], e[1]))
    return {"cluster": number, "size": len(members),
            "docs": [ids[d] for d in members], "representative": ids[rep],
            "pairs": [{"a": ids[a], "b": ids[b], "jaccard": j,
                       "containment_a_in_b": ab, "containment_b_in_a": ba,
                       "estimated": False, "near_duplicate": True}
                      for a, b, _, j, ab, ba in pairs]}


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Near-duplicate clusters of a JSONL dump on a Dask "
                    "cluster: what `mimeo cluster DUMP.jsonl` gives.",
        epilog="The thresholds and hashing flags are the command's, with its "
               "defaults; the same flags give the same clusters.")
    parser.add_argument("dump", help="JSONL file, one document per line")
    parser.add_argument("-o", "--output", default="-",
                        help="where the clusters go, one JSON line each (default stdout)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, default=2,
                       help="worker processes of a local Dask cluster (default 2)")
    where.add_argument("--scheduler", help="address of a running Dask scheduler")
    parser.add_argument("--threads-per-worker", type=int, default=1)
    parser.add_argument("--blocksize", default="64MiB",
                        help="bytes of the dump per block (default 64MiB)")
    parser.add_argument("--reducers", type=int,
                        help="tasks per shuffle (default: one per block)")
    parser.add_argument("-q", "--quiet", action="store_true")
    d = Options()
    for flag, field, kind in [
            ("--text-field", "text_field", str), ("--id-field", "id_field", str),
            ("--threshold", "threshold", float), ("--containment", "containment", float),
            ("--member-jaccard", "member_jaccard", float),
            ("--member-containment", "member_containment", float),
            ("--boilerplate-docs", "boilerplate_docs", int),
            ("--lsh-threshold", "lsh_threshold", float),
            ("--num-perm", "num_perm", int), ("--shingle", "shingle", int),
            ("--seed", "seed", int), ("--large-bucket", "large_bucket", int)]:
        parser.add_argument(flag, dest=field, type=kind, default=getattr(d, field),
                            help="as `mimeo cluster %s` (default %s)" % (flag, getattr(d, field))
                            if flag != "--large-bucket" else
                            "buckets past this many documents give each member "
                            "paired with the first, k - 1 pairs (default %d, the "
                            "command's; 2: every bucket, which finds fewer pairs "
                            "than the command)" % d.large_bucket)
    args = parser.parse_args(argv)
    opts = Options(**{f.name: getattr(args, f.name) for f in dataclasses.fields(Options)
                      if hasattr(args, f.name)})

    from dask.distributed import Client, LocalCluster
    log = None if args.quiet else (lambda m: print("dask_dedup: " + m, file=sys.stderr))
    if args.scheduler:
        with Client(args.scheduler) as client:
            clusters = deduplicate(args.dump, client, opts, blocksize=args.blocksize,
                                   reducers=args.reducers, log=log)
    else:
        with LocalCluster(n_workers=args.workers,
                          threads_per_worker=args.threads_per_worker,
                          dashboard_address=None) as cluster, Client(cluster) as client:
            clusters = deduplicate(args.dump, client, opts, blocksize=args.blocksize,
                                   reducers=args.reducers, log=log)
    lines = "".join(json.dumps(c, ensure_ascii=False) + "\n" for c in clusters)
    if args.output == "-":
        sys.stdout.write(lines)
    else:
        with open(args.output, "w", encoding="utf-8") as out:
            out.write(lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
