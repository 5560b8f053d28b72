# mimeo.datasketch: the behaviour of datasketch's MinHash, LeanMinHash and
# MinHashLSH, written from their documentation.
import pickle

import numpy as np
import pytest

from mimeo.datasketch import LeanMinHash, MinHash, MinHashLSH


def words(lo, hi):
    return [f"w{i}".encode() for i in range(lo, hi)]


def minhash(items, **kwargs):
    m = MinHash(**kwargs)
    m.update_batch(items)
    return m


def test_defaults_and_empty():
    m = MinHash()
    assert len(m) == 128 and m.seed == 1
    assert m.hashvalues.dtype == np.uint64 and m.hashvalues.shape == (128,)
    assert m.is_empty()
    m.update(b"x")
    assert not m.is_empty()
    m.clear()
    assert m.is_empty()


def test_update_and_update_batch_agree():
    a = MinHash()
    for w in words(0, 50):
        a.update(w)
    b = minhash(words(0, 50))
    assert a == b
    assert np.array_equal(a.digest(), b.hashvalues)
    b.update_batch([])
    assert a == b


def test_jaccard_estimate():
    a = minhash(words(0, 300), num_perm=256)
    b = minhash(words(100, 400), num_perm=256)
    assert abs(a.jaccard(b) - 0.5) < 3 / 16
    assert a.jaccard(a) == 1.0


def test_count_estimate():
    m = minhash(words(0, 1000), num_perm=256)
    assert abs(m.count() - 1000) < 1000 * 3 / 16


def test_merge_union_and_copy():
    a = minhash(words(0, 100))
    b = minhash(words(50, 150))
    c = a.copy()
    assert c == a and c is not a and c.hashvalues is not a.hashvalues
    c.merge(b)
    assert c == minhash(words(0, 150))
    assert MinHash.union(a, b) == c
    with pytest.raises(ValueError):
        MinHash.union(a)


def test_mismatches_raise_value_error():
    a = minhash(words(0, 10))
    for other in (minhash(words(0, 10), seed=2),
                  minhash(words(0, 10), num_perm=64)):
        with pytest.raises(ValueError):
            a.jaccard(other)
        with pytest.raises(ValueError):
            a.merge(other)
    with pytest.raises(ValueError):
        MinHash(num_perm=10 ** 6)


def test_equality_seed_and_hashvalues():
    assert minhash(words(0, 10)) == minhash(words(0, 10))
    assert minhash(words(0, 10)) != minhash(words(0, 11))
    assert MinHash(seed=1) != MinHash(seed=2)
    assert MinHash(hashvalues=minhash(words(0, 5)).hashvalues) == \
        minhash(words(0, 5))


def test_hashfunc():
    m = MinHash(hashfunc=lambda s: hash(s) & 0xFFFFFFFF)
    m.update_batch(["a", "b"])
    n = MinHash(hashfunc=lambda s: hash(s) & 0xFFFFFFFF)
    n.update("a")
    n.update("b")
    assert m == n and not m.is_empty()


def test_bulk():
    sets = [words(0, 20), words(10, 30)]
    assert MinHash.bulk(sets, num_perm=64) == [minhash(s, num_perm=64)
                                               for s in sets]
    lean = LeanMinHash.bulk(sets)
    assert all(isinstance(m, LeanMinHash) for m in lean)


def test_pickle():
    m = minhash(words(0, 30))
    assert pickle.loads(pickle.dumps(m)) == m
    lean = LeanMinHash(m)
    assert pickle.loads(pickle.dumps(lean)) == lean


def test_lean_minhash():
    m = minhash(words(0, 30))
    lean = LeanMinHash(m)
    assert lean.jaccard(m) == 1.0 and len(lean) == len(m)
    with pytest.raises(TypeError):
        lean.update(b"more")
    assert hash(lean) == hash(LeanMinHash(seed=m.seed, hashvalues=m.hashvalues))
    buf = bytearray(lean.bytesize())
    lean.serialize(buf)
    assert LeanMinHash.deserialize(buf) == lean
    with pytest.raises(ValueError):
        lean.serialize(bytearray(4))
    with pytest.raises(ValueError):
        LeanMinHash()
    assert lean.copy() == lean


def test_lsh_insert_query_remove():
    lsh = MinHashLSH(threshold=0.5, num_perm=128)
    assert lsh.b * lsh.r <= 128 and lsh.is_empty()
    a = minhash(words(0, 100))
    near = minhash(words(5, 100))
    far = minhash(words(1000, 1100))
    lsh.insert("a", a)
    lsh.insert("far", far)
    assert "a" in lsh and "b" not in lsh and not lsh.is_empty()
    assert lsh.query(near) == ["a"]
    assert sorted(lsh.query(far)) == ["far"]
    with pytest.raises(ValueError):
        lsh.insert("a", a)
    lsh.insert("a", a, check_duplication=False)
    assert lsh.query(a) == ["a"]
    lsh.remove("a")
    assert "a" not in lsh and lsh.query(a) == []
    with pytest.raises(ValueError):
        lsh.remove("a")
    with pytest.raises(ValueError):
        lsh.insert("x", minhash(words(0, 5), num_perm=64))
    with pytest.raises(ValueError):
        lsh.query(minhash(words(0, 5), num_perm=64))


def test_lsh_any_hashable_key():
    lsh = MinHashLSH(threshold=0.8)
    lsh.insert(("doc", 1), minhash(words(0, 50)))
    lsh.insert(7, minhash(words(0, 50)))
    assert sorted(map(str, lsh.query(minhash(words(0, 50))))) == \
        ["('doc', 1)", "7"]


def test_lsh_parameters_and_errors():
    lsh = MinHashLSH(params=(16, 8))
    assert (lsh.b, lsh.r) == (16, 8)
    with pytest.raises(ValueError):
        MinHashLSH(params=(20, 8))
    for threshold in (-0.1, 1.5):
        with pytest.raises(ValueError):
            MinHashLSH(threshold=threshold)
    with pytest.raises(ValueError):
        MinHashLSH(weights=(0.3, 0.3))
    with pytest.raises(ValueError):
        MinHashLSH(weights=(1.5, -0.5))
    with pytest.raises(ValueError):
        MinHashLSH(num_perm=1)
    # Higher thresholds mean longer bands.
    assert MinHashLSH(threshold=0.9).r > MinHashLSH(threshold=0.3).r
    for t in (0.0, 1.0):
        MinHashLSH(threshold=t)


def test_lsh_recall_follows_the_s_curve():
    lsh = MinHashLSH(threshold=0.5, num_perm=128)
    base = words(0, 200)
    queries = []
    for i in range(100):
        lsh.insert(i, minhash([w + str(i).encode() for w in base]))
        # Jaccard 0.6 with entry i: 150 shared of 250.
        queries.append(minhash([w + str(i).encode() for w in base[:175]] +
                               [b"q%d-%d" % (i, j) for j in range(75)]))
    found = sum(i in lsh.query(q) for i, q in enumerate(queries))
    assert found >= 90


def test_insertion_session_and_counts():
    lsh = MinHashLSH(threshold=0.5, num_perm=64)
    with lsh.insertion_session(buffer_size=3) as session:
        for i in range(10):
            session.insert(f"k{i}", minhash(words(i, i + 40), num_perm=64))
        with pytest.raises(ValueError):
            session.insert("k0", minhash(words(0, 40), num_perm=64))
    assert all(f"k{i}" in lsh for i in range(10))
    assert "k3" in lsh.query(minhash(words(3, 43), num_perm=64))
    counts = lsh.get_counts()
    assert len(counts) == lsh.b
    assert all(sum(c.values()) == 10 for c in counts)
    subset = lsh.get_subset_counts("k1", "k2")
    assert all(sum(c.values()) == 2 for c in subset)


def test_lsh_merge():
    a = MinHashLSH(threshold=0.5, num_perm=64)
    b = MinHashLSH(threshold=0.5, num_perm=64)
    a.insert("x", minhash(words(0, 50), num_perm=64))
    b.insert("y", minhash(words(0, 50), num_perm=64))
    a.merge(b)
    assert sorted(a.query(minhash(words(0, 50), num_perm=64))) == ["x", "y"]
    with pytest.raises(ValueError):
        a.merge(MinHashLSH(threshold=0.9, num_perm=64))
