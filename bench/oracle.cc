// mimeo_oracle: exact figures to judge mimeo's output on real, messy
// corpora, where boilerplate (licence paragraphs, a site's navigation,
// header and footer) is shared by many documents that are otherwise
// unrelated, so that near-duplicate clusters can chain through it and
// shared-copy output can be made of it.
//
//   mimeo_oracle score CORPUS_PATH [--clusters CLUSTERS.jsonl]
//                      [--pairs COPY_PAIRS.jsonl] [--json] [--show-errors N]
//
// CORPUS_PATH is read as `mimeo` reads it (tools/input.h: the same files in
// the same order, HTML turned into the same visible text), so ids and byte
// offsets are those of mimeo's output. CLUSTERS is the output of
// `mimeo cluster CORPUS_PATH -o FILE`, COPY_PAIRS that of
// `mimeo pairs --mode copy CORPUS_PATH -o FILE`; either may be left out.
//
// Every figure is exact: no sampling, no MinHash. Texts go through the
// library's Normalizer, Tokenizer and Shingler at their default options,
// so the shingles (word 5-grams, default seed) are the engine's. Then:
//   * the document frequency (DF) of every shingle, the number of documents
//     holding it; a shingle is rare, not boilerplate, when DF < --rare-df
//     (20);
//   * for every pair of documents sharing at least one shingle: the exact
//     size of the intersection of their shingle sets, hence Jaccard and
//     containment both ways. Pairs sharing nothing have all three at 0;
//   * for every pair sharing a rare shingle: the longest non-boilerplate
//     run, a maximal run of consecutive shingles of one document that all
//     occur in the other and are all rare, in words (shingles + 4); the
//     longer of the two directions. A shingle that repeats one of the four
//     before it (text repeating itself every four words or fewer, such as
//     a table of zeros) breaks a run: such a run is as long as the table
//     and says nothing about copying.
//
// Figures:
//   near-dup clusters   member-pair precision: of all pairs of members of
//                       a cluster, the share with Jaccard >= 0.3 or either
//                       containment >= 0.7; recall at 0.55: of all pairs
//                       with Jaccard >= 0.55, the share inside one cluster;
//                       the number of clusters and their largest sizes.
//   copy pairs          precision: reported pairs with a run of 8+ words;
//                       recall: pairs with a run of 30+ words that are
//                       reported; passages per pair (median, p99, max); and
//                       passages that hold 8+ words of rare shingles in a
//                       row (the rest is boilerplate, or too short to say).
//   --show-errors N     up to N pairs of each kind of error, spread evenly
//                       over the errors sorted by ids, with their figures
//                       and the text they share.
//   --dump-pairs FILE   every pair of interest with its exact figures as
//                       TSV, to study a rule outside this tool.
//
// Cost: the pairs are counted one document at a time against the later
// ones, through each shingle's list of documents, into a dense counter per
// document (ScanCount); that is the sum over shingles of DF^2 / 2
// increments, a few seconds for a few thousand documents even where
// hundreds share a licence, but quadratic in the commonest shingles: this
// is a measuring tool for corpora of thousands, not millions. Memory: 12
// bytes per shingle of text, plus the pairs kept (those sharing a rare
// shingle, above the Jaccard of the recall figure, or in mimeo's output).
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/types/span.h"
#include "input.h"
#include "internal/status_macros.h"
#include "mimeo/normalize.h"
#include "mimeo/shingle.h"
#include "mimeo/tokenize.h"
#include "nlohmann/json.hpp"

namespace {

using mimeo::cli::InputReader;
using mimeo::cli::InputTexts;

struct Args {
  std::string corpus;
  std::string clusters;
  std::string pairs;
  std::string dump_pairs;
  bool json = false;
  int show_errors = 0;
  uint32_t rare_df = 20;
  double cluster_jaccard = 0.3;
  double cluster_containment = 0.7;
  double recall_jaccard = 0.55;
  uint32_t precision_run_words = 8;
  uint32_t recall_run_words = 30;
};

// Every document's shingles as dense ids (one per distinct hash), in text
// order, with the bytes of the original text each came from, and the list
// of documents holding each shingle.
struct Corpus {
  std::vector<std::string> ids;
  absl::flat_hash_map<std::string, uint32_t> index_of;
  std::vector<std::vector<uint32_t>> seq;        // per document
  std::vector<std::vector<uint32_t>> src_begin;  // per document, per shingle
  std::vector<std::vector<uint32_t>> src_end;
  std::vector<std::vector<uint32_t>> set;  // per document, sorted distinct
  std::vector<uint32_t> df;                // per shingle
  std::vector<uint64_t> posting_start;     // per shingle, size df.size() + 1
  std::vector<uint32_t> posting_docs;      // ascending within a shingle
  uint32_t k = 5;
  uint64_t text_bytes = 0;
  uint64_t occurrences = 0;  // shingles in text order, all documents
  std::shared_ptr<const InputTexts> texts;

  absl::Span<const uint32_t> Postings(uint32_t s) const {
    return absl::MakeConstSpan(posting_docs)
        .subspan(posting_start[s], posting_start[s + 1] - posting_start[s]);
  }
  // Words in a run of `shingles` consecutive shingles (0 for none).
  uint32_t Words(uint32_t shingles) const {
    return shingles == 0 ? 0 : shingles + k - 1;
  }
};

absl::StatusOr<Corpus> ReadCorpus(const std::string& path, bool keep_texts) {
  mimeo::cli::InputOptions input;
  input.remember_texts = keep_texts;
  ASSIGN_OR_RETURN(std::unique_ptr<InputReader> reader,
                   InputReader::Open({path}, input));
  mimeo::Normalizer::Options normalize;
  normalize.keep_offsets = true;  // the same text; offsets for passages
  ASSIGN_OR_RETURN(const mimeo::Normalizer normalizer,
                   mimeo::Normalizer::Create(normalize));
  ASSIGN_OR_RETURN(const mimeo::Tokenizer tokenizer,
                   mimeo::Tokenizer::Create(mimeo::Tokenizer::Options{}));
  ASSIGN_OR_RETURN(const mimeo::Shingler shingler,
                   mimeo::Shingler::Create(mimeo::Shingler::Options{}));

  Corpus c;
  c.k = static_cast<uint32_t>(shingler.options().k);
  absl::flat_hash_map<uint64_t, uint32_t> shingle_of_hash;
  mimeo::NormalizedText norm;
  std::vector<mimeo::Token> tokens;
  mimeo::Shingles shingles;
  std::vector<mimeo::Document> batch;
  for (;;) {
    ASSIGN_OR_RETURN(const bool more, reader->Next(batch, uint64_t{64} << 20));
    for (const mimeo::Document& d : batch) {
      RETURN_IF_ERROR(normalizer.Normalize(d.text, norm));
      tokenizer.Tokenize(norm.text, tokens);
      shingler.Shingle(norm.text, tokens, shingles);
      c.index_of.emplace(d.id, static_cast<uint32_t>(c.ids.size()));
      c.ids.push_back(d.id);
      c.text_bytes += d.text.size();
      std::vector<uint32_t>& seq = c.seq.emplace_back();
      std::vector<uint32_t>& begin = c.src_begin.emplace_back();
      std::vector<uint32_t>& end = c.src_end.emplace_back();
      seq.reserve(shingles.size());
      begin.reserve(shingles.size());
      end.reserve(shingles.size());
      for (size_t i = 0; i < shingles.size(); ++i) {
        auto [it, added] = shingle_of_hash.try_emplace(
            shingles.hashes[i], static_cast<uint32_t>(shingle_of_hash.size()));
        seq.push_back(it->second);
        const uint32_t first = shingles.first_token[i];
        const uint32_t last = first + shingles.tokens_per_shingle - 1;
        begin.push_back(norm.source_offset[tokens[first].begin]);
        end.push_back(norm.source_offset[tokens[last].end]);
      }
      std::vector<uint32_t>& set = c.set.emplace_back(seq);
      std::sort(set.begin(), set.end());
      set.erase(std::unique(set.begin(), set.end()), set.end());
      c.occurrences += seq.size();
    }
    if (!more) break;
  }
  if (c.ids.empty()) {
    return absl::FailedPreconditionError(
        absl::StrFormat("no documents in '%s'", path));
  }
  c.texts = reader->texts();

  c.df.assign(shingle_of_hash.size(), 0);
  for (const auto& set : c.set) {
    for (uint32_t s : set) ++c.df[s];
  }
  c.posting_start.assign(c.df.size() + 1, 0);
  for (size_t s = 0; s < c.df.size(); ++s) {
    c.posting_start[s + 1] = c.posting_start[s] + c.df[s];
  }
  c.posting_docs.resize(c.posting_start.back());
  std::vector<uint64_t> fill(c.posting_start.begin(),
                             c.posting_start.end() - 1);
  for (uint32_t doc = 0; doc < c.set.size(); ++doc) {
    for (uint32_t s : c.set[doc]) c.posting_docs[fill[s]++] = doc;
  }
  return c;
}

uint64_t PairKey(uint32_t a, uint32_t b) {
  if (a > b) std::swap(a, b);
  return (uint64_t{a} << 32) | b;
}

// mimeo's output, as document numbers of the corpus.
struct Passage {
  uint32_t a_begin, a_end;  // bytes of document a's text
  uint32_t words;
};
struct ReportedPair {
  uint32_t a, b;
  std::vector<Passage> passages;
};
struct Output {
  std::vector<std::vector<uint32_t>> clusters;
  std::vector<int32_t> cluster_of;  // per document; -1 when in none
  std::vector<ReportedPair> pairs;
  absl::flat_hash_map<uint64_t, uint32_t> pair_index;  // PairKey -> pairs
};

// Calls `line_fn(json, line_number)` for each line of a JSONL file.
template <typename Fn>
absl::Status ForEachJsonLine(const std::string& path, Fn line_fn) {
  std::ifstream in(path);
  if (!in) {
    return absl::NotFoundError(absl::StrFormat("cannot read '%s'", path));
  }
  std::string line;
  size_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty()) continue;
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      return absl::InvalidArgumentError(
          absl::StrFormat("%s:%d: not a JSON object", path, line_no));
    }
    RETURN_IF_ERROR(line_fn(j, line_no));
  }
  return absl::OkStatus();
}

absl::StatusOr<uint32_t> DocOf(const Corpus& c, const nlohmann::json& id,
                               const std::string& path, size_t line_no) {
  if (!id.is_string()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s:%d: an id is not a string", path, line_no));
  }
  auto it = c.index_of.find(id.get<std::string>());
  if (it == c.index_of.end()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s:%d: '%s' is not a document of the corpus (same CORPUS_PATH as "
        "the mimeo run?)",
        path, line_no, id.get<std::string>()));
  }
  return it->second;
}

absl::StatusOr<Output> ReadOutput(const Corpus& c, const Args& args) {
  Output out;
  out.cluster_of.assign(c.ids.size(), -1);
  if (!args.clusters.empty()) {
    RETURN_IF_ERROR(ForEachJsonLine(
        args.clusters,
        [&](const nlohmann::json& j, size_t line_no) -> absl::Status {
          if (!j.contains("docs") || !j["docs"].is_array()) {
            return absl::InvalidArgumentError(absl::StrFormat(
                "%s:%d: a cluster line without docs", args.clusters, line_no));
          }
          const int32_t cluster = static_cast<int32_t>(out.clusters.size());
          std::vector<uint32_t>& members = out.clusters.emplace_back();
          for (const nlohmann::json& id : j["docs"]) {
            ASSIGN_OR_RETURN(const uint32_t doc,
                             DocOf(c, id, args.clusters, line_no));
            if (out.cluster_of[doc] != -1) {
              return absl::InvalidArgumentError(
                  absl::StrFormat("%s:%d: '%s' is in two clusters",
                                  args.clusters, line_no, c.ids[doc]));
            }
            out.cluster_of[doc] = cluster;
            members.push_back(doc);
          }
          return absl::OkStatus();
        }));
  }
  if (!args.pairs.empty()) {
    RETURN_IF_ERROR(ForEachJsonLine(
        args.pairs,
        [&](const nlohmann::json& j, size_t line_no) -> absl::Status {
          if (!j.contains("a") || !j.contains("b")) {
            return absl::InvalidArgumentError(absl::StrFormat(
                "%s:%d: a pair line without a and b", args.pairs, line_no));
          }
          ReportedPair p;
          ASSIGN_OR_RETURN(p.a, DocOf(c, j["a"], args.pairs, line_no));
          ASSIGN_OR_RETURN(p.b, DocOf(c, j["b"], args.pairs, line_no));
          if (j.contains("passages")) {
            for (const nlohmann::json& q : j["passages"]) {
              if (!q.is_object() || !q.contains("a") || !q["a"].is_array() ||
                  q["a"].size() != 2 || !q["a"][0].is_number_unsigned() ||
                  !q["a"][1].is_number_unsigned()) {
                return absl::InvalidArgumentError(absl::StrFormat(
                    "%s:%d: a passage without an [a_begin, a_end] range",
                    args.pairs, line_no));
              }
              p.passages.push_back({q["a"][0].get<uint32_t>(),
                                    q["a"][1].get<uint32_t>(),
                                    q.value("words", uint32_t{0})});
            }
          }
          const auto [it, added] = out.pair_index.try_emplace(
              PairKey(p.a, p.b), static_cast<uint32_t>(out.pairs.size()));
          if (!added) {
            return absl::InvalidArgumentError(
                absl::StrFormat("%s:%d: the pair %s ~ %s twice", args.pairs,
                                line_no, c.ids[p.a], c.ids[p.b]));
          }
          out.pairs.push_back(std::move(p));
          return absl::OkStatus();
        }));
  }
  return out;
}

// The exact figures of one pair (a < b).
struct PairFigures {
  uint32_t a = 0, b = 0;
  uint32_t shared = 0;       // shingles in both sets
  uint32_t rare_shared = 0;  // of which rare
  uint32_t rare_run = 0;     // longest non-boilerplate run, in shingles

  double Jaccard(const Corpus& c) const {
    const uint64_t u = c.set[a].size() + c.set[b].size() - shared;
    return u == 0 ? 0 : static_cast<double>(shared) / u;
  }
  double ContainmentAInB(const Corpus& c) const {
    return c.set[a].empty() ? 0 : static_cast<double>(shared) / c.set[a].size();
  }
  double ContainmentBInA(const Corpus& c) const {
    return c.set[b].empty() ? 0 : static_cast<double>(shared) / c.set[b].size();
  }
};

// Whether shingle i of `seq` repeats one of the four before it: text that
// repeats itself every four words or fewer (a table of zeros, a rule of
// dashes), where the same shingle comes back at once. Prose never does;
// such a stretch counts in no run, since a run of it says nothing about
// copying (it is as long as the table).
bool Periodic(const std::vector<uint32_t>& seq, size_t i) {
  for (size_t back = 1; back <= 4 && back <= i; ++back) {
    if (seq[i - back] == seq[i]) return true;
  }
  return false;
}

// Every pair that shares a rare shingle, reaches the recall Jaccard, or is
// in mimeo's output, with its figures. Pairs of the output that share no
// shingle are there too, with zeros.
absl::flat_hash_map<uint64_t, PairFigures> PairsOfInterest(
    const Corpus& c, const Output& out, const Args& args,
    uint64_t* increments) {
  const uint32_t n = static_cast<uint32_t>(c.ids.size());
  absl::flat_hash_map<uint64_t, PairFigures> pairs;
  std::vector<uint32_t> shared(n, 0), rare_shared(n, 0), touched;
  // cursor[s]: where in shingle s's postings the current document sits.
  std::vector<uint32_t> cursor(c.df.size(), 0);
  // For the runs: per other document, the position in the current text of
  // the last rare shingle it holds, the run ending there and the longest.
  constexpr uint32_t kNone = UINT32_MAX;
  std::vector<uint32_t> last(n, kNone), run(n, 0), best(n, 0);
  std::vector<uint32_t> run_touched;
  *increments = 0;
  for (uint32_t a = 0; a < n; ++a) {
    for (uint32_t s : c.set[a]) {
      const auto docs = c.Postings(s).subspan(cursor[s] + 1);
      ++cursor[s];
      *increments += docs.size();
      const bool rare = c.df[s] < args.rare_df;
      for (uint32_t b : docs) {
        if (shared[b]++ == 0) touched.push_back(b);
        rare_shared[b] += rare;
      }
    }
    for (uint32_t b : touched) {
      PairFigures f{a, b, shared[b], rare_shared[b], 0};
      const bool keep =
          rare_shared[b] > 0 || f.Jaccard(c) >= args.recall_jaccard ||
          (out.cluster_of[a] != -1 && out.cluster_of[a] == out.cluster_of[b]) ||
          out.pair_index.contains(PairKey(a, b));
      if (keep) pairs.emplace(PairKey(a, b), f);
      shared[b] = 0;
      rare_shared[b] = 0;
    }
    touched.clear();

    // Runs of a's rare shingles in every other document, both directions
    // over the whole loop: b < a was kept when b was the current document.
    const std::vector<uint32_t>& seq = c.seq[a];
    for (uint32_t i = 0; i < seq.size(); ++i) {
      if (c.df[seq[i]] >= args.rare_df || Periodic(seq, i)) continue;
      for (uint32_t b : c.Postings(seq[i])) {
        if (b == a) continue;
        if (last[b] == kNone) run_touched.push_back(b);
        run[b] = last[b] != kNone && last[b] + 1 == i ? run[b] + 1 : 1;
        last[b] = i;
        best[b] = std::max(best[b], run[b]);
      }
    }
    for (uint32_t b : run_touched) {
      PairFigures& f = pairs.at(PairKey(a, b));
      f.rare_run = std::max(f.rare_run, best[b]);
      last[b] = kNone;
      run[b] = 0;
      best[b] = 0;
    }
    run_touched.clear();
  }

  // Output pairs that share no shingle at all.
  auto add_empty = [&](uint32_t a, uint32_t b) {
    if (a > b) std::swap(a, b);
    pairs.try_emplace(PairKey(a, b), PairFigures{a, b, 0, 0, 0});
  };
  for (const auto& members : out.clusters) {
    for (size_t i = 0; i < members.size(); ++i) {
      for (size_t j = i + 1; j < members.size(); ++j) {
        add_empty(members[i], members[j]);
      }
    }
  }
  for (const ReportedPair& p : out.pairs) add_empty(p.a, p.b);
  return pairs;
}

// The longest run of consecutive shingles of `a` that occur in `b` (and,
// with `rare_only`, are rare): its first shingle and length.
std::pair<uint32_t, uint32_t> LongestRun(const Corpus& c, uint32_t a,
                                         uint32_t b, bool rare_only,
                                         uint32_t rare_df) {
  uint32_t best_start = 0, best_len = 0, len = 0;
  const std::vector<uint32_t>& seq = c.seq[a];
  for (uint32_t i = 0; i < seq.size(); ++i) {
    const bool in =
        (!rare_only || c.df[seq[i]] < rare_df) && !Periodic(seq, i) &&
        std::binary_search(c.set[b].begin(), c.set[b].end(), seq[i]);
    len = in ? len + 1 : 0;
    if (len > best_len) {
      best_len = len;
      best_start = i + 1 - len;
    }
  }
  return {best_start, best_len};
}

// The longest run of rare shingles lying inside bytes [begin, end) of
// document `doc`'s text, in shingles.
uint32_t RareRunInside(const Corpus& c, uint32_t doc, uint32_t begin,
                       uint32_t end, uint32_t rare_df) {
  const std::vector<uint32_t>& starts = c.src_begin[doc];
  uint32_t best = 0, len = 0;
  for (size_t i = std::lower_bound(starts.begin(), starts.end(), begin) -
                  starts.begin();
       i < starts.size() && c.src_end[doc][i] <= end; ++i) {
    len = c.df[c.seq[doc][i]] < rare_df && !Periodic(c.seq[doc], i) ? len + 1
                                                                  : 0;
    best = std::max(best, len);
  }
  return best;
}

double Share(uint64_t part, uint64_t whole) {
  return whole == 0 ? 0 : static_cast<double>(part) / whole;
}

// Value at quantile q of sorted `v` (nearest rank).
uint32_t Quantile(const std::vector<uint32_t>& v, double q) {
  if (v.empty()) return 0;
  size_t i = static_cast<size_t>(q * v.size());
  return v[std::min(i, v.size() - 1)];
}

// Up to n elements of `v`, spread evenly.
std::vector<PairFigures> Spread(std::vector<PairFigures> v, int n) {
  std::sort(v.begin(), v.end(), [](const PairFigures& x, const PairFigures& y) {
    return PairKey(x.a, x.b) < PairKey(y.a, y.b);
  });
  std::vector<PairFigures> out;
  if (n <= 0 || v.empty()) return out;
  const size_t take = std::min(v.size(), static_cast<size_t>(n));
  for (size_t i = 0; i < take; ++i) out.push_back(v[i * v.size() / take]);
  return out;
}

// A short, one-line excerpt of bytes [begin, end) of a document's text.
std::string Excerpt(const Corpus& c, uint32_t doc, uint32_t begin,
                    uint32_t end) {
  absl::StatusOr<std::string> text = c.texts->Text(doc, c.ids[doc]);
  if (!text.ok()) return "(" + std::string(text.status().message()) + ")";
  end = std::min<uint32_t>(end, text->size());
  begin = std::min(begin, end);
  std::string out;
  bool space = false;
  uint32_t i = begin;
  for (; i < end; ++i) {
    const unsigned char ch = (*text)[i];
    // Stop past 160 bytes, at the start of a character.
    if (out.size() >= 160 && (ch & 0xC0) != 0x80) break;
    if (ch == '\n' || ch == '\r' || ch == '\t' || ch == ' ') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    out += static_cast<char>(ch);
  }
  return i < end ? out + "..." : out;
}

// Median DF of the shingles [start, start + len) of `doc`.
uint32_t MedianDf(const Corpus& c, uint32_t doc, uint32_t start, uint32_t len) {
  std::vector<uint32_t> dfs;
  for (uint32_t i = start; i < start + len; ++i) {
    dfs.push_back(c.df[c.seq[doc][i]]);
  }
  std::sort(dfs.begin(), dfs.end());
  return Quantile(dfs, 0.5);
}

void PrintPair(const Corpus& c, const PairFigures& f, const Args& args,
               const Output& out) {
  std::printf(
      "  %s ~ %s\n    jaccard %.3f, %.0f%% of a in b, %.0f%% of b in "
      "a, non-boilerplate run %u words",
      c.ids[f.a].c_str(), c.ids[f.b].c_str(), f.Jaccard(c),
      100 * f.ContainmentAInB(c), 100 * f.ContainmentBInA(c),
      c.Words(f.rare_run));
  if (auto it = out.pair_index.find(PairKey(f.a, f.b));
      it != out.pair_index.end()) {
    const ReportedPair& p = out.pairs[it->second];
    uint32_t words = 0;
    for (const Passage& q : p.passages) words += q.words;
    std::printf(", mimeo: %zu passages, %u words", p.passages.size(), words);
    if (!p.passages.empty()) {
      const Passage& longest = *std::max_element(
          p.passages.begin(), p.passages.end(),
          [](const Passage& x, const Passage& y) { return x.words < y.words; });
      std::printf(
          "\n    mimeo's longest passage (%u words, %u of them rare "
          "in a row): \"%s\"",
          longest.words,
          c.Words(RareRunInside(c, p.a, longest.a_begin, longest.a_end,
                                args.rare_df)),
          Excerpt(c, p.a, longest.a_begin, longest.a_end).c_str());
    }
  }
  std::printf("\n");
  for (bool rare_only : {false, true}) {
    // The longer of the two directions, cut from the document it is in.
    auto [start, len] = LongestRun(c, f.a, f.b, rare_only, args.rare_df);
    uint32_t doc = f.a;
    if (auto [b_start, b_len] =
            LongestRun(c, f.b, f.a, rare_only, args.rare_df);
        b_len > len) {
      start = b_start;
      len = b_len;
      doc = f.b;
    }
    if (len == 0) continue;
    std::printf(
        "    longest shared run%s (in %s): %u words, median DF %u: "
        "\"%s\"\n",
        rare_only ? " of rare shingles" : "", doc == f.a ? "a" : "b",
        c.Words(len), MedianDf(c, doc, start, len),
        Excerpt(c, doc, c.src_begin[doc][start],
                c.src_end[doc][start + len - 1])
            .c_str());
  }
}

void PrintErrors(const Corpus& c, const Output& out, const Args& args,
                 const char* title, const std::vector<PairFigures>& errors) {
  std::printf("\n%s: %zu", title, errors.size());
  if (!errors.empty()) {
    std::printf(", %d shown", std::min<int>(args.show_errors, errors.size()));
  }
  std::printf("\n");
  for (const PairFigures& f : Spread(errors, args.show_errors)) {
    PrintPair(c, f, args, out);
  }
}

// One line of the table: a label and its figure, aligned.
void Row(const std::string& label, const std::string& value) {
  std::printf("  %-36s %s\n", label.c_str(), value.c_str());
}

// "0.8282 (3427 of 4138)" from a share and its two counts in `q`.
std::string Figure(const nlohmann::json& q, const char* share, const char* part,
                   const char* whole) {
  return absl::StrFormat("%.4f (%d of %d)", q[share].get<double>(),
                         q[part].get<uint64_t>(), q[whole].get<uint64_t>());
}

// Every pair of interest with its exact figures, one TSV line each, sorted
// by document numbers, for analysis outside this tool.
absl::Status DumpPairs(const Corpus& c,
                       const absl::flat_hash_map<uint64_t, PairFigures>& pairs,
                       const Args& args) {
  std::vector<uint32_t> rare(c.set.size(), 0);
  for (size_t d = 0; d < c.set.size(); ++d) {
    for (uint32_t s : c.set[d]) rare[d] += c.df[s] < args.rare_df;
  }
  std::vector<const PairFigures*> sorted;
  sorted.reserve(pairs.size());
  for (const auto& [key, f] : pairs) sorted.push_back(&f);
  std::sort(sorted.begin(), sorted.end(), [](const auto* x, const auto* y) {
    return std::pair(x->a, x->b) < std::pair(y->a, y->b);
  });
  // The share of 20 equal stretches of `x`'s text that hold a rare
  // shingle of `y`: shared text spread through a document, or in one place.
  const auto spread = [&](uint32_t x, uint32_t y) {
    const std::vector<uint32_t>& seq = c.seq[x];
    const std::vector<uint32_t>& other = c.set[y];
    constexpr size_t kStretches = 20;
    std::vector<bool> hit(kStretches, false);
    for (size_t i = 0; i < seq.size(); ++i) {
      if (c.df[seq[i]] >= args.rare_df) continue;
      if (std::binary_search(other.begin(), other.end(), seq[i])) {
        hit[i * kStretches / seq.size()] = true;
      }
    }
    return std::count(hit.begin(), hit.end(), true) /
           static_cast<double>(kStretches);
  };
  // The share of the first 25 rare shingles of `x`'s text (in text order)
  // that `y` holds: whether the two begin alike.
  const auto lead = [&](uint32_t x, uint32_t y) {
    const std::vector<uint32_t>& seq = c.seq[x];
    const std::vector<uint32_t>& other = c.set[y];
    constexpr size_t kLead = 25;
    size_t seen = 0, held = 0;
    for (size_t i = 0; i < seq.size() && seen < kLead; ++i) {
      if (c.df[seq[i]] >= args.rare_df) continue;
      ++seen;
      held += std::binary_search(other.begin(), other.end(), seq[i]);
    }
    return seen == 0 ? 0.0 : held / static_cast<double>(seen);
  };
  std::ofstream out(args.dump_pairs);
  for (const PairFigures* f : sorted) {
    out << c.ids[f->a] << '\t' << c.ids[f->b] << '\t' << c.set[f->a].size()
        << '\t' << c.set[f->b].size() << '\t' << f->shared << '\t'
        << rare[f->a] << '\t' << rare[f->b] << '\t' << f->rare_shared << '\t'
        << c.Words(f->rare_run) << '\t' << spread(f->a, f->b) << '\t'
        << spread(f->b, f->a) << '\t' << lead(f->a, f->b) << '\t'
        << lead(f->b, f->a) << '\n';
  }
  out.close();
  if (!out) {
    return absl::InternalError(
        absl::StrFormat("cannot write '%s'", args.dump_pairs));
  }
  return absl::OkStatus();
}

int Score(const Args& args) {
  const auto start = std::chrono::steady_clock::now();
  auto corpus = ReadCorpus(args.corpus, args.show_errors > 0);
  if (!corpus.ok()) {
    std::fprintf(stderr, "mimeo_oracle: %s\n",
                 corpus.status().ToString().c_str());
    return corpus.status().code() == absl::StatusCode::kNotFound ? 2 : 1;
  }
  const Corpus& c = *corpus;
  auto output = ReadOutput(c, args);
  if (!output.ok()) {
    std::fprintf(stderr, "mimeo_oracle: %s\n",
                 output.status().ToString().c_str());
    return 1;
  }
  const Output& out = *output;
  uint64_t increments = 0;
  const absl::flat_hash_map<uint64_t, PairFigures> pairs =
      PairsOfInterest(c, out, args, &increments);
  const uint32_t n = static_cast<uint32_t>(c.ids.size());
  if (!args.dump_pairs.empty()) {
    const absl::Status dumped = DumpPairs(c, pairs, args);
    if (!dumped.ok()) {
      std::fprintf(stderr, "mimeo_oracle: %s\n", dumped.ToString().c_str());
      return 1;
    }
  }

  nlohmann::json j;
  uint64_t common_occurrences = 0;
  for (const auto& seq : c.seq) {
    for (uint32_t s : seq) common_occurrences += c.df[s] >= args.rare_df;
  }
  uint64_t rare_pairs = 0;
  for (const auto& [key, f] : pairs) {
    if (f.rare_run > 0) ++rare_pairs;
  }
  j["corpus"] = {
      {"path", args.corpus},
      {"documents", n},
      {"text_bytes", c.text_bytes},
      {"shingles", c.occurrences},
      {"distinct_shingles", c.df.size()},
      {"boilerplate_shingle_share", Share(common_occurrences, c.occurrences)},
      {"pairs_sharing_a_rare_shingle", rare_pairs},
      {"rare_df", args.rare_df}};

  std::vector<PairFigures> cluster_false, cluster_missed;
  if (!args.clusters.empty()) {
    uint64_t member_pairs = 0, good = 0, similar = 0, similar_found = 0;
    // The same recall over pairs that also share a non-boilerplate run:
    // two files carrying the same licence and little else are similar,
    // but not what near-duplicate clustering is for.
    const uint32_t content_run = args.precision_run_words - (c.k - 1);
    uint64_t content = 0, content_found = 0;
    std::vector<uint32_t> sizes;
    uint64_t clustered = 0;
    for (const auto& members : out.clusters) {
      sizes.push_back(members.size());
      clustered += members.size();
      member_pairs += uint64_t{members.size()} * (members.size() - 1) / 2;
    }
    std::sort(sizes.rbegin(), sizes.rend());
    for (const auto& [key, f] : pairs) {
      const bool together = out.cluster_of[f.a] != -1 &&
                            out.cluster_of[f.a] == out.cluster_of[f.b];
      const double jac = f.Jaccard(c);
      if (together) {
        const bool ok = jac >= args.cluster_jaccard ||
                        std::max(f.ContainmentAInB(c), f.ContainmentBInA(c)) >=
                            args.cluster_containment;
        if (ok) {
          ++good;
        } else {
          cluster_false.push_back(f);
        }
      }
      if (jac >= args.recall_jaccard) {
        ++similar;
        content += f.rare_run >= content_run;
        if (together) {
          ++similar_found;
          content_found += f.rare_run >= content_run;
        } else {
          cluster_missed.push_back(f);
        }
      }
    }
    sizes.resize(std::min<size_t>(sizes.size(), 10));
    j["clusters"] = {
        {"clusters", out.clusters.size()},
        {"documents_in_clusters", clustered},
        {"largest_sizes", sizes},
        {"member_pairs", member_pairs},
        {"member_pairs_similar", good},
        {"precision", Share(good, member_pairs)},
        {"pairs_above_recall_jaccard", similar},
        {"pairs_above_recall_jaccard_in_one_cluster", similar_found},
        {"recall", Share(similar_found, similar)},
        {"pairs_above_recall_jaccard_with_run", content},
        {"pairs_above_recall_jaccard_with_run_in_one_cluster", content_found},
        {"recall_with_run", Share(content_found, content)}};
  }

  std::vector<PairFigures> copy_false, copy_missed;
  if (!args.pairs.empty()) {
    const uint32_t precision_run = args.precision_run_words - (c.k - 1);
    const uint32_t recall_run = args.recall_run_words - (c.k - 1);
    uint64_t with_run = 0, long_runs = 0, long_runs_found = 0;
    uint64_t passages = 0, rare_passages = 0;
    std::vector<uint32_t> per_pair;
    for (const ReportedPair& p : out.pairs) {
      per_pair.push_back(p.passages.size());
      const PairFigures& f = pairs.at(PairKey(p.a, p.b));
      if (f.rare_run >= precision_run) {
        ++with_run;
      } else {
        copy_false.push_back(f);
      }
      for (const Passage& q : p.passages) {
        ++passages;
        rare_passages += RareRunInside(c, p.a, q.a_begin, q.a_end,
                                       args.rare_df) >= precision_run;
      }
    }
    for (const auto& [key, f] : pairs) {
      if (f.rare_run < recall_run) continue;
      ++long_runs;
      if (out.pair_index.contains(key)) {
        ++long_runs_found;
      } else {
        copy_missed.push_back(f);
      }
    }
    std::sort(per_pair.begin(), per_pair.end());
    j["copy"] = {{"reported_pairs", out.pairs.size()},
                 {"reported_with_run", with_run},
                 {"precision", Share(with_run, out.pairs.size())},
                 {"pairs_with_long_run", long_runs},
                 {"pairs_with_long_run_reported", long_runs_found},
                 {"recall", Share(long_runs_found, long_runs)},
                 {"passages", passages},
                 {"passages_with_run", rare_passages},
                 {"passages_with_run_share", Share(rare_passages, passages)},
                 {"passages_per_pair",
                  {{"median", Quantile(per_pair, 0.5)},
                   {"p99", Quantile(per_pair, 0.99)},
                   {"max", per_pair.empty() ? 0 : per_pair.back()}}}};
  }
  j["seconds"] =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  j["pair_count_increments"] = increments;

  if (args.json) {
    std::printf("%s\n", j.dump().c_str());
  } else {
    absl::PrintF(
        "corpus %s: %u documents, %.1f MB of text, %d shingles (%d "
        "distinct), %.1f%% of them in %u+ documents\n",
        args.corpus, n, c.text_bytes / 1e6, c.occurrences, c.df.size(),
        100 * j["corpus"]["boilerplate_shingle_share"].get<double>(),
        args.rare_df);
    Row(absl::StrFormat("pairs sharing a shingle of DF < %u", args.rare_df),
        absl::StrFormat("%d", rare_pairs));
    if (j.contains("clusters")) {
      const auto& q = j["clusters"];
      std::string sizes;
      for (const auto& s : q["largest_sizes"]) {
        absl::StrAppend(&sizes, sizes.empty() ? "" : " ", s.get<uint32_t>());
      }
      absl::PrintF("near-dup clusters (%s)\n", args.clusters);
      Row("clusters",
          absl::StrFormat("%d (%d documents)", out.clusters.size(),
                          q["documents_in_clusters"].get<uint64_t>()));
      Row("largest sizes", sizes);
      Row("member-pair precision",
          Figure(q, "precision", "member_pairs_similar", "member_pairs") +
              absl::StrFormat(" pairs at J >= %.2f or C >= %.2f",
                              args.cluster_jaccard, args.cluster_containment));
      Row(absl::StrFormat("recall at J >= %.2f", args.recall_jaccard),
          Figure(q, "recall", "pairs_above_recall_jaccard_in_one_cluster",
                 "pairs_above_recall_jaccard"));
      Row(absl::StrFormat("  of those with a run of %u+ words",
                          args.precision_run_words),
          Figure(q, "recall_with_run",
                 "pairs_above_recall_jaccard_with_run_in_one_cluster",
                 "pairs_above_recall_jaccard_with_run"));
    }
    if (j.contains("copy")) {
      const auto& q = j["copy"];
      const auto& per_pair = q["passages_per_pair"];
      absl::PrintF("copy pairs (%s)\n", args.pairs);
      Row(absl::StrFormat("precision (run of %u+ words)",
                          args.precision_run_words),
          Figure(q, "precision", "reported_with_run", "reported_pairs"));
      Row(absl::StrFormat("recall (run of %u+ words)", args.recall_run_words),
          Figure(q, "recall", "pairs_with_long_run_reported",
                 "pairs_with_long_run"));
      Row("passages per pair",
          absl::StrFormat("median %d, p99 %d, max %d",
                          per_pair["median"].get<uint32_t>(),
                          per_pair["p99"].get<uint32_t>(),
                          per_pair["max"].get<uint32_t>()));
      Row(absl::StrFormat("passages with a run of %u+ words",
                          args.precision_run_words),
          Figure(q, "passages_with_run_share", "passages_with_run",
                 "passages"));
    }
    absl::PrintF("(%.1f s, %d pair-count increments)\n",
                 j["seconds"].get<double>(), increments);
  }

  if (args.show_errors > 0) {
    if (!args.clusters.empty()) {
      PrintErrors(c, out, args,
                  "cluster pairs below the similarity bar (false positives)",
                  cluster_false);
      PrintErrors(c, out, args,
                  "pairs at the recall Jaccard not in one cluster (missed)",
                  cluster_missed);
    }
    if (!args.pairs.empty()) {
      PrintErrors(c, out, args,
                  "copy pairs without a non-boilerplate run (false positives)",
                  copy_false);
      PrintErrors(c, out, args,
                  "pairs with a long non-boilerplate run not reported (missed)",
                  copy_missed);
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Exact figures for mimeo's output on a corpus"};
  app.require_subcommand(1);
  Args args;
  CLI::App* score = app.add_subcommand(
      "score",
      "Score mimeo cluster / mimeo pairs --mode copy output against "
      "exact shingle figures");
  score->add_option("CORPUS_PATH", args.corpus, "The corpus mimeo was run on")
      ->required();
  score->add_option("--clusters", args.clusters,
                    "JSONL of `mimeo cluster CORPUS_PATH`");
  score->add_option("--pairs", args.pairs,
                    "JSONL of `mimeo pairs --mode copy CORPUS_PATH`");
  score->add_flag("--json", args.json, "One JSON object instead of the table");
  score->add_option(
      "--dump-pairs", args.dump_pairs,
      "Write every pair sharing a rare shingle (and every pair of the "
      "output) to this TSV: id_a id_b shingles_a shingles_b shared "
      "rare_a rare_b rare_shared longest_rare_run_words spread_a spread_b "
      "lead_a lead_b "
      "(spread: the share of 20 equal stretches of a document's shingles "
      "holding a rare shingle of the other)");
  score
      ->add_option("--show-errors", args.show_errors,
                   "Print up to N pairs of each kind of error")
      ->check(CLI::NonNegativeNumber);
  score
      ->add_option("--rare-df", args.rare_df,
                   "A shingle in fewer documents than this is not "
                   "boilerplate")
      ->capture_default_str()
      ->check(CLI::Range(2, 1 << 30));
  score
      ->add_option("--cluster-jaccard", args.cluster_jaccard,
                   "A cluster pair is right at this Jaccard...")
      ->capture_default_str();
  score
      ->add_option("--cluster-containment", args.cluster_containment,
                   "...or this containment either way")
      ->capture_default_str();
  score
      ->add_option("--recall-jaccard", args.recall_jaccard,
                   "Pairs at this Jaccard should share a cluster")
      ->capture_default_str();
  score
      ->add_option("--precision-run", args.precision_run_words,
                   "A copy pair is right with a non-boilerplate run this long "
                   "(words)")
      ->capture_default_str()
      ->check(CLI::Range(5, 100000));
  score
      ->add_option("--recall-run", args.recall_run_words,
                   "A pair with a non-boilerplate run this long (words) "
                   "should be reported")
      ->capture_default_str()
      ->check(CLI::Range(5, 100000));
  CLI11_PARSE(app, argc, argv);
  return Score(args);
}
