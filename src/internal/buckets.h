// Hash buckets of document ids, for the LSH and SimHash indexes: several
// tables of key -> bucket, the buckets kept as linked lists in one shared
// pool of postings so that a bucket of one costs 8 bytes plus its table
// entry, and removed postings are reused.
#ifndef MIMEO_SRC_INTERNAL_BUCKETS_H_
#define MIMEO_SRC_INTERNAL_BUCKETS_H_

#include <cstdint>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "mimeo/document.h"

namespace mimeo::internal {

class Buckets {
 public:
  explicit Buckets(size_t tables) : heads_(tables) {}

  // Adds `doc` to the bucket of `key` in `table`.
  void Insert(size_t table, uint64_t key, DocId doc) {
    uint32_t p;
    if (!free_.empty()) {
      p = free_.back();
      free_.pop_back();
    } else {
      p = static_cast<uint32_t>(postings_.size());
      postings_.push_back({});
    }
    auto [it, inserted] = heads_[table].try_emplace(key, kNone);
    postings_[p] = {doc, it->second};
    it->second = p;
  }

  // Removes `doc` from the bucket of `key` in `table`, if it is there.
  void Erase(size_t table, uint64_t key, DocId doc) {
    auto it = heads_[table].find(key);
    if (it == heads_[table].end()) return;
    uint32_t* link = &it->second;
    while (*link != kNone && postings_[*link].doc != doc) {
      link = &postings_[*link].next;
    }
    if (*link != kNone) {
      const uint32_t p = *link;
      *link = postings_[p].next;
      free_.push_back(p);
    }
    if (it->second == kNone) heads_[table].erase(it);
  }

  // Calls f(doc) for every document in the bucket of `key` in `table`, most
  // recently inserted first; returns the bucket's size.
  template <typename F>
  uint32_t ForEach(size_t table, uint64_t key, F&& f) const {
    auto it = heads_[table].find(key);
    if (it == heads_[table].end()) return 0;
    uint32_t size = 0;
    for (uint32_t p = it->second; p != kNone; p = postings_[p].next) {
      f(postings_[p].doc);
      ++size;
    }
    return size;
  }

  size_t MemoryBytes() const {
    size_t bytes = postings_.capacity() * sizeof(Posting) +
                   free_.capacity() * sizeof(uint32_t);
    for (const auto& h : heads_) {
      bytes += h.capacity() * (sizeof(std::pair<uint64_t, uint32_t>) + 1);
    }
    return bytes;
  }

 private:
  static constexpr uint32_t kNone = 0xFFFFFFFFu;
  struct Posting {
    DocId doc;
    uint32_t next;  // next posting of the same bucket, or kNone
  };
  std::vector<absl::flat_hash_map<uint64_t, uint32_t>> heads_;
  std::vector<Posting> postings_;
  std::vector<uint32_t> free_;
};

}  // namespace mimeo::internal

#endif  // MIMEO_SRC_INTERNAL_BUCKETS_H_
