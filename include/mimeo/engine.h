// The Engine: the whole pipeline behind one object.
//
//   auto engine = mimeo::Engine::Create(mimeo::Engine::Options{});
//   (*engine)->Add({"wire/0412", text});           // or AddBatch
//   auto matches = (*engine)->Query(new_text);     // who already has this?
//   auto clusters = (*engine)->Cluster();          // every group of copies
//   (*engine)->Save("corpus.mimeo");               // and Load() it later
//
// Each added document is normalized, tokenized, shingled and sketched
// (MinHash signature, SimHash fingerprint, and, by default, its exact
// shingle set for verification); the signature goes into an LSH index.
// Query() and Cluster() take LSH (and optionally SimHash) candidates,
// verify them on the shingle sets (Jaccard, or containment either way) and
// report the pairs that pass; Cluster() then groups them.
//
// Shared copy (on by default, Options::copy): each document's shingles are
// also winnowed into fingerprints (winnow.h), kept with their positions
// and indexed (fingerprint_index.h), and its text is kept (or found again
// through Options::text_source). Query() then also reports every indexed
// document that shares a passage with the text, however small a part of
// either document the passage is, with the passages as byte ranges into
// both texts (align.h); SharedCopy() does the same for every pair in the index
// and groups the passages into copy families (copy_family.h). Passages
// that are boilerplate (a footer, a licence on hundreds of files, markup
// debris; boilerplate.h) are flagged with the reason and not counted as
// copy. Query() judges them with the document frequencies of the index as
// it stands, SharedCopy() with those of the whole index, so a footer's
// first few carriers, which an ingestion pipeline querying one document at
// a time sees as copy, are boilerplate in the batch answer.
//
// Documents with no tokens (empty, whitespace or punctuation only) are kept
// and counted but match nothing: many empty texts are not copies of each
// other. A document with fewer tokens than the shingle size has one
// shingle, so short texts still match their exact copies.
//
// Thread safety: Query(), Cluster(), SharedCopy(), Passages(), Save() and
// the accessors may run concurrently with each other from any number of
// threads. Add(), AddBatch(), Commit() and Remove() take an exclusive lock:
// they are safe to call from several threads, but run one at a time and
// wait for readers to finish. A waiting writer goes before readers that
// arrive after it, so a steady stream of queries does not hold it off
// indefinitely. A TextSource must not call back into the engine that asks it.
//
// Determinism: the same documents in the same order with the same options
// give the same ids, matches, clusters and snapshot bytes, whatever the
// number of threads. Query() counts boilerplate as of its last refresh
// (Options::common), so its matches follow from the same sequence of
// Add(), Remove() and Query() calls.
#ifndef MIMEO_ENGINE_H_
#define MIMEO_ENGINE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "mimeo/align.h"
#include "mimeo/boilerplate.h"
#include "mimeo/cluster.h"
#include "mimeo/copy_family.h"
#include "mimeo/document.h"
#include "mimeo/document_store.h"
#include "mimeo/fingerprint_index.h"
#include "mimeo/hashing_params.h"
#include "mimeo/lsh_index.h"
#include "mimeo/lsh_params.h"
#include "mimeo/minhash.h"
#include "mimeo/near_duplicates.h"
#include "mimeo/normalize.h"
#include "mimeo/pair_stream.h"
#include "mimeo/progress.h"
#include "mimeo/shingle.h"
#include "mimeo/simhash.h"
#include "mimeo/simhash_index.h"
#include "mimeo/tokenize.h"
#include "mimeo/verify.h"
#include "mimeo/winnow.h"

namespace mimeo {
namespace internal {
class BandLookup;
class FingerprintLookup;
class WriterPreferringMutex;
}  // namespace internal

// One indexed document found similar to a query: a near-duplicate, a
// document sharing copy with it, or both.
struct Match {
  std::string id;
  DocId doc = 0;
  // The MinHash estimate of the Jaccard similarity.
  double estimated_jaccard = 0;
  // Exact figures on the shingle sets; "query" is the text passed to
  // Query(), "doc" the indexed document.
  double jaccard = 0;
  double containment_query_in_doc = 0;
  double containment_doc_in_query = 0;
  // The verifier's score (see verify.h).
  double score = 0;
  // Passed verification as a near-duplicate.
  bool near_duplicate = false;
  // Shares at least one passage that is not boilerplate.
  bool shares_copy = false;
  // The passages shared (empty with copy off); side "a" is the query text,
  // side "b" the indexed document.
  std::vector<Passage> passages;
  // Tokens of the query, and of the document, inside non-boilerplate
  // passages.
  uint64_t copied_tokens_query = 0;
  uint64_t copied_tokens_doc = 0;
  // Passages beyond Options::copy.max_passages, left out of `passages`.
  uint32_t more_passages = 0;
};

// The result of Engine::Cluster().
struct Clustering {
  std::vector<Cluster> clusters;
  // The verified pairs clusters were built from, sorted by (a, b).
  std::vector<VerifiedPair> pairs;
  uint64_t candidate_pairs = 0;
};

// The result of Engine::SharedCopy().
struct CopyReport {
  // Every pair of live documents sharing copy, sorted by (a, b).
  std::vector<CopyPair> pairs;
  std::vector<CopyFamily> families;
  // Groups of documents around the source they share copy with
  // (ClusterCopies in copy_family.h, at Options::copy.cluster_share).
  std::vector<Cluster> clusters;
  // Pairs proposed by the fingerprint index and aligned.
  uint64_t candidate_pairs = 0;
};

// Counters since the engine was created (or loaded).
struct EngineStats {
  uint64_t documents = 0;          // live documents
  uint64_t removed = 0;            // documents removed
  uint64_t empty_documents = 0;    // live documents without tokens
  uint64_t bytes = 0;              // text bytes added
  uint64_t invalid_utf8 = 0;       // invalid sequences repaired
  uint64_t nul_bytes = 0;          // NUL bytes folded to spaces
  uint64_t shingles = 0;           // distinct shingles stored
  uint64_t fingerprints = 0;       // winnowed fingerprints indexed
};

class Engine {
  struct Sketch;  // defined in src/internal/engine_parts.h
  struct AddGroup;    // likewise
  struct PendingAdd;  // likewise

 public:
  struct Options {
    Normalizer::Options normalize;
    Tokenizer::Options tokenize;
    Shingler::Options shingle;
    MinHasher::Options minhash;

    // The Jaccard similarity the LSH banding is tuned for. Lower finds
    // more (and costs more verification). Default 0.05 (44 bands of 1
    // row at 128 permutations, lsh_params.h): low enough that a short text
    // inside a long one (containment 0.7, Jaccard far lower) still meets
    // it. For whole-document deduplication of a large crawl, 0.5 or more
    // is cheaper.
    double lsh_threshold = 0.05;
    // Explicit banding; both 0 (default) means ChooseLshParams.
    uint32_t lsh_bands = 0;
    uint32_t lsh_rows = 0;
    // See LshIndex::Options::large_bucket.
    uint32_t lsh_large_bucket = 128;

    // Also find candidates by SimHash within this Hamming distance; -1
    // (default) leaves SimHash out of candidate generation.
    int simhash_max_distance = -1;

    // Near-duplicate pairs. Defaults: Jaccard 0.3, or containment 0.7 of
    // the smaller document (at least 5 shingles), each on the whole sets
    // and on the rare shingles alone, or Jaccard 0.5 on the whole sets
    // however common the text. Chosen across wikipedia-versions, three
    // real corpora full of templates and licences, and generated reprints
    // (bench/README.md, "Real messy text"): below these, pages that
    // share a template section or a few paragraphs of documentation pass
    // as near-duplicates. Revision histories, whose early and late
    // versions share little, cluster better with UseRevisionThresholds().
    Verifier::Options verify = DefaultVerify();
    Clusterer::Options cluster = DefaultCluster();
    // Cluster membership: a document joins a cluster through a verified
    // pair, and only if it passes these thresholds against the cluster's
    // core and first members (cluster.h), with representative_threshold on
    // the score. Defaults: Jaccard 0.3 (a pair's own bar) or containment
    // 0.6 (at least 5 shingles), on whole sets and rare shingles alike, or
    // Jaccard 0.3 on whole sets however common the text. Looser members
    // (0.25 / 0.5 until 2026-11-30) let pairs that share only a template
    // section into one cluster through a common core (bench/README.md,
    // "Members as strict as pairs").
    Verifier::Options member = DefaultMember();
    // Shingles this many documents share are boilerplate for near-
    // duplicates: pairs are verified on the rest (boilerplate.h, verify.h).
    // Needs keep_shingle_sets. Each model keeps the common shingles and,
    // per document, its own (8 bytes each; a few percent of the sets).
    // Cluster(), SharedCopy() and Passages() count them over every live
    // document; Query() over the live ones among the first
    // QueryModelIds(n) of the n DocIds issued (the steps of at most an
    // eighth of the engine's growth at which Query() counts again), so
    // that its answers follow from the documents added and removed before
    // it, and an index on disk can keep the model (SaveQueryModel()).
    CommonShingles::Options common;

    // Shared copy: fingerprints, boilerplate, alignment.
    struct Copy {
      // Default true. Indexes fingerprints and cuts passages out of the
      // texts, which are kept in memory (and in snapshots) unless
      // text_source is set; false saves that memory and reports no
      // passages.
      bool enabled = true;
      Winnower::Options winnow;
      FingerprintIndex::Options index;
      Aligner::Options align;
      // Which shared passages are boilerplate, not copy (boilerplate.h).
      // SharedCopy() judges with the frequencies of the whole index;
      // Query() with those of the index as it stands plus the query.
      PassageJudge::Options judge;
      // At most this many passages per pair are kept, the longest first
      // (copy before boilerplate); the rest are counted in
      // more_passages. Repetitive markup can otherwise give thousands.
      // Default 100.
      uint32_t max_passages = 100;
      // Copy clusters: a document joins one when it shares at least this
      // share of itself, or of the cluster's core, with the core. Default
      // 0.05.
      double cluster_share = 0.05;
    };
    Copy copy;

    // Null (default): with copy on, every text is kept in memory. Set:
    // no text is kept; the engine asks this source for the two texts of a
    // pair when it aligns them (Query(), SharedCopy()) and in text(), and
    // checks each against a hash of the text it was given (8 bytes per
    // document). Save() still writes the texts into the snapshot, fetched
    // from the source, so that the file stands alone.
    std::shared_ptr<const TextSource> text_source;

    // Keep each document's exact shingle set (default true) and verify
    // candidates on it. False keeps only the MinHash signature and the
    // number of distinct shingles, and verifies on MinHash estimates: the
    // Jaccard similarity, and the containments derived from it and the set
    // sizes. Estimates err by about 1/sqrt(num_perm) (0.09 at 128), so pairs
    // near a threshold may land on either side. With index_on_add = false
    // too, a document costs under 1 KiB at 128 permutations
    // (bench/README.md). Requires copy.enabled = false.
    bool keep_shingle_sets = true;
    // Look for near-duplicates (default true): every document gets a
    // MinHash signature (num_perm x 4 bytes) for the LSH index, Query()
    // takes LSH (and SimHash) candidates, and Cluster() and
    // NearDuplicatePairs() work. False makes a copy-only engine, for runs
    // that ask only for shared copy: no signature is computed or kept,
    // Query() reports the documents sharing copy with the text (each
    // Match still has its exact similarity and near_duplicate flag, and
    // estimated_jaccard 0), SharedCopy(), SharedCopyPairs() and
    // Passages() answer as a full engine's do, and Cluster(),
    // NearDuplicatePairs(), Save(), SaveIndex(), Load() and Open() fail
    // with FailedPrecondition (snapshots and indexes hold signatures).
    // Requires copy.enabled, keep_shingle_sets and simhash_max_distance
    // -1.
    bool find_near_duplicates = true;
    // File each document in the LSH index as it is added (default true).
    // False defers the index to the first Query(), which files every
    // document not yet filed in one pass; Cluster() never needs it, as it
    // joins the signatures band by band with a parallel sort. For one
    // clustering run over a corpus, false saves the index's memory (about
    // 1.2 KiB per document at 44 bands; 0.9 KB measured at 32) and its
    // insert time.
    bool index_on_add = true;

    // How many documents the engine is expected to hold, if known
    // (default 0: unknown). Create() then makes room for that many at
    // once, so that adding them never stops to grow and copy the per-
    // document arrays and the LSH tables (with index_on_add, growing the
    // tables of a 1M-document index stalls one AddBatch() for about a
    // second). More documents than this may still be added.
    uint64_t expected_documents = 0;

    // Documents longer than this are refused. Default 256 MiB.
    uint64_t max_document_bytes = uint64_t{256} << 20;
    // Worker threads for AddBatch and Cluster, and for merging the levels
    // of postings of an index on disk; 0 (default) uses all cores. At most
    // kMaxThreads.
    int threads = 0;
    static constexpr int kMaxThreads = 4096;

    absl::Status Validate() const;
    // The hashing parameters among these options (hashing_params.h), and
    // setting them.
    HashingParams hashing() const;
    // The near-duplicate policy's options among these (near_duplicates.h):
    // what the Engine and mimeo-mpi both verify and cluster with.
    NearDuplicatePolicy::Options near_duplicates() const;
    void SetHashing(const HashingParams& params);

    static Verifier::Options DefaultVerify() {
      Verifier::Options v;
      v.jaccard_threshold = 0.3;
      v.containment_threshold = 0.7;
      v.min_containment_shingles = 5;
      return v;
    }
    static Verifier::Options DefaultMember() {
      Verifier::Options v;
      v.jaccard_threshold = 0.3;
      v.containment_threshold = 0.6;
      v.common_jaccard_threshold = 0.3;
      v.min_containment_shingles = 5;
      return v;
    }
    // The thresholds for revision histories (versions of articles, whose
    // early and late versions share little): pairs at Jaccard 0.05 or
    // containment 0.25, members alike. On wikipedia-versions pairwise F1
    // 0.876 against 0.711 at the defaults; on collections full of templates
    // far less precise (bench/README.md). Applies them to `options`.
    static void UseRevisionThresholds(Options& options) {
      options.verify.jaccard_threshold = 0.05;
      options.verify.containment_threshold = 0.25;
      options.member.jaccard_threshold = 0.05;
      options.member.containment_threshold = 0.25;
    }
    static Clusterer::Options DefaultCluster() {
      Clusterer::Options c;
      c.representative_threshold = 0.1;
      return c;
    }
  };

  static absl::StatusOr<std::unique_ptr<Engine>> Create(const Options& options);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Adds one document and returns its DocId (0, 1, 2, ... in order of
  // addition). Fails, adding nothing, if the id is empty, longer than
  // 64 KiB or already present (AlreadyExists), or the text is longer than
  // max_document_bytes.
  // Group commit: Add() calls made at once from several threads are
  // inserted together, in one transaction (one fsync on disk), each
  // returning once that transaction is durable; a document refused by its
  // checks does not hold back the others. Their DocIds follow the order in
  // which the calls were queued; from one thread, Add() after Add() is one
  // transaction each, as before.
  absl::StatusOr<DocId> Add(const Document& doc);
  // Adds documents as if by Add() in order, sketching them on all threads.
  // All or nothing: if any document would be refused (including ids
  // repeated within the batch), the error names it and none is added.
  absl::StatusOr<std::vector<DocId>> AddBatch(absl::Span<const Document> docs);
  // AddBatch() in two steps, for callers that pipeline their input.
  // SketchBatch() normalizes, shingles and sketches on the calling thread
  // without taking the lock; it is const and may run on many threads at
  // once, for different batches. Commit() then checks and adds the batch
  // under the lock as AddBatch() would (all or nothing, ids checked against
  // the documents present at commit time). Committing batches in the order
  // they were read gives the same engine as one AddBatch() of them all.
  // A batch remembers the parameters it was sketched with: Commit()
  // refuses (InvalidArgument, naming the parameter) one sketched by an
  // engine whose hashing options differ (another num_perm, shingle size,
  // seed...), and returns the error of a document SketchBatch() could not
  // sketch.
  class SketchedBatch {
   public:
    SketchedBatch();
    ~SketchedBatch();
    SketchedBatch(SketchedBatch&&) noexcept;
    SketchedBatch& operator=(SketchedBatch&&) noexcept;
    size_t size() const { return docs_.size(); }

   private:
    friend class Engine;
    std::vector<Document> docs_;
    std::vector<Sketch> sketches_;
    // The sketching engine's SketchParameters().
    std::vector<std::pair<std::string_view, uint64_t>> sketched_with_;
    // The first document SketchBatch() could not sketch, if any.
    absl::Status status_;
  };
  SketchedBatch SketchBatch(std::vector<Document> docs) const;
  // What Commit() does with a document whose id a live document has.
  enum class OnExisting {
    kFail,  // refuses the batch (AlreadyExists), as AddBatch() does
    kSkip,  // leaves the document out: `mimeo index add --skip-existing`,
            // where another process may add the same ids meanwhile
  };
  // The DocIds of the documents added, in the batch's order; with kSkip,
  // of those not skipped only (id() of each says which). kSkip tries a
  // batch again when another process files one of its ids meanwhile, up
  // to 8 times, then fails as kFail would.
  absl::StatusOr<std::vector<DocId>> Commit(
      SketchedBatch batch, OnExisting existing = OnExisting::kFail);

  // Removes a document: it no longer matches or clusters. Its DocId is not
  // reused. NotFound if no live document has this id.
  absl::Status Remove(std::string_view id);
  // Removes these documents, all or none (one transaction in an index on
  // disk): NotFound, naming the first id no live document has, removes
  // nothing. An id named twice is removed once. Returns how many were.
  absl::StatusOr<uint64_t> Remove(absl::Span<const std::string> ids);

  // The indexed documents similar to `text` that pass verification, by
  // score (highest first), then DocId. Fails only on an over-long text.
  absl::StatusOr<std::vector<Match>> Query(std::string_view text) const;

  // Every verified pair and the clusters they form. With exact sets and
  // k-permutation MinHash, a candidate whose estimate is more than three
  // standard errors below every threshold is refused without merging the
  // sets (Verifier::ClearlyRejects): at 128 permutations about one pair
  // in 1,500 right at Jaccard 0.3 (one in 600 at 0.5) is refused that an
  // exact measure would keep, none far from a threshold.
  // `progress`, if set, is told each phase (progress.h: joining LSH bands,
  // verifying candidates, clustering).
  absl::StatusOr<Clustering> Cluster(const ProgressHook& progress = {}) const;

  // Every pair of live documents sharing copy, with passages, the copy
  // families and the copy clusters. FailedPrecondition with copy off.
  // Besides the report, holds up to 256 MB of candidates' prepared texts
  // while it runs (a text aligned with many documents is prepared once).
  // `progress`, if set, is told each phase (progress.h: aligning
  // documents, handing over pairs, grouping copy families).
  absl::StatusOr<CopyReport> SharedCopy(const ProgressHook& progress = {}) const;

  // The pairs of Cluster() and SharedCopy(), in the same order, handed to
  // `sink` block by block as they are verified, so that memory does not
  // grow with the number of pairs (pair_stream.h says how the work is cut,
  // what is held, and what the sink may do). Nothing is clustered or
  // grouped into families. SharedCopyPairs() fails as SharedCopy() does
  // with copy off. An error of the sink stops the stream and is returned.
  absl::StatusOr<PairStreamStats> NearDuplicatePairs(
      const PairSink<VerifiedPair>& sink,
      const PairStreamOptions& options = {}) const;
  absl::StatusOr<PairStreamStats> SharedCopyPairs(
      const PairSink<CopyPair>& sink,
      const PairStreamOptions& options = {}) const;

  // The passages two indexed documents share, side "a" being document a,
  // by position in a, boilerplate flagged, at most copy.max_passages of
  // them (how many more, in *more_passages when not null): with copy on,
  // judged as SharedCopy() judges them; with copy off, where there are no
  // fingerprint frequencies, a passage more than half of whose shingles
  // are common (Options::common) is boilerplate ("widespread", its
  // doc_frequency the common threshold). Needs the texts (kept, or a
  // text_source); fails when the text source does. Requires a, b <
  // num_ids().
  absl::StatusOr<std::vector<Passage>> Passages(
      DocId a, DocId b, uint32_t* more_passages = nullptr) const;

  // Writes a snapshot: a versioned header (magic, every hashing parameter,
  // counts, checksums) and every document's id, sketches and shingle set.
  // Written to a uniquely named temporary file beside it (mkstemp),
  // fsynced and renamed over it, so that a crash leaves either the old
  // file or the whole new one, and concurrent Save() calls to one path do
  // not collide (the last to finish wins). A symbolic link is followed
  // (its target is replaced); an existing file's mode, and its owner where
  // the process may set it, are kept. Save() takes no lock on the file:
  // processes that each load, change and save one path must take turns
  // (the mimeo command holds an flock on the index file meanwhile).
  absl::Status Save(const std::string& path) const;
  // Reads a snapshot made by Save(). `options` must have the same hashing
  // parameters (normalization, tokenizer, shingle k and seed, num_perm,
  // MinHash seed and scheme); the other options (thresholds, banding,
  // threads) may differ and take effect. Refuses a truncated or corrupt
  // file, or one made with other parameters, naming what differs.
  static absl::StatusOr<std::unique_ptr<Engine>> Load(const std::string& path,
                                                      const Options& options);

  // What a snapshot holds, read from its header alone (a few bytes, however
  // large the file).
  struct SnapshotInfo {
    uint32_t version = 0;
    // Default options with the file's hashing parameters filled in: Load()
    // accepts them (with copy.enabled = has_texts).
    Options options;
    uint64_t num_ids = 0;   // DocIds issued, removed ones included
    uint64_t num_live = 0;  // live documents
    bool has_texts = false;
    uint64_t file_bytes = 0;
  };
  // Refuses a file that is not a snapshot, of an unknown version, with a
  // corrupt header, whose size disagrees with its header (truncated), or
  // whose header counts the file cannot hold (num_live <= num_ids is then
  // guaranteed). Load() makes the same checks before it allocates anything.
  // The payload is not read: Load() checks its checksum.
  static absl::StatusOr<SnapshotInfo> ReadSnapshotInfo(const std::string& path);

  // An index in a directory, on disk (LMDB; document_store.h). Opens the
  // index in `dir`, or creates it there when `dir` is missing or an empty
  // directory. The engine then answers as one made by Create() that was
  // given the same calls, and keeps every change on disk: each Add(),
  // AddBatch(), Commit(), Remove() and Prune() is one transaction, durable
  // when it returns (a crash, even a SIGKILL, loses nothing acknowledged
  // and shows nothing half-added). Several processes may open one index:
  // writers take turns (each write first takes in what the others did;
  // ids stay unique across them), readers never wait, and Query(),
  // Cluster() and SharedCopy() first take in what others wrote (stats(),
  // num_ids() and the other accessors tell what this engine has taken in
  // so far, as of its last write or query). With copy off, the LSH
  // buckets are kept in the index (with the banding of the options it was
  // created with) and read in place by Query() (with copy on, they are
  // built in memory on opening, beside the fingerprint index); with copy
  // off and no shingle sets (a near-duplicate index) nothing else is read
  // on opening either: every
  // document's record is read in place, in the memory map, as queries need
  // it, so that opening takes milliseconds and the process's own memory
  // does not grow with the index. With copy on or sets kept, every field
  // but the texts is also held in memory (read on opening: the
  // fingerprint index and the boilerplate model are built from them);
  // texts stay on disk, zstd-compressed, read as alignment needs them (a
  // document added with Document::text_at keeps only that reference, and
  // its text is read from the file and checked against its hash). An
  // engine whose options give another banding than the index's, or with
  // SimHash candidates on, builds those indexes in memory on opening.
  //
  // `options` must have the index's hashing parameters, copy.enabled,
  // keep_shingle_sets and copy.winnow.window (ReadIndexInfo() gives them);
  // a difference is refused, naming it. Also refused, naming `dir` and the
  // problem: a file, a directory holding other files, an index of a newer
  // format, corrupt records, options with a text_source (not supported on
  // disk yet). A directory this process may not write is opened read-only:
  // queries work, writes fail with PermissionDenied. The LMDB map grows by
  // itself; a full disk aborts the write, leaving the index as it was, as
  // does a batch too large for one transaction (LMDB holds at most 512 MB
  // of changed pages, 131,072 pages of 4 KB; a batch writes its records
  // and one sorted array of band postings a band, about 1.2 KB a document
  // in near-duplicate mode without texts, so batches of up to a few
  // hundred thousand documents fit).
  // A data.mdb cut short (a copy interrupted) opens, and reading a page
  // past its end raises SIGBUS, as any memory-mapped file does; the mimeo
  // command catches it and names the index.
  // Within one process, open an index once (LMDB's locks are per process).
  static absl::StatusOr<std::unique_ptr<Engine>> Open(const std::string& dir,
                                                      const Options& options);
  // What an index directory holds (as ReadSnapshotInfo() for a snapshot;
  // file_bytes is the size of its data file), without reading documents.
  // Where the index keeps band postings (copy off), the options carry
  // their banding (lsh_bands x lsh_rows), so that Open() with them reads
  // the postings instead of building an LSH index in memory.
  static absl::StatusOr<SnapshotInfo> ReadIndexInfo(const std::string& dir);
  // Verifies every invariant of the index in `dir`: each record parses
  // and fits the parameters, each id entry names a live document and each
  // live document has one, each live text is there and matches the hash
  // taken when it was added, no removed document keeps a text, the
  // transaction log agrees with the records. Changes nothing. DataLoss
  // naming the first problem. Not while this process has `dir` open.
  static absl::Status CheckIndex(const std::string& dir);
  // Writes every document of this engine (removed ones too, so DocIds
  // stay) into a new index in `dir` (missing or empty), in transactions of
  // a few thousand documents: Open(dir) then gives this engine. Refuses an
  // existing index.
  absl::Status SaveIndex(const std::string& dir) const;

  // Counts the model of common shingles Query() answers with now, unless
  // the index on disk keeps it already, and keeps it there, so that the
  // processes that open the index later answer their first query without
  // counting it (a count reads every shingle set: 12 to 14 s at a million
  // copy-mode documents on a quiet machine, a minute on a busy one). An
  // engine that queries and adds keeps each model its queries counted with
  // its next add; `mimeo index add` calls this after adding. Nothing in
  // memory. One transaction of its own; refused on a
  // read-only index.
  absl::Status SaveQueryModel();
  // How many of the first DocIds Query()'s model counts when n are issued:
  // n below 16, then n with all but its four leading bits cleared (at
  // least eight ninths of n).
  static size_t QueryModelIds(size_t n);

  // Removes every live document dated before `before` (Document::date;
  // undated documents stay), as one Remove() of them all: one transaction
  // on disk. Returns how many.
  absl::StatusOr<uint64_t> Prune(int64_t before);

  // The id a DocId was added with; requires doc < num_ids().
  std::string id(DocId doc) const;
  // The text a DocId was added with: kept in memory, or fetched from
  // text_source and checked (DataLoss naming the id when it is not the
  // text that was added). Empty with copy off and no text_source, or once
  // removed. Requires doc < num_ids().
  absl::StatusOr<std::string> text(DocId doc) const;
  // The date it was added with, if any; requires doc < num_ids().
  std::optional<int64_t> date(DocId doc) const;
  // Its Document::source ("" without one); requires doc < num_ids().
  std::string source(DocId doc) const;
  // DocIds issued so far, removed ones included.
  size_t num_ids() const;
  EngineStats stats() const;
  const Options& options() const { return options_; }
  const LshParams& lsh_params() const { return lsh_params_; }

 private:
  struct Scratch;
  struct Components;
  // The common shingles and, per DocId, which of its shingles are
  // common, as of a number of DocIds and removals.
  struct Common;

  explicit Engine(Components c);

  // The streams and the collect-all calls built on them
  // (src/pair_stream.cc), with the shared lock held and `common` counted
  // over every live document: StreamNearDuplicates() counts it beside the
  // candidate search (each of the two has stretches of one thread that the
  // other fills) and leaves it in `common` for the caller. NearDuplicateCandidates(): the LSH (and SimHash)
  // candidates, sorted by (a, b), on the calling thread's arena.
  NearDuplicateDocs DocsFor(const Common& common) const;
  absl::StatusOr<std::vector<CandidatePair>> NearDuplicateCandidates() const;
  absl::StatusOr<PairStreamStats> StreamNearDuplicates(
      std::shared_ptr<const Common>& common,
      const PairSink<VerifiedPair>& sink,
      const PairStreamOptions& options) const;
  absl::StatusOr<PairStreamStats> StreamSharedCopy(
      const Common& common, const PairSink<CopyPair>& sink,
      const PairStreamOptions& options) const;
  // Room for n documents (Options::expected_documents).
  void Reserve(size_t n);

  // Normalizes, tokenizes and shingles into scratch.shingles.
  absl::Status ShingleText(std::string_view text, Scratch& scratch) const;
  absl::Status SketchText(std::string_view text, Scratch& scratch,
                          Sketch& out) const;
  void SketchShingles(const Shingles& shingles, Sketch& out) const;
  // Packs the text into out.packed_text when the store keeps texts packed
  // (DocumentStore::PackText()), so that it is done outside the lock.
  void PackText(const Document& doc, Sketch& out) const;
  absl::Status CheckDocument(const Document& doc) const;
  // CheckDocument() for each, and no id twice.
  absl::Status CheckBatch(absl::Span<const Document> docs) const;
  // Stores the documents (one transaction of the store), then files them
  // in the indexes; requires the exclusive lock. Checks the batch again
  // after taking in other writers' changes (FollowStore()).
  absl::StatusOr<std::vector<DocId>> InsertAll(absl::Span<const Document> docs,
                                               absl::Span<Sketch> sketches);
  // Inserts the queued Add() calls of `group` as one InsertAll() (a
  // document refused by its checks gets its own error and the others go
  // on), setting each one's result; takes the exclusive lock.
  void InsertGroup(const std::vector<PendingAdd*>& group);
  // Files a stored document in the indexes and the counters (a removed
  // one only in the counters), or takes a removed one out of them.
  // Require the exclusive lock; fail only on a broken invariant.
  absl::Status IndexStored(DocId doc) const;
  absl::Status Unindex(DocId doc) const;
  // Removes the documents `choose` picks (ascending, distinct) in one
  // store transaction and unindexes them; picks again after taking in
  // another writer's changes when the store asks (Aborted). Returns how
  // many were removed, or choose's error. Requires the exclusive lock.
  absl::StatusOr<uint64_t> RemoveChosen(
      const std::function<absl::StatusOr<std::vector<DocId>>()>& choose);
  // IndexStored() of every document in a store just adopted (Load(),
  // Open()), then the LSH index with room for them.
  absl::Status IndexAll();
  // Takes in what other writers sharing the store did since (an on-disk
  // store shared by processes): requires the exclusive lock. The Shared
  // form takes the exclusive lock itself, only when there is something to
  // take in; call it holding no lock.
  absl::Status FollowStore() const;
  absl::Status FollowStoreShared() const;
  // FailedPrecondition unless shared copy is on (SharedCopy() and
  // SharedCopyPairs() need it).
  absl::Status RequireCopy() const;
  // FailedPrecondition naming `what` in a copy-only engine
  // (Options::find_near_duplicates = false).
  absl::Status RequireSignatures(std::string_view what) const;
  // Folds the fingerprint postings added since the last packing into the
  // index's packed table (FingerprintIndex::Pack()) before a pass over
  // every document, so that the pass reads one table and the map they sat
  // in is freed. Takes the exclusive lock itself, only when there is
  // something to fold; call it holding no lock.
  void PackFingerprintsShared() const;
  // The options that decide a sketch, as (name, value).
  std::vector<std::pair<std::string_view, uint64_t>> SketchParameters() const;
  // The shingle set (empty without keep_shingle_sets), and its size.
  absl::Span<const uint64_t> SetOf(DocId doc) const;
  uint64_t SizeOf(DocId doc) const { return store_->set_size(doc); }
  // The similarity of a text (its set, signature, set size and common
  // shingles) to `doc`: exact on the sets, common shingles set
  // aside, or estimated from the signatures without them.
  Similarity SimilarityTo(absl::Span<const uint64_t> set,
                          absl::Span<const uint32_t> signature, uint64_t size,
                          absl::Span<const uint64_t> common_in_set,
                          const Common& common, DocId doc) const;
  // SimilarityTo() between two indexed documents.
  Similarity SimilarityOf(DocId a, DocId b, const Common& common) const;
  // The common shingles: counted over every document now (`current`), or
  // Query()'s, over the live documents among the first QueryModelIds(n)
  // DocIds, read back from the store when it saved that one. A refresh
  // counts every set while holding common_mu_, so concurrent queries wait
  // for it. Requires the lock (shared or exclusive).
  //
  // `in_arena`: the caller runs in the engine's arena already (a task of
  // it), and the count's parallel loops run there, where the caller's
  // other threads, once done with their own tasks, help with them; else
  // in an arena of its own. A thread in one arena cannot take the tasks of
  // another it waits beside: counted beside the LSH join in an arena of
  // its own, the count ran on one thread while the join finished on the
  // other and then waited (bench/README.md, "A fourth speed round").
  std::shared_ptr<const Common> CommonModel(bool current,
                                            bool in_arena = false) const;
  // Saves Query()'s model in the store: with `count`, counting it first if
  // needed (SaveQueryModel()); else only when this engine's queries
  // counted the one for the present documents and it was not saved yet
  // (after an add). Requires the exclusive lock.
  absl::Status KeepQueryModel(bool count) const;
  // The common shingles of `doc`, sorted: from the model, or, for a
  // document added since it was built, found into `fetched`.
  absl::Span<const uint64_t> CommonIn(const Common& common, DocId doc,
                                      std::vector<uint64_t>& fetched) const;
  // Files in the LSH index, in one batch, the documents added since the
  // last call: after every insert with index_on_add, at the first Query()
  // after inserts without it, and on Load. Requires the exclusive lock.
  // Fails only on a broken invariant (an internal error).
  absl::Status CatchUpLshIndex() const;
  absl::Span<const uint32_t> SignatureOf(DocId doc) const;
  absl::Span<const Fingerprint> FingerprintsOf(DocId doc) const;
  // Aligns the asking text (prepared; `indexed` if it is an indexed
  // document, not a query) with indexed document `doc`, judging which
  // passages are boilerplate, with `common` telling which shingles are
  // common. Side "a" of the passages is the asking text. Fails only when
  // the text source does.
  // The holders an on-disk store's fingerprint postings gave for hashes of
  // one asking text, kept while it is judged: its candidates' probes and
  // its passages' (the fingerprints inside a passage are the asking text's
  // own, and passages, their pieces and joins overlap) read each hash's
  // holders once (src/internal/fingerprint_lookup.h; empty when the
  // postings are in memory). Valid under one lock.
  using HolderMemo = absl::flat_hash_map<uint64_t, std::vector<DocId>>;
  absl::StatusOr<std::vector<Passage>> AlignWith(
      const AlignedText& asking, bool indexed, DocId doc, AlignedText& scratch,
      const CommonShingles& common, HolderMemo* memo = nullptr) const;
  // The same, with the document's text prepared already in `other`. `memo`
  // may be null (a memo of this call's own is then kept).
  std::vector<Passage> AlignWith(const AlignedText& asking, bool indexed,
                                 const AlignedText& other,
                                 const CommonShingles& common,
                                 HolderMemo* memo = nullptr) const;
  // One fingerprint chosen inside a passage: the token where its shingle
  // starts, the documents holding it (the asking one included), whether
  // they make it template text (PassageJudge::IsTemplate), and whether,
  // being common, its holders are dated within a burst
  // (PassageJudge::IsBurst).
  struct HeldFingerprint {
    uint32_t token;
    uint32_t docs;
    bool template_text;
    bool in_burst;
    // Held by the widespread threshold's documents, and not a story many
    // sources printed at once (PassageJudge::BurstWidespreadThreshold).
    bool widespread;
  };
  // The collection passages are judged in: `self` is 1 when the asking
  // text is not indexed (it then counts as a document and a source of its
  // own), the common and widespread thresholds
  // (PassageJudge::CommonThreshold, WidespreadThreshold), whether bursts
  // are looked for (PassageJudge::Options::burst_seconds) and from how many
  // holders (the fewer of the common threshold and widespread_min_docs:
  // as soon as text can be common or template) to how many (fewer than
  // PassageJudge::BurstWidespreadThreshold), and the span of its dates
  // (DateSpan()), taken when first needed: a collection whose documents
  // are undated never counts it.
  struct JudgedIn {
    uint32_t self = 0;
    uint32_t common = 0;
    uint32_t wide = 0;
    bool bursts = false;
    uint32_t burst_from = 0;
    uint32_t burst_wide = 0;
    mutable std::optional<int64_t> date_span;
  };
  // The fingerprints chosen inside tokens [begin, end) of the asking text,
  // in token order. Widespread text is not counted by source, nor looked
  // at for bursts but below JudgedIn::burst_wide, where a burst across two
  // sources or more keeps it from being widespread. The holders come from
  // fingerprints_, through `memo`.
  void OwnFrequencies(const AlignedText& asking, uint32_t begin, uint32_t end,
                      const JudgedIn& in, std::vector<HeldFingerprint>& out,
                      std::vector<Fingerprint>& scratch,
                      HolderMemo& memo) const;
  // Whether the indexed holders (d < as_of) of a fingerprint that are
  // dated, at least half of them, are dated within a burst
  // (PassageJudge::IsBurst) of the collection. The asking text, when it is
  // not indexed, has no date and is not counted.
  bool FingerprintInBurst(uint64_t hash, DocId as_of, const JudgedIn& in,
                          const HolderMemo& memo) const;
  // Whether a fingerprint held by `docs` documents (from the widespread
  // threshold to below BurstWidespreadThreshold) is a story many sources
  // printed at once: its holders below as_of in a burst
  // (FingerprintInBurst), from two sources or more.
  bool WidespreadStory(uint64_t hash, uint32_t docs, DocId as_of,
                       const JudgedIn& in, const HolderMemo& memo) const;
  // How many documents holding a fingerprint (the asking text counted as
  // `self` of `num_docs`) make it propose no pair: the widespread
  // threshold; and, where every document is of the one unnamed source and
  // no burst can be told (undated, or dated over too short a span), the
  // count from which the text is template (PassageJudge::IsTemplate).
  // A passage at least half made of either is boilerplate, so one that is
  // not has fingerprints under this count, which propose its pair: a pair
  // sharing only such text (a header generated once per architecture, a
  // licence on hundreds of files) would be aligned only to be refused.
  uint32_t ProposingBelow(uint64_t num_docs, uint32_t self) const;
  // Adds to `candidates` the holders below `as_of` of the fingerprints
  // that are widespread but a story many sources printed at once
  // (WidespreadStory, counting the asking text as `self` of `num_docs`
  // documents); each counts as a shared fingerprint, and the
  // candidates are sorted again as FingerprintIndex::Candidates() sorts
  // them. Nothing when no fingerprint can be such (bursts off, a large
  // collection, one source). Fills `memo` with what it reads.
  void AddBurstCandidates(absl::Span<const Fingerprint> fps, DocId as_of,
                          uint32_t self, uint64_t num_docs,
                          std::vector<CopyCandidate>& candidates,
                          HolderMemo& memo) const;
  // The span of the live documents' dates (latest minus earliest; 0 when
  // fewer than two are dated), counted on first use, extended over the
  // documents added since, and counted again after the removal of a
  // document dated at either end of it (ForgetDate()).
  int64_t DateSpan() const;
  // Called by Unindex(): drops DateSpan()'s count when the removed `doc`
  // was counted and its date is the earliest or the latest; a removal
  // inside the span changes nothing.
  void ForgetDate(DocId doc) const;
  // Keeps at most copy.max_passages of `passages` (copy before
  // boilerplate, longer before shorter, then in text order) and returns
  // how many it left out.
  uint32_t CapPassages(std::vector<Passage>& passages) const;
  // The text of `doc`: a view of the kept text, or the text fetched from
  // text_source into `fetched` and checked against its hash. Requires the
  // lock (shared or exclusive).
  absl::StatusOr<std::string_view> TextOf(DocId doc,
                                          std::string& fetched) const;

  const Options options_;
  const LshParams lsh_params_;
  const Normalizer normalizer_;
  const Tokenizer tokenizer_;
  const Shingler shingler_;
  const MinHasher minhasher_;
  const SimHasher simhasher_;
  const Verifier verifier_;
  // Verification and clustering of near-duplicate pairs (Cluster()).
  const NearDuplicatePolicy near_duplicates_;
  const Winnower winnower_;
  const Aligner aligner_;
  const PassageJudge judge_;

  // Readers share it, Add(), AddBatch(), Commit() and Remove() hold it
  // alone; a waiting writer lets no new reader in, so writers do not
  // starve behind a stream of queries (src/internal/
  // writer_preferring_mutex.h).
  const std::unique_ptr<internal::WriterPreferringMutex> mu_;
  // Add() calls of several threads waiting to share one insert.
  const std::unique_ptr<AddGroup> add_group_;
  // Guards the two models of common shingles, which readers refresh under
  // the shared lock (CommonModel()).
  mutable std::mutex common_mu_;
  mutable std::shared_ptr<const Common> current_common_;
  mutable std::shared_ptr<const Common> query_common_;
  // The num_ids and removed of the model of Query()'s this engine saved or
  // read back from its store (none: all ones).
  mutable std::pair<uint64_t, uint64_t> saved_query_model_{UINT64_MAX,
                                                           UINT64_MAX};
  // DateSpan()'s count: the earliest and latest date of the live DocIds
  // below `counted`.
  struct DateRange {
    size_t counted = 0;
    bool any = false;
    int64_t earliest = 0;
    int64_t latest = 0;
  };
  mutable std::mutex dates_mu_;
  mutable DateRange dates_;
  // The LSH band postings: in memory, or the store's when it keeps them
  // with this engine's banding (src/internal/band_lookup.h). Mutable for
  // CatchUpLshIndex(), which Query() runs under the exclusive lock.
  mutable std::unique_ptr<internal::BandLookup> bands_;
  // DocIds below this have been offered to bands_.
  mutable DocId lsh_filed_ = 0;
  std::unique_ptr<SimHashIndex> simhash_index_;
  // What the engine keeps per document (document_store.h): in memory, or
  // in an index directory (Open()).
  std::unique_ptr<DocumentStore> store_;
  // Shared copy: the fingerprint postings, in memory or the store's
  // (src/internal/fingerprint_lookup.h). Null with copy off. Mutable, as
  // are the counters, for FollowStore(), which readers run under the
  // exclusive lock.
  mutable std::unique_ptr<internal::FingerprintLookup> fingerprints_;
  // bytes, invalid_utf8 and nul_bytes are the store's (stats()).
  mutable EngineStats stats_;
};

}  // namespace mimeo

#endif  // MIMEO_ENGINE_H_
