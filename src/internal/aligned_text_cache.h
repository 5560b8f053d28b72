// A few prepared texts (align.h) kept for reuse by one thread, the least
// recently used evicted past a count and a byte budget.
//
// Shared copy aligns each document with every earlier document sharing a
// fingerprint with it, preparing (normalizing, tokenizing, shingling) the
// earlier one for each pair. A long text sharing stock lines with many
// documents (the kernel's changelog, 3.4 MB, shares release-entry lines
// with hundreds of packages' changelogs) is then prepared hundreds of
// times; keeping it prepared turns that into one preparation per thread,
// with the same answers.
//
// Not thread-safe: one cache per thread.
#ifndef MIMEO_INTERNAL_ALIGNED_TEXT_CACHE_H_
#define MIMEO_INTERNAL_ALIGNED_TEXT_CACHE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "mimeo/align.h"

namespace mimeo::internal {

// The bytes a prepared text holds (its buffers' capacities, seed index
// aside).
size_t AlignedTextBytes(const AlignedText& text);

class AlignedTextCache {
 public:
  // Keeps at most `max_entries` texts holding at most `max_bytes` in all;
  // a text larger than max_bytes alone is prepared but not kept.
  AlignedTextCache(size_t max_entries, size_t max_bytes)
      : max_entries_(max_entries), max_bytes_(max_bytes) {}

  // The prepared text of `key`: the cached one, or one that
  // `prepare(AlignedText&)` (returning absl::Status) fills, then kept. The
  // pointer is valid until the next call. A failure of `prepare` is
  // returned, and nothing is kept.
  template <typename Prepare>
  absl::StatusOr<const AlignedText*> Get(uint32_t key, Prepare&& prepare) {
    ++clock_;
    for (const std::unique_ptr<Entry>& e : entries_) {
      if (e->key == key) {
        e->used = clock_;
        return &e->text;
      }
    }
    if (absl::Status s = prepare(spare_); !s.ok()) return s;
    return Keep(key);
  }

  // Texts kept, and the bytes they hold.
  size_t size() const { return entries_.size(); }
  size_t bytes() const { return bytes_; }

 private:
  struct Entry {
    uint32_t key;
    uint64_t used;
    size_t bytes;
    AlignedText text;
  };

  // Moves spare_ (just prepared for `key`) into the cache when it fits,
  // evicting the least recently used texts.
  const AlignedText* Keep(uint32_t key);

  size_t max_entries_;
  size_t max_bytes_;
  std::vector<std::unique_ptr<Entry>> entries_;
  AlignedText spare_;
  size_t bytes_ = 0;
  uint64_t clock_ = 0;
};

}  // namespace mimeo::internal

#endif  // MIMEO_INTERNAL_ALIGNED_TEXT_CACHE_H_
