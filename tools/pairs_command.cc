// `mimeo pairs`: the pairs of documents that are near-duplicates or share
// copy, with scores and passages (in a very large group of copies, not all
// its pairs: the LSH large-bucket rule, lsh_index.h).
#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_format.h"
#include "command.h"
#include "commands.h"
#include "mimeo/pair_limit.h"

namespace mimeo::cli {
namespace {

struct PairsArgs {
  CommonArgs common;
  std::vector<std::string> paths;
  std::string mode = "all";
  uint32_t max_pairs_per_doc = 0;  // 0: no limit
  std::string families;            // --families FILE
};

// Keeps the pairs LimitPairsPerDocument() keeps (pair_limit.h) and
// returns how many it removed.
size_t CapPairsPerDocument(std::map<std::pair<DocId, DocId>, PairOut>& pairs,
                           uint32_t max, size_t num_ids) {
  std::vector<ScoredPair> scored;
  scored.reserve(pairs.size());
  for (const auto& [key, p] : pairs) {
    scored.push_back({key.first, key.second, PairStrength(p.similarity)});
  }
  const std::vector<size_t> kept = LimitPairsPerDocument(scored, max, num_ids);
  size_t i = 0, k = 0;
  for (auto it = pairs.begin(); it != pairs.end(); ++i) {
    if (k < kept.size() && kept[k] == i) {
      ++k;
      ++it;
    } else {
      it = pairs.erase(it);
    }
  }
  return scored.size() - kept.size();
}

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
  if (near_dup_only && !args.families.empty()) {
    return UsageExit(
        "--families needs shared copy: --mode all or copy, not near-dup");
  }
  common.engine.copy.enabled = !near_dup_only;
  common.engine.index_on_add = false;
  // Texts are read again from the input to cut passages, not kept.
  common.input.remember_texts = show_text;

  if (absl::Status s = CheckOutputOptions(common); !s.ok()) {
    return UsageExit(std::string(s.message()));
  }
  auto reader = InputReader::Open(args.paths, common.input);
  if (!reader.ok()) return StatusExit(reader.status());
  absl::StatusOr<Output> output = Output::Open(common);
  if (!output.ok()) return StatusExit(output.status());
  absl::StatusOr<std::optional<Output>> opened =
      Output::OpenOptionalFile(args.families, "--families", common);
  if (!opened.ok()) return StatusExit(opened.status());
  std::optional<Output> families = std::move(*opened);
  const WriteOptions& write = output->write_options();
  common.engine.text_source = (*reader)->texts();
  auto engine_or = Engine::Create(common.engine);
  if (!engine_or.ok()) return StatusExit(engine_or.status());
  Engine& engine = **engine_or;
  if (absl::Status s = ReadInto(**reader, engine, common.quiet); !s.ok()) {
    return StatusExit(s);
  }
  const uint64_t documents = engine.stats().documents;

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
      Phase phase("finding near-duplicates among " +
                      Count(documents, "document", "documents"),
                  0, common.quiet);
      clustering = engine.Cluster();
    }
    if (!clustering.ok()) return StatusExit(clustering.status());
    for (const VerifiedPair& v : clustering->pairs) {
      entry(v.a, v.b, v.similarity).near_duplicate = true;
    }
  }
  if (!near_dup_only) {
    auto verifier = Verifier::Create(common.engine.verify);
    if (!verifier.ok()) return StatusExit(verifier.status());
    absl::StatusOr<CopyReport> copy;
    {
      Phase phase("finding the passages " +
                      Count(documents, "document", "documents") + " share",
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
    if (families) {
      Phase phase(absl::StrFormat("writing %d copy famil%s",
                                  copy->families.size(),
                                  copy->families.size() == 1 ? "y" : "ies"),
                  0, common.quiet);
      absl::Status s = families->Write(
          [&](std::FILE* out, const std::string&, const WriteOptions&) {
            return WriteFamilies(*copy, engine, common.passage_text, out);
          });
      if (!s.ok()) return StatusExit(s);
    }
  }
  size_t capped = 0;
  if (args.max_pairs_per_doc > 0) {
    capped = CapPairsPerDocument(pairs, args.max_pairs_per_doc,
                                 engine.num_ids());
  }
  // Near-duplicate pairs get their passages here, where the format shows
  // them (the HTML, its first pairs only).
  if (near_dup_only && show_text) {
    const size_t to_align = std::min(
        format == "html" ? write.html_max_pairs : SIZE_MAX, pairs.size());
    Phase phase(absl::StrFormat("aligning %d pair%s", to_align,
                                to_align == 1 ? "" : "s"),
                to_align, common.quiet || to_align == 0);
    size_t aligned = 0;
    for (auto& [key, p] : pairs) {
      if (aligned++ == to_align) break;
      uint32_t more = 0;
      absl::StatusOr<std::vector<Passage>> passages =
          engine.Passages(key.first, key.second, &more);
      if (!passages.ok()) return StatusExit(passages.status());
      phase.Advance();
      SetPassages(p, *passages, more);
      p.shares_copy = !p.passages.empty();
    }
  }

  Report report;
  report.title = "mimeo pairs";
  report.documents = documents;
  report.text_of = TextsOf(engine);
  for (auto& [key, p] : pairs) report.pairs.push_back(std::move(p));
  pairs.clear();
  {
    Phase phase(absl::StrFormat("writing %d pair%s", report.pairs.size(),
                                report.pairs.size() == 1 ? "" : "s"),
                report.pairs.size(), common.quiet);
    if (absl::Status s = output->Write(report, &phase); !s.ok()) {
      return StatusExit(s);
    }
  }
  std::string results = absl::StrFormat(
      "%d pair%s", report.pairs.size(), report.pairs.size() == 1 ? "" : "s");
  if (capped > 0) {
    results += absl::StrFormat(" (%d more left out by --max-pairs-per-doc)",
                               capped);
  }
  PrintSummary(common, (*reader)->counts(), engine.stats(), results, start);
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
      "  mimeo pairs dump.jsonl.gz --id-field url --format csv -o pairs.csv\n"
      "  mimeo pairs dump.jsonl.zst --max-pairs-per-doc 10 --no-passage-text "
      "-o pairs.jsonl\n"
      "  mimeo pairs --mode copy ~/articles --families families.jsonl "
      "-o pairs.jsonl\n");
  cmd->add_option("paths", args->paths,
                  "Files, directories (read recursively), or - for stdin")
      ->required();
  cmd->add_option("--mode", args->mode,
                  "all: near-duplicates and shared copy; near-dup: "
                  "near-duplicates only; copy: shared copy only")
      ->capture_default_str()
      ->check(CLI::IsMember({"all", "near-dup", "copy"}));
  cmd->add_option("--max-pairs-per-doc", args->max_pairs_per_doc,
                  "At most this many pairs per document: pairs are taken "
                  "strongest first (largest of Jaccard and containment), "
                  "each while both its documents have fewer (pair_limit.h); "
                  "0: all")
      ->type_name("N");
  cmd->add_option("--families", args->families,
                  "Also write the copy families here, one JSON line each: "
                  "the passage once, every document holding it with byte "
                  "ranges, the likely origin (--mode all or copy)")
      ->type_name("FILE");
  AddEngineOptions(cmd, args->common);
  AddInputOptions(cmd, args->common);
  AddOutputOptions(cmd, args->common);
  AddPassageTextOption(cmd, args->common);
  cmd->callback([args, &exit_code] { exit_code = Run(*args); });
}

}  // namespace mimeo::cli
