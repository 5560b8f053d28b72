#include "mimeo/pair_limit.h"

#include <algorithm>
#include <numeric>

namespace mimeo {

double PairStrength(const Similarity& s) {
  return std::max({s.jaccard, s.containment_a_in_b, s.containment_b_in_a});
}

std::vector<size_t> LimitPairsPerDocument(absl::Span<const ScoredPair> pairs,
                                          uint32_t max_per_doc,
                                          size_t num_docs) {
  std::vector<size_t> order(pairs.size());
  std::iota(order.begin(), order.end(), size_t{0});
  if (max_per_doc == 0) return order;
  // Stable: equal strengths keep their order in the list.
  std::stable_sort(order.begin(), order.end(), [&pairs](size_t x, size_t y) {
    return pairs[x].strength > pairs[y].strength;
  });
  std::vector<uint32_t> count(num_docs, 0);
  std::vector<size_t> kept;
  for (size_t i : order) {
    const ScoredPair& p = pairs[i];
    if (count[p.a] >= max_per_doc || count[p.b] >= max_per_doc) continue;
    ++count[p.a];
    ++count[p.b];
    kept.push_back(i);
  }
  std::sort(kept.begin(), kept.end());
  return kept;
}

}  // namespace mimeo
