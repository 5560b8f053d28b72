// The pair streams (pair_stream.h): near-duplicate verification cut into
// blocks of consecutive first documents, shared copy aligned in order of
// the later document and merged back through sorted runs; both handed to
// a sink in (a, b) order. Cluster() and SharedCopy() (engine.cc) collect
// them.
#include "mimeo/pair_stream.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "internal/aligned_text_cache.h"
#include "internal/engine_parts.h"
#include "internal/fingerprint_lookup.h"
#include "internal/pair_runs.h"
#include "internal/phase_reporter.h"
#include "internal/status_macros.h"
#include "internal/writer_preferring_mutex.h"
#include "mimeo/engine.h"
#include "oneapi/tbb/enumerable_thread_specific.h"
#include "oneapi/tbb/parallel_for.h"
#include "oneapi/tbb/parallel_invoke.h"

namespace mimeo {
namespace {

// Shared copy keeps up to this many candidates' texts prepared per thread,
// holding up to this many bytes over all threads.
constexpr size_t kCopyCacheTexts = 256;
constexpr size_t kCopyCacheBytes = size_t{256} << 20;
// Shared copy aligns this many asking documents between two reports of
// progress (and two checks whether its pairs fill a block).
constexpr size_t kAlignStepDocs = 1024;

// Sorts shared-copy pairs by (a, b).
void SortPairs(std::vector<CopyPair>& pairs) {
  std::sort(pairs.begin(), pairs.end(),
            [](const CopyPair& x, const CopyPair& y) {
              return x.a != y.a ? x.a < y.a : x.b < y.b;
            });
}

// The end of the block starting at `begin` of `pairs` (sorted by a): at
// least `target` pairs, then on to the end of the last first document.
template <typename Pair>
size_t BlockEnd(const std::vector<Pair>& pairs, size_t begin, size_t target) {
  size_t end = std::min(pairs.size(), begin + std::max<size_t>(target, 1));
  while (end < pairs.size() && pairs[end].a == pairs[end - 1].a) ++end;
  return end;
}

}  // namespace

absl::StatusOr<PairStreamStats> Engine::NearDuplicatePairs(
    const PairSink<VerifiedPair>& sink,
    const PairStreamOptions& options) const {
  RETURN_IF_ERROR(RequireSignatures("NearDuplicatePairs()"));
  RETURN_IF_ERROR(FollowStoreShared());
  std::shared_lock lock(*mu_);
  std::shared_ptr<const Common> common;
  return StreamNearDuplicates(common, sink, options);
}

absl::StatusOr<PairStreamStats> Engine::SharedCopyPairs(
    const PairSink<CopyPair>& sink, const PairStreamOptions& options) const {
  RETURN_IF_ERROR(RequireCopy());
  RETURN_IF_ERROR(FollowStoreShared());
  PackFingerprintsShared();
  std::shared_lock lock(*mu_);
  const std::shared_ptr<const Common> common = CommonModel(/*current=*/true);
  return StreamSharedCopy(*common, sink, options);
}

absl::StatusOr<PairStreamStats> Engine::StreamNearDuplicates(
    std::shared_ptr<const Common>& common, const PairSink<VerifiedPair>& sink,
    const PairStreamOptions& options) const {
  tbb::task_arena arena = internal::Arena(options_.threads);
  absl::StatusOr<std::vector<CandidatePair>> found;
  {
    internal::PhaseReporter phase(options.progress, kProgressLshJoin, 1);
    arena.execute([&] {
      tbb::parallel_invoke(
          [&] { common = CommonModel(/*current=*/true, /*in_arena=*/true); },
          [&] { found = NearDuplicateCandidates(); });
    });
  }
  RETURN_IF_ERROR(found.status());
  const NearDuplicateDocs docs = DocsFor(*common);
  const std::vector<CandidatePair>& candidates = *found;
  PairStreamStats stats;
  stats.candidate_pairs = candidates.size();
  internal::PhaseReporter phase(options.progress, kProgressVerify,
                                candidates.size());
  // The candidates are sorted by (a, b) and Verify() keeps their order, so
  // consecutive blocks give the pairs in order.
  for (size_t begin = 0; begin < candidates.size();) {
    const size_t end = BlockEnd(candidates, begin, options.block_pairs);
    const absl::Span<const CandidatePair> block(candidates.data() + begin,
                                                end - begin);
    std::vector<VerifiedPair> pairs;
    arena.execute([&] { pairs = near_duplicates_.Verify(block, docs); });
    if (!pairs.empty()) {
      stats.pairs += pairs.size();
      ++stats.blocks;
      RETURN_IF_ERROR(sink(absl::MakeSpan(pairs)));
    }
    phase.Advance(end - begin);
    begin = end;
  }
  return stats;
}

absl::StatusOr<PairStreamStats> Engine::StreamSharedCopy(
    const Common& common, const PairSink<CopyPair>& sink,
    const PairStreamOptions& options) const {
  const size_t n = store_->num_ids();
  // Each document against the documents before it, so that each pair is
  // aligned once; boilerplate is judged on the whole index. Fingerprints
  // that are widespread in the whole index propose no pair: any passage
  // that is not widespread has fingerprints that are not (its median is
  // under the threshold), and a pair sharing only licence text would be
  // aligned only to be refused; but for a story many sources printed at
  // once, widespread only from a higher count (AddBurstCandidates). In an
  // undated collection of one source, template text proposes none either
  // (ProposingBelow).
  const uint32_t proposing = ProposingBelow(stats_.documents, 0);
  tbb::task_arena arena = internal::Arena(options_.threads);
  const size_t block_pairs = std::max<size_t>(options.block_pairs, 1);
  // Per thread, the candidates' texts stay prepared for the next asking
  // documents (internal/aligned_text_cache.h), within kCopyCacheBytes in
  // all.
  struct Buffers {
    explicit Buffers(size_t cache_bytes)
        : others(kCopyCacheTexts, cache_bytes) {}
    AlignedText asking;
    internal::AlignedTextCache others;
    std::string fetched;
  };
  tbb::enumerable_thread_specific<Buffers> buffers(
      kCopyCacheBytes /
      static_cast<size_t>(std::max(1, arena.max_concurrency())));
  PairStreamStats stats;
  // Pairs found and not yet in a run; runs of sorted pairs on disk.
  std::vector<CopyPair> pending;
  internal::PairRuns runs;
  {
    internal::PhaseReporter phase(options.progress, kProgressAlign, n);
    // Steps no larger than a block, so that small blocks make many runs.
    const size_t step = std::min(block_pairs, kAlignStepDocs);
    std::vector<std::vector<CopyPair>> found(std::min(n, step));
    std::vector<uint64_t> proposed(found.size());
    // A text source's failure, per asking document; the first in DocId
    // order is reported, whatever the threads' timing.
    std::vector<absl::Status> failed(found.size());
    for (size_t first = 0; first < n; first += step) {
      const size_t last = std::min(n, first + step);
      std::atomic<bool> any_failed{false};
      arena.execute([&] {
        tbb::parallel_for(first, last, [&](size_t i) {
          const DocId b = static_cast<DocId>(i);
          std::vector<CopyPair>& out = found[i - first];
          out.clear();
          proposed[i - first] = 0;
          if (!store_->live(b) || any_failed.load(std::memory_order_relaxed)) {
            return;
          }
          const auto fps = FingerprintsOf(b);
          if (fps.empty()) return;
          const auto fail = [&](absl::Status s) {
            failed[i - first] = std::move(s);
            any_failed.store(true, std::memory_order_relaxed);
          };
          absl::StatusOr<std::vector<CopyCandidate>> found_candidates =
              fingerprints_->Candidates(fps, b, proposing, nullptr);
          if (!found_candidates.ok()) return fail(found_candidates.status());
          // And those of a story many sources printed at once.
          HolderMemo memo;
          AddBurstCandidates(fps, b, /*self=*/0, stats_.documents,
                             *found_candidates, memo);
          const std::vector<CopyCandidate>& candidates = *found_candidates;
          if (candidates.empty()) return;
          proposed[i - first] = candidates.size();
          Buffers& buf = buffers.local();
          absl::StatusOr<std::string_view> text = TextOf(b, buf.fetched);
          if (!text.ok()) return fail(text.status());
          if (absl::Status s = aligner_.Prepare(*text, buf.asking); !s.ok()) {
            return fail(std::move(s));
          }
          if (candidates.size() > 1) aligner_.IndexSeeds(buf.asking);
          for (const CopyCandidate& c : candidates) {
            absl::StatusOr<const AlignedText*> other =
                buf.others.Get(c.doc, [&](AlignedText& out) -> absl::Status {
                  std::string fetched;
                  ASSIGN_OR_RETURN(const std::string_view text,
                                   TextOf(c.doc, fetched));
                  return aligner_.Prepare(text, out);
                });
            if (!other.ok()) return fail(other.status());
            std::vector<Passage> passages = AlignWith(
                buf.asking, /*indexed=*/true, **other, common.shingles);
            CopyPair pair;
            pair.a = c.doc;
            pair.b = b;
            for (Passage& p : passages) {
              // Side "a" becomes the earlier document.
              p = p.Mirrored();
              if (p.boilerplate) continue;
              pair.copied_tokens_a += p.a_tokens();
              pair.copied_tokens_b += p.b_tokens();
            }
            if (pair.copied_tokens_a == 0) continue;
            std::sort(passages.begin(), passages.end(),
                      [](const Passage& x, const Passage& y) {
                        return x.a_begin != y.a_begin ? x.a_begin < y.a_begin
                                                      : x.b_begin < y.b_begin;
                      });
            pair.more_passages = CapPassages(passages);
            pair.passages = std::move(passages);
            pair.similarity = SimilarityOf(c.doc, b, common);
            out.push_back(std::move(pair));
          }
        });
      });
      for (size_t i = 0; i < last - first; ++i) {
        if (!failed[i].ok()) return failed[i];
      }
      for (size_t i = 0; i < last - first; ++i) {
        stats.candidate_pairs += proposed[i];
        for (CopyPair& p : found[i]) pending.push_back(std::move(p));
      }
      if (pending.size() >= block_pairs) {
        SortPairs(pending);
        RETURN_IF_ERROR(runs.Append(pending));
        pending.clear();
      }
      phase.Advance(last - first);
    }
  }
  SortPairs(pending);
  internal::PhaseReporter phase(options.progress, kProgressMerge,
                                runs.pairs() + pending.size());
  const auto hand = [&](std::vector<CopyPair>& block) -> absl::Status {
    stats.pairs += block.size();
    ++stats.blocks;
    RETURN_IF_ERROR(sink(absl::MakeSpan(block)));
    phase.Advance(block.size());
    return absl::OkStatus();
  };
  if (runs.runs() == 0) {
    // Everything fit in one block: no file.
    for (size_t begin = 0, end = 0; begin < pending.size(); begin = end) {
      end = begin + std::min(block_pairs, pending.size() - begin);
      std::vector<CopyPair> block(
          std::make_move_iterator(pending.begin() + begin),
          std::make_move_iterator(pending.begin() + end));
      RETURN_IF_ERROR(hand(block));
    }
    return stats;
  }
  if (!pending.empty()) RETURN_IF_ERROR(runs.Append(pending));
  std::vector<CopyPair>().swap(pending);
  RETURN_IF_ERROR(runs.Merge(block_pairs, hand));
  return stats;
}

}  // namespace mimeo
