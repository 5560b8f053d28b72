// Stage 6 of the pipeline: choosing the LSH banding for a threshold.
//
// A MinHash signature of num_perm values is cut into b bands of r rows
// (b * r <= num_perm). Two documents become candidates when all r rows of at
// least one band agree, which for Jaccard similarity s happens with
// probability P(s) = 1 - (1 - s^r)^b: an S-curve that rises around
// (1/b)^(1/r).
//
// ChooseLshParams picks (b, r) for a threshold t in two steps:
//   1. Recall floor: only bandings with P(t + recall_margin) >= min_recall
//      qualify (by default P(t + 0.05) >= 0.99).
//   2. Among those, the one minimizing
//          fp_weight * integral_0^t P(s) ds
//        + fn_weight * integral_t^1 (1 - P(s)) ds,
//      the weighted areas of false positives below t and false negatives
//      above it (datasketch's criterion; equal weights by default).
//
// Why a floor: for deduplication a pair the banding misses is lost for good,
// while a needless candidate costs one exact verification. Step 2 alone
// (what ChooseLshParams did before 2026-11-30) gives P(t + 0.05) of only
// 0.60-0.81 for t in 0.3 .. 0.9 at 128 permutations. Raising the false
// negative weight instead also raises recall, but by an amount that depends
// on t and num_perm and cannot be stated in advance; the floor is a figure a
// user can read and a test can check.
//
// The price is paid just below t. At 128 permutations (P at t - 0.1, t,
// t + 0.05, t + 0.1):
//
//   t     b x r    P(t-0.1)  P(t)   P(t+0.05)  P(t+0.1)   before (no floor)
//   0.3   36 x 2   0.77      0.966  0.991      0.998      37 x 3
//   0.5   26 x 3   0.82      0.969  0.991      0.998      25 x 5
//   0.7   17 x 5   0.75      0.956  0.990      0.999      14 x 9
//   0.8   15 x 8   0.59      0.936  0.992      1.000       9 x 13
//   0.9    8 x 16  0.20      0.806  0.990      1.000       5 x 25
//   0.05  44 x 1   0.00      0.895  0.990      0.999      32 x 1
//
// so the verifier sees more pairs just under t (at 0.5 the false positive
// area grows from 0.054 to 0.202 as the false negative area falls from
// 0.034 to 0.001). The curve moves left by cutting fewer rows per band; the
// band count, which sets the index's memory per document, rises at high
// thresholds (15 against 9 at 0.8) and at the engine's default 0.05 (44
// against 32; see bench/README.md for what that costs).
//
// A floor that no banding of num_perm rows reaches (a low t with few
// permutations, e.g. t = 0.2 at 16) is met as nearly as possible: the
// banding with the highest P(t + recall_margin) is chosen, ties broken by
// step 2. When t + recall_margin >= 1 the floor holds for every banding and
// step 2 decides alone.
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
  // The recall floor: P(threshold + recall_margin) >= min_recall. Default
  // 0.99 at threshold + 0.05: fewer than one pair in a hundred lost by the
  // banding once its Jaccard is 0.05 above the threshold (about the
  // standard error of a 128-value MinHash estimate near 0.5). min_recall
  // in [0, 1); 0 turns the floor off. recall_margin in [0, 1).
  double min_recall = 0.99;
  double recall_margin = 0.05;
  // Weights of the two error areas of step 2; positive. Equal by default:
  // once the floor holds, the false negative area left is a sliver between
  // t and t + recall_margin (under 0.005), and equal weights choose the
  // same banding as the false positive area alone, the fewest needless
  // candidates, at every t from 0.05 to 0.9 (steps of 0.05) for 16 to 256
  // permutations where the floor can be met.
  // Where the floor is void (t + recall_margin >= 1) the false positive
  // area alone would pick one band of all rows, so it is not the default.
  double false_positive_weight = 0.5;
  double false_negative_weight = 0.5;
};

// Fails on a threshold outside (0, 1), num_perm < 1, a weight <= 0, or
// min_recall or recall_margin outside [0, 1).
absl::StatusOr<LshParams> ChooseLshParams(const LshParamsOptions& options);

// Explicit banding: fails unless bands >= 1, rows >= 1 and
// bands * rows <= num_perm. Fills the areas for `threshold` as above.
absl::StatusOr<LshParams> MakeLshParams(uint32_t bands, uint32_t rows,
                                        int num_perm, double threshold);

}  // namespace mimeo

#endif  // MIMEO_LSH_PARAMS_H_
