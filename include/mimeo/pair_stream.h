// Streaming pairs: the verified pairs of a whole index handed to a sink
// block by block, in their final order, without holding them all.
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
// How the work is cut. Near-duplicates: the candidate pairs are found
// first (the LSH join; 12 bytes each, as Cluster() keeps them), sorted by
// (a, b), and cut into blocks of consecutive first documents `a` of about
// PairStreamOptions::block_pairs candidates; a block is verified on all
// threads and its pairs handed to the sink before the next block starts.
// Memory holds the candidates and one block's pairs; the first block
// reaches the sink after the join and one block's verification.
//
// Shared copy: each pair is aligned with its later document b as the
// asking text (the judgment of boilerplate reads the asking side, so the
// passages depend on it), which finds the pairs in order of b, as
// SharedCopy() always has. Every block_pairs pairs found are sorted and
// appended, as a run, to an unlinked temporary file in $TMPDIR (else
// /tmp); when every document is aligned, the runs are merged and handed to
// the sink in blocks of block_pairs (src/internal/pair_runs.h). Memory
// holds one block of pairs with their passages and, while merging, one
// pair and a 64 KiB buffer per run; the disk holds every pair's passages
// as offsets (about 60 bytes a passage, no text). The first block reaches
// the sink only once alignment is done: cutting the work by `a` instead
// would prepare a later document again in every block holding one of its
// pairs, which cost 46% more CPU on a generated 100,000-document corpus
// (bench/README.md). When all the pairs fit in one block, no file is made.
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
  // Near-duplicates: candidate pairs per block, about (a block ends with
  // the last candidate of its first document a). Shared copy: pairs per
  // run and per block handed over. At least 1. Smaller blocks hold less
  // (and reach the sink sooner for near-duplicates); larger ones waste
  // less of the threads at block ends and make fewer runs. Default 65,536.
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
