// mimeo-mpi: near-duplicate clusters and pairs over MPI processes, with
// the answers of `mimeo cluster` and `mimeo pairs --mode near-dup`, byte
// for byte, whatever the number of processes.
//
//   mpirun -np 4 mimeo-mpi cluster corpus/ -o clusters.jsonl
//
// The steps, each rank doing its part:
//   1. read: each rank reads its share of the input (InputReader::Share():
//      files by a hash of their path, plain JSONL files by byte ranges at
//      line starts); the lines of each range and the documents of each
//      source are summed over ranks (exclusive scans), which gives every
//      document the DocId the single-process command gives it;
//   2. sketch: shingle sets and MinHash signatures, as the Engine makes them;
//   3. common shingles: every shingle goes to the rank owning its hash,
//      which counts in how many documents it occurs; the common ones (few)
//      are gathered by every rank;
//   4. candidates: band keys go to the rank owning the key, a few bands
//      per round; each bucket yields its pairs as the LSH join does
//      (lsh_index.h), sent to the rank holding the pair's first document;
//   5. verification: that rank fetches the other side's signature, then
//      the set of the pairs the estimate does not refuse, from its holder,
//      and applies the near-duplicate policy (near_duplicates.h);
//   6. clusters: the connected components of the verified pairs are found
//      over the ranks (components.h), each given to the rank its smallest
//      DocId hashes to; each rank clusters its components with the same
//      policy (a component's clusters depend on it alone); rank 0 numbers
//      them and writes the output.
// Every exchange is an all-to-all of personalised data in rounds of
// bounded size (exchange.h: the counts with MPI_Alltoall, then rounds of
// MPI_Alltoallv of at most --exchange-bytes a rank), so that no count
// overflows MPI's int and the buffers stay bounded.
//
// Failure: a rank that cannot read its input, or fails otherwise, prints
// "mimeo-mpi: rank R: <message naming the file>" and ends the whole job
// (MPI_Abort); no rank waits for it.
#include <mpi.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/numeric/int128.h"
#include "absl/strings/str_format.h"
#include "command.h"
#include "components.h"
#include "exchange.h"
#include "internal/atomic_file.h"
#include "mimeo/near_duplicates.h"
#include "oneapi/tbb/enumerable_thread_specific.h"
#include "oneapi/tbb/parallel_for.h"
#include "oneapi/tbb/parallel_pipeline.h"
#include "oneapi/tbb/parallel_sort.h"
#include "oneapi/tbb/task_arena.h"
#include "xxhash.h"

namespace mimeo::cli {
namespace {

int g_rank = 0;
int g_ranks = 1;

// Ends the job: the message names the rank; MPI_Abort ends every rank, so
// none waits in a collective for this one.
[[noreturn]] void Fail(const absl::Status& s) {
  std::fprintf(stderr, "mimeo-mpi: rank %d: %s\n", g_rank,
               std::string(s.message()).c_str());
  std::fflush(stderr);
  // Rank 0's output is written through a temporary file: removed, so that
  // a failed job leaves nothing behind.
  internal::RemoveTemporaryFiles();
  MPI_Abort(MPI_COMM_WORLD, s.code() == absl::StatusCode::kNotFound ? 2 : 1);
  std::abort();
}

// A step every rank takes at once (listing the input): when any rank
// failed, the lowest of them says why, naming itself, and every rank
// ends, without MPI_Abort, which is kept for the failures of one rank
// while the others go on. Usually all fail alike (a path that does not
// exist); a path one node cannot see fails there alone.
void Agree(const absl::Status& s) {
  const int mine = s.ok() ? std::numeric_limits<int>::max() : g_rank;
  int first = 0;
  MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  if (first == std::numeric_limits<int>::max()) return;
  if (first == g_rank) {
    std::fprintf(stderr, "mimeo-mpi: rank %d: %s\n", g_rank,
                 std::string(s.message()).c_str());
    std::fflush(stderr);
  }
  int code = s.ok() ? 0 : (s.code() == absl::StatusCode::kNotFound ? 2 : 1);
  MPI_Allreduce(MPI_IN_PLACE, &code, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  MPI_Finalize();
  std::exit(code);
}

// The exchanges of the run (exchange.h), made in Run().
mpi::Exchanger* g_exchange = nullptr;

uint64_t SumOverRanks(uint64_t v) {
  uint64_t sum = 0;
  MPI_Allreduce(&v, &sum, 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
  return sum;
}

// The rank owning a 64-bit hash (a shingle, a band key): rank r owns the
// r-th of g_ranks equal ranges of the hash space, so that the buckets a
// rank sorts are a range of keys; hashes are uniform.
int OwnerOfHash(uint64_t h) {
  return static_cast<int>(
      absl::Uint128High64(absl::uint128(h) * static_cast<uint64_t>(g_ranks)));
}

// The sketches of the documents a rank holds, by local index.
struct Sketches {
  uint32_t num_perm = 0;
  std::vector<DocId> gid;        // global DocId, ascending
  std::vector<std::string> ids;  // document ids
  std::vector<uint32_t> signatures;
  std::vector<uint64_t> set_offsets{0};
  std::vector<uint64_t> sets;
  // Common shingles of each document, sorted.
  std::vector<uint64_t> common_offsets{0};
  std::vector<uint64_t> common;

  size_t size() const { return gid.size(); }
  absl::Span<const uint32_t> Signature(size_t i) const {
    return absl::MakeConstSpan(signatures).subspan(i * num_perm, num_perm);
  }
  absl::Span<const uint64_t> Set(size_t i) const {
    return absl::MakeConstSpan(sets).subspan(
        set_offsets[i], set_offsets[i + 1] - set_offsets[i]);
  }
  absl::Span<const uint64_t> Common(size_t i) const {
    return absl::MakeConstSpan(common).subspan(
        common_offsets[i], common_offsets[i + 1] - common_offsets[i]);
  }
};

// Everything one rank knows of one document of another rank, serialized:
// gid, signature, set, common shingles, and optionally the id.
struct Remote {
  std::vector<uint32_t> signature;
  uint64_t size = 0;
  std::vector<uint64_t> set;
  std::vector<uint64_t> common;
  std::string id;
};

void Put(std::vector<char>& out, const void* p, size_t n) {
  out.insert(out.end(), static_cast<const char*>(p),
             static_cast<const char*>(p) + n);
}
template <typename T>
void PutValue(std::vector<char>& out, T v) {
  Put(out, &v, sizeof(v));
}
template <typename T>
T GetValue(const char*& p) {
  T v;
  std::memcpy(&v, p, sizeof(v));
  p += sizeof(v);
  return v;
}

// What of a document goes from one rank to another (bits).
enum : unsigned {
  kSignature = 1,  // the signature and the set's size
  kSets = 2,       // the set and its common shingles
  kId = 4,
};

// Appends document i of `s`: its gid, then what `what` asks for.
void PutDocument(const Sketches& s, size_t i, unsigned what,
                 std::vector<char>& out) {
  PutValue<uint32_t>(out, s.gid[i]);
  if (what & kSignature) {
    Put(out, s.Signature(i).data(), s.num_perm * sizeof(uint32_t));
    PutValue<uint64_t>(out, s.Set(i).size());
  }
  if (what & kSets) {
    const auto set = s.Set(i), common = s.Common(i);
    PutValue<uint64_t>(out, set.size());
    Put(out, set.data(), set.size() * sizeof(uint64_t));
    PutValue<uint64_t>(out, common.size());
    Put(out, common.data(), common.size() * sizeof(uint64_t));
  }
  if (what & kId) {
    PutValue<uint64_t>(out, s.ids[i].size());
    Put(out, s.ids[i].data(), s.ids[i].size());
  }
}

// Reads what PutDocument() wrote into `out`, adding to what it holds.
void GetDocuments(const std::vector<char>& in, uint32_t num_perm, unsigned what,
                  absl::flat_hash_map<DocId, Remote>& out) {
  const char* p = in.data();
  const char* end = in.data() + in.size();
  while (p < end) {
    Remote& r = out[GetValue<uint32_t>(p)];
    if (what & kSignature) {
      r.signature.resize(num_perm);
      std::memcpy(r.signature.data(), p, num_perm * sizeof(uint32_t));
      p += num_perm * sizeof(uint32_t);
      r.size = GetValue<uint64_t>(p);
    }
    if (what & kSets) {
      // An empty vector's data() may be null, which memcpy must not get.
      r.set.resize(GetValue<uint64_t>(p));
      if (!r.set.empty()) {
        std::memcpy(r.set.data(), p, r.set.size() * sizeof(uint64_t));
      }
      p += r.set.size() * sizeof(uint64_t);
      r.common.resize(GetValue<uint64_t>(p));
      if (!r.common.empty()) {
        std::memcpy(r.common.data(), p, r.common.size() * sizeof(uint64_t));
      }
      p += r.common.size() * sizeof(uint64_t);
    }
    if (what & kId) {
      const uint64_t n = GetValue<uint64_t>(p);
      r.id.assign(p, n);
      p += n;
    }
  }
}

struct MpiArgs {
  CommonArgs common;
  std::vector<std::string> paths;
  std::string mode = "near-dup";
  bool verbose = false;
  // Bands per round of the band-key exchange.
  uint32_t bands_per_round = 4;
  // Candidate pairs verified per round of sketch fetching, per rank.
  uint64_t pairs_per_round = uint64_t{1} << 18;
  // Bytes a rank sends per round of an exchange (exchange.h).
  uint64_t exchange_bytes = mpi::Exchanger::kDefaultRoundBytes;
};

// Reads this rank's share and sketches it, with global DocIds.
Sketches ReadShare(MpiArgs& args, const Engine::Options& o) {
  auto reader = InputReader::Open(args.paths, args.common.input);
  Agree(reader.status());
  absl::StatusOr<std::vector<uint64_t>> lines = (*reader)->Share(
      static_cast<uint32_t>(g_rank), static_cast<uint32_t>(g_ranks));
  Agree(lines.ok() ? absl::OkStatus() : lines.status());
  std::vector<uint64_t> before(lines->size(), 0);
  if (!lines->empty()) {
    MPI_Exscan(lines->data(), before.data(), static_cast<int>(lines->size()),
               MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
    if (g_rank == 0) std::fill(before.begin(), before.end(), 0);
  }
  if (absl::Status s = (*reader)->SetLinesBefore(before); !s.ok()) Fail(s);

  auto normalizer = Normalizer::Create(o.normalize);
  auto tokenizer = Tokenizer::Create(o.tokenize);
  auto shingler = Shingler::Create(o.shingle);
  auto minhasher = MinHasher::Create(o.minhash);
  if (!normalizer.ok()) Fail(normalizer.status());
  if (!tokenizer.ok()) Fail(tokenizer.status());
  if (!shingler.ok()) Fail(shingler.status());
  if (!minhasher.ok()) Fail(minhasher.status());
  Sketches s;
  s.num_perm = o.minhash.num_perm;
  struct Scratch {
    NormalizedText normalized;
    std::vector<Token> tokens;
    Shingles shingles;
  };
  // A batch read, then sketched: its ids, signatures and sets.
  struct Batch {
    std::vector<Document> docs;
    std::vector<uint32_t> signatures;
    std::vector<std::vector<uint64_t>> sets;
    absl::Status failed;
  };
  tbb::enumerable_thread_specific<Scratch> scratch;
  tbb::task_arena arena(o.threads == 0 ? tbb::task_arena::automatic
                                       : o.threads);
  // As ReadInto() (command.cc) pipelines the single process: batches are
  // read in order on one thread, sketched on all of them, and appended in
  // the order read. Errors are raised after the pipeline, on the thread
  // that called MPI_Init.
  absl::Status status;
  bool done = false;
  arena.execute([&] {
    tbb::parallel_pipeline(
        2 * static_cast<size_t>(arena.max_concurrency()) + 1,
        tbb::make_filter<void, std::shared_ptr<Batch>>(
            tbb::filter_mode::serial_in_order,
            [&](tbb::flow_control& fc) -> std::shared_ptr<Batch> {
              if (done || !status.ok()) {
                fc.stop();
                return nullptr;
              }
              auto batch = std::make_shared<Batch>();
              absl::StatusOr<bool> more =
                  (*reader)->Next(batch->docs, uint64_t{2} << 20);
              if (!more.ok()) {
                status = more.status();
                fc.stop();
                return nullptr;
              }
              done = !*more;
              return batch;
            }) &
            tbb::make_filter<std::shared_ptr<Batch>, std::shared_ptr<Batch>>(
                tbb::filter_mode::parallel,
                [&](std::shared_ptr<Batch> batch) {
                  Scratch& sc = scratch.local();
                  batch->signatures.resize(batch->docs.size() * s.num_perm);
                  batch->sets.resize(batch->docs.size());
                  for (size_t i = 0; i < batch->docs.size(); ++i) {
                    Document& doc = batch->docs[i];
                    absl::Status st =
                        normalizer->Normalize(doc.text, sc.normalized);
                    if (!st.ok()) {
                      batch->failed = absl::Status(
                          st.code(), absl::StrFormat("document '%s': %s",
                                                     doc.id, st.message()));
                      break;
                    }
                    tokenizer->Tokenize(sc.normalized.text, sc.tokens);
                    shingler->Shingle(sc.normalized.text, sc.tokens,
                                      sc.shingles);
                    const auto hashes = absl::MakeConstSpan(sc.shingles.hashes);
                    minhasher->Sketch(hashes,
                                      absl::MakeSpan(batch->signatures)
                                          .subspan(i * s.num_perm, s.num_perm));
                    SortedSet(hashes, batch->sets[i]);
                    std::string().swap(doc.text);
                  }
                  return batch;
                }) &
            tbb::make_filter<std::shared_ptr<Batch>, void>(
                tbb::filter_mode::serial_in_order,
                [&](std::shared_ptr<Batch> batch) {
                  if (batch == nullptr || !status.ok()) return;
                  if (!batch->failed.ok()) {
                    status = batch->failed;
                    return;
                  }
                  s.signatures.insert(s.signatures.end(),
                                      batch->signatures.begin(),
                                      batch->signatures.end());
                  for (size_t i = 0; i < batch->docs.size(); ++i) {
                    s.ids.push_back(std::move(batch->docs[i].id));
                    s.sets.insert(s.sets.end(), batch->sets[i].begin(),
                                  batch->sets[i].end());
                    s.set_offsets.push_back(s.sets.size());
                  }
                }));
  });
  if (!status.ok()) Fail(status);
  // Global DocIds: the documents of the sources before, plus those of the
  // ranks before in the same source (a JSONL file read in ranges).
  const std::vector<uint64_t>& per_source = (*reader)->documents_per_source();
  const int n = static_cast<int>(per_source.size());
  std::vector<uint64_t> total(per_source.size()), earlier(per_source.size());
  MPI_Allreduce(per_source.data(), total.data(), n, MPI_UINT64_T, MPI_SUM,
                MPI_COMM_WORLD);
  MPI_Exscan(per_source.data(), earlier.data(), n, MPI_UINT64_T, MPI_SUM,
             MPI_COMM_WORLD);
  if (g_rank == 0) std::fill(earlier.begin(), earlier.end(), 0);
  uint64_t start = 0;
  for (size_t i = 0; i < per_source.size(); ++i) {
    for (uint64_t j = 0; j < per_source[i]; ++j) {
      s.gid.push_back(static_cast<DocId>(start + earlier[i] + j));
    }
    start += total[i];
  }
  if (start >= 0xFFFFFFFEu) {
    Fail(absl::ResourceExhaustedError(
        "more than 2^32 - 2 documents: DocIds are 32-bit"));
  }
  if (start == 0) {
    if (g_rank == 0) {
      std::fprintf(stderr,
                   "mimeo-mpi: no documents to read: directories are "
                   "searched for .txt, .md, .html, .htm, .jsonl and .ndjson "
                   "files (also .gz or .zst), or with --include for the "
                   "files matching a pattern\n");
    }
    MPI_Finalize();
    std::exit(1);
  }
  return s;
}

// Fails, naming the id, when two documents of the whole input have the
// same id. One process renames the later one ("FILE:LINE"; InputReader);
// ranks rename within their share only, which would give other ids, so a
// repeated id across shares ends the job instead. Each id goes to the rank
// owning its hash, which alone holds it.
void CheckUniqueIds(const Sketches& s) {
  std::vector<std::vector<char>> out(g_ranks);
  for (size_t i = 0; i < s.size(); ++i) {
    const std::string& id = s.ids[i];
    std::vector<char>& to = out[OwnerOfHash(XXH3_64bits(id.data(), id.size()))];
    PutValue<uint32_t>(to, s.gid[i]);
    PutValue<uint32_t>(to, static_cast<uint32_t>(id.size()));
    Put(to, id.data(), id.size());
  }
  const std::vector<char> in = g_exchange->AllToAll(out);
  absl::flat_hash_map<std::string_view, DocId> seen;
  for (const char* p = in.data(); p < in.data() + in.size();) {
    const DocId gid = GetValue<uint32_t>(p);
    const uint32_t n = GetValue<uint32_t>(p);
    const std::string_view id(p, n);
    p += n;
    const auto [it, added] = seen.try_emplace(id, gid);
    if (!added) {
      Fail(absl::InvalidArgumentError(absl::StrFormat(
          "the id '%s' is given to documents %d and %d (in input order): "
          "mimeo renames the later one, mimeo-mpi cannot where they lie in "
          "different ranks' shares; give every document its own id "
          "(--id-field) or run mimeo",
          id, std::min(gid, it->second), std::max(gid, it->second))));
    }
  }
}

// Counts every shingle's document frequency at the rank owning it, a
// quarter of the shingles at a time, and gives every rank the common
// shingles; fills s.common*.
void FindCommon(const CommonShingles::Options& options, Sketches& s,
                tbb::task_arena& arena) {
  uint64_t local_docs = 0;
  for (size_t i = 0; i < s.size(); ++i) local_docs += !s.Set(i).empty();
  const uint64_t documents = SumOverRanks(local_docs);
  const uint32_t threshold = std::max<uint32_t>(
      options.min_docs,
      static_cast<uint32_t>(
          std::ceil(options.fraction * static_cast<double>(documents))));
  constexpr int kRounds = 4;
  std::vector<uint64_t> found;
  for (int round = 0; round < kRounds; ++round) {
    std::vector<std::vector<uint64_t>> out(g_ranks);
    for (uint64_t h : s.sets) {
      // The low bits pick the round, the high ones the rank (OwnerOfHash),
      // so that every rank receives in every round.
      if (static_cast<int>(h & (kRounds - 1)) != round) continue;
      out[OwnerOfHash(h)].push_back(h);
    }
    const std::vector<uint64_t> mine = g_exchange->AllToAll(out);
    // Counted as the single process counts them (CommonShingles::Build),
    // in linear time: the shingles received stand in for documents, in
    // chunks; each occurrence is one document holding the shingle, so its
    // count is its document frequency, and the threshold is the global one.
    constexpr size_t kChunk = 512;
    const size_t chunks = (mine.size() + kChunk - 1) / kChunk;
    const auto chunk = [&](size_t c) {
      return absl::MakeConstSpan(mine).subspan(
          c * kChunk, std::min(kChunk, mine.size() - c * kChunk));
    };
    CommonShingles::Options counted;
    counted.min_docs = threshold;
    counted.fraction = 0;
    absl::StatusOr<CommonShingles> counter = CommonShingles::Create(counted);
    if (!counter.ok()) Fail(counter.status());
    std::vector<std::vector<uint64_t>> hits(chunks);
    arena.execute([&] {
      counter->Build(chunks, chunk);
      if (counter->size() == 0) return;
      tbb::parallel_for(size_t{0}, chunks, [&](size_t c) {
        counter->CommonOf(chunk(c), hits[c]);
      });
    });
    const size_t before = found.size();
    for (const std::vector<uint64_t>& h : hits) {
      found.insert(found.end(), h.begin(), h.end());
    }
    std::sort(found.begin() + static_cast<ptrdiff_t>(before), found.end());
    found.erase(std::unique(found.begin() + static_cast<ptrdiff_t>(before),
                            found.end()),
                found.end());
  }
  std::vector<uint64_t> all = g_exchange->GatherOnAll(found);
  const absl::flat_hash_set<uint64_t> common(all.begin(), all.end());
  for (size_t i = 0; i < s.size(); ++i) {
    if (!common.empty()) {
      for (uint64_t h : s.Set(i)) {
        if (common.contains(h)) s.common.push_back(h);
      }
    }
    s.common_offsets.push_back(s.common.size());
  }
}

// The rank holding each DocId: runs of consecutive DocIds per rank.
class Holders {
 public:
  explicit Holders(const Sketches& s) {
    std::vector<Run> mine;
    for (size_t i = 0; i < s.size(); ++i) {
      if (!mine.empty() && mine.back().end == s.gid[i]) {
        ++mine.back().end;
      } else {
        mine.push_back({s.gid[i], s.gid[i] + 1, g_rank});
      }
    }
    runs_ = g_exchange->GatherOnAll(mine);
    std::sort(runs_.begin(), runs_.end(),
              [](const Run& x, const Run& y) { return x.begin < y.begin; });
  }
  int Of(DocId d) const {
    auto it =
        std::upper_bound(runs_.begin(), runs_.end(), d,
                         [](DocId v, const Run& r) { return v < r.begin; });
    return (it - 1)->rank;
  }

 private:
  struct Run {
    DocId begin, end;
    int rank;
  };
  std::vector<Run> runs_;
};

// The candidate pairs of the LSH join, each on the rank holding its first
// document, sorted by (a, b), once each.
std::vector<CandidatePair> Candidates(const LshIndex::Options& lo,
                                      const Sketches& s, const Holders& holders,
                                      uint32_t bands_per_round) {
  auto index = LshIndex::Create(lo);
  if (!index.ok()) Fail(index.status());
  struct Record {
    uint64_t key;
    DocId doc;
    uint32_t band;
  };
  std::vector<uint64_t> packed;  // a << 32 | b, this rank's first documents
  for (uint32_t b0 = 0; b0 < lo.bands; b0 += bands_per_round) {
    const uint32_t b1 = std::min(lo.bands, b0 + bands_per_round);
    std::vector<std::vector<Record>> out(g_ranks);
    for (size_t i = 0; i < s.size(); ++i) {
      if (s.Set(i).empty()) continue;  // as the Engine: no shingles, no match
      for (uint32_t band = b0; band < b1; ++band) {
        const uint64_t key = index->BandKey(s.Signature(i), band);
        out[OwnerOfHash(key)].push_back({key, s.gid[i], band});
      }
    }
    std::vector<Record> records = g_exchange->AllToAll(out);
    tbb::parallel_sort(records.begin(), records.end(),
                       [](const Record& x, const Record& y) {
                         if (x.band != y.band) return x.band < y.band;
                         if (x.key != y.key) return x.key < y.key;
                         return x.doc < y.doc;
                       });
    // Buckets into pairs as the single-process join does (lsh_index.cc):
    // all pairs of a bucket, or above large_bucket each member with the
    // bucket's smallest DocId.
    std::vector<std::vector<uint64_t>> pairs(g_ranks);
    const auto emit = [&](DocId a, DocId b) {
      pairs[holders.Of(a)].push_back(uint64_t{a} << 32 | b);
    };
    for (size_t i = 0; i < records.size();) {
      size_t j = i + 1;
      while (j < records.size() && records[j].band == records[i].band &&
             records[j].key == records[i].key) {
        ++j;
      }
      if (j - i > lo.large_bucket) {
        for (size_t x = i + 1; x < j; ++x) emit(records[i].doc, records[x].doc);
      } else {
        for (size_t x = i; x < j; ++x) {
          for (size_t y = x + 1; y < j; ++y)
            emit(records[x].doc, records[y].doc);
        }
      }
      i = j;
    }
    std::vector<Record>().swap(records);
    // A pair sharing several bands of the round is sent once.
    for (std::vector<uint64_t>& to : pairs) {
      std::sort(to.begin(), to.end());
      to.erase(std::unique(to.begin(), to.end()), to.end());
    }
    std::vector<uint64_t> got = g_exchange->AllToAll(pairs);
    packed.insert(packed.end(), got.begin(), got.end());
    tbb::parallel_sort(packed.begin(), packed.end());
    packed.erase(std::unique(packed.begin(), packed.end()), packed.end());
  }
  std::vector<CandidatePair> candidates;
  candidates.reserve(packed.size());
  for (uint64_t p : packed) {
    candidates.push_back(
        {static_cast<DocId>(p >> 32), static_cast<DocId>(p & 0xFFFFFFFFu), 1});
  }
  return candidates;
}

// Sends the documents each rank asks for (wanted[r]: DocIds asked of rank
// r, which holds them, as Requests() heads them) and adds what came back
// to `out`.
void Fetch(const Sketches& s, const absl::flat_hash_map<DocId, size_t>& local,
           std::vector<std::vector<DocId>>& wanted, unsigned what,
           absl::flat_hash_map<DocId, Remote>& out) {
  std::vector<DocId> asked = g_exchange->AllToAll(wanted);
  // The answers, per asking rank: each request names its rank and count.
  std::vector<std::vector<char>> answers(g_ranks);
  size_t at = 0;
  while (at < asked.size()) {
    const int from = static_cast<int>(asked[at]);
    const uint32_t n = asked[at + 1];
    for (uint32_t k = 0; k < n; ++k) {
      PutDocument(s, local.at(asked[at + 2 + k]), what, answers[from]);
    }
    at += 2 + n;
  }
  GetDocuments(g_exchange->AllToAll(answers), s.num_perm, what, out);
}

// Requests, per rank, headed by this rank's number and their count, for
// Fetch().
std::vector<std::vector<DocId>> Requests(
    const std::vector<std::vector<DocId>>& per_rank) {
  std::vector<std::vector<DocId>> out(g_ranks);
  for (int r = 0; r < g_ranks; ++r) {
    if (per_rank[r].empty()) continue;
    out[r].push_back(static_cast<DocId>(g_rank));
    out[r].push_back(static_cast<DocId>(per_rank[r].size()));
    out[r].insert(out[r].end(), per_rank[r].begin(), per_rank[r].end());
  }
  return out;
}

// Accessors over local and fetched documents.
NearDuplicateDocs DocsOver(const Sketches& s,
                           const absl::flat_hash_map<DocId, size_t>& local,
                           const absl::flat_hash_map<DocId, Remote>& remote) {
  NearDuplicateDocs docs;
  docs.signature = [&](DocId d) -> absl::Span<const uint32_t> {
    if (auto it = local.find(d); it != local.end())
      return s.Signature(it->second);
    return remote.at(d).signature;
  };
  docs.set = [&](DocId d) -> absl::Span<const uint64_t> {
    if (auto it = local.find(d); it != local.end()) return s.Set(it->second);
    return remote.at(d).set;
  };
  docs.size = [&](DocId d) -> uint64_t {
    if (auto it = local.find(d); it != local.end()) {
      return s.Set(it->second).size();
    }
    return remote.at(d).size;
  };
  docs.common = [&](DocId d,
                    std::vector<uint64_t>&) -> absl::Span<const uint64_t> {
    if (auto it = local.find(d); it != local.end()) return s.Common(it->second);
    return remote.at(d).common;
  };
  return docs;
}

// Verifies this rank's candidates, fetching the other sides' sketches a
// block of candidates at a time: the candidates in (b, a) order, so that
// a document is fetched in one round, or two across a round's end. The
// verified pairs come out in that order (callers sort them by (a, b)).
std::vector<VerifiedPair> VerifyShare(
    const NearDuplicatePolicy& policy, const Sketches& s,
    const absl::flat_hash_map<DocId, size_t>& local, const Holders& holders,
    std::vector<CandidatePair>& candidates, uint64_t per_round,
    tbb::task_arena& arena) {
  arena.execute([&] {
    tbb::parallel_sort(candidates.begin(), candidates.end(),
                       [](const CandidatePair& x, const CandidatePair& y) {
                         return x.b != y.b ? x.b < y.b : x.a < y.a;
                       });
  });
  const uint64_t my_rounds = (candidates.size() + per_round - 1) / per_round;
  uint64_t rounds = 0;
  MPI_Allreduce(&my_rounds, &rounds, 1, MPI_UINT64_T, MPI_MAX, MPI_COMM_WORLD);
  std::vector<VerifiedPair> verified;
  for (uint64_t round = 0; round < rounds; ++round) {
    const size_t begin = std::min<size_t>(candidates.size(), round * per_round);
    const size_t end = std::min<size_t>(candidates.size(), begin + per_round);
    // The other sides' signatures first; then the sets of the pairs the
    // estimate does not refuse (most candidates of a low LSH threshold
    // are refused), so that most sets never cross the network.
    const auto span =
        absl::MakeConstSpan(candidates).subspan(begin, end - begin);
    absl::flat_hash_map<DocId, Remote> remote;
    const NearDuplicateDocs docs = DocsOver(s, local, remote);
    for (unsigned what : {kSignature, kSets}) {
      absl::flat_hash_set<DocId> seen;
      std::vector<std::vector<DocId>> wanted(g_ranks);
      for (const CandidatePair& c : span) {
        if (local.contains(c.b) || !seen.insert(c.b).second) continue;
        if (what == kSets && !policy.NeedsSets(c.a, c.b, docs)) {
          seen.erase(c.b);  // another pair may need it
          continue;
        }
        wanted[holders.Of(c.b)].push_back(c.b);
      }
      std::vector<std::vector<DocId>> requests = Requests(wanted);
      Fetch(s, local, requests, what, remote);
    }
    std::vector<VerifiedPair> got;
    arena.execute([&] { got = policy.Verify(span, docs); });
    verified.insert(verified.end(), got.begin(), got.end());
  }
  return verified;
}

// The verified pairs as `mimeo pairs --mode near-dup` lists them, on rank
// 0 (empty elsewhere): every pair, in (a, b) order, with its documents'
// ids, which their holders send. Frees `s` and `local`.
std::vector<PairOut> PairsOnRankZero(Sketches& s,
                                     absl::flat_hash_map<DocId, size_t>& local,
                                     std::vector<VerifiedPair>& verified) {
  std::vector<VerifiedPair> pairs = g_exchange->GatherOnZero(verified);
  std::vector<VerifiedPair>().swap(verified);
  std::sort(pairs.begin(), pairs.end(),
            [](const VerifiedPair& x, const VerifiedPair& y) {
              return x.a != y.a ? x.a < y.a : x.b < y.b;
            });
  std::vector<DocId> endpoints;
  for (const VerifiedPair& p : pairs) {
    endpoints.push_back(p.a);
    endpoints.push_back(p.b);
  }
  std::sort(endpoints.begin(), endpoints.end());
  endpoints.erase(std::unique(endpoints.begin(), endpoints.end()),
                  endpoints.end());
  g_exchange->Broadcast(endpoints);
  std::vector<char> mine;
  for (DocId d : endpoints) {
    if (auto it = local.find(d); it != local.end()) {
      PutDocument(s, it->second, kId, mine);
    }
  }
  s = Sketches();
  local.clear();
  absl::flat_hash_map<DocId, Remote> ids;
  GetDocuments(g_exchange->GatherOnZero(mine), 0, kId, ids);
  std::vector<PairOut> out;
  out.reserve(pairs.size());
  for (const VerifiedPair& v : pairs) {
    PairOut p;
    p.a = ids.at(v.a).id;
    p.b = ids.at(v.b).id;
    p.similarity = v.similarity;
    p.near_duplicate = true;
    out.push_back(std::move(p));
  }
  return out;
}

// Serialized clusters, for rank 0: per cluster its smallest member, its
// representative's and members' ids, and its pairs (ids and similarity),
// in the order `mimeo cluster` lists them.
void PutString(std::vector<char>& out, const std::string& s) {
  PutValue<uint64_t>(out, s.size());
  Put(out, s.data(), s.size());
}
std::string GetString(const char*& p) {
  const uint64_t n = GetValue<uint64_t>(p);
  std::string s(p, n);
  p += n;
  return s;
}

// Forms the clusters of the verified pairs (each on the rank holding its
// first document) where their connected components lie: the components
// are found over the ranks (components.h: large-star / small-star rounds
// over the pairs' endpoints, 8 bytes a pair, nothing gathered on one
// rank), each labelled by its smallest DocId and given to the rank that
// label hashes to (NodeOwner()); each rank gathers the pairs and sketches
// of its components and clusters them with the policy. A component's
// clusters depend on its pairs and documents alone, and on the order of
// their DocIds (NearDuplicatePolicy::ClusterPairs), so the clusters are
// the single process's whichever rank forms them; rank 0 numbers them by
// their smallest member, as the Clusterer does. Returns the clusters on
// rank 0 (empty elsewhere), and frees `s` and `local`.
std::vector<ClusterOut> ClusterByComponent(
    const NearDuplicatePolicy& policy, Sketches& s,
    absl::flat_hash_map<DocId, size_t>& local, const Holders& holders,
    std::vector<VerifiedPair>& verified, tbb::task_arena& arena,
    uint64_t& component_rounds) {
  std::vector<uint64_t> ends;
  ends.reserve(verified.size());
  for (const VerifiedPair& p : verified) {
    ends.push_back(uint64_t{p.a} << 32 | p.b);
  }
  std::vector<mpi::NodeLabel> labels;
  arena.execute([&] {
    labels = mpi::ConnectedComponents(*g_exchange, std::move(ends),
                                      &component_rounds);
  });
  // Each endpoint's component's rank, to the endpoint's holder.
  struct Owner {
    DocId doc;
    int32_t rank;
  };
  std::vector<std::vector<Owner>> owners(g_ranks);
  for (const mpi::NodeLabel& l : labels) {
    owners[holders.Of(l.node)].push_back(
        {l.node, mpi::NodeOwner(l.root, g_ranks)});
  }
  std::vector<mpi::NodeLabel>().swap(labels);
  std::vector<Owner> my_owners = g_exchange->AllToAll(owners);
  absl::flat_hash_map<DocId, int32_t> owner_of;
  owner_of.reserve(my_owners.size());
  for (const Owner& o : my_owners) owner_of[o.doc] = o.rank;
  // Pairs (their first document is here) and endpoints' sketches to the
  // ranks owning their components.
  std::vector<std::vector<VerifiedPair>> pairs_out(g_ranks);
  for (const VerifiedPair& p : verified) {
    pairs_out[owner_of.at(p.a)].push_back(p);
  }
  std::vector<VerifiedPair>().swap(verified);
  std::vector<VerifiedPair> pairs = g_exchange->AllToAll(pairs_out);
  std::vector<std::vector<char>> docs_out(g_ranks);
  for (const Owner& o : my_owners) {
    PutDocument(s, local.at(o.doc), kSignature | kSets | kId, docs_out[o.rank]);
  }
  s = Sketches();
  local.clear();
  absl::flat_hash_map<DocId, Remote> docs;
  GetDocuments(g_exchange->AllToAll(docs_out), policy.options().num_perm,
               kSignature | kSets | kId, docs);
  // This rank's components, numbered 0, 1, ... in DocId order.
  std::sort(pairs.begin(), pairs.end(),
            [](const VerifiedPair& x, const VerifiedPair& y) {
              return x.a != y.a ? x.a < y.a : x.b < y.b;
            });
  std::vector<DocId> points;
  for (const auto& [d, r] : docs) points.push_back(d);
  std::sort(points.begin(), points.end());
  absl::flat_hash_map<DocId, DocId> compact;
  for (size_t i = 0; i < points.size(); ++i) {
    compact[points[i]] = static_cast<DocId>(i);
  }
  std::vector<VerifiedPair> edges = pairs;
  for (VerifiedPair& p : edges) {
    p.a = compact.at(p.a);
    p.b = compact.at(p.b);
  }
  const auto doc = [&](DocId d) -> const Remote& { return docs.at(points[d]); };
  NearDuplicateDocs by_index;
  by_index.signature = [&](DocId d) -> absl::Span<const uint32_t> {
    return doc(d).signature;
  };
  by_index.set = [&](DocId d) -> absl::Span<const uint64_t> {
    return doc(d).set;
  };
  by_index.size = [&](DocId d) -> uint64_t { return doc(d).size; };
  by_index.common = [&](DocId d,
                        std::vector<uint64_t>&) -> absl::Span<const uint64_t> {
    return doc(d).common;
  };
  std::vector<Cluster> clusters;
  arena.execute(
      [&] { clusters = policy.ClusterPairs(points.size(), edges, by_index); });
  std::vector<VerifiedPair>().swap(edges);
  // Each cluster's pairs in (a, b) order, the representative's first, as
  // `mimeo cluster` lists them (PairsOf(), OrderPairs()).
  absl::flat_hash_map<DocId, size_t> cluster_of;
  for (size_t c = 0; c < clusters.size(); ++c) {
    for (DocId m : clusters[c].members) cluster_of[points[m]] = c;
  }
  std::vector<std::vector<const VerifiedPair*>> pairs_of(clusters.size());
  for (const VerifiedPair& p : pairs) {
    auto a = cluster_of.find(p.a), b = cluster_of.find(p.b);
    if (a != cluster_of.end() && b != cluster_of.end() &&
        a->second == b->second) {
      pairs_of[a->second].push_back(&p);
    }
  }
  std::vector<char> out;
  for (size_t c = 0; c < clusters.size(); ++c) {
    const DocId rep = points[clusters[c].representative];
    OrderPairs(pairs_of[c], rep);
    PutValue<uint32_t>(out, points[clusters[c].members.front()]);
    PutString(out, docs.at(rep).id);
    PutValue<uint64_t>(out, clusters[c].members.size());
    for (DocId m : clusters[c].members) PutString(out, docs.at(points[m]).id);
    PutValue<uint64_t>(out, pairs_of[c].size());
    for (const VerifiedPair* p : pairs_of[c]) {
      PutString(out, docs.at(p->a).id);
      PutString(out, docs.at(p->b).id);
      PutValue<Similarity>(out, p->similarity);
    }
  }
  docs.clear();
  const std::vector<char> all = g_exchange->GatherOnZero(out);
  std::vector<char>().swap(out);
  std::vector<std::pair<DocId, ClusterOut>> found;
  for (const char* p = all.data(); p < all.data() + all.size();) {
    std::pair<DocId, ClusterOut> c;
    c.first = GetValue<uint32_t>(p);
    c.second.representative = GetString(p);
    for (uint64_t n = GetValue<uint64_t>(p); n > 0; --n) {
      c.second.docs.push_back(GetString(p));
    }
    for (uint64_t n = GetValue<uint64_t>(p); n > 0; --n) {
      PairOut po;
      po.a = GetString(p);
      po.b = GetString(p);
      po.similarity = GetValue<Similarity>(p);
      po.near_duplicate = true;
      c.second.pairs.push_back(std::move(po));
    }
    found.push_back(std::move(c));
  }
  std::sort(found.begin(), found.end(),
            [](const auto& x, const auto& y) { return x.first < y.first; });
  std::vector<ClusterOut> result;
  result.reserve(found.size());
  for (auto& [smallest, c] : found) {
    c.id = static_cast<uint32_t>(result.size());
    result.push_back(std::move(c));
  }
  return result;
}

uint64_t PeakRssBytes() {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<uint64_t>(ru.ru_maxrss) * 1024;
}

// The steps of a run, timed per rank for --verbose. Each lap ends at a
// collective or at rank 0's own work, so a rank's time includes its waits
// for slower ranks.
enum Step { kRead, kCommon, kCandidates, kVerify, kGather, kCluster, kWrite };
constexpr int kSteps = kWrite + 1;
constexpr const char* kStepNames[kSteps] = {
    "read+sketch", "common",  "candidates", "verify",
    "gather",      "cluster", "write"};
struct Timer {
  std::chrono::steady_clock::time_point last = std::chrono::steady_clock::now();
  uint64_t last_sent = 0;
  double seconds[kSteps] = {};
  uint64_t sent[kSteps] = {};  // bytes this rank sent in each step
  uint64_t peak[kSteps] = {};  // peak resident bytes at each step's end
  void Lap(Step p) {
    peak[p] = PeakRssBytes();
    const auto now = std::chrono::steady_clock::now();
    seconds[p] += std::chrono::duration<double>(now - last).count();
    sent[p] += g_exchange->bytes_sent() - last_sent;
    last = now;
    last_sent = g_exchange->bytes_sent();
  }
};

int Run(MpiArgs& args, bool pairs_command) {
  const auto start = std::chrono::steady_clock::now();
  CommonArgs& common = args.common;
  FinishEngineOptions(common);
  if (common.format.empty()) common.format = "jsonl";
  if (common.format != "jsonl" && common.format != "csv") {
    if (g_rank == 0) {
      std::fprintf(stderr,
                   "mimeo-mpi: --format %s is not supported: jsonl or csv "
                   "(table and html show passages, which mimeo-mpi does "
                   "not cut)\n",
                   common.format.c_str());
    }
    return 2;
  }
  if (args.mode == "versions") UseRevisionThresholdsNotGiven(common);
  Engine::Options o = common.engine;
  o.copy.enabled = false;
  o.index_on_add = false;
  o.keep_shingle_sets = true;
  // The options checked, and the banding chosen, as the Engine does.
  auto engine = Engine::Create(o);
  if (!engine.ok()) {
    if (g_rank == 0) StatusExit(engine.status());
    return 1;
  }
  LshIndex::Options lo;
  lo.num_perm = static_cast<int>(o.minhash.num_perm);
  lo.bands = (*engine)->lsh_params().bands;
  lo.rows = (*engine)->lsh_params().rows;
  lo.large_bucket = o.lsh_large_bucket;
  engine->reset();
  NearDuplicatePolicy::Options po = o.near_duplicates();
  po.exact_sets = true;
  absl::StatusOr<NearDuplicatePolicy> policy = NearDuplicatePolicy::Create(po);
  if (!policy.ok()) Fail(policy.status());

  // Rank 0 writes. An output that cannot be written fails before the
  // work; it is opened again once the other ranks are done, so that a
  // rank ending the job (which kills rank 0 too) leaves no temporary file.
  if (g_rank == 0) {
    absl::StatusOr<Output> probe = Output::Open(common);
    if (!probe.ok()) Fail(probe.status());
  }
  tbb::task_arena arena(o.threads == 0 ? tbb::task_arena::automatic
                                       : o.threads);

  mpi::Exchanger exchange(MPI_COMM_WORLD, args.exchange_bytes);
  g_exchange = &exchange;
  Timer timer;
  Sketches s = ReadShare(args, o);
  const uint64_t held = s.size();
  const uint64_t documents = SumOverRanks(held);
  CheckUniqueIds(s);
  timer.Lap(kRead);
  FindCommon(o.common, s, arena);
  timer.Lap(kCommon);
  absl::flat_hash_map<DocId, size_t> local;
  local.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) local[s.gid[i]] = i;
  const Holders holders(s);
  std::vector<CandidatePair> candidates;
  arena.execute(
      [&] { candidates = Candidates(lo, s, holders, args.bands_per_round); });
  const uint64_t num_candidates = SumOverRanks(candidates.size());
  timer.Lap(kCandidates);
  std::vector<VerifiedPair> verified = VerifyShare(
      *policy, s, local, holders, candidates, args.pairs_per_round, arena);
  std::vector<CandidatePair>().swap(candidates);
  timer.Lap(kVerify);

  const uint64_t num_verified = SumOverRanks(verified.size());
  Report report;
  report.documents = documents;
  uint64_t component_rounds = 0;  // large-star rounds, for --verbose
  if (pairs_command) {
    report.title = "mimeo pairs";
    report.pairs = PairsOnRankZero(s, local, verified);
    timer.Lap(kGather);
  } else {
    report.has_clusters = true;
    report.title = "mimeo cluster";
    report.clusters = ClusterByComponent(*policy, s, local, holders, verified,
                                         arena, component_rounds);
    timer.Lap(kCluster);
  }
  if (g_rank == 0) {
    absl::StatusOr<Output> output = Output::Open(common);
    if (!output.ok()) Fail(output.status());
    if (absl::Status st = output->Write(report); !st.ok()) Fail(st);
    if (!common.quiet) {
      const double seconds = std::chrono::duration<double>(
                                 std::chrono::steady_clock::now() - start)
                                 .count();
      absl::FPrintF(
          stderr,
          "mimeo-mpi: %d ranks, %d documents, %d candidate pairs, "
          "%d verified, %d %s, %.2f s\n",
          g_ranks, documents, num_candidates, num_verified,
          pairs_command ? report.pairs.size() : report.clusters.size(),
          pairs_command ? "pairs" : "clusters", seconds);
    }
  }
  timer.Lap(kWrite);
  if (args.verbose) {
    // One line per rank, printed by rank 0 in rank order.
    struct Line {
      uint64_t documents, sent, received, peak_rss;
      double seconds[kSteps];
      uint64_t step_sent[kSteps];
      uint64_t step_peak[kSteps];
    };
    Line line{held,
              exchange.bytes_sent(),
              exchange.bytes_received(),
              PeakRssBytes(),
              {},
              {},
              {}};
    std::copy(std::begin(timer.peak), std::end(timer.peak),
              std::begin(line.step_peak));
    std::copy(std::begin(timer.seconds), std::end(timer.seconds),
              std::begin(line.seconds));
    std::copy(std::begin(timer.sent), std::end(timer.sent),
              std::begin(line.step_sent));
    std::vector<Line> lines = exchange.GatherOnZero(std::vector<Line>{line});
    if (g_rank == 0) {
      // The counts of rounds are the same on every rank.
      absl::FPrintF(stderr,
                    "mimeo-mpi: exchanges in %d rounds of at most %d bytes a "
                    "rank, at most %d rounds in one exchange",
                    exchange.rounds(), args.exchange_bytes,
                    exchange.most_rounds());
      if (!pairs_command) {
        absl::FPrintF(stderr, "; connected components in %d large-star rounds",
                      component_rounds);
      }
      absl::FPrintF(stderr, "\n");
    }
    for (int r = 0; r < static_cast<int>(lines.size()); ++r) {
      std::string phases;
      for (int p = 0; p < kSteps; ++p) {
        if (lines[r].step_peak[p] == 0) continue;  // not a step of this run
        absl::StrAppendFormat(&phases, "%s%s %.2f s %.1f MB (peak %.0f MB)",
                              phases.empty() ? "" : ", ", kStepNames[p],
                              lines[r].seconds[p], lines[r].step_sent[p] / 1e6,
                              lines[r].step_peak[p] / 1e6);
      }
      absl::FPrintF(stderr,
                    "mimeo-mpi: rank %d: %d documents, %.1f MB sent, %.1f MB "
                    "received, peak RSS %.1f MB; by step, its time, the "
                    "bytes sent and the peak RSS so far: %s\n",
                    r, lines[r].documents, lines[r].sent / 1e6,
                    lines[r].received / 1e6, lines[r].peak_rss / 1e6, phases);
    }
  }
  return 0;
}

void AddOptions(CLI::App* cmd, MpiArgs& args) {
  cmd->add_option("paths", args.paths,
                  "Files or directories (read recursively)")
      ->required();
  AddEngineOptions(cmd, args.common);
  AddInputOptions(cmd, args.common);
  AddOutputOptions(cmd, args.common);
  cmd->add_flag("--verbose", args.verbose,
                "Per rank: bytes sent and received through MPI, peak memory, "
                "and per step; the rounds of the exchanges and of the "
                "connected components");
  cmd->add_option("--bands-per-round", args.bands_per_round,
                  "LSH bands whose keys are exchanged at once: fewer bound "
                  "the memory of a round")
      ->capture_default_str()
      ->check(CLI::Range(1, 4096));
  cmd->add_option("--exchange-bytes", args.exchange_bytes,
                  "Bytes a rank sends per round of an exchange (all peers "
                  "together); each exchange holds two buffers of this size")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{1}, mpi::Exchanger::kMaxRoundBytes));
  cmd->add_option("--pairs-per-round", args.pairs_per_round,
                  "Candidate pairs per rank verified per round of fetching "
                  "the other sides' sketches")
      ->capture_default_str()
      ->check(CLI::Range(1, 1 << 30));
}

}  // namespace
}  // namespace mimeo::cli

int main(int argc, char** argv) {
  using namespace mimeo::cli;
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &g_ranks);
  InstallSignalCleanup();
  CLI::App app(
      "mimeo-mpi: near-duplicate clusters and pairs over MPI ranks, with the "
      "output of `mimeo cluster` and `mimeo pairs --mode near-dup`. Run "
      "under mpirun or srun; each rank reads its share of the input.");
  app.require_subcommand(1);
  int exit_code = 0;
  MpiArgs cluster_args, pairs_args;
  CLI::App* cluster = app.add_subcommand(
      "cluster", "Groups of near-duplicate documents (mimeo cluster)");
  AddOptions(cluster, cluster_args);
  cluster
      ->add_option("--mode", cluster_args.mode,
                   "near-dup: whole documents that are the same text; "
                   "versions: revisions of one text, early and late (looser "
                   "thresholds); copy: use mimeo")
      ->capture_default_str()
      ->check(CLI::IsMember({"near-dup", "versions"}));
  cluster->callback([&] { exit_code = Run(cluster_args, false); });
  CLI::App* pairs = app.add_subcommand(
      "pairs", "Near-duplicate pairs (mimeo pairs --mode near-dup)");
  AddOptions(pairs, pairs_args);
  pairs
      ->add_option("--mode", pairs_args.mode,
                   "near-dup only (all and copy: use mimeo)")
      ->capture_default_str()
      ->check(CLI::IsMember({"near-dup"}));
  pairs->callback([&] { exit_code = Run(pairs_args, true); });
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // Every rank parses the same arguments; one speaks.
    if (g_rank == 0) {
      exit_code = app.exit(e);
    } else {
      exit_code = e.get_exit_code();
    }
  } catch (const std::bad_alloc&) {
    // A rank out of memory ends the job, saying so, rather than dying
    // alone while the others wait for it.
    Fail(absl::ResourceExhaustedError(
        "out of memory: run on more ranks, or give each rank more memory "
        "(bench/README.md has the memory per document)"));
  }
  MPI_Finalize();
  return exit_code;
}
