#include "components.h"

#include <mpi.h>

#include <algorithm>

#include "oneapi/tbb/parallel_sort.h"

namespace mimeo::mpi {
namespace {

constexpr uint64_t kLow = 0xFFFFFFFFu;

uint64_t Pack(uint32_t a, uint32_t b) { return uint64_t{a} << 32 | b; }
uint32_t High(uint64_t e) { return static_cast<uint32_t>(e >> 32); }
uint32_t Low(uint64_t e) { return static_cast<uint32_t>(e & kLow); }

void SortUnique(std::vector<uint64_t>& v) {
  tbb::parallel_sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

// Calls f(u, first, last) for each run of records (u << 32 | v) with the
// same u, over sorted `records`; [first, last) are its records, the
// smallest v first.
template <typename F>
void ForEachNode(const std::vector<uint64_t>& records, F f) {
  for (size_t i = 0; i < records.size();) {
    size_t j = i + 1;
    while (j < records.size() && High(records[j]) == High(records[i])) ++j;
    f(High(records[i]), i, j);
    i = j;
  }
}

}  // namespace

int NodeOwner(uint32_t node, int ranks) {
  // The finaliser of MurmurHash3's 64-bit hash: every bit of the node
  // moves every bit of the result.
  uint64_t h = node;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return static_cast<int>(h % static_cast<uint64_t>(ranks));
}

std::vector<NodeLabel> ConnectedComponents(Exchanger& exchange,
                                           std::vector<uint64_t> edges,
                                           uint64_t* rounds) {
  const int ranks = exchange.ranks();
  // Edges as (larger << 32 | smaller) from here on.
  for (uint64_t& e : edges) {
    e = Pack(std::max(High(e), Low(e)), std::min(High(e), Low(e)));
  }
  for (uint64_t round = 1;; ++round) {
    // Large star: each edge to the owners of both ends, as the records
    // (u << 32 | v) of u's neighbourhood.
    std::vector<std::vector<uint64_t>> out(ranks);
    for (uint64_t e : edges) {
      out[NodeOwner(High(e), ranks)].push_back(e);
      out[NodeOwner(Low(e), ranks)].push_back(Pack(Low(e), High(e)));
    }
    std::vector<uint64_t>().swap(edges);
    std::vector<uint64_t> records = exchange.AllToAll(out);
    SortUnique(records);
    // A centre has no smaller neighbour; a leaf one, and nothing else.
    int stars = 1;
    ForEachNode(records, [&](uint32_t u, size_t first, size_t last) {
      const bool centre = Low(records[first]) > u;
      const bool leaf = last - first == 1 && Low(records[first]) < u;
      if (!centre && !leaf) stars = 0;
    });
    MPI_Allreduce(MPI_IN_PLACE, &stars, 1, MPI_INT, MPI_MIN, exchange.comm());
    if (stars) {
      if (rounds != nullptr) *rounds = round;
      std::vector<NodeLabel> labels;
      ForEachNode(records, [&](uint32_t u, size_t first, size_t) {
        labels.push_back({u, std::min(u, Low(records[first]))});
      });
      return labels;
    }
    // Each larger neighbour v of u to the smallest of u's neighbourhood
    // (u included).
    ForEachNode(records, [&](uint32_t u, size_t first, size_t last) {
      const uint32_t m = std::min(u, Low(records[first]));
      for (size_t k = first; k < last; ++k) {
        if (Low(records[k]) > u) edges.push_back(Pack(Low(records[k]), m));
      }
    });
    std::vector<uint64_t>().swap(records);
    SortUnique(edges);
    // Small star: each edge to the owner of its larger end; u and its
    // smaller neighbours to the smallest of them.
    out.assign(ranks, {});
    for (uint64_t e : edges) out[NodeOwner(High(e), ranks)].push_back(e);
    std::vector<uint64_t>().swap(edges);
    records = exchange.AllToAll(out);
    SortUnique(records);
    ForEachNode(records, [&](uint32_t u, size_t first, size_t last) {
      const uint32_t m = Low(records[first]);
      for (size_t k = first + 1; k < last; ++k) {
        edges.push_back(Pack(Low(records[k]), m));
      }
      edges.push_back(Pack(u, m));
    });
    std::vector<uint64_t>().swap(records);
    SortUnique(edges);
  }
}

}  // namespace mimeo::mpi
