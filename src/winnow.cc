#include "mimeo/winnow.h"

#include <algorithm>
#include <cstdint>

#include "absl/strings/str_format.h"

namespace mimeo {

absl::Status Winnower::Options::Validate() const {
  if (window < 1 || window > 256) {
    return absl::InvalidArgumentError(
        absl::StrFormat("winnowing window must be in [1, 256], got %d", window));
  }
  return absl::OkStatus();
}

absl::StatusOr<Winnower> Winnower::Create(const Options& options) {
  if (absl::Status s = options.Validate(); !s.ok()) return s;
  return Winnower(options);
}

void Winnower::Winnow(absl::Span<const uint64_t> h,
                      std::vector<Fingerprint>& out) const {
  out.clear();
  const size_t n = h.size();
  if (n == 0) return;
  const size_t w = std::min<size_t>(static_cast<size_t>(options_.window), n);
  // A monotone queue of positions whose hashes increase strictly from front
  // to back: the front is the rightmost minimum of the current window.
  // Positions are stored in a ring of size w + 1, enough since the queue
  // never holds more than the window.
  std::vector<uint32_t> ring(w + 1);
  size_t head = 0, size = 0;
  auto at = [&](size_t i) -> uint32_t& { return ring[(head + i) % ring.size()]; };
  uint32_t last = UINT32_MAX;
  for (size_t i = 0; i < n; ++i) {
    // Drop from the back every position whose hash is >= h[i]: h[i] is as
    // small and further right, so it wins every window they share.
    while (size > 0 && h[at(size - 1)] >= h[i]) --size;
    at(size++) = static_cast<uint32_t>(i);
    // Drop the front when it has left the window [i + 1 - w, i].
    if (at(0) + w <= i) {
      head = (head + 1) % ring.size();
      --size;
    }
    if (i + 1 >= w) {
      const uint32_t chosen = at(0);
      if (chosen != last) {
        out.emplace_back(h[chosen], chosen);
        last = chosen;
      }
    }
  }
}

}  // namespace mimeo
