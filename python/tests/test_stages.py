# The pipeline stages: normalize, tokenize, shingles, MinHasher, LshIndex.
import numpy as np
import pytest

import mimeo

TEXT = ("The port authority of Lindqvist Bay said on Tuesday that the new "
        "container terminal would open in March, two years later than first "
        "planned.")


def test_normalize_folds_case_width_quotes_and_space():
    assert mimeo.normalize("  Ｆｉ “Quoted”\t\tＴＥＸＴ ") == 'fi "quoted" text'
    assert mimeo.normalize("ABC", case_fold=False) == "ABC"


def test_normalize_repairs_invalid_utf8():
    assert mimeo.normalize(b"caf\xff ok") == "caf\ufffd ok"


def test_normalize_rejects_non_text():
    with pytest.raises(TypeError, match="text"):
        mimeo.normalize(42)


def test_tokenize_words_and_ngrams():
    assert mimeo.tokenize("Hello, World! 2008") == ["hello", "world", "2008"]
    assert mimeo.tokenize("abcdef", mode="char_ngrams", char_ngram=3) == [
        "abc", "bcd", "cde", "def"]
    with pytest.raises(ValueError, match="mode"):
        mimeo.tokenize("x", mode="letters")


def test_shingles_dtype_shape_and_determinism():
    s = mimeo.shingles(TEXT)
    n = len(mimeo.tokenize(TEXT))
    assert s.dtype == np.uint64 and s.shape == (n - 4,)
    assert np.array_equal(s, mimeo.shingles(TEXT))
    assert mimeo.shingles("one two").shape == (1,)
    assert mimeo.shingles("  ...  ").shape == (0,)
    assert not np.array_equal(s, mimeo.shingles(TEXT, seed=7))
    assert mimeo.shingles(TEXT, k=3).shape == (n - 2,)
    with pytest.raises(ValueError):
        mimeo.shingles(TEXT, k=0)


def test_minhasher_signature_of_text_equals_signature_of_shingles():
    h = mimeo.MinHasher(64, seed=3)
    sig = h.signature(TEXT)
    assert sig.dtype == np.uint32 and sig.shape == (64,)
    assert np.array_equal(sig, h.signature(mimeo.shingles(TEXT)))
    assert np.array_equal(sig, h.signature(list(mimeo.shingles(TEXT))))
    assert np.all(h.signature("") == 0xFFFFFFFF)
    assert h.num_perm == 64 and h.seed == 3 and h.scheme == "permutations"
    assert "num_perm=64" in repr(h)


def test_minhasher_batch_is_2d_and_matches_single():
    h = mimeo.MinHasher(32, scheme="one_permutation")
    texts = [TEXT, TEXT.upper(), "something else entirely, with words", b""]
    sigs = h.signatures(texts)
    assert sigs.dtype == np.uint32 and sigs.shape == (4, 32)
    for i, t in enumerate(texts):
        assert np.array_equal(sigs[i], h.signature(t))
    assert np.array_equal(sigs[0], sigs[1])
    assert h.signatures([]).shape == (0, 32)
    by_sets = h.signatures_of_shingles([mimeo.shingles(t) for t in texts])
    assert np.array_equal(by_sets, sigs)
    with pytest.raises(TypeError, match=r"texts\[1\]"):
        h.signatures(["ok", 3])


def test_minhasher_estimate_tracks_jaccard():
    words = [f"w{i}" for i in range(400)]
    a = " ".join(words[:300])
    b = " ".join(words[100:])
    sa, sb = set(mimeo.shingles(a).tolist()), set(mimeo.shingles(b).tolist())
    exact = len(sa & sb) / len(sa | sb)
    h = mimeo.MinHasher(256)
    estimate = mimeo.estimate_jaccard(h.signature(a), h.signature(b))
    assert abs(estimate - exact) < 3 / 256 ** 0.5


def test_minhasher_rejects_bad_parameters():
    with pytest.raises(ValueError):
        mimeo.MinHasher(0)
    with pytest.raises(ValueError, match="scheme"):
        mimeo.MinHasher(16, scheme="nope")


def test_lsh_params_and_index():
    b, r = mimeo.lsh_params(0.5, 128)
    assert b * r <= 128 and b >= 1 and r >= 1
    with pytest.raises(ValueError):
        mimeo.lsh_params(1.5)
    h = mimeo.MinHasher(128)
    index = mimeo.LshIndex(128, b, r)
    texts = [TEXT, TEXT + " And one more sentence at the end.",
             "an unrelated text about comets and the night sky"]
    sigs = h.signatures(texts)
    index.add_batch(np.arange(3, dtype=np.uint32), sigs)
    assert len(index) == 3 and 2 in index
    found = index.query(sigs[0])
    assert found.dtype == np.uint32 and 0 in found and 1 in found
    assert 2 not in found
    assert index.band_keys(sigs[0]).shape == (b,)
    with pytest.raises(ValueError):
        index.add(0, sigs[0])
    with pytest.raises(ValueError, match="signature"):
        index.remove(0, sigs[2])
    assert len(index) == 3
    index.remove(0, sigs[0])
    with pytest.raises(KeyError):
        index.remove(0, sigs[0])
    with pytest.raises(ValueError, match="signature"):
        index.query(sigs[0][:10])


def test_hash_bytes():
    h = mimeo.hash_bytes([b"a", b"b", b"a"])
    assert h.dtype == np.uint64 and h[0] == h[2] and h[0] != h[1]
    assert mimeo.hash_bytes([b"a"], seed=1)[0] != h[0]
    with pytest.raises(TypeError):
        mimeo.hash_bytes(["a"])
