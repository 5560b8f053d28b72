// Quality evaluation of near-duplicate clustering against labelled corpora.
//
//   quality clusters DIR     pairwise precision/recall/F1 of the clusters
//                            against the folders of DIR (one folder = one
//                            true cluster), e.g. wikipedia-versions
//   quality exact DIR        every group of identical texts (after case and
//                            whitespace folding) must fall in one cluster;
//                            DIR is a tree of .txt files or, with --reuters,
//                            the Reuters-21578 .sgm folder
//
// Engine options can be overridden to explore the trade-offs; the defaults
// are the library's.
#include <chrono>
#include <cstdio>
#include <map>
#include <string>

#include "CLI/CLI.hpp"
#include "corpora.h"
#include "mimeo/engine.h"

namespace {

using mimeo::bench::LabelledDocument;

int Fail(const absl::Status& s) {
  std::fprintf(stderr, "quality: %s\n", s.ToString().c_str());
  return 1;
}

absl::StatusOr<mimeo::Clustering> RunEngine(
    const mimeo::Engine::Options& options,
    const std::vector<LabelledDocument>& docs, double* seconds,
    std::unique_ptr<mimeo::Engine>* engine_out) {
  auto engine = mimeo::Engine::Create(options);
  if (!engine.ok()) return engine.status();
  std::vector<mimeo::Document> batch;
  for (const auto& d : docs) batch.push_back(d.doc);
  const auto t0 = std::chrono::steady_clock::now();
  auto ids = (*engine)->AddBatch(batch);
  if (!ids.ok()) return ids.status();
  auto clustering = (*engine)->Cluster();
  *seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
          .count();
  *engine_out = std::move(*engine);
  return clustering;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"mimeo quality evaluation"};
  app.require_subcommand(1);
  mimeo::Engine::Options o;
  std::string dir;
  bool reuters = false;
  bool show_errors = false;
  auto add_engine_options = [&](CLI::App* c) {
    c->add_option("--shingle", o.shingle.k, "tokens per shingle");
    c->add_option("--num-perm", o.minhash.num_perm, "MinHash permutations");
    c->add_option("--lsh-threshold", o.lsh_threshold, "LSH Jaccard threshold");
    c->add_option("--jaccard", o.verify.jaccard_threshold, "verify: Jaccard");
    c->add_option("--containment", o.verify.containment_threshold,
                  "verify: containment (above 1 turns it off)");
    c->add_option("--min-containment-shingles",
                  o.verify.min_containment_shingles, "verify: min shingles");
    c->add_option("--guard", o.cluster.guard_chaining, "chaining guard");
    c->add_option("--rep-threshold", o.cluster.representative_threshold,
                  "guard: representative similarity");
    c->add_option("--common-min-docs", o.common.min_docs,
                  "boilerplate: documents that make a shingle common");
    c->add_option("--common-fraction", o.common.fraction,
                  "boilerplate: share of documents that makes it common");
    c->add_option("--common-jaccard", o.verify.common_jaccard_threshold,
                  "verify: whole-set Jaccard that passes however common");
    c->add_option("--member-jaccard", o.member.jaccard_threshold,
                  "cluster membership: Jaccard to the core");
    c->add_option("--member-containment", o.member.containment_threshold,
                  "cluster membership: containment to the core");
    c->add_option("--threads", o.threads, "threads (0: all)");
  };
  auto* clusters = app.add_subcommand("clusters", "F1 against folders");
  clusters->add_option("dir", dir)->required();
  add_engine_options(clusters);
  clusters->add_flag("--show-errors", show_errors,
                     "print clusters that mix folders, and split folders");
  auto* exact = app.add_subcommand("exact", "exact-duplicate groups");
  exact->add_option("dir", dir)->required();
  exact->add_flag("--reuters", reuters, "DIR holds Reuters-21578 .sgm files");
  add_engine_options(exact);
  CLI11_PARSE(app, argc, argv);

  auto docs =
      reuters ? mimeo::bench::ReadReuters(dir) : mimeo::bench::ReadTree(dir);
  if (!docs.ok()) return Fail(docs.status());
  double seconds = 0;
  std::unique_ptr<mimeo::Engine> engine;
  auto result = RunEngine(o, *docs, &seconds, &engine);
  if (!result.ok()) return Fail(result.status());
  std::printf(
      "corpus %s: %zu documents, lsh %u x %u, %llu candidate pairs, "
      "%zu verified, %zu clusters, %.2f s\n",
      dir.c_str(), docs->size(), engine->lsh_params().bands,
      engine->lsh_params().rows,
      static_cast<unsigned long long>(result->candidate_pairs),
      result->pairs.size(), result->clusters.size(), seconds);

  if (clusters->parsed()) {
    if (show_errors) {
      for (const auto& c : result->clusters) {
        std::map<std::string, int> labels;
        for (mimeo::DocId m : c.members) ++labels[(*docs)[m].label];
        if (labels.size() < 2) continue;
        std::printf("mixed cluster %u:", c.id);
        for (const auto& [l, n] : labels)
          std::printf(" [%s] x%d", l.c_str(), n);
        std::printf("\n");
      }
    }
    const auto s = mimeo::bench::ScorePairwise(*docs, result->clusters);
    std::printf(
        "pairwise precision %.4f recall %.4f F1 %.4f "
        "(true pairs %llu, predicted %llu, correct %llu)\n",
        s.precision, s.recall, s.f1,
        static_cast<unsigned long long>(s.true_pairs),
        static_cast<unsigned long long>(s.predicted_pairs),
        static_cast<unsigned long long>(s.correct_pairs));
    return 0;
  }

  // Exact-duplicate groups: each must lie inside one cluster.
  const auto g = mimeo::bench::CheckExactGroups(*docs, result->clusters);
  for (const std::string& id : g.split)
    std::printf("  split group: %s ...\n", id.c_str());
  std::printf(
      "exact-duplicate groups: %zu of %zu in one cluster "
      "(%zu documents in groups)\n",
      g.whole, g.groups, g.documents);
  return g.whole == g.groups ? 0 : 2;
}
