// Readers for the labelled corpora under ../shared/datasets, for the
// quality and end-to-end benchmarks. Not part of the library.
#ifndef MIMEO_BENCH_CORPORA_H_
#define MIMEO_BENCH_CORPORA_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "mimeo/cluster.h"
#include "mimeo/document.h"

namespace mimeo::bench {

// The bytes of a file.
absl::StatusOr<std::string> Slurp(const std::string& path);

struct LabelledDocument {
  Document doc;
  std::string label;  // the ground-truth group; "" when unlabelled
};

// Every regular file under `root`, recursively, in path order; id = path
// relative to root, label = the top-level folder under root it sits in.
absl::StatusOr<std::vector<LabelledDocument>> ReadTree(const std::string& root);

// The articles of bbc-news (its .txt files, in path order) under the
// datasets folder: $MIMEO_DATASETS, else ../shared/datasets beside
// `source_dir`. Empty when they are missing.
std::vector<std::string> BbcNewsArticles(const std::string& source_dir);

// The <BODY> of every <REUTERS> story in the .sgm files of `dir`, id
// "file#NEWID"; stories without a body are skipped. Unlabelled.
absl::StatusOr<std::vector<LabelledDocument>> ReadReuters(const std::string& dir);

// Lower-cases ASCII and folds whitespace runs: the "case and whitespace
// folding" under which the datasets README counts exact-duplicate groups.
std::string FoldCaseAndSpace(const std::string& text);

// Pairwise scores of clusters against labels: a pair of documents is
// predicted when they share a cluster, true when they share a label.
struct PairwiseScores {
  uint64_t true_pairs = 0;
  uint64_t predicted_pairs = 0;
  uint64_t correct_pairs = 0;
  double precision = 0;  // 1 when nothing is predicted
  double recall = 0;     // 1 when nothing is true
  double f1 = 0;
};
PairwiseScores ScorePairwise(const std::vector<LabelledDocument>& docs,
                             const std::vector<Cluster>& clusters);

// Groups of two or more documents with the same text after
// FoldCaseAndSpace, and whether each lies inside one cluster.
struct ExactGroups {
  size_t groups = 0;
  size_t whole = 0;      // groups inside one cluster
  size_t documents = 0;  // documents in groups
  std::vector<std::string> split;  // first id of every group not whole
};
ExactGroups CheckExactGroups(const std::vector<LabelledDocument>& docs,
                             const std::vector<Cluster>& clusters);

}  // namespace mimeo::bench

#endif  // MIMEO_BENCH_CORPORA_H_
