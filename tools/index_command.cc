// `mimeo index create|add|query|info`: keep an index in a file (the
// engine's snapshot, engine.h), grow it, and ask it about new documents.
// Commands that change the file hold an exclusive flock on it throughout
// (LockIndex()), so concurrent ones take turns.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "command.h"
#include "commands.h"
#include "internal/atomic_file.h"
#include "json_writer.h"
#include "utf8.h"

namespace mimeo::cli {
namespace {

struct IndexArgs {
  CommonArgs common;
  std::string index;
  std::vector<std::string> paths;
  bool force = false;
  bool no_copy = false;
  bool skip_existing = false;
};

// Loads the index with its own hashing parameters, except those given on
// the command line (a mismatch is then refused, naming the parameter).
absl::StatusOr<std::unique_ptr<Engine>> LoadIndex(IndexArgs& args) {
  auto info = Engine::ReadSnapshotInfo(args.index);
  if (!info.ok()) return info.status();
  Engine::Options& o = args.common.engine;
  const HashingParams given = o.hashing();
  HashingParams p = info->options.hashing();
  if (Given(args.common, "--minhash")) p.minhash_scheme = given.minhash_scheme;
  if (Given(args.common, "--shingle")) p.shingle_k = given.shingle_k;
  if (Given(args.common, "--num-perm")) p.num_perm = given.num_perm;
  if (Given(args.common, "--seed")) p.minhash_seed = given.minhash_seed;
  o.SetHashing(p);
  o.copy.enabled = info->has_texts;
  return Engine::Load(args.index, o);
}

void TellWaiting(const std::string& path) {
  std::fprintf(stderr, "mimeo: waiting for another mimeo writing '%s'\n",
               path.c_str());
}

// The exclusive lock a command that changes an index holds from before it
// loads the file until its new version is in place, so that concurrent
// `index add` runs take turns and none loses another's documents. Readers
// (query, info) take no lock: a save replaces the file in one rename, so
// they read the old version or the new one, whole.
absl::StatusOr<internal::FileLock> LockIndex(const IndexArgs& args) {
  return internal::FileLock::Acquire(args.index,
                                     internal::FileLock::Mode::kExclusive,
                                     args.common.quiet ? nullptr : TellWaiting);
}

// Fails, naming the path, when the index could not be saved there at the
// end of the run (a missing or read-only folder, a directory's name): the
// temporary file Save() would make is made now, and removed.
absl::Status CheckSavable(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "cannot write the index '%s': it is a directory", path));
  }
  return internal::AtomicFile::Create(path).status();
}

int Create(IndexArgs& args) {
  const auto start = std::chrono::steady_clock::now();
  CommonArgs& common = args.common;
  FinishEngineOptions(common);
  common.engine.copy.enabled = !args.no_copy;
  std::error_code ec;
  if (std::filesystem::exists(args.index, ec) && !args.force) {
    return StatusExit(absl::AlreadyExistsError(absl::StrFormat(
        "'%s' exists; use mimeo index add to grow it, or --force to "
        "replace it",
        args.index)));
  }
  auto reader = InputReader::Open(args.paths, common.input);
  if (!reader.ok()) return StatusExit(reader.status());
  if (absl::Status s = CheckSavable(args.index); !s.ok()) {
    return StatusExit(s);
  }
  // Replacing an index (--force) waits for a writer adding to it.
  std::optional<internal::FileLock> lock;
  if (std::filesystem::exists(args.index, ec)) {
    auto locked = LockIndex(args);
    if (!locked.ok()) return StatusExit(locked.status());
    lock.emplace(std::move(*locked));
  }
  auto engine = Engine::Create(common.engine);
  if (!engine.ok()) return StatusExit(engine.status());
  if (absl::Status s = ReadInto(**reader, **engine, common.quiet); !s.ok()) {
    return StatusExit(s);
  }
  if (absl::Status s = (*engine)->Save(args.index); !s.ok()) {
    return StatusExit(s);
  }
  PrintSummary(common, (*reader)->counts(), (*engine)->stats(),
               absl::StrFormat("index '%s' written", args.index), start);
  return 0;
}

int Add(IndexArgs& args) {
  const auto start = std::chrono::steady_clock::now();
  CommonArgs& common = args.common;
  FinishEngineOptions(common);
  auto reader = InputReader::Open(args.paths, common.input);
  if (!reader.ok()) return StatusExit(reader.status());
  auto lock = LockIndex(args);
  if (!lock.ok()) return StatusExit(lock.status());
  if (absl::Status s = CheckSavable(args.index); !s.ok()) {
    return StatusExit(s);
  }
  auto engine = LoadIndex(args);
  if (!engine.ok()) return StatusExit(engine.status());
  if (args.skip_existing) {
    // The reader passes by the documents the index holds (removed ones
    // too: the engine does not say which ids are live).
    absl::flat_hash_set<std::string> ids;
    ids.reserve((*engine)->num_ids());
    for (DocId d = 0; d < (*engine)->num_ids(); ++d) {
      ids.insert((*engine)->id(d));
    }
    (*reader)->SkipIds(std::move(ids));
  }
  const uint64_t before = (*engine)->stats().documents;
  if (absl::Status s = ReadInto(**reader, **engine, common.quiet); !s.ok()) {
    return StatusExit(s);  // the file is untouched
  }
  const uint64_t added = (*engine)->stats().documents - before;
  if (added > 0) {
    if (absl::Status s = (*engine)->Save(args.index); !s.ok()) {
      return StatusExit(s);
    }
  }
  std::string results = absl::StrFormat("%d added to '%s'", added, args.index);
  if (args.skip_existing) {
    results += absl::StrFormat(", %d already there skipped",
                               (*reader)->counts().skipped_existing);
  }
  PrintSummary(common, (*reader)->counts(), (*engine)->stats(), results, start);
  return 0;
}

int Query(IndexArgs& args) {
  const auto start = std::chrono::steady_clock::now();
  CommonArgs& common = args.common;
  FinishEngineOptions(common);
  auto reader = InputReader::Open(args.paths, common.input);
  if (!reader.ok()) return StatusExit(reader.status());
  absl::StatusOr<Output> output = Output::Open(common);
  if (!output.ok()) return StatusExit(output.status());
  auto engine_or = LoadIndex(args);
  if (!engine_or.ok()) return StatusExit(engine_or.status());
  const Engine& engine = **engine_or;
  // The queries' texts stay alive for the report; the index's texts are
  // fetched as the report is written.
  std::vector<std::unique_ptr<std::string>> query_texts;
  Report report;
  report.title = absl::StrFormat("mimeo index query %s", args.index);
  report.documents = engine.stats().documents;
  report.text_of = TextsOf(engine);
  std::vector<Document> batch;
  uint64_t queries = 0;
  for (;;) {
    absl::StatusOr<bool> more = (*reader)->Next(batch, uint64_t{32} << 20);
    if (!more.ok()) return StatusExit(more.status());
    for (Document& d : batch) {
      ++queries;
      auto matches = engine.Query(d.text);
      if (!matches.ok()) return StatusExit(matches.status());
      if (matches->empty()) continue;
      query_texts.push_back(std::make_unique<std::string>(std::move(d.text)));
      for (const Match& m : *matches) {
        PairOut p;
        p.a = d.id;
        p.b = m.id;
        p.similarity.jaccard = m.jaccard;
        p.similarity.containment_a_in_b = m.containment_query_in_doc;
        p.similarity.containment_b_in_a = m.containment_doc_in_query;
        p.near_duplicate = m.near_duplicate;
        p.shares_copy = m.shares_copy;
        p.has_passages = engine.options().copy.enabled;
        SetPassages(p, m.passages, m.more_passages);
        p.a_text = *query_texts.back();
        if (p.has_passages) p.b_doc = m.doc;
        report.pairs.push_back(std::move(p));
      }
    }
    if (!*more) break;
  }
  if (queries == 0) {
    return StatusExit(absl::FailedPreconditionError("no documents to query"));
  }
  if (absl::Status s = output->Write(report); !s.ok()) {
    return StatusExit(s);
  }
  PrintSummary(common, (*reader)->counts(), engine.stats(),
               absl::StrFormat("%d queries, %d matches", queries,
                               report.pairs.size()),
               start);
  return 0;
}

int Info(IndexArgs& args) {
  auto info = Engine::ReadSnapshotInfo(args.index);
  if (!info.ok()) return StatusExit(info.status());
  absl::StatusOr<Output> output = Output::Open(args.common);
  if (!output.ok()) return StatusExit(output.status());
  const Engine::Options& o = info->options;
  // ReadSnapshotInfo() refuses a header with more live documents than ids;
  // checked again here so that a wrong count can never print as 2^64 - n.
  if (info->num_live > info->num_ids) {
    return StatusExit(absl::DataLossError(absl::StrFormat(
        "snapshot '%s' is corrupt: %d live documents among %d ids", args.index,
        info->num_live, info->num_ids)));
  }
  // Each field: name, and its value as a string, a number or a flag.
  using Value = std::variant<std::string, uint64_t, bool>;
  const std::vector<std::pair<std::string, Value>> fields = {
      {"index", args.index},
      {"format_version", uint64_t{info->version}},
      {"documents", uint64_t{info->num_live}},
      {"removed", uint64_t{info->num_ids - info->num_live}},
      {"texts", info->has_texts},
      {"bytes", uint64_t{info->file_bytes}},
      {"shingle", static_cast<uint64_t>(o.shingle.k)},
      {"tokenizer", o.tokenize.mode == Tokenizer::Mode::kWords
                        ? std::string("words")
                        : absl::StrFormat("char %d-grams",
                                          o.tokenize.char_ngram)},
      {"num_perm", static_cast<uint64_t>(o.minhash.num_perm)},
      {"minhash", std::string(MinHashSchemeName(o.minhash.scheme))},
      {"seed", uint64_t{o.minhash.seed}}};
  // A value as the table and CSV show it (still to be repaired as UTF-8).
  const auto text = [](const Value& v) {
    if (const auto* str = std::get_if<std::string>(&v)) return *str;
    if (const auto* flag = std::get_if<bool>(&v)) {
      return std::string(*flag ? "true" : "false");
    }
    return absl::StrCat(std::get<uint64_t>(v));
  };
  absl::Status s = output->Write(
      [&](std::FILE* out, const std::string& format, const WriteOptions&) {
        if (format == "jsonl") {
          // A path need not be valid UTF-8; the JSON is.
          JsonWriter w;
          w.BeginObject();
          for (const auto& [k, v] : fields) {
            w.Key(k);
            if (const auto* str = std::get_if<std::string>(&v)) {
              w.String(*str);
            } else if (const auto* flag = std::get_if<bool>(&v)) {
              w.Bool(*flag);
            } else {
              w.Uint(std::get<uint64_t>(v));
            }
          }
          w.EndObject();
          std::fprintf(out, "%s\n", w.str().c_str());
          return absl::OkStatus();
        }
        if (format == "csv") {
          std::vector<std::string> keys, cells;
          for (const auto& [k, v] : fields) {
            keys.push_back(k);
            cells.push_back(CsvField(text(v)));
          }
          std::fprintf(out, "%s\n%s\n", absl::StrJoin(keys, ",").c_str(),
                       absl::StrJoin(cells, ",").c_str());
          return absl::OkStatus();
        }
        for (const auto& [k, v] : fields) {
          std::fprintf(out, "%-15s %s\n", (k + ":").c_str(),
                       RepairUtf8(text(v)).c_str());
        }
        return absl::OkStatus();
      });
  return s.ok() ? 0 : StatusExit(s);
}

void AddIndexArgs(CLI::App* cmd, IndexArgs& args, bool paths) {
  cmd->add_option("index", args.index, "The index file")->required();
  if (paths) {
    cmd->add_option("paths", args.paths,
                    "Files, directories (read recursively), or - for stdin")
        ->required();
  }
}

}  // namespace

void AddIndexCommand(CLI::App& app, int& exit_code) {
  CLI::App* index = app.add_subcommand(
      "index",
      "Keep documents in an index file, add to it later, and query new "
      "documents against it.");
  index->require_subcommand(1);
  index->footer(
      "Examples:\n"
      "  mimeo index create archive.mimeo ~/archive\n"
      "  mimeo index add archive.mimeo ~/today\n"
      "  mimeo index query archive.mimeo new-article.txt\n"
      "  mimeo index info archive.mimeo\n");

  auto create = std::make_shared<IndexArgs>();
  CLI::App* c = index->add_subcommand("create", "Build an index file");
  AddIndexArgs(c, *create, true);
  c->add_flag("--force", create->force, "Replace an existing file");
  c->add_flag("--no-copy", create->no_copy,
              "Near-duplicates only: keep no texts (a smaller file; "
              "queries report no passages)");
  AddEngineOptions(c, create->common);
  AddInputOptions(c, create->common);
  c->add_flag("-q,--quiet", create->common.quiet,
              "No progress, warnings or summary on stderr");
  c->callback([create, &exit_code] { exit_code = Create(*create); });

  auto add = std::make_shared<IndexArgs>();
  CLI::App* a = index->add_subcommand(
      "add", "Add documents to an index file (all or none: on an error the "
             "file is left as it was)");
  AddIndexArgs(a, *add, true);
  a->add_flag("--skip-existing", add->skip_existing,
              "Pass by documents whose id the index holds already (counted "
              "in the summary) instead of failing the whole add");
  AddEngineOptions(a, add->common);
  AddInputOptions(a, add->common);
  a->add_flag("-q,--quiet", add->common.quiet,
              "No progress, warnings or summary on stderr");
  a->callback([add, &exit_code] { exit_code = Add(*add); });

  auto query = std::make_shared<IndexArgs>();
  CLI::App* q = index->add_subcommand(
      "query", "List the indexed documents each new document copies or "
               "shares copy with (the pairs schema; a = the new document)");
  AddIndexArgs(q, *query, true);
  AddEngineOptions(q, query->common);
  AddInputOptions(q, query->common);
  AddOutputOptions(q, query->common);
  q->callback([query, &exit_code] { exit_code = Query(*query); });

  auto info = std::make_shared<IndexArgs>();
  CLI::App* i = index->add_subcommand(
      "info", "What an index file holds and the parameters it was made with");
  AddIndexArgs(i, *info, false);
  AddOutputOptions(i, info->common);
  i->callback([info, &exit_code] { exit_code = Info(*info); });
}

}  // namespace mimeo::cli
