#include "internal/memory_store.h"

#include <utility>

#include "absl/strings/str_format.h"

namespace mimeo::internal {

InMemoryDocumentStore::InMemoryDocumentStore(uint32_t num_perm, bool keep_sets,
                                             bool keep_texts,
                                             bool keep_text_hashes)
    : num_perm_(num_perm),
      keep_sets_(keep_sets),
      keep_texts_(keep_texts),
      keep_text_hashes_(keep_text_hashes) {}

absl::Status InMemoryDocumentStore::Adopt(DocumentColumns columns) {
  c_ = std::move(columns);
  doc_of_.clear();
  doc_of_.reserve(c_.ids.size());
  for (DocId d = 0; d < c_.ids.size(); ++d) {
    if (!c_.live[d]) continue;
    if (!doc_of_.emplace(c_.ids[d], d).second) {
      return absl::DataLossError(
          absl::StrFormat("id '%s' is live twice", c_.ids[d]));
    }
  }
  source_of_.clear();
  for (uint32_t i = 0; i < c_.source_names.size(); ++i) {
    if (!source_of_.try_emplace(c_.source_names[i], i).second) {
      return absl::DataLossError(
          absl::StrFormat("source '%s' twice", c_.source_names[i]));
    }
  }
  return absl::OkStatus();
}

std::optional<DocId> InMemoryDocumentStore::Find(std::string_view id) const {
  const auto it = doc_of_.find(absl::string_view(id.data(), id.size()));
  if (it == doc_of_.end()) return std::nullopt;
  return it->second;
}

absl::Status InMemoryDocumentStore::Append(
    absl::Span<const StoredDocument> docs) {
  for (const StoredDocument& doc : docs) {
    const DocId d = static_cast<DocId>(c_.ids.size());
    c_.ids.emplace_back(doc.id);
    if (doc.live) doc_of_.emplace(doc.id, d);
    c_.live.push_back(doc.live ? 1 : 0);
    c_.signatures.append(doc.signature.data(), doc.signature.size());
    c_.simhashes.push_back(doc.simhash);
    if (keep_sets_) {
      c_.set_hashes.append(doc.set.data(), doc.set.size());
    }
    c_.set_offsets.push_back(c_.set_offsets.back() + doc.set_size);
    c_.fps.append(doc.fingerprints.data(), doc.fingerprints.size());
    c_.fp_offsets.push_back(c_.fps.size());
    if (keep_texts_ && doc.live) {
      c_.texts.emplace_back(doc.text);
    } else {
      c_.texts.emplace_back();
    }
    if (keep_text_hashes_) c_.text_hashes.push_back(doc.text_hash);
    c_.dates.push_back(doc.date);
    const auto [source, added] = source_of_.try_emplace(
        std::string(doc.source), static_cast<uint32_t>(c_.source_names.size()));
    if (added) c_.source_names.emplace_back(doc.source);
    c_.sources.push_back(source->second);
    c_.counters.bytes += doc.bytes;
    c_.counters.invalid_utf8 += doc.invalid_utf8;
    c_.counters.nul_bytes += doc.nul_bytes;
  }
  return absl::OkStatus();
}

absl::Status InMemoryDocumentStore::Remove(absl::Span<const DocId> docs) {
  for (DocId d : docs) {
    if (d >= c_.ids.size() || !c_.live[d]) {
      return absl::InternalError(
          absl::StrFormat("mimeo internal error: DocId %d is not live", d));
    }
  }
  for (DocId d : docs) {
    doc_of_.erase(c_.ids[d]);
    c_.live[d] = 0;
    std::string().swap(c_.texts[d]);
  }
  return absl::OkStatus();
}

void InMemoryDocumentStore::Reserve(size_t n) {
  c_.ids.reserve(n);
  doc_of_.reserve(n);
  c_.live.reserve(n);
  c_.signatures.reserve(n * num_perm_);
  c_.simhashes.reserve(n);
  c_.set_offsets.reserve(n + 1);
  c_.texts.reserve(n);
  if (keep_text_hashes_) c_.text_hashes.reserve(n);
  c_.fp_offsets.reserve(n + 1);
  c_.dates.reserve(n);
  c_.sources.reserve(n);
}

}  // namespace mimeo::internal
