#include "mimeo/simhash.h"

#include "internal/mix.h"

namespace mimeo {

absl::StatusOr<SimHasher> SimHasher::Create(const Options& options) {
  absl::Status s = options.Validate();
  if (!s.ok()) return s;
  return SimHasher(options);
}

uint64_t SimHasher::Compute(absl::Span<const uint64_t> hashes) const noexcept {
  if (hashes.empty()) return 0;
  // Each feature votes +1 or -1 on every bit. Counting the set bits per
  // position and comparing with half the total is the same vote with one
  // add per bit; the inner loop has no branch and vectorizes.
  uint32_t ones[64] = {};
  for (uint64_t h : hashes) {
    const uint64_t f = options_.seed == 0 ? h : internal::Mix64(h ^ options_.seed);
    for (int j = 0; j < 64; ++j) ones[j] += static_cast<uint32_t>((f >> j) & 1);
  }
  const uint64_t n = hashes.size();
  uint64_t fp = 0;
  for (int j = 0; j < 64; ++j) {
    if (2 * static_cast<uint64_t>(ones[j]) > n) fp |= uint64_t{1} << j;
  }
  return fp;
}

}  // namespace mimeo
