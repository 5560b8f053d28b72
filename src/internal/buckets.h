// Hash buckets of document ids, for the LSH and SimHash indexes: several
// tables of key -> bucket, the buckets kept as linked lists in a pool of
// postings per table so that a bucket of one costs 8 bytes plus its table
// entry, removed postings are reused, and tables fill in parallel.
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
  explicit Buckets(size_t tables) : tables_(tables) {}

  // Adds `doc` to the bucket of `key` in `table`. Calls on different tables
  // may run at the same time: each table has its own pool of postings.
  void Insert(size_t table, uint64_t key, DocId doc) {
    Table& t = tables_[table];
    uint32_t p;
    if (!t.free.empty()) {
      p = t.free.back();
      t.free.pop_back();
    } else {
      p = static_cast<uint32_t>(t.postings.size());
      t.postings.push_back({});
    }
    auto [it, inserted] = t.heads.try_emplace(key, kNone);
    t.postings[p] = {doc, it->second};
    it->second = p;
  }

  // Makes room in `table` for `n` keys and postings in all, so that
  // inserts up to then neither rehash nor move the pool.
  void Reserve(size_t table, size_t n) {
    Table& t = tables_[table];
    t.heads.reserve(n);
    t.postings.reserve(n);
  }

  // Starts loading the table slot of `key`, for an Insert a few keys later:
  // in a large table every insert is otherwise a cache miss.
  void Prefetch(size_t table, uint64_t key) const {
    tables_[table].heads.prefetch(key);
  }

  // Removes `doc` from the bucket of `key` in `table`, if it is there.
  void Erase(size_t table, uint64_t key, DocId doc) {
    Table& t = tables_[table];
    auto it = t.heads.find(key);
    if (it == t.heads.end()) return;
    uint32_t* link = &it->second;
    while (*link != kNone && t.postings[*link].doc != doc) {
      link = &t.postings[*link].next;
    }
    if (*link != kNone) {
      const uint32_t p = *link;
      *link = t.postings[p].next;
      t.free.push_back(p);
    }
    if (it->second == kNone) t.heads.erase(it);
  }

  // Calls f(doc) for every document in the bucket of `key` in `table`, most
  // recently inserted first; returns the bucket's size.
  template <typename F>
  uint32_t ForEach(size_t table, uint64_t key, F&& f) const {
    const Table& t = tables_[table];
    auto it = t.heads.find(key);
    if (it == t.heads.end()) return 0;
    uint32_t size = 0;
    for (uint32_t p = it->second; p != kNone; p = t.postings[p].next) {
      f(t.postings[p].doc);
      ++size;
    }
    return size;
  }

  size_t MemoryBytes() const {
    size_t bytes = 0;
    for (const Table& t : tables_) {
      bytes += t.postings.capacity() * sizeof(Posting) +
               t.free.capacity() * sizeof(uint32_t) +
               t.heads.capacity() * (sizeof(std::pair<uint64_t, uint32_t>) + 1);
    }
    return bytes;
  }

 private:
  static constexpr uint32_t kNone = 0xFFFFFFFFu;
  struct Posting {
    DocId doc;
    uint32_t next;  // next posting of the same bucket, or kNone
  };
  struct Table {
    absl::flat_hash_map<uint64_t, uint32_t> heads;  // key -> first posting
    std::vector<Posting> postings;
    std::vector<uint32_t> free;  // postings released by Erase
  };
  std::vector<Table> tables_;
};

}  // namespace mimeo::internal

#endif  // MIMEO_SRC_INTERNAL_BUCKETS_H_
