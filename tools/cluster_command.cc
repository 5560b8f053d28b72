// `mimeo cluster`: groups of near-duplicates, or of documents sharing copy.
#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_format.h"
#include "command.h"
#include "commands.h"

namespace mimeo::cli {
namespace {

// Copy mode: two groups merge only when their representatives share at
// least this much (the larger containment of the two).
constexpr double kMinRepresentativeShare = 0.05;

struct ClusterArgs {
  CommonArgs common;
  std::vector<std::string> paths;
  std::string mode = "near-dup";
  bool exact = false;
};

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

// The origin of the most shared text in the cluster: the family origin
// holding the most bytes of passages.
DocId CopyRepresentative(const Cluster& c, const CopyReport& copy,
                         const absl::flat_hash_map<DocId, uint32_t>& cluster_of) {
  absl::flat_hash_map<DocId, uint64_t> weight;
  for (const CopyFamily& f : copy.families) {
    auto it = cluster_of.find(f.origin);
    if (it == cluster_of.end() || it->second != c.id) continue;
    weight[f.origin] += f.origin_end - f.origin_begin;
  }
  DocId best = c.representative;
  uint64_t best_w = 0;
  for (DocId m : c.members) {  // members are sorted: ties go to the smaller
    auto it = weight.find(m);
    if (it != weight.end() && it->second > best_w) {
      best = m;
      best_w = it->second;
    }
  }
  return best;
}

int Run(ClusterArgs& args) {
  const auto start = std::chrono::steady_clock::now();
  CommonArgs& common = args.common;
  FinishEngineOptions(common);
  const std::string format = ChooseFormat(common);
  const bool copy_mode = args.mode == "copy";
  // Texts are needed only where passages are shown, and then read again
  // from the input rather than kept in memory.
  const bool show_text = copy_mode || format == "table" || format == "html";
  common.engine.copy.enabled = copy_mode;
  common.input.remember_texts = show_text;
  // One clustering run needs no incremental LSH index, and without texts
  // to show, no shingle sets unless --exact asks for them.
  common.engine.index_on_add = false;
  common.engine.keep_shingle_sets = show_text || args.exact;
  const WriteOptions write = ChooseWriteOptions(common, format);

  auto reader = InputReader::Open(args.paths, common.input);
  if (!reader.ok()) return StatusExit(reader.status());
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
  report.title = copy_mode ? "mimeo cluster --mode copy" : "mimeo cluster";
  report.documents = stats.documents;
  report.text_of = TextsOf(engine);
  auto verifier = Verifier::Create(common.engine.verify);
  if (!verifier.ok()) return StatusExit(verifier.status());

  // How many pairs get passages: those the format shows.
  size_t align_budget = format == "html" ? write.html_max_pairs : SIZE_MAX;
  if (!copy_mode) {
    auto clustering = engine.Cluster();
    if (!clustering.ok()) return StatusExit(clustering.status());
    const size_t num_ids = engine.num_ids();
    // Without texts to show, the report needs only the ids: they are
    // copied out and the engine let go, so that its memory and the
    // report's are not held at once.
    std::vector<std::string> ids;
    if (!show_text) {
      ids.reserve(num_ids);
      for (DocId d = 0; d < num_ids; ++d) ids.push_back(engine.id(d));
      report.text_of = nullptr;  // no pair names a text to fetch
      engine_or->reset();
    }
    const auto id = [&](DocId d) {
      return show_text ? engine.id(d) : std::string(ids[d]);
    };
    std::unique_ptr<Aligner> aligner;
    if (show_text) {
      const Engine::Options& o = engine.options();
      auto a = Aligner::Create(o.copy.align, o.normalize, o.tokenize, o.shingle);
      if (!a.ok()) return StatusExit(a.status());
      aligner = std::make_unique<Aligner>(std::move(*a));
    }
    std::vector<int64_t> cluster_of(num_ids, -1);
    for (const Cluster& c : clustering->clusters) {
      for (DocId m : c.members) cluster_of[m] = c.id;
    }
    std::vector<std::vector<const VerifiedPair*>> pairs_of(
        clustering->clusters.size());
    for (const VerifiedPair& p : clustering->pairs) {
      if (cluster_of[p.a] >= 0 && cluster_of[p.a] == cluster_of[p.b]) {
        pairs_of[cluster_of[p.a]].push_back(&p);
      }
    }
    AlignedText ta, tb;
    for (const Cluster& c : clustering->clusters) {
      ClusterOut out{c.id, {}, id(c.representative), {}};
      for (DocId m : c.members) out.docs.push_back(id(m));
      std::vector<const VerifiedPair*>& pairs = pairs_of[c.id];
      OrderPairs(pairs, c.representative);
      size_t budget = format == "table" ? write.table_pairs_per_cluster
                                        : align_budget;
      for (const VerifiedPair* p : pairs) {
        PairOut po;
        po.a = id(p->a);
        po.b = id(p->b);
        po.similarity = p->similarity;
        po.estimated = !common.engine.keep_shingle_sets;
        po.near_duplicate = true;
        if (aligner && budget > 0) {
          --budget;
          if (format == "html") --align_budget;
          // The texts are read again when the report is written.
          absl::StatusOr<std::string> a = engine.text(p->a);
          if (!a.ok()) return StatusExit(a.status());
          absl::StatusOr<std::string> b = engine.text(p->b);
          if (!b.ok()) return StatusExit(b.status());
          po.a_doc = p->a;
          po.b_doc = p->b;
          if (aligner->Prepare(*a, ta).ok() && aligner->Prepare(*b, tb).ok()) {
            po.passages = PassagesOut(aligner->Align(ta, tb));
            po.has_passages = true;
            po.shares_copy = !po.passages.empty();
          }
        }
        out.pairs.push_back(std::move(po));
      }
      report.clusters.push_back(std::move(out));
    }
  } else {
    auto copy = engine.SharedCopy();
    if (!copy.ok()) return StatusExit(copy.status());
    std::vector<Edge> edges;
    for (const CopyPair& p : copy->pairs) {
      edges.push_back({p.a, p.b,
                       std::max(p.similarity.containment_a_in_b,
                                p.similarity.containment_b_in_a)});
    }
    // Copy links documents however little they share, so plain connected
    // components chain: a reprint with its own intro joins the intro's
    // source to the story's. Two groups merge only when their
    // representatives share copy themselves.
    absl::flat_hash_map<std::pair<DocId, DocId>, double> shared;
    for (const Edge& e : edges) shared[{e.a, e.b}] = e.score;
    Clusterer::Options co;
    co.guard_chaining = true;
    co.representative_threshold = kMinRepresentativeShare;
    auto clusterer = Clusterer::Create(co);
    if (!clusterer.ok()) return StatusExit(clusterer.status());
    const std::vector<Cluster> clusters = clusterer->Run(
        engine.num_ids(), edges, [&shared](DocId x, DocId y) {
          auto it = shared.find({std::min(x, y), std::max(x, y)});
          return it == shared.end() ? 0.0 : it->second;
        });
    absl::flat_hash_map<DocId, uint32_t> cluster_of;
    for (const Cluster& c : clusters) {
      for (DocId m : c.members) cluster_of[m] = c.id;
    }
    std::vector<std::vector<const CopyPair*>> pairs_of(clusters.size());
    for (const CopyPair& p : copy->pairs) {
      auto ca = cluster_of.find(p.a), cb = cluster_of.find(p.b);
      if (ca != cluster_of.end() && cb != cluster_of.end() &&
          ca->second == cb->second) {
        pairs_of[ca->second].push_back(&p);
      }
    }
    for (const Cluster& c : clusters) {
      const DocId rep = CopyRepresentative(c, *copy, cluster_of);
      ClusterOut out{c.id, {}, engine.id(rep), {}};
      for (DocId m : c.members) out.docs.push_back(engine.id(m));
      OrderPairs(pairs_of[c.id], rep);
      for (const CopyPair* p : pairs_of[c.id]) {
        PairOut po;
        po.a = engine.id(p->a);
        po.b = engine.id(p->b);
        po.similarity = p->similarity;
        po.estimated = !common.engine.keep_shingle_sets;
        po.near_duplicate = verifier->Accept(p->similarity);
        po.shares_copy = true;
        po.has_passages = true;
        po.passages = PassagesOut(p->passages);
        po.a_doc = p->a;
        po.b_doc = p->b;
        out.pairs.push_back(std::move(po));
      }
      report.clusters.push_back(std::move(out));
    }
  }

  if (absl::Status s = WriteOutput(common, report); !s.ok()) {
    return StatusExit(s);
  }
  PrintSummary(common, (*reader)->counts(), stats,
               absl::StrFormat("%d clusters", report.clusters.size()), start);
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
      "  mimeo cluster dump.jsonl.zst -o clusters.jsonl\n"
      "  zstdcat dump.jsonl.zst | mimeo cluster - --text-field content\n"
      "  mimeo cluster ~/articles --format html -o report.html\n");
  cmd->add_option("paths", args->paths,
                  "Files, directories (read recursively), or - for stdin")
      ->required();
  cmd->add_option("--mode", args->mode,
                  "near-dup: whole documents that are versions of each "
                  "other; copy: documents sharing any passage")
      ->capture_default_str()
      ->check(CLI::IsMember({"near-dup", "copy"}));
  cmd->add_flag("--exact", args->exact,
                "near-dup to jsonl or csv: verify pairs on exact shingle "
                "sets (about 5 KB more memory per document) instead of "
                "MinHash estimates");
  AddEngineOptions(cmd, args->common);
  AddInputOptions(cmd, args->common);
  AddOutputOptions(cmd, args->common);
  cmd->callback([args, &exit_code] { exit_code = Run(*args); });
}

}  // namespace mimeo::cli
