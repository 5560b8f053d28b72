// Streaming pairs: the verified pairs of a whole index handed to a sink
// block by block, in their final order, as they are verified.
//
// Engine::Cluster() and Engine::SharedCopy() return every pair at once, so
// the memory they need grows with the number of pairs: with shared copy,
// every pair's passages (a licence held by thousands of files makes
// millions of pairs). The streams give the same pairs, in the same order
// (sorted by (a, b), a < b), to a sink a block at a time:
//
//   absl::Status s = engine->SharedCopyPairs(
//       [&](absl::Span<CopyPair> block) -> absl::Status {
//         for (CopyPair& p : block) RETURN_IF_ERROR(Write(p));
//         return absl::OkStatus();
//       });
//
// How the work is cut. The candidate pairs are found first, and kept in
// a compact form (8 to 12 bytes each: the near-duplicate candidates are
// what Cluster() keeps too; the copy candidates are (a, b) DocIds). They
// are then cut into blocks of consecutive first documents `a` holding
// about PairStreamOptions::block_pairs candidates each; a block is
// verified (or aligned) on all threads, its pairs sorted, and handed to
// the sink before the next block starts. So memory holds the candidates
// and one block's results, not every result, and the first block reaches
// the sink after the candidates are found plus one block's work.
//
// Shared copy aligns each pair with its later document as the asking text,
// as SharedCopy() always has, so the passages are the same whatever the
// block size; a document whose candidates fall into several blocks is
// prepared for alignment once per block (a few percent more work at the
// default block size).
//
// The sink runs on the calling thread, one block at a time, in order. It
// may move out of the block. An error it returns stops the stream and is
// returned. The engine holds its shared lock while the stream runs, sink
// calls included: the sink may call the engine's const accessors (id(),
// text()...), but not while other threads may write to the same engine
// (a writer waiting for the lock would keep the sink's nested read out).
//
// Thread safety: as Cluster() and SharedCopy() (engine.h).
#ifndef MIMEO_PAIR_STREAM_H_
#define MIMEO_PAIR_STREAM_H_

#include <cstddef>
#include <cstdint>
#include <functional>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "mimeo/copy_family.h"
#include "mimeo/progress.h"
#include "mimeo/verify.h"

namespace mimeo {

// Receives one block of pairs, sorted by (a, b), every pair after those of
// the blocks before. Returns an error to stop the stream.
template <typename Pair>
using PairSink = std::function<absl::Status(absl::Span<Pair> block)>;

struct PairStreamOptions {
  // Candidate pairs per block, about (a block ends with the last
  // candidate of its first document a; at least 1). Smaller blocks reach
  // the sink sooner and hold less; larger ones waste less of the threads
  // at block ends and, for shared copy, prepare fewer texts twice.
  // Default 65,536.
  size_t block_pairs = size_t{1} << 16;
  // Told each phase of the work (progress.h); may be empty.
  ProgressHook progress;
};

// What a stream did besides its pairs.
struct PairStreamStats {
  // Candidate pairs proposed (LSH and SimHash, or the fingerprint index)
  // and verified or aligned.
  uint64_t candidate_pairs = 0;
  // Pairs handed to the sink.
  uint64_t pairs = 0;
  // Blocks handed to the sink (blocks without a pair are not).
  uint64_t blocks = 0;
};

}  // namespace mimeo

#endif  // MIMEO_PAIR_STREAM_H_
