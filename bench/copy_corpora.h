// Readers and judges for the shared-copy evaluation: pan13-text-alignment,
// clough-stevenson, and generated reprint corpora. Not part of the library.
#ifndef MIMEO_BENCH_COPY_CORPORA_H_
#define MIMEO_BENCH_COPY_CORPORA_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "mimeo/document.h"
#include "mimeo/engine.h"

namespace mimeo::bench {

// A byte range of one document.
struct Range {
  uint32_t begin = 0;
  uint32_t end = 0;
};

// One labelled reuse case: `a` reuses text of `b` at these ranges.
struct ReuseSpan {
  Range a;
  Range b;
};
struct ReuseCase {
  uint32_t a = 0;  // index into the corpus's documents
  uint32_t b = 0;
  std::vector<ReuseSpan> spans;  // re-derived on this copy of the corpus
  uint32_t published_spans = 0;  // spans in the label file
};

struct ReuseCorpus {
  std::vector<Document> docs;
  std::vector<ReuseCase> cases;
  uint32_t spans_not_found = 0;  // published spans with no re-derived match
};

// pan13-text-alignment: every document of susp/ and final_txt_files/
// (ids "susp/NAME", "src/NAME"), and the 02-no-obfuscation pairs with their
// spans re-derived on this copy: the published source span's text is
// located in the suspicious document near the published offset, ignoring
// whitespace, and grown to the maximal stretch on which the two texts agree
// (both sides), since the published offsets drift on this copy.
absl::StatusOr<ReuseCorpus> ReadPan13(const std::string& dir);

// clough-stevenson: the five originals (ids "orig_task?.txt") and the
// answers, each with its task's original and category (cut, light, heavy,
// non).
struct CloughAnswer {
  uint32_t doc = 0;
  uint32_t original = 0;
  std::string category;
};
struct CloughCorpus {
  std::vector<Document> docs;
  std::vector<CloughAnswer> answers;
};
absl::StatusOr<CloughCorpus> ReadClough(const std::string& dir);

// Letters and digits of `text`, ASCII lower-cased, others dropped: two
// renderings of one passage (spacing, line breaks, case, punctuation,
// characters a corpus copy stripped) squash to the same string.
std::string Squash(std::string_view text);

// How alike two renderings of a passage are: 1 when they Squash to the
// same string, else the share of word tokens (as a multiset) they have in
// common, over the larger side.
double TextAgreement(std::string_view a, std::string_view b);

// Pair recall on the labelled cases, and passage precision and recall by
// character overlap (both documents' characters, micro-averaged) on them.
struct ReuseScores {
  uint64_t cases = 0;
  uint64_t found = 0;
  double pair_recall = 0;
  double passage_precision = 0;
  double passage_recall = 0;
};
ReuseScores ScoreReuse(const ReuseCorpus& corpus, const CopyReport& report);

// Every reported pair and non-boilerplate passage judged against the texts:
// a passage is the same text when its two renderings Squash alike, close
// when TextAgreement >= 0.9; a pair truly shares text when a passage is
// close.
struct TextJudgement {
  uint64_t pairs = 0;
  uint64_t pairs_sharing = 0;
  uint64_t passages = 0;
  uint64_t same = 0;
  uint64_t close = 0;
  double pair_precision() const { return pairs ? double(pairs_sharing) / pairs : 1; }
  double same_share() const { return passages ? double(same) / passages : 1; }
  double close_share() const { return passages ? double(close) / passages : 1; }
};
TextJudgement JudgeAgainstText(const std::vector<Document>& docs,
                               const CopyReport& report);

// For clough-stevenson: per category, answers reported as sharing copy
// with their task's original, of all answers; and the answers missed.
struct CategoryCount {
  int found = 0;
  int total = 0;
};
struct CloughScores {
  std::map<std::string, CategoryCount> by_category;
  std::vector<std::string> missed;  // cut and light answers not reported
};
CloughScores ScoreClough(const CloughCorpus& corpus, const CopyReport& report);

}  // namespace mimeo::bench

#endif  // MIMEO_BENCH_COPY_CORPORA_H_
