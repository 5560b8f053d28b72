#include "mimeo/cluster.h"

#include <algorithm>
#include <numeric>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_format.h"

namespace mimeo {
namespace {

class UnionFind {
 public:
  explicit UnionFind(size_t n) : parent_(n), size_(n, 1) {
    std::iota(parent_.begin(), parent_.end(), DocId{0});
  }
  DocId Find(DocId x) {
    while (parent_[x] != x) {
      parent_[x] = parent_[parent_[x]];  // path halving
      x = parent_[x];
    }
    return x;
  }
  // Joins the groups of roots x and y; returns the new root.
  DocId Union(DocId x, DocId y) {
    if (size_[x] < size_[y] || (size_[x] == size_[y] && y < x)) std::swap(x, y);
    parent_[y] = x;
    size_[x] += size_[y];
    return x;
  }
  uint32_t Size(DocId root) const { return size_[root]; }

 private:
  std::vector<DocId> parent_;
  std::vector<uint32_t> size_;
};

}  // namespace

absl::Status Clusterer::Options::Validate() const {
  if (!(representative_threshold >= 0 && representative_threshold <= 1)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "representative_threshold must be in [0, 1], got %g",
        representative_threshold));
  }
  return absl::OkStatus();
}

absl::StatusOr<Clusterer> Clusterer::Create(const Options& options) {
  absl::Status s = options.Validate();
  if (!s.ok()) return s;
  return Clusterer(options);
}

std::vector<Cluster> Clusterer::Run(size_t num_docs,
                                    absl::Span<const Edge> edges,
                                    const SimilarityFn& similarity) const {
  // Strongest edges first; ties broken by the endpoints so that the order,
  // and with it the result, never depends on the input order.
  std::vector<Edge> order(edges.begin(), edges.end());
  for (Edge& e : order) {
    if (e.b < e.a) std::swap(e.a, e.b);
  }
  std::sort(order.begin(), order.end(), [](const Edge& x, const Edge& y) {
    if (x.score != y.score) return x.score > y.score;
    if (x.a != y.a) return x.a < y.a;
    return x.b < y.b;
  });

  UnionFind uf(num_docs);
  // The representative of each group while merging, indexed by root: the
  // representative of the larger group survives a merge.
  std::vector<DocId> rep(num_docs);
  std::iota(rep.begin(), rep.end(), DocId{0});
  std::vector<Edge> accepted;
  const bool guard = options_.guard_chaining && similarity;
  for (const Edge& e : order) {
    const DocId ra = uf.Find(e.a), rb = uf.Find(e.b);
    if (ra == rb) {
      accepted.push_back(e);
      continue;
    }
    if (guard && uf.Size(ra) + uf.Size(rb) > 2) {
      const DocId pa = rep[ra], pb = rep[rb];
      if (similarity(pa, pb) < options_.representative_threshold) continue;
    }
    const DocId keep = (uf.Size(ra) > uf.Size(rb) ||
                        (uf.Size(ra) == uf.Size(rb) && rep[ra] < rep[rb]))
                           ? rep[ra]
                           : rep[rb];
    const DocId root = uf.Union(ra, rb);
    rep[root] = keep;
    accepted.push_back(e);
  }

  // Groups of two or more, numbered by smallest member.
  absl::flat_hash_map<DocId, uint32_t> index_of_root;
  std::vector<Cluster> clusters;
  for (DocId d = 0; d < num_docs; ++d) {
    const DocId r = uf.Find(d);
    if (uf.Size(r) < 2) continue;
    auto [it, inserted] =
        index_of_root.try_emplace(r, static_cast<uint32_t>(clusters.size()));
    if (inserted) {
      clusters.emplace_back();
      clusters.back().id = it->second;
    }
    clusters[it->second].members.push_back(d);
  }
  // Representative: the member with the largest total score of accepted
  // edges; the smallest id among equals.
  absl::flat_hash_map<DocId, double> strength;
  for (const Edge& e : accepted) {
    strength[e.a] += e.score;
    strength[e.b] += e.score;
  }
  for (Cluster& c : clusters) {
    c.representative = c.members.front();
    double best = -1;
    for (DocId m : c.members) {
      const auto it = strength.find(m);
      const double s = it == strength.end() ? 0 : it->second;
      if (s > best) {
        best = s;
        c.representative = m;
      }
    }
  }
  return clusters;
}

}  // namespace mimeo
