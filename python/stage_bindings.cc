// The pipeline stages, each usable on its own from Python: normalize,
// tokenize, shingles, MinHasher (signatures of texts or of hashes, one or a
// batch), hash_bytes, estimate_jaccard, lsh_params and LshIndex.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <xxhash.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bindings.h"
#include "mimeo/lsh_index.h"
#include "mimeo/lsh_params.h"
#include "mimeo/minhash.h"
#include "mimeo/normalize.h"
#include "mimeo/shingle.h"
#include "mimeo/tokenize.h"

namespace mimeo::python {
namespace {

using namespace pybind11::literals;

using U64Array =
    py::array_t<uint64_t, py::array::c_style | py::array::forcecast>;
using U32Array =
    py::array_t<uint32_t, py::array::c_style | py::array::forcecast>;

Tokenizer::Mode ParseMode(const std::string& mode) {
  if (mode == "words") return Tokenizer::Mode::kWords;
  if (mode == "char_ngrams") return Tokenizer::Mode::kCharNgrams;
  throw py::value_error("mode must be \"words\" or \"char_ngrams\", not \"" +
                        mode + "\"");
}

MinHashScheme ParseScheme(const std::string& scheme) {
  if (scheme == "permutations") return MinHashScheme::kPermutations;
  if (scheme == "one_permutation") return MinHashScheme::kOnePermutation;
  throw py::value_error(
      "scheme must be \"permutations\" or \"one_permutation\", not \"" +
      scheme + "\"");
}

// Normalizer, tokenizer and shingler with default normalization: the path
// from a text to its shingle hashes, as the Engine takes it.
struct TextPipeline {
  Normalizer normalizer;
  Tokenizer tokenizer;
  Shingler shingler;

  static TextPipeline Make(int k, uint64_t seed, const std::string& mode,
                           int char_ngram) {
    Tokenizer::Options t;
    t.mode = ParseMode(mode);
    t.char_ngram = char_ngram;
    Shingler::Options s;
    s.k = k;
    s.seed = seed;
    return TextPipeline{ValueOrThrow(Normalizer::Create({})),
                        ValueOrThrow(Tokenizer::Create(t)),
                        ValueOrThrow(Shingler::Create(s))};
  }

  // Buffers reused across texts.
  struct Scratch {
    NormalizedText normalized;
    std::vector<Token> tokens;
    Shingles shingles;
  };

  // Fails only on a text over Normalizer::kMaxInputBytes.
  absl::Status Shingle(std::string_view text, Scratch& s) const {
    absl::Status status = normalizer.Normalize(text, s.normalized);
    if (!status.ok()) return status;
    tokenizer.Tokenize(s.normalized.text, s.tokens);
    shingler.Shingle(s.normalized.text, s.tokens, s.shingles);
    return absl::OkStatus();
  }
};

// The texts of a Python iterable of str or bytes, as views kept alive by
// `owners`; TypeError names the position of a bad item.
std::vector<std::string_view> TextList(const py::iterable& texts,
                                       std::vector<py::object>& owners) {
  std::vector<std::string_view> views;
  for (py::handle item : texts) {
    owners.push_back(py::reinterpret_borrow<py::object>(item));
    const std::string name = "texts[" + std::to_string(views.size()) + "]";
    views.push_back(TextArgument(item, name.c_str()));
  }
  return views;
}

class PyMinHasher {
 public:
  PyMinHasher(int num_perm, uint64_t seed, const std::string& scheme, int k,
              uint64_t shingle_seed, const std::string& mode, int char_ngram)
      : pipeline_(TextPipeline::Make(k, shingle_seed, mode, char_ngram)),
        hasher_(
            ValueOrThrow(MinHasher::Create({.num_perm = num_perm,
                                            .seed = seed,
                                            .scheme = ParseScheme(scheme)}))) {}

  size_t num_perm() const { return hasher_.params().num_perm; }
  // The name ParseScheme() takes.
  std::string scheme() const {
    return hasher_.params().scheme == MinHashScheme::kPermutations
               ? "permutations"
               : "one_permutation";
  }

  py::array_t<uint32_t> Signature(const py::object& input) const {
    py::array_t<uint32_t> out(num_perm());
    uint32_t* values = out.mutable_data();
    if (PyUnicode_Check(input.ptr()) || PyBytes_Check(input.ptr())) {
      const std::string_view text = TextArgument(input, "text");
      absl::Status status;
      {
        py::gil_scoped_release release;
        TextPipeline::Scratch scratch;
        status = pipeline_.Shingle(text, scratch);
        if (status.ok()) {
          hasher_.Sketch(scratch.shingles.hashes, {values, num_perm()});
        }
      }
      ThrowIfError(status);
      return out;
    }
    U64Array hashes = input.cast<U64Array>();
    if (hashes.ndim() != 1) {
      throw py::value_error("shingles must be a 1-D array of uint64");
    }
    const absl::Span<const uint64_t> span(hashes.data(),
                                          static_cast<size_t>(hashes.size()));
    py::gil_scoped_release release;
    hasher_.Sketch(span, {values, num_perm()});
    return out;
  }

  py::array_t<uint32_t> Signatures(const py::iterable& texts) const {
    std::vector<py::object> owners;
    const std::vector<std::string_view> views = TextList(texts, owners);
    const size_t n = views.size(), p = num_perm();
    py::array_t<uint32_t> out({n, p});
    uint32_t* values = out.mutable_data();
    std::vector<absl::Status> errors(n);
    {
      py::gil_scoped_release release;
      tbb::parallel_for(
          tbb::blocked_range<size_t>(0, n, 16),
          [&](const tbb::blocked_range<size_t>& range) {
            TextPipeline::Scratch scratch;
            for (size_t i = range.begin(); i < range.end(); ++i) {
              errors[i] = pipeline_.Shingle(views[i], scratch);
              hasher_.Sketch(scratch.shingles.hashes, {values + i * p, p});
            }
          });
    }
    for (const absl::Status& e : errors) ThrowIfError(e);
    return out;
  }

  py::array_t<uint32_t> SignaturesOfHashes(const py::iterable& sets) const {
    std::vector<U64Array> arrays;
    for (py::handle item : sets) arrays.push_back(item.cast<U64Array>());
    const size_t n = arrays.size(), p = num_perm();
    py::array_t<uint32_t> out({n, p});
    uint32_t* values = out.mutable_data();
    std::vector<absl::Span<const uint64_t>> spans;
    for (const U64Array& a : arrays) {
      spans.emplace_back(a.data(), static_cast<size_t>(a.size()));
    }
    py::gil_scoped_release release;
    tbb::parallel_for(tbb::blocked_range<size_t>(0, n, 16),
                      [&](const tbb::blocked_range<size_t>& range) {
                        for (size_t i = range.begin(); i < range.end(); ++i) {
                          hasher_.Sketch(spans[i], {values + i * p, p});
                        }
                      });
    return out;
  }

  const TextPipeline& pipeline() const { return pipeline_; }
  const MinHasher& hasher() const { return hasher_; }

 private:
  TextPipeline pipeline_;
  MinHasher hasher_;
};

// XXH3 (64-bit, seeded) of each bytes-like item.
py::array_t<uint64_t> HashBytes(const py::iterable& items, uint64_t seed) {
  std::vector<py::object> owners;
  std::vector<std::string_view> views;
  for (py::handle item : items) {
    owners.push_back(py::reinterpret_borrow<py::object>(item));
    if (PyBytes_Check(item.ptr())) {
      views.emplace_back(PyBytes_AS_STRING(item.ptr()),
                         static_cast<size_t>(PyBytes_GET_SIZE(item.ptr())));
    } else if (PyByteArray_Check(item.ptr())) {
      views.emplace_back(PyByteArray_AS_STRING(item.ptr()),
                         static_cast<size_t>(PyByteArray_GET_SIZE(item.ptr())));
    } else {
      throw py::type_error(
          "item " + std::to_string(views.size()) + " must be bytes, not " +
          std::string(py::str(py::type::of(item).attr("__name__"))));
    }
  }
  py::array_t<uint64_t> out(views.size());
  uint64_t* hashes = out.mutable_data();
  py::gil_scoped_release release;
  for (size_t i = 0; i < views.size(); ++i) {
    hashes[i] = XXH3_64bits_withSeed(views[i].data(), views[i].size(), seed);
  }
  return out;
}

class PyLshIndex {
 public:
  PyLshIndex(int num_perm, uint32_t bands, uint32_t rows, uint32_t large_bucket)
      : index_(ValueOrThrow(LshIndex::Create({.num_perm = num_perm,
                                              .bands = bands,
                                              .rows = rows,
                                              .large_bucket = large_bucket}))) {
  }

  absl::Span<const uint32_t> Checked(const U32Array& signature) const {
    const auto p = static_cast<size_t>(index_.options().num_perm);
    if (signature.ndim() != 1 || static_cast<size_t>(signature.size()) != p) {
      throw py::value_error("signature must be a 1-D array of " +
                            std::to_string(p) + " values");
    }
    return {signature.data(), p};
  }

  void Add(DocId id, const U32Array& signature) {
    ThrowIfError(index_.Add(id, Checked(signature)));
  }
  void AddBatch(
      const py::array_t<DocId, py::array::c_style | py::array::forcecast>& ids,
      const U32Array& signatures) {
    const auto p = static_cast<size_t>(index_.options().num_perm);
    if (signatures.ndim() != 2 ||
        static_cast<size_t>(signatures.shape(1)) != p ||
        signatures.shape(0) != ids.size()) {
      throw py::value_error(
          "signatures must be a 2-D array of len(ids) rows of " +
          std::to_string(p) + " values");
    }
    absl::Status status;
    {
      py::gil_scoped_release release;
      status = index_.AddBatch(
          {ids.data(), static_cast<size_t>(ids.size())},
          {signatures.data(), static_cast<size_t>(signatures.size())});
    }
    ThrowIfError(status);
  }
  void Remove(DocId id, const U32Array& signature) {
    ThrowIfError(index_.Remove(id, Checked(signature)), true);
  }
  py::array_t<DocId> Query(const U32Array& signature) const {
    const LshQueryResult result = index_.Query(Checked(signature));
    py::array_t<DocId> out(result.candidates.size());
    DocId* ids = out.mutable_data();
    for (size_t i = 0; i < result.candidates.size(); ++i) {
      ids[i] = result.candidates[i].id;
    }
    return out;
  }
  py::array_t<uint64_t> BandKeys(const U32Array& signature) const {
    const absl::Span<const uint32_t> s = Checked(signature);
    py::array_t<uint64_t> out(index_.options().bands);
    uint64_t* keys = out.mutable_data();
    for (uint32_t b = 0; b < index_.options().bands; ++b) {
      keys[b] = index_.BandKey(s, b);
    }
    return out;
  }
  const LshIndex& index() const { return index_; }

 private:
  LshIndex index_;
};

}  // namespace

void RegisterStages(py::module_& m) {
  m.attr("DEFAULT_SHINGLE_SEED") = py::int_(Shingler::Options{}.seed);

  m.def(
      "normalize",
      [](const py::object& text, bool nfkc, bool case_fold,
         bool fold_whitespace, bool fold_punctuation) {
        const std::string_view view = TextArgument(text, "text");
        const Normalizer normalizer = ValueOrThrow(
            Normalizer::Create({.nfkc = nfkc,
                                .case_fold = case_fold,
                                .fold_whitespace = fold_whitespace,
                                .fold_punctuation = fold_punctuation}));
        NormalizedText out;
        absl::Status status;
        {
          py::gil_scoped_release release;
          status = normalizer.Normalize(view, out);
        }
        ThrowIfError(status);
        return py::str(out.text);
      },
      "text"_a, py::kw_only(), "nfkc"_a = true, "case_fold"_a = true,
      "fold_whitespace"_a = true, "fold_punctuation"_a = true,
      R"(The text as every later stage sees it: invalid UTF-8 (in bytes) repaired
to U+FFFD, Unicode NFKC, case folded, whitespace runs folded to one space,
typographic quotes and dashes folded to ASCII.

text: str or bytes (any bytes). Returns str.)");

  m.def(
      "tokenize",
      [](const py::object& text, const std::string& mode, int char_ngram,
         bool normalize) {
        const std::string_view view = TextArgument(text, "text");
        const TextPipeline pipeline =
            TextPipeline::Make(1, Shingler::Options{}.seed, mode, char_ngram);
        NormalizedText normalized;
        if (normalize) {
          ThrowIfError(pipeline.normalizer.Normalize(view, normalized));
        } else {
          normalized.text = std::string(view);
        }
        std::vector<Token> tokens;
        pipeline.tokenizer.Tokenize(normalized.text, tokens);
        py::list out;
        for (const Token& t : tokens) {
          out.append(DecodeSlice(normalized.text, t.begin, t.end));
        }
        return out;
      },
      "text"_a, py::kw_only(), "mode"_a = "words", "char_ngram"_a = 5,
      "normalize"_a = true,
      R"(The tokens of a text, as a list of str: words (letters, digits, marks;
one token per character for CJK, Thai, Lao, Khmer) or, with
mode="char_ngrams", overlapping n-grams of char_ngram characters. The text
is normalized first unless normalize=False.)");

  m.def(
      "shingles",
      [](const py::object& text, int k, uint64_t seed, const std::string& mode,
         int char_ngram) {
        const std::string_view view = TextArgument(text, "text");
        const TextPipeline pipeline =
            TextPipeline::Make(k, seed, mode, char_ngram);
        TextPipeline::Scratch scratch;
        absl::Status status;
        {
          py::gil_scoped_release release;
          status = pipeline.Shingle(view, scratch);
        }
        ThrowIfError(status);
        const std::vector<uint64_t>& h = scratch.shingles.hashes;
        return py::array_t<uint64_t>(h.size(), h.data());
      },
      "text"_a, py::kw_only(), "k"_a = 5, "seed"_a = Shingler::Options{}.seed,
      "mode"_a = "words", "char_ngram"_a = 5,
      R"(The 64-bit hashes of the k-token shingles of a text (normalized and
tokenized as the Engine does), in text order, repeats kept: a numpy uint64
array of n - k + 1 values for n tokens (one for 1 <= n < k, none for n = 0).
np.unique() gives the shingle set.)");

  m.def("hash_bytes", &HashBytes, "items"_a, "seed"_a = 0,
        R"(XXH3-64 of each bytes item (seeded), as a numpy uint64 array.)");

  m.def(
      "estimate_jaccard",
      [](const U32Array& a, const U32Array& b) {
        if (a.ndim() != 1 || b.ndim() != 1 || a.size() != b.size()) {
          throw py::value_error(
              "signatures must be 1-D arrays of the same length");
        }
        return EstimateJaccard({a.data(), static_cast<size_t>(a.size())},
                               {b.data(), static_cast<size_t>(b.size())});
      },
      "a"_a, "b"_a,
      R"(The share of equal positions of two signatures (the MinHash estimate
of the Jaccard similarity); 0 when either is an empty set's.)");

  m.def(
      "lsh_params",
      [](double threshold, int num_perm, double false_positive_weight,
         double false_negative_weight, double min_recall,
         double recall_margin) {
        const LshParams p = ValueOrThrow(
            ChooseLshParams({.threshold = threshold,
                             .num_perm = num_perm,
                             .min_recall = min_recall,
                             .recall_margin = recall_margin,
                             .false_positive_weight = false_positive_weight,
                             .false_negative_weight = false_negative_weight}));
        return py::make_tuple(p.bands, p.rows);
      },
      "threshold"_a, "num_perm"_a = 128, py::kw_only(),
      "false_positive_weight"_a = 0.5, "false_negative_weight"_a = 0.5,
      "min_recall"_a = 0.99, "recall_margin"_a = 0.05,
      R"((bands, rows) for a Jaccard threshold in (0, 1): among the bandings
whose chance of finding a pair at threshold + recall_margin is at least
min_recall (0 turns this floor off), the one with the least weighted area
of false positives below the threshold and false negatives above it.)");

  py::class_<PyMinHasher>(m, "MinHasher",
                          R"(MinHash signatures of texts or of shingle hashes.

MinHasher(num_perm=128, seed=1, scheme="permutations", *, k=5,
          shingle_seed=DEFAULT_SHINGLE_SEED, mode="words", char_ngram=5)

scheme: "permutations" (num_perm hash functions) or "one_permutation"
(one hash, num_perm bins, optimal densification). k, shingle_seed, mode and
char_ngram say how texts are shingled (see shingles()). Immutable; its
methods release the GIL and may run from many threads.)")
      .def(py::init<int, uint64_t, const std::string&, int, uint64_t,
                    const std::string&, int>(),
           "num_perm"_a = 128, "seed"_a = 1, "scheme"_a = "permutations",
           py::kw_only(), "k"_a = 5,
           "shingle_seed"_a = Shingler::Options{}.seed, "mode"_a = "words",
           "char_ngram"_a = 5)
      .def_property_readonly("num_perm", &PyMinHasher::num_perm)
      .def_property_readonly(
          "seed", [](const PyMinHasher& h) { return h.hasher().params().seed; })
      .def_property_readonly("scheme", &PyMinHasher::scheme)
      .def(
          "signature", &PyMinHasher::Signature, "text_or_shingles"_a,
          R"(The signature (numpy uint32, size num_perm) of a text (str or bytes,
shingled as configured) or of shingle hashes (a 1-D array of uint64, repeats
allowed). An empty set gives 0xFFFFFFFF everywhere.)")
      .def(
          "signatures", &PyMinHasher::Signatures, "texts"_a,
          R"(Signatures of many texts (an iterable of str or bytes) on all cores:
a numpy uint32 array of shape (len(texts), num_perm).)")
      .def("signatures_of_shingles", &PyMinHasher::SignaturesOfHashes,
           "shingle_sets"_a,
           R"(Signatures of many arrays of shingle hashes, on all cores: shape
(len(shingle_sets), num_perm), uint32.)")
      .def("__repr__", [](const PyMinHasher& h) {
        const MinHashParams& p = h.hasher().params();
        return "MinHasher(num_perm=" + std::to_string(p.num_perm) +
               ", seed=" + std::to_string(p.seed) + ", scheme=\"" + h.scheme() +
               "\")";
      });

  py::class_<PyLshIndex>(m, "LshIndex", R"(A MinHash LSH index over integer ids.

LshIndex(num_perm, bands, rows, large_bucket=128): each signature (uint32,
size num_perm) is cut into `bands` bands of `rows` values (the first
bands * rows values); documents sharing a band with a query are its
candidates. lsh_params() picks (bands, rows) for a threshold.)")
      .def(py::init<int, uint32_t, uint32_t, uint32_t>(), "num_perm"_a,
           "bands"_a, "rows"_a, "large_bucket"_a = 128)
      .def("add", &PyLshIndex::Add, "id"_a, "signature"_a,
           "Files id under its signature's bands; ValueError if id is indexed.")
      .def("add_batch", &PyLshIndex::AddBatch, "ids"_a, "signatures"_a,
           "Files many (all or nothing); signatures has shape (len(ids), "
           "num_perm).")
      .def("remove", &PyLshIndex::Remove, "id"_a, "signature"_a,
           "Removes id, given the signature it was filed with; KeyError if "
           "it is not indexed, ValueError if it was filed with another.")
      .def("query", &PyLshIndex::Query, "signature"_a,
           "Ids sharing a band with the signature (uint32 array), most bands "
           "first.")
      .def("band_keys", &PyLshIndex::BandKeys, "signature"_a,
           "The 64-bit key of each band of a signature (uint64 array).")
      .def_property_readonly(
          "bands",
          [](const PyLshIndex& i) { return i.index().options().bands; })
      .def_property_readonly(
          "rows", [](const PyLshIndex& i) { return i.index().options().rows; })
      .def("__len__", [](const PyLshIndex& i) { return i.index().size(); })
      .def("__contains__", [](const PyLshIndex& i, DocId id) {
        return i.index().Contains(id);
      });
}

}  // namespace mimeo::python
