#include "mimeo/simhash.h"

#include "internal/simhash_kernels.h"

namespace mimeo {

absl::StatusOr<SimHasher> SimHasher::Create(const Options& options) {
  absl::Status s = options.Validate();
  if (!s.ok()) return s;
  return SimHasher(options);
}

uint64_t SimHasher::Compute(absl::Span<const uint64_t> hashes) const noexcept {
  return Vote(hashes, false);
}

uint64_t SimHasher::ComputeScalar(
    absl::Span<const uint64_t> hashes) const noexcept {
  return Vote(hashes, true);
}

uint64_t SimHasher::Vote(absl::Span<const uint64_t> hashes,
                         bool scalar) const noexcept {
  if (hashes.empty()) return 0;
  // Each feature votes +1 or -1 on every bit: counting the set bits per
  // position and comparing with half the total is the same vote.
  uint32_t ones[64] = {};
  if (scalar) {
    internal::SimHashCountScalar(options_.seed, hashes.data(), hashes.size(), ones);
  } else {
    internal::SimHashCountDispatch(options_.seed, hashes.data(), hashes.size(), ones);
  }
  const uint64_t n = hashes.size();
  uint64_t fp = 0;
  for (int j = 0; j < 64; ++j) {
    if (2 * static_cast<uint64_t>(ones[j]) > n) fp |= uint64_t{1} << j;
  }
  return fp;
}

}  // namespace mimeo
