// Reporting one phase of a long call through a ProgressHook
// (mimeo/progress.h), keeping the hook's contract.
#ifndef MIMEO_SRC_INTERNAL_PHASE_REPORTER_H_
#define MIMEO_SRC_INTERNAL_PHASE_REPORTER_H_

#include <cstdint>
#include <string_view>

#include "mimeo/progress.h"

namespace mimeo {
namespace internal {

// Reports one phase through a hook, keeping its contract: the constructor
// announces it at 0, Advance() adds to `done`, Finish() (or the destructor)
// ends it at total. Does nothing with an empty hook.
class PhaseReporter {
 public:
  PhaseReporter(const ProgressHook& hook, std::string_view phase,
                uint64_t total)
      : hook_(hook), phase_(phase), total_(total) {
    if (hook_) hook_(phase_, 0, total_);
  }
  ~PhaseReporter() { Finish(); }
  PhaseReporter(const PhaseReporter&) = delete;
  PhaseReporter& operator=(const PhaseReporter&) = delete;

  void Advance(uint64_t n) {
    done_ = done_ + n > total_ ? total_ : done_ + n;
    if (hook_ && !finished_ && done_ < total_) hook_(phase_, done_, total_);
  }
  void Finish() {
    if (finished_) return;
    finished_ = true;
    if (hook_ && total_ > 0) hook_(phase_, total_, total_);
  }

 private:
  const ProgressHook& hook_;
  const std::string_view phase_;
  const uint64_t total_;
  uint64_t done_ = 0;
  bool finished_ = false;
};

}  // namespace internal
}  // namespace mimeo

#endif  // MIMEO_SRC_INTERNAL_PHASE_REPORTER_H_
