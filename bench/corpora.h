// Readers for the labelled corpora under ../shared/datasets, for the
// quality and end-to-end benchmarks. Not part of the library.
#ifndef MIMEO_BENCH_CORPORA_H_
#define MIMEO_BENCH_CORPORA_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "mimeo/document.h"

namespace mimeo::bench {

struct LabelledDocument {
  Document doc;
  std::string label;  // the ground-truth group; "" when unlabelled
};

// Every regular file under `root`, recursively, in path order; id = path
// relative to root, label = the top-level folder under root it sits in.
absl::StatusOr<std::vector<LabelledDocument>> ReadTree(const std::string& root);

// The <BODY> of every <REUTERS> story in the .sgm files of `dir`, id
// "file#NEWID"; stories without a body are skipped. Unlabelled.
absl::StatusOr<std::vector<LabelledDocument>> ReadReuters(const std::string& dir);

// Lower-cases ASCII and folds whitespace runs: the "case and whitespace
// folding" under which the datasets README counts exact-duplicate groups.
std::string FoldCaseAndSpace(const std::string& text);

}  // namespace mimeo::bench

#endif  // MIMEO_BENCH_CORPORA_H_
