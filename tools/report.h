// What the mimeo command writes: clusters and pairs, in JSON lines, a
// terminal table, CSV, or one self-contained HTML page.
//
// The JSONL schema is stable (README.md, "Output"):
//   cluster:  {"cluster", "size", "docs", "representative", "pairs": [pair]}
//   pair:     {"a", "b", "jaccard", "containment_a_in_b",
//              "containment_b_in_a", "estimated", "near_duplicate",
//              "shares_copy",
//              "passages": [{"a": [begin, end], "b": [begin, end],
//                            "words": n, "text": "..."}]}
// Offsets are bytes of each document's text as mimeo read it (the file for
// .txt/.md, the text field for JSONL, the visible text for HTML); "text" is
// the passage as document a has it (left out with
// WriteOptions::passage_text false, --no-passage-text). "shares_copy" and "passages" are there
// when passages were looked for: always for pairs, compare and index query,
// in copy mode for clusters (near-duplicate clusters in JSONL or CSV skip
// the alignment, which reads every text again).
//
// Every writer produces valid UTF-8 whatever the input held.
#ifndef MIMEO_TOOLS_REPORT_H_
#define MIMEO_TOOLS_REPORT_H_

#include <cstdint>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "mimeo/document.h"
#include "mimeo/verify.h"

namespace mimeo::cli {

struct PassageOut {
  uint32_t a_begin = 0, a_end = 0;
  uint32_t b_begin = 0, b_end = 0;
  // Words of document a in the passage (Passage::a_words: two letters of
  // a script written without spaces weigh a word).
  uint32_t words = 0;
};

struct PairOut {
  std::string a, b;  // document ids
  Similarity similarity;
  // The similarity figures are MinHash estimates, not exact set figures.
  bool estimated = false;
  bool near_duplicate = false;
  bool shares_copy = false;
  // Whether passages were looked for; false leaves them out of JSONL.
  bool has_passages = false;
  std::vector<PassageOut> passages;
  // Passages found beyond the engine's cap, not listed.
  uint32_t more_passages = 0;
  // Boilerplate passages set aside, by reason (BoilerplateName), in the
  // order of the Boilerplate enum.
  std::vector<std::pair<std::string, uint32_t>> boilerplate;
  // The two texts, for the passages' text and the HTML view: views owned
  // by the caller and alive while the report is written, or, where a view
  // is empty and the DocId set, fetched through Report::text_of while the
  // pair is written, so that one pair's texts are in memory at a time.
  // Neither: no passage text is shown.
  std::string_view a_text, b_text;
  std::optional<DocId> a_doc, b_doc;
};

struct ClusterOut {
  uint32_t id = 0;
  std::vector<std::string> docs;
  std::string representative;
  std::vector<PairOut> pairs;
};

struct Report {
  // What produced it ("mimeo cluster --mode copy"), for the HTML heading.
  std::string title;
  // Clusters (the cluster command) or pairs (pairs, compare, index query).
  bool has_clusters = false;
  std::vector<ClusterOut> clusters;
  std::vector<PairOut> pairs;
  uint64_t documents = 0;
  // Fetches the text of a pair's a_doc or b_doc (Engine::text). An error
  // stops the writing and is returned by WriteReport().
  std::function<absl::StatusOr<std::string>(DocId)> text_of;
};

struct WriteOptions {
  // ANSI colours in the table (a terminal that is not NO_COLOR).
  bool color = false;
  // Table: pairs shown per cluster; passages shown per pair.
  size_t table_pairs_per_cluster = 5;
  size_t table_passages_per_pair = 3;
  // JSONL and CSV: each passage's text (false: offsets only, and no text
  // read again to cut it).
  bool passage_text = true;
  // Called after each cluster (a report of clusters) or pair (of pairs)
  // is written, for a progress line; may be empty.
  std::function<void()> written;
  // HTML: pairs shown side by side in a report of pairs (the others
  // counted); in a report of clusters, see HtmlPairsPerCluster(). Texts
  // cut at this many bytes.
  size_t html_max_pairs = 500;
  size_t html_pairs_per_cluster = 3;
  size_t html_max_text_bytes = 256 * 1024;
};

// How many pairs of each cluster the HTML report shows, its first ones
// (the others are counted): every cluster shows evidence, so
// `html_pairs_per_cluster` while that makes at most `html_max_pairs` in
// all, else 1. Of those, the first `html_max_pairs` show both texts side
// by side, the others their longest passages only, so that a report of
// thousands of clusters stays a page a browser opens.
size_t HtmlPairsPerCluster(const WriteOptions& options, size_t num_clusters);

// "1 document", "2 documents": `n` and the word that goes with it.
std::string Count(uint64_t n, const char* one, const char* many);

// The formats: "jsonl", "table", "csv", "html".
bool IsFormat(std::string_view format);
// Fails only when a text cannot be fetched (Report::text_of), leaving the
// output cut short.
absl::Status WriteReport(const Report& report, std::string_view format,
                         const WriteOptions& options, std::FILE* out);

// Writes a report of pairs (not clusters) a block at a time, giving the
// bytes WriteReport() gives for the report of all the blocks' pairs at
// once, so that a command writes pairs as they are found and holds only a
// block: JSONL, CSV and the table (the HTML page, which counts the pairs
// in its heading, needs them all first). Each block is a Report with the
// pairs and text_of set (title and documents unused).
class PairsWriter {
 public:
  // `format` is "jsonl", "csv" or "table".
  PairsWriter(std::string_view format, const WriteOptions& options,
              std::FILE* out)
      : format_(format), options_(options), out_(out) {}

  // Writes the block's pairs. Fails only when a text cannot be fetched.
  absl::Status Write(const Report& block);
  // After the last block: what the format writes when there was no pair
  // (the CSV header, the table's "no pairs" line).
  void Finish();
  uint64_t pairs() const { return pairs_; }

 private:
  void Start();

  const std::string format_;
  const WriteOptions options_;
  std::FILE* const out_;
  bool started_ = false;
  uint64_t pairs_ = 0;
};

// The pair as one JSON object (no newline): the JSONL schema above, with
// passages' text cut from pair.a_text (none when `passage_text` is false).
std::string PairJson(const PairOut& pair, bool passage_text = true);

// One CSV field (RFC 4180): repaired UTF-8, quoted when it holds a comma,
// a quote or a line break.
std::string CsvField(std::string_view field);

// A passage's text cut from document a's text (repaired UTF-8), or "" when
// the text is unknown (empty) or too short for it.
std::string PassageText(std::string_view a_text, const PassageOut& passage);

// `text` with whitespace runs folded to one space, cut to about
// `max_bytes` with "…" at a character boundary.
std::string Excerpt(std::string_view text, size_t max_bytes);

}  // namespace mimeo::cli

#endif  // MIMEO_TOOLS_REPORT_H_
