"""mimeo: find copied text from Python.

Near-duplicate documents (MinHash, LSH, exact verification) and shared
passages (winnowed fingerprints, alignment), with the native speed of the C++
library. Three layers:

* ``mimeo.Engine``: the whole pipeline behind one object (add documents,
  query a text, cluster the collection, find shared copy, save and load).
* The stages, each usable on its own: ``normalize``, ``tokenize``,
  ``shingles`` (numpy uint64), ``MinHasher`` (numpy uint32 signatures, one
  text or a batch), ``lsh_params``, ``LshIndex``, ``estimate_jaccard``.
* ``mimeo.datasketch``: ``MinHash``, ``LeanMinHash`` and ``MinHashLSH`` with
  datasketch's API, so that ``from mimeo.datasketch import MinHash`` replaces
  ``from datasketch import MinHash``.

Errors from the library become exceptions carrying its message: ValueError
for an invalid argument or a duplicate id, KeyError for an unknown id,
FileNotFoundError for a missing file, OSError for a corrupt one,
RuntimeError otherwise. Long calls release the GIL; ``cluster()`` and
``shared_copy()`` can be interrupted with Ctrl-C, ``add_batch()`` between
batches.
"""

from ._mimeo import (
    DEFAULT_SHINGLE_SEED,
    ENGINE_OPTIONS,
    LshIndex,
    MinHasher,
    estimate_jaccard,
    hash_bytes,
    lsh_params,
    normalize,
    shingles,
    tokenize,
)
from . import _mimeo

__all__ = [
    "Engine", "Match", "Passage", "Pair", "Cluster", "Clustering",
    "CopyPair", "CopyFamily", "CopyReport",
    "normalize", "tokenize", "shingles", "MinHasher", "LshIndex",
    "estimate_jaccard", "hash_bytes", "lsh_params", "ENGINE_OPTIONS",
    "DEFAULT_SHINGLE_SEED",
]


class _Record:
    """Base of the result classes: fields by name, a readable repr."""

    __slots__ = ()
    # Fields shown by repr; the rest are attributes only.
    _shown = ()

    def __init__(self, *values):
        for name, value in zip(self.__slots__, values):
            object.__setattr__(self, name, value)

    def __setattr__(self, name, value):
        raise AttributeError(f"{type(self).__name__} is read-only")

    def __eq__(self, other):
        return type(self) is type(other) and all(
            getattr(self, n) == getattr(other, n) for n in self.__slots__)

    __hash__ = None

    def __repr__(self):
        parts = []
        for name in self._shown or self.__slots__:
            value = getattr(self, name)
            if isinstance(value, float):
                value = round(value, 4)
            if isinstance(value, str) and len(value) > 60:
                value = value[:57] + "..."
            if isinstance(value, list) and len(value) > 3:
                value = f"[{len(value)} items]"
            parts.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(parts)})"


class Passage(_Record):
    """A passage two texts share, as byte ranges into both originals.

    Side "a" is the query text (Engine.query) or document a (pairs); side
    "b" the indexed document, or document b. ``text`` is the passage as it
    reads on side a; ``a_words`` and ``b_words`` its length in words on each
    side (two letters of a script written without spaces weigh a word).
    ``boilerplate`` passages (a footer, a licence, markup)
    are flagged with ``reason`` ("markup", "widespread", "edge", "phrase", "template";
    "none" for copy) and the median number of documents holding their
    fingerprints, ``doc_frequency``.
    """

    __slots__ = ("a_begin", "a_end", "b_begin", "b_end", "a_token_begin",
                 "a_token_end", "b_token_begin", "b_token_end",
                 "shared_shingles", "a_words", "b_words", "boilerplate",
                 "reason", "doc_frequency", "text")
    _shown = ("a_begin", "a_end", "b_begin", "b_end", "boilerplate", "text")


class Match(_Record):
    """An indexed document similar to a queried text.

    ``jaccard`` and the containments are exact (on shingle sets);
    ``containment_query_in_doc`` is the share of the query's shingles found
    in the document. ``near_duplicate``: passed verification as a whole;
    ``shares_copy``: shares at least one passage that is not boilerplate.
    """

    __slots__ = ("id", "doc", "estimated_jaccard", "jaccard",
                 "containment_query_in_doc", "containment_doc_in_query",
                 "score", "near_duplicate", "shares_copy", "passages",
                 "copied_tokens_query", "copied_tokens_doc", "more_passages")
    _shown = ("id", "jaccard", "containment_query_in_doc",
              "containment_doc_in_query", "near_duplicate", "shares_copy",
              "passages")


class Pair(_Record):
    """A verified near-duplicate pair of indexed documents, a before b."""

    __slots__ = ("a", "b", "doc_a", "doc_b", "jaccard", "containment_a_in_b",
                 "containment_b_in_a", "intersection", "size_a", "size_b",
                 "score")
    _shown = ("a", "b", "jaccard", "containment_a_in_b", "containment_b_in_a")


class Cluster(_Record):
    """A group of copies: ``members`` (ids, sorted by DocId) and their
    DocIds ``docs``; ``representative`` is the core every member resembles,
    or the origin of the shared text."""

    __slots__ = ("id", "representative", "representative_doc", "members",
                 "docs")
    _shown = ("id", "representative", "members")

    def __len__(self):
        return len(self.members)


class Clustering(_Record):
    """The result of Engine.cluster(): clusters, the verified pairs they
    were built from, and how many candidate pairs were verified.
    Iterating gives the clusters."""

    __slots__ = ("clusters", "pairs", "candidate_pairs")

    def __iter__(self):
        return iter(self.clusters)

    def __len__(self):
        return len(self.clusters)


class CopyPair(_Record):
    """Two documents that share copy, with the passages (side a is
    document a) and the tokens of each inside non-boilerplate passages."""

    __slots__ = ("a", "b", "doc_a", "doc_b", "jaccard", "containment_a_in_b",
                 "containment_b_in_a", "intersection", "size_a", "size_b",
                 "passages", "copied_tokens_a", "copied_tokens_b",
                 "more_passages")
    _shown = ("a", "b", "jaccard", "containment_a_in_b", "containment_b_in_a",
              "passages")


class CopyFamily(_Record):
    """One passage and every document that carries it: ``origin`` (the
    likely source) and its span [origin_begin, origin_end) reading
    ``text``; ``members`` as (id, doc, begin, end) byte spans."""

    __slots__ = ("id", "origin", "origin_doc", "origin_begin", "origin_end",
                 "text", "members", "num_docs")
    _shown = ("id", "origin", "num_docs", "text")


class CopyReport(_Record):
    """The result of Engine.shared_copy()."""

    __slots__ = ("pairs", "families", "clusters", "candidate_pairs")


def _passages(raw):
    return [Passage(*p) for p in raw]


def _match(raw):
    values = list(raw)
    values[9] = _passages(values[9])
    return Match(*values)


def _cluster(raw):
    cid, rep, rep_doc, members, docs = raw
    return Cluster(cid, rep, rep_doc, list(members), list(docs))


def _pair(raw):
    a, b, doc_a, doc_b, sim, score = raw
    return Pair(a, b, doc_a, doc_b, *sim, score)


def _copy_pair(raw):
    a, b, doc_a, doc_b, sim, passages, ta, tb, more = raw
    return CopyPair(a, b, doc_a, doc_b, *sim, _passages(passages), ta, tb,
                    more)


def _documents(items, batch_size):
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == batch_size:
            yield batch
            batch = []
    if batch:
        yield batch


class Engine:
    """The whole pipeline behind one object.

    Engine(**options)

    Each added document is normalized, tokenized, shingled and sketched; a
    query or a clustering takes LSH candidates, verifies them on the exact
    shingle sets (Jaccard, or containment either way) and, with copy on (the
    default), cuts out the passages shared, as byte ranges in both texts.

    Options (keyword only; ``mimeo.ENGINE_OPTIONS`` lists them with their
    documentation, and ``engine.options`` gives the values in force):
    num_perm, seed, scheme, k, shingle_seed, mode, char_ngram, nfkc,
    case_fold, fold_whitespace, fold_punctuation, lsh_threshold, lsh_bands,
    lsh_rows, lsh_large_bucket, simhash_max_distance, jaccard_threshold,
    containment_threshold, min_containment_shingles,
    common_jaccard_threshold, member_jaccard_threshold,
    member_containment_threshold, guard_chaining, representative_threshold,
    copy, max_passages, cluster_share, keep_shingle_sets, index_on_add,
    expected_documents, max_document_bytes, threads, revision_thresholds.
    An unknown name raises TypeError listing the valid ones; an invalid
    value, ValueError.

    Texts are str or bytes; bytes need not be valid UTF-8 (invalid sequences
    are repaired and counted in ``stats["invalid_utf8"]``). Byte offsets in
    results are into the UTF-8 encoding of a str.

    Thread safety: queries, clustering and saving may run from many Python
    threads at once (they release the GIL); adds and removes run one at a
    time.
    """

    def __init__(self, **options):
        self._engine = _mimeo._Engine(options)

    @classmethod
    def load(cls, path, **options):
        """Loads a snapshot written by save(). The hashing parameters come
        from the file; other options (thresholds, banding, threads) may be
        given and take effect. FileNotFoundError if the file is missing,
        OSError if it is truncated or corrupt, RuntimeError or ValueError
        if options contradict the file."""
        engine = cls.__new__(cls)
        engine._engine = _mimeo._Engine.load(str(path), options)
        return engine

    @classmethod
    def open(cls, directory, **options):
        """Opens the index on disk in directory (LMDB; created when the
        directory is missing or empty), where every add, add_batch batch
        and remove is durable when it returns, and other processes may
        read (and, one at a time, write) the same index. An existing
        index keeps its own hashing parameters and copy setting; other
        options (thresholds, banding, threads) take effect, and a
        contradiction raises ValueError or RuntimeError naming it, as do a
        directory holding other files and a data file that is not an
        index. Open a directory once per process."""
        engine = cls.__new__(cls)
        engine._engine = _mimeo._Engine.open(str(directory), options)
        return engine

    def save(self, path):
        """Writes a snapshot (ids, sketches, shingle sets, texts) to path,
        atomically (a temporary file renamed)."""
        self._engine.save(str(path))

    def add(self, id, text, date=None, source=None):
        """Adds one document and returns its DocId (0, 1, 2, ...).

        id: str, unique (ValueError if present already). text: str or bytes.
        date: optional int (e.g. seconds since 1970), used to name the
        likely origin of copied text. source: optional str naming where it
        comes from (a site, an outlet, a list): text on 20+ documents of
        few sources is their template, text many sources print is copy."""
        return self._engine.add(id, text, date, source)

    def add_batch(self, documents, batch_size=10000):
        """Adds documents from an iterable of (id, text), (id, text, date)
        or dicts with keys id, text and optionally date and source; returns their
        DocIds. Sketches on all cores, batch_size documents at a time, so a
        generator is read as it goes. Each batch is all or nothing: on an
        error (a duplicate id, a text too long) the batch in which it
        occurs is not added, earlier batches stay added. Ctrl-C stops
        between batches."""
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        ids = []
        for batch in _documents(documents, batch_size):
            ids.extend(self._engine.add_batch(batch))
        return ids

    def remove(self, id):
        """Removes a document; KeyError if no live document has this id."""
        self._engine.remove(id)

    def query(self, text):
        """The indexed documents similar to text, as a list of Match, best
        score first: near-duplicates and documents that share passages."""
        return [_match(m) for m in self._engine.query(text)]

    def cluster(self):
        """Every verified near-duplicate pair and the clusters they form
        (a Clustering). Runs on all cores; Ctrl-C interrupts."""
        clusters, pairs, candidates = self._engine.cluster()
        return Clustering([_cluster(c) for c in clusters],
                          [_pair(p) for p in pairs], candidates)

    def shared_copy(self):
        """Every pair of documents sharing copy, with passages, the copy
        families and the copy clusters (a CopyReport). RuntimeError with
        copy=False. Ctrl-C interrupts."""
        pairs, families, clusters, candidates = self._engine.shared_copy()
        return CopyReport(
            [_copy_pair(p) for p in pairs],
            [CopyFamily(f[0], f[1], f[2], f[3], f[4], f[5], list(f[6]), f[7])
             for f in families],
            [_cluster(c) for c in clusters], candidates)

    def passages(self, a, b):
        """The passages documents a and b (DocIds) share, side a being
        document a, boilerplate flagged, as a list of Passage."""
        passages, _ = self._engine.passages(a, b)
        return _passages(passages)

    def id(self, doc):
        """The id DocId doc was added with."""
        return self._engine.id(doc)

    def text(self, doc):
        """The text DocId doc was added with, as bytes (empty with copy
        off, or once removed)."""
        return self._engine.text(doc)

    def date(self, doc):
        """The date DocId doc was added with, or None."""
        return self._engine.date(doc)

    def source(self, doc):
        """The source DocId doc was added with ("" without one)."""
        return self._engine.source(doc)

    @property
    def num_ids(self):
        """DocIds issued so far, removed ones included."""
        return self._engine.num_ids()

    @property
    def options(self):
        """The options in force, as a dict (Engine(**engine.options) makes
        an engine with the same options)."""
        return self._engine.options()

    @property
    def lsh_params(self):
        """The LSH banding in use, (bands, rows)."""
        return self._engine.lsh_params()

    @property
    def stats(self):
        """Counters: documents, removed, empty_documents, bytes,
        invalid_utf8, nul_bytes, shingles, fingerprints."""
        return self._engine.stats()

    def __len__(self):
        return self.stats["documents"]

    def __repr__(self):
        o = self.options
        return (f"Engine(documents={len(self)}, num_perm={o['num_perm']}, "
                f"k={o['k']}, copy={o['copy']})")
