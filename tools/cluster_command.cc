#include "cluster_command.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "input.h"
#include "mimeo/engine.h"
#include "nlohmann/json.hpp"

namespace mimeo::cli {
namespace {

struct ClusterArgs {
  std::vector<std::string> paths;
  Engine::Options engine;
  std::string format;  // "", "jsonl", "table"
  std::string output;  // "" or "-": stdout
  bool quiet = false;
};

int StatusExit(const absl::Status& s) {
  std::fprintf(stderr, "mimeo: %s\n", std::string(s.message()).c_str());
  return s.code() == absl::StatusCode::kNotFound ||
                 s.code() == absl::StatusCode::kInvalidArgument
             ? 2
             : 1;
}

// One JSON object per cluster: the stable output schema (README).
void WriteJsonl(const Engine& engine, const Clustering& c, std::FILE* out) {
  // The verified pairs of each cluster, grouped by cluster id.
  std::vector<int64_t> cluster_of(engine.num_ids(), -1);
  for (const Cluster& cl : c.clusters) {
    for (DocId m : cl.members) cluster_of[m] = cl.id;
  }
  std::vector<nlohmann::ordered_json> pairs(c.clusters.size(),
                                            nlohmann::ordered_json::array());
  for (const VerifiedPair& p : c.pairs) {
    const int64_t ca = cluster_of[p.a];
    if (ca < 0 || ca != cluster_of[p.b]) continue;
    pairs[ca].push_back(
        {{"a", engine.id(p.a)},
         {"b", engine.id(p.b)},
         {"jaccard", p.similarity.jaccard},
         {"containment_a_in_b", p.similarity.containment_a_in_b},
         {"containment_b_in_a", p.similarity.containment_b_in_a}});
  }
  for (const Cluster& cl : c.clusters) {
    nlohmann::ordered_json docs = nlohmann::ordered_json::array();
    for (DocId m : cl.members) docs.push_back(engine.id(m));
    nlohmann::ordered_json line = {
        {"cluster", cl.id},
        {"size", cl.members.size()},
        {"docs", docs},
        {"representative", engine.id(cl.representative)},
        {"pairs", pairs[cl.id]}};
    const std::string s = line.dump(
        -1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
    std::fprintf(out, "%s\n", s.c_str());
  }
}

void WriteTable(const Engine& engine, const Clustering& c, std::FILE* out) {
  if (c.clusters.empty()) {
    std::fprintf(out, "no clusters: no two documents are near-duplicates\n");
    return;
  }
  for (const Cluster& cl : c.clusters) {
    std::fprintf(out, "cluster %u  (%zu documents)\n", cl.id,
                 cl.members.size());
    for (DocId m : cl.members) {
      std::fprintf(out, "  %s %s\n", m == cl.representative ? "*" : " ",
                   engine.id(m).c_str());
    }
  }
  std::fprintf(out,
               "(* the representative: the member most similar to the rest)\n");
}

int Run(const ClusterArgs& args) {
  const auto t0 = std::chrono::steady_clock::now();
  InputSummary summary;
  auto docs = ReadInputs(args.paths, args.quiet, summary);
  if (!docs.ok()) return StatusExit(docs.status());
  auto engine = Engine::Create(args.engine);
  if (!engine.ok()) return StatusExit(engine.status());
  auto added = (*engine)->AddBatch(*docs);
  if (!added.ok()) return StatusExit(added.status());
  auto clustering = (*engine)->Cluster();
  if (!clustering.ok()) return StatusExit(clustering.status());

  const bool to_stdout = args.output.empty() || args.output == "-";
  std::string format = args.format;
  if (format.empty()) format = to_stdout && isatty(1) ? "table" : "jsonl";
  // Results go to a temporary name and are renamed at the end, so an
  // interrupted run never leaves a half-written file behind.
  const std::string tmp = args.output + ".tmp";
  std::FILE* out = to_stdout ? stdout : std::fopen(tmp.c_str(), "wb");
  if (out == nullptr) {
    return StatusExit(
        absl::PermissionDeniedError(absl::StrFormat("cannot write '%s'", tmp)));
  }
  if (format == "jsonl") {
    WriteJsonl(**engine, *clustering, out);
  } else {
    WriteTable(**engine, *clustering, out);
  }
  if (!to_stdout) {
    const bool ok = std::fclose(out) == 0;
    if (!ok || std::rename(tmp.c_str(), args.output.c_str()) != 0) {
      std::remove(tmp.c_str());
      return StatusExit(absl::DataLossError(
          absl::StrFormat("cannot write '%s'", args.output)));
    }
  } else {
    std::fflush(stdout);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
          .count();
  const EngineStats st = (*engine)->stats();
  if (!args.quiet) {
    std::fprintf(stderr,
                 "mimeo: %llu documents, %.1f MB, %llu skipped, %llu invalid "
                 "UTF-8 repaired, %zu clusters, %.2f s\n",
                 static_cast<unsigned long long>(st.documents), st.bytes / 1e6,
                 static_cast<unsigned long long>(summary.skipped_binary +
                                                 summary.skipped_unreadable),
                 static_cast<unsigned long long>(st.invalid_utf8),
                 clustering->clusters.size(), seconds);
  }
  return 0;
}

}  // namespace

void AddClusterCommand(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<ClusterArgs>();
  CLI::App* cmd = app.add_subcommand(
      "cluster",
      "Group near-duplicate documents (versions and copies of the "
      "same text).");
  cmd->footer(
      "Examples:\n"
      "  mimeo cluster ~/articles                 clusters of a folder tree\n"
      "  mimeo cluster a.txt b.txt c.txt          clusters of some files\n"
      "  mimeo cluster docs --format jsonl -o clusters.jsonl\n"
      "  mimeo cluster docs --jaccard 0.5         only close copies\n");
  cmd->add_option("paths", args->paths,
                  "Files, or directories read recursively (.txt, .md)")
      ->required();
  Engine::Options& o = args->engine;
  cmd->add_option("--jaccard", o.verify.jaccard_threshold,
                  "Pairs with at least this Jaccard similarity of word "
                  "shingles are copies")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--containment", o.verify.containment_threshold,
                  "...or when this share of the smaller document is in the "
                  "larger (above 1: off)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--lsh-threshold", o.lsh_threshold,
                  "Jaccard similarity the candidate search is tuned for")
      ->capture_default_str()
      ->check(CLI::Range(0.001, 0.999));
  cmd->add_option("--num-perm", o.minhash.num_perm, "MinHash permutations")
      ->capture_default_str()
      ->check(CLI::Range(1, MinHasher::kMaxNumPerm));
  cmd->add_option("--shingle", o.shingle.k, "Words per shingle")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  cmd->add_option("--seed", o.minhash.seed, "MinHash seed")
      ->capture_default_str();
  cmd->add_option("--threads", o.threads, "Worker threads (0: all cores)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--format", args->format,
                  "jsonl or table (default: table on a terminal, else jsonl)")
      ->check(CLI::IsMember({"jsonl", "table"}));
  cmd->add_option("-o,--output", args->output,
                  "Write results here, not stdout");
  cmd->add_flag("-q,--quiet", args->quiet, "No warnings or summary on stderr");
  cmd->callback([args, &exit_code] { exit_code = Run(*args); });
}

}  // namespace mimeo::cli
