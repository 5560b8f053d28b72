#include "mimeo/align.h"

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_format.h"
#include "internal/status_macros.h"

namespace mimeo {

namespace {

// A run of consecutive shared shingles: A's [a, a + length) equal B's
// [b, b + length).
struct Run {
  uint32_t a;
  uint32_t b;
  uint32_t length;
};

// A passage being built, in token coordinates.
struct Span {
  uint32_t a0, a1, b0, b1;
  uint32_t shared;
};

// At most this many passages are open for merging at once; beyond it the
// oldest is closed. Bounds the work on pathological, highly repetitive
// pairs.
constexpr size_t kMaxOpen = 256;

}  // namespace

absl::Status Aligner::Options::Validate() const {
  if (min_passage_tokens < 1) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "min_passage_tokens must be at least 1, got %d", min_passage_tokens));
  }
  if (max_gap_tokens < 0 || max_gap_tokens > 1000) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "max_gap_tokens must be in [0, 1000], got %d", max_gap_tokens));
  }
  if (letters_per_word < 1 || letters_per_word > 16) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "letters_per_word must be in [1, 16], got %d", letters_per_word));
  }
  if (max_repeats < 1) {
    return absl::InvalidArgumentError(
        absl::StrFormat("max_repeats must be at least 1, got %d", max_repeats));
  }
  return absl::OkStatus();
}

absl::StatusOr<Aligner> Aligner::Create(const Options& options,
                                        const Normalizer::Options& normalize,
                                        const Tokenizer::Options& tokenize,
                                        const Shingler::Options& shingle) {
  RETURN_IF_ERROR(options.Validate());
  Normalizer::Options n = normalize;
  n.keep_offsets = true;
  ASSIGN_OR_RETURN(Normalizer normalizer, Normalizer::Create(n));
  ASSIGN_OR_RETURN(Tokenizer tokenizer, Tokenizer::Create(tokenize));
  ASSIGN_OR_RETURN(Shingler shingler, Shingler::Create(shingle));
  return Aligner(options, std::move(normalizer), std::move(tokenizer),
                 std::move(shingler));
}

namespace {

// Fills `out` as AlignedText::unspaced says, or empties it when no token
// is such a letter.
void CountUnspaced(std::string_view text, const std::vector<Token>& tokens,
                   std::vector<uint32_t>& out) {
  out.clear();
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (UnspacedLetterAt(text, tokens[i].begin) == 0) continue;
    if (out.empty()) out.assign(i + 1, 0);
    out.resize(i + 1, out.back());
    out.push_back(out.back() + 1);
  }
  if (!out.empty()) out.resize(tokens.size() + 1, out.back());
}

}  // namespace

uint32_t WordsIn(const AlignedText& text, uint32_t t0, uint32_t t1,
                 int letters_per_word) {
  if (text.unspaced.empty() || letters_per_word <= 1 || t1 <= t0 ||
      t1 >= text.unspaced.size()) {
    return t1 > t0 ? t1 - t0 : 0;
  }
  const uint32_t letters = text.unspaced[t1] - text.unspaced[t0];
  return t1 - t0 - letters +
         letters / static_cast<uint32_t>(letters_per_word);
}

absl::Status Aligner::Prepare(std::string_view text, AlignedText& out) const {
  out.seeds.built_ = false;
  RETURN_IF_ERROR(normalizer_.Normalize(text, out.normalized));
  tokenizer_.Tokenize(out.normalized.text, out.tokens);
  CountUnspaced(out.normalized.text, out.tokens, out.unspaced);
  shingler_.Shingle(out.normalized.text, out.tokens, out.shingles);
  return absl::OkStatus();
}

void Aligner::BuildSeeds(const Shingles& sa, SeedIndex& out) const {
  std::vector<std::pair<uint64_t, uint32_t>> by_hash(sa.size());
  for (uint32_t i = 0; i < sa.size(); ++i) by_hash[i] = {sa.hashes[i], i};
  std::sort(by_hash.begin(), by_hash.end());
  out.positions_.resize(by_hash.size());
  for (size_t i = 0; i < by_hash.size(); ++i) {
    out.positions_[i] = by_hash[i].second;
  }
  out.where_.clear();
  out.where_.reserve(by_hash.size());
  // At least 8 slots a shingle, and 64 in all; a power of two.
  const int bits = static_cast<int>(
      std::bit_width(std::max<size_t>(by_hash.size() * 8, 64) - 1));
  out.filter_shift_ = 64 - bits;
  out.filter_.assign(size_t{1} << (bits - 6), 0);
  for (uint32_t i = 0; i < by_hash.size();) {
    uint32_t j = i;
    while (j < by_hash.size() && by_hash[j].first == by_hash[i].first) ++j;
    if (j - i <= static_cast<uint32_t>(options_.max_repeats)) {
      const uint64_t hash = by_hash[i].first;
      out.where_[hash] = {i, j};
      const uint64_t slot = out.FilterSlot(hash);
      out.filter_[slot >> 6] |= uint64_t{1} << (slot & 63);
    }
    i = j;
  }
  out.built_ = true;
}

void Aligner::IndexSeeds(AlignedText& a) const { BuildSeeds(a.shingles, a.seeds); }

std::vector<Passage> Aligner::Align(const AlignedText& a,
                                    const AlignedText& b) const {
  std::vector<Passage> out;
  const Shingles& sa = a.shingles;
  const Shingles& sb = b.shingles;
  if (sa.size() == 0 || sb.size() == 0) return out;

  // 1. Where each hash occurs in A.
  SeedIndex local;
  if (!a.seeds.built()) BuildSeeds(sa, local);
  const SeedIndex& seeds = a.seeds.built() ? a.seeds : local;

  // 2. Runs along diagonals. `active` maps a diagonal to the run that
  // ended at the previous shingle of B on it.
  std::vector<Run> runs;
  absl::flat_hash_map<int64_t, uint32_t> active;
  for (uint32_t j = 0; j < sb.size(); ++j) {
    if (!seeds.MayHold(sb.hashes[j])) continue;
    auto it = seeds.where_.find(sb.hashes[j]);
    if (it == seeds.where_.end()) continue;
    for (uint32_t p = it->second.first; p < it->second.second; ++p) {
      const uint32_t i = seeds.positions_[p];
      const int64_t d = int64_t{i} - int64_t{j};
      auto [slot, inserted] = active.try_emplace(d, 0);
      if (!inserted) {
        Run& r = runs[slot->second];
        if (r.b + r.length == j) {
          ++r.length;
          continue;
        }
      }
      slot->second = static_cast<uint32_t>(runs.size());
      runs.push_back({i, j, 1});
    }
  }
  if (runs.empty()) return out;

  // 3. Runs to token spans, merged across small gaps.
  const uint32_t ka = sa.tokens_per_shingle;
  const uint32_t kb = sb.tokens_per_shingle;
  std::vector<Span> spans;
  spans.reserve(runs.size());
  for (const Run& r : runs) {
    const uint32_t a0 = sa.first_token[r.a];
    const uint32_t b0 = sb.first_token[r.b];
    spans.push_back({a0, sa.first_token[r.a + r.length - 1] + ka, b0,
                     sb.first_token[r.b + r.length - 1] + kb, r.length});
  }
  std::sort(spans.begin(), spans.end(), [](const Span& x, const Span& y) {
    return x.a0 != y.a0 ? x.a0 < y.a0 : x.b0 < y.b0;
  });
  const int64_t gap = options_.max_gap_tokens;
  std::vector<Span> open;
  std::vector<Span> done;
  for (const Span& s : spans) {
    // Close passages that no later span (a0 only grows) can reach.
    for (size_t i = 0; i < open.size();) {
      if (int64_t{open[i].a1} + gap < int64_t{s.a0}) {
        done.push_back(open[i]);
        open[i] = open.back();
        open.pop_back();
      } else {
        ++i;
      }
    }
    bool merged = false;
    for (size_t i = open.size(); i-- > 0;) {
      Span& p = open[i];
      const int64_t drift = (int64_t{s.a0} - s.b0) - (int64_t{p.a1} - p.b1);
      if (s.b0 >= p.b0 && int64_t{s.b0} <= int64_t{p.b1} + gap &&
          std::llabs(drift) <= gap) {
        p.a1 = std::max(p.a1, s.a1);
        p.b1 = std::max(p.b1, s.b1);
        p.shared += s.shared;
        merged = true;
        break;
      }
    }
    if (!merged) {
      if (open.size() == kMaxOpen) {
        done.push_back(open.front());
        open.erase(open.begin());
      }
      open.push_back(s);
    }
  }
  done.insert(done.end(), open.begin(), open.end());

  // 4. Long enough, and not inside kept passages in both texts.
  const uint32_t min_len = static_cast<uint32_t>(options_.min_passage_tokens);
  std::vector<Span> kept;
  for (const Span& s : done) {
    if (s.a1 - s.a0 >= min_len && s.b1 - s.b0 >= min_len &&
        WordsIn(a, s.a0, s.a1, options_.letters_per_word) >= min_len &&
        WordsIn(b, s.b0, s.b1, options_.letters_per_word) >= min_len) {
      kept.push_back(s);
    }
  }
  std::sort(kept.begin(), kept.end(), [](const Span& x, const Span& y) {
    const uint32_t lx = x.a1 - x.a0, ly = y.a1 - y.a0;
    if (lx != ly) return lx > ly;
    return x.a0 != y.a0 ? x.a0 < y.a0 : x.b0 < y.b0;
  });
  // A passage is dropped when its text in A lies inside a kept passage's
  // and its text in B inside a kept passage's, the same one or another:
  // text both documents repeat (a code sample, a table row) would otherwise
  // pair every occurrence in A with every occurrence in B.
  std::vector<Span> final_spans;
  for (const Span& s : kept) {
    bool in_a = false, in_b = false;
    for (const Span& t : final_spans) {
      in_a = in_a || (t.a0 <= s.a0 && s.a1 <= t.a1);
      in_b = in_b || (t.b0 <= s.b0 && s.b1 <= t.b1);
      if (in_a && in_b) break;
    }
    if (!(in_a && in_b)) final_spans.push_back(s);
  }
  std::sort(final_spans.begin(), final_spans.end(),
            [](const Span& x, const Span& y) {
              return x.a0 != y.a0 ? x.a0 < y.a0 : x.b0 < y.b0;
            });

  out.reserve(final_spans.size());
  for (const Span& s : final_spans) {
    Passage p;
    p.a_token_begin = s.a0;
    p.a_token_end = s.a1;
    p.b_token_begin = s.b0;
    p.b_token_end = s.b1;
    p.shared_shingles = s.shared;
    p.a_words = WordsIn(a, s.a0, s.a1, options_.letters_per_word);
    p.b_words = WordsIn(b, s.b0, s.b1, options_.letters_per_word);
    std::tie(p.a_begin, p.a_end) = a.normalized.SourceRange(
        a.tokens[s.a0].begin, a.tokens[s.a1 - 1].end);
    std::tie(p.b_begin, p.b_end) = b.normalized.SourceRange(
        b.tokens[s.b0].begin, b.tokens[s.b1 - 1].end);
    out.push_back(p);
  }
  return out;
}

}  // namespace mimeo
