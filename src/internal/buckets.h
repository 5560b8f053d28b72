// Hash buckets of document ids, for the LSH and SimHash indexes: several
// tables of key -> bucket, filled in parallel (one table per task).
//
// The table is open addressing with linear probing over packed 12-byte
// slots (the key and its bucket), kept at most 7/8 full: a general-purpose
// map spends 16 bytes and a control byte per slot, and at a million keys in
// each of 32 tables the difference is a third of the index's memory and of
// the pages every insert touches (bench/README.md). A table doubles as it
// fills, but Reserve() sizes it to the keys asked for, not to a power of
// two (a key's home is its hash scaled to the table's size): a presized
// table is 3/4 full once all its keys are in, where rounding up to a power
// of two left a million keys in 2^21 slots. (Fuller costs queries: a key
// that is absent, as most of a new document's are, probes about 8 slots
// at 3/4 and about 32 at 7/8; measured in bench/README.md.) Removal shifts the
// following slots back, so no tombstones accumulate.
//
// A bucket of one document, the most common kind (a band key that no other
// document has), is held in its slot. A larger bucket is a linked list in a
// pool of postings (8 bytes each) per table; removed postings are reused.
// So a document that shares a key with no other costs one slot and nothing
// else.
#ifndef MIMEO_SRC_INTERNAL_BUCKETS_H_
#define MIMEO_SRC_INTERNAL_BUCKETS_H_

#include <algorithm>
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
    if ((t.used + 1) * 8 > t.slots.size() * 7) {
      Resize(t, std::max(SlotsFor(t.used + 1), 2 * t.slots.size()));
    }
    Slot& s = t.slots[Find(t, key)];
    if (s.head == kNone) {
      s.key = key;
      ++t.used;
      s.head = Fits(doc) ? Inline(doc) : NewPosting(t, doc, kNone);
      return;
    }
    uint32_t rest = s.head;
    if (IsInline(rest)) rest = NewPosting(t, InlineDoc(rest), kNone);
    s.head = NewPosting(t, doc, rest);
  }

  // Makes room in `table` for `n` keys in all, so that inserts up to then
  // do not grow the table.
  void Reserve(size_t table, size_t n) {
    Table& t = tables_[table];
    if (n * 8 > t.slots.size() * 7) Resize(t, SlotsFor(n));
  }

  // Starts loading the table slot of `key`, for an Insert a few keys later:
  // in a large table every insert is otherwise a cache miss.
  void Prefetch(size_t table, uint64_t key) const {
    const Table& t = tables_[table];
    if (!t.slots.empty()) __builtin_prefetch(&t.slots[Home(t, key)], 1);
  }

  // True if `doc` is in the bucket of `key` in `table`.
  bool Contains(size_t table, uint64_t key, DocId doc) const {
    bool found = false;
    ForEach(table, key, [&](DocId d) { found = found || d == doc; });
    return found;
  }

  // Removes `doc` from the bucket of `key` in `table`, if it is there.
  void Erase(size_t table, uint64_t key, DocId doc) {
    Table& t = tables_[table];
    if (t.used == 0) return;
    const size_t at = Find(t, key);
    Slot& s = t.slots[at];
    if (s.head == kNone) return;
    if (IsInline(s.head)) {
      if (InlineDoc(s.head) == doc) Vacate(t, at);
      return;
    }
    uint32_t* link = &s.head;
    while (*link != kNone && t.postings[*link].doc != doc) {
      link = &t.postings[*link].next;
    }
    if (*link == kNone) return;
    const uint32_t p = *link;
    *link = t.postings[p].next;
    t.free.push_back(p);
    if (s.head == kNone) {
      Vacate(t, at);
    } else if (const Posting& last = t.postings[s.head];
               last.next == kNone && Fits(last.doc)) {
      // One document left: back into the slot.
      t.free.push_back(s.head);
      s.head = Inline(last.doc);
    }
  }

  // Calls f(doc) for every document in the bucket of `key` in `table`, most
  // recently inserted first; returns the bucket's size.
  template <typename F>
  uint32_t ForEach(size_t table, uint64_t key, F&& f) const {
    const Table& t = tables_[table];
    if (t.used == 0) return 0;
    return Walk(t, t.slots[Find(t, key)].head, f);
  }

  // Calls g(key, docs) for every bucket of `table`, in no particular order;
  // `docs` holds the bucket's documents, most recently inserted first, and
  // may be reordered by g.
  template <typename G>
  void ForEachBucket(size_t table, G&& g) const {
    const Table& t = tables_[table];
    std::vector<DocId> docs;
    for (const Slot& s : t.slots) {
      if (s.head == kNone) continue;
      docs.clear();
      Walk(t, s.head, [&](DocId d) { docs.push_back(d); });
      g(s.key, docs);
    }
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
  // A slot's head is kNone (the slot is empty), a posting's index (below
  // kInlineBit), or kInlineBit | doc: the bucket's one document.
  static constexpr uint32_t kNone = 0xFFFFFFFFu;
  static constexpr uint32_t kInlineBit = 0x80000000u;
  static bool Fits(DocId doc) { return doc < (kNone & ~kInlineBit); }
  static uint32_t Inline(DocId doc) { return kInlineBit | doc; }
  static bool IsInline(uint32_t head) {
    return head != kNone && (head & kInlineBit) != 0;
  }
  static DocId InlineDoc(uint32_t head) { return head & ~kInlineBit; }

  struct Posting {
    DocId doc;
    uint32_t next;  // next posting of the same bucket, or kNone
  };
#pragma pack(push, 4)
  struct Slot {
    uint64_t key = 0;
    uint32_t head = kNone;
  };
#pragma pack(pop)
  static_assert(sizeof(Slot) == 12);
  struct Table {
    std::vector<Slot> slots;  // at least 16 of them, or none
    size_t used = 0;          // slots holding a key
    std::vector<Posting> postings;
    std::vector<uint32_t> free;  // postings released by Erase
  };

  static uint32_t NewPosting(Table& t, DocId doc, uint32_t next) {
    uint32_t p;
    if (!t.free.empty()) {
      p = t.free.back();
      t.free.pop_back();
    } else {
      // Posting indexes stay below kInlineBit: 2^31 postings (16 GiB) in
      // one table are far beyond any index this holds.
      p = static_cast<uint32_t>(t.postings.size());
      t.postings.push_back({});
    }
    t.postings[p] = {doc, next};
    return p;
  }

  template <typename F>
  static uint32_t Walk(const Table& t, uint32_t head, F&& f) {
    if (head == kNone) return 0;
    if (IsInline(head)) {
      f(InlineDoc(head));
      return 1;
    }
    uint32_t size = 0;
    for (uint32_t p = head; p != kNone; p = t.postings[p].next) {
      f(t.postings[p].doc);
      ++size;
    }
    return size;
  }

  // Where `key`'s probe starts: the top half of a multiplicative hash (so
  // that keys differing only in high bits, as SimHash masks make them,
  // spread too) scaled to the table's size.
  static size_t Home(const Table& t, uint64_t key) {
    const uint64_t h = (key * 0x9E3779B97F4A7C15ULL) >> 32;
    return static_cast<size_t>((h * t.slots.size()) >> 32);
  }
  static size_t Next(const Table& t, size_t i) {
    return i + 1 == t.slots.size() ? 0 : i + 1;
  }
  // How far slot `to` lies after slot `from`, going round the table's end.
  static size_t Distance(const Table& t, size_t from, size_t to) {
    return to >= from ? to - from : to + t.slots.size() - from;
  }
  // The slot holding `key`, or the empty slot where it would go. Requires
  // a table with at least one empty slot.
  static size_t Find(const Table& t, uint64_t key) {
    size_t i = Home(t, key);
    while (t.slots[i].head != kNone && t.slots[i].key != key) i = Next(t, i);
    return i;
  }
  // Empties slot `at`, moving back any later slot of its probe run whose
  // home lies at or before it, so that every key stays reachable.
  static void Vacate(Table& t, size_t at) {
    size_t hole = at;
    for (size_t i = Next(t, at); t.slots[i].head != kNone; i = Next(t, i)) {
      const size_t home = Home(t, t.slots[i].key);
      // Moves when home is not cyclically within (hole, i].
      if (Distance(t, home, i) >= Distance(t, hole, i)) {
        t.slots[hole] = t.slots[i];
        hole = i;
      }
    }
    t.slots[hole] = Slot();
    --t.used;
  }
  // Slots for `n` keys at a load of 3/4, and at least 16.
  static size_t SlotsFor(size_t n) {
    return std::max<size_t>(16, (n * 4 + 2) / 3);
  }
  // Rebuilds the table with `size` slots.
  static void Resize(Table& t, size_t size) {
    std::vector<Slot> old;
    old.swap(t.slots);
    t.slots.assign(size, Slot());
    for (const Slot& s : old) {
      if (s.head != kNone) t.slots[Find(t, s.key)] = s;
    }
  }

  std::vector<Table> tables_;
};

}  // namespace mimeo::internal

#endif  // MIMEO_SRC_INTERNAL_BUCKETS_H_
