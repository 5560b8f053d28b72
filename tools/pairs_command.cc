// `mimeo pairs`: the pairs of documents that are near-duplicates or share
// copy, with scores and passages (in a very large group of copies, not all
// its pairs: the LSH large-bucket rule, lsh_index.h).
#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_format.h"
#include "command.h"
#include "commands.h"

namespace mimeo::cli {
namespace {

struct PairsArgs {
  CommonArgs common;
  std::vector<std::string> paths;
  std::string mode = "all";
};

int Run(PairsArgs& args) {
  const auto start = std::chrono::steady_clock::now();
  CommonArgs& common = args.common;
  FinishEngineOptions(common);
  const std::string format = ChooseFormat(common);
  // Shared copy is looked for unless only near-duplicates are asked for;
  // near-duplicate pairs get passages only where the format shows them.
  const bool near_dup_only = args.mode == "near-dup";
  const bool show_text =
      !near_dup_only || format == "table" || format == "html";
  common.engine.copy.enabled = !near_dup_only;
  common.engine.index_on_add = false;
  // Texts are read again from the input to cut passages, not kept.
  common.input.remember_texts = show_text;

  auto reader = InputReader::Open(args.paths, common.input);
  if (!reader.ok()) return StatusExit(reader.status());
  absl::StatusOr<Output> output = Output::Open(common);
  if (!output.ok()) return StatusExit(output.status());
  const WriteOptions& write = output->write_options();
  common.engine.text_source = (*reader)->texts();
  auto engine_or = Engine::Create(common.engine);
  if (!engine_or.ok()) return StatusExit(engine_or.status());
  Engine& engine = **engine_or;
  if (absl::Status s = ReadInto(**reader, engine, common.quiet); !s.ok()) {
    return StatusExit(s);
  }

  // Both detectors, merged by (a, b).
  std::map<std::pair<DocId, DocId>, PairOut> pairs;
  auto entry = [&](DocId a, DocId b, const Similarity& s) -> PairOut& {
    PairOut& p = pairs[{a, b}];
    if (p.a.empty()) {
      p.a = engine.id(a);
      p.b = engine.id(b);
      p.similarity = s;
      p.has_passages = show_text;
      if (show_text) {
        p.a_doc = a;
        p.b_doc = b;
      }
    }
    return p;
  };
  if (args.mode != "copy") {
    absl::StatusOr<Clustering> clustering;
    {
      Phase phase(absl::StrFormat("finding near-duplicates among %d documents",
                                  engine.stats().documents),
                  0, common.quiet);
      clustering = engine.Cluster();
    }
    if (!clustering.ok()) return StatusExit(clustering.status());
    size_t budget = format == "html" ? write.html_max_pairs : SIZE_MAX;
    // The pairs the loop below aligns, for the progress line.
    const size_t to_align = near_dup_only && show_text
                                ? std::min(budget, clustering->pairs.size())
                                : 0;
    Phase phase(absl::StrFormat("aligning %d pairs", to_align), to_align,
                common.quiet || to_align == 0);
    for (const VerifiedPair& v : clustering->pairs) {
      PairOut& p = entry(v.a, v.b, v.similarity);
      p.near_duplicate = true;
      if (!near_dup_only || !show_text || budget == 0) continue;
      --budget;
      uint32_t more = 0;
      absl::StatusOr<std::vector<Passage>> passages =
          engine.Passages(v.a, v.b, &more);
      if (!passages.ok()) return StatusExit(passages.status());
      phase.Advance();
      SetPassages(p, *passages, more);
      p.shares_copy = !p.passages.empty();
    }
  }
  if (!near_dup_only) {
    auto verifier = Verifier::Create(common.engine.verify);
    if (!verifier.ok()) return StatusExit(verifier.status());
    absl::StatusOr<CopyReport> copy;
    {
      Phase phase(absl::StrFormat("finding the passages %d documents share",
                                  engine.stats().documents),
                  0, common.quiet);
      copy = engine.SharedCopy();
    }
    if (!copy.ok()) return StatusExit(copy.status());
    for (const CopyPair& c : copy->pairs) {
      PairOut& p = entry(c.a, c.b, c.similarity);
      p.shares_copy = true;
      SetPassages(p, c.passages, c.more_passages);
      if (args.mode == "copy")
        p.near_duplicate = verifier->Accept(c.similarity);
    }
  }

  Report report;
  report.title = "mimeo pairs";
  report.documents = engine.stats().documents;
  report.text_of = TextsOf(engine);
  for (auto& [key, p] : pairs) report.pairs.push_back(std::move(p));
  if (absl::Status s = output->Write(report); !s.ok()) {
    return StatusExit(s);
  }
  PrintSummary(common, (*reader)->counts(), engine.stats(),
               absl::StrFormat("%d pair%s", report.pairs.size(),
                               report.pairs.size() == 1 ? "" : "s"),
               start);
  return 0;
}

}  // namespace

void AddPairsCommand(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<PairsArgs>();
  CLI::App* cmd = app.add_subcommand(
      "pairs",
      "List the pairs of documents that are near-duplicates or share "
      "copy, with their similarity and the passages they share.");
  cmd->footer(
      "Near-duplicates in large groups of copies: when more than 128 "
      "documents fall into one "
      "candidate bucket (say, hundreds of copies of one text), each is "
      "paired with the bucket's first document, not with every other: the "
      "pairs still connect the whole group, so clusters are complete, but "
      "not every pair among its members is listed (the LSH large-bucket "
      "rule, Engine::Options::lsh_large_bucket).\n\n"
      "Examples:\n"
      "  mimeo pairs ~/articles                    pairs, as a table\n"
      "  mimeo pairs ~/articles -o pairs.jsonl     one JSON object per pair\n"
      "  mimeo pairs --mode copy --min-passage 20 ~/articles\n"
      "  mimeo pairs dump.jsonl.gz --id-field url --format csv -o pairs.csv\n");
  cmd->add_option("paths", args->paths,
                  "Files, directories (read recursively), or - for stdin")
      ->required();
  cmd->add_option("--mode", args->mode,
                  "all: near-duplicates and shared copy; near-dup: "
                  "near-duplicates only; copy: shared copy only")
      ->capture_default_str()
      ->check(CLI::IsMember({"all", "near-dup", "copy"}));
  AddEngineOptions(cmd, args->common);
  AddInputOptions(cmd, args->common);
  AddOutputOptions(cmd, args->common);
  cmd->callback([args, &exit_code] { exit_code = Run(*args); });
}

}  // namespace mimeo::cli
