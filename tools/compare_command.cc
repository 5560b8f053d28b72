// `mimeo compare A B`: how similar two texts are, and the passages they
// share, highlighted.
#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "command.h"
#include "commands.h"
#include "utf8.h"

namespace mimeo::cli {
namespace {

struct CompareArgs {
  CommonArgs common;
  std::string a, b;
  int context = 100;
};

// Reads the one document at `path`.
absl::StatusOr<Document> ReadOne(const std::string& path,
                                 const InputOptions& options) {
  auto reader = InputReader::Open({path}, options);
  if (!reader.ok()) return reader.status();
  std::vector<Document> docs, batch;
  for (;;) {
    absl::StatusOr<bool> more = (*reader)->Next(batch, uint64_t{1} << 30);
    if (!more.ok()) return more.status();
    for (Document& d : batch) docs.push_back(std::move(d));
    if (!*more) break;
  }
  if (docs.size() != 1) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "compare takes two documents, but '%s' holds %d; use mimeo pairs "
        "for more",
        path, docs.size()));
  }
  return std::move(docs.front());
}

// "...before «passage» after..." on one line, the passage highlighted.
std::string InContext(std::string_view text, uint32_t b, uint32_t e,
                      int context, bool color) {
  size_t from = b > static_cast<uint32_t>(context) ? b - context : 0;
  while (from > 0 && (static_cast<unsigned char>(text[from]) & 0xC0) == 0x80) {
    --from;
  }
  size_t to = std::min<size_t>(text.size(), size_t{e} + context);
  while (to < text.size() &&
         (static_cast<unsigned char>(text[to]) & 0xC0) == 0x80) {
    ++to;
  }
  const std::string before = Excerpt(text.substr(from, b - from), 1 << 20);
  const std::string passage = Excerpt(text.substr(b, e - b), 1 << 20);
  const std::string after = Excerpt(text.substr(e, to - e), 1 << 20);
  auto space = [text](size_t i) {
    return i < text.size() && std::isspace(static_cast<unsigned char>(text[i]));
  };
  std::string out = from > 0 ? "..." : "";
  out += RepairUtf8(before);
  out += b > from && space(b - 1) ? " " : "";
  out += color ? "\x1b[1;30;43m" + RepairUtf8(passage) + "\x1b[0m"
               : "\xC2\xAB" + RepairUtf8(passage) + "\xC2\xBB";
  out += to > e && space(e) ? " " : "";
  out += RepairUtf8(after);
  if (to < text.size()) out += "...";
  return out;
}

void WriteCompareTable(const PairOut& p, int context, bool color,
                       std::FILE* out) {
  auto bold = [color](const std::string& s) {
    return color ? "\x1b[1m" + s + "\x1b[0m" : s;
  };
  absl::FPrintF(out, "%s ~ %s\n", bold(RepairUtf8(p.a)).c_str(),
               bold(RepairUtf8(p.b)).c_str());
  uint64_t words = 0;
  for (const PassageOut& q : p.passages) words += q.words;
  absl::FPrintF(out,
               "  jaccard %.3f, %.0f%% of a in b, %.0f%% of b in a%s, %d "
               "shared passage%s, %d words\n",
               p.similarity.jaccard, 100 * p.similarity.containment_a_in_b,
               100 * p.similarity.containment_b_in_a,
               p.near_duplicate ? ", near-duplicate" : "", p.passages.size(),
               p.passages.size() == 1 ? "" : "s", words);
  for (size_t i = 0; i < p.passages.size(); ++i) {
    const PassageOut& q = p.passages[i];
    absl::FPrintF(out, "\npassage %d (%d words)\n", i + 1, q.words);
    absl::FPrintF(out, "  a %d-%d: %s\n", q.a_begin, q.a_end,
                 InContext(p.a_text, q.a_begin, q.a_end, context, color).c_str());
    absl::FPrintF(out, "  b %d-%d: %s\n", q.b_begin, q.b_end,
                 InContext(p.b_text, q.b_begin, q.b_end, context, color).c_str());
  }
}

int Run(CompareArgs& args) {
  CommonArgs& common = args.common;
  FinishEngineOptions(common);
  common.input.strict = true;  // two documents: any problem is the answer
  const Engine::Options& o = common.engine;
  if (absl::Status s = o.Validate(); !s.ok()) return StatusExit(s);
  if (absl::Status s = CheckOutputOptions(common); !s.ok()) {
    return UsageExit(std::string(s.message()));
  }
  if (args.a == "-" && args.b == "-") {
    return UsageExit("'-' (standard input) is named twice; it can be read once");
  }
  common.reads = {args.a, args.b};
  absl::StatusOr<Output> output = Output::Open(common);
  if (!output.ok()) return StatusExit(output.status());
  absl::StatusOr<Document> a = ReadOne(args.a, common.input);
  if (!a.ok()) return StatusExit(a.status());
  absl::StatusOr<Document> b = ReadOne(args.b, common.input);
  if (!b.ok()) return StatusExit(b.status());

  auto aligner =
      Aligner::Create(o.copy.align, o.normalize, o.tokenize, o.shingle);
  if (!aligner.ok()) return StatusExit(aligner.status());
  auto verifier = Verifier::Create(o.verify);
  if (!verifier.ok()) return StatusExit(verifier.status());
  AlignedText ta, tb;
  if (absl::Status s = aligner->Prepare(a->text, ta); !s.ok()) {
    return StatusExit(s);
  }
  if (absl::Status s = aligner->Prepare(b->text, tb); !s.ok()) {
    return StatusExit(s);
  }
  std::vector<uint64_t> sa, sb;
  SortedSet(ta.shingles.hashes, sa);
  SortedSet(tb.shingles.hashes, sb);

  PairOut p;
  p.a = a->id;
  p.b = b->id;
  p.similarity = ExactSimilarity(sa, sb);
  p.near_duplicate = verifier->Accept(p.similarity);
  p.has_passages = true;
  SetPassages(p, aligner->Align(ta, tb));
  p.shares_copy = !p.passages.empty();
  p.a_text = a->text;
  p.b_text = b->text;

  Report report;
  report.title = "mimeo compare";
  report.documents = 2;
  report.pairs.push_back(std::move(p));
  const int context = args.context;
  absl::Status s = output->Write([&report, context](std::FILE* out,
                                                    const std::string& format,
                                                    const WriteOptions& w) {
    if (format != "table") return WriteReport(report, format, w, out);
    WriteCompareTable(report.pairs.front(), context, w.color, out);
    return absl::OkStatus();
  });
  return s.ok() ? 0 : StatusExit(s);
}

}  // namespace

void AddCompareCommand(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<CompareArgs>();
  CLI::App* cmd = app.add_subcommand(
      "compare",
      "Compare two texts: their similarity and every passage they share, "
      "highlighted.");
  cmd->footer(
      "Examples:\n"
      "  mimeo compare wire.txt reprint.txt\n"
      "  mimeo compare wire.txt page.html --format html -o compare.html\n"
      "  curl -s URL | mimeo compare wire.txt -\n");
  cmd->add_option("a", args->a, "The first text (a file, or - for stdin)")
      ->required();
  cmd->add_option("b", args->b, "The second text")->required();
  cmd->add_option("--context", args->context,
                  "Characters shown around each passage")
      ->capture_default_str()
      ->check(CLI::Range(0, 10000));
  // Two texts are compared on their exact shingle sets, without MinHash,
  // candidates or collection-wide boilerplate: only these options apply.
  AddSimilarityOptions(cmd, args->common);
  cmd->add_option("--text-field", args->common.input.text_field,
                  "JSONL: the field holding the text")
      ->capture_default_str();
  AddOutputOptions(cmd, args->common);
  AddPassageTextOption(cmd, args->common);
  cmd->callback([args, &exit_code] { exit_code = Run(*args); });
}

}  // namespace mimeo::cli
