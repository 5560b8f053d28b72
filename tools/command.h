// What every subcommand shares: options, reading the input into an engine
// with a progress bar, writing results safely, the summary line and exit
// codes.
//
// Exit codes: 0 success; 1 the run failed (unreadable or corrupt index,
// bad input under --strict, a write error, no documents); 2 a usage error
// or a path that does not exist.
#ifndef MIMEO_TOOLS_COMMAND_H_
#define MIMEO_TOOLS_COMMAND_H_

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "absl/types/span.h"
#include "input.h"
#include "mimeo/engine.h"
#include "mimeo/progress.h"
#include "report.h"

namespace mimeo::internal {
class AtomicFile;
}  // namespace mimeo::internal

namespace mimeo::cli {

struct CommonArgs {
  Engine::Options engine;
  InputOptions input;
  std::string format;  // "" picks table on a terminal, else jsonl
  std::string output;  // "" or "-": stdout
  bool quiet = false;
  int min_passage = 8;
  // --no-passage-text: passages as offsets only (JSONL, CSV).
  bool passage_text = true;
  // Options given on the command line, that nothing may replace: the
  // hashing options ("--shingle", "--num-perm", "--seed", "--minhash"; the
  // others keep an index file's own parameters) and the thresholds
  // ("--threshold", "--containment", "--member-jaccard",
  // "--member-containment"; the others take a mode's).
  std::vector<std::string> given;
  // What the command reads: its input paths, its index. -o and the side
  // files (--kept, --families) may not name one of them, nor a file inside
  // an index directory: writing there would destroy what is read.
  std::vector<std::string> reads;
};

// Whether option `name` was given on the command line (CommonArgs::given).
bool Given(const CommonArgs& args, const char* name);

// What decides whether two given texts are alike and what they share:
// --threshold, --containment, --shingle, and with `passages` (a command
// that shows passages) --min-passage.
void AddSimilarityOptions(CLI::App* cmd, CommonArgs& args,
                          bool passages = true);
// Those, and what a run over many documents uses besides:
// --member-jaccard, --member-containment, --boilerplate-docs,
// --lsh-threshold, --num-perm, --minhash, --seed, --threads.
void AddEngineOptions(CLI::App* cmd, CommonArgs& args, bool passages = true);
// --text-field, --id-field, --date-field, --text-format, --include,
// --exclude, --id-prefix, --strict, and with `sources` (a command that
// judges shared passages, where sources tell a template from a reprint)
// --source-field and --source-folders.
void AddInputOptions(CLI::App* cmd, CommonArgs& args, bool sources = true);
// --format, -o/--output, -q/--quiet.
void AddOutputOptions(CLI::App* cmd, CommonArgs& args);
// --no-passage-text, for the subcommands that write passages.
void AddPassageTextOption(CLI::App* cmd, CommonArgs& args);
// Copies what the command line set into `args.engine` (min_passage...).
void FinishEngineOptions(CommonArgs& args);
// --mode versions: the revision thresholds
// (Engine::Options::UseRevisionThresholds) for those of --threshold,
// --containment, --member-jaccard and --member-containment the command
// line did not give.
void UseRevisionThresholdsNotGiven(CommonArgs& args);

// Makes SIGINT, SIGTERM and SIGHUP remove the temporary files of writes
// in progress (snapshots, outputs) before the process ends, and SIGBUS (a
// memory-mapped index file cut short) a message and exit code 1. Call
// once, first thing in main().
void InstallSignalCleanup();
// Names the index directory the run reads, for the message that replaces
// SIGBUS (InstallSignalCleanup): a data.mdb cut short is read through a
// memory map.
void NoteIndexDirectory(const std::string& dir);

// Prints "mimeo: <message>" on stderr and returns the exit code.
int StatusExit(const absl::Status& s);
// Prints "mimeo: <message>" on stderr and returns 2: options that do not
// go together, found after parsing.
int UsageExit(const std::string& message);

// The format to write: the one asked for, else table when `out` is a
// terminal, else jsonl.
std::string ChooseFormat(const CommonArgs& args);
WriteOptions ChooseWriteOptions(const CommonArgs& args,
                                const std::string& format);

// Options of the output that do not go together (--no-passage-text with
// the table or HTML): InvalidArgument saying why. Output::Open() checks
// them too; a command calls it first to exit with a usage error (2).
absl::Status CheckOutputOptions(const CommonArgs& args);

// A writer of results: writes to `out` in `format` ("jsonl", "table",
// "csv", "html") with the write options chosen.
using Writer = std::function<absl::Status(
    std::FILE* out, const std::string& format, const WriteOptions&)>;

// Where a command's results go: standard output, or the output file,
// written through a temporary file renamed at the end (AtomicFile,
// src/internal/atomic_file.h): an interrupted or failed run leaves no
// half-written file and the old file, if any, as it was.
//
// A command opens its Output before the work starts, so that an output
// that cannot be written (a missing or read-only folder, the name of a
// directory) fails at once, naming the path, not after the whole run. The
// temporary file exists from Open() until Write() or destruction (and is
// removed on SIGINT, SIGTERM and SIGHUP: InstallSignalCleanup()).
class Output {
 public:
  // Opens stdout (args.output "" or "-") or creates the output file's
  // temporary file. Fails, naming the path, when it cannot be written.
  static absl::StatusOr<Output> Open(const CommonArgs& args);
  Output(Output&&) noexcept;
  Output& operator=(Output&&) noexcept;
  ~Output();

  // The format chosen (ChooseFormat()) and the write options for it.
  const std::string& format() const { return format_; }
  const WriteOptions& write_options() const { return write_options_; }

  // Writes the results and, for a file, moves it into place. Call at most
  // once. On an error the temporary file is removed (an old output stays)
  // and the error names the file.
  absl::Status Write(const Writer& write);
  // The same for a report, in the chosen format (WriteReport()); with
  // `phase`, advanced by one for each cluster or pair written.
  absl::Status Write(const Report& report, class Phase* phase = nullptr);

  // A file beside the results (`option` names it: "--kept"), written
  // through a temporary file as -o is, in no particular format. Fails,
  // naming the option and path, when it cannot be written, is "-"
  // (standard output has the results) or is the results' file
  // (`args.output`).
  static absl::StatusOr<Output> OpenFile(const std::string& path,
                                         const char* option,
                                         const CommonArgs& args);
  // OpenFile() of a side file the user may leave out: nothing when `path`
  // is empty.
  static absl::StatusOr<std::optional<Output>> OpenOptionalFile(
      const std::string& path, const char* option, const CommonArgs& args);

 private:
  Output(std::string path, std::string format, WriteOptions write_options,
         std::unique_ptr<internal::AtomicFile> file);

  std::string path_;  // "" for stdout
  std::string format_;
  WriteOptions write_options_;
  std::unique_ptr<internal::AtomicFile> file_;  // null for stdout
};

// Reads every document of `reader` into `engine` in batches, with a
// progress bar on stderr when it is a terminal (and not --quiet). Fails
// when the input holds no document at all, none passed by as one to skip
// (InputReader::SkipIds()) either.
//
// With `lengths`, appends the text length in bytes of each document read,
// in the order read: into a new engine, lengths[d] is DocId d's.
//
// `durable`: the engine is an index on disk (Engine::Open()), each of
// whose commits waits for the disk (two fsyncs, tens of ms on a busy
// disk); batches are then 8 MB of input instead of 2, so that the commits
// are few and memory holds about 8 MB per thread.
//
// `existing` goes to Engine::Commit(); `added`, when given, counts the
// documents added (into an index other processes add to as well, the
// engine's count moves with theirs).
absl::Status ReadInto(InputReader& reader, Engine& engine, bool quiet,
                      std::vector<uint64_t>* lengths = nullptr,
                      bool durable = false,
                      Engine::OnExisting existing = Engine::OnExisting::kFail,
                      uint64_t* added = nullptr);

// A line on stderr saying what a step after reading does, so that a long
// step does not look like a hang, with the time it has taken: "clustering
// 200000 documents, 0:12"; for a step that counts its work (`total` above
// 0, Advance()), a bar with the count and an ETA: "[#####...] 40%
// aligning 1204 pairs, 482/1204, 0:08, ETA 0:12". Drawn on `out` only
// when it is a terminal and not `quiet` (--quiet), by a thread of its own
// every 200 ms (the step may be one long library call); cleared when
// destroyed. The reading before it has its own bar (ReadInto()).
class Phase {
 public:
  Phase(std::string what, uint64_t total, bool quiet, std::FILE* out = stderr);
  ~Phase();
  Phase(const Phase&) = delete;
  Phase& operator=(const Phase&) = delete;

  // Counts `n` more units of the `total` done. Thread-safe.
  void Advance(uint64_t n = 1) {
    done_.fetch_add(n, std::memory_order_relaxed);
  }
  // Moves to a step of the work the library reports (mimeo/progress.h),
  // shown after the phase's own words ("clustering 2000 documents:
  // verifying candidates"): `done` of `total`, the bar and the ETA counted
  // from when the step was first named. Thread-safe.
  void Update(std::string_view step, uint64_t done, uint64_t total);
  // A hook that calls Update() with the library's phases and counts.
  // Valid while this Phase lives.
  ProgressHook Hook();

 private:
  void Draw();  // with mu_ held

  const std::string what_;
  std::string step_;  // guarded by mu_; "" before any Update()
  uint64_t total_;    // guarded by mu_
  std::FILE* const out_;
  std::chrono::steady_clock::time_point start_ =  // guarded by mu_
      std::chrono::steady_clock::now();
  std::atomic<uint64_t> done_{0};
  std::mutex mu_;
  std::condition_variable stop_;
  bool stopping_ = false;  // guarded by mu_
  std::thread thread_;     // not started when nothing is drawn
};

// "mimeo: 2,225 documents, 5.1 MB, 1 skipped, ..., 1.2 s" on stderr.
void PrintSummary(const CommonArgs& args, const InputCounts& counts,
                  const EngineStats& stats, const std::string& results,
                  std::chrono::steady_clock::time_point start);

// The copy families of `copy` as JSON lines, one per family (README.md,
// "Output"): {"family", "origin", "origin_span": [begin, end], "docs",
// "text", "holders": [{"id", "spans": [[begin, end], ...]}]}, "text"
// being the origin's span, cut from its text read again (left out, and
// nothing read, when `passage_text` is false).
absl::Status WriteFamilies(const CopyReport& copy, const Engine& engine,
                           bool passage_text, std::FILE* out);

// Report::text_of for an engine's documents.
std::function<absl::StatusOr<std::string>(DocId)> TextsOf(const Engine& engine);

// Sets the pair's passages from the engine's: those that are not
// boilerplate, as the report shows them; the boilerplate ones counted by
// reason; and `more` the engine left out (Match/CopyPair::more_passages).
void SetPassages(PairOut& pair, absl::Span<const Passage> passages,
                 uint32_t more = 0);

// Pairs holding the representative first, then the rest, each group in its
// (a, b) order: the table shows the first few. For VerifiedPair and CopyPair.
template <typename Pair>
void OrderPairs(std::vector<const Pair*>& pairs, DocId rep) {
  std::stable_sort(pairs.begin(), pairs.end(),
                   [rep](const Pair* x, const Pair* y) {
                     return (x->a == rep || x->b == rep) >
                            (y->a == rep || y->b == rep);
                   });
}

// The pairs of `pairs` whose two documents are in the same cluster, per
// cluster.
template <typename Pair>
std::vector<std::vector<const Pair*>> PairsOf(
    const std::vector<Cluster>& clusters, const std::vector<Pair>& pairs,
    size_t num_ids) {
  std::vector<int64_t> cluster_of(num_ids, -1);
  for (const Cluster& c : clusters) {
    for (DocId m : c.members) cluster_of[m] = c.id;
  }
  std::vector<std::vector<const Pair*>> out(clusters.size());
  for (const Pair& p : pairs) {
    if (cluster_of[p.a] >= 0 && cluster_of[p.a] == cluster_of[p.b]) {
      out[cluster_of[p.a]].push_back(&p);
    }
  }
  return out;
}

}  // namespace mimeo::cli

#endif  // MIMEO_TOOLS_COMMAND_H_
