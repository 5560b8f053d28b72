// Sorting by uniform 64-bit keys in linear time.
//
// Band keys and fingerprint hashes are uniform, so one counting pass on
// their top bits into about as many buckets as values leaves a value or
// two per bucket, which a short insertion sort finishes; a long bucket
// (equal keys) is sorted whole. The result is what std::sort gives.
// Used by the LSH all-pairs join (lsh_index.cc) and by the on-disk
// index's posting levels (band_levels.cc).
#ifndef MIMEO_SRC_INTERNAL_BUCKET_SORT_H_
#define MIMEO_SRC_INTERNAL_BUCKET_SORT_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/types/span.h"

namespace mimeo::internal {

// Sorts each bucket of `v` in place, bucket b ending where ends[b] says
// (the first starting at 0): the last step of a counting sort. Long
// buckets by std::sort, short ones (most, at about one value per bucket)
// by insertion.
template <typename T>
void SortEachBucket(std::vector<T>& v, absl::Span<const uint32_t> ends) {
  size_t first = 0;
  for (const uint32_t end : ends) {
    const size_t last = end;
    if (last - first > 32) {
      std::sort(v.begin() + first, v.begin() + last);
    } else {
      for (size_t i = first + 1; i < last; ++i) {
        const T x = v[i];
        size_t j = i;
        for (; j > first && x < v[j - 1]; --j) v[j] = v[j - 1];
        v[j] = x;
      }
    }
    first = last;
  }
}

// Sorts `v` by its operator<, where key(x) is a uniform 64-bit value that
// orders first (x < y whenever key(x) < key(y)). `scratch` and `start`
// are working space, kept by callers that sort many times.
template <typename T, typename Key>
void SortByUniformKey(std::vector<T>& v, std::vector<T>& scratch,
                      std::vector<uint32_t>& start, Key key) {
  const size_t n = v.size();
  if (n < 64 || n > UINT32_MAX) {
    std::sort(v.begin(), v.end());
    return;
  }
  int bits = 1;
  while ((size_t{1} << bits) < n && bits < 20) ++bits;
  const size_t buckets = size_t{1} << bits;
  const auto bucket = [bits, &key](const T& x) {
    return static_cast<size_t>(static_cast<uint64_t>(key(x)) >> (64 - bits));
  };
  start.assign(buckets + 1, 0);
  for (const T& x : v) ++start[bucket(x) + 1];
  for (size_t b = 0; b < buckets; ++b) start[b + 1] += start[b];
  scratch.resize(n);
  for (const T& x : v) scratch[start[bucket(x)]++] = x;
  // start[b] is now where bucket b ends.
  SortEachBucket(scratch, absl::MakeConstSpan(start).first(buckets));
  v.swap(scratch);
}

}  // namespace mimeo::internal

#endif  // MIMEO_SRC_INTERNAL_BUCKET_SORT_H_
