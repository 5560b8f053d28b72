#include "mimeo/lsh_params.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/strings/str_format.h"

namespace mimeo {
namespace {

// Simpson's rule with an even number of intervals; the integrands are
// smooth polynomials in s, so 256 intervals are far more than enough.
template <typename F>
double Integrate(F f, double lo, double hi) {
  constexpr int kSteps = 256;
  if (hi <= lo) return 0.0;
  const double h = (hi - lo) / kSteps;
  double sum = f(lo) + f(hi);
  for (int i = 1; i < kSteps; ++i) sum += f(lo + i * h) * (i % 2 ? 4 : 2);
  return sum * h / 3;
}

void FillAreas(LshParams& p, double t) {
  const uint32_t b = p.bands, r = p.rows;
  p.false_positive_area =
      Integrate([&](double s) { return LshCandidateProbability(s, b, r); }, 0, t);
  p.false_negative_area = Integrate(
      [&](double s) { return 1 - LshCandidateProbability(s, b, r); }, t, 1);
  p.probability_at_threshold = LshCandidateProbability(t, b, r);
}

absl::Status CheckThreshold(double t) {
  if (!(t > 0 && t < 1)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("LSH threshold must be in (0, 1), got %g", t));
  }
  return absl::OkStatus();
}

}  // namespace

double LshCandidateProbability(double s, uint32_t bands, uint32_t rows) {
  return 1.0 - std::pow(1.0 - std::pow(s, rows), bands);
}

absl::StatusOr<LshParams> ChooseLshParams(const LshParamsOptions& o) {
  absl::Status s = CheckThreshold(o.threshold);
  if (!s.ok()) return s;
  if (o.num_perm < 1) {
    return absl::InvalidArgumentError(
        absl::StrFormat("num_perm must be positive, got %d", o.num_perm));
  }
  if (!(o.false_positive_weight > 0) || !(o.false_negative_weight > 0)) {
    return absl::InvalidArgumentError("LSH error weights must be positive");
  }
  if (!(o.min_recall >= 0 && o.min_recall < 1)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "LSH min_recall must be in [0, 1), got %g", o.min_recall));
  }
  if (!(o.recall_margin >= 0 && o.recall_margin < 1)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "LSH recall_margin must be in [0, 1), got %g", o.recall_margin));
  }
  const double recall_point = std::min(1.0, o.threshold + o.recall_margin);
  // Bandings are ranked by (recall short of the floor, weighted cost): every
  // banding that meets the floor has shortfall 0 and the cost decides; when
  // none meets it, the one that comes nearest wins.
  LshParams best;
  double best_shortfall = std::numeric_limits<double>::infinity();
  double best_cost = std::numeric_limits<double>::infinity();
  const uint32_t n = static_cast<uint32_t>(o.num_perm);
  for (uint32_t b = 1; b <= n; ++b) {
    for (uint32_t r = 1; b * r <= n; ++r) {
      const double shortfall = std::max(
          0.0, o.min_recall - LshCandidateProbability(recall_point, b, r));
      if (shortfall > best_shortfall) continue;
      LshParams p;
      p.bands = b;
      p.rows = r;
      FillAreas(p, o.threshold);
      const double cost = o.false_positive_weight * p.false_positive_area +
                          o.false_negative_weight * p.false_negative_area;
      if (shortfall < best_shortfall || cost < best_cost) {
        best_shortfall = shortfall;
        best_cost = cost;
        best = p;
      }
    }
  }
  return best;
}

absl::StatusOr<LshParams> MakeLshParams(uint32_t bands, uint32_t rows,
                                        int num_perm, double threshold) {
  absl::Status s = CheckThreshold(threshold);
  if (!s.ok()) return s;
  if (bands < 1 || rows < 1 ||
      static_cast<uint64_t>(bands) * rows > static_cast<uint64_t>(num_perm)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "LSH bands x rows must be at least 1 x 1 and at most num_perm = %d; "
        "got %d x %d",
        num_perm, bands, rows));
  }
  LshParams p;
  p.bands = bands;
  p.rows = rows;
  FillAreas(p, threshold);
  return p;
}

}  // namespace mimeo
