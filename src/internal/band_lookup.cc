#include "internal/band_lookup.h"

#include <utility>

#include "absl/strings/str_format.h"
#include "internal/status_macros.h"

namespace mimeo::internal {
namespace {

class InMemoryBands final : public BandLookup {
 public:
  explicit InMemoryBands(LshIndex index) : index_(std::move(index)) {}

  const LshIndex::Options& options() const override {
    return index_.options();
  }
  bool files_in_store() const override { return false; }
  void Reserve(size_t documents) override { index_.Reserve(documents); }
  absl::Status File(absl::Span<const DocId> ids,
                    absl::Span<const uint32_t> signatures) override {
    return index_.AddBatch(ids, signatures);
  }
  absl::Status Remove(DocId doc,
                      absl::Span<const uint32_t> signature) override {
    return index_.Remove(doc, signature);
  }
  absl::StatusOr<LshQueryResult> Query(
      absl::Span<const uint32_t> signature) const override {
    return index_.Query(signature);
  }

 private:
  LshIndex index_;
};

class StoredBands final : public BandLookup {
 public:
  StoredBands(const LshIndex::Options& options, const BandPostings* postings)
      : options_(options), postings_(postings) {}

  const LshIndex::Options& options() const override { return options_; }
  bool files_in_store() const override { return true; }
  void Reserve(size_t) override {}
  absl::Status File(absl::Span<const DocId>,
                    absl::Span<const uint32_t>) override {
    return absl::OkStatus();
  }
  absl::Status Remove(DocId, absl::Span<const uint32_t>) override {
    return absl::OkStatus();
  }
  absl::StatusOr<LshQueryResult> Query(
      absl::Span<const uint32_t> signature) const override {
    return postings_->Query(signature);
  }

 private:
  const LshIndex::Options options_;
  const BandPostings* const postings_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<BandLookup>> BandLookup::InMemory(
    const LshIndex::Options& options) {
  ASSIGN_OR_RETURN(LshIndex index, LshIndex::Create(options));
  return std::make_unique<InMemoryBands>(std::move(index));
}

absl::StatusOr<std::unique_ptr<BandLookup>> BandLookup::Stored(
    const LshIndex::Options& options, const BandPostings* postings) {
  if (postings == nullptr) {
    return absl::InvalidArgumentError("no band postings to look up");
  }
  if (postings->bands() != options.bands || postings->rows() != options.rows) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "the band postings are filed as %d bands of %d rows, not %d of %d",
        postings->bands(), postings->rows(), options.bands, options.rows));
  }
  return std::make_unique<StoredBands>(options, postings);
}

}  // namespace mimeo::internal
