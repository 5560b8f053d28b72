#include "mimeo/copy_family.h"

#include <algorithm>
#include <numeric>
#include <tuple>

#include "absl/container/flat_hash_map.h"

namespace mimeo {

namespace {

// One side of one passage.
struct Instance {
  DocId doc;
  uint32_t begin;
  uint32_t end;
};

class UnionFind {
 public:
  explicit UnionFind(size_t n) : parent_(n) {
    std::iota(parent_.begin(), parent_.end(), 0);
  }
  size_t Find(size_t x) {
    while (parent_[x] != x) {
      parent_[x] = parent_[parent_[x]];
      x = parent_[x];
    }
    return x;
  }
  void Union(size_t x, size_t y) {
    x = Find(x);
    y = Find(y);
    if (x != y) parent_[std::max(x, y)] = std::min(x, y);
  }

 private:
  std::vector<size_t> parent_;
};

}  // namespace

std::vector<CopyFamily> GroupCopyFamilies(
    absl::Span<const CopyPair> pairs,
    const std::function<std::optional<int64_t>(DocId)>& date_of) {
  std::vector<Instance> inst;
  for (const CopyPair& p : pairs) {
    for (const Passage& s : p.passages) {
      if (s.boilerplate) continue;
      inst.push_back({p.a, s.a_begin, s.a_end});
      inst.push_back({p.b, s.b_begin, s.b_end});
    }
  }
  UnionFind uf(inst.size());
  for (size_t i = 0; i + 1 < inst.size(); i += 2) uf.Union(i, i + 1);
  // Overlapping instances in one document are the same text.
  std::vector<size_t> order(inst.size());
  std::iota(order.begin(), order.end(), 0);
  auto by_place = [&](size_t x, size_t y) {
    return std::tie(inst[x].doc, inst[x].begin, inst[x].end, x) <
           std::tie(inst[y].doc, inst[y].begin, inst[y].end, y);
  };
  std::sort(order.begin(), order.end(), by_place);
  for (size_t i = 1, reach = 0; i < order.size(); ++i) {
    const Instance& prev = inst[order[reach]];
    const Instance& cur = inst[order[i]];
    if (cur.doc == prev.doc && cur.begin < prev.end) {
      uf.Union(order[reach], order[i]);
      if (cur.end > prev.end) reach = i;
    } else {
      reach = i;
    }
  }

  // Components to families; each member's spans merged where they overlap
  // (order is sorted by place, so each component's instances arrive in
  // place order).
  absl::flat_hash_map<size_t, size_t> family_of;
  std::vector<CopyFamily> families;
  for (size_t i : order) {
    const size_t root = uf.Find(i);
    auto [it, inserted] = family_of.try_emplace(root, families.size());
    if (inserted) families.emplace_back();
    CopyFamily& f = families[it->second];
    const Instance& x = inst[i];
    if (!f.members.empty() && f.members.back().doc == x.doc &&
        x.begin < f.members.back().end) {
      f.members.back().end = std::max(f.members.back().end, x.end);
    } else {
      f.members.push_back({x.doc, x.begin, x.end});
    }
  }

  for (CopyFamily& f : families) {
    // Longest span per document; dates when every member has one.
    absl::flat_hash_map<DocId, const FamilyMember*> longest;
    bool all_dated = static_cast<bool>(date_of);
    absl::flat_hash_map<DocId, int64_t> dates;
    for (const FamilyMember& m : f.members) {
      const FamilyMember*& l = longest[m.doc];
      if (l == nullptr || m.end - m.begin > l->end - l->begin) l = &m;
    }
    f.num_docs = static_cast<uint32_t>(longest.size());
    if (all_dated) {
      for (const auto& [doc, m] : longest) {
        const std::optional<int64_t> d = date_of(doc);
        if (!d) {
          all_dated = false;
          break;
        }
        dates[doc] = *d;
      }
    }
    const FamilyMember* best = nullptr;
    for (const FamilyMember& m : f.members) {
      const FamilyMember* l = longest[m.doc];
      if (l != &m) continue;
      if (best == nullptr) {
        best = l;
        continue;
      }
      const uint32_t len = l->end - l->begin;
      const uint32_t best_len = best->end - best->begin;
      bool better;
      if (all_dated && dates[l->doc] != dates[best->doc]) {
        better = dates[l->doc] < dates[best->doc];
      } else if (len != best_len) {
        better = len > best_len;
      } else {
        better = l->doc < best->doc;
      }
      if (better) best = l;
    }
    f.origin = best->doc;
    f.origin_begin = best->begin;
    f.origin_end = best->end;
  }
  std::sort(families.begin(), families.end(),
            [](const CopyFamily& x, const CopyFamily& y) {
              return std::tie(x.origin, x.origin_begin, x.origin_end) <
                     std::tie(y.origin, y.origin_begin, y.origin_end);
            });
  for (uint32_t i = 0; i < families.size(); ++i) families[i].id = i;
  return families;
}

std::vector<Cluster> ClusterCopies(absl::Span<const CopyPair> pairs,
                                   absl::Span<const CopyFamily> families,
                                   size_t num_docs, double min_share) {
  std::vector<Edge> edges;
  edges.reserve(pairs.size());
  absl::flat_hash_map<std::pair<DocId, DocId>, double> shared;
  for (const CopyPair& p : pairs) {
    // The share of either document that is copy (not boilerplate) shared
    // with the other.
    const auto share = [](uint64_t copied, uint64_t size) {
      return size == 0 ? 0.0
                       : std::min(1.0, static_cast<double>(copied) /
                                           static_cast<double>(size));
    };
    const double score =
        std::max(share(p.copied_tokens_a, p.similarity.size_a),
                 share(p.copied_tokens_b, p.similarity.size_b));
    edges.push_back({p.a, p.b, score});
    shared[{std::min(p.a, p.b), std::max(p.a, p.b)}] = score;
  }
  Clusterer::Options co;
  co.guard_chaining = min_share > 0;
  co.representative_threshold = min_share >= 0 && min_share <= 1 ? min_share
                                : min_share > 1                  ? 1.0
                                                                 : 0.0;
  // Cannot fail: the threshold is in [0, 1].
  const Clusterer clusterer = *Clusterer::Create(co);
  std::vector<Cluster> clusters =
      clusterer.Run(num_docs, edges, [&shared](DocId x, DocId y) {
        auto it = shared.find({std::min(x, y), std::max(x, y)});
        return it == shared.end() ? 0.0 : it->second;
      });
  std::vector<int64_t> cluster_of(num_docs, -1);
  for (const Cluster& c : clusters) {
    for (DocId m : c.members) cluster_of[m] = c.id;
  }
  // Bytes of shared text each family origin holds, per cluster.
  absl::flat_hash_map<DocId, uint64_t> weight;
  for (const CopyFamily& f : families) {
    if (f.origin < num_docs && cluster_of[f.origin] >= 0) {
      weight[f.origin] += f.origin_end - f.origin_begin;
    }
  }
  for (Cluster& c : clusters) {
    uint64_t best = 0;
    for (DocId m : c.members) {  // sorted: ties go to the smaller
      auto it = weight.find(m);
      if (it != weight.end() && it->second > best) {
        best = it->second;
        c.representative = m;
      }
    }
  }
  return clusters;
}

}  // namespace mimeo
