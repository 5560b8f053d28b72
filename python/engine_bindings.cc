// mimeo._mimeo._Engine: the Engine behind the Python class mimeo.Engine
// (mimeo/__init__.py), which turns the plain tuples returned here into
// result objects. Options arrive as a dict of flat names (kOptions below);
// every call that can take long releases the GIL, and Cluster() and
// SharedCopy() run on a worker thread so that Ctrl-C interrupts the wait.
#include <pybind11/stl.h>

#include <chrono>
#include <functional>
#include <filesystem>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "bindings.h"
#include "mimeo/engine.h"

namespace mimeo::python {
namespace {

using namespace pybind11::literals;
using Options = Engine::Options;

// One keyword option of mimeo.Engine: its name, its documentation, and how
// it is read from and written to Engine::Options.
struct OptionSpec {
  const char* name;
  const char* doc;
  std::function<void(Options&, const py::handle&)> set;
  std::function<py::object(const Options&)> get;
};

// An option stored in a field of type T; `field` maps Options& (or const
// Options&) to the field.
template <typename T, typename Field>
OptionSpec Plain(const char* name, const char* doc, Field field) {
  return {name, doc,
          [name, field](Options& o, const py::handle& value) {
            try {
              field(o) = value.cast<T>();
            } catch (const py::cast_error&) {
              throw py::type_error(
                  std::string("option ") + name + " must be " +
                  (std::is_same_v<T, bool>       ? "bool"
                   : std::is_floating_point_v<T> ? "float"
                                                 : "int") +
                  ", not " +
                  std::string(py::str(py::type::of(value).attr("__name__"))));
            }
          },
          [field](const Options& o) { return py::cast(field(o)); }};
}

std::string ChoiceOf(const py::handle& value, const char* name) {
  if (!py::isinstance<py::str>(value)) {
    throw py::type_error(std::string("option ") + name + " must be str");
  }
  return value.cast<std::string>();
}

const std::vector<OptionSpec>& Specs() {
  static const std::vector<OptionSpec>* specs = new std::vector<OptionSpec>{
      Plain<bool>(
          "nfkc", "Unicode NFKC normalization (default True)",
          [](auto& o) -> auto& { return o.normalize.nfkc; }),
      Plain<bool>(
          "case_fold", "Unicode case folding (default True)",
          [](auto& o) -> auto& { return o.normalize.case_fold; }),
      Plain<bool>(
          "fold_whitespace", "fold whitespace runs (default True)",
          [](auto& o) -> auto& { return o.normalize.fold_whitespace; }),
      Plain<bool>(
          "fold_punctuation",
          "fold typographic quotes and dashes (default True)",
          [](auto& o) -> auto& { return o.normalize.fold_punctuation; }),
      {"mode", "tokens: \"words\" (default) or \"char_ngrams\"",
       [](Options& o, const py::handle& v) {
         const std::string s = ChoiceOf(v, "mode");
         if (s == "words") {
           o.tokenize.mode = Tokenizer::Mode::kWords;
         } else if (s == "char_ngrams") {
           o.tokenize.mode = Tokenizer::Mode::kCharNgrams;
         } else {
           throw py::value_error("mode must be \"words\" or \"char_ngrams\"");
         }
       },
       [](const Options& o) {
         return py::str(o.tokenize.mode == Tokenizer::Mode::kWords
                            ? "words"
                            : "char_ngrams");
       }},
      Plain<int>(
          "char_ngram", "characters per n-gram in char_ngrams mode (5)",
          [](auto& o) -> auto& { return o.tokenize.char_ngram; }),
      Plain<int>(
          "k", "tokens per shingle (default 5)",
          [](auto& o) -> auto& { return o.shingle.k; }),
      Plain<uint64_t>(
          "shingle_seed", "seed of the shingle hashes",
          [](auto& o) -> auto& { return o.shingle.seed; }),
      {"token_hash",
       "how words are hashed: \"short_mix\" (default) or \"xxh3\" (the "
       "hash of snapshots and indexes made before short_mix; load() and "
       "open() take a file's own)",
       [](Options& o, const py::handle& v) {
         const std::string s = ChoiceOf(v, "token_hash");
         if (s == "short_mix") {
           o.shingle.token_hash = TokenHash::kShortMix;
         } else if (s == "xxh3") {
           o.shingle.token_hash = TokenHash::kXxh3;
         } else {
           throw py::value_error(
               "token_hash must be \"short_mix\" or \"xxh3\"");
         }
       },
       [](const Options& o) {
         return py::str(o.shingle.token_hash == TokenHash::kShortMix
                            ? "short_mix"
                            : "xxh3");
       }},
      Plain<int>(
          "num_perm", "MinHash signature length (default 128)",
          [](auto& o) -> auto& { return o.minhash.num_perm; }),
      Plain<uint64_t>(
          "seed", "MinHash seed (default 1)",
          [](auto& o) -> auto& { return o.minhash.seed; }),
      {"scheme",
       "MinHash scheme: \"permutations\" (default) or \"one_permutation\"",
       [](Options& o, const py::handle& v) {
         const std::string s = ChoiceOf(v, "scheme");
         if (s == "permutations") {
           o.minhash.scheme = MinHashScheme::kPermutations;
         } else if (s == "one_permutation") {
           o.minhash.scheme = MinHashScheme::kOnePermutation;
         } else {
           throw py::value_error(
               "scheme must be \"permutations\" or \"one_permutation\"");
         }
       },
       [](const Options& o) {
         return py::str(o.minhash.scheme == MinHashScheme::kPermutations
                            ? "permutations"
                            : "one_permutation");
       }},
      Plain<double>(
          "lsh_threshold",
          "Jaccard the LSH banding is tuned for (default 0.05)",
          [](auto& o) -> auto& { return o.lsh_threshold; }),
      Plain<uint32_t>(
          "lsh_bands", "explicit LSH bands (0: from the threshold)",
          [](auto& o) -> auto& { return o.lsh_bands; }),
      Plain<uint32_t>(
          "lsh_rows", "explicit LSH rows (0: from the threshold)",
          [](auto& o) -> auto& { return o.lsh_rows; }),
      Plain<uint32_t>(
          "lsh_large_bucket", "buckets above this are paired star-wise (128)",
          [](auto& o) -> auto& { return o.lsh_large_bucket; }),
      Plain<int>(
          "simhash_max_distance",
          "also find candidates by SimHash within this distance (-1: off)",
          [](auto& o) -> auto& { return o.simhash_max_distance; }),
      Plain<double>(
          "jaccard_threshold", "near-duplicate Jaccard (0.3)",
          [](auto& o) -> auto& { return o.verify.jaccard_threshold; }),
      Plain<double>(
          "containment_threshold", "near-duplicate containment (0.7)",
          [](auto& o) -> auto& { return o.verify.containment_threshold; }),
      Plain<uint32_t>(
          "min_containment_shingles",
          "shingles a contained document needs for containment to count (5)",
          [](auto& o) -> auto& { return o.verify.min_containment_shingles; }),
      Plain<double>(
          "common_jaccard_threshold",
          "whole-set Jaccard that passes however common the text (0.5)",
          [](auto& o) -> auto& { return o.verify.common_jaccard_threshold; }),
      Plain<double>(
          "member_jaccard_threshold", "cluster membership Jaccard (0.3)",
          [](auto& o) -> auto& { return o.member.jaccard_threshold; }),
      Plain<double>(
          "member_containment_threshold",
          "cluster membership containment (0.6)",
          [](auto& o) -> auto& { return o.member.containment_threshold; }),
      Plain<bool>(
          "guard_chaining", "guard clusters against chaining (True)",
          [](auto& o) -> auto& { return o.cluster.guard_chaining; }),
      Plain<double>(
          "representative_threshold",
          "score a member needs against the cluster's core (0.1)",
          [](auto& o) -> auto& { return o.cluster.representative_threshold; }),
      Plain<bool>(
          "copy", "find shared passages, keeping texts (default True)",
          [](auto& o) -> auto& { return o.copy.enabled; }),
      Plain<uint32_t>(
          "max_passages", "passages kept per pair (default 100)",
          [](auto& o) -> auto& { return o.copy.max_passages; }),
      Plain<double>(
          "cluster_share",
          "share of copy to join a copy cluster (default 0.05)",
          [](auto& o) -> auto& { return o.copy.cluster_share; }),
      Plain<bool>(
          "keep_shingle_sets", "verify on exact shingle sets (default True)",
          [](auto& o) -> auto& { return o.keep_shingle_sets; }),
      Plain<bool>(
          "index_on_add",
          "file documents in the LSH index as added (default True)",
          [](auto& o) -> auto& { return o.index_on_add; }),
      Plain<uint64_t>(
          "expected_documents",
          "documents expected, to reserve room (default 0)",
          [](auto& o) -> auto& { return o.expected_documents; }),
      Plain<uint64_t>(
          "max_document_bytes",
          "longer documents are refused (default 256 MiB)",
          [](auto& o) -> auto& { return o.max_document_bytes; }),
      Plain<int>(
          "threads", "worker threads, 0 = all cores (default 0)",
          [](auto& o) -> auto& { return o.threads; }),
  };
  return *specs;
}

std::string OptionNames() {
  std::string names = "revision_thresholds";
  for (const OptionSpec& s : Specs()) names += std::string(", ") + s.name;
  return names;
}

// Applies `kwargs` to `options`. "revision_thresholds=True" applies
// Options::UseRevisionThresholds first, so explicit thresholds win.
void ApplyOptions(const py::dict& kwargs, Options& options) {
  for (auto [key, value] : kwargs) {
    const std::string name = py::str(key);
    if (name == "revision_thresholds") {
      if (value.cast<bool>()) Options::UseRevisionThresholds(options);
      continue;
    }
    bool known = false;
    for (const OptionSpec& s : Specs()) known |= name == s.name;
    if (!known) {
      throw py::type_error("unknown option '" + name +
                           "'; valid options: " + OptionNames());
    }
  }
  for (const OptionSpec& s : Specs()) {
    if (kwargs.contains(s.name)) s.set(options, kwargs[s.name]);
  }
  ThrowIfError(options.Validate());
}

py::dict OptionsDict(const Options& options) {
  py::dict out;
  for (const OptionSpec& s : Specs()) out[s.name] = s.get(options);
  return out;
}

// Runs `work` on a worker thread while this thread, GIL released, waits
// for it, taking the GIL back every 50 ms to let Python handle signals.
// When a handler raises (Ctrl-C: KeyboardInterrupt), that exception is
// raised at once; the worker finishes in the background, keeping the
// engine alive through `keep`, and its result is dropped.
template <typename T>
T RunInterruptible(std::shared_ptr<Engine> keep,
                   std::function<T(const Engine&)> work) {
  auto task = std::make_shared<std::packaged_task<T()>>(
      [keep, work = std::move(work)] { return work(*keep); });
  std::future<T> result = task->get_future();
  std::thread worker([task] { (*task)(); });
  while (true) {
    std::future_status status;
    {
      py::gil_scoped_release release;
      status = result.wait_for(std::chrono::milliseconds(50));
    }
    if (status == std::future_status::ready) break;
    if (PyErr_CheckSignals() != 0) {
      worker.detach();
      throw py::error_already_set();
    }
  }
  worker.join();
  return result.get();
}

py::tuple PassageTuple(const Passage& p, std::string_view a_text) {
  return py::make_tuple(p.a_begin, p.a_end, p.b_begin, p.b_end, p.a_token_begin,
                        p.a_token_end, p.b_token_begin, p.b_token_end,
                        p.shared_shingles, p.a_words, p.b_words,
                        p.boilerplate, std::string(BoilerplateName(p.reason)),
                        p.doc_frequency, DecodeSlice(a_text, p.a_begin, p.a_end));
}

py::list PassageList(const std::vector<Passage>& passages,
                     std::string_view a_text) {
  py::list out;
  for (const Passage& p : passages) out.append(PassageTuple(p, a_text));
  return out;
}

py::tuple SimilarityTuple(const Similarity& s) {
  return py::make_tuple(s.jaccard, s.containment_a_in_b, s.containment_b_in_a,
                        s.intersection, s.size_a, s.size_b);
}

py::tuple ClusterTuple(const Engine& engine, const Cluster& c) {
  py::list ids;
  for (DocId d : c.members) ids.append(engine.id(d));
  return py::make_tuple(c.id, engine.id(c.representative), c.representative,
                        ids, c.members);
}

// A date argument: None, or an int.
std::optional<int64_t> DateArgument(const py::handle& date) {
  if (date.is_none()) return std::nullopt;
  if (!py::isinstance<py::int_>(date)) {
    throw py::type_error(
        "date must be an int or None, not " +
        std::string(py::str(py::type::of(date).attr("__name__"))));
  }
  return date.cast<int64_t>();
}

// A source argument: None (no source), or a str.
std::string SourceArgument(const py::handle& source) {
  if (source.is_none()) return std::string();
  if (!py::isinstance<py::str>(source)) {
    throw py::type_error(
        "source must be a str or None, not " +
        std::string(py::str(py::type::of(source).attr("__name__"))));
  }
  return source.cast<std::string>();
}

Document ToDocument(const py::handle& item, size_t index) {
  py::object id, text, date = py::none(), source = py::none();
  if (py::isinstance<py::dict>(item)) {
    const py::dict d = py::reinterpret_borrow<py::dict>(item);
    if (!d.contains("id") || !d.contains("text")) {
      throw py::value_error("document " + std::to_string(index) +
                            ": a dict needs the keys 'id' and 'text'");
    }
    id = d["id"];
    text = d["text"];
    if (d.contains("date")) date = d["date"];
    if (d.contains("source")) source = d["source"];
  } else if (py::isinstance<py::tuple>(item) ||
             py::isinstance<py::list>(item)) {
    const py::sequence s = py::reinterpret_borrow<py::sequence>(item);
    if (s.size() != 2 && s.size() != 3) {
      throw py::value_error("document " + std::to_string(index) +
                            ": a pair (id, text) or triple (id, text, date)");
    }
    id = s[0];
    text = s[1];
    if (s.size() == 3) date = s[2];
  } else {
    throw py::type_error(
        "document " + std::to_string(index) +
        " must be an (id, text) pair or a dict, not " +
        std::string(py::str(py::type::of(item).attr("__name__"))));
  }
  if (!py::isinstance<py::str>(id)) {
    throw py::type_error("id of document " + std::to_string(index) +
                         " must be str");
  }
  Document doc;
  doc.id = id.cast<std::string>();
  doc.text = std::string(TextArgument(text, "text"));
  doc.date = DateArgument(date);
  doc.source = SourceArgument(source);
  return doc;
}

class PyEngine {
 public:
  explicit PyEngine(const py::dict& kwargs) {
    Options options;
    ApplyOptions(kwargs, options);
    engine_ = ValueOrThrow(Engine::Create(options));
  }
  explicit PyEngine(std::shared_ptr<Engine> engine)
      : engine_(std::move(engine)) {}

  static PyEngine Load(const std::string& path, const py::dict& kwargs) {
    absl::StatusOr<Engine::SnapshotInfo> info;
    {
      py::gil_scoped_release release;
      info = Engine::ReadSnapshotInfo(path);
    }
    Options options = ValueOrThrow(std::move(info)).options;
    ApplyOptions(kwargs, options);
    absl::StatusOr<std::unique_ptr<Engine>> engine;
    {
      py::gil_scoped_release release;
      engine = Engine::Load(path, options);
    }
    return PyEngine(std::shared_ptr<Engine>(ValueOrThrow(std::move(engine))));
  }

  // An index directory (Engine::Open): an existing index with its own
  // hashing parameters, copy setting, sets and window, then `kwargs` (a
  // contradiction is refused by Open, naming it); a missing or empty
  // directory becomes a new index with `kwargs`.
  static PyEngine Open(const std::string& dir, const py::dict& kwargs) {
    std::error_code ec;
    const bool exists =
        std::filesystem::exists(std::filesystem::path(dir) / "data.mdb", ec);
    Options options;
    if (exists) {
      absl::StatusOr<Engine::SnapshotInfo> info;
      {
        py::gil_scoped_release release;
        info = Engine::ReadIndexInfo(dir);
      }
      const Engine::SnapshotInfo& i = ValueOrThrow(std::move(info));
      options = i.options;
      options.copy.enabled = i.has_texts;
      // The index's banding (its band postings), unless a threshold is
      // given: then the LSH index is built in memory for it.
      if (kwargs.contains("lsh_threshold")) {
        options.lsh_bands = 0;
        options.lsh_rows = 0;
      }
    }
    ApplyOptions(kwargs, options);
    absl::StatusOr<std::unique_ptr<Engine>> engine;
    {
      py::gil_scoped_release release;
      engine = Engine::Open(dir, options);
    }
    return PyEngine(std::shared_ptr<Engine>(ValueOrThrow(std::move(engine))));
  }

  DocId Add(const py::object& id, const py::object& text,
            const py::object& date, const py::object& source) {
    if (!py::isinstance<py::str>(id)) throw py::type_error("id must be str");
    Document doc;
    doc.id = id.cast<std::string>();
    doc.text = std::string(TextArgument(text, "text"));
    doc.date = DateArgument(date);
    doc.source = SourceArgument(source);
    absl::StatusOr<DocId> result;
    {
      py::gil_scoped_release release;
      result = engine_->Add(doc);
    }
    return ValueOrThrow(std::move(result));
  }

  std::vector<DocId> AddBatch(const py::list& items) {
    std::vector<Document> docs;
    docs.reserve(items.size());
    for (size_t i = 0; i < items.size(); ++i) {
      docs.push_back(ToDocument(items[i], i));
    }
    absl::StatusOr<std::vector<DocId>> result;
    {
      py::gil_scoped_release release;
      result = engine_->AddBatch(docs);
    }
    return ValueOrThrow(std::move(result));
  }

  void Remove(const std::string& id) {
    absl::Status status;
    {
      py::gil_scoped_release release;
      status = engine_->Remove(id);
    }
    ThrowIfError(status, /*not_found_is_key=*/true);
  }

  py::list Query(const py::object& text) const {
    const std::string_view view = TextArgument(text, "text");
    absl::StatusOr<std::vector<Match>> result;
    {
      py::gil_scoped_release release;
      result = engine_->Query(view);
    }
    py::list out;
    for (const Match& m : ValueOrThrow(std::move(result))) {
      out.append(py::make_tuple(
          m.id, m.doc, m.estimated_jaccard, m.jaccard,
          m.containment_query_in_doc, m.containment_doc_in_query, m.score,
          m.near_duplicate, m.shares_copy, PassageList(m.passages, view),
          m.copied_tokens_query, m.copied_tokens_doc, m.more_passages));
    }
    return out;
  }

  py::tuple ClusterAll() const {
    const Clustering c =
        ValueOrThrow(RunInterruptible<absl::StatusOr<Clustering>>(
            engine_, [](const Engine& e) { return e.Cluster(); }));
    py::list clusters, pairs;
    for (const Cluster& cluster : c.clusters) {
      clusters.append(ClusterTuple(*engine_, cluster));
    }
    for (const VerifiedPair& p : c.pairs) {
      pairs.append(py::make_tuple(engine_->id(p.a), engine_->id(p.b), p.a, p.b,
                                  SimilarityTuple(p.similarity), p.score));
    }
    return py::make_tuple(clusters, pairs, c.candidate_pairs);
  }

  py::tuple SharedCopy() const {
    const CopyReport r =
        ValueOrThrow(RunInterruptible<absl::StatusOr<CopyReport>>(
            engine_, [](const Engine& e) { return e.SharedCopy(); }));
    py::list pairs, families, clusters;
    for (const CopyPair& p : r.pairs) {
      const std::string a_text = ValueOrThrow(engine_->text(p.a));
      pairs.append(py::make_tuple(
          engine_->id(p.a), engine_->id(p.b), p.a, p.b,
          SimilarityTuple(p.similarity), PassageList(p.passages, a_text),
          p.copied_tokens_a, p.copied_tokens_b, p.more_passages));
    }
    for (const CopyFamily& f : r.families) {
      py::list members;
      for (const FamilyMember& m : f.members) {
        members.append(
            py::make_tuple(engine_->id(m.doc), m.doc, m.begin, m.end));
      }
      const std::string origin_text = ValueOrThrow(engine_->text(f.origin));
      families.append(py::make_tuple(
          f.id, engine_->id(f.origin), f.origin, f.origin_begin, f.origin_end,
          DecodeSlice(origin_text, f.origin_begin, f.origin_end), members,
          f.num_docs));
    }
    for (const Cluster& cluster : r.clusters) {
      clusters.append(ClusterTuple(*engine_, cluster));
    }
    return py::make_tuple(pairs, families, clusters, r.candidate_pairs);
  }

  py::tuple Passages(DocId a, DocId b) const {
    CheckDoc(a);
    CheckDoc(b);
    uint32_t more = 0;
    absl::StatusOr<std::vector<Passage>> result;
    {
      py::gil_scoped_release release;
      result = engine_->Passages(a, b, &more);
    }
    const std::vector<Passage> passages = ValueOrThrow(std::move(result));
    const std::string a_text = ValueOrThrow(engine_->text(a));
    return py::make_tuple(PassageList(passages, a_text), more);
  }

  void Save(const std::string& path) const {
    absl::Status status;
    {
      py::gil_scoped_release release;
      status = engine_->Save(path);
    }
    ThrowIfError(status);
  }

  void CheckDoc(DocId doc) const {
    if (doc >= engine_->num_ids()) {
      throw py::index_error("doc " + std::to_string(doc) + " out of range (" +
                            std::to_string(engine_->num_ids()) +
                            " ids issued)");
    }
  }

  const Engine& engine() const { return *engine_; }

 private:
  std::shared_ptr<Engine> engine_;
};

}  // namespace

void RegisterEngine(py::module_& m) {
  py::dict option_docs;
  option_docs["revision_thresholds"] =
      "True: the looser thresholds for revision histories (Jaccard 0.05, "
      "containment 0.25), before any explicit threshold";
  for (const OptionSpec& s : Specs()) option_docs[s.name] = s.doc;
  m.attr("ENGINE_OPTIONS") = option_docs;

  py::class_<PyEngine>(m, "_Engine")
      .def(py::init<const py::dict&>(), "options"_a)
      .def_static("load", &PyEngine::Load, "path"_a, "options"_a)
      .def_static("open", &PyEngine::Open, "dir"_a, "options"_a)
      .def("add", &PyEngine::Add, "id"_a, "text"_a, "date"_a = py::none(),
           "source"_a = py::none())
      .def("add_batch", &PyEngine::AddBatch, "items"_a)
      .def("remove", &PyEngine::Remove, "id"_a)
      .def("query", &PyEngine::Query, "text"_a)
      .def("cluster", &PyEngine::ClusterAll)
      .def("shared_copy", &PyEngine::SharedCopy)
      .def("passages", &PyEngine::Passages, "a"_a, "b"_a)
      .def("save", &PyEngine::Save, "path"_a)
      .def("id",
           [](const PyEngine& e, DocId doc) {
             e.CheckDoc(doc);
             return e.engine().id(doc);
           })
      .def("text",
           [](const PyEngine& e, DocId doc) {
             e.CheckDoc(doc);
             return py::bytes(ValueOrThrow(e.engine().text(doc)));
           })
      .def("date",
           [](const PyEngine& e, DocId doc) {
             e.CheckDoc(doc);
             return e.engine().date(doc);
           })
      .def("source",
           [](const PyEngine& e, DocId doc) {
             e.CheckDoc(doc);
             return e.engine().source(doc);
           })
      .def("num_ids", [](const PyEngine& e) { return e.engine().num_ids(); })
      .def("options",
           [](const PyEngine& e) { return OptionsDict(e.engine().options()); })
      .def("lsh_params",
           [](const PyEngine& e) {
             return py::make_tuple(e.engine().lsh_params().bands,
                                   e.engine().lsh_params().rows);
           })
      .def("stats", [](const PyEngine& e) {
        const EngineStats s = e.engine().stats();
        py::dict d;
        d["documents"] = s.documents;
        d["removed"] = s.removed;
        d["empty_documents"] = s.empty_documents;
        d["bytes"] = s.bytes;
        d["invalid_utf8"] = s.invalid_utf8;
        d["nul_bytes"] = s.nul_bytes;
        d["shingles"] = s.shingles;
        d["fingerprints"] = s.fingerprints;
        return d;
      });
}

}  // namespace mimeo::python
