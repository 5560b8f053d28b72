// Connected components of a graph whose edges are spread over MPI ranks,
// found without gathering them anywhere: the large-star / small-star
// rounds of Kiveris, Lattanzi, Mirrokni, Rastogi and Vassilvitskii
// ("Connected Components in MapReduce and Beyond", SoCC 2014).
//
// Each node is owned by one rank (NodeOwner(), a hash of its number).
// A large-star round sends every edge to the owners of both its ends; each
// owner links the neighbours of its node u that are larger than u to the
// smallest node of u's neighbourhood. A small-star round sends every edge
// to the owner of its larger end; each owner links u and its smaller
// neighbours to the smallest of them. Neither changes the components, and
// alternated they end, in O(log^2 n) rounds at worst and a few in practice,
// with every component a star around its smallest node. That state is
// seen where the large-star round gathers a node's neighbours: every node
// has only larger neighbours (a centre) or exactly one smaller neighbour
// and nothing else (a leaf); the ranks agree on it with MPI_Allreduce.
//
// Memory per rank: the edges it holds (8 bytes each, twice during a
// large-star round) and the exchange's buffers (exchange.h); nothing is
// gathered on one rank.
#ifndef MIMEO_TOOLS_MPI_COMPONENTS_H_
#define MIMEO_TOOLS_MPI_COMPONENTS_H_

#include <cstdint>
#include <vector>

#include "exchange.h"

namespace mimeo::mpi {

// The rank owning node `node` of a graph on `ranks` ranks: a mix of its
// number, so that runs of consecutive nodes spread.
int NodeOwner(uint32_t node, int ranks);

struct NodeLabel {
  uint32_t node;
  // The smallest node of the node's component.
  uint32_t root;
};

// The component of every node that is the end of an edge. `edges`: this
// rank's share of the edges, each packed as (a << 32 | b) with a != b, in
// any order, repeated or not, either way round. Returns the
// labels of the nodes this rank owns (NodeOwner()), by node, ascending.
// `rounds`, when given, receives the number of large-star rounds. Collective.
std::vector<NodeLabel> ConnectedComponents(Exchanger& exchange,
                                           std::vector<uint64_t> edges,
                                           uint64_t* rounds = nullptr);

}  // namespace mimeo::mpi

#endif  // MIMEO_TOOLS_MPI_COMPONENTS_H_
