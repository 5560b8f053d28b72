#include "mimeo/engine.h"

#include <algorithm>
#include <atomic>
#include <bit>
#include <exception>
#include <mutex>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_format.h"
#include "internal/aligned_text_cache.h"
#include "internal/band_lookup.h"
#include "internal/engine_parts.h"
#include "internal/fingerprint_lookup.h"
#include "internal/lmdb_store.h"
#include "internal/memory_store.h"
#include "internal/phase_reporter.h"
#include "internal/status_macros.h"
#include "internal/writer_preferring_mutex.h"
#include "mimeo/near_duplicates.h"
#include "oneapi/tbb/enumerable_thread_specific.h"
#include "oneapi/tbb/parallel_for.h"
#include "xxhash.h"

namespace mimeo {

constexpr size_t kMaxIdBytes = 64 * 1024;
namespace {

// The number of distinct shingles among `count` shingles, without sorting
// them: `count` itself (natural text seldom repeats a 5-word shingle),
// unless the k-permutation signature shows clearly fewer distinct values
// (a text repeating itself), when the signature's estimate is used. Each
// of its k minima is the least of n uniform values, and (k - 1) / (sum of
// minima) is an unbiased estimate of n + 1.
uint64_t EstimateDistinct(uint64_t count, absl::Span<const uint32_t> signature,
                          MinHashScheme scheme) {
  if (count < 64 || scheme != MinHashScheme::kPermutations ||
      signature.size() < 16) {
    return count;
  }
  double sum = 0;
  for (uint32_t m : signature) sum += (static_cast<double>(m) + 0.5) * 0x1.0p-32;
  const double estimate =
      static_cast<double>(signature.size() - 1) / sum - 1;
  if (estimate >= 0.6 * static_cast<double>(count)) return count;
  return std::max<uint64_t>(1, static_cast<uint64_t>(estimate + 0.5));
}

// The shingles [i0, i1) of `sh` that lie wholly inside tokens [begin, end).
std::pair<size_t, size_t> ShinglesWithin(const Shingles& sh, uint32_t begin,
                                         uint32_t end) {
  const auto first =
      std::lower_bound(sh.first_token.begin(), sh.first_token.end(), begin);
  auto last = first;
  while (last != sh.first_token.end() && *last + sh.tokens_per_shingle <= end) {
    ++last;
  }
  return {static_cast<size_t>(first - sh.first_token.begin()),
          static_cast<size_t>(last - sh.first_token.begin())};
}

// The longest run of tokens inside [begin, end) of a prepared text covered
// by consecutive shingles that are not common, in words (WordsIn; 0 when
// every shingle inside is common; the passage's length when it is too
// short to hold a shingle).
uint32_t LongestRareRun(const AlignedText& text, uint32_t begin, uint32_t end,
                        const CommonShingles& common, int letters_per_word) {
  const Shingles& sh = text.shingles;
  const auto [i0, i1] = ShinglesWithin(sh, begin, end);
  if (i0 == i1 || common.size() == 0) {
    return WordsIn(text, begin, end, letters_per_word);
  }
  if (text.unspaced.empty()) {
    uint32_t best = 0, run = 0;
    for (size_t i = i0; i < i1; ++i) {
      run = common.IsCommon(sh.hashes[i]) ? 0 : run + 1;
      best = std::max(best, run);
    }
    return best == 0 ? 0 : best + sh.tokens_per_shingle - 1;
  }
  uint32_t best = 0;
  size_t start = i0;
  bool in_run = false;
  for (size_t i = i0; i <= i1; ++i) {
    const bool rare = i < i1 && !common.IsCommon(sh.hashes[i]);
    if (rare && !in_run) start = i;
    if (!rare && in_run) {
      best = std::max(
          best, WordsIn(text, sh.first_token[start],
                        sh.first_token[i - 1] + sh.tokens_per_shingle,
                        letters_per_word));
    }
    in_run = rare;
  }
  return best;
}

// Lengths of a text's stretches where a passage's edges are judged, in
// units of 1 / letters_per_word of a word: a letter of a script written
// without spaces is one unit, any other token letters_per_word (WordsIn
// without its rounding, so that lengths add up). In text without such
// letters a unit count is letters_per_word times the token count.
class Lengths {
 public:
  Lengths(const AlignedText& text, int letters_per_word)
      : text_(text), per_word_(std::max(letters_per_word, 1)) {}
  // Units of tokens [t0, t1).
  uint64_t Of(uint32_t t0, uint32_t t1) const {
    if (t1 <= t0) return 0;
    const uint64_t tokens = t1 - t0;
    if (text_.unspaced.empty() || t1 >= text_.unspaced.size()) {
      return tokens * per_word_;
    }
    const uint64_t letters = text_.unspaced[t1] - text_.unspaced[t0];
    return (tokens - letters) * per_word_ + letters;
  }
  // Units of `words` words.
  uint64_t Words(uint64_t words) const { return words * per_word_; }

 private:
  const AlignedText& text_;
  const uint64_t per_word_;
};

// The union of spans [begin, end) of one text's tokens, asked how long
// (Lengths) a stretch of it is, or how much of one it covers.
class SpanUnion {
 public:
  SpanUnion(std::vector<std::pair<uint32_t, uint32_t>> spans,
            const Lengths& lengths)
      : lengths_(lengths) {
    std::sort(spans.begin(), spans.end());
    for (const auto& [begin, end] : spans) {
      if (end <= begin) continue;
      if (!merged_.empty() && begin <= merged_.back().second) {
        merged_.back().second = std::max(merged_.back().second, end);
      } else {
        merged_.emplace_back(begin, end);
      }
    }
    below_.reserve(merged_.size());
    uint64_t covered = 0;
    for (const auto& [begin, end] : merged_) {
      below_.push_back(covered);
      covered += lengths_.Of(begin, end);
    }
    covered_ = covered;
  }
  // How much of tokens [from, to) the union covers.
  uint64_t Covered(uint32_t from, uint32_t to) const {
    return to <= from ? 0 : Below(to) - Below(from);
  }
  // How much it covers in all.
  uint64_t covered() const { return covered_; }

 private:
  // How much of the tokens below `t` the union covers.
  uint64_t Below(uint32_t t) const {
    const auto after = std::upper_bound(
        merged_.begin(), merged_.end(), t,
        [](uint32_t x, const std::pair<uint32_t, uint32_t>& s) {
          return x < s.first;
        });
    if (after == merged_.begin()) return 0;
    const size_t i = static_cast<size_t>(after - merged_.begin()) - 1;
    return below_[i] +
           lengths_.Of(merged_[i].first, std::min(t, merged_[i].second));
  }

  const Lengths& lengths_;
  std::vector<std::pair<uint32_t, uint32_t>> merged_;  // sorted, disjoint
  std::vector<uint64_t> below_;  // covered before merged_[i]
  uint64_t covered_ = 0;
};

// A failure of a call that cannot fail while the engine's invariants hold:
// surfaced as an internal error, never ignored.
absl::Status Internal(const absl::Status& s) {
  if (s.ok()) return s;
  return absl::InternalError(
      absl::StrFormat("mimeo internal error: %s", s.message()));
}

}  // namespace

// The options that decide a document's sketch, as (name, value): a
// SketchedBatch carries those of the engine that sketched it.
std::vector<std::pair<std::string_view, uint64_t>> Engine::SketchParameters()
    const {
  const Options& o = options_;
  std::vector<std::pair<std::string_view, uint64_t>> p = o.hashing().Fields();
  p.insert(p.end(),
           {{"keep_shingle_sets", o.keep_shingle_sets},
            {"copy.enabled", o.copy.enabled},
            {"find_near_duplicates", o.find_near_duplicates},
            {"copy.winnow.window", static_cast<uint64_t>(o.copy.winnow.window)},
            {"max_document_bytes", o.max_document_bytes}});
  return p;
}

HashingParams Engine::Options::hashing() const {
  return HashingParams::Of(normalize, tokenize, shingle, minhash);
}

void Engine::Options::SetHashing(const HashingParams& params) {
  params.ApplyTo(normalize, tokenize, shingle, minhash);
}

NearDuplicatePolicy::Options Engine::Options::near_duplicates() const {
  NearDuplicatePolicy::Options po;
  po.verify = verify;
  po.member = member;
  po.cluster = cluster;
  po.num_perm = minhash.num_perm;
  po.scheme = minhash.scheme;
  po.exact_sets = keep_shingle_sets;
  return po;
}

// Everything Create() builds before the Engine exists.
struct Engine::Components {
  Options options;
  LshParams lsh;
  Normalizer normalizer;
  Tokenizer tokenizer;
  Shingler shingler;
  MinHasher minhasher;
  SimHasher simhasher;
  std::unique_ptr<internal::BandLookup> bands;
  Verifier verifier;
  NearDuplicatePolicy near_duplicates;
  Winnower winnower;
  Aligner aligner;
  std::unique_ptr<internal::FingerprintLookup> fingerprints;
  PassageJudge judge;
};

absl::Status Engine::Options::Validate() const {
  RETURN_IF_ERROR(normalize.Validate());
  RETURN_IF_ERROR(tokenize.Validate());
  RETURN_IF_ERROR(shingle.Validate());
  RETURN_IF_ERROR(minhash.Validate());
  RETURN_IF_ERROR(verify.Validate());
  RETURN_IF_ERROR(member.Validate());
  RETURN_IF_ERROR(cluster.Validate());
  RETURN_IF_ERROR(common.Validate());
  if ((lsh_bands == 0) != (lsh_rows == 0)) {
    return absl::InvalidArgumentError(
        "set both lsh_bands and lsh_rows, or neither");
  }
  if (simhash_max_distance < -1 || simhash_max_distance > 12) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "simhash_max_distance must be -1 (off) or in [0, 12], got %d",
        simhash_max_distance));
  }
  if (max_document_bytes == 0 ||
      max_document_bytes > Normalizer::kMaxInputBytes) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "max_document_bytes must be in [1, %d], got %d",
        Normalizer::kMaxInputBytes, max_document_bytes));
  }
  if (!keep_shingle_sets && copy.enabled) {
    return absl::InvalidArgumentError(
        "keep_shingle_sets = false needs copy.enabled = false: shared copy "
        "is found on the sets and texts");
  }
  if (!find_near_duplicates &&
      (!copy.enabled || !keep_shingle_sets || simhash_max_distance >= 0)) {
    return absl::InvalidArgumentError(
        "find_near_duplicates = false (a copy-only engine) needs copy.enabled, "
        "keep_shingle_sets and simhash_max_distance = -1");
  }
  if (expected_documents > 0xFFFFFFFEu) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "expected_documents must be at most 2^32 - 2 (the DocIds an engine "
        "has), got %d",
        expected_documents));
  }
  if (threads < 0 || threads > kMaxThreads) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "threads must be 0 (all cores) or in [1, %d], got %d", kMaxThreads,
        threads));
  }
  RETURN_IF_ERROR(copy.winnow.Validate());
  RETURN_IF_ERROR(copy.index.Validate());
  RETURN_IF_ERROR(copy.align.Validate());
  RETURN_IF_ERROR(copy.judge.Validate());
  if (copy.max_passages < 1) {
    return absl::InvalidArgumentError("copy.max_passages must be at least 1");
  }
  if (!(copy.cluster_share >= 0 && copy.cluster_share <= 1)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "copy.cluster_share must be in [0, 1], got %g", copy.cluster_share));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Engine>> Engine::Create(const Options& o) {
  RETURN_IF_ERROR(o.Validate());
  LshParams lsh;
  if (o.lsh_bands != 0) {
    ASSIGN_OR_RETURN(lsh, MakeLshParams(o.lsh_bands, o.lsh_rows,
                                        o.minhash.num_perm, o.lsh_threshold));
  } else {
    LshParamsOptions lo;
    lo.threshold = o.lsh_threshold;
    lo.num_perm = o.minhash.num_perm;
    ASSIGN_OR_RETURN(lsh, ChooseLshParams(lo));
  }
  ASSIGN_OR_RETURN(Normalizer normalizer, Normalizer::Create(o.normalize));
  ASSIGN_OR_RETURN(Tokenizer tokenizer, Tokenizer::Create(o.tokenize));
  ASSIGN_OR_RETURN(Shingler shingler, Shingler::Create(o.shingle));
  ASSIGN_OR_RETURN(MinHasher minhasher, MinHasher::Create(o.minhash));
  SimHasher::Options so;
  so.seed = o.shingle.seed;
  ASSIGN_OR_RETURN(SimHasher simhasher, SimHasher::Create(so));
  LshIndex::Options lio;
  lio.num_perm = o.minhash.num_perm;
  lio.bands = lsh.bands;
  lio.rows = lsh.rows;
  lio.large_bucket = o.lsh_large_bucket;
  ASSIGN_OR_RETURN(std::unique_ptr<internal::BandLookup> bands,
                   internal::BandLookup::InMemory(lio));
  ASSIGN_OR_RETURN(Verifier verifier, Verifier::Create(o.verify));
  ASSIGN_OR_RETURN(NearDuplicatePolicy near_duplicates,
                   NearDuplicatePolicy::Create(o.near_duplicates()));
  ASSIGN_OR_RETURN(Winnower winnower, Winnower::Create(o.copy.winnow));
  ASSIGN_OR_RETURN(Aligner aligner, Aligner::Create(o.copy.align, o.normalize,
                                                    o.tokenize, o.shingle));
  std::unique_ptr<internal::FingerprintLookup> fingerprints;
  if (o.copy.enabled) {
    ASSIGN_OR_RETURN(fingerprints,
                     internal::FingerprintLookup::InMemory(o.copy.index));
  }
  ASSIGN_OR_RETURN(PassageJudge judge, PassageJudge::Create(o.copy.judge));
  std::unique_ptr<Engine> engine(new Engine(Components{
      o, lsh, std::move(normalizer), std::move(tokenizer), std::move(shingler),
      std::move(minhasher), std::move(simhasher), std::move(bands),
      std::move(verifier), std::move(near_duplicates),
      std::move(winnower), std::move(aligner), std::move(fingerprints),
      std::move(judge)}));
  engine->store_ = std::make_unique<internal::InMemoryDocumentStore>(
      o.find_near_duplicates ? o.minhash.num_perm : 0, o.keep_shingle_sets,
      o.copy.enabled && !o.text_source, o.text_source != nullptr);
  if (o.expected_documents > 0) {
    try {
      engine->Reserve(o.expected_documents);
    } catch (const std::exception&) {  // bad_alloc, length_error
      return absl::ResourceExhaustedError(absl::StrFormat(
          "cannot make room for expected_documents = %d",
          o.expected_documents));
    }
  }
  if (o.simhash_max_distance >= 0) {
    SimHashIndex::Options sio;
    sio.max_distance = o.simhash_max_distance;
    ASSIGN_OR_RETURN(SimHashIndex index, SimHashIndex::Create(sio));
    engine->simhash_index_ = std::make_unique<SimHashIndex>(std::move(index));
  }
  return engine;
}

Engine::Engine(Components c)
    : options_(c.options),
      lsh_params_(c.lsh),
      normalizer_(std::move(c.normalizer)),
      tokenizer_(std::move(c.tokenizer)),
      shingler_(std::move(c.shingler)),
      minhasher_(std::move(c.minhasher)),
      simhasher_(std::move(c.simhasher)),
      verifier_(std::move(c.verifier)),
      near_duplicates_(std::move(c.near_duplicates)),
      winnower_(std::move(c.winnower)),
      aligner_(std::move(c.aligner)),
      judge_(std::move(c.judge)),
      mu_(std::make_unique<internal::WriterPreferringMutex>()),
      add_group_(std::make_unique<AddGroup>()),
      bands_(std::move(c.bands)),
      fingerprints_(std::move(c.fingerprints)) {}

Engine::~Engine() = default;

void Engine::Reserve(size_t n) {
  store_->Reserve(n);
  if (options_.index_on_add && options_.find_near_duplicates) {
    internal::Arena(options_.threads).execute([&] { bands_->Reserve(n); });
  }
}

absl::Status Engine::ShingleText(std::string_view text,
                                 Scratch& scratch) const {
  RETURN_IF_ERROR(normalizer_.Normalize(text, scratch.normalized));
  tokenizer_.Tokenize(scratch.normalized.text, scratch.tokens);
  shingler_.Shingle(scratch.normalized.text, scratch.tokens, scratch.shingles);
  return absl::OkStatus();
}

absl::Status Engine::SketchText(std::string_view text, Scratch& scratch,
                                Sketch& out) const {
  RETURN_IF_ERROR(ShingleText(text, scratch));
  SketchShingles(scratch.shingles, out);
  out.invalid_utf8 = scratch.normalized.invalid_sequences;
  out.nul_bytes = scratch.normalized.nul_bytes;
  return absl::OkStatus();
}

void Engine::PackText(const Document& doc, Sketch& out) const {
  // A text kept by reference is not compressed (unless the store refuses
  // the reference, when Append() compresses it).
  if (options_.copy.enabled && !options_.text_source && !doc.text_at) {
    store_->PackText(doc.text, out.packed_text);
  }
}

void Engine::SketchShingles(const Shingles& shingles, Sketch& out) const {
  const auto hashes = absl::MakeConstSpan(shingles.hashes);
  if (options_.find_near_duplicates) {
    out.signature.resize(minhasher_.params().num_perm);
    minhasher_.Sketch(hashes, absl::MakeSpan(out.signature));
  } else {
    out.signature.clear();
  }
  out.fingerprint = simhasher_.Compute(hashes);
  if (options_.keep_shingle_sets) {
    SortedSet(hashes, out.set);
    out.set_size = out.set.size();
  } else {
    out.set.clear();
    out.set_size = EstimateDistinct(hashes.size(), out.signature,
                                    minhasher_.params().scheme);
  }
  if (options_.copy.enabled) winnower_.Winnow(hashes, out.fps);
}

absl::Status Engine::CheckDocument(const Document& doc) const {
  if (doc.id.empty()) {
    return absl::InvalidArgumentError("document id is empty");
  }
  if (doc.id.size() > kMaxIdBytes) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "document id of %d bytes is longer than %d", doc.id.size(),
        kMaxIdBytes));
  }
  if (doc.text.size() > options_.max_document_bytes) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "document '%s' has %d bytes, more than max_document_bytes = %d",
        doc.id, doc.text.size(), options_.max_document_bytes));
  }
  if (doc.source.size() > kMaxIdBytes) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "document '%s' has a source of %d bytes, longer than %d", doc.id,
        doc.source.size(), kMaxIdBytes));
  }
  if (store_->Find(doc.id).has_value()) {
    return absl::AlreadyExistsError(
        absl::StrFormat("document '%s' was already added", doc.id));
  }
  if (store_->num_ids() >= size_t{0xFFFFFFFEu}) {
    return absl::ResourceExhaustedError("an engine holds at most 2^32 - 2 ids");
  }
  return absl::OkStatus();
}

absl::Status Engine::IndexStored(DocId d) const {
  if (!store_->live(d)) {
    ++stats_.removed;
    return absl::OkStatus();
  }
  const uint64_t size = SizeOf(d);
  ++stats_.documents;
  stats_.shingles += size;
  if (options_.copy.enabled) {
    // Cannot fail: DocIds increase.
    RETURN_IF_ERROR(Internal(fingerprints_->Add(d, FingerprintsOf(d))));
    stats_.fingerprints += FingerprintsOf(d).size();
  }
  if (size == 0) {
    ++stats_.empty_documents;
    return absl::OkStatus();
  }
  // Cannot fail: a new DocId.
  if (simhash_index_) {
    RETURN_IF_ERROR(Internal(simhash_index_->Add(d, store_->simhash(d))));
  }
  return absl::OkStatus();
}

absl::Status Engine::Unindex(DocId d) const {
  const bool empty = SizeOf(d) == 0;
  if (!empty) {
    // Cannot fail: a live document with shingles is in both indexes.
    if (d < lsh_filed_) {
      RETURN_IF_ERROR(Internal(bands_->Remove(d, store_->signature(d))));
    }
    if (simhash_index_) RETURN_IF_ERROR(Internal(simhash_index_->Remove(d)));
  }
  if (options_.copy.enabled) {
    fingerprints_->Remove(d, FingerprintsOf(d));
    stats_.fingerprints -= FingerprintsOf(d).size();
  }
  ForgetDate(d);
  --stats_.documents;
  ++stats_.removed;
  if (empty) --stats_.empty_documents;
  stats_.shingles -= SizeOf(d);
  return absl::OkStatus();
}

absl::Status Engine::IndexAll() {
  const DocId n = static_cast<DocId>(store_->num_ids());
  for (DocId d = 0; d < n; ++d) RETURN_IF_ERROR(IndexStored(d));
  if (options_.index_on_add) {
    const size_t room =
        std::max<uint64_t>(stats_.documents, options_.expected_documents);
    internal::Arena(options_.threads).execute([&] {
      bands_->Reserve(room);
    });
    RETURN_IF_ERROR(CatchUpLshIndex());
  }
  return absl::OkStatus();
}

absl::Status Engine::FollowStore() const {
  if (!store_->Stale()) return absl::OkStatus();
  ASSIGN_OR_RETURN(const StoreChanges changes, store_->Refresh());
  const DocId end = static_cast<DocId>(store_->num_ids());
  for (DocId d = changes.first_added; d < end; ++d) {
    RETURN_IF_ERROR(IndexStored(d));
  }
  for (DocId d : changes.removed) RETURN_IF_ERROR(Unindex(d));
  if (options_.index_on_add) RETURN_IF_ERROR(CatchUpLshIndex());
  return absl::OkStatus();
}

absl::Status Engine::RequireCopy() const {
  if (options_.copy.enabled) return absl::OkStatus();
  return absl::FailedPreconditionError(
      "shared copy is off (Engine::Options::copy.enabled = false)");
}

absl::Status Engine::RequireSignatures(std::string_view what) const {
  if (options_.find_near_duplicates) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrFormat(
      "%s needs MinHash signatures, which a copy-only engine does not keep "
      "(Engine::Options::find_near_duplicates = false)",
      what));
}

void Engine::PackFingerprintsShared() const {
  {
    std::shared_lock lock(*mu_);
    if (!fingerprints_ || !fingerprints_->NeedsPacking()) return;
  }
  std::unique_lock lock(*mu_);
  fingerprints_->Pack();
}

absl::Status Engine::FollowStoreShared() const {
  // Stale() under the shared lock: an on-disk store may not grow its map
  // (in a write, under the exclusive lock) while a transaction is open.
  bool stale;
  {
    std::shared_lock lock(*mu_);
    stale = store_->Stale();
  }
  if (!stale) return absl::OkStatus();
  std::unique_lock lock(*mu_);
  return FollowStore();
}

absl::StatusOr<std::vector<DocId>> Engine::InsertAll(
    absl::Span<const Document> docs, absl::Span<Sketch> sketches) {
  const bool keep_texts = options_.copy.enabled && !options_.text_source;
  std::vector<StoredDocument> stored(docs.size());
  for (size_t i = 0; i < docs.size(); ++i) {
    const Document& doc = docs[i];
    const Sketch& sketch = sketches[i];
    StoredDocument& s = stored[i];
    s.id = doc.id;
    if (keep_texts) s.text = doc.text;
    s.date = doc.date;
    s.source = doc.source;
    s.signature = sketch.signature;
    s.simhash = sketch.fingerprint;
    s.set = sketch.set;
    s.set_size = sketch.set_size;
    s.fingerprints = sketch.fps;
    if (keep_texts) s.packed_text = sketch.packed_text;
    if (keep_texts && doc.text_at) s.text_at = &*doc.text_at;
    s.text_hash = XXH3_64bits(doc.text.data(), doc.text.size());
    s.bytes = doc.text.size();
    s.invalid_utf8 = sketch.invalid_utf8;
    s.nul_bytes = sketch.nul_bytes;
  }
  // Another writer sharing an on-disk store may have added or removed
  // documents since the batch was checked: take them in, check again.
  DocId first;
  for (;;) {
    RETURN_IF_ERROR(FollowStore());
    RETURN_IF_ERROR(CheckBatch(docs));
    first = static_cast<DocId>(store_->num_ids());
    const absl::Status appended = store_->Append(stored);
    if (absl::IsAborted(appended)) continue;
    RETURN_IF_ERROR(appended);
    break;
  }
  std::vector<DocId> out;
  out.reserve(docs.size());
  for (size_t i = 0; i < docs.size(); ++i) {
    const DocId d = first + static_cast<DocId>(i);
    RETURN_IF_ERROR(IndexStored(d));
    out.push_back(d);
    sketches[i] = Sketch();
  }
  if (options_.index_on_add) RETURN_IF_ERROR(CatchUpLshIndex());
  // The model this engine's queries counted, for the processes that open
  // the index later; a failure to keep it loses no document.
  KeepQueryModel(/*count=*/false).IgnoreError();
  return out;
}

absl::StatusOr<DocId> Engine::Add(const Document& doc) {
  // Sketch before taking the lock, so that readers wait only for the insert.
  Scratch scratch;
  Sketch sketch;
  if (doc.text.size() <= options_.max_document_bytes) {
    RETURN_IF_ERROR(SketchText(doc.text, scratch, sketch));
    PackText(doc, sketch);
  }
  AddGroup& g = *add_group_;
  PendingAdd me;
  me.doc = &doc;
  me.sketch = &sketch;
  std::unique_lock lock(g.mu);
  g.queue.push_back(&me);
  while (!me.done) {
    if (g.inserting) {
      g.cv.wait(lock);
      continue;
    }
    // No insert under way: this call inserts every one queued, its own
    // among them, while the calls arriving meanwhile queue for the next.
    g.inserting = true;
    std::vector<PendingAdd*> group;
    group.swap(g.queue);
    lock.unlock();
    InsertGroup(group);
    lock.lock();
    for (PendingAdd* p : group) p->done = true;
    g.inserting = false;
    g.cv.notify_all();
  }
  return std::move(me.result);
}

void Engine::InsertGroup(const std::vector<PendingAdd*>& group) {
  std::unique_lock lock(*mu_);
  const absl::Status followed = FollowStore();
  std::vector<Document> docs;
  std::vector<Sketch> sketches;
  std::vector<PendingAdd*> accepted;
  absl::flat_hash_set<std::string_view> ids;
  for (PendingAdd* p : group) {
    absl::Status s = followed.ok() ? CheckDocument(*p->doc) : followed;
    // Of two calls with one id, the first queued is added.
    if (s.ok() && !ids.insert(p->doc->id).second) {
      s = absl::AlreadyExistsError(
          absl::StrFormat("document '%s' was already added", p->doc->id));
    }
    if (!s.ok()) {
      p->result = s;
      continue;
    }
    docs.push_back(*p->doc);
    sketches.push_back(std::move(*p->sketch));
    accepted.push_back(p);
  }
  if (docs.empty()) return;
  absl::StatusOr<std::vector<DocId>> added =
      InsertAll(docs, absl::MakeSpan(sketches));
  if (absl::IsAlreadyExists(added.status()) && docs.size() > 1) {
    // Another process added one of the ids meanwhile: each on its own, so
    // that only that one fails.
    for (size_t i = 0; i < docs.size(); ++i) {
      absl::StatusOr<std::vector<DocId>> one = InsertAll(
          absl::MakeConstSpan(&docs[i], 1), absl::MakeSpan(&sketches[i], 1));
      accepted[i]->result =
          one.ok() ? absl::StatusOr<DocId>((*one)[0]) : one.status();
    }
    return;
  }
  for (size_t i = 0; i < docs.size(); ++i) {
    accepted[i]->result =
        added.ok() ? absl::StatusOr<DocId>((*added)[i]) : added.status();
  }
}

Engine::SketchedBatch::SketchedBatch() = default;
Engine::SketchedBatch::~SketchedBatch() = default;
Engine::SketchedBatch::SketchedBatch(SketchedBatch&&) noexcept = default;
Engine::SketchedBatch& Engine::SketchedBatch::operator=(SketchedBatch&&) noexcept =
    default;

Engine::SketchedBatch Engine::SketchBatch(std::vector<Document> docs) const {
  SketchedBatch batch;
  batch.sketched_with_ = SketchParameters();
  batch.docs_ = std::move(docs);
  batch.sketches_.resize(batch.docs_.size());
  Scratch scratch;
  for (size_t i = 0; i < batch.docs_.size(); ++i) {
    const Document& doc = batch.docs_[i];
    // An over-long text is left unsketched; Commit() refuses it.
    if (doc.text.size() > options_.max_document_bytes) continue;
    const absl::Status s = SketchText(doc.text, scratch, batch.sketches_[i]);
    if (s.ok()) PackText(doc, batch.sketches_[i]);
    if (!s.ok() && batch.status_.ok()) {
      batch.status_ = absl::Status(
          s.code(), absl::StrFormat("document '%s': %s", doc.id, s.message()));
    }
  }
  return batch;
}

absl::Status Engine::CheckBatch(absl::Span<const Document> docs) const {
  absl::flat_hash_set<std::string_view> batch_ids;
  for (const Document& doc : docs) {
    RETURN_IF_ERROR(CheckDocument(doc));
    if (!batch_ids.insert(doc.id).second) {
      return absl::AlreadyExistsError(absl::StrFormat(
          "document '%s' appears twice in the batch", doc.id));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<DocId>> Engine::Commit(SketchedBatch batch,
                                                  OnExisting existing) {
  // Sketches made with other parameters (another engine's) would be filed
  // beside this engine's as if comparable, and break its indexes.
  if (batch.size() > 0) {
    const auto mine = SketchParameters();
    for (size_t i = 0; i < mine.size(); ++i) {
      if (batch.sketched_with_.size() != mine.size() ||
          batch.sketched_with_[i].second != mine[i].second) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "the batch was sketched by an engine with %s = %d, this one has "
            "%d; sketch it with this engine's SketchBatch()",
            mine[i].first,
            batch.sketched_with_.size() == mine.size()
                ? batch.sketched_with_[i].second
                : 0,
            mine[i].second));
      }
    }
  }
  RETURN_IF_ERROR(batch.status_);
  std::unique_lock lock(*mu_);
  // Skipping, a batch another process filed ids of between FollowStore()
  // and the store's transaction is filtered again and tried again.
  for (int attempt = 0;; ++attempt) {
    RETURN_IF_ERROR(FollowStore());
    if (existing == OnExisting::kSkip) {
      size_t kept = 0;
      for (size_t i = 0; i < batch.docs_.size(); ++i) {
        if (store_->Find(batch.docs_[i].id).has_value()) continue;
        if (kept != i) {
          batch.docs_[kept] = std::move(batch.docs_[i]);
          batch.sketches_[kept] = std::move(batch.sketches_[i]);
        }
        ++kept;
      }
      batch.docs_.resize(kept);
      batch.sketches_.resize(kept);
      if (kept == 0) return std::vector<DocId>();
    }
    RETURN_IF_ERROR(CheckBatch(batch.docs_));
    absl::StatusOr<std::vector<DocId>> added =
        InsertAll(batch.docs_, absl::MakeSpan(batch.sketches_));
    if (existing == OnExisting::kSkip && absl::IsAlreadyExists(added.status()) &&
        attempt < 8) {
      continue;
    }
    return added;
  }
}

absl::StatusOr<std::vector<DocId>> Engine::AddBatch(
    absl::Span<const Document> docs) {
  // Sketched (and the texts packed) before taking the lock, as in Add(),
  // so that readers wait only for the insert and another thread's batch
  // may be stored meanwhile. The checks come first under the lock, so the
  // error is the one they would have given before sketching.
  std::vector<Sketch> sketches(docs.size());
  std::vector<absl::Status> failed(docs.size());
  tbb::enumerable_thread_specific<Scratch> scratch;
  tbb::task_arena arena = internal::Arena(options_.threads);
  arena.execute([&] {
    tbb::parallel_for(size_t{0}, docs.size(), [&](size_t i) {
      if (docs[i].text.size() > options_.max_document_bytes) return;
      failed[i] = SketchText(docs[i].text, scratch.local(), sketches[i]);
      if (failed[i].ok()) PackText(docs[i], sketches[i]);
    });
  });
  std::unique_lock lock(*mu_);
  RETURN_IF_ERROR(FollowStore());
  RETURN_IF_ERROR(CheckBatch(docs));
  for (const absl::Status& s : failed) RETURN_IF_ERROR(s);
  return InsertAll(docs, absl::MakeSpan(sketches));
}

absl::StatusOr<uint64_t> Engine::RemoveChosen(
    const std::function<absl::StatusOr<std::vector<DocId>>()>& choose) {
  for (;;) {
    RETURN_IF_ERROR(FollowStore());
    ASSIGN_OR_RETURN(const std::vector<DocId> docs, choose());
    if (docs.empty()) return 0;
    const absl::Status removed = store_->Remove(docs);
    if (absl::IsAborted(removed)) continue;
    RETURN_IF_ERROR(removed);
    for (DocId d : docs) RETURN_IF_ERROR(Unindex(d));
    return docs.size();
  }
}

absl::Status Engine::Remove(std::string_view id) {
  std::unique_lock lock(*mu_);
  return RemoveChosen([&]() -> absl::StatusOr<std::vector<DocId>> {
           const std::optional<DocId> d = store_->Find(id);
           if (!d.has_value()) {
             return absl::NotFoundError(
                 absl::StrFormat("no document '%s' to remove", id));
           }
           return std::vector<DocId>{*d};
         })
      .status();
}

absl::StatusOr<uint64_t> Engine::Remove(absl::Span<const std::string> ids) {
  std::unique_lock lock(*mu_);
  return RemoveChosen([&]() -> absl::StatusOr<std::vector<DocId>> {
    std::vector<DocId> docs;
    docs.reserve(ids.size());
    for (const std::string& id : ids) {
      const std::optional<DocId> d = store_->Find(id);
      if (!d.has_value()) {
        return absl::NotFoundError(absl::StrFormat(
            "no document '%s' to remove; nothing removed", id));
      }
      docs.push_back(*d);
    }
    std::sort(docs.begin(), docs.end());
    docs.erase(std::unique(docs.begin(), docs.end()), docs.end());
    return docs;
  });
}

absl::Span<const uint64_t> Engine::SetOf(DocId doc) const {
  return store_->set(doc);
}

Similarity Engine::SimilarityTo(absl::Span<const uint64_t> set,
                                absl::Span<const uint32_t> signature,
                                uint64_t size,
                                absl::Span<const uint64_t> common_in_set,
                                const Common& common, DocId doc) const {
  if (options_.keep_shingle_sets) {
    std::vector<uint64_t> fetched;
    return ExactSimilarity(set, SetOf(doc), common_in_set,
                           CommonIn(common, doc, fetched));
  }
  return EstimateSimilarity(EstimateJaccard(signature, SignatureOf(doc)), size,
                            SizeOf(doc));
}

Similarity Engine::SimilarityOf(DocId a, DocId b, const Common& common) const {
  std::vector<uint64_t> fetched;
  return SimilarityTo(SetOf(a), SignatureOf(a), SizeOf(a),
                      CommonIn(common, a, fetched), common, b);
}

absl::Span<const uint64_t> Engine::CommonIn(
    const Common& common, DocId doc, std::vector<uint64_t>& fetched) const {
  if (doc + 1 < common.offsets.size()) {
    return absl::MakeConstSpan(common.hashes)
        .subspan(common.offsets[doc],
                 common.offsets[doc + 1] - common.offsets[doc]);
  }
  // Added since the model was built, or nothing is common.
  fetched.clear();
  common.shingles.CommonOf(SetOf(doc), fetched);
  return fetched;
}

size_t Engine::QueryModelIds(size_t n) {
  // n with all but its four leading bits cleared: every n below 16, then
  // steps of at most an eighth.
  if (n < 16) return n;
  const int drop = std::bit_width(n) - 4;
  return (n >> drop) << drop;
}

std::shared_ptr<const Engine::Common> Engine::CommonModel(bool current,
                                                          bool in_arena) const {
  std::lock_guard lock(common_mu_);
  // Two models, so that Query()'s answers depend only on the documents
  // added and removed before it, never on whether Cluster() ran or when
  // queries came: the current one, counted on exactly the documents
  // present, and Query()'s, on the live ones among the first
  // QueryModelIds(n) DocIds.
  const size_t n = current ? store_->num_ids() : QueryModelIds(store_->num_ids());
  std::shared_ptr<const Common>& cached =
      current ? current_common_ : query_common_;
  if (cached != nullptr && cached->removed == stats_.removed &&
      cached->num_ids == n) {
    return cached;
  }
  // A model the other cache counted on exactly these documents is the one
  // a count would give.
  const std::shared_ptr<const Common>& other =
      current ? query_common_ : current_common_;
  if (other != nullptr && other->num_ids == n &&
      other->removed == stats_.removed) {
    cached = other;
    return cached;
  }
  // Query()'s model as an index on disk saved it (SaveQueryModel()).
  if (!current && options_.keep_shingle_sets) {
    std::optional<SavedCommon> saved = store_->saved_common();
    if (saved.has_value() && saved->num_ids == n &&
        saved->removed == stats_.removed &&
        saved->min_docs == options_.common.min_docs &&
        saved->fraction == options_.common.fraction) {
      absl::StatusOr<CommonShingles> restored = CommonShingles::Restore(
          options_.common, saved->threshold, saved->documents, saved->common);
      if (restored.ok()) {
        cached = std::make_shared<Common>(
            Common{*std::move(restored), {}, {}, n, stats_.removed});
        saved_query_model_ = {n, stats_.removed};
        return cached;
      }
    }
  }
  // Cannot fail: the options were validated by Create().
  auto model = std::make_shared<Common>(Common{
      *CommonShingles::Create(options_.common), {}, {}, n, stats_.removed});
  if (options_.keep_shingle_sets) {
    const auto live_set = [this](size_t d) {
      return store_->live(static_cast<DocId>(d)) ? SetOf(static_cast<DocId>(d))
                      : absl::Span<const uint64_t>();
    };
    const auto count = [&] {
      model->shingles.Build(n, live_set);
      if (model->shingles.size() == 0) return;
      // Per block of documents, then joined in order.
      constexpr size_t kBlock = 4096;
      std::vector<std::vector<uint64_t>> found((n + kBlock - 1) / kBlock);
      std::vector<uint64_t> counts(n, 0);
      tbb::parallel_for(size_t{0}, found.size(), [&](size_t b) {
        for (size_t d = b * kBlock; d < std::min(n, (b + 1) * kBlock); ++d) {
          const size_t before = found[b].size();
          model->shingles.CommonOf(live_set(d), found[b]);
          counts[d] = found[b].size() - before;
        }
      });
      model->offsets.assign(n + 1, 0);
      for (size_t d = 0; d < n; ++d) {
        model->offsets[d + 1] = model->offsets[d] + counts[d];
      }
      model->hashes.reserve(model->offsets[n]);
      for (const auto& f : found) {
        model->hashes.insert(model->hashes.end(), f.begin(), f.end());
      }
    };
    if (in_arena) {
      count();
    } else {
      internal::Arena(options_.threads).execute(count);
    }
  }
  cached = std::move(model);
  return cached;
}

absl::Status Engine::KeepQueryModel(bool count) const {
  if (!options_.keep_shingle_sets || !store_->durable()) {
    return absl::OkStatus();
  }
  const std::pair<uint64_t, uint64_t> now = {
      QueryModelIds(store_->num_ids()), stats_.removed};
  std::shared_ptr<const Common> model;
  {
    std::lock_guard lock(common_mu_);
    if (saved_query_model_ == now) return absl::OkStatus();
    if (query_common_ != nullptr && query_common_->num_ids == now.first &&
        query_common_->removed == now.second) {
      model = query_common_;
    }
  }
  if (model == nullptr) {
    if (!count) return absl::OkStatus();
    model = CommonModel(/*current=*/false);
    std::lock_guard lock(common_mu_);
    // Read back from the store: saved already.
    if (saved_query_model_ == now) return absl::OkStatus();
  }
  SavedCommon saved;
  saved.num_ids = now.first;
  saved.removed = now.second;
  saved.min_docs = options_.common.min_docs;
  saved.fraction = options_.common.fraction;
  saved.threshold = model->shingles.threshold();
  saved.documents = model->shingles.documents();
  saved.common = model->shingles.Sorted();
  RETURN_IF_ERROR(store_->SaveCommon(saved));
  std::lock_guard lock(common_mu_);
  saved_query_model_ = now;
  return absl::OkStatus();
}

absl::Status Engine::SaveQueryModel() {
  std::unique_lock lock(*mu_);
  RETURN_IF_ERROR(FollowStore());
  return KeepQueryModel(/*count=*/true);
}

absl::Status Engine::CatchUpLshIndex() const {
  // A copy-only engine has no signatures to file: none is ever filed.
  if (!options_.find_near_duplicates) return absl::OkStatus();
  const DocId end = static_cast<DocId>(store_->num_ids());
  if (bands_->files_in_store()) {
    // The store filed them as it stored them.
    lsh_filed_ = end;
    return absl::OkStatus();
  }
  std::vector<DocId> ids;
  ids.reserve(end - lsh_filed_);
  for (DocId d = lsh_filed_; d < end; ++d) {
    if (store_->live(d) && SizeOf(d) != 0) ids.push_back(d);
  }
  const size_t k = minhasher_.params().num_perm;
  absl::Span<const uint32_t> signatures;
  std::vector<uint32_t> gathered;
  if (ids.size() == end - lsh_filed_ && !store_->signatures().empty()) {
    // Every waiting document is filed: their signatures lie back to back.
    signatures = store_->signatures().subspan(lsh_filed_ * k, ids.size() * k);
  } else {
    gathered.reserve(ids.size() * k);
    for (DocId d : ids) {
      const auto sig = SignatureOf(d);
      gathered.insert(gathered.end(), sig.begin(), sig.end());
    }
    signatures = gathered;
  }
  // Cannot fail: each DocId is filed once, with num_perm values. A few
  // documents (one Add) are filed on this thread; an arena costs more.
  absl::Status filed;
  const auto file = [&] { filed = bands_->File(ids, signatures); };
  if (ids.size() < 64) {
    file();
  } else {
    internal::Arena(options_.threads).execute(file);
  }
  RETURN_IF_ERROR(Internal(filed));
  lsh_filed_ = end;
  return absl::OkStatus();
}

absl::Span<const uint32_t> Engine::SignatureOf(DocId doc) const {
  return store_->signature(doc);
}

absl::Span<const Fingerprint> Engine::FingerprintsOf(DocId doc) const {
  return store_->fingerprints(doc);
}

absl::StatusOr<std::string_view> Engine::TextOf(DocId doc,
                                                std::string& fetched) const {
  if (!options_.text_source || !store_->live(doc)) {
    return store_->text(doc, fetched);
  }
  const std::string id(store_->id(doc));
  absl::StatusOr<std::string> text = options_.text_source->Text(doc, id);
  if (!text.ok()) {
    return absl::Status(text.status().code(),
                        absl::StrFormat("document '%s': %s", id,
                                        text.status().message()));
  }
  if (XXH3_64bits(text->data(), text->size()) != store_->text_hash(doc)) {
    return absl::DataLossError(absl::StrFormat(
        "document '%s': the text source gave %d bytes that are not the text "
        "that was added (was the file changed since?)",
        id, text->size()));
  }
  fetched = std::move(*text);
  return fetched;
}

namespace {
// latest - earliest, at most INT64_MAX whatever the dates.
int64_t SpanBetween(int64_t earliest, int64_t latest) {
  const uint64_t span =
      static_cast<uint64_t>(latest) - static_cast<uint64_t>(earliest);
  return span > static_cast<uint64_t>(INT64_MAX) ? INT64_MAX
                                                 : static_cast<int64_t>(span);
}
}  // namespace

int64_t Engine::DateSpan() const {
  // Kept by an index on disk, so that it reads no record for them.
  if (const std::optional<StoreDates> kept = store_->dates()) {
    return kept->any ? SpanBetween(kept->earliest, kept->latest) : 0;
  }
  std::lock_guard lock(dates_mu_);
  const size_t n = store_->num_ids();
  if (dates_.counted > n) dates_ = DateRange{};
  for (DocId d = static_cast<DocId>(dates_.counted); d < n; ++d) {
    if (!store_->live(d)) continue;
    const std::optional<int64_t> date = store_->date(d);
    if (!date) continue;
    dates_.earliest = dates_.any ? std::min(dates_.earliest, *date) : *date;
    dates_.latest = dates_.any ? std::max(dates_.latest, *date) : *date;
    dates_.any = true;
  }
  dates_.counted = n;
  return dates_.any ? SpanBetween(dates_.earliest, dates_.latest) : 0;
}

void Engine::ForgetDate(DocId doc) const {
  std::lock_guard lock(dates_mu_);
  if (!dates_.any || doc >= dates_.counted) return;
  const std::optional<int64_t> date = store_->date(doc);
  if (date && (*date <= dates_.earliest || *date >= dates_.latest)) {
    dates_ = DateRange{};
  }
}

bool Engine::FingerprintInBurst(uint64_t hash, DocId as_of, const JudgedIn& in,
                                const HolderMemo& memo) const {
  std::vector<DocId> scratch;
  const absl::Span<const DocId> holders =
      fingerprints_->Holders(hash, as_of, memo, scratch);
  if (holders.empty()) return false;
  if (!in.date_span) in.date_span = DateSpan();
  const int64_t limit = judge_.BurstLimit(*in.date_span);
  if (limit < 0) return false;
  // The scan stops at the first holder out of the burst, or once too many
  // are undated: most common text (forms, stock phrases) is spread over
  // the collection. Undated holders (pages whose site gives no date) are
  // passed over while at least half of them all are dated.
  const size_t undated_limit = holders.size() / 2;
  size_t undated = 0;
  int64_t earliest = INT64_MAX, latest = INT64_MIN;
  for (const DocId holder : holders) {
    const std::optional<int64_t> date = store_->date(holder);
    if (!date) {
      if (++undated > undated_limit) return false;
      continue;
    }
    earliest = std::min(earliest, *date);
    latest = std::max(latest, *date);
    if (SpanBetween(earliest, latest) > limit) return false;
  }
  return undated < holders.size();
}

bool Engine::WidespreadStory(uint64_t hash, uint32_t docs, DocId as_of,
                             const JudgedIn& in,
                             const HolderMemo& memo) const {
  return docs >= in.wide && docs < in.burst_wide &&
         store_->num_sources() >= 2 &&
         FingerprintInBurst(hash, as_of, in, memo) &&
         fingerprints_->Sources(hash, as_of, *store_, 2, memo) >= 2;
}

uint32_t Engine::ProposingBelow(uint64_t num_docs, uint32_t self) const {
  const uint32_t wide = judge_.WidespreadThreshold(num_docs);
  if (store_->num_sources() > 1 || judge_.BurstLimit(DateSpan()) >= 0) {
    return wide;
  }
  // The one source, and the asking text's when it is not indexed.
  return judge_.TemplateThreshold(1 + self, wide);
}

void Engine::AddBurstCandidates(absl::Span<const Fingerprint> fps,
                                DocId as_of, uint32_t self, uint64_t num_docs,
                                std::vector<CopyCandidate>& candidates,
                                HolderMemo& memo) const {
  JudgedIn in;
  in.self = self;
  in.wide = judge_.WidespreadThreshold(num_docs);
  in.burst_wide = judge_.BurstWidespreadThreshold(num_docs);
  if (in.burst_wide <= in.wide || store_->num_sources() < 2 || fps.empty()) {
    return;
  }
  // Undated, or dated over too short a span for a burst.
  in.date_span = DateSpan();
  if (judge_.BurstLimit(*in.date_span) < 0) return;
  fingerprints_->Fetch(fps, memo);
  const DocId all = static_cast<DocId>(store_->num_ids());
  absl::flat_hash_map<DocId, uint32_t> shared;
  absl::flat_hash_set<uint64_t> seen;
  std::vector<DocId> scratch;
  for (const Fingerprint& fp : fps) {
    const uint64_t hash = fp.hash();
    if (!seen.insert(hash).second) continue;
    const uint32_t docs = fingerprints_->DocFrequency(hash, all, memo) + self;
    if (!WidespreadStory(hash, docs, all, in, memo)) continue;
    for (const DocId d : fingerprints_->Holders(hash, as_of, memo, scratch)) {
      ++shared[d];
    }
  }
  if (shared.empty()) return;
  for (CopyCandidate& c : candidates) {
    if (const auto it = shared.find(c.doc); it != shared.end()) {
      c.shared += it->second;
      shared.erase(it);
    }
  }
  for (const auto& [doc, n] : shared) candidates.push_back({doc, n});
  std::sort(candidates.begin(), candidates.end(),
            [](const CopyCandidate& a, const CopyCandidate& b) {
              return a.shared != b.shared ? a.shared > b.shared
                                          : a.doc < b.doc;
            });
}

void Engine::OwnFrequencies(const AlignedText& asking, uint32_t begin,
                            uint32_t end, const JudgedIn& in,
                            std::vector<HeldFingerprint>& out,
                            std::vector<Fingerprint>& scratch,
                            HolderMemo& memo) const {
  out.clear();
  // The fingerprints chosen by windows lying wholly inside the tokens.
  // Unlike fingerprints chosen at a passage's edges, they do not depend on
  // the surrounding text, so every document holding the passage holds them
  // and their document frequency counts it.
  const Shingles& sh = asking.shingles;
  const auto [i0, i1] = ShinglesWithin(sh, begin, end);
  if (i1 - i0 < static_cast<size_t>(options_.copy.winnow.window)) return;
  winnower_.Winnow(absl::MakeConstSpan(sh.hashes).subspan(i0, i1 - i0),
                   scratch);
  const DocId as_of = static_cast<DocId>(store_->num_ids());
  const PassageJudge::Options& judge = judge_.options();
  // Widespread text needs no source count; with one source in the index,
  // every holder is of it.
  const bool one_source = store_->num_sources() == 1;
  fingerprints_->Fetch(scratch, memo);
  for (const Fingerprint& fp : scratch) {
    const uint32_t docs =
        fingerprints_->DocFrequency(fp.hash(), as_of, memo) + in.self;
    // Text held often enough to be common or template, whose holders are
    // dated in a burst, is a story printed at once (a query, undated, is
    // judged by the documents holding the text).
    // Held by the widespread threshold's documents, it is a story only
    // where two sources or more printed it at once.
    const bool in_burst =
        in.bursts && docs >= in.burst_from &&
        (docs < in.wide ? FingerprintInBurst(fp.hash(), as_of, in, memo)
                        : WidespreadStory(fp.hash(), docs, as_of, in, memo));
    // Where sources are known they decide what is a template, but for a
    // burst across sources: a burst on one site's pages (a holiday
    // notice) is its template still, a story forwarded to three lists in
    // a week is copy. Without sources, a burst is a story many printed.
    bool template_text = false;
    if (docs >= judge.widespread_min_docs && docs < in.wide &&
        judge.template_sources > 0 && !(one_source && in_burst)) {
      // Counting stops once the sources are too many for a template.
      const uint32_t limit =
          static_cast<uint32_t>(judge.template_sources * docs) + 1;
      const uint32_t held_in =
          one_source ? 1
                     : fingerprints_->Sources(fp.hash(), as_of, *store_,
                                              limit, memo);
      template_text = judge_.IsTemplate(docs, held_in + in.self) &&
                      !(in_burst && held_in >= 2);
    }
    out.push_back({sh.first_token[i0 + fp.position], docs, template_text,
                   in_burst, docs >= in.wide && !in_burst});
  }
}

absl::StatusOr<std::vector<Passage>> Engine::AlignWith(
    const AlignedText& asking, bool indexed, DocId doc, AlignedText& scratch,
    const CommonShingles& common, HolderMemo* memo) const {
  std::string fetched;
  ASSIGN_OR_RETURN(const std::string_view text, TextOf(doc, fetched));
  RETURN_IF_ERROR(aligner_.Prepare(text, scratch));
  return AlignWith(asking, indexed, scratch, common, memo);
}

std::vector<Passage> Engine::AlignWith(const AlignedText& asking, bool indexed,
                                       const AlignedText& other,
                                       const CommonShingles& common,
                                       HolderMemo* memo) const {
  HolderMemo own;
  HolderMemo& held = memo != nullptr ? *memo : own;
  const std::vector<Passage> found = aligner_.Align(asking, other);
  // Frequencies over the whole index, and the query when it is not in it.
  JudgedIn in;
  in.self = indexed ? 0 : 1;
  const uint64_t num_docs = stats_.documents + in.self;
  in.common = judge_.CommonThreshold(num_docs);
  in.wide = judge_.WidespreadThreshold(num_docs);
  in.bursts = judge_.options().burst_seconds > 0;
  in.burst_from =
      std::min(in.common, judge_.options().widespread_min_docs);
  in.burst_wide = judge_.BurstWidespreadThreshold(num_docs);
  const uint32_t k = asking.shingles.tokens_per_shingle;
  // Lengths are in words: a letter of a script written without spaces
  // weighs half a word (Aligner::Options::letters_per_word).
  const uint32_t min_words =
      static_cast<uint32_t>(aligner_.options().min_passage_tokens);
  const int per_word = aligner_.options().letters_per_word;
  std::vector<HeldFingerprint> freq;
  std::vector<Fingerprint> fps;
  std::vector<uint32_t> counts;
  const auto median = [&]() -> uint32_t {
    if (freq.empty()) return 0;
    counts.clear();
    for (const HeldFingerprint& f : freq) counts.push_back(f.docs);
    auto mid = counts.begin() + counts.size() / 2;
    std::nth_element(counts.begin(), mid, counts.end());
    return *mid;
  };
  const auto template_share = [&]() -> double {
    if (freq.empty()) return 0;
    size_t n = 0;
    for (const HeldFingerprint& f : freq) {
      n += f.template_text || f.widespread;
    }
    return static_cast<double>(n) / static_cast<double>(freq.size());
  };
  const auto burst_share = [&]() -> double {
    size_t held_common = 0, n = 0;
    for (const HeldFingerprint& f : freq) {
      if (f.docs < in.burst_from || f.widespread) continue;
      ++held_common;
      n += f.in_burst;
    }
    return held_common == 0 ? 0
                            : static_cast<double>(n) /
                                  static_cast<double>(held_common);
  };
  // The part [a0, a1) of verbatim passage p (same length on both sides).
  const auto piece = [&](const Passage& p, uint32_t a0, uint32_t a1) {
    Passage q = p;
    q.a_token_begin = a0;
    q.a_token_end = a1;
    q.b_token_begin = p.b_token_begin + (a0 - p.a_token_begin);
    q.b_token_end = p.b_token_begin + (a1 - p.a_token_begin);
    q.shared_shingles = a1 - a0 >= k ? a1 - a0 - k + 1 : 1;
    q.a_words = WordsIn(asking, q.a_token_begin, q.a_token_end, per_word);
    q.b_words = WordsIn(other, q.b_token_begin, q.b_token_end, per_word);
    std::tie(q.a_begin, q.a_end) = asking.normalized.SourceRange(
        asking.tokens[a0].begin, asking.tokens[a1 - 1].end);
    std::tie(q.b_begin, q.b_end) =
        other.normalized.SourceRange(other.tokens[q.b_token_begin].begin,
                                     other.tokens[q.b_token_end - 1].end);
    return q;
  };
  // A passage holding widespread or template text (a licence, a site's
  // template) beside text of its own is cut around those stretches, which
  // are judged alone: the copyright lines above a licence are copy, the
  // licence not.
  struct Stretch {
    uint32_t begin, end;
    bool template_text;  // some fingerprint in it is template, not widespread
  };
  std::vector<Passage> passages;
  // Per passage: its doc_frequency and template share are measured already
  // (a passage kept whole), or are still to be measured (a piece); and the
  // found passage it is, or is a piece of.
  std::vector<uint8_t> measured;
  std::vector<double> template_shares;
  std::vector<double> burst_shares;
  std::vector<uint32_t> origin;
  for (uint32_t at_found = 0; at_found < found.size(); ++at_found) {
    const Passage& p = found[at_found];
    OwnFrequencies(asking, p.a_token_begin, p.a_token_end, in, freq, fps,
                   held);
    std::vector<Stretch> stretches;
    for (const HeldFingerprint& f : freq) {
      if (!f.widespread && !f.template_text) continue;
      const uint32_t end = std::min(f.token + k, p.a_token_end);
      const bool template_text = !f.widespread;
      // Fingerprints lie at most a window apart: closer stretches join.
      if (!stretches.empty() &&
          f.token <= stretches.back().end + static_cast<uint32_t>(
                                                options_.copy.winnow.window)) {
        stretches.back().end = std::max(stretches.back().end, end);
        stretches.back().template_text |= template_text;
      } else {
        stretches.push_back({f.token, end, template_text});
      }
    }
    // Only a verbatim passage maps token for token onto the other side.
    if (stretches.empty() || options_.copy.align.max_gap_tokens > 0 ||
        p.a_tokens() != p.b_tokens()) {
      passages.push_back(p);
      passages.back().doc_frequency = median();
      measured.push_back(1);
      template_shares.push_back(template_share());
      burst_shares.push_back(burst_share());
      origin.push_back(at_found);
      continue;
    }
    uint32_t at = p.a_token_begin;
    for (const Stretch& s : stretches) {
      uint32_t w0 = s.begin, w1 = s.end;
      if (w1 <= at) continue;
      w0 = std::max(w0, at);
      // Text of its own shorter than a reported passage (in tokens: see
      // below for words) joins the stretch.
      if (w0 - at < min_words) w0 = at;
      if (w0 > at) passages.push_back(piece(p, at, w0));
      if (p.a_token_end - w1 < min_words) w1 = p.a_token_end;
      Passage q = piece(p, w0, w1);
      q.boilerplate = true;
      q.reason = s.template_text ? Boilerplate::kTemplate
                                 : Boilerplate::kWidespread;
      passages.push_back(q);
      at = w1;
    }
    if (at < p.a_token_end) passages.push_back(piece(p, at, p.a_token_end));
    measured.resize(passages.size(), 0);
    template_shares.resize(passages.size(), 0);
    burst_shares.resize(passages.size(), 0);
    origin.resize(passages.size(), at_found);
  }
  for (size_t i = 0; i < passages.size(); ++i) {
    if (measured[i]) continue;
    Passage& p = passages[i];
    OwnFrequencies(asking, p.a_token_begin, p.a_token_end, in, freq, fps,
                   held);
    p.doc_frequency = median();
    template_shares[i] = template_share();
    burst_shares[i] = burst_share();
    measured[i] = 1;
  }
  // What the pair shares of its own: passages but the stock lines, which
  // add up to nothing however many the pair shares (a maintainer's
  // sign-off, a release header: common, with under a phrase of rarer
  // shingles in a row), unless printed in a burst.
  const uint32_t phrase = judge_.options().phrase_tokens;
  std::vector<uint32_t> rare_runs(passages.size(), 0);
  std::vector<uint32_t> words(passages.size(), 0);
  uint32_t total = 0;
  for (size_t i = 0; i < passages.size(); ++i) {
    const Passage& p = passages[i];
    if (p.boilerplate) continue;
    words[i] = WordsIn(asking, p.a_token_begin, p.a_token_end, per_word);
    rare_runs[i] = LongestRareRun(asking, p.a_token_begin, p.a_token_end,
                                  common, per_word);
    const bool stock = p.doc_frequency >= in.common &&
                       std::min(rare_runs[i], words[i]) < phrase &&
                       burst_shares[i] < 0.5;
    if (!stock) total += words[i];
  }
  // Edges are measured as lengths (Lengths: in words, where two letters of
  // a script written without spaces weigh one).
  const Lengths length_a(asking, per_word), length_b(other, per_word);
  const uint64_t edge = length_a.Words(judge_.options().edge_tokens);
  const uint32_t na = static_cast<uint32_t>(asking.tokens.size());
  const uint32_t nb = static_cast<uint32_t>(other.tokens.size());
  // Do the passages cover both texts but for an edge's worth at each end?
  // (Repeated text gives passages that overlap on one side: the union.)
  // They must cover at least two edges' worth themselves: a text shorter
  // than that is all edges, and a stock phrase filling two such texts
  // (two dividend notices, "Qtly div six cts vs six cts prior Pay April")
  // does not make them copies.
  std::vector<std::pair<uint32_t, uint32_t>> spans_a, spans_b;
  for (const Passage& p : found) {
    spans_a.emplace_back(p.a_token_begin, p.a_token_end);
    spans_b.emplace_back(p.b_token_begin, p.b_token_end);
  }
  const uint64_t covered_a = SpanUnion(std::move(spans_a), length_a).covered();
  const uint64_t covered_b = SpanUnion(std::move(spans_b), length_b).covered();
  const bool whole_pair = covered_a >= 2 * edge && covered_b >= 2 * edge &&
                          covered_a + 2 * edge >= length_a.Of(0, na) &&
                          covered_b + 2 * edge >= length_b.Of(0, nb);
  std::vector<PassageFacts> facts(passages.size());
  for (size_t i = 0; i < passages.size(); ++i) {
    const Passage& p = passages[i];
    if (p.boilerplate) continue;
    PassageFacts& f = facts[i];
    f.tokens = words[i];
    f.pair_tokens = std::max(total, f.tokens);
    f.doc_frequency = p.doc_frequency;
    f.template_share = template_shares[i];
    f.burst_share = burst_shares[i];
    f.whole_pair = whole_pair;
    f.junk_share = JunkShare(
        asking.normalized.text,
        absl::MakeConstSpan(asking.tokens)
            .subspan(p.a_token_begin, p.a_token_end - p.a_token_begin));
    f.rare_run_tokens = rare_runs[i];
  }
  // At an edge is within an edge's worth of the start or end of both
  // texts, not counting what both share that is widespread, template or
  // markup whatever its place: a translators' credit line followed on
  // every page by the same licence paragraph and mailing-list address ends
  // the page as surely as the last line does. (Those verdicts do not
  // depend on the place.)
  std::vector<std::pair<uint32_t, uint32_t>> stock_a, stock_b;
  for (size_t i = 0; i < passages.size(); ++i) {
    const Passage& p = passages[i];
    bool stock = p.boilerplate;
    if (!stock) {
      const Boilerplate placeless = judge_.Judge(facts[i], num_docs);
      stock = placeless == Boilerplate::kMarkup ||
              placeless == Boilerplate::kWidespread ||
              placeless == Boilerplate::kTemplate;
    }
    if (!stock) continue;
    stock_a.emplace_back(p.a_token_begin, p.a_token_end);
    stock_b.emplace_back(p.b_token_begin, p.b_token_end);
  }
  const SpanUnion skip_a(std::move(stock_a), length_a);
  const SpanUnion skip_b(std::move(stock_b), length_b);
  const auto lead = [&](const SpanUnion& skip, const Lengths& length,
                        uint32_t begin) {
    return length.Of(0, begin) - skip.Covered(0, begin);
  };
  const auto trail = [&](const SpanUnion& skip, const Lengths& length,
                         uint32_t end, uint32_t n) {
    return length.Of(end, n) - skip.Covered(end, n);
  };
  for (size_t i = 0; i < passages.size(); ++i) {
    Passage& p = passages[i];
    if (p.boilerplate) continue;
    PassageFacts& f = facts[i];
    const bool starts_a = lead(skip_a, length_a, p.a_token_begin) <= edge;
    const bool starts_b = lead(skip_b, length_b, p.b_token_begin) <= edge;
    const bool ends_a = trail(skip_a, length_a, p.a_token_end, na) <= edge;
    const bool ends_b = trail(skip_b, length_b, p.b_token_end, nb) <= edge;
    // A passage that is all one text holds but stock and edges is that
    // text (a short post and the reply quoting it), not its footer; unless
    // it is shorter than two edges, when that text is all edges (as for
    // whole_pair).
    const bool whole_text =
        length_a.Of(p.a_token_begin, p.a_token_end) >= 2 * edge &&
                            ((starts_a && ends_a) || (starts_b && ends_b));
    f.same_edge =
        ((starts_a && starts_b) || (ends_a && ends_b)) && !whole_text;
    p.reason = judge_.Judge(f, num_docs);
    p.boilerplate = p.reason != Boilerplate::kNone;
  }
  // A passage cut around widespread stretches is copied text with a few
  // stock lines inside (two packages' identical changelogs, a reprint
  // quoting a standard sentence) when, from its first piece judged copy to
  // its last, the copy holds at least half the text: that stretch is
  // reported whole. Boilerplate before the first piece of copy or after the
  // last (a footer, a licence after its package's own lines) stays apart.
  std::vector<Passage> out;
  out.reserve(passages.size());
  for (size_t i = 0; i < passages.size();) {
    size_t j = i + 1;
    while (j < passages.size() && origin[j] == origin[i]) ++j;
    size_t first = j, last = j;
    uint64_t copied = 0;
    for (size_t x = i; x < j; ++x) {
      if (passages[x].boilerplate) continue;
      if (first == j) first = x;
      last = x;
      copied += passages[x].a_tokens();
    }
    if (first == j || first == last ||
        2 * copied < passages[last].a_token_end -
                         passages[first].a_token_begin) {
      // Pieces stay apart. A piece of copy shorter than a reported passage
      // in words (eight tokens of Chinese are four words) is part of the
      // stock text beside it. (Cutting at words instead of tokens above
      // would leave less copy between the stretches of a text whose letter
      // shingles are often widespread, and a copy too cut up to join.)
      for (size_t x = i; j - i > 1 && x < j; ++x) {
        Passage& q = passages[x];
        if (q.boilerplate || q.a_words >= min_words) continue;
        const bool before = x > i && passages[x - 1].boilerplate;
        const bool after = x + 1 < j && passages[x + 1].boilerplate;
        if (!before && !after) continue;
        q.boilerplate = true;
        q.reason = before ? passages[x - 1].reason : passages[x + 1].reason;
      }
      out.insert(out.end(), passages.begin() + i, passages.begin() + j);
      i = j;
      continue;
    }
    out.insert(out.end(), passages.begin() + i, passages.begin() + first);
    Passage joined = piece(found[origin[i]], passages[first].a_token_begin,
                           passages[last].a_token_end);
    OwnFrequencies(asking, joined.a_token_begin, joined.a_token_end, in,
                   freq, fps, held);
    joined.doc_frequency = median();
    out.push_back(joined);
    out.insert(out.end(), passages.begin() + last + 1, passages.begin() + j);
    i = j;
  }
  return out;
}

uint32_t Engine::CapPassages(std::vector<Passage>& passages) const {
  const size_t cap = options_.copy.max_passages;
  if (passages.size() <= cap) return 0;
  const auto by_position = [](const Passage& x, const Passage& y) {
    return x.a_begin != y.a_begin ? x.a_begin < y.a_begin
                                  : x.b_begin < y.b_begin;
  };
  std::stable_sort(passages.begin(), passages.end(),
                   [&](const Passage& x, const Passage& y) {
                     if (x.boilerplate != y.boilerplate) return !x.boilerplate;
                     if (x.a_tokens() != y.a_tokens()) {
                       return x.a_tokens() > y.a_tokens();
                     }
                     return by_position(x, y);
                   });
  const uint32_t dropped = static_cast<uint32_t>(passages.size() - cap);
  passages.resize(cap);
  std::sort(passages.begin(), passages.end(), by_position);
  return dropped;
}

absl::StatusOr<std::vector<Passage>> Engine::Passages(
    DocId a, DocId b, uint32_t* more_passages) const {
  std::shared_lock lock(*mu_);
  std::string fetched;
  ASSIGN_OR_RETURN(const std::string_view text, TextOf(a, fetched));
  AlignedText asking, other;
  RETURN_IF_ERROR(aligner_.Prepare(text, asking));
  if (options_.copy.enabled) {
    const std::shared_ptr<const Common> common = CommonModel(/*current=*/true);
    ASSIGN_OR_RETURN(
        std::vector<Passage> passages,
        AlignWith(asking, /*indexed=*/true, b, other, common->shingles));
    const uint32_t more = CapPassages(passages);
    if (more_passages != nullptr) *more_passages = more;
    return passages;
  }
  ASSIGN_OR_RETURN(const std::string_view text_b, TextOf(b, fetched));
  RETURN_IF_ERROR(aligner_.Prepare(text_b, other));
  std::vector<Passage> passages = aligner_.Align(asking, other);
  const std::shared_ptr<const Common> common = CommonModel(/*current=*/true);
  const Shingles& sh = asking.shingles;
  for (Passage& p : passages) {
    // The shingles lying wholly inside the passage, in document a.
    const auto [i0, i1] = ShinglesWithin(sh, p.a_token_begin, p.a_token_end);
    const uint32_t inside = static_cast<uint32_t>(i1 - i0);
    uint32_t common_inside = 0;
    for (size_t i = i0; i < i1; ++i) {
      common_inside += common->shingles.IsCommon(sh.hashes[i]);
    }
    if (inside > 0 && 2 * common_inside > inside) {
      p.boilerplate = true;
      p.reason = Boilerplate::kWidespread;
      p.doc_frequency = common->shingles.threshold();
    }
  }
  const uint32_t more = CapPassages(passages);
  if (more_passages != nullptr) *more_passages = more;
  return passages;
}

absl::StatusOr<std::vector<Match>> Engine::Query(std::string_view text) const {
  if (text.size() > options_.max_document_bytes) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "query text has %d bytes, more than max_document_bytes = %d",
        text.size(), options_.max_document_bytes));
  }
  // With copy on, the text is prepared once with offsets for alignment, and
  // sketched from the same shingles.
  Scratch scratch;
  Sketch sketch;
  AlignedText asking, other;
  if (options_.copy.enabled) {
    RETURN_IF_ERROR(aligner_.Prepare(text, asking));
    SketchShingles(asking.shingles, sketch);
  } else {
    RETURN_IF_ERROR(SketchText(text, scratch, sketch));
  }
  std::vector<Match> matches;
  if (sketch.set_size == 0) return matches;
  RETURN_IF_ERROR(FollowStoreShared());

  if (!options_.index_on_add && options_.find_near_duplicates) {
    // The exclusive lock only when documents wait to be filed, so that
    // queries on a caught-up index still run side by side.
    bool behind;
    {
      std::shared_lock lock(*mu_);
      behind = lsh_filed_ < store_->num_ids();
    }
    if (behind) {
      std::unique_lock lock(*mu_);
      RETURN_IF_ERROR(CatchUpLshIndex());
    }
  }
  std::shared_lock lock(*mu_);
  const DocId as_of = static_cast<DocId>(store_->num_ids());
  std::vector<DocId> candidates;
  if (!options_.find_near_duplicates) {
    // A copy-only engine has no LSH index: copy candidates alone, below.
  } else {
    ASSIGN_OR_RETURN(const LshQueryResult found,
                     bands_->Query(sketch.signature));
    for (const LshCandidate& c : found.candidates) candidates.push_back(c.id);
  }
  if (simhash_index_) {
    for (const SimHashMatch& m : simhash_index_->Query(sketch.fingerprint)) {
      candidates.push_back(m.id);
    }
  }
  std::vector<DocId> copy_candidates;
  // The holders read for the query's candidates, kept for its passages.
  HolderMemo memo;
  if (options_.copy.enabled) {
    // As in SharedCopy(), widespread fingerprints (counting the query)
    // propose nothing, nor template ones where no source or burst can
    // tell a story from a template (ProposingBelow).
    const uint32_t proposing = ProposingBelow(stats_.documents + 1, 1);
    ASSIGN_OR_RETURN(
        std::vector<CopyCandidate> found,
        fingerprints_->Candidates(sketch.fps, as_of,
                                  proposing > 0 ? proposing - 1 : 0, &memo));
    AddBurstCandidates(sketch.fps, as_of, /*self=*/1, stats_.documents + 1,
                       found, memo);
    for (const CopyCandidate& c : found) {
      copy_candidates.push_back(c.doc);
      candidates.push_back(c.doc);
    }
    std::sort(copy_candidates.begin(), copy_candidates.end());
    if (copy_candidates.size() > 1) aligner_.IndexSeeds(asking);
  }
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()),
                   candidates.end());
  const std::shared_ptr<const Common> common = CommonModel(/*current=*/false);
  std::vector<uint64_t> common_in_query;
  common->shingles.CommonOf(sketch.set, common_in_query);
  for (DocId d : candidates) {
    const Similarity s =
        SimilarityTo(sketch.set, sketch.signature, sketch.set_size,
                     common_in_query, *common, d);
    Match m;
    m.near_duplicate = verifier_.Accept(s);
    if (std::binary_search(copy_candidates.begin(), copy_candidates.end(), d)) {
      ASSIGN_OR_RETURN(m.passages, AlignWith(asking, /*indexed=*/false, d,
                                             other, common->shingles, &memo));
      for (const Passage& p : m.passages) {
        if (p.boilerplate) continue;
        m.shares_copy = true;
        m.copied_tokens_query += p.a_tokens();
        m.copied_tokens_doc += p.b_tokens();
      }
      m.more_passages = CapPassages(m.passages);
    }
    if (!m.near_duplicate && !m.shares_copy) continue;
    m.id = std::string(store_->id(d));
    m.doc = d;
    if (options_.find_near_duplicates) {
      m.estimated_jaccard = EstimateJaccard(sketch.signature, SignatureOf(d));
    }
    m.jaccard = s.jaccard;
    m.containment_query_in_doc = s.containment_a_in_b;
    m.containment_doc_in_query = s.containment_b_in_a;
    m.score = verifier_.Score(s);
    matches.push_back(std::move(m));
  }
  std::stable_sort(matches.begin(), matches.end(),
                   [](const Match& a, const Match& b) {
                     if (a.near_duplicate != b.near_duplicate) {
                       return a.near_duplicate;
                     }
                     if (a.score != b.score) return a.score > b.score;
                     return a.copied_tokens_query > b.copied_tokens_query;
                   });
  return matches;
}

absl::StatusOr<Clustering> Engine::Cluster(
    const ProgressHook& progress) const {
  RETURN_IF_ERROR(RequireSignatures("Cluster()"));
  RETURN_IF_ERROR(FollowStoreShared());
  std::shared_lock lock(*mu_);
  // Counted by the stream, beside the candidate search.
  std::shared_ptr<const Common> common;
  Clustering result;
  PairStreamOptions stream;
  stream.progress = progress;
  ASSIGN_OR_RETURN(
      const PairStreamStats stats,
      StreamNearDuplicates(
          common,
          [&result](absl::Span<VerifiedPair> block) {
            result.pairs.insert(result.pairs.end(), block.begin(),
                                block.end());
            return absl::OkStatus();
          },
          stream));
  result.candidate_pairs = stats.candidate_pairs;
  internal::PhaseReporter phase(progress, kProgressCluster, 1);
  result.clusters = near_duplicates_.ClusterPairs(
      store_->num_ids(), result.pairs, DocsFor(*common));
  return result;
}

NearDuplicateDocs Engine::DocsFor(const Common& common) const {
  NearDuplicateDocs docs;
  docs.signature = [this](DocId d) { return SignatureOf(d); };
  docs.size = [this](DocId d) { return SizeOf(d); };
  if (options_.keep_shingle_sets) {
    docs.set = [this](DocId d) { return SetOf(d); };
    docs.common = [this, &common](DocId d, std::vector<uint64_t>& fetched) {
      return CommonIn(common, d, fetched);
    };
  }
  return docs;
}

absl::StatusOr<std::vector<CandidatePair>> Engine::NearDuplicateCandidates()
    const {
  // The join over the live signatures gives the pairs bands_ would,
  // whether or not it is built.
  std::vector<DocId> live;
  for (DocId d = 0; d < store_->num_ids(); ++d) {
    if (store_->live(d) && SizeOf(d) != 0) live.push_back(d);
  }
  LshIndex::Options lo = bands_->options();
  // A store reading its records in place gives no signatures back to
  // back: they are gathered here, for the join.
  std::vector<uint32_t> gathered;
  absl::Span<const uint32_t> signatures = store_->signatures();
  if (signatures.empty() && !live.empty()) {
    const size_t k = minhasher_.params().num_perm;
    gathered.assign(store_->num_ids() * k, 0);
    for (DocId d : live) {
      const absl::Span<const uint32_t> sig = SignatureOf(d);
      std::copy(sig.begin(), sig.end(), gathered.begin() + d * k);
    }
    signatures = gathered;
  }
  // Cannot fail: the DocIds ascend, and every signature has num_perm
  // values.
  absl::StatusOr<std::vector<CandidatePair>> all =
      LshAllPairs(signatures, live, lo);
  if (!all.ok()) return Internal(all.status());
  std::vector<CandidatePair> candidates = std::move(*all);
  std::vector<DocId>().swap(live);
  if (simhash_index_) {
    for (DocId d = 0; d < store_->num_ids(); ++d) {
      if (!store_->live(d) || SizeOf(d) == 0) continue;
      for (const SimHashMatch& m : simhash_index_->Query(store_->simhash(d))) {
        if (m.id > d) candidates.push_back({d, m.id, 0});
      }
    }
    std::sort(candidates.begin(), candidates.end(),
              [](const CandidatePair& x, const CandidatePair& y) {
                return x.a != y.a ? x.a < y.a : x.b < y.b;
              });
    candidates.erase(
        std::unique(candidates.begin(), candidates.end(),
                    [](const CandidatePair& x, const CandidatePair& y) {
                      return x.a == y.a && x.b == y.b;
                    }),
        candidates.end());
  }
  return candidates;
}

absl::StatusOr<CopyReport> Engine::SharedCopy(
    const ProgressHook& progress) const {
  RETURN_IF_ERROR(RequireCopy());
  RETURN_IF_ERROR(FollowStoreShared());
  PackFingerprintsShared();
  std::shared_lock lock(*mu_);
  const std::shared_ptr<const Common> common = CommonModel(/*current=*/true);
  CopyReport report;
  PairStreamOptions stream;
  stream.progress = progress;
  // One block: the report holds every pair anyway, so no runs on disk.
  stream.block_pairs = SIZE_MAX;
  ASSIGN_OR_RETURN(
      const PairStreamStats stats,
      StreamSharedCopy(
          *common,
          [&report](absl::Span<CopyPair> block) {
            for (CopyPair& p : block) report.pairs.push_back(std::move(p));
            return absl::OkStatus();
          },
          stream));
  report.candidate_pairs = stats.candidate_pairs;
  internal::PhaseReporter phase(progress, kProgressFamilies, 1);
  report.families = GroupCopyFamilies(
      report.pairs, [this](DocId d) { return store_->date(d); });
  report.clusters = ClusterCopies(report.pairs, report.families,
                                  store_->num_ids(),
                                  options_.copy.cluster_share);
  return report;
}

namespace {

internal::IndexConfig ConfigOf(const Engine::Options& o,
                               const LshParams& lsh) {
  internal::IndexConfig c;
  // Band postings, which Open() reads in place of an LSH index in memory,
  // in every index made now. A copy-mode index made before 2026-12-01 has
  // none (opening read every record then, and built the LSH index in
  // memory anyway); it keeps its config, and the engine still builds its
  // LSH index in memory when it opens one.
  c.lsh_bands = lsh.bands;
  c.lsh_rows = lsh.rows;
  c.hashing = o.hashing();
  c.keep_sets = o.keep_shingle_sets;
  c.texts = o.copy.enabled;
  c.window = o.copy.enabled ? static_cast<uint32_t>(o.copy.winnow.window) : 0;
  return c;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Engine>> Engine::Open(const std::string& dir,
                                                     const Options& options) {
  RETURN_IF_ERROR(options.Validate());
  if (!options.find_near_duplicates) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "index '%s': an index holds MinHash signatures; open it with "
        "Options::find_near_duplicates = true",
        dir));
  }
  if (options.text_source) {
    return absl::UnimplementedError(absl::StrFormat(
        "index '%s': an index directory keeps its own texts; open it without "
        "Options::text_source",
        dir));
  }
  ASSIGN_OR_RETURN(std::unique_ptr<Engine> e, Create(options));
  ASSIGN_OR_RETURN(std::unique_ptr<internal::LmdbDocumentStore> store,
                   internal::LmdbDocumentStore::Open(
                       dir, ConfigOf(options, e->lsh_params_), true));
  store->set_threads(options.threads);
  e->store_ = std::move(store);
  const bool fingerprints_stored =
      options.copy.enabled && e->store_->fingerprint_postings() != nullptr;
  if (fingerprints_stored) {
    ASSIGN_OR_RETURN(e->fingerprints_,
                     internal::FingerprintLookup::Stored(
                         options.copy.index,
                         e->store_->fingerprint_postings()));
  }
  // The store's band postings when they band as this engine does (what
  // Create() reserved in memory for expected_documents is freed); else
  // the engine files its own in memory.
  absl::StatusOr<std::unique_ptr<internal::BandLookup>> stored =
      internal::BandLookup::Stored(e->bands_->options(),
                                   e->store_->band_postings());
  if (stored.ok()) e->bands_ = std::move(*stored);
  const std::optional<StoreTally> tally = e->store_->tally();
  if (e->bands_->files_in_store() && tally.has_value() && !e->simhash_index_ &&
      (!options.copy.enabled || fingerprints_stored)) {
    // Nothing to build in memory: the counters are the store's, and so
    // are the postings. (The common-shingle model is counted at the first
    // query, and the span of dates at the first judgement that needs it.)
    const size_t n = e->store_->num_ids();
    e->stats_.documents = tally->live;
    e->stats_.removed = n - std::min<uint64_t>(n, tally->live);
    e->stats_.empty_documents = tally->empty;
    e->stats_.shingles = tally->shingles;
    e->stats_.fingerprints = tally->fingerprints;
    e->lsh_filed_ = static_cast<DocId>(n);
    return e;
  }
  RETURN_IF_ERROR(e->IndexAll());
  return e;
}

absl::StatusOr<Engine::SnapshotInfo> Engine::ReadIndexInfo(
    const std::string& dir) {
  ASSIGN_OR_RETURN(const internal::IndexSummary s,
                   internal::LmdbDocumentStore::ReadSummary(dir));
  SnapshotInfo info;
  info.version = s.version;
  info.num_ids = s.num_ids;
  info.num_live = std::min(s.num_live, s.num_ids);
  info.has_texts = s.config.texts;
  info.file_bytes = s.disk_bytes;
  Options& o = info.options;
  o.SetHashing(s.config.hashing);
  o.copy.enabled = s.config.texts;
  o.keep_shingle_sets = s.config.keep_sets;
  if (s.config.texts) o.copy.winnow.window = static_cast<int>(s.config.window);
  o.lsh_bands = s.config.lsh_bands;
  o.lsh_rows = s.config.lsh_rows;
  if (absl::Status v = o.Validate(); !v.ok()) {
    return absl::DataLossError(absl::StrFormat(
        "index '%s' is corrupt: its parameters are invalid (%s)", dir,
        v.message()));
  }
  return info;
}

absl::Status Engine::CheckIndex(const std::string& dir) {
  return internal::LmdbDocumentStore::Check(dir);
}

absl::Status Engine::SaveIndex(const std::string& dir) const {
  RETURN_IF_ERROR(RequireSignatures("SaveIndex()"));
  std::shared_lock lock(*mu_);
  ASSIGN_OR_RETURN(
      std::unique_ptr<internal::LmdbDocumentStore> out,
      internal::LmdbDocumentStore::Open(dir, ConfigOf(options_, lsh_params_),
                                        true));
  out->set_threads(options_.threads);
  if (out->num_ids() != 0) {
    return absl::AlreadyExistsError(absl::StrFormat(
        "index '%s' holds documents already; save into a new directory", dir));
  }
  const DocId n = static_cast<DocId>(store_->num_ids());
  // One transaction (and one level of band postings) per 1,024 documents:
  // far below the pages one LMDB transaction may change (engine.h,
  // Open()).
  constexpr DocId kChunk = 1024;
  std::vector<std::string> texts(kChunk);
  std::vector<StoredDocument> docs;
  for (DocId first = 0; first < n; first += kChunk) {
    const DocId end = std::min<DocId>(n, first + kChunk);
    docs.assign(end - first, StoredDocument{});
    for (DocId d = first; d < end; ++d) {
      StoredDocument& s = docs[d - first];
      s.id = store_->id(d);
      s.live = store_->live(d);
      s.date = store_->date(d);
      s.source = store_->source_name(store_->source(d));
      s.signature = store_->signature(d);
      s.simhash = store_->simhash(d);
      s.set = store_->set(d);
      s.set_size = store_->set_size(d);
      s.fingerprints = store_->fingerprints(d);
      if (options_.copy.enabled && s.live) {
        // A view of the kept text, or fetched into texts[], which lives
        // until the chunk is written.
        ASSIGN_OR_RETURN(s.text, TextOf(d, texts[d - first]));
        s.text_hash = XXH3_64bits(s.text.data(), s.text.size());
      } else {
        s.text_hash = store_->text_hash(d);
      }
    }
    if (first == 0 && !docs.empty()) {
      // The store keeps only the totals of these counters; they ride on the
      // first document.
      const StoreCounters c = store_->counters();
      docs[0].bytes = c.bytes;
      docs[0].invalid_utf8 = c.invalid_utf8;
      docs[0].nul_bytes = c.nul_bytes;
    }
    RETURN_IF_ERROR(out->Append(docs));
  }
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> Engine::Prune(int64_t before) {
  std::unique_lock lock(*mu_);
  return RemoveChosen([&]() -> absl::StatusOr<std::vector<DocId>> {
    std::vector<DocId> old;
    for (DocId d = 0; d < store_->num_ids(); ++d) {
      const std::optional<int64_t> date = store_->date(d);
      if (store_->live(d) && date.has_value() && *date < before) {
        old.push_back(d);
      }
    }
    return old;
  });
}

std::string Engine::source(DocId doc) const {
  std::shared_lock lock(*mu_);
  return std::string(store_->source_name(store_->source(doc)));
}

std::string Engine::id(DocId doc) const {
  std::shared_lock lock(*mu_);
  return std::string(store_->id(doc));
}

absl::StatusOr<std::string> Engine::text(DocId doc) const {
  std::shared_lock lock(*mu_);
  std::string fetched;
  ASSIGN_OR_RETURN(const std::string_view text, TextOf(doc, fetched));
  return std::string(text);
}

std::optional<int64_t> Engine::date(DocId doc) const {
  std::shared_lock lock(*mu_);
  return store_->date(doc);
}

size_t Engine::num_ids() const {
  std::shared_lock lock(*mu_);
  return store_->num_ids();
}

EngineStats Engine::stats() const {
  std::shared_lock lock(*mu_);
  EngineStats stats = stats_;
  const StoreCounters counters = store_->counters();
  stats.bytes = counters.bytes;
  stats.invalid_utf8 = counters.invalid_utf8;
  stats.nul_bytes = counters.nul_bytes;
  return stats;
}

}  // namespace mimeo
