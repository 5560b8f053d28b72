#include "command.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <atomic>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <optional>
#include <utility>

#include "absl/strings/str_format.h"
#include "internal/arena.h"
#include "internal/atomic_file.h"
#include "json_writer.h"
#include "oneapi/tbb/parallel_pipeline.h"
#include "oneapi/tbb/task_arena.h"

namespace mimeo::cli {
namespace {

// CLI11's range checks let NaN through (every comparison with it is
// false), and the engine's own check would then name its field, not the
// option: a fraction must be a number.
const CLI::Validator kNotNaN(
    [](std::string& v) {
      return std::isnan(std::strtod(v.c_str(), nullptr))
                 ? std::string("not a number: ") + v
                 : std::string();
    },
    "");

}  // namespace

void AddSimilarityOptions(CLI::App* cmd, CommonArgs& args, bool passages) {
  Engine::Options& o = args.engine;
  const auto given = [&args](const char* name) {
    return [&args, name](const std::string&) { args.given.push_back(name); };
  };
  cmd->add_option("--threshold,--jaccard", o.verify.jaccard_threshold,
                  "Near-duplicates: pairs with at least this Jaccard "
                  "similarity of word shingles")
      ->each(given("--threshold"))
      ->capture_default_str()
      ->check(kNotNaN)
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--containment", o.verify.containment_threshold,
                  "...or when this share of the smaller document is in the "
                  "larger (above 1: off)")
      ->each(given("--containment"))
      ->capture_default_str()
      ->check(kNotNaN)
      ->check(CLI::NonNegativeNumber);
  cmd->add_option_function<int>(
         "--shingle",
         [&o, &args](const int& v) {
           o.shingle.k = v;
           args.given.push_back("--shingle");
         },
         "Words per shingle (default 5)")
      ->check(CLI::Range(1, 64));
  if (!passages) return;
  cmd->add_option("--min-passage", args.min_passage,
                  "Shortest shared passage reported, in words")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
}

void AddEngineOptions(CLI::App* cmd, CommonArgs& args, bool passages) {
  Engine::Options& o = args.engine;
  const auto given = [&args](const char* name) {
    return [&args, name](const std::string&) { args.given.push_back(name); };
  };
  AddSimilarityOptions(cmd, args, passages);
  cmd->add_option("--member-jaccard", o.member.jaccard_threshold,
                  "Clusters: a document joins one only with at least this "
                  "Jaccard similarity to its core and first members...")
      ->each(given("--member-jaccard"))
      ->capture_default_str()
      ->check(kNotNaN)
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--member-containment", o.member.containment_threshold,
                  "...or this containment either way (above 1: off)")
      ->each(given("--member-containment"))
      ->capture_default_str()
      ->check(kNotNaN)
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--boilerplate-docs", o.common.min_docs,
                  "Near-duplicates: word shingles in this many documents are "
                  "boilerplate and do not make two documents alike")
      ->capture_default_str()
      ->check(CLI::Range(2, 1 << 30));
  cmd->add_option_function<double>(
         "--burst-days",
         [&o](const double& v) {
           // The range check lets NaN through; a window that rounds to no
           // second would turn the rule off unasked.
           if (!std::isfinite(v) || (v > 0 && v * 86400 < 0.5)) {
             throw CLI::ValidationError(
                 "--burst-days",
                 "must be 0 (off) or a number of days of at least one second");
           }
           o.copy.judge.burst_seconds = std::llround(v * 86400);
         },
         "Shared copy, with dates: common text whose dated documents (at "
         "least half of them) are dated within this many days of each other "
         "(and an eighth of the collection's span) is a story printed at "
         "once, not a template (default 7; 0: off)")
      ->check(CLI::Range(0.0, 36500.0));
  cmd->add_option("--phrase-words", o.copy.judge.phrase_tokens,
                  "Shared copy: a pair that shares fewer words than this of "
                  "its own in all, or a passage of that few words many "
                  "documents hold, shares a set phrase, not copy (1: off)")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--lsh-threshold", o.lsh_threshold,
                  "Jaccard similarity the candidate search is tuned for")
      ->each(given("--lsh-threshold"))
      ->capture_default_str()
      ->check(kNotNaN)
      ->check(CLI::Range(0.001, 0.999));
  cmd->add_option_function<uint32_t>(
         "--num-perm",
         [&o, &args](const uint32_t& v) {
           o.minhash.num_perm = v;
           args.given.push_back("--num-perm");
         },
         "MinHash permutations (default 128)")
      ->check(CLI::Range(1, static_cast<int>(MinHasher::kMaxNumPerm)));
  cmd->add_option_function<std::string>(
         "--minhash",
         [&o, &args](const std::string& v) {
           o.minhash.scheme = v == "one-permutation"
                                  ? MinHashScheme::kOnePermutation
                                  : MinHashScheme::kPermutations;
           args.given.push_back("--minhash");
         },
         "MinHash scheme: permutations (default; one hash per permutation "
         "and shingle) or one-permutation (one hash per shingle into "
         "bins; faster; a text of fewer shingles than bins fills the "
         "empty ones from others)")
      ->check(CLI::IsMember({"permutations", "one-permutation"}));
  cmd->add_option_function<uint64_t>(
         "--seed",
         [&o, &args](const uint64_t& v) {
           o.minhash.seed = v;
           args.given.push_back("--seed");
         },
         "MinHash seed (default 1)");
  cmd->add_option_function<std::string>(
         "--token-hash",
         [&o, &args](const std::string& v) {
           o.shingle.token_hash =
               v == "xxh3" ? TokenHash::kXxh3 : TokenHash::kShortMix;
           args.given.push_back("--token-hash");
         },
         "How words are hashed: short-mix (default) or xxh3 (the hash of "
         "indexes and snapshots made before short-mix, which open with "
         "their own whatever this says)")
      ->check(CLI::IsMember({"short-mix", "xxh3"}));
  cmd->add_option_function<uint64_t>(
         "--shingle-seed",
         [&o, &args](const uint64_t& v) {
           o.shingle.seed = v;
           args.given.push_back("--shingle-seed");
         },
         "Seed of the word hashes (default 469920212335): other values "
         "show how much figures move with the hash values alone");
  cmd->add_option("--threads", o.threads, "Worker threads (0: all cores)")
      ->capture_default_str()
      ->check(CLI::Range(0, Engine::Options::kMaxThreads))
      // Reading (HTML and mail turned into text) keeps to them too.
      ->each([&args](const std::string& v) {
        args.input.threads = static_cast<uint32_t>(std::stoul(v));
      });
}

void AddInputOptions(CLI::App* cmd, CommonArgs& args, bool sources) {
  InputOptions& in = args.input;
  cmd->add_option("--text-field", in.text_field,
                  "JSONL: the field holding the text")
      ->capture_default_str();
  cmd->add_option("--id-field", in.id_field,
                  "JSONL: the field holding the id (else FILE:LINE)")
      ->capture_default_str();
  cmd->add_option("--date-field", in.date_field,
                  "JSONL: a publication date (seconds since 1970, or "
                  "2024-03-01[T12:00:00Z]); the earliest copy is the origin "
                  "(and the one dedup keeps)");
  if (sources) {
    cmd->add_option("--source-field", in.source_field,
                    "JSONL: the field naming each document's source (a site, "
                    "an outlet, a list; mail: a header, e.g. From; without "
                    "it, a line's url's host, a message's List-Id, an HTML "
                    "page's canonical link): text on 20+ documents of few "
                    "sources is their template, text many sources hold is "
                    "copy");
    cmd->add_flag("--source-folders", in.source_folders,
                  "Each file's first folder is its source (one folder per "
                  "site or outlet); without sources, text on 20+ documents is "
                  "a template");
  }
  cmd->add_option_function<std::string>(
         "--text-format",
         [&in](const std::string& v) {
           in.text_format = v == "html"   ? TextFormat::kHtml
                            : v == "mail" ? TextFormat::kMail
                            : v == "text" ? TextFormat::kText
                                          : TextFormat::kAuto;
         },
         "How texts are read: as HTML (their visible text) or mail (the "
         "body, decoded: quoted-printable, base64, the plain part of "
         "multipart, no headers or attachments). auto (default): JSONL "
         "fields and stdin that start with <!DOCTYPE html or <html, or "
         "hold two kinds of <body <div <p <br <table <a href in their "
         "first 4 KiB, are HTML; texts with mail headers, MIME parts or "
         "quoted-printable are mail, and text files that start like an "
         "mbox are split into messages; html: all HTML; mail: all mail; "
         "text: as they are. .html/.htm files are always HTML, .eml .mbox "
         ".mbx always mail")
      ->check(CLI::IsMember({"auto", "text", "html", "mail"}));
  cmd->add_option("--include", in.include,
                  "Directories: read the files matching this shell pattern, "
                  "whatever their extension (repeatable; e.g. --include "
                  "copyright --include '*.txt'). One without '/' is matched "
                  "against the file name, one with against the path under "
                  "the directory; '*' matches '/' too. Without it: .txt, "
                  ".md, .html, .htm, .eml, .mbox, .mbx, .jsonl, .ndjson "
                  "(also .gz, .zst)")
      ->type_name("GLOB")
      ->allow_extra_args(false);
  cmd->add_option("--exclude", in.exclude,
                  "Directories: pass by the files and folders matching this "
                  "pattern, as --include matches (repeatable; e.g. --exclude "
                  ".git --exclude 'drafts/*')")
      ->type_name("GLOB")
      ->allow_extra_args(false);
  cmd->add_option("--id-prefix", in.id_prefix,
                  "Put this before every document's id (e.g. day2/), so "
                  "that ids stay apart across runs and folders")
      ->type_name("PREFIX");
  cmd->add_flag("--strict", in.strict,
                "Stop at the first bad file or line instead of skipping it");
}

void AddOutputOptions(CLI::App* cmd, CommonArgs& args) {
  cmd->add_option("--format", args.format,
                  "jsonl, table, csv or html (default: table on a terminal, "
                  "else jsonl)")
      ->check(CLI::IsMember({"jsonl", "table", "csv", "html"}));
  cmd->add_option("-o,--output", args.output,
                  "Write results here, not stdout");
  cmd->add_flag("-q,--quiet", args.quiet,
                "No progress, warnings or summary on stderr");
}

void AddPassageTextOption(CLI::App* cmd, CommonArgs& args) {
  cmd->add_flag_function(
      "--no-passage-text",
      [&args](int64_t) { args.passage_text = false; },
      "JSONL and CSV: give passages as byte offsets only, without their "
      "text (smaller output; no text is read again to cut it)");
}

bool Given(const CommonArgs& args, const char* name) {
  return std::find(args.given.begin(), args.given.end(), name) !=
         args.given.end();
}

void FinishEngineOptions(CommonArgs& args) {
  args.engine.copy.align.min_passage_tokens = args.min_passage;
  args.input.quiet = args.quiet;
  args.input.max_document_bytes = args.engine.max_document_bytes;
}

void UseRevisionThresholdsNotGiven(CommonArgs& args) {
  Engine::Options revisions = args.engine;
  Engine::Options::UseRevisionThresholds(revisions);
  Engine::Options& o = args.engine;
  if (!Given(args, "--threshold")) {
    o.verify.jaccard_threshold = revisions.verify.jaccard_threshold;
  }
  if (!Given(args, "--containment")) {
    o.verify.containment_threshold = revisions.verify.containment_threshold;
  }
  if (!Given(args, "--member-jaccard")) {
    o.member.jaccard_threshold = revisions.member.jaccard_threshold;
  }
  if (!Given(args, "--member-containment")) {
    o.member.containment_threshold = revisions.member.containment_threshold;
  }
}

int StatusExit(const absl::Status& s) {
  std::fprintf(stderr, "mimeo: %s\n", std::string(s.message()).c_str());
  return s.code() == absl::StatusCode::kNotFound ? 2 : 1;
}

int UsageExit(const std::string& message) {
  std::fprintf(stderr, "mimeo: %s\n", message.c_str());
  return 2;
}

std::string ChooseFormat(const CommonArgs& args) {
  if (!args.format.empty()) return args.format;
  const bool to_stdout = args.output.empty() || args.output == "-";
  return to_stdout && isatty(1) ? "table" : "jsonl";
}

WriteOptions ChooseWriteOptions(const CommonArgs& args,
                                const std::string& format) {
  WriteOptions w;
  const bool to_stdout = args.output.empty() || args.output == "-";
  w.color = format == "table" && to_stdout && isatty(1) &&
            std::getenv("NO_COLOR") == nullptr;
  w.passage_text = args.passage_text;
  return w;
}

namespace {

// Removes the temporary files being written (AtomicFile), so that an
// interrupted run (Ctrl-C, kill) leaves no partial file behind, then ends
// the process as the signal would have. Only async-signal-safe calls.
void RemoveTemporaryFilesAndDie(int sig) {
  internal::RemoveTemporaryFiles();
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

// The index directory this run reads, for the message on SIGBUS (set
// before it is opened; read by the handler alone).
char g_index_dir[4096];
std::atomic<bool> g_index_named{false};

void Write(const char* s) {
  ssize_t ignored = write(2, s, std::strlen(s));
  (void)ignored;
}

// A memory-mapped file shorter than the pages read from it: an index's
// data.mdb cut short (a copy interrupted). Said, then the run fails.
void DamagedMapAndExit(int) {
  internal::RemoveTemporaryFiles();
  Write("mimeo: ");
  if (g_index_named.load(std::memory_order_acquire)) {
    Write("index '");
    Write(g_index_dir);
    Write("' is damaged: ");
  }
  Write("a page of a file mapped in memory is missing (SIGBUS): its "
        "data.mdb was cut short or changed underneath. Run `mimeo index "
        "check`; restore the index from a copy or build it again\n");
  _exit(1);
}

}  // namespace

void InstallSignalCleanup() {
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
    std::signal(sig, RemoveTemporaryFilesAndDie);
  }
  std::signal(SIGBUS, DamagedMapAndExit);
}

void NoteIndexDirectory(const std::string& dir) {
  if (dir.size() >= sizeof(g_index_dir)) return;
  g_index_named.store(false, std::memory_order_release);
  std::memcpy(g_index_dir, dir.c_str(), dir.size() + 1);
  g_index_named.store(true, std::memory_order_release);
}

Output::Output(std::string path, std::string format, WriteOptions write_options,
               std::unique_ptr<internal::AtomicFile> file)
    : path_(std::move(path)),
      format_(std::move(format)),
      write_options_(write_options),
      file_(std::move(file)) {}
Output::Output(Output&&) noexcept = default;
Output& Output::operator=(Output&&) noexcept = default;
Output::~Output() = default;

absl::Status CheckOutputOptions(const CommonArgs& args) {
  const std::string format = ChooseFormat(args);
  if (!args.passage_text && (format == "table" || format == "html")) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "--no-passage-text is for --format jsonl or csv: the %s shows the "
        "passages",
        format == "html" ? "HTML report" : "table"));
  }
  return absl::OkStatus();
}

// Fails when `output` names a file the command reads (CommonArgs::reads)
// or a file inside a directory it reads as an index.
absl::Status CheckNotRead(const std::string& output,
                          const std::vector<std::string>& reads) {
  namespace fs = std::filesystem;
  std::error_code ec;
  // Links resolved: a link to a file in the index is a file in the index.
  const fs::path parent = fs::weakly_canonical(output, ec).parent_path();
  for (const std::string& read : reads) {
    if (read.empty() || read == "-") continue;
    if (fs::is_regular_file(read, ec) && fs::equivalent(output, read, ec)) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "cannot write '%s': this command reads it; give another file",
          output));
    }
    if (fs::is_directory(read, ec) &&
        fs::exists(fs::path(read) / "data.mdb", ec) &&
        fs::equivalent(parent, read, ec)) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "cannot write '%s': it is inside the index directory '%s'; give "
          "another file",
          output, read));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Output> Output::Open(const CommonArgs& args) {
  const std::string format = ChooseFormat(args);
  const WriteOptions w = ChooseWriteOptions(args, format);
  if (absl::Status s = CheckOutputOptions(args); !s.ok()) return s;
  if (args.output.empty() || args.output == "-") {
    return Output("", format, w, nullptr);
  }
  // A temporary file can be made inside a directory, but the rename at
  // the end would fail: refused now.
  std::error_code ec;
  if (std::filesystem::is_directory(args.output, ec)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "cannot write '%s': it is a directory, not a file",
        args.output));
  }
  if (absl::Status s = CheckNotRead(args.output, args.reads); !s.ok()) {
    return s;
  }
  absl::StatusOr<internal::AtomicFile> file =
      internal::AtomicFile::Create(args.output);
  if (!file.ok()) return file.status();
  return Output(args.output, format, w,
                std::make_unique<internal::AtomicFile>(std::move(*file)));
}

absl::StatusOr<std::optional<Output>> Output::OpenOptionalFile(
    const std::string& path, const char* option, const CommonArgs& args) {
  if (path.empty()) return std::optional<Output>();
  absl::StatusOr<Output> out = OpenFile(path, option, args);
  if (!out.ok()) return out.status();
  return std::optional<Output>(std::move(*out));
}

absl::StatusOr<Output> Output::OpenFile(const std::string& path,
                                        const char* option,
                                        const CommonArgs& results) {
  if (path.empty() || path == "-") {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s takes a file name: standard output has the results", option));
  }
  const auto normal = [](const std::string& p) {
    std::error_code ec;
    return std::filesystem::absolute(p, ec).lexically_normal();
  };
  if (!results.output.empty() && results.output != "-" &&
      normal(path) == normal(results.output)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s and -o both name '%s': give them different files", option, path));
  }
  CommonArgs args;
  args.output = path;
  args.format = "jsonl";
  args.reads = results.reads;
  absl::StatusOr<Output> out = Open(args);
  if (!out.ok()) {
    return absl::Status(
        out.status().code(),
        absl::StrFormat("%s: %s", option, out.status().message()));
  }
  return out;
}

absl::Status Output::Write(const Writer& write) {
  if (!path_.empty() && file_ == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrFormat("'%s' was written already", path_));
  }
  if (file_ == nullptr) {
    if (absl::Status s = write(stdout, format_, write_options_); !s.ok()) {
      std::fflush(stdout);
      return s;
    }
    if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
      return absl::DataLossError("cannot write to standard output");
    }
    return absl::OkStatus();
  }
  // On an error the file is let go, which removes its temporary file.
  std::unique_ptr<internal::AtomicFile> file = std::move(file_);
  if (absl::Status s = write(file->file(), format_, write_options_); !s.ok()) {
    return absl::Status(
        s.code(), absl::StrFormat("'%s' not written: %s", path_, s.message()));
  }
  return file->Commit();
}

absl::Status Output::Write(const Report& report, Phase* phase) {
  return Write([&report, phase](std::FILE* out, const std::string& format,
                                const WriteOptions& w) {
    WriteOptions with_progress = w;
    if (phase != nullptr) with_progress.written = [phase] { phase->Advance(); };
    return WriteReport(report, format, with_progress, out);
  });
}

namespace {

// A one-line progress bar, redrawn at most ten times a second.
class Progress {
 public:
  explicit Progress(bool enabled) : enabled_(enabled && isatty(2)) {}
  ~Progress() { Clear(); }

  void Update(uint64_t docs, uint64_t consumed, uint64_t total) {
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    const double s = std::chrono::duration<double>(now - start_).count();
    const double rate = s > 0 ? consumed / s : 0;
    std::string line =
        absl::StrFormat("%d documents, %.1f MB, %.1f MB/s", docs,
                        consumed / 1e6, rate / 1e6);
    if (total > 0 && consumed <= total) {
      const double f = static_cast<double>(consumed) / total;
      const int filled = static_cast<int>(f * 24);
      line = absl::StrFormat("[%s%s] %3.0f%%  ", std::string(filled, '#'),
                             std::string(24 - filled, '.'), 100 * f) +
             line;
      if (rate > 0) {
        const int eta = static_cast<int>((total - consumed) / rate);
        line += absl::StrFormat(", ETA %d:%02d", eta / 60, eta % 60);
      }
    }
    std::fprintf(stderr, "\r\x1b[K%s", line.c_str());
    drawn_ = true;
  }

  void Clear() {
    if (drawn_) std::fprintf(stderr, "\r\x1b[K");
    drawn_ = false;
  }

 private:
  const bool enabled_;
  bool drawn_ = false;
  const std::chrono::steady_clock::time_point start_ =
      std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace

Phase::Phase(std::string what, uint64_t total, bool quiet, std::FILE* out)
    : what_(std::move(what)), total_(total), out_(out) {
  if (quiet || !isatty(fileno(out))) return;
  thread_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mu_);
    do {
      Draw();
    } while (!stop_.wait_for(lock, std::chrono::milliseconds(200),
                             [this] { return stopping_; }));
    std::fprintf(out_, "\r\x1b[K");
    std::fflush(out_);
  });
}

Phase::~Phase() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  stop_.notify_one();
  thread_.join();
}

void Phase::Update(std::string_view step, uint64_t done, uint64_t total) {
  std::lock_guard<std::mutex> lock(mu_);
  if (step != step_) {
    start_ = std::chrono::steady_clock::now();
    step_ = std::string(step);
  }
  total_ = total;
  done_.store(done, std::memory_order_relaxed);
}

ProgressHook Phase::Hook() {
  return [this](std::string_view phase, uint64_t done, uint64_t total) {
    Update(phase, done, total);
  };
}

void Phase::Draw() {
  const double s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_)
          .count();
  const int elapsed = static_cast<int>(s);
  std::string line;
  const uint64_t done = std::min(done_.load(std::memory_order_relaxed), total_);
  const std::string what = step_.empty() ? what_ : what_ + ": " + step_;
  // A step of one unit (the library's single calls) has nothing to count.
  if (total_ > 1) {
    const double f = static_cast<double>(done) / total_;
    const int filled = static_cast<int>(f * 24);
    line = absl::StrFormat("[%s%s] %3.0f%%  %s, %d/%d, %d:%02d",
                           std::string(filled, '#'),
                           std::string(24 - filled, '.'), 100 * f, what, done,
                           total_, elapsed / 60, elapsed % 60);
    if (done > 0) {
      const int eta = static_cast<int>(s / done * (total_ - done));
      line += absl::StrFormat(", ETA %d:%02d", eta / 60, eta % 60);
    }
  } else {
    line = absl::StrFormat("%s, %d:%02d", what, elapsed / 60, elapsed % 60);
  }
  std::fprintf(out_, "\r\x1b[K%s", line.c_str());
  std::fflush(out_);
}

absl::Status ReadInto(InputReader& reader, Engine& engine, bool quiet,
                      std::vector<uint64_t>* lengths, bool durable,
                      Engine::OnExisting existing, uint64_t* added_count) {
  Progress progress(!quiet);
  // A pipeline on the engine's threads: batches are read in order on one
  // thread, sketched on all of them, and committed in the order read, so
  // the result is that of one AddBatch() over the whole input. Batches are
  // small so that reading overlaps sketching and memory holds only the
  // batches in flight (about 2 MB per thread; 8 MB into an index on
  // disk, where each commit waits for the disk).
  const uint64_t batch_bytes = (durable ? uint64_t{8} : uint64_t{2}) << 20;
  const int threads = engine.options().threads;
  tbb::task_arena arena = mimeo::internal::Arena(threads);
  const size_t tokens = 2 * static_cast<size_t>(arena.max_concurrency()) + 1;
  absl::Status status;
  bool done = false;
  uint64_t committed = 0;
  arena.execute([&] {
    tbb::parallel_pipeline(
        tokens,
        // Each batch carries the input bytes consumed once it was read, so
        // that the bar shows what is sketched and committed, not what is
        // read ahead (a compressed file is read far ahead of its texts).
        tbb::make_filter<void, std::pair<std::vector<Document>, uint64_t>>(
            tbb::filter_mode::serial_in_order,
            [&](tbb::flow_control& fc) {
              std::pair<std::vector<Document>, uint64_t> batch;
              if (done || !status.ok()) {
                fc.stop();
                return batch;
              }
              absl::StatusOr<bool> more = reader.Next(batch.first, batch_bytes);
              if (!more.ok()) {
                status = more.status();
                fc.stop();
                return std::pair<std::vector<Document>, uint64_t>();
              }
              done = !*more;
              batch.second = reader.consumed_bytes();
              if (lengths != nullptr) {
                for (const Document& d : batch.first) {
                  lengths->push_back(d.text.size());
                }
              }
              return batch;
            }) &
            tbb::make_filter<std::pair<std::vector<Document>, uint64_t>,
                             std::pair<Engine::SketchedBatch, uint64_t>>(
                tbb::filter_mode::parallel,
                [&](std::pair<std::vector<Document>, uint64_t> batch) {
                  return std::make_pair(
                      engine.SketchBatch(std::move(batch.first)), batch.second);
                }) &
            tbb::make_filter<std::pair<Engine::SketchedBatch, uint64_t>, void>(
                tbb::filter_mode::serial_in_order,
                [&](std::pair<Engine::SketchedBatch, uint64_t> batch) {
                  if (!status.ok() || batch.first.size() == 0) return;
                  absl::StatusOr<std::vector<DocId>> added =
                      engine.Commit(std::move(batch.first), existing);
                  if (!added.ok()) {
                    status = added.status();
                    return;
                  }
                  committed += added->size();
                  progress.Update(committed, batch.second,
                                  reader.total_bytes());
                }));
  });
  progress.Clear();
  if (added_count != nullptr) *added_count = committed;
  if (!status.ok()) return status;
  // Documents skipped for being present already were there to read.
  const InputCounts& counts = reader.counts();
  if (counts.documents == 0 && counts.skipped_existing == 0 &&
      (counts.files > 0 || counts.skipped() > 0)) {
    // Files were found: the hint is about what was wrong with them.
    std::string why;
    if (counts.malformed_lines > 0) {
      why = absl::StrFormat(
          "%d JSONL line%s skipped as malformed (without a string field "
          "\"%s\"? --text-field names the field holding the text)",
          counts.malformed_lines, counts.malformed_lines == 1 ? "" : "s",
          reader.options().text_field);
    } else if (counts.skipped() == 0) {
      why = absl::StrFormat("%d file%s opened, holding no text",
                            counts.files, counts.files == 1 ? " was" : "s were");
    } else {
      why = absl::StrFormat("%d file%s opened, %d skipped (the warnings "
                            "say why)",
                            counts.files, counts.files == 1 ? "" : "s",
                            counts.skipped());
    }
    return absl::FailedPreconditionError("no documents to read: " + why);
  }
  if (counts.documents == 0 && counts.skipped_existing == 0) {
    if (!counts.passed_by_note.empty()) {
      return absl::FailedPreconditionError("no documents to read: " +
                                           counts.passed_by_note);
    }
    return absl::FailedPreconditionError(
        "no documents to read: directories are searched for .txt, .md, "
        ".html, .htm, .jsonl and .ndjson files (also .gz or .zst), or with "
        "--include for the files matching a pattern");
  }
  return absl::OkStatus();
}

void PrintSummary(const CommonArgs& args, const InputCounts& counts,
                  const EngineStats& stats, const std::string& results,
                  std::chrono::steady_clock::time_point start) {
  if (args.quiet) return;
  const double seconds = std::chrono::duration<double>(
                             std::chrono::steady_clock::now() - start)
                             .count();
  std::string line = absl::StrFormat(
      "mimeo: %d document%s, %.1f MB, %d skipped", stats.documents,
      stats.documents == 1 ? "" : "s", stats.bytes / 1e6, counts.skipped());
  if (counts.malformed_lines > 0) {
    line += absl::StrFormat(" (%d malformed line%s)", counts.malformed_lines,
                            counts.malformed_lines == 1 ? "" : "s");
  }
  if (counts.passed_by > 0) {
    line += absl::StrFormat(", %d file%s passed by for %s name%s",
                            counts.passed_by, counts.passed_by == 1 ? "" : "s",
                            counts.passed_by == 1 ? "its" : "their",
                            counts.passed_by == 1 ? "" : "s");
  }
  if (stats.invalid_utf8 > 0 || counts.repaired_lines > 0) {
    line += absl::StrFormat(", %d invalid UTF-8 repaired",
                            stats.invalid_utf8 + counts.repaired_lines);
  }
  if (counts.renamed_ids > 0) {
    line += absl::StrFormat(", %d id%s renamed", counts.renamed_ids,
                            counts.renamed_ids == 1 ? "" : "s");
  }
  if (!results.empty()) line += ", " + results;
  line += absl::StrFormat(", %.2f s", seconds);
  std::fprintf(stderr, "%s\n", line.c_str());
}

absl::Status WriteFamilies(const CopyReport& copy, const Engine& engine,
                           bool passage_text, std::FILE* out) {
  JsonWriter w;
  // Families come ordered by origin: one text read serves a run of them.
  std::optional<DocId> text_of;
  std::string text;
  for (const CopyFamily& f : copy.families) {
    w.Clear();
    w.BeginObject();
    w.Key("family");
    w.Uint(f.id);
    w.Key("origin");
    w.String(engine.id(f.origin));
    w.Key("origin_span");
    w.BeginArray();
    w.Uint(f.origin_begin);
    w.Uint(f.origin_end);
    w.EndArray();
    w.Key("docs");
    w.Uint(f.num_docs);
    if (passage_text) {
      if (text_of != f.origin) {
        absl::StatusOr<std::string> t = engine.text(f.origin);
        if (!t.ok()) return t.status();
        text = std::move(*t);
        text_of = f.origin;
      }
      PassageOut span;
      span.a_begin = f.origin_begin;
      span.a_end = f.origin_end;
      w.Key("text");
      w.String(PassageText(text, span));
    }
    w.Key("holders");
    w.BeginArray();
    // Members are ordered by DocId, then position: one holder per run.
    for (size_t i = 0; i < f.members.size();) {
      const DocId doc = f.members[i].doc;
      w.BeginObject();
      w.Key("id");
      w.String(engine.id(doc));
      w.Key("spans");
      w.BeginArray();
      for (; i < f.members.size() && f.members[i].doc == doc; ++i) {
        w.BeginArray();
        w.Uint(f.members[i].begin);
        w.Uint(f.members[i].end);
        w.EndArray();
      }
      w.EndArray();
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    std::fwrite(w.str().data(), 1, w.str().size(), out);
    std::fputc('\n', out);
  }
  return absl::OkStatus();
}

std::function<absl::StatusOr<std::string>(DocId)> TextsOf(
    const Engine& engine) {
  return [&engine](DocId doc) { return engine.text(doc); };
}

void SetPassages(PairOut& pair, absl::Span<const Passage> passages,
                 uint32_t more) {
  pair.passages.clear();
  pair.boilerplate.clear();
  constexpr size_t kReasons = static_cast<size_t>(Boilerplate::kTemplate) + 1;
  uint32_t by_reason[kReasons] = {};
  for (const Passage& p : passages) {
    if (p.boilerplate) {
      ++by_reason[std::min(static_cast<size_t>(p.reason), kReasons - 1)];
      continue;
    }
    pair.passages.push_back(
        {p.a_begin, p.a_end, p.b_begin, p.b_end, p.a_words});
  }
  for (size_t r = 1; r < kReasons; ++r) {
    if (by_reason[r] == 0) continue;
    pair.boilerplate.emplace_back(
        std::string(BoilerplateName(static_cast<Boilerplate>(r))),
        by_reason[r]);
  }
  pair.more_passages = more;
}

}  // namespace mimeo::cli
