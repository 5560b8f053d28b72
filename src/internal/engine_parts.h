// The Engine's private types, shared by engine.cc, snapshot.cc and
// pair_stream.cc.
#ifndef MIMEO_SRC_INTERNAL_ENGINE_PARTS_H_
#define MIMEO_SRC_INTERNAL_ENGINE_PARTS_H_

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "mimeo/engine.h"
#include "internal/arena.h"
#include "oneapi/tbb/task_arena.h"

namespace mimeo {

// Everything the engine keeps of one document, before it is inserted.
struct Engine::Sketch {
  std::vector<uint32_t> signature;
  uint64_t fingerprint = 0;
  std::vector<uint64_t> set;  // empty without keep_shingle_sets
  uint64_t set_size = 0;     // distinct shingles (estimated without sets)
  std::vector<Fingerprint> fps;  // winnowed, with copy on
  uint64_t invalid_utf8 = 0;
  uint64_t nul_bytes = 0;
  // The text as the store packs it (DocumentStore::PackText()), when it
  // keeps texts packed; packed while sketching, outside the writer lock.
  std::string packed_text;
};

// The common shingles, as of a number of DocIds and removals
// (Engine::CommonModel()).
struct Engine::Common {
  CommonShingles shingles;
  // Per DocId below num_ids, its common shingles, sorted: those of d are
  // hashes[offsets[d], offsets[d + 1]). Both empty when nothing is common
  // (CommonIn() then finds nothing for any document).
  std::vector<uint64_t> hashes;
  std::vector<uint64_t> offsets;
  size_t num_ids = 0;
  uint64_t removed = 0;
};

// The Add() calls waiting to be inserted together (group commit): each
// queues its sketched document; the first to find no insert under way
// takes every queued one and inserts them in one transaction (one fsync
// on disk), then hands each its answer.
struct Engine::PendingAdd {
  const Document* doc = nullptr;
  Sketch* sketch = nullptr;
  absl::StatusOr<DocId> result = absl::UnknownError("not inserted");
  bool done = false;
};

struct Engine::AddGroup {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<PendingAdd*> queue;
  bool inserting = false;
};

// Buffers reused across documents by one thread.
struct Engine::Scratch {
  NormalizedText normalized;
  std::vector<Token> tokens;
  Shingles shingles;
};

}  // namespace mimeo

#endif  // MIMEO_SRC_INTERNAL_ENGINE_PARTS_H_
