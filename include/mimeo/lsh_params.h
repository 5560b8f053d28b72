// Stage 6 of the pipeline: choosing the LSH banding for a threshold.
//
// A MinHash signature of num_perm values is cut into b bands of r rows
// (b * r <= num_perm). Two documents become candidates when all r rows of at
// least one band agree, which for Jaccard similarity s happens with
// probability P(s) = 1 - (1 - s^r)^b: an S-curve that rises around
// (1/b)^(1/r).
//
// ChooseLshParams picks (b, r) for a threshold t by minimizing
//   fp_weight * integral_0^t P(s) ds  +  fn_weight * integral_t^1 (1 - P(s)) ds,
// the weighted areas of false positives below t and false negatives above
// it (the same criterion as datasketch, so the choices are comparable).
#ifndef MIMEO_LSH_PARAMS_H_
#define MIMEO_LSH_PARAMS_H_

#include <cstdint>

#include "absl/status/statusor.h"

namespace mimeo {

struct LshParams {
  uint32_t bands = 0;
  uint32_t rows = 0;
  // For the record: the objective's parts at the chosen (b, r), and P(t).
  double false_positive_area = 0;
  double false_negative_area = 0;
  double probability_at_threshold = 0;
};

// 1 - (1 - s^rows)^bands: the chance two sets of Jaccard s share a band.
double LshCandidateProbability(double s, uint32_t bands, uint32_t rows);

struct LshParamsOptions {
  // Jaccard similarity the banding should separate, in (0, 1).
  double threshold = 0.5;
  // Signature length the bands are cut from.
  int num_perm = 128;
  // Weights of the two error areas; positive. Defaults favour recall.
  double false_positive_weight = 0.5;
  double false_negative_weight = 0.5;
};

// Fails on a threshold outside (0, 1), num_perm < 1, or a weight <= 0.
absl::StatusOr<LshParams> ChooseLshParams(const LshParamsOptions& options);

// Explicit banding: fails unless bands >= 1, rows >= 1 and
// bands * rows <= num_perm. Fills the areas for `threshold` as above.
absl::StatusOr<LshParams> MakeLshParams(uint32_t bands, uint32_t rows,
                                        int num_perm, double threshold);

}  // namespace mimeo

#endif  // MIMEO_LSH_PARAMS_H_
