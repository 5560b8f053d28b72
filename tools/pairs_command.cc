// `mimeo pairs`: the pairs of documents that are near-duplicates or share
// copy, with scores and passages (in a very large group of copies, not all
// its pairs: the LSH large-bucket rule, lsh_index.h).
#include <algorithm>
#include <chrono>
#include <optional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_format.h"
#include "command.h"
#include "commands.h"
#include "internal/status_macros.h"
#include "mimeo/pair_limit.h"
#include "mimeo/pair_stream.h"

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
// returns how many it removed; `ids` holds each pair's DocIds.
size_t CapPairsPerDocument(std::vector<PairOut>& pairs, uint32_t max,
                           size_t num_ids,
                           const std::vector<std::pair<DocId, DocId>>& ids) {
  std::vector<ScoredPair> scored;
  scored.reserve(pairs.size());
  for (size_t i = 0; i < pairs.size(); ++i) {
    scored.push_back(
        {ids[i].first, ids[i].second, PairStrength(pairs[i].similarity)});
  }
  const std::vector<size_t> kept = LimitPairsPerDocument(scored, max, num_ids);
  std::vector<PairOut> out;
  out.reserve(kept.size());
  for (size_t i : kept) out.push_back(std::move(pairs[i]));
  pairs = std::move(out);
  return scored.size() - kept.size();
}

// The output's pair for the engine's (a, b).
PairOut MakePair(const Engine& engine, DocId a, DocId b, const Similarity& s,
                 bool show_text) {
  PairOut p;
  p.a = engine.id(a);
  p.b = engine.id(b);
  p.similarity = s;
  p.has_passages = show_text;
  if (show_text) {
    p.a_doc = a;
    p.b_doc = b;
  }
  return p;
}

bool Before(const VerifiedPair& v, const CopyPair& c) {
  return v.a != c.a ? v.a < c.a : v.b < c.b;
}

// Pairs are written as the engine verifies them, a block at a time
// (pair_stream.h), so that memory does not grow with their number, except
// where the output needs them all: the HTML page (which counts them in its
// heading), --max-pairs-per-doc (which ranks each document's pairs) and
// --families (families are made from every pair with its passages). With
// --mode all the near-duplicate pairs (a few dozen bytes each, no text) are
// held while the shared copy streams, to be merged with it by (a, b).
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
  // A copy-only run keeps no MinHash signatures.
  common.engine.find_near_duplicates = args.mode != "copy";
  common.engine.index_on_add = false;
  // Texts are read again from the input to cut passages, not kept.
  common.input.remember_texts = show_text;

  if (absl::Status s = CheckOutputOptions(common); !s.ok()) {
    return UsageExit(std::string(s.message()));
  }
  auto reader = InputReader::Open(args.paths, common.input);
  if (!reader.ok()) return StatusExit(reader.status());
  common.reads = args.paths;
  absl::StatusOr<Output> output = Output::Open(common);
  if (!output.ok()) return StatusExit(output.status());
  absl::StatusOr<std::optional<Output>> opened =
      Output::OpenOptionalFile(args.families, "--families", common);
  if (!opened.ok()) return StatusExit(opened.status());
  std::optional<Output> families = std::move(*opened);
  common.engine.text_source = (*reader)->texts();
  auto engine_or = Engine::Create(common.engine);
  if (!engine_or.ok()) return StatusExit(engine_or.status());
  const Engine& engine = **engine_or;
  if (absl::Status s = ReadInto(**reader, **engine_or, common.quiet);
      !s.ok()) {
    return StatusExit(s);
  }
  const uint64_t documents = engine.stats().documents;
  auto verifier = Verifier::Create(common.engine.verify);
  if (!verifier.ok()) return StatusExit(verifier.status());

  const bool collect =
      format == "html" || args.max_pairs_per_doc > 0 || families.has_value();
  // Near-duplicate pairs get their passages where the format shows them
  // (the HTML, its first pairs only).
  const bool align_near = near_dup_only && show_text;
  size_t capped = 0;
  uint64_t written = 0;
  absl::Status run = output->Write([&](std::FILE* out,
                                       const std::string& fmt,
                                       const WriteOptions& wo) -> absl::Status {
    std::optional<Phase> work;
    work.emplace("finding pairs among " +
                     Count(documents, "document", "documents"),
                 0, common.quiet);
    PairStreamOptions stream;
    stream.progress = work->Hook();
    PairsWriter writer(fmt, wo, out);
    std::vector<PairOut> collected;
    std::vector<std::pair<DocId, DocId>> collected_ids;
    const auto align = [&](PairOut& p) -> absl::Status {
      uint32_t more = 0;
      absl::StatusOr<std::vector<Passage>> passages =
          engine.Passages(*p.a_doc, *p.b_doc, &more);
      if (!passages.ok()) return passages.status();
      SetPassages(p, *passages, more);
      p.shares_copy = !p.passages.empty();
      return absl::OkStatus();
    };
    Report block;
    block.text_of = TextsOf(engine);
    // Takes a block of pairs in order, with their documents' DocIds.
    const auto deliver =
        [&](std::vector<PairOut>& pairs,
            const std::vector<std::pair<DocId, DocId>>& ids) -> absl::Status {
      if (collect) {
        for (PairOut& p : pairs) collected.push_back(std::move(p));
        collected_ids.insert(collected_ids.end(), ids.begin(), ids.end());
        return absl::OkStatus();
      }
      if (align_near) {
        for (PairOut& p : pairs) RETURN_IF_ERROR(align(p));
      }
      block.pairs = std::move(pairs);
      absl::Status s = writer.Write(block);
      block.pairs.clear();
      return s;
    };
    const auto near = [&](const VerifiedPair& v) {
      PairOut p = MakePair(engine, v.a, v.b, v.similarity, show_text);
      p.near_duplicate = true;
      return p;
    };

    std::vector<VerifiedPair> near_pairs;  // --mode all: merged with copy
    if (args.mode != "copy") {
      absl::StatusOr<PairStreamStats> done = engine.NearDuplicatePairs(
          [&](absl::Span<VerifiedPair> pairs) -> absl::Status {
            if (!near_dup_only) {
              near_pairs.insert(near_pairs.end(), pairs.begin(), pairs.end());
              return absl::OkStatus();
            }
            std::vector<PairOut> outs;
            std::vector<std::pair<DocId, DocId>> ids;
            outs.reserve(pairs.size());
            for (const VerifiedPair& v : pairs) {
              outs.push_back(near(v));
              ids.emplace_back(v.a, v.b);
            }
            return deliver(outs, ids);
          },
          stream);
      RETURN_IF_ERROR(done.status());
    }
    size_t next_near = 0;
    if (!near_dup_only) {
      const auto copy_block = [&](absl::Span<CopyPair> pairs) -> absl::Status {
        std::vector<PairOut> outs;
        std::vector<std::pair<DocId, DocId>> ids;
        outs.reserve(pairs.size());
        for (const CopyPair& c : pairs) {
          while (next_near < near_pairs.size() &&
                 Before(near_pairs[next_near], c)) {
            const VerifiedPair& v = near_pairs[next_near++];
            outs.push_back(near(v));
            ids.emplace_back(v.a, v.b);
          }
          PairOut p;
          if (next_near < near_pairs.size() &&
              near_pairs[next_near].a == c.a &&
              near_pairs[next_near].b == c.b) {
            p = near(near_pairs[next_near++]);
          } else {
            p = MakePair(engine, c.a, c.b, c.similarity, show_text);
          }
          p.shares_copy = true;
          SetPassages(p, c.passages, c.more_passages);
          if (args.mode == "copy") {
            p.near_duplicate = verifier->Accept(c.similarity);
          }
          outs.push_back(std::move(p));
          ids.emplace_back(c.a, c.b);
        }
        return deliver(outs, ids);
      };
      if (families) {
        absl::StatusOr<CopyReport> copy = engine.SharedCopy(work->Hook());
        RETURN_IF_ERROR(copy.status());
        RETURN_IF_ERROR(copy_block(absl::MakeSpan(copy->pairs)));
        work.reset();
        Phase phase(absl::StrFormat("writing %d copy famil%s",
                                    copy->families.size(),
                                    copy->families.size() == 1 ? "y" : "ies"),
                    0, common.quiet);
        RETURN_IF_ERROR(families->Write(
            [&](std::FILE* family_out, const std::string&,
                const WriteOptions&) {
              return WriteFamilies(*copy, engine, common.passage_text,
                                   family_out);
            }));
      } else {
        absl::StatusOr<PairStreamStats> done =
            engine.SharedCopyPairs(copy_block, stream);
        RETURN_IF_ERROR(done.status());
      }
    }
    // Near-duplicate pairs after the last pair sharing copy.
    while (next_near < near_pairs.size()) {
      const size_t end =
          std::min(near_pairs.size(), next_near + stream.block_pairs);
      std::vector<PairOut> outs;
      std::vector<std::pair<DocId, DocId>> ids;
      for (; next_near < end; ++next_near) {
        const VerifiedPair& v = near_pairs[next_near];
        outs.push_back(near(v));
        ids.emplace_back(v.a, v.b);
      }
      RETURN_IF_ERROR(deliver(outs, ids));
    }
    work.reset();
    if (!collect) {
      writer.Finish();
      written = writer.pairs();
      return absl::OkStatus();
    }

    if (args.max_pairs_per_doc > 0) {
      capped = CapPairsPerDocument(collected, args.max_pairs_per_doc,
                                   engine.num_ids(), collected_ids);
    }
    if (align_near) {
      const size_t to_align = std::min(
          fmt == "html" ? wo.html_max_pairs : SIZE_MAX, collected.size());
      Phase phase(absl::StrFormat("aligning %d pair%s", to_align,
                                  to_align == 1 ? "" : "s"),
                  to_align, common.quiet || to_align == 0);
      for (size_t i = 0; i < to_align; ++i) {
        RETURN_IF_ERROR(align(collected[i]));
        phase.Advance();
      }
    }
    Report report;
    report.title = "mimeo pairs";
    report.documents = documents;
    report.text_of = TextsOf(engine);
    report.pairs = std::move(collected);
    written = report.pairs.size();
    Phase phase(absl::StrFormat("writing %d pair%s", report.pairs.size(),
                                report.pairs.size() == 1 ? "" : "s"),
                report.pairs.size(), common.quiet);
    WriteOptions with_progress = wo;
    with_progress.written = [&phase] { phase.Advance(); };
    return WriteReport(report, fmt, with_progress, out);
  });
  if (!run.ok()) return StatusExit(run);
  std::string results =
      absl::StrFormat("%d pair%s", written, written == 1 ? "" : "s");
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
