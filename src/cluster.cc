#include "mimeo/cluster.h"

#include <algorithm>
#include <numeric>
#include <tuple>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
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
                                    const SimilarityFn& similarity,
                                    absl::Span<const uint64_t> weight) const {
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
  const auto heavier = [&weight](DocId x, DocId y) {
    const uint64_t wx = weight.empty() ? 0 : weight[x];
    const uint64_t wy = weight.empty() ? 0 : weight[y];
    return wx != wy ? wx > wy : x < y;
  };

  UnionFind uf(num_docs);
  // The representative of each group, indexed by root, and with the guard
  // the members of each group, so that a merge can check them all.
  std::vector<DocId> rep(num_docs);
  std::iota(rep.begin(), rep.end(), DocId{0});
  const bool guard = options_.guard_chaining && similarity;
  std::vector<std::vector<DocId>> members(guard ? num_docs : 0);
  // Merges the guard refused, by root and the number of merges each root
  // had then.
  std::vector<uint32_t> version(guard ? num_docs : 0, 0);
  absl::flat_hash_set<std::tuple<DocId, DocId, uint32_t, uint32_t>> refused;
  std::vector<Edge> accepted;
  for (const Edge& e : order) {
    const DocId ra = uf.Find(e.a), rb = uf.Find(e.b);
    if (ra == rb) {
      accepted.push_back(e);
      continue;
    }
    // The larger group keeps its representative; of two equal groups, the
    // one whose representative is heavier.
    const bool a_leads = uf.Size(ra) != uf.Size(rb) ? uf.Size(ra) > uf.Size(rb)
                                                    : heavier(rep[ra], rep[rb]);
    const DocId lead = a_leads ? ra : rb, other = a_leads ? rb : ra;
    if (guard) {
      // A merge refused stays refused until either group changes.
      const auto key =
          std::make_tuple(std::min(ra, rb), std::max(ra, rb),
                          version[std::min(ra, rb)], version[std::max(ra, rb)]);
      if (refused.contains(key)) continue;
      const DocId core = rep[lead];
      // The core, then up to peers other members of the leading group
      // (its first members: the core's earliest companions).
      std::vector<DocId> judges = {core};
      for (DocId x : members[lead]) {
        if (judges.size() > options_.peers) break;
        if (x != core) judges.push_back(x);
      }
      const auto passes = [&](DocId m) {
        for (DocId j : judges) {
          if (similarity(j, m) < options_.representative_threshold) {
            return false;
          }
        }
        return true;
      };
      bool all = true;
      if (members[other].empty()) {
        all = passes(other);
      } else {
        for (DocId m : members[other]) {
          if (!(all = passes(m))) break;
        }
      }
      if (!all) {
        refused.insert(key);
        continue;
      }
    }
    const DocId keep = rep[lead];
    const DocId root = uf.Union(ra, rb);
    rep[root] = keep;
    if (guard) {
      // Member lists, created when a group first grows past one.
      std::vector<DocId> joined = std::move(members[lead]);
      if (joined.empty()) joined.push_back(lead);
      if (members[other].empty()) {
        joined.push_back(other);
      } else {
        joined.insert(joined.end(), members[other].begin(),
                      members[other].end());
      }
      std::vector<DocId>().swap(members[lead]);
      std::vector<DocId>().swap(members[other]);
      members[root] = std::move(joined);
      ++version[root];
    }
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
      clusters.back().representative = rep[r];
    }
    clusters[it->second].members.push_back(d);
  }
  if (guard) return clusters;
  // Without the guard, the member with the largest total score of accepted
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
