// What every subcommand shares: options, reading the input into an engine
// with a progress bar, writing results safely, the summary line and exit
// codes.
//
// Exit codes: 0 success; 1 the run failed (unreadable or corrupt index,
// bad input under --strict, a write error, no documents); 2 a usage error
// or a path that does not exist.
#ifndef MIMEO_TOOLS_COMMAND_H_
#define MIMEO_TOOLS_COMMAND_H_

#include <chrono>
#include <functional>
#include <cstdio>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "absl/types/span.h"
#include "input.h"
#include "mimeo/engine.h"
#include "report.h"

namespace mimeo::cli {

struct CommonArgs {
  Engine::Options engine;
  InputOptions input;
  std::string format;  // "" picks table on a terminal, else jsonl
  std::string output;  // "" or "-": stdout
  bool quiet = false;
  int min_passage = 8;
  // Options given on the command line, that nothing may replace: the
  // hashing options ("--shingle", "--num-perm", "--seed", "--minhash"; the
  // others keep an index file's own parameters) and the thresholds
  // ("--threshold", "--containment", "--member-jaccard",
  // "--member-containment"; the others take a mode's).
  std::vector<std::string> given;
};

// Whether option `name` was given on the command line (CommonArgs::given).
bool Given(const CommonArgs& args, const char* name);

// --threshold, --containment, --lsh-threshold, --num-perm, --shingle,
// --seed, --threads, --min-passage.
void AddEngineOptions(CLI::App* cmd, CommonArgs& args);
// --text-field, --id-field, --date-field, --strict.
void AddInputOptions(CLI::App* cmd, CommonArgs& args);
// --format, -o/--output, -q/--quiet.
void AddOutputOptions(CLI::App* cmd, CommonArgs& args);
// Copies what the command line set into `args.engine` (min_passage...).
void FinishEngineOptions(CommonArgs& args);

// Makes SIGINT, SIGTERM and SIGHUP remove the temporary files of writes
// in progress (snapshots, outputs) before the process ends. Call once,
// first thing in main().
void InstallSignalCleanup();

// Prints "mimeo: <message>" on stderr and returns the exit code.
int StatusExit(const absl::Status& s);

// The format to write: the one asked for, else table when `out` is a
// terminal, else jsonl.
std::string ChooseFormat(const CommonArgs& args);
WriteOptions ChooseWriteOptions(const CommonArgs& args,
                                const std::string& format);

// Writes a report to stdout, or to the output file through a temporary
// file renamed at the end (AtomicFile, src/internal/atomic_file.h): an
// interrupted or failed run leaves no half-written file and the old file,
// if any, as it was.
absl::Status WriteOutput(const CommonArgs& args, const Report& report);
// The same for any writer, given the chosen format and write options; its
// error is returned after the temporary file is removed.
using Writer = std::function<absl::Status(
    std::FILE*, const std::string& format, const WriteOptions&)>;
absl::Status WriteOutputWith(const CommonArgs& args, const Writer& write);

// Reads every document of `reader` into `engine` in batches, with a
// progress bar on stderr when it is a terminal (and not --quiet). Fails
// when the input holds no document at all.
absl::Status ReadInto(InputReader& reader, Engine& engine, bool quiet);

// "mimeo: 2,225 documents, 5.1 MB, 1 skipped, ..., 1.2 s" on stderr.
void PrintSummary(const CommonArgs& args, const InputCounts& counts,
                  const EngineStats& stats, const std::string& results,
                  std::chrono::steady_clock::time_point start);

// Report::text_of for an engine's documents.
std::function<absl::StatusOr<std::string>(DocId)> TextsOf(const Engine& engine);

// Sets the pair's passages from the engine's: those that are not
// boilerplate, as the report shows them; the boilerplate ones counted by
// reason; and `more` the engine left out (Match/CopyPair::more_passages).
void SetPassages(PairOut& pair, absl::Span<const Passage> passages,
                 uint32_t more = 0);

}  // namespace mimeo::cli

#endif  // MIMEO_TOOLS_COMMAND_H_
