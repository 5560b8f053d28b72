// Boilerplate for near-duplicates: the shingles many documents share.
//
// Real collections repeat text that nobody copied from anyone: list
// footers, signatures, licence paragraphs, navigation, cookie notices.
// Two pages sharing such text are not versions of one page, yet on whole
// shingle sets they look alike: a short message that is mostly a footer is
// "contained" in every message carrying the footer, and chains them all
// into one cluster.
//
// CommonShingles counts, exactly, in how many documents each shingle
// occurs, and calls a shingle common when at least
//
//     max(min_docs, ceil(fraction * N))
//
// of the N documents counted hold it. The Verifier (verify.h) then measures
// every pair also on its rare shingles alone, so that only text few
// documents carry makes two documents versions of each other, while a pair
// that is mostly the same text overall is a near-duplicate whatever that
// text is (a spam run, the same template page twice).
//
// Document frequency alone cannot tell a template from a story many
// outlets reprinted. For near-duplicates it need not: two reprints of one
// story share most of their text, which the whole-set rule sees. For
// shared passages, where it must, PassageJudge (below) weighs more
// signals.
//
// Counting is exact and parallel: every shingle of every set is
// partitioned by its top bits and counted per partition, a quarter of the
// partitions at a time, so a build costs a few passes over the sets and
// about 2 bytes per shingle of temporary memory, and the result holds only
// the common shingles. Within a partition a saturating byte counter per
// group of values (a counting filter in cache) passes on to the exact
// count only values whose group reaches the threshold: the common ones
// and a few rare ones beside them.
//
// Thread safety: Build() needs exclusive access; the const methods may run
// concurrently.
#ifndef MIMEO_BOILERPLATE_H_
#define MIMEO_BOILERPLATE_H_

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "mimeo/tokenize.h"

namespace mimeo {

class CommonShingles {
 public:
  struct Options {
    // A shingle is common when at least max(min_docs, ceil(fraction * N))
    // documents hold it. Defaults 20 and 0: a 5-word phrase in twenty
    // unrelated documents is evidence of a template or a stock phrase, not
    // of copying (bench/README.md shows the plateau this sits on). At
    // least 2.
    uint32_t min_docs = 20;
    double fraction = 0;

    absl::Status Validate() const;
  };

  // An empty model: nothing is common.
  static absl::StatusOr<CommonShingles> Create(const Options& options);

  // Counts the shingle sets of documents 0 .. n - 1, replacing what was
  // counted before. `set_of(i)` gives document i's set (sorted, distinct;
  // empty for a removed document, which then does not count towards N)
  // and must be safe to call from many threads. Runs on the calling
  // thread's task arena. Each value counts once per occurrence: a list
  // that is not sorted or repeats values is counted so too (mimeo-mpi
  // counts chunks of shingle occurrences), at the cost of reading it
  // whole in each of the four rounds where a sorted set is read once.
  void Build(size_t n,
             const std::function<absl::Span<const uint64_t>(size_t)>& set_of);

  // A model as a Build() left it, from what Sorted(), threshold() and
  // documents() gave (an index on disk keeps Query()'s model so). Fails
  // when `sorted` does not ascend strictly or the options are invalid.
  static absl::StatusOr<CommonShingles> Restore(
      const Options& options, uint32_t threshold, uint64_t documents,
      absl::Span<const uint64_t> sorted);
  // The common shingles, ascending.
  std::vector<uint64_t> Sorted() const;

  bool IsCommon(uint64_t shingle) const {
    return MayBeCommon(shingle) && common_.contains(shingle);
  }
  // Appends the common shingles of `set` to `out`, in the set's order.
  void CommonOf(absl::Span<const uint64_t> set,
                std::vector<uint64_t>& out) const;

  // The smallest document frequency that is common, for the last Build().
  uint32_t threshold() const { return threshold_; }
  // Documents counted by the last Build() (those with a non-empty set).
  uint64_t documents() const { return documents_; }
  // Common shingles found.
  size_t size() const { return common_.size(); }
  const Options& options() const { return options_; }

 private:
  explicit CommonShingles(const Options& options) : options_(options) {}
  // Sets the filter's bits for common_.
  void BuildFilter();

  // The filter's bit for a shingle is clear when the shingle is not
  // common: most shingles are rare, and the filter (16 bits per common
  // shingle, in cache) answers them without a probe of the set.
  bool MayBeCommon(uint64_t shingle) const {
    if (filter_.empty()) return false;
    const uint64_t bit = shingle & filter_mask_;
    return (filter_[bit >> 6] >> (bit & 63)) & 1;
  }

  Options options_;
  absl::flat_hash_set<uint64_t> common_;
  std::vector<uint64_t> filter_;  // empty when nothing is common
  uint64_t filter_mask_ = 0;
  uint32_t threshold_ = 0;
  uint64_t documents_ = 0;
};

// Boilerplate for shared copy: is a passage two documents share copy?
//
// A list footer is on hundreds of messages; a wire quote is in the ten
// outlets that printed it. Both repeat, so how many documents hold a
// passage cannot decide alone. What does, measured on the corpora in
// bench/README.md:
//
//   * where it sits: footers, signatures, headers and navigation sit at
//     the same edge of both documents (the last or first few tokens of
//     each); quotes and reprinted paragraphs sit anywhere;
//   * how widely it repeats: a passage in a large share of everything
//     (licence text on hundreds of files, a template on every page) is not
//     evidence that one document copied another, however long;
//   * whether it repeats within a source or across sources: text on many
//     pages of one site, many messages of one list, is their template;
//     text that many outlets hold is a story they printed (passim reports
//     reuse between different series only). Where sources are unknown, all
//     documents are one source, and text on widespread_min_docs documents
//     is a template;
//   * when it was printed, where documents are dated: a story reprinted by
//     many comes in a burst of days, a template persists over the
//     collection's months (Options::burst_seconds). Where sources are
//     known, a burst on one source's documents is its template still (a
//     site's holiday notice), a burst across two sources or more is a
//     story they printed (a story forwarded to several lists in a week);
//   * what it is made of: common runs of numbers, single letters, markup
//     and addresses (table cells, quoted-printable escapes, the HTML of a
//     sponsor list or badge row pasted into many READMEs, URLs, paths) are
//     not text anyone copies (a table two documents alone share may be);
//   * how long it is: a common passage of a few words is a stock phrase
//     (a version note, a standard sentence), a common passage of forty a
//     quote; so is a passage partly made of shingles on many documents
//     whose rarer part is a few words ("Bump Standards-Version to 4.5.0"),
//     and so is whatever a pair shares when all it shares is under a
//     phrase, however rare ("said it has no plans to seek control of");
//   * how much the pair shares of its own: documents sharing a long
//     stretch of text are copies, whatever the stretch is made of, unless
//     it is widespread, and so are documents sharing 50 tokens of text few
//     others hold, with the stock lines between; a dozen stock lines
//     (sign-offs, release headers) add up to nothing; and two documents
//     whose passages cover all of both but
//     their ends are copies of one short text, not two texts sharing a
//     footer, a stock phrase or debris.
//
// The Engine cuts a passage around the widespread stretches inside it
// and judges the pieces alone: the copyright lines above a licence are
// copy, the licence is not. Where, from its first piece of copy to its
// last, the copy holds at least half the text, that stretch is one passage
// of copy: copied text with a few stock lines inside (two packages'
// identical changelogs), not pieces between them.
//
// A passage's document frequency is the median, over the fingerprints
// chosen inside it (winnow.h), of the documents holding each.
enum class Boilerplate : uint8_t {
  kNone = 0,    // copy
  kMarkup,      // common, and mostly numbers, single letters, markup debris
  kWidespread,  // held by at least widespread_min_docs documents
  kEdge,        // common, and at the same edge of both documents
  kPhrase,      // a short common passage (or a passage whose rare part is
                // short), where the pair shares little
  kTemplate,    // on widespread_min_docs documents, from few sources, and
                // not in a burst of dates
};
// "none", "markup", "widespread", "edge", "phrase", "template".
std::string_view BoilerplateName(Boilerplate b);

// What PassageJudge looks at, measured by the caller.
struct PassageFacts {
  // Lengths here are in words: tokens, but letters of scripts written
  // without spaces weigh 1 / Aligner::Options::letters_per_word (WordsIn
  // in align.h), as in the shortest passage.
  //
  // Tokens of the passage; and what the pair shares of its own: the
  // tokens of its passages that are not common (held by fewer documents
  // than the common threshold), or of this passage if more. Stock lines (a
  // maintainer's sign-off, a release header) add up to nothing however
  // many a pair shares; beside a long passage of their own, they are copy.
  uint32_t tokens = 0;
  uint32_t pair_tokens = 0;
  // Median document frequency of the passage's own fingerprints, the two
  // documents included; 0 when it is too short to have any.
  uint32_t doc_frequency = 0;
  // At the start of both documents, or at the end of both, within
  // PassageJudge::Options::edge_tokens, not counting text the two share
  // that is widespread, template or markup (a credit line followed on
  // both by the same stock licence paragraph is at the end).
  bool same_edge = false;
  // The pair's passages, boilerplate included, cover both documents but
  // for two edges' worth of tokens, and at least two edges' worth of each:
  // they are copies of one (short) text, not two texts sharing a footer, a
  // stock phrase or markup debris. Only widespread and template text is
  // boilerplate in such a pair. (A text shorter than its two edges is all
  // edges: a form filling two dividend notices does not make them copies.)
  bool whole_pair = false;
  // Share of its tokens that are junk (JunkShare below): numbers, single
  // letters, two-character tokens with a digit, and the words of markup
  // and addresses.
  double junk_share = 0;
  // The longest run of its tokens covered by consecutive shingles that are
  // not common (CommonShingles): "Bump Standards-Version to 4.5.0" is ten
  // tokens, but its last shingles are on hundreds of changelogs. Unknown
  // (the default) counts as the whole passage.
  uint32_t rare_run_tokens = UINT32_MAX;
  // Share of its fingerprints that are template text (held by at least
  // widespread_min_docs documents, the two included, from at most
  // PassageJudge::Options::template_sources of them in distinct sources)
  // or widespread.
  double template_share = 0;
  // Share of its common fingerprints (held by at least the common
  // threshold of documents, and not widespread; or widespread, below
  // BurstWidespreadThreshold, and held in two sources or more) whose
  // holders are dated in a burst (PassageJudge::IsBurst): at least half,
  // and the passage is a story many printed at once, copy however common
  // its shingles, unless held by BurstWidespreadThreshold documents. 0
  // when the documents are undated.
  double burst_share = 0;
};

// How much of a passage is junk, text nobody copies for its words: the
// share of its units that are junk, where a unit is a token, or a whole
// run of text without spaces that is markup (so a link in a sentence
// weighs as one word, not as the eight tokens of its address):
//
//   * a markup run holds "://", '=', "</" or "/>", two or more '/', or
//     starts with '<' and holds no '@': all of
//     `<a href="https://example.org/x/sponsor/0/website">` is three junk
//     units, and a path like /usr/share/doc one, while "and/or" and the
//     address in "Jane Doe <jane@example.org>" are words;
//   * other tokens are junk when they are numbers, single letters, or two
//     characters one of which is a digit: table cells and quoted-printable
//     escapes ("=3D" is the token "3d"); words with digits inside ("mp3",
//     "covid19") are words.
//
// A run ends at a space or at a letter of a script written without spaces
// (tokenize.h): a Chinese paragraph may hold no space at all, and a date
// or a link in it is one junk unit, its letters words.
//
// `tokens` are tokens of `text` (normalized, so runs of whitespace are one
// space), in order. 0 when `tokens` is empty.
double JunkShare(std::string_view text, absl::Span<const Token> tokens);

class PassageJudge {
 public:
  struct Options {
    // Common: held by at least max(common_min_docs, ceil(common_fraction *
    // N)) of N documents. Defaults 5 and 0.1%.
    uint32_t common_min_docs = 5;
    double common_fraction = 0.001;
    // Widespread: held by at least max(widespread_min_docs,
    // ceil(widespread_fraction * N)). Defaults 20 and 1%.
    uint32_t widespread_min_docs = 20;
    double widespread_fraction = 0.01;
    // Template text: held by at least widespread_min_docs documents that
    // come from at most this share as many distinct sources (each source
    // holding it twice on average at 0.5). A story printed by 30 outlets
    // is copy; a sentence on 30 pages of one or two sites is a template.
    // Default 0.5; 0 turns the rule off, so that only the fraction above
    // makes text widespread.
    double template_sources = 0.5;
    // Reprints come in bursts; templates persist. Where documents are
    // dated (Document::date, taken as seconds), text that is template by
    // the rule above is a story many printed at once, not a template, when
    // the dates of all the documents holding it lie within this many
    // seconds of each other and within an eighth of the span of the
    // collection's dates: a wire story that thirty outlets printed in two
    // days, a press release many sites carried that week; a list footer on
    // messages of a year is not, nor the footer of a collection that spans
    // a week. (The eighth keeps the rule sound whatever the dates count:
    // with days, it alone applies.) Where sources are known, the holders
    // must come from two sources or more: a burst on one site's pages is
    // its template. Default 7 days; 0 turns the rule off. Widespread text
    // stays widespread, but for the rule below.
    int64_t burst_seconds = 7 * 86400;
    // A story printed at once by many outlets may be held by more than
    // the widespread threshold's documents in a small collection: thirty
    // sites' reprints of one wire story among 1,000 pages. Text in a burst
    // (above) whose holders come from two sources or more is widespread
    // only when held by BurstWidespreadThreshold() documents: the larger
    // of the widespread threshold and the smaller of this many and an
    // eighth of the collection. Where sources are unknown, it stays
    // widespread. Default 100 (the fingerprint index's max_postings: text
    // on more documents proposes no pair); 0 turns the rule off.
    uint32_t burst_widespread_docs = 100;
    // A pair sharing at least this many tokens of its own
    // (PassageFacts::pair_tokens) is copy unless its passages are
    // widespread, template or markup. Default 50.
    uint32_t long_tokens = 50;
    // How near an edge counts as at the edge, in words (as WordsIn in
    // align.h counts them: two letters of a script written without spaces
    // weigh a word). Default 10.
    uint32_t edge_tokens = 10;
    // In a pair sharing less than long_tokens of its own, a common passage
    // shorter than this, or a passage partly made of common shingles whose
    // longest run of the others is shorter than this, is a stock phrase
    // ("Changed in version 3.5: Added support for"), not a quote. So is
    // any passage of a pair that shares fewer tokens than this of its own
    // in all, however rare: read by eye on 20 corpora, five in six such
    // pairs share a set phrase of their kind of text ("said it has no
    // plans to seek control of"), a name or debris (bench/README.md,
    // "Pairs that share a few words"). A quote of ten words or more, as
    // the seeds' eleven, stays copy. Default 10.
    uint32_t phrase_tokens = 10;
    // Passages with at least this share of junk tokens are markup.
    // Default 0.5.
    double junk_share = 0.5;

    absl::Status Validate() const;
  };

  static absl::StatusOr<PassageJudge> Create(const Options& options);

  // The verdict on a passage shared within a collection of `num_docs`
  // documents. A passage held by the widespread threshold's documents is
  // kWidespread, unless held in a burst (burst_share >= 0.5) by fewer
  // than BurstWidespreadThreshold. A passage at least half made of
  // template fingerprints is
  // kTemplate. A common passage held in a burst (burst_share >= 0.5) is
  // copy unless it is markup, widespread, at the same edge of both, or
  // shorter than a phrase: a quote that many outlets printed in a week, not
  // an outlet's footer nor the catchphrase of the week's news.
  Boilerplate Judge(const PassageFacts& facts, uint64_t num_docs) const;

  uint32_t CommonThreshold(uint64_t num_docs) const;
  uint32_t WidespreadThreshold(uint64_t num_docs) const;
  // Held by this many documents, text printed in a burst across sources
  // is widespread (see Options::burst_widespread_docs); the widespread
  // threshold when bursts are off.
  uint32_t BurstWidespreadThreshold(uint64_t num_docs) const;
  // Is text held by `docs` documents from `sources` distinct sources a
  // template (see Options::template_sources)?
  bool IsTemplate(uint32_t docs, uint32_t sources) const {
    return docs >= options_.widespread_min_docs &&
           static_cast<double>(sources) <=
               options_.template_sources * static_cast<double>(docs);
  }
  // The fewest documents from which text held in `sources` distinct
  // sources is a template (IsTemplate), at most `cap`; `cap` when the rule
  // is off (template_sources 0) or needs more.
  uint32_t TemplateThreshold(uint32_t sources, uint32_t cap) const;
  // Is text whose holders are dated over `holders_span` (latest minus
  // earliest date) in a collection dated over `collection_span` a burst
  // (see Options::burst_seconds)?
  bool IsBurst(int64_t holders_span, int64_t collection_span) const {
    return holders_span >= 0 && holders_span <= BurstLimit(collection_span);
  }
  // The longest span of holders' dates that is a burst in a collection
  // dated over `collection_span`; -1 when none is.
  int64_t BurstLimit(int64_t collection_span) const {
    if (options_.burst_seconds <= 0 || collection_span <= 0) return -1;
    return std::min(options_.burst_seconds, (collection_span - 1) / 8);
  }
  const Options& options() const { return options_; }

 private:
  explicit PassageJudge(const Options& options) : options_(options) {}
  Options options_;
};

}  // namespace mimeo

#endif  // MIMEO_BOILERPLATE_H_
