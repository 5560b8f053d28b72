"""A drop-in for datasketch's MinHash, LeanMinHash and MinHashLSH.

Change one import::

    from mimeo.datasketch import MinHash, LeanMinHash, MinHashLSH

and code written for datasketch runs on mimeo's native kernels: the same
constructor arguments and defaults, the same methods and attributes, the
same exceptions in the same situations (ValueError for a mismatched
num_perm or seed, a duplicate key, removing an unknown key, a threshold
outside [0, 1], weights not summing to 1; TypeError when updating a
LeanMinHash).

Differences, all in what the numbers are rather than how the objects behave:

* Hash values differ from datasketch's. Items are hashed with seeded XXH3
  (not SHA-1) and permuted with mimeo's multiply-shift family (not
  ``(a*x + b) mod (2^61 - 1)``), so signatures made by one library cannot
  be compared with the other's, and pickles do not cross between them.
  Values are still 32-bit, held in a numpy uint64 ``hashvalues`` array, with
  ``2^32 - 1`` for an empty set, as in datasketch.
* ``MinHashLSH`` chooses its banding by datasketch's criterion (the least
  weighted area of false positives and false negatives) computed by mimeo
  (``mimeo.lsh_params`` with ``min_recall=0``); for a few thresholds it
  may pick a neighbouring (b, r). Pass ``params=(b, r)`` to fix it.
* Only in-memory storage: a ``storage_config`` other than ``{"type":
  "dict"}`` raises ValueError. ``prepickle`` is accepted and unnecessary
  (any hashable key works); ``hashfunc`` of MinHashLSH is ignored.
* ``MinHash(permutations=...)`` is not supported (ValueError).
"""

import functools
import struct

import numpy as np

from . import _mimeo

__all__ = ["MinHash", "LeanMinHash", "MinHashLSH"]

_MAX_HASH = np.uint64((1 << 32) - 1)
_MAX_NUM_PERM = 4096
# Seed of the XXH3 hash of items; fixed so that signatures made in
# different processes agree.
_ITEM_SEED = 0


@functools.lru_cache(maxsize=64)
def _hasher(num_perm, seed):
    return _mimeo.MinHasher(num_perm, seed)


class MinHash:
    """MinHash of a set of byte strings (datasketch's MinHash API).

    MinHash(num_perm=128, seed=1, hashfunc=None, hashobj=None,
            hashvalues=None, permutations=None)

    hashfunc, if given, maps one item to an int (its low 64 bits are used);
    by default items are bytes hashed with XXH3. hashvalues initializes the
    signature (num_perm is then its length).
    """

    def __init__(self, num_perm=128, seed=1, hashfunc=None, hashobj=None,
                 hashvalues=None, permutations=None):
        if permutations is not None:
            raise ValueError("mimeo.datasketch.MinHash does not take "
                             "permutations: the seed decides them")
        if hashvalues is not None:
            num_perm = len(hashvalues)
        if num_perm > _MAX_NUM_PERM:
            raise ValueError("Cannot have more than %d number of permutation "
                             "functions" % _MAX_NUM_PERM)
        if num_perm < 1:
            raise ValueError("num_perm must be at least 1")
        self.seed = seed
        self.hashfunc = hashfunc
        if hashvalues is not None:
            self.hashvalues = np.array(hashvalues, dtype=np.uint64)
        else:
            self.hashvalues = np.full(num_perm, _MAX_HASH, dtype=np.uint64)

    def _sketch(self, hashes):
        signature = _hasher(len(self.hashvalues), self.seed).signature(hashes)
        np.minimum(self.hashvalues, signature, out=self.hashvalues)

    def _hashes(self, items):
        if self.hashfunc is None:
            return _mimeo.hash_bytes(items, _ITEM_SEED)
        return np.array([self.hashfunc(b) & 0xFFFFFFFFFFFFFFFF for b in items],
                        dtype=np.uint64)

    def update(self, b):
        """Adds one item (bytes, or what hashfunc takes)."""
        self._sketch(self._hashes([b]))

    def update_batch(self, b):
        """Adds many items at once (an iterable of bytes)."""
        if not isinstance(b, (list, tuple)):
            b = list(b)
        if b:
            self._sketch(self._hashes(b))

    def _check(self, other, what):
        if other.seed != self.seed:
            raise ValueError("Cannot %s MinHash with different seeds" % what)
        if len(self) != len(other):
            raise ValueError("Cannot %s MinHash with different numbers of "
                             "permutation functions" % what)

    def jaccard(self, other):
        """The estimated Jaccard similarity of the two sets."""
        self._check(other, "compute Jaccard given")
        return float(np.count_nonzero(self.hashvalues == other.hashvalues)) / \
            float(len(self))

    def count(self):
        """The estimated number of distinct items: with values uniform on
        [0, 2^32), the mean minimum over n items is about 2^32 / (n + 1)."""
        k = len(self)
        return float(k) / np.sum(self.hashvalues / float(_MAX_HASH)) - 1.0

    def merge(self, other):
        """Makes this the MinHash of the union of the two sets."""
        self._check(other, "merge")
        np.minimum(self.hashvalues, other.hashvalues, out=self.hashvalues)

    def digest(self):
        """A copy of the hash values (numpy uint64)."""
        return self.hashvalues.copy()

    def is_empty(self):
        """True if nothing was ever added."""
        return bool(np.all(self.hashvalues == _MAX_HASH))

    def clear(self):
        """Back to the empty set."""
        self.hashvalues = np.full(len(self), _MAX_HASH, dtype=np.uint64)

    def copy(self):
        return MinHash(seed=self.seed, hashfunc=self.hashfunc,
                       hashvalues=self.digest())

    def __len__(self):
        return len(self.hashvalues)

    def __eq__(self, other):
        return (type(self) is type(other) and self.seed == other.seed and
                np.array_equal(self.hashvalues, other.hashvalues))

    __hash__ = None

    def __repr__(self):
        return "%s(num_perm=%d, seed=%r)" % (type(self).__name__, len(self),
                                             self.seed)

    @classmethod
    def union(cls, *mhs):
        """The MinHash of the union of the sets of two or more MinHashes."""
        if len(mhs) < 2:
            raise ValueError("Cannot union less than 2 MinHash")
        num_perm, seed = len(mhs[0]), mhs[0].seed
        if any(m.seed != seed or len(m) != num_perm for m in mhs):
            raise ValueError("The unioning MinHash must have the same seed "
                             "and number of permutation functions")
        hashvalues = np.minimum.reduce([m.hashvalues for m in mhs])
        return cls(num_perm=num_perm, seed=seed, hashvalues=hashvalues)

    @classmethod
    def bulk(cls, b, **minhash_kwargs):
        """One MinHash per iterable of items in b, made with
        minhash_kwargs; the sets are sketched together on all cores."""
        return list(cls.generator(b, **minhash_kwargs))

    @classmethod
    def generator(cls, b, **minhash_kwargs):
        """bulk() as a generator."""
        sets = [list(items) for items in b]
        first = MinHash(**minhash_kwargs)
        if first.hashfunc is None:
            hashes = [_mimeo.hash_bytes(items, _ITEM_SEED) for items in sets]
            signatures = _hasher(len(first), first.seed) \
                .signatures_of_shingles(hashes)
            for signature in signatures:
                m = MinHash(**minhash_kwargs)
                m.hashvalues = signature.astype(np.uint64)
                yield cls._from(m)
            return
        for items in sets:
            m = MinHash(**minhash_kwargs)
            m.update_batch(items)
            yield cls._from(m)

    @classmethod
    def _from(cls, m):
        return m if cls is MinHash else cls(m)


class LeanMinHash(MinHash):
    """An immutable MinHash without a hash function: smaller, hashable,
    serializable (datasketch's LeanMinHash API).

    LeanMinHash(minhash=None, seed=None, hashvalues=None): from a MinHash,
    or from a seed and hash values. update() raises TypeError.
    """

    def __init__(self, minhash=None, seed=None, hashvalues=None):
        if minhash is not None:
            seed, hashvalues = minhash.seed, minhash.hashvalues
        elif seed is None or hashvalues is None:
            raise ValueError("Init parameters cannot be None: make sure to "
                             "set both seed and hashvalues")
        self.seed = seed
        self.hashfunc = None
        self.hashvalues = np.array(hashvalues, dtype=np.uint64)

    def update(self, b):
        raise TypeError("Cannot update a LeanMinHash")

    def update_batch(self, b):
        raise TypeError("Cannot update a LeanMinHash")

    def clear(self):
        raise TypeError("Cannot clear a LeanMinHash")

    def copy(self):
        return LeanMinHash(seed=self.seed, hashvalues=self.digest())

    def bytesize(self, byteorder="@"):
        """Bytes serialize() writes: the seed (8), the length (4), and 4
        per hash value."""
        return struct.calcsize(byteorder + "qi%dI" % len(self))

    def serialize(self, buf, byteorder="@"):
        """Writes the LeanMinHash into buf (a writable buffer of at least
        bytesize() bytes)."""
        if len(buf) < self.bytesize(byteorder):
            raise ValueError("The buffer does not have enough space for "
                             "holding this MinHash.")
        struct.pack_into(byteorder + "qi%dI" % len(self), buf, 0, self.seed,
                         len(self), *self.hashvalues.tolist())

    @classmethod
    def deserialize(cls, buf, byteorder="@"):
        """Reads a LeanMinHash written by serialize()."""
        seed, num_perm = struct.unpack_from(byteorder + "qi", buf, 0)
        offset = struct.calcsize(byteorder + "qi")
        values = struct.unpack_from(byteorder + "%dI" % num_perm, buf, offset)
        return cls(seed=seed, hashvalues=values)

    def __hash__(self):
        return hash((self.seed, self.hashvalues.tobytes()))

    def __eq__(self, other):
        return (isinstance(other, LeanMinHash) and self.seed == other.seed and
                np.array_equal(self.hashvalues, other.hashvalues))


class MinHashLSH:
    """An index of MinHashes answering "which keys have Jaccard similarity
    above the threshold with this one?" (datasketch's MinHashLSH API), on
    mimeo's native LSH index.

    MinHashLSH(threshold=0.9, num_perm=128, weights=(0.5, 0.5), params=None,
               storage_config=None, prepickle=None, hashfunc=None)

    weights: the weights of false positives and false negatives when the
    banding is chosen; params=(b, r) sets it instead. Attributes: b (bands),
    r (rows per band), h (num_perm), threshold.
    """

    def __init__(self, threshold=0.9, num_perm=128, weights=(0.5, 0.5),
                 params=None, storage_config=None, prepickle=None,
                 hashfunc=None):
        if storage_config is not None and storage_config.get("type") != "dict":
            raise ValueError("mimeo.datasketch.MinHashLSH keeps its index in "
                             "memory only (storage_config type 'dict')")
        if threshold > 1.0 or threshold < 0.0:
            raise ValueError("threshold must be in [0.0, 1.0]")
        if num_perm < 2:
            raise ValueError("Too few permutation functions")
        if any(w < 0.0 or w > 1.0 for w in weights):
            raise ValueError("Weight must be in [0.0, 1.0]")
        if abs(sum(weights) - 1.0) > 1e-6:
            raise ValueError("Weights must sum to 1.0")
        self.h = num_perm
        self.threshold = threshold
        if params is not None:
            self.b, self.r = int(params[0]), int(params[1])
            if self.b * self.r > num_perm:
                raise ValueError(
                    "The product of b and r in params is %d and must be less "
                    "than num_perm %d" % (self.b * self.r, num_perm))
        else:
            t = min(max(threshold, 1e-6), 1.0 - 1e-6)
            self.b, self.r = _mimeo.lsh_params(
                t, num_perm, false_positive_weight=weights[0],
                false_negative_weight=weights[1], min_recall=0.0)
        self._index = _mimeo.LshIndex(num_perm, self.b, self.r)
        # key -> DocIds it is filed under (more than one only when inserted
        # again with check_duplication=False); DocId -> key; DocId ->
        # signature (for get_counts).
        self._ids = {}
        self._key_of = {}
        self._signatures = {}
        self._next = 0

    def _signature(self, minhash):
        if len(minhash) != self.h:
            raise ValueError("Expecting minhash with length %d, got %d" %
                             (self.h, len(minhash)))
        return minhash.hashvalues.astype(np.uint32)

    def _file(self, key, minhash, check_duplication):
        signature = self._signature(minhash)
        if check_duplication and key in self._ids:
            raise ValueError("The given key already exists")
        doc = self._next
        self._next += 1
        self._ids.setdefault(key, []).append(doc)
        self._key_of[doc] = key
        self._signatures[doc] = signature
        return doc, signature

    def insert(self, key, minhash, check_duplication=True):
        """Indexes minhash under key; ValueError if key is present (unless
        check_duplication=False) or the MinHash has another num_perm."""
        doc, signature = self._file(key, minhash, check_duplication)
        self._index.add(doc, signature)

    def insertion_session(self, buffer_size=50000):
        """A context manager whose insert() buffers entries and indexes
        them in batches, on all cores, and at the end of the block."""
        return _InsertionSession(self, buffer_size)

    def query(self, minhash):
        """The keys whose MinHash shares a band with minhash: likely above
        the threshold (a list, each key once)."""
        docs = self._index.query(self._signature(minhash))
        return list(dict.fromkeys(self._key_of[int(d)] for d in docs))

    def remove(self, key):
        """Removes key; ValueError if it is not indexed."""
        if key not in self._ids:
            raise ValueError("The given key does not exist")
        for doc in self._ids.pop(key):
            self._index.remove(doc, self._signatures[doc])
            del self._key_of[doc]
            del self._signatures[doc]

    def merge(self, other, check_overlap=False):
        """Adds every entry of another MinHashLSH with the same num_perm
        and banding; with check_overlap, ValueError on a shared key."""
        if (self.h, self.b, self.r) != (other.h, other.b, other.r):
            raise ValueError("Cannot merge MinHashLSH with different "
                             "num_perm or (b, r)")
        with self.insertion_session() as session:
            for doc, key in other._key_of.items():
                signature = other._signatures[doc]
                session.insert(key, LeanMinHash(seed=1, hashvalues=signature),
                               check_duplication=check_overlap)

    def is_empty(self):
        return not self._ids

    def __contains__(self, key):
        return key in self._ids

    def _counts(self, docs):
        counts = [dict() for _ in range(self.b)]
        for doc in docs:
            for band, k in enumerate(self._index.band_keys(
                    self._signatures[doc]).tolist()):
                counts[band][k] = counts[band].get(k, 0) + 1
        return counts

    def get_counts(self):
        """Per band, a dict from bucket to the number of entries in it."""
        return self._counts(self._key_of)

    def get_subset_counts(self, *keys):
        """get_counts() over the given keys only; ValueError for a key not
        indexed."""
        docs = []
        for key in keys:
            if key not in self._ids:
                raise ValueError("The given key does not exist")
            docs.extend(self._ids[key])
        return self._counts(docs)


class _InsertionSession:
    def __init__(self, lsh, buffer_size):
        self._lsh = lsh
        self._buffer_size = buffer_size
        self._docs = []
        self._signatures = []

    def insert(self, key, minhash, check_duplication=True):
        doc, signature = self._lsh._file(key, minhash, check_duplication)
        self._docs.append(doc)
        self._signatures.append(signature)
        if len(self._docs) >= self._buffer_size:
            self.flush()

    def flush(self):
        if self._docs:
            self._lsh._index.add_batch(
                np.array(self._docs, dtype=np.uint32),
                np.stack(self._signatures))
            self._docs, self._signatures = [], []

    def close(self):
        self.flush()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.flush()
