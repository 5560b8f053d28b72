// `mimeo cluster`: groups of near-duplicates, or of documents sharing copy.
#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_format.h"
#include "command.h"
#include "commands.h"
#include "internal/arena.h"
#include "oneapi/tbb/parallel_for.h"
#include "oneapi/tbb/task_arena.h"

namespace mimeo::cli {
namespace {

struct ClusterArgs {
  CommonArgs common;
  std::vector<std::string> paths;
  std::string mode = "near-dup";
  bool estimate = false;
  std::string families;  // --families FILE
};

int Run(ClusterArgs& args) {
  const auto start = std::chrono::steady_clock::now();
  CommonArgs& common = args.common;
  FinishEngineOptions(common);
  const std::string format = ChooseFormat(common);
  const bool copy_mode = args.mode == "copy";
  if (args.mode == "versions") UseRevisionThresholdsNotGiven(common);
  // Texts are needed only where passages are shown, and then read again
  // from the input rather than kept in memory.
  const bool show_text = copy_mode || format == "table" || format == "html";
  common.engine.copy.enabled = copy_mode;
  // Copy clusters need no MinHash signatures.
  common.engine.find_near_duplicates = !copy_mode;
  common.input.remember_texts = show_text;
  // One clustering run needs no incremental LSH index; --estimate keeps no
  // shingle sets either.
  common.engine.index_on_add = false;
  common.engine.keep_shingle_sets = !args.estimate;
  if (args.estimate && copy_mode) {
    return UsageExit(
        "--estimate is for near-duplicate clusters: --mode copy finds "
        "passages on the shingle sets");
  }
  if (!args.families.empty() && !copy_mode) {
    return UsageExit(
        "--families is for --mode copy: copy families are passages shared "
        "between documents");
  }
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
  const WriteOptions& write = output->write_options();
  // The threads --threads allows, for building and writing the report.
  tbb::task_arena arena = mimeo::internal::Arena(common.engine.threads);
  common.engine.text_source = (*reader)->texts();
  auto engine_or = Engine::Create(common.engine);
  if (!engine_or.ok()) return StatusExit(engine_or.status());
  Engine& engine = **engine_or;
  if (absl::Status s = ReadInto(**reader, engine, common.quiet); !s.ok()) {
    return StatusExit(s);
  }

  const EngineStats stats = engine.stats();
  Report report;
  report.has_clusters = true;
  report.title =
      "mimeo cluster" +
      (args.mode == "near-dup" ? std::string() : " --mode " + args.mode);
  report.documents = stats.documents;
  report.text_of = TextsOf(engine);
  const size_t num_ids = engine.num_ids();

  // Joined before the engine's other holders go (declared after them).
  std::jthread releasing;
  if (!copy_mode) {
    absl::StatusOr<Clustering> clustering;
    {
      Phase phase(
          "clustering " + Count(stats.documents, "document", "documents"), 0,
          common.quiet);
      clustering = engine.Cluster(phase.Hook());
    }
    if (!clustering.ok()) return StatusExit(clustering.status());
    // Without texts to show, the report needs only the ids: they are
    // copied out and the engine let go, so that its memory and the
    // report's are not held at once.
    std::vector<std::string> ids;
    if (!show_text) {
      ids.reserve(num_ids);
      for (DocId d = 0; d < num_ids; ++d) ids.push_back(engine.id(d));
      report.text_of = nullptr;  // no pair names a text to fetch
      // Giving back the engine's memory (its sets and signatures: most of
      // the process) takes the kernel a while; it is done beside the
      // report, which needs nothing of it.
      releasing = std::jthread(
          [released = std::move(*engine_or)]() mutable { released.reset(); });
    }
    const auto id = [&](DocId d) {
      return show_text ? engine.id(d) : std::string(ids[d]);
    };
    std::vector<std::vector<const VerifiedPair*>> pairs_of =
        PairsOf(clustering->clusters, clustering->pairs, num_ids);
    // How many pairs of each cluster get passages: those the format
    // shows, its first ones.
    const size_t per_cluster =
        format == "table"  ? write.table_pairs_per_cluster
        : format == "html" ? HtmlPairsPerCluster(write, pairs_of.size())
                           : 0;
    size_t to_align = 0;
    if (show_text) {
      for (const std::vector<const VerifiedPair*>& pairs : pairs_of) {
        to_align += std::min(pairs.size(), per_cluster);
      }
    }
    Phase phase(absl::StrFormat("aligning %d pair%s", to_align,
                                to_align == 1 ? "" : "s"),
                to_align, common.quiet || to_align == 0);
    // Cluster i of the report.
    const auto cluster_out = [&](size_t i) -> absl::Status {
      const Cluster& c = clustering->clusters[i];
      ClusterOut& out = report.clusters[i];
      out.id = c.id;
      out.representative = id(c.representative);
      for (DocId m : c.members) out.docs.push_back(id(m));
      std::vector<const VerifiedPair*>& pairs = pairs_of[c.id];
      OrderPairs(pairs, c.representative);
      size_t budget = per_cluster;
      for (const VerifiedPair* p : pairs) {
        PairOut po;
        po.a = id(p->a);
        po.b = id(p->b);
        po.similarity = p->similarity;
        po.estimated = args.estimate;
        po.near_duplicate = true;
        if (show_text && budget > 0) {
          --budget;
          // The texts are read again when the report is written.
          uint32_t more = 0;
          absl::StatusOr<std::vector<Passage>> passages =
              engine.Passages(p->a, p->b, &more);
          if (!passages.ok()) return passages.status();
          phase.Advance();
          po.a_doc = p->a;
          po.b_doc = p->b;
          SetPassages(po, *passages, more);
          po.has_passages = true;
          po.shares_copy = !po.passages.empty();
        }
        out.pairs.push_back(std::move(po));
      }
      return absl::OkStatus();
    };
    report.clusters.resize(clustering->clusters.size());
    if (show_text) {
      for (size_t i = 0; i < report.clusters.size(); ++i) {
        if (absl::Status s = cluster_out(i); !s.ok()) return StatusExit(s);
      }
    } else {
      // Nothing to read: the clusters are independent, and built on all
      // the threads (cannot fail without passages).
      arena.execute([&] {
        tbb::parallel_for(size_t{0}, report.clusters.size(),
                          [&](size_t i) { (void)cluster_out(i); });
      });
    }
  } else {
    absl::StatusOr<CopyReport> copy;
    {
      Phase phase("finding the passages " +
                      Count(stats.documents, "document", "documents") +
                      " share",
                  0, common.quiet);
      copy = engine.SharedCopy(phase.Hook());
    }
    if (!copy.ok()) return StatusExit(copy.status());
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
    auto verifier = Verifier::Create(common.engine.verify);
    if (!verifier.ok()) return StatusExit(verifier.status());
    std::vector<std::vector<const CopyPair*>> pairs_of =
        PairsOf(copy->clusters, copy->pairs, num_ids);
    for (const Cluster& c : copy->clusters) {
      ClusterOut out{c.id, {}, engine.id(c.representative), {}};
      for (DocId m : c.members) out.docs.push_back(engine.id(m));
      OrderPairs(pairs_of[c.id], c.representative);
      for (const CopyPair* p : pairs_of[c.id]) {
        PairOut po;
        po.a = engine.id(p->a);
        po.b = engine.id(p->b);
        po.similarity = p->similarity;
        po.near_duplicate = verifier->Accept(p->similarity);
        po.shares_copy = true;
        po.has_passages = true;
        SetPassages(po, p->passages, p->more_passages);
        po.a_doc = p->a;
        po.b_doc = p->b;
        out.pairs.push_back(std::move(po));
      }
      report.clusters.push_back(std::move(out));
    }
  }

  {
    Phase phase(absl::StrFormat("writing %d cluster%s", report.clusters.size(),
                                report.clusters.size() == 1 ? "" : "s"),
                report.clusters.size(), common.quiet);
    absl::Status written;
    arena.execute([&] { written = output->Write(report, &phase); });
    if (!written.ok()) return StatusExit(written);
  }
  PrintSummary(common, (*reader)->counts(), stats,
               absl::StrFormat("%d cluster%s", report.clusters.size(),
                               report.clusters.size() == 1 ? "" : "s"),
               start);
  return 0;
}

}  // namespace

void AddClusterCommand(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<ClusterArgs>();
  CLI::App* cmd = app.add_subcommand(
      "cluster",
      "Group copies: near-duplicate documents (versions of one text), or "
      "with --mode copy every document sharing a passage with another.");
  cmd->footer(
      "Examples:\n"
      "  mimeo cluster ~/articles                  clusters of a folder tree\n"
      "  mimeo cluster a.txt b.txt c.txt           clusters of some files\n"
      "  mimeo cluster --mode copy ~/articles      who reprinted whose text\n"
      "  mimeo cluster --mode versions history/    revisions of each article\n"
      "  mimeo cluster dump.jsonl.zst -o clusters.jsonl\n"
      "  zstdcat dump.jsonl.zst | mimeo cluster - --text-field content\n"
      "  mimeo cluster ~/articles --format html -o report.html\n"
      "  mimeo cluster --mode copy ~/articles --families families.jsonl "
      "-o clusters.jsonl\n");
  cmd->add_option("paths", args->paths,
                  "Files, directories (read recursively), or - for stdin")
      ->required();
  cmd->add_option("--mode", args->mode,
                  "near-dup: whole documents that are the same text; "
                  "versions: revisions of one text, early and late "
                  "(looser thresholds); copy: documents sharing any passage")
      ->capture_default_str()
      ->check(CLI::IsMember({"near-dup", "versions", "copy"}));
  cmd->add_flag("--estimate", args->estimate,
                "near-dup: verify pairs on MinHash estimates instead of "
                "exact shingle sets: about 5 KB less memory per document, "
                "but figures err by about 0.09 at 128 permutations and "
                "boilerplate is not set aside");
  cmd->add_option("--families", args->families,
                  "--mode copy: also write the copy families here, one JSON "
                  "line each: the passage once, every document holding it "
                  "with byte ranges, the likely origin")
      ->type_name("FILE");
  AddEngineOptions(cmd, args->common);
  AddInputOptions(cmd, args->common);
  AddOutputOptions(cmd, args->common);
  AddPassageTextOption(cmd, args->common);
  cmd->callback([args, &exit_code] { exit_code = Run(*args); });
}

}  // namespace mimeo::cli
