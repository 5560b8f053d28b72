// mimeo_score: how well a clustering recovers a generated corpus's labels.
//
//   mimeo_score LABELS.jsonl CLUSTERS.jsonl [--json]
//
// LABELS is mimeo_gen's labels.jsonl. CLUSTERS is one JSON object per line
// with a "docs" array of ids, as `mimeo cluster --format jsonl` and the
// peer program under bench/peer write; documents in no cluster are alone.
//
// Figures:
//   link recall, by kind   a copy and its source (the "source" of its
//                          label) are in one cluster
//   precision, by kind     of the other documents in a document's cluster,
//                          the share that belong to its labelled cluster
//   pairwise P / R / F1    over all pairs of documents: put together by
//                          the clustering, and together in the labels
// Pairwise figures are computed from cluster overlaps, never pair by pair,
// so a 1M-document corpus scores in seconds.
#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_format.h"
#include "nlohmann/json.hpp"

namespace {

struct Label {
  uint64_t cluster = 0;
  std::string kind;
  int64_t source = -1;  // index
};

double Ratio(double a, double b) { return b == 0 ? 0 : a / b; }

int Fail(const std::string& message) {
  std::fprintf(stderr, "mimeo_score: %s\n", message.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: mimeo_score LABELS.jsonl CLUSTERS.jsonl [--json]\n");
    return 2;
  }
  const bool json = argc > 3 && std::string(argv[3]) == "--json";
  std::vector<Label> labels;
  absl::flat_hash_map<std::string, uint32_t> index_of;
  {
    std::ifstream in(argv[1]);
    if (!in) return Fail(absl::StrFormat("cannot read '%s'", argv[1]));
    std::vector<std::string> sources;
    std::string line;
    size_t line_no = 0;
    while (std::getline(in, line)) {
      ++line_no;
      nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_discarded() || !j.contains("id")) {
        return Fail(absl::StrFormat("%s:%d: not a label line", argv[1], line_no));
      }
      Label l;
      l.cluster = j.value("cluster", uint64_t{0});
      l.kind = j.value("kind", "");
      index_of[j["id"].get<std::string>()] = static_cast<uint32_t>(labels.size());
      sources.push_back(j.value("source", ""));
      labels.push_back(std::move(l));
    }
    for (size_t i = 0; i < labels.size(); ++i) {
      if (sources[i].empty()) continue;
      auto it = index_of.find(sources[i]);
      if (it == index_of.end()) {
        return Fail(absl::StrFormat("%s: source '%s' has no label", argv[1], sources[i]));
      }
      labels[i].source = it->second;
    }
  }
  // Predicted cluster per document; singletons get their own.
  const uint64_t kNone = ~uint64_t{0};
  std::vector<uint64_t> predicted(labels.size(), kNone);
  uint64_t next_cluster = 0;
  {
    std::ifstream in(argv[2]);
    if (!in) return Fail(absl::StrFormat("cannot read '%s'", argv[2]));
    std::string line;
    size_t line_no = 0;
    while (std::getline(in, line)) {
      ++line_no;
      nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_discarded() || !j.contains("docs") || !j["docs"].is_array()) {
        return Fail(absl::StrFormat("%s:%d: not a cluster line", argv[2], line_no));
      }
      for (const auto& id : j["docs"]) {
        auto it = index_of.find(id.get<std::string>());
        if (it == index_of.end()) {
          return Fail(absl::StrFormat("%s:%d: '%s' has no label", argv[2], line_no,
                                      id.get<std::string>()));
        }
        if (predicted[it->second] != kNone) {
          return Fail(absl::StrFormat("%s:%d: '%s' is in two clusters", argv[2],
                                      line_no, id.get<std::string>()));
        }
        predicted[it->second] = next_cluster;
      }
      ++next_cluster;
    }
  }
  for (uint64_t& p : predicted) {
    if (p == kNone) p = next_cluster++;
  }
  // Sizes of predicted clusters, labelled clusters and their overlaps.
  absl::flat_hash_map<uint64_t, uint64_t> pred_size, true_size;
  absl::flat_hash_map<std::pair<uint64_t, uint64_t>, uint64_t> overlap;
  for (size_t i = 0; i < labels.size(); ++i) {
    ++pred_size[predicted[i]];
    ++true_size[labels[i].cluster];
    ++overlap[{predicted[i], labels[i].cluster}];
  }
  auto pairs = [](uint64_t n) { return static_cast<double>(n) * (n - 1) / 2; };
  double tp = 0, pred_pairs = 0, true_pairs = 0;
  for (const auto& [k, n] : overlap) tp += pairs(n);
  for (const auto& [k, n] : pred_size) pred_pairs += pairs(n);
  for (const auto& [k, n] : true_size) true_pairs += pairs(n);

  struct KindFigures {
    uint64_t docs = 0, links = 0, linked = 0;
    double together = 0, correct = 0;
  };
  std::map<std::string, KindFigures> kinds;
  for (size_t i = 0; i < labels.size(); ++i) {
    KindFigures& k = kinds[labels[i].kind];
    ++k.docs;
    k.together += static_cast<double>(pred_size[predicted[i]] - 1);
    k.correct += static_cast<double>(overlap[{predicted[i], labels[i].cluster}] - 1);
    if (labels[i].source >= 0) {
      ++k.links;
      k.linked += predicted[i] == predicted[labels[i].source];
    }
  }
  const double precision = Ratio(tp, pred_pairs);
  const double recall = Ratio(tp, true_pairs);
  const double f1 = Ratio(2 * precision * recall, precision + recall);
  uint64_t links = 0, linked = 0;
  for (const auto& [name, k] : kinds) {
    links += k.links;
    linked += k.linked;
  }
  if (json) {
    nlohmann::ordered_json out{{"documents", labels.size()},
                               {"pairwise_precision", precision},
                               {"pairwise_recall", recall},
                               {"pairwise_f1", f1},
                               {"link_recall", Ratio(linked, links)}};
    for (const auto& [name, k] : kinds) {
      out["kinds"][name] = {{"docs", k.docs},
                            {"link_recall", Ratio(k.linked, k.links)},
                            {"precision", Ratio(k.correct, k.together)}};
    }
    std::printf("%s\n", out.dump().c_str());
    return 0;
  }
  std::printf("%-10s %9s %12s %10s\n", "kind", "docs", "link recall", "precision");
  for (const auto& [name, k] : kinds) {
    std::printf("%-10s %9llu %12s %10.4f\n", name.c_str(),
                static_cast<unsigned long long>(k.docs),
                k.links == 0 ? "-" : absl::StrFormat("%.4f", Ratio(k.linked, k.links)).c_str(),
                Ratio(k.correct, k.together));
  }
  std::printf("all copies: link recall %.4f\n", Ratio(linked, links));
  std::printf("pairwise: precision %.4f recall %.4f F1 %.4f\n", precision, recall, f1);
  return 0;
}
