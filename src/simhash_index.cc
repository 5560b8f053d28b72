#include "mimeo/simhash_index.h"

#include <algorithm>
#include <bit>
#include <memory>

#include "absl/strings/str_format.h"
#include "internal/buckets.h"
#include "mimeo/simhash.h"

namespace mimeo {
namespace {

int BlocksFor(const SimHashIndex::Options& o) {
  if (o.blocks != 0) return o.blocks;
  return o.max_distance == 0 ? 1 : o.max_distance + 2;
}

}  // namespace

absl::Status SimHashIndex::Options::Validate() const {
  if (max_distance < 0 || max_distance > 12) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "SimHash max_distance must be in [0, 12], got %d", max_distance));
  }
  const int m = BlocksFor(*this);
  if (m <= max_distance || m > 16) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "SimHash blocks must be in (max_distance = %d, 16], got %d",
        max_distance, m));
  }
  return absl::OkStatus();
}

absl::StatusOr<SimHashIndex> SimHashIndex::Create(const Options& options) {
  absl::Status s = options.Validate();
  if (!s.ok()) return s;
  return SimHashIndex(options);
}

SimHashIndex::SimHashIndex(const Options& options) : options_(options) {
  const int m = BlocksFor(options);
  std::vector<uint64_t> block_mask(m);
  for (int i = 0; i < m; ++i) {
    const int lo = 64 * i / m, hi = 64 * (i + 1) / m;
    block_mask[i] = (hi - lo == 64 ? ~uint64_t{0}
                                   : ((uint64_t{1} << (hi - lo)) - 1) << lo);
  }
  // One table per choice of m - k blocks, in increasing order of the choice
  // as a bit set, so the layout is the same on every run.
  for (uint32_t choice = 0; choice < (1u << m); ++choice) {
    if (std::popcount(choice) != m - options.max_distance) continue;
    uint64_t mask = 0;
    for (int i = 0; i < m; ++i) {
      if (choice & (1u << i)) mask |= block_mask[i];
    }
    masks_.push_back(mask);
  }
  buckets_ = std::make_unique<internal::Buckets>(masks_.size());
}
SimHashIndex::SimHashIndex(SimHashIndex&&) noexcept = default;
SimHashIndex& SimHashIndex::operator=(SimHashIndex&&) noexcept = default;
SimHashIndex::~SimHashIndex() = default;

absl::Status SimHashIndex::Add(DocId id, uint64_t fingerprint) {
  if (!fingerprint_of_.emplace(id, fingerprint).second) {
    return absl::AlreadyExistsError(
        absl::StrFormat("document %d is already in the SimHash index", id));
  }
  for (size_t t = 0; t < masks_.size(); ++t) {
    buckets_->Insert(t, fingerprint & masks_[t], id);
  }
  return absl::OkStatus();
}

absl::Status SimHashIndex::Remove(DocId id) {
  auto found = fingerprint_of_.find(id);
  if (found == fingerprint_of_.end()) {
    return absl::NotFoundError(
        absl::StrFormat("document %d is not in the SimHash index", id));
  }
  const uint64_t fingerprint = found->second;
  fingerprint_of_.erase(found);
  for (size_t t = 0; t < masks_.size(); ++t) {
    buckets_->Erase(t, fingerprint & masks_[t], id);
  }
  return absl::OkStatus();
}

std::vector<SimHashMatch> SimHashIndex::Query(uint64_t fingerprint) const {
  std::vector<SimHashMatch> out;
  for (size_t t = 0; t < masks_.size(); ++t) {
    buckets_->ForEach(t, fingerprint & masks_[t], [&](DocId doc) {
      const int d = HammingDistance(fingerprint, fingerprint_of_.at(doc));
      if (d <= options_.max_distance) out.push_back({doc, d});
    });
  }
  std::sort(out.begin(), out.end(), [](const SimHashMatch& a, const SimHashMatch& b) {
    return a.id < b.id;
  });
  out.erase(std::unique(out.begin(), out.end(),
                        [](const SimHashMatch& a, const SimHashMatch& b) {
                          return a.id == b.id;
                        }),
            out.end());
  std::stable_sort(out.begin(), out.end(),
                   [](const SimHashMatch& a, const SimHashMatch& b) {
                     return a.distance < b.distance;
                   });
  return out;
}

}  // namespace mimeo
