#include "mimeo/boilerplate.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <string_view>
#include <tuple>
#include <utility>

#include "absl/strings/str_format.h"
#include "oneapi/tbb/enumerable_thread_specific.h"
#include "oneapi/tbb/parallel_for.h"

namespace mimeo {
namespace {

// Shingles are spread over 2^kPartitionBits partitions by their top bits
// (hashes are uniform), so that each partition is counted in cache.
constexpr int kPartitionBits = 12;
constexpr size_t kPartitions = size_t{1} << kPartitionBits;

size_t PartitionOf(uint64_t h) { return h >> (64 - kPartitionBits); }

// The counting filter's bytes saturate here; a larger threshold counts
// every value in the table.
constexpr uint32_t kMaxFilterCount = 255;

}  // namespace

absl::Status CommonShingles::Options::Validate() const {
  if (min_docs < 2) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "common shingles: min_docs must be at least 2, got %d", min_docs));
  }
  if (!(fraction >= 0 && fraction <= 1)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "common shingles: fraction must be in [0, 1], got %g", fraction));
  }
  return absl::OkStatus();
}

absl::StatusOr<CommonShingles> CommonShingles::Create(const Options& options) {
  if (absl::Status s = options.Validate(); !s.ok()) return s;
  return CommonShingles(options);
}

void CommonShingles::Build(
    size_t n, const std::function<absl::Span<const uint64_t>(size_t)>& set_of) {
  common_.clear();
  filter_.clear();
  filter_mask_ = 0;
  // Documents in blocks; each block counts, then scatters, its shingles
  // per partition, so that both passes run in parallel without atomics and
  // the scattered order (hence the result) does not depend on threads.
  const size_t block = std::max<size_t>(1024, (n + 255) / 256);
  const size_t num_blocks = (n + block - 1) / block;
  std::vector<uint64_t> counts(num_blocks * kPartitions, 0);
  std::vector<uint64_t> docs_of_block(num_blocks, 0);
  // Per document, whether its values ascend. Every value counts once per
  // occurrence; a list that does not ascend (mimeo-mpi counts chunks of
  // shingle occurrences as documents) is read whole in every round.
  std::vector<uint8_t> ascending(n, 1);
  tbb::parallel_for(size_t{0}, num_blocks, [&](size_t b) {
    uint64_t* c = &counts[b * kPartitions];
    for (size_t d = b * block; d < std::min(n, (b + 1) * block); ++d) {
      const absl::Span<const uint64_t> set = set_of(d);
      if (!set.empty()) ++docs_of_block[b];
      uint64_t previous = 0;
      bool ascends = true;
      for (uint64_t h : set) {
        ++c[PartitionOf(h)];
        ascends = ascends && previous <= h;
        previous = h;
      }
      ascending[d] = ascends;
    }
  });
  documents_ = 0;
  for (uint64_t d : docs_of_block) documents_ += d;
  threshold_ = std::max<uint32_t>(
      options_.min_docs,
      static_cast<uint32_t>(
          std::ceil(options_.fraction * static_cast<double>(documents_))));
  // The partitions are counted in kRounds rounds of consecutive
  // partitions, so that the scattered copy holds an eighth of the shingles
  // at a time. Offsets within a round: partition-major, block-minor. Eight
  // rounds rather than four: the same time (each round misses once more
  // on the start of every set, and the kernel clears half the pages),
  // and 35 MB less at the peak of a 100k-document clustering run;
  // sixteen took a fifth longer (bench/README.md).
  constexpr size_t kRounds = 8;
  constexpr size_t kPerRound = kPartitions / kRounds;
  std::vector<std::vector<uint64_t>> found(kPartitions);
  // The scattered round, as large as the largest round from the start:
  // grown round by round, it was given back and faulted in again each
  // time a round was larger than those before. Every value is written
  // before it is read.
  uint64_t all_size = 0;
  for (size_t round = 0; round < kRounds; ++round) {
    uint64_t total = 0;
    for (size_t p = round * kPerRound; p < (round + 1) * kPerRound; ++p) {
      for (size_t b = 0; b < num_blocks; ++b) total += counts[b * kPartitions + p];
    }
    all_size = std::max(all_size, total);
  }
  std::unique_ptr<uint64_t[]> all(new uint64_t[all_size]);
  // Per thread, a counting table reused from partition to partition: a
  // slot is in use when its stamp is the partition's, so that nothing is
  // cleared or allocated per partition (which cost more than counting).
  // Beside it, a counting filter: one saturating byte per group of values
  // that share their low bits, in cache. A value whose group is seen fewer
  // than threshold times is itself seen fewer times, so only the values of
  // groups that reach the threshold (the common ones, and the few rare ones
  // that share their group) are counted exactly in the table.
  struct Slot {
    uint64_t key;
    uint32_t seen;
    uint32_t stamp;  // the partition using it; partitions count from 1
  };
  struct Table {
    std::vector<Slot> slots;
    std::vector<uint8_t> groups;
    uint32_t partition = 0;
  };
  const bool filtered = threshold_ <= kMaxFilterCount;
  tbb::enumerable_thread_specific<Table> tables;
  std::vector<uint64_t> begin(kPerRound + 1, 0);
  // Per document, how many of its shingles the rounds so far scattered.
  std::vector<uint64_t> done(n, 0);
  for (size_t round = 0; round < kRounds; ++round) {
    const size_t p0 = round * kPerRound;
    uint64_t total = 0;
    for (size_t p = p0; p < p0 + kPerRound; ++p) {
      begin[p - p0] = total;
      for (size_t b = 0; b < num_blocks; ++b) {
        const uint64_t c = counts[b * kPartitions + p];
        counts[b * kPartitions + p] = total;
        total += c;
      }
    }
    begin[kPerRound] = total;
    // A sorted set holds a round's shingles in one stretch, the one after
    // the previous round's: each round reads only its own.
    tbb::parallel_for(size_t{0}, num_blocks, [&](size_t b) {
      // Local, unaliased pointers: through the captures, every store into
      // the scattered copy made the compiler reload the cursors and the
      // round's bounds (the scatter took a sixth longer).
      uint64_t* __restrict next = &counts[b * kPartitions];
      uint64_t* __restrict out = all.get();
      const size_t end_partition = p0 + kPerRound;
      for (size_t d = b * block; d < std::min(n, (b + 1) * block); ++d) {
        const absl::Span<const uint64_t> set = set_of(d);
        if (!ascending[d]) {
          for (uint64_t h : set) {
            const size_t p = PartitionOf(h);
            if (p - p0 < kPerRound) out[next[p]++] = h;
          }
          continue;
        }
        const uint64_t* __restrict values = set.data();
        const size_t size = set.size();
        size_t i = done[d];
        for (; i < size; ++i) {
          const uint64_t h = values[i];
          const size_t p = PartitionOf(h);
          if (p >= end_partition) break;
          out[next[p]++] = h;
        }
        done[d] = i;
      }
    });
    // Each partition is counted in a small open-addressing table (hashes
    // are uniform, so their low bits spread the slots): linear time, where
    // sorting the partitions cost about a third of a clustering run.
    tbb::parallel_for(size_t{0}, kPerRound, [&](size_t q) {
      const size_t size = begin[q + 1] - begin[q];
      if (size < threshold_) return;
      size_t slots = 16;
      while (slots < 2 * size) slots <<= 1;
      Table& t = tables.local();
      if (t.slots.size() < slots) t.slots.resize(slots, Slot{0, 0, 0});
      const uint32_t mine = ++t.partition;
      Slot* table = t.slots.data();
      // Two groups or more per value, so that rare values seldom fill one.
      const size_t groups = slots;
      uint8_t* group = nullptr;
      if (filtered) {
        if (t.groups.size() < groups) t.groups.resize(groups);
        group = t.groups.data();
        std::fill_n(group, groups, uint8_t{0});
        for (uint64_t i = begin[q]; i < begin[q + 1]; ++i) {
          uint8_t& g = group[all[i] & (groups - 1)];
          g += g < kMaxFilterCount;
        }
      }
      for (uint64_t i = begin[q]; i < begin[q + 1]; ++i) {
        const uint64_t h = all[i];
        if (filtered && group[h & (groups - 1)] < threshold_) continue;
        size_t at = h & (slots - 1);
        while (table[at].stamp == mine && table[at].key != h) {
          at = (at + 1) & (slots - 1);
        }
        Slot& slot = table[at];
        if (slot.stamp != mine) slot = Slot{h, 0, mine};
        if (++slot.seen == threshold_) found[p0 + q].push_back(h);
      }
    });
  }
  all.reset();
  size_t num_common = 0;
  for (const auto& f : found) num_common += f.size();
  common_.reserve(num_common);
  for (const auto& f : found) common_.insert(f.begin(), f.end());
  BuildFilter();
}

void CommonShingles::BuildFilter() {
  filter_.clear();
  filter_mask_ = 0;
  if (common_.empty()) return;
  size_t bits = 1 << 12;
  while (bits < 16 * common_.size()) bits <<= 1;
  filter_.assign(bits / 64, 0);
  filter_mask_ = bits - 1;
  for (uint64_t h : common_) {
    const uint64_t bit = h & filter_mask_;
    filter_[bit >> 6] |= uint64_t{1} << (bit & 63);
  }
}

absl::StatusOr<CommonShingles> CommonShingles::Restore(
    const Options& options, uint32_t threshold, uint64_t documents,
    absl::Span<const uint64_t> sorted) {
  if (absl::Status s = options.Validate(); !s.ok()) return s;
  for (size_t i = 1; i < sorted.size(); ++i) {
    if (sorted[i - 1] >= sorted[i]) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "common shingles: value %d of %d does not ascend", i, sorted.size()));
    }
  }
  CommonShingles model(options);
  model.threshold_ = threshold;
  model.documents_ = documents;
  model.common_.reserve(sorted.size());
  model.common_.insert(sorted.begin(), sorted.end());
  model.BuildFilter();
  return model;
}

std::vector<uint64_t> CommonShingles::Sorted() const {
  std::vector<uint64_t> out(common_.begin(), common_.end());
  std::sort(out.begin(), out.end());
  return out;
}

std::string_view BoilerplateName(Boilerplate b) {
  switch (b) {
    case Boilerplate::kNone:
      return "none";
    case Boilerplate::kMarkup:
      return "markup";
    case Boilerplate::kWidespread:
      return "widespread";
    case Boilerplate::kEdge:
      return "edge";
    case Boilerplate::kPhrase:
      return "phrase";
    case Boilerplate::kTemplate:
      return "template";
  }
  return "none";
}

absl::Status PassageJudge::Options::Validate() const {
  if (common_min_docs < 2 || widespread_min_docs < 2) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "passage judge: common_min_docs and widespread_min_docs must be at "
        "least 2 (a passage in one document is not shared), got %d and %d",
        common_min_docs, widespread_min_docs));
  }
  if (!(common_fraction >= 0 && common_fraction <= 1) ||
      !(widespread_fraction >= 0 && widespread_fraction <= 1)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "passage judge: common_fraction and widespread_fraction must be in "
        "[0, 1], got %g and %g",
        common_fraction, widespread_fraction));
  }
  if (!(template_sources >= 0 && template_sources <= 1)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "passage judge: template_sources must be in [0, 1], got %g",
        template_sources));
  }
  if (burst_seconds < 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "passage judge: burst_seconds must be at least 0 (0 is off), got %d",
        burst_seconds));
  }
  if (burst_widespread_docs != 0 && burst_widespread_docs < 2) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "passage judge: burst_widespread_docs must be 0 (off) or at least "
        "2, got %d",
        burst_widespread_docs));
  }
  if (!(junk_share >= 0 && junk_share <= 1)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "passage judge: junk_share must be in [0, 1], got %g", junk_share));
  }
  return absl::OkStatus();
}

absl::StatusOr<PassageJudge> PassageJudge::Create(const Options& options) {
  if (absl::Status s = options.Validate(); !s.ok()) return s;
  return PassageJudge(options);
}

namespace {
uint32_t AtLeast(uint32_t min_docs, double fraction, uint64_t num_docs) {
  return std::max<uint32_t>(
      min_docs,
      static_cast<uint32_t>(std::min<double>(
          std::ceil(fraction * static_cast<double>(num_docs)), 0xFFFFFFFFu)));
}
}  // namespace

uint32_t PassageJudge::CommonThreshold(uint64_t num_docs) const {
  return AtLeast(options_.common_min_docs, options_.common_fraction, num_docs);
}

uint32_t PassageJudge::WidespreadThreshold(uint64_t num_docs) const {
  return AtLeast(options_.widespread_min_docs, options_.widespread_fraction,
                 num_docs);
}

uint32_t PassageJudge::BurstWidespreadThreshold(uint64_t num_docs) const {
  const uint32_t wide = WidespreadThreshold(num_docs);
  if (options_.burst_seconds <= 0) return wide;
  const uint64_t eighth = (num_docs + 7) / 8;
  return std::max<uint32_t>(
      wide, static_cast<uint32_t>(std::min<uint64_t>(
                eighth, options_.burst_widespread_docs)));
}

uint32_t PassageJudge::TemplateThreshold(uint32_t sources,
                                         uint32_t cap) const {
  if (options_.template_sources <= 0) return cap;
  const double by_sources =
      std::ceil(static_cast<double>(sources) / options_.template_sources);
  uint32_t docs = static_cast<uint32_t>(std::min<double>(
      std::max<double>(options_.widespread_min_docs, by_sources), cap));
  // The division may round either way of IsTemplate's product.
  while (docs < cap && !IsTemplate(docs, sources)) ++docs;
  while (docs > options_.widespread_min_docs && IsTemplate(docs - 1, sources)) {
    --docs;
  }
  return docs;
}

Boilerplate PassageJudge::Judge(const PassageFacts& f,
                                uint64_t num_docs) const {
  if (f.tokens > 0 && f.junk_share >= options_.junk_share &&
      f.doc_frequency >= CommonThreshold(num_docs) && !f.whole_pair) {
    return Boilerplate::kMarkup;
  }
  // A story many sources printed at once is widespread only from
  // BurstWidespreadThreshold (the engine counts such fingerprints in
  // burst_share only when their holders come from two sources or more).
  if (f.doc_frequency >= WidespreadThreshold(num_docs) &&
      !(f.burst_share >= 0.5 &&
        f.doc_frequency < BurstWidespreadThreshold(num_docs))) {
    return Boilerplate::kWidespread;
  }
  if (f.template_share >= 0.5) return Boilerplate::kTemplate;
  if (f.pair_tokens >= options_.long_tokens || f.whole_pair) {
    return Boilerplate::kNone;
  }
  if (f.doc_frequency >= CommonThreshold(num_docs)) {
    if (f.same_edge) return Boilerplate::kEdge;
    if (f.tokens < options_.phrase_tokens) return Boilerplate::kPhrase;
  }
  // All the pair shares of its own is shorter than a phrase: a set phrase
  // of its kind of text ("said it has no plans to seek control of", "It is
  // an error to call this function"), a name or debris, however few
  // documents hold it.
  if (f.pair_tokens < options_.phrase_tokens) return Boilerplate::kPhrase;
  // Its shingles are common because many printed it at once.
  if (f.burst_share >= 0.5 && f.tokens >= options_.phrase_tokens) {
    return Boilerplate::kNone;
  }
  // Partly made of common shingles, and what is left is shorter than a
  // phrase: a stock line whatever its fingerprints.
  if (f.rare_run_tokens < f.tokens &&
      f.rare_run_tokens < options_.phrase_tokens) {
    return Boilerplate::kPhrase;
  }
  return Boilerplate::kNone;
}

void CommonShingles::CommonOf(absl::Span<const uint64_t> set,
                              std::vector<uint64_t>& out) const {
  if (common_.empty()) return;
  for (uint64_t h : set) {
    if (MayBeCommon(h) && common_.contains(h)) out.push_back(h);
  }
}

namespace {

// Numbers, single letters, and two characters one of which is a digit.
bool IsJunkWord(std::string_view w) {
  if (w.empty()) return false;
  bool digits = true, any_digit = false;
  for (char c : w) {
    const bool d = c >= '0' && c <= '9';
    digits = digits && d;
    any_digit = any_digit || d;
  }
  if (digits) return true;
  if (w.size() == 1) return static_cast<unsigned char>(w[0]) < 0x80;
  return w.size() == 2 && any_digit;
}

// A run of text without spaces longer than this is markup or an encoded
// blob whatever it holds; the scan for its ends stops there.
constexpr size_t kLongestWord = 4096;

// Whether a run of text without spaces is markup or an address (see
// JunkShare in the header).
bool IsMarkupRun(std::string_view run) {
  if (run.empty()) return false;
  if (run.size() >= kLongestWord) return true;
  if (run.find("://") != run.npos || run.find('=') != run.npos ||
      run.find("</") != run.npos || run.find("/>") != run.npos) {
    return true;
  }
  if (std::count(run.begin(), run.end(), '/') >= 2) return true;
  return run.front() == '<' && run.find('@') == run.npos;
}

// The run of text without spaces around text[begin, end) (a token): it
// ends at a space, at a letter of a script written without spaces, or
// kLongestWord bytes away from the token.
std::pair<size_t, size_t> RunAround(std::string_view text, size_t begin,
                                    size_t end) {
  // Letters of scripts written without spaces (tokenize.h) end a run as a
  // space does: a paragraph in those scripts may hold no space at all, and
  // its letters are never part of markup.
  if (UnspacedLetterAt(text, begin) > 0) return {begin, end};
  size_t run_begin = begin;
  while (run_begin > 0 && begin - run_begin < kLongestWord) {
    const unsigned char c = static_cast<unsigned char>(text[run_begin - 1]);
    if (c == ' ') break;
    if (c < 0x80) {
      --run_begin;
      continue;
    }
    // The start of the code point before: at most three continuation
    // bytes back.
    size_t start = run_begin - 1;
    while (start > 0 && run_begin - start < 4 &&
           (static_cast<unsigned char>(text[start]) & 0xc0) == 0x80) {
      --start;
    }
    if (UnspacedLetterAt(text, start) == run_begin - start) break;
    run_begin = start;
  }
  size_t run_end = end;
  while (run_end < text.size() && run_end - end < kLongestWord &&
         text[run_end] != ' ' && UnspacedLetterAt(text, run_end) == 0) {
    ++run_end;
  }
  return {run_begin, run_end};
}

}  // namespace

double JunkShare(std::string_view text, absl::Span<const Token> tokens) {
  if (tokens.empty()) return 0;
  size_t units = 0, junk = 0;
  // The run without spaces around the last token looked at, and whether it
  // is markup: tokens come in order, so each run is classified, and counted
  // when it is markup, once.
  size_t run_begin = 0, run_end = 0;
  bool run_markup = false;
  for (const Token& tok : tokens) {
    const size_t begin = std::min<size_t>(tok.begin, text.size());
    const size_t end = std::clamp<size_t>(tok.end, begin, text.size());
    if (begin >= run_end || begin < run_begin) {
      std::tie(run_begin, run_end) = RunAround(text, begin, end);
      run_markup = IsMarkupRun(text.substr(run_begin, run_end - run_begin));
      if (run_markup) {
        ++units;
        ++junk;
      }
    }
    if (!run_markup) {
      ++units;
      junk += IsJunkWord(text.substr(begin, end - begin));
    }
  }
  return static_cast<double>(junk) / static_cast<double>(units);
}

}  // namespace mimeo
