#include "internal/aligned_text_cache.h"

#include <algorithm>

namespace mimeo::internal {

size_t AlignedTextBytes(const AlignedText& text) {
  return text.normalized.text.capacity() +
         text.normalized.source_offset.capacity() * sizeof(uint32_t) +
         text.tokens.capacity() * sizeof(Token) +
         text.unspaced.capacity() * sizeof(uint32_t) +
         text.shingles.hashes.capacity() * sizeof(uint64_t) +
         text.shingles.first_token.capacity() * sizeof(uint32_t);
}

namespace {

// Frees what `v` holds beyond its size.
template <typename V>
void Fit(V& v) {
  if (v.capacity() > v.size() + v.size() / 8) v.shrink_to_fit();
}

}  // namespace

const AlignedText* AlignedTextCache::Keep(uint32_t key) {
  if (max_entries_ == 0) return &spare_;
  // The spare's buffers may have grown for a longer text than this one: a
  // kept text holds only what it needs.
  Fit(spare_.normalized.text);
  Fit(spare_.normalized.source_offset);
  Fit(spare_.tokens);
  Fit(spare_.unspaced);
  Fit(spare_.shingles.hashes);
  Fit(spare_.shingles.first_token);
  const size_t bytes = AlignedTextBytes(spare_);
  if (bytes > max_bytes_) return &spare_;
  while (!entries_.empty() && (entries_.size() >= max_entries_ ||
                               bytes_ + bytes > max_bytes_)) {
    auto oldest = std::min_element(
        entries_.begin(), entries_.end(),
        [](const auto& x, const auto& y) { return x->used < y->used; });
    bytes_ -= (*oldest)->bytes;
    *oldest = std::move(entries_.back());
    entries_.pop_back();
  }
  entries_.push_back(std::make_unique<Entry>(
      Entry{key, clock_, bytes, std::move(spare_)}));
  spare_ = AlignedText();
  bytes_ += bytes;
  return &entries_.back()->text;
}

}  // namespace mimeo::internal
