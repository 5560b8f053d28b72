// The task arena mimeo's parallel work runs in, for a number of threads as
// Engine::Options::threads and --threads give it.
#ifndef MIMEO_SRC_INTERNAL_ARENA_H_
#define MIMEO_SRC_INTERNAL_ARENA_H_

#include <algorithm>

#include "oneapi/tbb/info.h"
#include "oneapi/tbb/task_arena.h"

namespace mimeo::internal {

// `threads` workers, or all cores for 0. More threads than cores are as
// many as cores: TBB would refuse the extra workers anyway, with a warning
// on stderr.
inline tbb::task_arena Arena(int threads) {
  if (threads <= 0) return tbb::task_arena(tbb::task_arena::automatic);
  return tbb::task_arena(std::min(threads, tbb::info::default_concurrency()));
}

}  // namespace mimeo::internal

#endif  // MIMEO_SRC_INTERNAL_ARENA_H_
