// Reader for corpora written by mimeo_gen (tools/gen_corpus.cc). Not part
// of the library.
#ifndef MIMEO_BENCH_GENERATED_H_
#define MIMEO_BENCH_GENERATED_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "mimeo/document.h"

namespace mimeo::bench {

struct GeneratedLabel {
  uint32_t doc = 0;
  std::string kind;
  uint64_t cluster = 0;
  std::optional<uint32_t> source;  // index into docs
  double jaccard = 0;
  double containment = 0;
};

struct GeneratedCorpus {
  std::vector<Document> docs;
  std::vector<GeneratedLabel> labels;
};

// DIR/docs.jsonl and DIR/labels.jsonl.
absl::StatusOr<GeneratedCorpus> ReadGenerated(const std::string& dir);

}  // namespace mimeo::bench

#endif  // MIMEO_BENCH_GENERATED_H_
