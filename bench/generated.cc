#include "generated.h"

#include <fstream>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_format.h"
#include "nlohmann/json.hpp"

namespace mimeo::bench {

absl::StatusOr<GeneratedCorpus> ReadGenerated(const std::string& dir) {
  GeneratedCorpus c;
  absl::flat_hash_map<std::string, uint32_t> index;
  std::string line;
  size_t n = 0;
  std::ifstream docs(dir + "/docs.jsonl", std::ios::binary);
  if (!docs) return absl::NotFoundError("cannot read " + dir + "/docs.jsonl");
  while (std::getline(docs, line)) {
    ++n;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.contains("id") || !j.contains("text")) {
      return absl::InvalidArgumentError(
          absl::StrFormat("%s/docs.jsonl:%d: not a document", dir, n));
    }
    index[j["id"].get<std::string>()] = static_cast<uint32_t>(c.docs.size());
    c.docs.push_back({j["id"], j["text"], {}});
  }
  std::ifstream labels(dir + "/labels.jsonl", std::ios::binary);
  if (!labels) return absl::NotFoundError("cannot read " + dir + "/labels.jsonl");
  n = 0;
  while (std::getline(labels, line)) {
    ++n;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.contains("id") || !index.contains(j["id"].get<std::string>())) {
      return absl::InvalidArgumentError(
          absl::StrFormat("%s/labels.jsonl:%d: not a label of a document", dir, n));
    }
    GeneratedLabel l;
    l.doc = index[j["id"].get<std::string>()];
    l.kind = j.value("kind", "");
    l.cluster = j.value("cluster", uint64_t{0});
    if (j.contains("source")) {
      auto it = index.find(j["source"].get<std::string>());
      if (it == index.end()) {
        return absl::InvalidArgumentError(
            absl::StrFormat("%s/labels.jsonl:%d: unknown source", dir, n));
      }
      l.source = it->second;
      l.jaccard = j.value("jaccard", 0.0);
      l.containment = j.value("containment", 0.0);
    }
    c.labels.push_back(std::move(l));
  }
  return c;
}

}  // namespace mimeo::bench
