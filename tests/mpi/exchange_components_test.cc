// The exchanges in rounds (tools/mpi/exchange.h) and the distributed
// connected components (tools/mpi/components.h), on however many ranks
// mpiexec starts:
//
//   mpiexec -np 3 mpi_exchange_components_test [ROUND_BYTES]
//
// Every rank makes the same data from fixed seeds, sends and receives its
// part, and checks what it got against what it can compute alone; the
// components are checked against a union-find over all the edges. With a
// small ROUND_BYTES every exchange takes many rounds, which the test
// checks. Prints one line per failure and exits 1 when any rank failed.
#include <mpi.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "components.h"
#include "exchange.h"

namespace mimeo::mpi {
namespace {

int failures = 0;

void Check(bool ok, const std::string& what) {
  if (ok) return;
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  std::fprintf(stderr, "rank %d: FAILED: %s\n", rank, what.c_str());
  ++failures;
}

// A 12-byte element, so that chunks are not a power of two.
struct Triple {
  uint32_t from, to, k;
};

// How many elements rank `from` sends rank `to`: 0 for some pairs, up to a
// few thousand for others.
uint32_t Count(int from, int to, int salt) {
  std::mt19937 rng(static_cast<uint32_t>(from * 7919 + to * 104729 + salt));
  const uint32_t c = rng() % 4;
  return c == 0 ? 0 : rng() % (c == 3 ? 5000u : 40u);
}

void TestAllToAll(Exchanger& ex) {
  const int me = ex.rank(), n = ex.ranks();
  std::vector<std::vector<Triple>> out(n);
  for (int to = 0; to < n; ++to) {
    for (uint32_t k = 0; k < Count(me, to, 1); ++k) {
      out[to].push_back(
          {static_cast<uint32_t>(me), static_cast<uint32_t>(to), k});
    }
  }
  const std::vector<Triple> in = ex.AllToAll(out);
  size_t at = 0;
  bool ok = true;
  for (int from = 0; from < n; ++from) {
    for (uint32_t k = 0; k < Count(from, me, 1); ++k, ++at) {
      ok = ok && at < in.size() && in[at].from == static_cast<uint32_t>(from) &&
           in[at].to == static_cast<uint32_t>(me) && in[at].k == k;
    }
  }
  Check(ok && at == in.size(),
        "AllToAll: the elements received, in rank order");
  for (const auto& o : out) Check(o.empty(), "AllToAll empties its input");

  // Bytes, whose chunks are any size.
  std::vector<std::vector<char>> bytes(n);
  for (int to = 0; to < n; ++to) {
    for (uint32_t k = 0; k < Count(me, to, 2) * 3; ++k) {
      bytes[to].push_back(static_cast<char>(me * 31 + to * 7 + k));
    }
  }
  const std::vector<char> got = ex.AllToAll(bytes);
  at = 0;
  ok = true;
  for (int from = 0; from < n; ++from) {
    for (uint32_t k = 0; k < Count(from, me, 2) * 3; ++k, ++at) {
      ok = ok && at < got.size() &&
           got[at] == static_cast<char>(from * 31 + me * 7 + k);
    }
  }
  Check(ok && at == got.size(), "AllToAll of bytes");
}

void TestGathers(Exchanger& ex) {
  const int me = ex.rank(), n = ex.ranks();
  std::vector<uint64_t> mine(Count(me, 0, 3));
  std::iota(mine.begin(), mine.end(),
            uint64_t{1000} * static_cast<uint64_t>(me));
  std::vector<uint64_t> expected;
  for (int r = 0; r < n; ++r) {
    for (uint32_t k = 0; k < Count(r, 0, 3); ++k) {
      expected.push_back(uint64_t{1000} * static_cast<uint64_t>(r) + k);
    }
  }
  Check(ex.GatherOnAll(mine) == expected, "GatherOnAll");
  const std::vector<uint64_t> zero = ex.GatherOnZero(mine);
  Check(me == 0 ? zero == expected : zero.empty(), "GatherOnZero");
  std::vector<uint32_t> v;
  if (me == 0) {
    for (uint32_t k = 0; k < 3001; ++k) v.push_back(k * k);
  }
  ex.Broadcast(v);
  bool ok = v.size() == 3001;
  for (uint32_t k = 0; ok && k < v.size(); ++k) ok = v[k] == k * k;
  Check(ok, "Broadcast");
}

// Components of `edges` (over nodes < num_nodes) by a union-find: each
// node's smallest fellow, or UINT32_MAX for a node on no edge.
std::vector<uint32_t> Expected(const std::vector<uint64_t>& edges,
                               uint32_t num_nodes) {
  std::vector<uint32_t> parent(num_nodes);
  std::iota(parent.begin(), parent.end(), 0u);
  const auto find = [&](uint32_t x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  };
  std::vector<bool> seen(num_nodes, false);
  for (uint64_t e : edges) {
    const uint32_t a = static_cast<uint32_t>(e >> 32),
                   b = static_cast<uint32_t>(e);
    seen[a] = seen[b] = true;
    const uint32_t x = find(a), y = find(b);
    if (x != y) parent[std::max(x, y)] = std::min(x, y);
  }
  std::vector<uint32_t> root(num_nodes, UINT32_MAX);
  for (uint32_t i = 0; i < num_nodes; ++i) {
    if (seen[i]) root[i] = find(i);
  }
  return root;
}

void TestComponents(Exchanger& ex, const std::string& name,
                    const std::vector<uint64_t>& edges, uint32_t num_nodes) {
  const int me = ex.rank(), n = ex.ranks();
  std::vector<uint64_t> share;
  for (size_t i = 0; i < edges.size(); ++i) {
    if (static_cast<int>(i % static_cast<size_t>(n)) == me)
      share.push_back(edges[i]);
  }
  uint64_t rounds = 0;
  const std::vector<NodeLabel> labels = ConnectedComponents(ex, share, &rounds);
  const std::vector<uint32_t> root = Expected(edges, num_nodes);
  bool ok = true;
  uint64_t mine = 0;
  for (size_t i = 0; i < labels.size(); ++i) {
    const NodeLabel& l = labels[i];
    ok = ok && l.node < num_nodes && root[l.node] == l.root &&
         NodeOwner(l.node, n) == me && (i == 0 || labels[i - 1].node < l.node);
  }
  for (uint32_t i = 0; i < num_nodes; ++i) {
    mine += root[i] != UINT32_MAX && NodeOwner(i, n) == me;
  }
  Check(ok && mine == labels.size(),
        name +
            ": every owned endpoint labelled with its component's smallest "
            "node, in order (" +
            std::to_string(rounds) + " rounds)");
}

void TestGraphs(Exchanger& ex) {
  std::mt19937_64 rng(42);
  // A path whose nodes are numbered at random: the slow case for label
  // propagation.
  {
    const uint32_t n = 3000;
    std::vector<uint32_t> order(n);
    std::iota(order.begin(), order.end(), 0u);
    std::shuffle(order.begin(), order.end(), rng);
    std::vector<uint64_t> edges;
    for (uint32_t i = 0; i + 1 < n; ++i) {
      edges.push_back(uint64_t{order[i]} << 32 | order[i + 1]);
    }
    TestComponents(ex, "a shuffled path", edges, n);
  }
  // A path numbered in order, both ways round.
  {
    std::vector<uint64_t> edges;
    for (uint32_t i = 0; i + 1 < 2000; ++i) {
      edges.push_back(i % 2 ? uint64_t{i} << 32 | (i + 1)
                            : uint64_t{i + 1} << 32 | i);
    }
    TestComponents(ex, "an ordered path", edges, 2000);
  }
  // Many small components and a few large ones, repeated edges included,
  // over sparse node numbers (some nodes on no edge).
  {
    const uint32_t n = 20000;
    std::vector<uint64_t> edges;
    for (int i = 0; i < 9000; ++i) {
      const uint32_t a = static_cast<uint32_t>(rng() % n);
      const uint32_t b = rng() % 10 == 0 ? static_cast<uint32_t>(rng() % n)
                                         : (a + 1 + rng() % 5) % n;
      if (a != b) edges.push_back(uint64_t{a} << 32 | b);
      if (i % 50 == 0 && a != b) edges.push_back(uint64_t{b} << 32 | a);
    }
    TestComponents(ex, "a random sparse graph", edges, n);
  }
  // A star around its largest node, and a clique.
  {
    std::vector<uint64_t> edges;
    for (uint32_t i = 0; i < 500; ++i) edges.push_back(uint64_t{500} << 32 | i);
    for (uint32_t a = 600; a < 640; ++a) {
      for (uint32_t b = a + 1; b < 640; ++b)
        edges.push_back(uint64_t{a} << 32 | b);
    }
    TestComponents(ex, "a star and a clique", edges, 640);
  }
  TestComponents(ex, "no edges", {}, 1);
}

}  // namespace
}  // namespace mimeo::mpi

int main(int argc, char** argv) {
  using namespace mimeo::mpi;
  MPI_Init(&argc, &argv);
  const uint64_t round_bytes = argc > 1 ? std::strtoull(argv[1], nullptr, 10)
                                        : Exchanger::kDefaultRoundBytes;
  {
    Exchanger ex(MPI_COMM_WORLD, round_bytes);
    TestAllToAll(ex);
    TestGathers(ex);
    TestGraphs(ex);
    if (ex.ranks() > 1 && round_bytes < 1000) {
      Check(ex.most_rounds() > 1,
            "exchanges of " + std::to_string(round_bytes) +
                " bytes a round took more than one round (most: " +
                std::to_string(ex.most_rounds()) + ")");
    }
    int any = failures;
    MPI_Allreduce(MPI_IN_PLACE, &any, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    if (ex.rank() == 0) {
      std::printf(
          "%s: %d ranks, %llu bytes a round, %llu rounds (at most %llu "
          "in one exchange)\n",
          any == 0 ? "passed" : "FAILED", ex.ranks(),
          static_cast<unsigned long long>(round_bytes),
          static_cast<unsigned long long>(ex.rounds()),
          static_cast<unsigned long long>(ex.most_rounds()));
    }
    failures = any;
  }
  MPI_Finalize();
  return failures == 0 ? 0 : 1;
}
