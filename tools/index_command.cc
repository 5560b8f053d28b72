// `mimeo index create|add|query|remove|prune|info|check|import|export`:
// keep an index, grow it, and ask it about new documents. An index is a
// directory (the on-disk index, Engine::Open: every batch a durable
// transaction, shared by processes) when its path ends with '/' or is a
// directory holding an index; otherwise a snapshot file (Engine::Save,
// Engine::Load), which commands that change it rewrite whole, holding an
// exclusive flock on it throughout (LockIndex()) so that concurrent ones
// take turns.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "command.h"
#include "commands.h"
#include "internal/atomic_file.h"
#include "internal/status_macros.h"
#include "json_writer.h"
#include "utf8.h"

namespace mimeo::cli {
namespace {

struct IndexArgs {
  CommonArgs common;
  std::string index;
  std::vector<std::string> paths;
  // remove: the ids; import/export: the other path; prune: the date.
  std::vector<std::string> ids;
  std::string other;
  std::string before;
  bool force = false;
  bool no_copy = false;
  bool skip_existing = false;
  bool texts_by_reference = false;
};

// --texts-by-reference: what it needs, or the refusal naming why not.
absl::Status CheckTextsByReference(const IndexArgs& args, bool directory,
                                   bool copy) {
  if (!args.texts_by_reference) return absl::OkStatus();
  if (!directory) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "--texts-by-reference needs an index directory; '%s' is a snapshot "
        "file, which holds its texts",
        args.index));
  }
  if (!copy) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "--texts-by-reference: index '%s' keeps no texts (--no-copy)",
        args.index));
  }
  return absl::OkStatus();
}

// The summary's words on texts kept by reference, if any were asked for.
std::string ReferencedTexts(const IndexArgs& args, const InputCounts& counts) {
  if (!args.texts_by_reference) return "";
  return absl::StrFormat(
      ", %d texts by reference (%d compressed)", counts.referenced_texts,
      counts.documents - counts.referenced_texts);
}

// Whether `path` names an index directory rather than a snapshot file: it
// ends with '/', or is a directory holding an index. (A directory without
// one is refused as a snapshot path would be, "it is a directory".)
bool IsDirectoryIndex(const std::string& path) {
  if (!path.empty() && path.back() == '/') return true;
  std::error_code ec;
  return std::filesystem::is_directory(path, ec) &&
         std::filesystem::exists(std::filesystem::path(path) / "data.mdb", ec);
}

absl::StatusOr<Engine::SnapshotInfo> ReadInfo(const std::string& path) {
  if (IsDirectoryIndex(path)) {
    NoteIndexDirectory(path);
    return Engine::ReadIndexInfo(path);
  }
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return absl::NotFoundError(absl::StrFormat(
        "'%s' is a directory holding no index (no data.mdb); `mimeo index "
        "create %s/ FILES` makes one there",
        path, path));
  }
  return Engine::ReadSnapshotInfo(path);
}

// Loads (a snapshot) or opens (a directory) the index with its own hashing
// parameters, except those given on the command line (a mismatch is then
// refused, naming the parameter).
absl::StatusOr<std::unique_ptr<Engine>> LoadIndex(IndexArgs& args) {
  const bool directory = IsDirectoryIndex(args.index);
  auto info = ReadInfo(args.index);
  if (!info.ok()) return info.status();
  Engine::Options& o = args.common.engine;
  const HashingParams given = o.hashing();
  HashingParams p = info->options.hashing();
  if (Given(args.common, "--minhash")) p.minhash_scheme = given.minhash_scheme;
  if (Given(args.common, "--shingle")) p.shingle_k = given.shingle_k;
  if (Given(args.common, "--num-perm")) p.num_perm = given.num_perm;
  if (Given(args.common, "--seed")) p.minhash_seed = given.minhash_seed;
  if (Given(args.common, "--token-hash")) p.token_hash = given.token_hash;
  if (Given(args.common, "--shingle-seed")) p.shingle_seed = given.shingle_seed;
  o.SetHashing(p);
  o.copy.enabled = info->has_texts;
  if (directory) {
    o.keep_shingle_sets = info->options.keep_shingle_sets;
    o.copy.winnow.window = info->options.copy.winnow.window;
    // The banding of the index's band postings, unless another threshold
    // is asked for (the LSH index is then built in memory on opening).
    if (!Given(args.common, "--lsh-threshold")) {
      o.lsh_bands = info->options.lsh_bands;
      o.lsh_rows = info->options.lsh_rows;
    }
    return Engine::Open(args.index, o);
  }
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
  absl::StatusOr<internal::FileLock> lock = internal::FileLock::Acquire(
      args.index, internal::FileLock::Mode::kExclusive,
      args.common.quiet ? nullptr : TellWaiting);
  if (!lock.ok()) return lock;
  // A temporary file of a snapshot writer (INDEX.tmp-mimeo-XXXXXX) that
  // nobody has written to for a minute, found while holding the lock
  // `mimeo index` writers take, is one a writer killed mid-write left:
  // removed. (A writer that takes no lock, a library's Engine::Save(),
  // keeps writing to its file, so its time stays recent.)
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path index(args.index);
  const std::string prefix =
      index.filename().string() + internal::kTemporaryMark;
  const fs::path folder = index.has_parent_path() ? index.parent_path() : ".";
  const auto stale = fs::file_time_type::clock::now() - std::chrono::minutes(1);
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end;
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() == prefix.size() + 6 && name.rfind(prefix, 0) == 0 &&
        it->is_regular_file(ec) && fs::last_write_time(it->path(), ec) < stale &&
        !ec && fs::remove(it->path(), ec) && !args.common.quiet) {
      const fs::path named =
          index.has_parent_path() ? folder / name : fs::path(name);
      std::fprintf(stderr,
                   "mimeo: removed '%s', left by a mimeo stopped while it "
                   "wrote '%s'\n",
                   named.string().c_str(), args.index.c_str());
    }
  }
  return lock;
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

// After a change to an index directory: keeps the model of common
// shingles its queries answer with (Engine::SaveQueryModel()), so that
// each `mimeo index query` does not count it again. The change is kept
// whatever happens here: a failure is a warning.
void WarnModelNotKept(const std::string& index, const absl::Status& s) {
  std::fprintf(stderr,
               "mimeo: warning: index '%s': the model of common shingles "
               "was not kept, so each query process counts it again: %s\n",
               index.c_str(), std::string(s.message()).c_str());
}

void KeepQueryModel(Engine& engine, const std::string& index) {
  if (absl::Status s = engine.SaveQueryModel(); !s.ok()) {
    WarnModelNotKept(index, s);
  }
}

int Create(IndexArgs& args) {
  const auto start = std::chrono::steady_clock::now();
  CommonArgs& common = args.common;
  FinishEngineOptions(common);
  common.engine.copy.enabled = !args.no_copy;
  std::error_code ec;
  if (IsDirectoryIndex(args.index)) {
    // An index directory grows batch by batch; it is never replaced.
    if (std::filesystem::exists(args.index, ec) &&
        !std::filesystem::is_empty(args.index, ec)) {
      return StatusExit(absl::AlreadyExistsError(absl::StrFormat(
          "'%s' is not empty; use mimeo index add to grow the index in it, "
          "or remove the directory to start again",
          args.index)));
    }
    if (absl::Status s = CheckTextsByReference(args, true, !args.no_copy);
        !s.ok()) {
      return StatusExit(s);
    }
    common.input.reference_texts = args.texts_by_reference;
    auto reader = InputReader::Open(args.paths, common.input);
    if (!reader.ok()) return StatusExit(reader.status());
    NoteIndexDirectory(args.index);
    auto engine = Engine::Open(args.index, common.engine);
    if (!engine.ok()) return StatusExit(engine.status());
    if (absl::Status s = ReadInto(**reader, **engine, common.quiet, nullptr,
                                  /*durable=*/true);
        !s.ok()) {
      return StatusExit(s);
    }
    KeepQueryModel(**engine, args.index);
    PrintSummary(common, (*reader)->counts(), (*engine)->stats(),
                 absl::StrFormat("index '%s' written%s", args.index,
                                 ReferencedTexts(args, (*reader)->counts())),
                 start);
    return 0;
  }
  if (absl::Status s = CheckTextsByReference(args, false, !args.no_copy);
      !s.ok()) {
    return StatusExit(s);
  }
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
  // A directory takes its own locks, per transaction.
  const bool directory = IsDirectoryIndex(args.index);
  if (absl::Status s = CheckTextsByReference(args, directory, true);
      !s.ok()) {
    return StatusExit(s);
  }
  common.input.reference_texts = args.texts_by_reference;
  auto reader = InputReader::Open(args.paths, common.input);
  if (!reader.ok()) return StatusExit(reader.status());
  std::optional<internal::FileLock> lock;
  if (!directory) {
    auto locked = LockIndex(args);
    if (!locked.ok()) return StatusExit(locked.status());
    lock.emplace(std::move(*locked));
    if (absl::Status s = CheckSavable(args.index); !s.ok()) {
      return StatusExit(s);
    }
  }
  auto engine = LoadIndex(args);
  if (!engine.ok()) return StatusExit(engine.status());
  if (absl::Status s = CheckTextsByReference(
          args, directory, (*engine)->options().copy.enabled);
      !s.ok()) {
    return StatusExit(s);
  }
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
  // Another process may add the same ids to a directory meanwhile.
  uint64_t added = 0;
  if (absl::Status s = ReadInto(
          **reader, **engine, common.quiet, nullptr, directory,
          args.skip_existing ? Engine::OnExisting::kSkip
                             : Engine::OnExisting::kFail,
          &added);
      !s.ok()) {
    return StatusExit(s);  // the file is untouched
  }
  if (added > 0 && directory) KeepQueryModel(**engine, args.index);
  if (added > 0 && !directory) {
    if (absl::Status s = (*engine)->Save(args.index); !s.ok()) {
      return StatusExit(s);
    }
  }
  std::string results = absl::StrFormat("%d added to '%s'", added, args.index);
  if (args.skip_existing) {
    // Passed by as read, or found there when committed (another process
    // added them meanwhile).
    const InputCounts& counts = (*reader)->counts();
    results += absl::StrFormat(
        ", %d already there skipped",
        counts.skipped_existing +
            (counts.documents > added ? counts.documents - added : 0));
  }
  results += ReferencedTexts(args, (*reader)->counts());
  PrintSummary(common, (*reader)->counts(), (*engine)->stats(), results, start);
  return 0;
}

int Query(IndexArgs& args) {
  const auto start = std::chrono::steady_clock::now();
  CommonArgs& common = args.common;
  FinishEngineOptions(common);
  auto reader = InputReader::Open(args.paths, common.input);
  if (!reader.ok()) return StatusExit(reader.status());
  common.reads = args.paths;
  common.reads.push_back(args.index);
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
  auto info = ReadInfo(args.index);
  if (!info.ok()) return StatusExit(info.status());
  args.common.reads = {args.index};
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
      {"kind", std::string(IsDirectoryIndex(args.index) ? "directory"
                                                         : "snapshot")},
      {"format_version", uint64_t{info->version}},
      {"documents", uint64_t{info->num_live}},
      {"removed", uint64_t{info->num_ids - info->num_live}},
      {"texts", info->has_texts},
      {"bytes", uint64_t{info->file_bytes}},
      {"shingle", static_cast<uint64_t>(o.shingle.k)},
      {"token_hash", std::string(TokenHashName(o.shingle.token_hash))},
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

// Loads a snapshot under its lock, lets `change` change the engine, and
// saves it when `change` reports a change; or, for a directory, opens it
// and lets `change` change it (each change its own transaction).
absl::Status Change(
    IndexArgs& args,
    const std::function<absl::StatusOr<bool>(Engine&)>& change) {
  std::optional<internal::FileLock> lock;
  const bool directory = IsDirectoryIndex(args.index);
  if (!directory) {
    ASSIGN_OR_RETURN(internal::FileLock locked, LockIndex(args));
    lock.emplace(std::move(locked));
    RETURN_IF_ERROR(CheckSavable(args.index));
  }
  ASSIGN_OR_RETURN(std::unique_ptr<Engine> engine, LoadIndex(args));
  ASSIGN_OR_RETURN(const bool changed, change(*engine));
  if (changed && directory) KeepQueryModel(*engine, args.index);
  if (changed && !directory) RETURN_IF_ERROR(engine->Save(args.index));
  return absl::OkStatus();
}

int Remove(IndexArgs& args) {
  FinishEngineOptions(args.common);
  uint64_t removed = 0;
  const absl::Status s = Change(args, [&](Engine& e) -> absl::StatusOr<bool> {
    ASSIGN_OR_RETURN(removed, e.Remove(args.ids));
    return removed > 0;
  });
  if (!s.ok()) return StatusExit(s);
  if (!args.common.quiet) {
    std::fprintf(stderr, "mimeo: %llu removed from '%s'\n",
                 static_cast<unsigned long long>(removed), args.index.c_str());
  }
  return 0;
}

// A date as YYYY-MM-DD (UTC midnight), RFC 3339, or seconds since 1970:
// the forms the input's date field takes.
absl::StatusOr<int64_t> ParseBefore(const std::string& s) {
  absl::Time t;
  std::string err;
  if (absl::ParseTime("%Y-%m-%d", s, absl::UTCTimeZone(), &t, &err) ||
      absl::ParseTime(absl::RFC3339_full, s, &t, &err)) {
    return absl::ToUnixSeconds(t);
  }
  int64_t seconds;
  if (absl::SimpleAtoi(s, &seconds)) return seconds;
  return absl::InvalidArgumentError(absl::StrFormat(
      "--before '%s' is not a date (YYYY-MM-DD, RFC 3339, or seconds since "
      "1970)",
      s));
}

int Prune(IndexArgs& args) {
  FinishEngineOptions(args.common);
  absl::StatusOr<int64_t> before = ParseBefore(args.before);
  if (!before.ok()) return UsageExit(std::string(before.status().message()));
  uint64_t pruned = 0;
  const absl::Status s = Change(args, [&](Engine& e) -> absl::StatusOr<bool> {
    ASSIGN_OR_RETURN(pruned, e.Prune(*before));
    return pruned > 0;
  });
  if (!s.ok()) return StatusExit(s);
  if (!args.common.quiet) {
    std::fprintf(stderr,
                 "mimeo: %llu documents dated before %s removed from '%s'\n",
                 static_cast<unsigned long long>(pruned), args.before.c_str(),
                 args.index.c_str());
  }
  return 0;
}

int Check(IndexArgs& args) {
  absl::Status s;
  if (IsDirectoryIndex(args.index)) {
    NoteIndexDirectory(args.index);
    s = Engine::CheckIndex(args.index);
  } else {
    // Loading checks every checksum and count of a snapshot.
    FinishEngineOptions(args.common);
    s = LoadIndex(args).status();
  }
  if (!s.ok()) return StatusExit(s);
  auto info = ReadInfo(args.index);
  if (!info.ok()) return StatusExit(info.status());
  std::printf("index '%s' passes its check: %llu documents, %llu removed\n",
              args.index.c_str(),
              static_cast<unsigned long long>(info->num_live),
              static_cast<unsigned long long>(info->num_ids - info->num_live));
  return 0;
}

// A snapshot's options, as Load() accepts them.
Engine::Options SnapshotOptions(const Engine::SnapshotInfo& info,
                                const CommonArgs& common) {
  Engine::Options o = info.options;
  o.threads = common.engine.threads;
  return o;
}

int Import(IndexArgs& args) {
  const std::string& snapshot = args.index;
  const std::string& dir = args.other;
  auto info = Engine::ReadSnapshotInfo(snapshot);
  if (!info.ok()) return StatusExit(info.status());
  auto engine = Engine::Load(snapshot, SnapshotOptions(*info, args.common));
  if (!engine.ok()) return StatusExit(engine.status());
  if (absl::Status s = (*engine)->SaveIndex(dir); !s.ok()) {
    return StatusExit(s);
  }
  engine->reset();
  if (info->options.keep_shingle_sets &&
      info->options.find_near_duplicates) {
    // The model of common shingles the new index's queries answer with.
    auto imported = Engine::Open(dir, SnapshotOptions(*info, args.common));
    if (imported.ok()) {
      KeepQueryModel(**imported, dir);
    } else {
      WarnModelNotKept(dir, imported.status());
    }
  }
  if (!args.common.quiet) {
    std::fprintf(stderr, "mimeo: %llu documents of '%s' imported into '%s'\n",
                 static_cast<unsigned long long>(info->num_live),
                 snapshot.c_str(), dir.c_str());
  }
  return 0;
}

int Export(IndexArgs& args) {
  const std::string& dir = args.index;
  const std::string& snapshot = args.other;
  std::error_code ec;
  const std::filesystem::path parent =
      std::filesystem::weakly_canonical(snapshot, ec).parent_path();
  if (std::filesystem::equivalent(parent, dir, ec)) {
    return StatusExit(absl::InvalidArgumentError(absl::StrFormat(
        "'%s' is inside the index directory '%s': a snapshot is written "
        "elsewhere",
        snapshot, dir)));
  }
  // A descriptor named as a path (/dev/stdout) is the shell's to open.
  const bool descriptor =
      snapshot.rfind("/dev/", 0) == 0 || snapshot.rfind("/proc/", 0) == 0;
  if (!descriptor && std::filesystem::is_regular_file(snapshot, ec) &&
      !args.force) {
    return StatusExit(absl::AlreadyExistsError(absl::StrFormat(
        "'%s' exists; --force replaces it", snapshot)));
  }
  NoteIndexDirectory(dir);
  auto info = Engine::ReadIndexInfo(dir);
  if (!info.ok()) return StatusExit(info.status());
  auto engine = Engine::Open(dir, SnapshotOptions(*info, args.common));
  if (!engine.ok()) return StatusExit(engine.status());
  if (absl::Status s = (*engine)->Save(snapshot); !s.ok()) {
    return StatusExit(s);
  }
  if (!args.common.quiet) {
    std::fprintf(stderr, "mimeo: %llu documents of '%s' exported to '%s'\n",
                 static_cast<unsigned long long>(info->num_live), dir.c_str(),
                 snapshot.c_str());
  }
  return 0;
}

void AddIndexArgs(CLI::App* cmd, IndexArgs& args, bool paths) {
  cmd->add_option("index", args.index,
                  "The index: a directory (a path ending in '/', or a "
                  "directory holding an index), or else a snapshot file")
      ->required();
  if (paths) {
    cmd->add_option("paths", args.paths,
                    "Files, directories (read recursively), or - for stdin")
        ->required();
  }
}

}  // namespace

constexpr char kTextsByReferenceHelp[] =
    "Index directory: keep each text as a reference to the file it was "
    "read from (path, offset, length; checked by its hash when read back) "
    "instead of compressed. Only for texts that are a file's bytes as they "
    "are (plain files, plain JSONL fields without escapes); the others "
    "(HTML, mail, stdin, compressed files) are kept compressed. The files "
    "must then stay unchanged";

void AddIndexCommand(CLI::App& app, int& exit_code) {
  CLI::App* index = app.add_subcommand(
      "index",
      "Keep documents in an index, add to it later, and query new "
      "documents against it. An index is a directory when its path ends "
      "with '/' or is a directory holding an index: an on-disk index "
      "(LMDB) where every batch is committed durably as it is read, that "
      "several processes may add to and query at once. Any other path is a "
      "snapshot file, read whole and rewritten whole by each change.");
  index->require_subcommand(1);
  index->footer(
      "Examples:\n"
      "  mimeo index create archive/ ~/archive        (a directory)\n"
      "  mimeo index add archive/ ~/today\n"
      "  mimeo index query archive/ new-article.txt\n"
      "  mimeo index remove archive/ wire/0412\n"
      "  mimeo index prune archive/ --before 2026-01-01\n"
      "  mimeo index check archive/\n"
      "  mimeo index export archive/ archive.mimeo    (to a snapshot)\n"
      "  mimeo index import archive.mimeo archive2/   (from a snapshot)\n"
      "  mimeo index create archive.mimeo ~/archive   (a snapshot file)\n"
      "  mimeo index info archive.mimeo\n");

  auto create = std::make_shared<IndexArgs>();
  CLI::App* c = index->add_subcommand(
      "create", "Build an index (a directory must be missing or empty)");
  AddIndexArgs(c, *create, true);
  c->add_flag("--force", create->force,
              "Replace an existing snapshot file (never a directory)");
  c->add_flag("--no-copy", create->no_copy,
              "Near-duplicates only: keep no texts (a smaller file; "
              "queries report no passages)");
  c->add_flag("--texts-by-reference", create->texts_by_reference,
              kTextsByReferenceHelp);
  AddEngineOptions(c, create->common);
  AddInputOptions(c, create->common);
  c->add_flag("-q,--quiet", create->common.quiet,
              "No progress, warnings or summary on stderr");
  c->callback([create, &exit_code] { exit_code = Create(*create); });

  auto add = std::make_shared<IndexArgs>();
  CLI::App* a = index->add_subcommand(
      "add", "Add documents to an index (a snapshot file: all or none, on "
             "an error the file is left as it was; a directory: each batch "
             "is committed as it is read)");
  AddIndexArgs(a, *add, true);
  a->add_flag("--skip-existing", add->skip_existing,
              "Pass by documents whose id the index holds already (counted "
              "in the summary) instead of failing the whole add");
  a->add_flag("--texts-by-reference", add->texts_by_reference,
              kTextsByReferenceHelp);
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

  auto remove = std::make_shared<IndexArgs>();
  CLI::App* r = index->add_subcommand(
      "remove", "Remove documents by id (they no longer match)");
  AddIndexArgs(r, *remove, false);
  r->add_option("ids", remove->ids, "The ids of the documents")->required();
  r->add_flag("-q,--quiet", remove->common.quiet, "No summary on stderr");
  r->callback([remove, &exit_code] { exit_code = Remove(*remove); });

  auto prune = std::make_shared<IndexArgs>();
  CLI::App* p = index->add_subcommand(
      "prune", "Remove every document dated before a day (undated ones "
               "stay); in a directory, one transaction");
  AddIndexArgs(p, *prune, false);
  p->add_option("--before", prune->before,
                "YYYY-MM-DD (UTC), RFC 3339, or seconds since 1970")
      ->required();
  p->add_flag("-q,--quiet", prune->common.quiet, "No summary on stderr");
  p->callback([prune, &exit_code] { exit_code = Prune(*prune); });

  auto check = std::make_shared<IndexArgs>();
  CLI::App* k = index->add_subcommand(
      "check", "Verify every invariant of an index and change nothing (a "
               "directory: records, ids, texts, log; a snapshot: checksums "
               "and counts)");
  AddIndexArgs(k, *check, false);
  k->callback([check, &exit_code] { exit_code = Check(*check); });

  auto import = std::make_shared<IndexArgs>();
  CLI::App* im = index->add_subcommand(
      "import", "Copy a snapshot file into a new index directory");
  im->add_option("snapshot", import->index, "The snapshot file")->required();
  im->add_option("dir", import->other, "The directory (missing or empty)")
      ->required();
  im->add_flag("-q,--quiet", import->common.quiet, "No summary on stderr");
  im->callback([import, &exit_code] { exit_code = Import(*import); });

  auto do_export = std::make_shared<IndexArgs>();
  CLI::App* ex = index->add_subcommand(
      "export", "Write an index directory out as a snapshot file");
  ex->add_option("dir", do_export->index, "The index directory")->required();
  ex->add_option("snapshot", do_export->other, "The snapshot file to write")
      ->required();
  ex->add_flag("--force", do_export->force,
               "Replace the snapshot file if it exists");
  ex->add_flag("-q,--quiet", do_export->common.quiet, "No summary on stderr");
  ex->callback([do_export, &exit_code] { exit_code = Export(*do_export); });
}

}  // namespace mimeo::cli
