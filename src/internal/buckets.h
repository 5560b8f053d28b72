// Hash buckets of document ids, for the LSH and SimHash indexes: several
// tables of key -> bucket, the buckets kept as linked lists in a pool of
// postings per table so that a bucket of one costs one posting (8 bytes)
// and one table slot (12 bytes), removed postings are reused, and tables
// fill in parallel.
//
// The table is open addressing with linear probing over packed 12-byte
// slots (the key and its bucket's first posting), kept at most 7/8 full:
// a general-purpose map spends 16 bytes and a control byte per slot, and
// at a million keys in each of 32 tables the difference is a third of the
// index's memory and of the pages every insert touches (bench/README.md).
// Removal shifts the following slots back, so no tombstones accumulate.
#ifndef MIMEO_SRC_INTERNAL_BUCKETS_H_
#define MIMEO_SRC_INTERNAL_BUCKETS_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "mimeo/document.h"

namespace mimeo::internal {

class Buckets {
 public:
  explicit Buckets(size_t tables) : tables_(tables) {}

  // Adds `doc` to the bucket of `key` in `table`. Calls on different tables
  // may run at the same time: each table has its own slots and postings.
  void Insert(size_t table, uint64_t key, DocId doc) {
    Table& t = tables_[table];
    if ((t.used + 1) * 8 > t.slots.size() * 7) Grow(t, t.used + 1);
    uint32_t p;
    if (!t.free.empty()) {
      p = t.free.back();
      t.free.pop_back();
    } else {
      p = static_cast<uint32_t>(t.postings.size());
      t.postings.push_back({});
    }
    Slot& s = t.slots[Find(t, key)];
    if (s.head == kNone) {
      s.key = key;
      ++t.used;
    }
    t.postings[p] = {doc, s.head};
    s.head = p;
  }

  // Makes room in `table` for `n` keys and postings in all, so that
  // inserts up to then neither grow the table nor move the pool.
  void Reserve(size_t table, size_t n) {
    Table& t = tables_[table];
    if (n * 8 > t.slots.size() * 7) Grow(t, n);
    t.postings.reserve(n);
  }

  // Starts loading the table slot of `key`, for an Insert a few keys later:
  // in a large table every insert is otherwise a cache miss.
  void Prefetch(size_t table, uint64_t key) const {
    const Table& t = tables_[table];
    if (!t.slots.empty()) __builtin_prefetch(&t.slots[Home(t, key)], 1);
  }

  // Removes `doc` from the bucket of `key` in `table`, if it is there.
  void Erase(size_t table, uint64_t key, DocId doc) {
    Table& t = tables_[table];
    if (t.used == 0) return;
    const size_t at = Find(t, key);
    Slot& s = t.slots[at];
    if (s.head == kNone) return;
    uint32_t* link = &s.head;
    while (*link != kNone && t.postings[*link].doc != doc) {
      link = &t.postings[*link].next;
    }
    if (*link != kNone) {
      const uint32_t p = *link;
      *link = t.postings[p].next;
      t.free.push_back(p);
    }
    if (s.head == kNone) Vacate(t, at);
  }

  // Calls f(doc) for every document in the bucket of `key` in `table`, most
  // recently inserted first; returns the bucket's size.
  template <typename F>
  uint32_t ForEach(size_t table, uint64_t key, F&& f) const {
    const Table& t = tables_[table];
    if (t.used == 0) return 0;
    uint32_t size = 0;
    for (uint32_t p = t.slots[Find(t, key)].head; p != kNone;
         p = t.postings[p].next) {
      f(t.postings[p].doc);
      ++size;
    }
    return size;
  }

  size_t MemoryBytes() const {
    size_t bytes = 0;
    for (const Table& t : tables_) {
      bytes += t.slots.capacity() * sizeof(Slot) +
               t.postings.capacity() * sizeof(Posting) +
               t.free.capacity() * sizeof(uint32_t);
    }
    return bytes;
  }

 private:
  static constexpr uint32_t kNone = 0xFFFFFFFFu;
  struct Posting {
    DocId doc;
    uint32_t next;  // next posting of the same bucket, or kNone
  };
#pragma pack(push, 4)
  struct Slot {
    uint64_t key = 0;
    uint32_t head = kNone;  // first posting; kNone: the slot is empty
  };
#pragma pack(pop)
  static_assert(sizeof(Slot) == 12);
  struct Table {
    std::vector<Slot> slots;  // a power of two of them, or none
    int shift = 63;           // 64 - log2(slots.size())
    size_t used = 0;          // slots holding a key
    std::vector<Posting> postings;
    std::vector<uint32_t> free;  // postings released by Erase
  };

  // Where `key`'s probe starts: the top bits of a multiplicative hash, so
  // that keys differing only in high bits (SimHash masks) spread too.
  static size_t Home(const Table& t, uint64_t key) {
    return static_cast<size_t>((key * 0x9E3779B97F4A7C15ULL) >> t.shift) &
           (t.slots.size() - 1);
  }
  // The slot holding `key`, or the empty slot where it would go. Requires
  // a table with at least one empty slot.
  static size_t Find(const Table& t, uint64_t key) {
    const size_t mask = t.slots.size() - 1;
    size_t i = Home(t, key);
    while (t.slots[i].head != kNone && t.slots[i].key != key) {
      i = (i + 1) & mask;
    }
    return i;
  }
  // Empties slot `at`, moving back any later slot of its probe run whose
  // home lies at or before it, so that every key stays reachable.
  static void Vacate(Table& t, size_t at) {
    const size_t mask = t.slots.size() - 1;
    size_t hole = at;
    for (size_t i = (at + 1) & mask; t.slots[i].head != kNone;
         i = (i + 1) & mask) {
      const size_t home = Home(t, t.slots[i].key);
      // Moves when home is not cyclically within (hole, i].
      if (((i - home) & mask) >= ((i - hole) & mask)) {
        t.slots[hole] = t.slots[i];
        hole = i;
      }
    }
    t.slots[hole] = Slot();
    --t.used;
  }
  // Rebuilds the table with room for `n` keys at a load of at most 7/8.
  static void Grow(Table& t, size_t n) {
    size_t size = 16;
    while (size * 7 < n * 8) size *= 2;
    std::vector<Slot> old;
    old.swap(t.slots);
    t.slots.assign(size, Slot());
    int bits = 0;
    while ((size_t{1} << bits) < size) ++bits;
    t.shift = 64 - bits;
    for (const Slot& s : old) {
      if (s.head != kNone) t.slots[Find(t, s.key)] = s;
    }
  }

  std::vector<Table> tables_;
};

}  // namespace mimeo::internal

#endif  // MIMEO_SRC_INTERNAL_BUCKETS_H_
