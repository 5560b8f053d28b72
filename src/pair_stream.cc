// The pair streams (pair_stream.h): near-duplicate verification and shared
// copy alignment, cut into blocks of consecutive first documents and handed
// to a sink in order. Cluster() and SharedCopy() (engine.cc) collect them.
#include "mimeo/pair_stream.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "internal/aligned_text_cache.h"
#include "internal/engine_parts.h"
#include "internal/phase_reporter.h"
#include "internal/status_macros.h"
#include "internal/writer_preferring_mutex.h"
#include "mimeo/engine.h"
#include "oneapi/tbb/enumerable_thread_specific.h"
#include "oneapi/tbb/parallel_for.h"

namespace mimeo {
namespace {

// Shared copy keeps up to this many candidates' texts prepared per thread,
// holding up to this many bytes over all threads.
constexpr size_t kCopyCacheTexts = 256;
constexpr size_t kCopyCacheBytes = size_t{256} << 20;
// Shared copy looks up the fingerprints of this many documents between two
// reports of progress.
constexpr size_t kLookupBlockDocs = 4096;

// The end of the block starting at `begin` of `pairs` (sorted by a): at
// least `target` pairs, then on to the end of the last first document.
template <typename Pair>
size_t BlockEnd(const std::vector<Pair>& pairs, size_t begin, size_t target) {
  size_t end = std::min(pairs.size(), begin + std::max<size_t>(target, 1));
  while (end < pairs.size() && pairs[end].a == pairs[end - 1].a) ++end;
  return end;
}

// A candidate pair for shared copy: b the later (asking) document.
struct CopyCandidatePair {
  DocId a;
  DocId b;
};

}  // namespace

absl::StatusOr<PairStreamStats> Engine::NearDuplicatePairs(
    const PairSink<VerifiedPair>& sink,
    const PairStreamOptions& options) const {
  RETURN_IF_ERROR(FollowStoreShared());
  std::shared_lock lock(*mu_);
  const std::shared_ptr<const Common> common = CommonModel(/*current=*/true);
  return StreamNearDuplicates(*common, sink, options);
}

absl::StatusOr<PairStreamStats> Engine::SharedCopyPairs(
    const PairSink<CopyPair>& sink, const PairStreamOptions& options) const {
  if (!options_.copy.enabled) {
    return absl::FailedPreconditionError(
        "shared copy is off (Engine::Options::copy.enabled = false)");
  }
  RETURN_IF_ERROR(FollowStoreShared());
  std::shared_lock lock(*mu_);
  const std::shared_ptr<const Common> common = CommonModel(/*current=*/true);
  return StreamSharedCopy(*common, sink, options);
}

absl::StatusOr<PairStreamStats> Engine::StreamNearDuplicates(
    const Common& common, const PairSink<VerifiedPair>& sink,
    const PairStreamOptions& options) const {
  const NearDuplicateDocs docs = DocsFor(common);
  tbb::task_arena arena = internal::Arena(options_.threads);
  absl::StatusOr<std::vector<CandidatePair>> found;
  {
    internal::PhaseReporter phase(options.progress, kProgressLshJoin, 1);
    arena.execute([&] { found = NearDuplicateCandidates(); });
  }
  RETURN_IF_ERROR(found.status());
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
  // aligned only to be refused.
  const uint32_t widespread = judge_.WidespreadThreshold(stats_.documents);
  tbb::task_arena arena = internal::Arena(options_.threads);

  // Step 1: the candidates of every document, found by its later
  // document (FingerprintIndex::Candidates() is not symmetric), kept as
  // (a, b) and sorted by a for the blocks.
  std::vector<CopyCandidatePair> candidates;
  {
    internal::PhaseReporter phase(options.progress, kProgressCopyCandidates,
                                  n);
    std::vector<std::vector<DocId>> of(std::min(n, kLookupBlockDocs));
    for (size_t first = 0; first < n; first += kLookupBlockDocs) {
      const size_t last = std::min(n, first + kLookupBlockDocs);
      arena.execute([&] {
        tbb::parallel_for(first, last, [&](size_t i) {
          std::vector<DocId>& out = of[i - first];
          out.clear();
          const DocId b = static_cast<DocId>(i);
          if (!store_->live(b)) return;
          const auto fps = FingerprintsOf(b);
          if (fps.empty()) return;
          for (const CopyCandidate& c :
               fingerprint_index_.Candidates(fps, b, widespread)) {
            out.push_back(c.doc);
          }
        });
      });
      for (size_t i = first; i < last; ++i) {
        for (DocId a : of[i - first]) {
          candidates.push_back({a, static_cast<DocId>(i)});
        }
      }
      phase.Advance(last - first);
    }
  }
  std::sort(candidates.begin(), candidates.end(),
            [](const CopyCandidatePair& x, const CopyCandidatePair& y) {
              return x.a != y.a ? x.a < y.a : x.b < y.b;
            });
  PairStreamStats stats;
  stats.candidate_pairs = candidates.size();

  // Step 2: block by block, each later document b is prepared once as the
  // asking text and aligned with its earlier documents in the block, as
  // SharedCopy() always aligned them (so the passages are the same). Per
  // thread, the earlier documents' texts stay prepared for the next asking
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
  internal::PhaseReporter phase(options.progress, kProgressAlign,
                                candidates.size());
  std::vector<CopyCandidatePair> by_b;
  std::vector<size_t> starts;  // of each b's run in by_b
  for (size_t begin = 0; begin < candidates.size();) {
    const size_t end = BlockEnd(candidates, begin, options.block_pairs);
    by_b.assign(candidates.begin() + begin, candidates.begin() + end);
    std::sort(by_b.begin(), by_b.end(),
              [](const CopyCandidatePair& x, const CopyCandidatePair& y) {
                return x.b != y.b ? x.b < y.b : x.a < y.a;
              });
    starts.clear();
    for (size_t i = 0; i < by_b.size(); ++i) {
      if (i == 0 || by_b[i].b != by_b[i - 1].b) starts.push_back(i);
    }
    starts.push_back(by_b.size());
    const size_t runs = starts.size() - 1;
    std::vector<std::vector<CopyPair>> found(runs);
    // A text source's failure, per run; the first in DocId order is
    // reported, whatever the threads' timing.
    std::vector<absl::Status> failed(runs);
    std::atomic<bool> any_failed{false};
    arena.execute([&] {
      tbb::parallel_for(size_t{0}, runs, [&](size_t r) {
        if (any_failed.load(std::memory_order_relaxed)) return;
        const DocId b = by_b[starts[r]].b;
        const size_t count = starts[r + 1] - starts[r];
        Buffers& buf = buffers.local();
        const auto fail = [&](absl::Status s) {
          failed[r] = std::move(s);
          any_failed.store(true, std::memory_order_relaxed);
        };
        absl::StatusOr<std::string_view> text = TextOf(b, buf.fetched);
        if (!text.ok()) return fail(text.status());
        if (absl::Status s = aligner_.Prepare(*text, buf.asking); !s.ok()) {
          return fail(std::move(s));
        }
        if (count > 1) aligner_.IndexSeeds(buf.asking);
        for (size_t k = starts[r]; k < starts[r + 1]; ++k) {
          const DocId a = by_b[k].a;
          absl::StatusOr<const AlignedText*> other =
              buf.others.Get(a, [&](AlignedText& out) -> absl::Status {
                std::string fetched;
                ASSIGN_OR_RETURN(const std::string_view text,
                                 TextOf(a, fetched));
                return aligner_.Prepare(text, out);
              });
          if (!other.ok()) return fail(other.status());
          std::vector<Passage> passages = AlignWith(
              buf.asking, /*indexed=*/true, **other, common.shingles);
          CopyPair pair;
          pair.a = a;
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
          pair.similarity = SimilarityOf(a, b, common);
          found[r].push_back(std::move(pair));
        }
      });
    });
    for (const absl::Status& s : failed) {
      if (!s.ok()) return s;
    }
    std::vector<CopyPair> pairs;
    for (std::vector<CopyPair>& run : found) {
      for (CopyPair& p : run) pairs.push_back(std::move(p));
    }
    std::vector<std::vector<CopyPair>>().swap(found);
    std::sort(pairs.begin(), pairs.end(),
              [](const CopyPair& x, const CopyPair& y) {
                return x.a != y.a ? x.a < y.a : x.b < y.b;
              });
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

}  // namespace mimeo
