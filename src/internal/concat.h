// Joining the per-block results of a parallel loop, in block order.
#ifndef MIMEO_SRC_INTERNAL_CONCAT_H_
#define MIMEO_SRC_INTERNAL_CONCAT_H_

#include <vector>

namespace mimeo::internal {

// The elements of `parts` one part after another, each part's memory given
// back as soon as it is copied.
template <typename T>
std::vector<T> Concatenate(std::vector<std::vector<T>>& parts) {
  size_t total = 0;
  for (const std::vector<T>& p : parts) total += p.size();
  std::vector<T> out;
  out.reserve(total);
  for (std::vector<T>& p : parts) {
    out.insert(out.end(), p.begin(), p.end());
    std::vector<T>().swap(p);
  }
  return out;
}

}  // namespace mimeo::internal

#endif  // MIMEO_SRC_INTERNAL_CONCAT_H_
