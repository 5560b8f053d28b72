// The in-memory DocumentStore: one column per field, indexed by DocId.
#ifndef MIMEO_SRC_INTERNAL_MEMORY_STORE_H_
#define MIMEO_SRC_INTERNAL_MEMORY_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "internal/growable_array.h"
#include "mimeo/document_store.h"

namespace mimeo::internal {

// The columns, laid out as a snapshot holds them (snapshot.cc fills them
// directly when it loads one).
struct DocumentColumns {
  std::vector<std::string> ids;
  std::vector<uint8_t> live;
  GrowableArray<uint32_t> signatures;  // num_perm per DocId
  std::vector<uint64_t> simhashes;
  // Size num_ids + 1. Without shingle sets, the running total of set sizes
  // into an empty set_hashes.
  std::vector<uint64_t> set_offsets{0};
  GrowableArray<uint64_t> set_hashes;
  std::vector<uint64_t> fp_offsets{0};  // size num_ids + 1
  GrowableArray<Fingerprint> fps;
  // Empty strings where texts are not kept.
  std::vector<std::string> texts;
  // Empty unless text hashes are kept (with a text source).
  std::vector<uint64_t> text_hashes;
  std::vector<std::optional<int64_t>> dates;
  std::vector<uint32_t> sources;
  std::vector<std::string> source_names{std::string()};
  StoreCounters counters;
};

class InMemoryDocumentStore final : public DocumentStore {
 public:
  // `num_perm` values per signature; `keep_sets`: sets are stored (else
  // only their sizes); `keep_texts`, `keep_text_hashes`: which of the text
  // and its hash are kept.
  InMemoryDocumentStore(uint32_t num_perm, bool keep_sets, bool keep_texts,
                        bool keep_text_hashes);
  // Over columns already filled (a loaded snapshot); builds the id and
  // source maps. Fails when a live id appears twice or a source twice.
  absl::Status Adopt(DocumentColumns columns);

  size_t num_ids() const override { return c_.ids.size(); }
  std::optional<DocId> Find(std::string_view id) const override;
  std::string_view id(DocId doc) const override { return c_.ids[doc]; }
  bool live(DocId doc) const override { return c_.live[doc] != 0; }
  std::optional<int64_t> date(DocId doc) const override {
    return c_.dates[doc];
  }
  uint32_t source(DocId doc) const override { return c_.sources[doc]; }
  absl::Span<const uint32_t> signature(DocId doc) const override {
    return absl::MakeConstSpan(c_.signatures)
        .subspan(size_t{doc} * num_perm_, num_perm_);
  }
  uint64_t simhash(DocId doc) const override { return c_.simhashes[doc]; }
  absl::Span<const uint64_t> set(DocId doc) const override {
    if (!keep_sets_) return {};
    return absl::MakeConstSpan(c_.set_hashes)
        .subspan(c_.set_offsets[doc], set_size(doc));
  }
  uint64_t set_size(DocId doc) const override {
    return c_.set_offsets[doc + 1] - c_.set_offsets[doc];
  }
  absl::Span<const Fingerprint> fingerprints(DocId doc) const override {
    return absl::MakeConstSpan(c_.fps).subspan(
        c_.fp_offsets[doc], c_.fp_offsets[doc + 1] - c_.fp_offsets[doc]);
  }
  uint64_t text_hash(DocId doc) const override {
    return keep_text_hashes_ ? c_.text_hashes[doc] : 0;
  }
  absl::StatusOr<std::string_view> text(DocId doc,
                                        std::string&) const override {
    return std::string_view(c_.texts[doc]);
  }
  absl::Span<const uint32_t> signatures() const override {
    return c_.signatures;
  }
  absl::Span<const uint32_t> sources() const override { return c_.sources; }
  std::string_view source_name(uint32_t source) const override {
    return c_.source_names[source];
  }
  size_t num_sources() const override { return c_.source_names.size(); }
  StoreCounters counters() const override { return c_.counters; }

  absl::Status Append(absl::Span<const StoredDocument> docs) override;
  absl::Status Remove(absl::Span<const DocId> docs) override;
  absl::StatusOr<StoreChanges> Refresh() override {
    return StoreChanges{static_cast<DocId>(num_ids()), {}};
  }
  bool Stale() const override { return false; }
  void Reserve(size_t n) override;

 private:
  const uint32_t num_perm_;
  const bool keep_sets_;
  const bool keep_texts_;
  const bool keep_text_hashes_;
  DocumentColumns c_;
  absl::flat_hash_map<std::string, DocId> doc_of_;
  absl::flat_hash_map<std::string, uint32_t> source_of_{{std::string(), 0}};
};

}  // namespace mimeo::internal

#endif  // MIMEO_SRC_INTERNAL_MEMORY_STORE_H_
