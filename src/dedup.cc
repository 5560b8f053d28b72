#include "mimeo/dedup.h"

#include "absl/strings/str_format.h"

namespace mimeo {

DocId ChooseKept(const Cluster& cluster, const DateFn& date_of,
                 absl::Span<const uint64_t> lengths) {
  bool all_dated = static_cast<bool>(date_of);
  std::vector<std::optional<int64_t>> dates;
  if (all_dated) {
    dates.reserve(cluster.members.size());
    for (DocId m : cluster.members) {
      dates.push_back(date_of(m));
      if (!dates.back()) {
        all_dated = false;
        break;
      }
    }
  }
  const auto length = [&](DocId d) -> uint64_t {
    return lengths.empty() ? 0 : lengths[d];
  };
  // Members are compared on (date when all have one, longer, smaller id),
  // whatever order the cluster lists them in.
  size_t best = 0;
  for (size_t i = 1; i < cluster.members.size(); ++i) {
    const DocId m = cluster.members[i];
    const DocId b = cluster.members[best];
    if (all_dated && *dates[i] != *dates[best]) {
      if (*dates[i] < *dates[best]) best = i;
      continue;
    }
    if (length(m) != length(b)) {
      if (length(m) > length(b)) best = i;
      continue;
    }
    if (m < b) best = i;
  }
  return cluster.members[best];
}

absl::StatusOr<std::vector<DedupDecision>> DecideKeep(
    size_t num_docs, absl::Span<const Cluster> clusters, const DateFn& date_of,
    absl::Span<const uint64_t> lengths) {
  if (!lengths.empty() && lengths.size() != num_docs) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "DecideKeep: %d lengths for %d documents", lengths.size(), num_docs));
  }
  std::vector<DedupDecision> out(num_docs);
  for (DocId d = 0; d < num_docs; ++d) out[d].kept = d;
  for (const Cluster& c : clusters) {
    if (c.members.empty()) {
      return absl::InvalidArgumentError(
          absl::StrFormat("DecideKeep: cluster %d has no members", c.id));
    }
    for (DocId m : c.members) {
      if (m >= num_docs) {
        return absl::InvalidArgumentError(
            absl::StrFormat("DecideKeep: cluster %d holds document %d of %d",
                            c.id, m, num_docs));
      }
      if (out[m].cluster) {
        return absl::InvalidArgumentError(
            absl::StrFormat("DecideKeep: document %d is in clusters %d and %d",
                            m, *out[m].cluster, c.id));
      }
      out[m].cluster = c.id;
    }
    const DocId kept = ChooseKept(c, date_of, lengths);
    for (DocId m : c.members) {
      out[m].keep = m == kept;
      out[m].kept = kept;
    }
  }
  return out;
}

}  // namespace mimeo
