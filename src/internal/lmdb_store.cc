#include "internal/lmdb_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "internal/arena.h"
#include "internal/status_macros.h"
#include "mimeo/boilerplate.h"
#include "mimeo/lsh_index.h"
#include "oneapi/tbb/parallel_for.h"
#include "oneapi/tbb/task_arena.h"
#include "xxhash.h"

namespace mimeo::internal {
namespace {

constexpr char kMetaVersion[] = "format_version";
constexpr char kMetaConfig[] = "config";
constexpr char kMetaGeneration[] = "generation";
constexpr char kMetaCounters[] = "counters";
constexpr char kMetaTally[] = "tally";
constexpr char kMetaLevels[] = "levels";
constexpr char kMetaNextLevel[] = "next_level";
constexpr char kMetaPending[] = "pending";
constexpr char kMetaQueryCommon[] = "query_common";
constexpr char kMetaDates[] = "dates";
constexpr uint64_t kMaxMapBytes = uint64_t{1} << 42;  // 4 TiB
constexpr int kZstdLevel = 3;
// The first byte of a text record that is a reference (EncodeReference());
// a zstd frame (or skippable frame) never starts with it.
constexpr char kReferenceTag = '\x01';

MDB_val Val(const void* data, size_t size) {
  return MDB_val{size, const_cast<void*>(data)};
}
MDB_val Val(std::string_view s) { return Val(s.data(), s.size()); }

// Appends fixed-size values and length-prefixed arrays to a byte string.
class Encoder {
 public:
  template <typename T>
  void Put(const T& v) {
    out_.append(reinterpret_cast<const char*>(&v), sizeof(T));
  }
  void PutBytes(const void* data, size_t n) {
    out_.append(static_cast<const char*>(data), n);
  }
  template <typename T>
  void PutArray(absl::Span<const T> a) {
    Put(static_cast<uint32_t>(a.size()));
    PutBytes(a.data(), a.size() * sizeof(T));
  }
  void PutString(std::string_view s) {
    Put(static_cast<uint32_t>(s.size()));
    PutBytes(s.data(), s.size());
  }
  const std::string& str() const { return out_; }

 private:
  std::string out_;
};

// Reads what Encoder wrote, refusing to run past the end. Arrays are
// returned as views when aligned, else copied into `scratch`.
class Decoder {
 public:
  explicit Decoder(const MDB_val& v)
      : p_(static_cast<const char*>(v.mv_data)), left_(v.mv_size) {}
  template <typename T>
  bool Get(T& v) {
    if (left_ < sizeof(T)) return false;
    std::memcpy(&v, p_, sizeof(T));
    p_ += sizeof(T);
    left_ -= sizeof(T);
    return true;
  }
  bool GetString(std::string_view& s) {
    uint32_t n;
    if (!Get(n) || n > left_) return false;
    s = std::string_view(p_, n);
    p_ += n;
    left_ -= n;
    return true;
  }
  template <typename T>
  bool GetArray(std::vector<T>& out) {
    uint32_t n;
    if (!Get(n) || n > left_ / sizeof(T)) return false;
    out.resize(n);
    // An empty vector's data() may be null, which memcpy must not get.
    if (n != 0) std::memcpy(out.data(), p_, n * sizeof(T));
    p_ += n * sizeof(T);
    left_ -= n * sizeof(T);
    return true;
  }
  bool AtEnd() const { return left_ == 0; }

 private:
  const char* p_;
  size_t left_;
};

// The saved model of common shingles (meta "query_common"): num_ids,
// removed (u64), min_docs (u32), fraction (f64), threshold (u32),
// documents (u64), then the common shingles as an array (u32 count, u64
// each, ascending).
std::string EncodeCommon(const SavedCommon& m) {
  Encoder e;
  e.Put(m.num_ids);
  e.Put(m.removed);
  e.Put(m.min_docs);
  e.Put(m.fraction);
  e.Put(m.threshold);
  e.Put(m.documents);
  e.PutArray(absl::MakeConstSpan(m.common));
  return e.str();
}

bool DecodeCommon(const MDB_val& v, SavedCommon& m) {
  Decoder d(v);
  if (!d.Get(m.num_ids) || !d.Get(m.removed) || !d.Get(m.min_docs) ||
      !d.Get(m.fraction) || !d.Get(m.threshold) || !d.Get(m.documents) ||
      !d.GetArray(m.common) || !d.AtEnd()) {
    return false;
  }
  for (size_t i = 1; i < m.common.size(); ++i) {
    if (m.common[i - 1] >= m.common[i]) return false;
  }
  return true;
}

// A document's record: a fixed header, then the arrays, then the id,
// padded to a multiple of 4 bytes.
//   0 u8 live (first, so that Remove() flips it in place), 1 u8 has date,
//   2 u16 zero, 4 u32 source number, 8 i64 date, 16 u64 SimHash,
//   24 u64 set size, 32 u64 text hash, 40 u32 id bytes, 44 u32 signature
//   values, 48 u32 set hashes, 52 u32 fingerprints, 56 the signature
//   (u32 each), the set (u64 each), the fingerprints (u64 hash, u32
//   position each), the id.
// LMDB places a record of 4-byte multiple size, under a 4-byte key, at a
// 4-byte multiple in its page (every node of the page is a multiple of 4,
// packed from the page's end), or at the start of an overflow page: the
// signature at offset 56 is then aligned for reading in place.
constexpr size_t kRecordHeader = 56;

struct RecordHeader {
  bool live = false;
  bool has_date = false;
  uint32_t source = 0;
  int64_t date = 0;
  uint64_t simhash = 0;
  uint64_t set_size = 0;
  uint64_t text_hash = 0;
  uint32_t id_bytes = 0;
  uint32_t signature = 0;  // values
  uint32_t set = 0;        // hashes
  uint32_t fps = 0;        // fingerprints
  // Offsets in the record.
  size_t set_at() const { return kRecordHeader + size_t{signature} * 4; }
  size_t fps_at() const { return set_at() + size_t{set} * 8; }
  size_t id_at() const { return fps_at() + size_t{fps} * 12; }
  size_t end() const { return id_at() + id_bytes; }
};

template <typename T>
T Load(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

// Reads a record's header, checking that the lengths fit the record.
bool ParseHeader(const MDB_val& v, RecordHeader& h) {
  if (v.mv_size < kRecordHeader) return false;
  const char* p = static_cast<const char*>(v.mv_data);
  const uint8_t live = Load<uint8_t>(p), has_date = Load<uint8_t>(p + 1);
  if (live > 1 || has_date > 1 || Load<uint16_t>(p + 2) != 0) return false;
  h.live = live != 0;
  h.has_date = has_date != 0;
  h.source = Load<uint32_t>(p + 4);
  h.date = Load<int64_t>(p + 8);
  h.simhash = Load<uint64_t>(p + 16);
  h.set_size = Load<uint64_t>(p + 24);
  h.text_hash = Load<uint64_t>(p + 32);
  h.id_bytes = Load<uint32_t>(p + 40);
  h.signature = Load<uint32_t>(p + 44);
  h.set = Load<uint32_t>(p + 48);
  h.fps = Load<uint32_t>(p + 52);
  // 64-bit sums of 32-bit lengths cannot overflow.
  const size_t end = h.end();
  return end <= v.mv_size && v.mv_size - end < 4 && v.mv_size % 4 == 0;
}

std::string EncodeDoc(const StoredDocument& d, uint32_t source) {
  Encoder e;
  e.Put(static_cast<uint8_t>(d.live));
  e.Put(static_cast<uint8_t>(d.date.has_value()));
  e.Put(uint16_t{0});
  e.Put(source);
  e.Put(d.date.value_or(0));
  e.Put(d.simhash);
  e.Put(d.set_size);
  e.Put(d.text_hash);
  e.Put(static_cast<uint32_t>(d.id.size()));
  e.Put(static_cast<uint32_t>(d.signature.size()));
  e.Put(static_cast<uint32_t>(d.set.size()));
  e.Put(static_cast<uint32_t>(d.fingerprints.size()));
  e.PutBytes(d.signature.data(), d.signature.size() * sizeof(uint32_t));
  e.PutBytes(d.set.data(), d.set.size() * sizeof(uint64_t));
  for (const Fingerprint& f : d.fingerprints) {
    e.Put(f.hash());
    e.Put(f.position);
  }
  e.PutBytes(d.id.data(), d.id.size());
  while (e.str().size() % 4 != 0) e.Put(uint8_t{0});
  return e.str();
}

// A decoded record: the id points into the LMDB page (valid while its
// transaction is), the arrays are copies.
struct DecodedDoc {
  RecordHeader header;
  StoredDocument doc;
  std::vector<uint32_t> signature;
  std::vector<uint64_t> set;
  std::vector<Fingerprint> fps;
};

bool DecodeDoc(const MDB_val& v, DecodedDoc& out) {
  RecordHeader& h = out.header;
  if (!ParseHeader(v, h)) return false;
  const char* p = static_cast<const char*>(v.mv_data);
  out.signature.resize(h.signature);
  out.set.resize(h.set);
  out.fps.resize(h.fps);
  // An empty vector's data() may be null, which memcpy must not get.
  if (h.signature != 0) {
    std::memcpy(out.signature.data(), p + kRecordHeader, h.signature * 4);
  }
  if (h.set != 0) std::memcpy(out.set.data(), p + h.set_at(), h.set * 8);
  for (uint32_t i = 0; i < h.fps; ++i) {
    out.fps[i].set_hash(Load<uint64_t>(p + h.fps_at() + 12 * size_t{i}));
    out.fps[i].position = Load<uint32_t>(p + h.fps_at() + 12 * size_t{i} + 8);
  }
  StoredDocument& doc = out.doc;
  doc = StoredDocument{};
  doc.id = std::string_view(p + h.id_at(), h.id_bytes);
  doc.live = h.live;
  doc.date = h.has_date ? std::optional<int64_t>(h.date) : std::nullopt;
  doc.simhash = h.simhash;
  doc.set_size = h.set_size;
  doc.text_hash = h.text_hash;
  doc.signature = out.signature;
  doc.set = out.set;
  doc.fingerprints = out.fps;
  return true;
}

void AddDate(StoreDates& d, int64_t date) {
  d.earliest = d.any ? std::min(d.earliest, date) : date;
  d.latest = d.any ? std::max(d.latest, date) : date;
  d.any = true;
}

// The dates of the live records in `docs` (all of them, read in `txn`).
int ScanDates(MDB_txn* txn, MDB_dbi docs, StoreDates& d) {
  d = StoreDates();
  MDB_cursor* cursor = nullptr;
  int rc = mdb_cursor_open(txn, docs, &cursor);
  if (rc != 0) return rc;
  MDB_val k, v;
  for (rc = mdb_cursor_get(cursor, &k, &v, MDB_FIRST); rc == 0;
       rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)) {
    RecordHeader h;
    if (ParseHeader(v, h) && h.live && h.has_date) AddDate(d, h.date);
  }
  mdb_cursor_close(cursor);
  return rc == MDB_NOTFOUND ? 0 : rc;
}

// The key of a band array: level id (u32) and band (u16), big-endian, so
// that a level's arrays are adjacent and a new level's keys come after
// every older one's (MDB_APPEND).
constexpr size_t kArrayKey = 6;
using ArrayKey = std::array<unsigned char, kArrayKey>;

ArrayKey MakeArrayKey(uint32_t level, uint32_t band) {
  return ArrayKey{static_cast<unsigned char>(level >> 24),
                  static_cast<unsigned char>(level >> 16),
                  static_cast<unsigned char>(level >> 8),
                  static_cast<unsigned char>(level),
                  static_cast<unsigned char>(band >> 8),
                  static_cast<unsigned char>(band)};
}

uint32_t ArrayKeyLevel(const MDB_val& k) {
  const auto* p = static_cast<const unsigned char*>(k.mv_data);
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) |
         (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

// Parses a stored array of a level: a band array, or a fingerprint shard
// with its filter when `filtered` (format 6); `filter` is left without
// words otherwise.
bool ParseLevelArray(const MDB_val& v, bool filtered, BandArray& array,
                     FingerprintFilter& filter) {
  filter = FingerprintFilter();
  return filtered ? ParseFilteredShard(v.mv_data, v.mv_size, array, filter)
                  : array.Parse(v.mv_data, v.mv_size);
}

// Writes the entries of one array of a level, with its filter when it is a
// fingerprint shard of format 6.
class LevelArrayWriter {
 public:
  static size_t Bytes(uint64_t n, bool filtered) {
    return filtered ? FilteredShardBytes(n) : BandArrayBytes(n);
  }
  LevelArrayWriter(char* out, uint64_t n, bool filtered) {
    if (filtered) {
      filtered_.emplace(out, n);
    } else {
      plain_.emplace(out, n);
    }
  }
  void Add(const BandEntry& e) {
    if (filtered_) {
      filtered_->Add(e);
    } else {
      plain_->Add(e);
    }
  }
  bool Finish() { return filtered_ ? filtered_->Finish() : plain_->Finish(); }

 private:
  std::optional<BandArrayWriter> plain_;
  std::optional<FilteredShardWriter> filtered_;
};

// Merges the arrays `in` of levels in DocId order (inputs of one array
// number) into `out` (LevelArrayWriter::Bytes(n, filtered) bytes), with a
// filter made anew when `filtered`, leaving out the entries of the DocIds
// in `dead` (sorted). False when they do not make exactly n entries.
bool MergeArrays(absl::Span<const BandArray> in, absl::Span<const DocId> dead,
                 uint64_t n, bool filtered, char* out) {
  LevelArrayWriter w(out, n, filtered);
  // Among equal keys the first input's entry has the smallest DocId. Each
  // input's next entry is kept at hand, so that picking the smallest reads
  // no array.
  std::vector<BandEntry> head(in.size());
  std::vector<uint64_t> at(in.size(), 0);
  std::vector<char> more(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    more[i] = in[i].size() != 0;
    if (more[i]) head[i] = in[i].entry(0);
  }
  for (;;) {
    size_t best = in.size();
    for (size_t i = 0; i < in.size(); ++i) {
      if (more[i] && (best == in.size() || head[i].key < head[best].key)) {
        best = i;
      }
    }
    if (best == in.size()) break;
    const BandEntry e = head[best];
    if (++at[best] < in[best].size()) {
      head[best] = in[best].entry(at[best]);
    } else {
      more[best] = 0;
    }
    if (dead.empty() || !std::binary_search(dead.begin(), dead.end(), e.doc)) {
      w.Add(e);
    }
  }
  return w.Finish();
}

// The postings of one document, one a band: out[band] gets its entry.
void PostingsOf(absl::Span<const uint32_t> signature, uint32_t bands,
                uint32_t rows, DocId doc,
                std::vector<std::vector<BandEntry>>& out) {
  for (uint32_t band = 0; band < bands; ++band) {
    out[band].push_back(BandEntry{LshBandKey(signature, band, rows), doc});
  }
}

// Every hashing parameter by name (HashingParams::Fields()), then the
// storage settings. The token hash only when it is not XXH3, which a
// config without it means (the indexes of versions 3 to 5).
std::string EncodeConfig(const IndexConfig& c) {
  Encoder e;
  auto fields = c.hashing.Fields();
  if (c.hashing.token_hash == TokenHash::kXxh3) {
    std::erase_if(fields, [](const auto& f) {
      return f.first == std::string_view("shingle.token_hash");
    });
  }
  e.Put(static_cast<uint32_t>(fields.size()));
  for (const auto& [name, value] : fields) {
    e.PutString(name);
    e.Put(value);
  }
  e.Put(static_cast<uint64_t>(c.keep_sets));
  e.Put(static_cast<uint64_t>(c.texts));
  e.Put(static_cast<uint64_t>(c.window));
  e.Put(static_cast<uint64_t>(c.lsh_bands));
  e.Put(static_cast<uint64_t>(c.lsh_rows));
  return e.str();
}

bool DecodeConfig(const MDB_val& v, IndexConfig& c) {
  Decoder d(v);
  uint32_t n;
  if (!d.Get(n) || n > 64) return false;
  std::vector<std::pair<std::string, uint64_t>> fields(n);
  for (auto& [name, value] : fields) {
    std::string_view s;
    if (!d.GetString(s) || !d.Get(value)) return false;
    name = std::string(s);
  }
  uint64_t keep_sets, texts, window, bands, rows;
  if (!d.Get(keep_sets) || !d.Get(texts) || !d.Get(window) || !d.Get(bands) ||
      !d.Get(rows) || !d.AtEnd() || keep_sets > 1 || texts > 1 ||
      window > UINT32_MAX || bands > 65535 || (bands == 0) != (rows == 0)) {
    return false;
  }
  const std::optional<HashingParams> p = HashingParams::FromFields(fields);
  if (!p.has_value()) return false;
  c.hashing = *p;
  c.keep_sets = keep_sets != 0;
  c.texts = texts != 0;
  c.window = static_cast<uint32_t>(window);
  c.lsh_bands = static_cast<uint32_t>(bands);
  c.lsh_rows = static_cast<uint32_t>(rows);
  return bands * rows <= static_cast<uint64_t>(p->num_perm);
}

// The environment's files, for "is this a directory mimeo may use".
bool IsEmptyDir(const std::string& dir) {
  std::error_code ec;
  return std::filesystem::is_directory(dir, ec) &&
         std::filesystem::is_empty(dir, ec);
}

struct EnvCloser {
  void operator()(MDB_env* env) const {
    std::free(mdb_env_get_userctx(env));  // the directory, for OnLmdbAssert
    mdb_env_close(env);
  }
};

// LMDB trusts its file: a page damaged in a way its checks do not catch
// (or a misuse of LMDB) stops the process on one of its assertions. Say
// which index, and what to do, before it does.
void OnLmdbAssert(MDB_env* env, const char* what) {
  const void* dir = mdb_env_get_userctx(env);
  std::fprintf(stderr,
               "mimeo: LMDB stopped on an internal check in index '%s' (%s); "
               "the index may be damaged: run `mimeo index check` on it\n",
               dir != nullptr ? static_cast<const char*>(dir) : "?", what);
  std::fflush(stderr);
}

// Names `env` after its directory for OnLmdbAssert.
void NameEnv(MDB_env* env, const std::string& dir) {
  char* name = static_cast<char*>(std::malloc(dir.size() + 1));
  if (name == nullptr) return;
  std::memcpy(name, dir.c_str(), dir.size() + 1);
  mdb_env_set_userctx(env, name);
  mdb_env_set_assert(env, &OnLmdbAssert);
}
using EnvPtr = std::unique_ptr<MDB_env, EnvCloser>;

struct TxnAborter {
  void operator()(MDB_txn* txn) const { mdb_txn_abort(txn); }
};
using TxnPtr = std::unique_ptr<MDB_txn, TxnAborter>;

std::string LmdbMessage(int rc) {
  if (rc == MDB_MAP_FULL) return "the map is full";
  return mdb_strerror(rc);
}

// Opens the environment of an existing index or a new one, read-write
// unless the directory is read-only. Sets *read_only.
absl::StatusOr<EnvPtr> OpenEnv(const std::string& dir, uint64_t map_bytes,
                               bool* read_only) {
  MDB_env* raw = nullptr;
  int rc = mdb_env_create(&raw);
  if (rc != 0) {
    return absl::InternalError(
        absl::StrFormat("cannot open index '%s': %s", dir, LmdbMessage(rc)));
  }
  EnvPtr env(raw);
  NameEnv(raw, dir);
  mdb_env_set_maxdbs(raw, 16);
  mdb_env_set_mapsize(raw, map_bytes);
  *read_only = access(dir.c_str(), W_OK) != 0;
  unsigned flags = MDB_NOTLS;
  if (*read_only) flags |= MDB_RDONLY;
  rc = mdb_env_open(raw, dir.c_str(), flags, 0664);
  if (rc == EACCES && !*read_only) {
    // The data file is read-only though the directory is not.
    *read_only = true;
    flags |= MDB_RDONLY;
    rc = mdb_env_open(raw, dir.c_str(), flags, 0664);
  }
  if ((rc == EACCES || rc == EROFS) && *read_only) {
    // No lock file we may write: a read-only medium or directory; read
    // without the lock (nobody can be writing where we may not).
    MDB_env* again = nullptr;
    mdb_env_create(&again);
    env.reset(again);
    NameEnv(again, dir);
    mdb_env_set_maxdbs(again, 16);
    mdb_env_set_mapsize(again, map_bytes);
    rc = mdb_env_open(again, dir.c_str(), flags | MDB_NOLOCK, 0664);
  }
  if (rc != 0) {
    return absl::FailedPreconditionError(
        absl::StrFormat("cannot open index '%s': %s", dir, LmdbMessage(rc)));
  }
  if (!*read_only) {
    // Reader slots of processes that died holding them.
    int dead = 0;
    mdb_reader_check(env.get(), &dead);
  }
  return env;
}

// Begins a transaction, taking in a map another process has grown.
int BeginTxn(MDB_env* env, unsigned flags, MDB_txn** txn) {
  int rc = mdb_txn_begin(env, nullptr, flags, txn);
  if (rc == MDB_MAP_RESIZED) {
    mdb_env_set_mapsize(env, 0);
    rc = mdb_txn_begin(env, nullptr, flags, txn);
  }
  return rc;
}

template <typename T>
bool GetMeta(MDB_txn* txn, MDB_dbi meta, const char* key, T& out) {
  MDB_val k = Val(std::string_view(key)), v;
  if (mdb_get(txn, meta, &k, &v) != 0 || v.mv_size != sizeof(T)) return false;
  std::memcpy(&out, v.mv_data, sizeof(T));
  return true;
}

bool GetCounters(MDB_txn* txn, MDB_dbi meta, StoreCounters& c) {
  MDB_val k = Val(std::string_view(kMetaCounters)), v;
  if (mdb_get(txn, meta, &k, &v) != 0 || v.mv_size != 3 * sizeof(uint64_t)) {
    return false;
  }
  const char* p = static_cast<const char*>(v.mv_data);
  std::memcpy(&c.bytes, p, 8);
  std::memcpy(&c.invalid_utf8, p + 8, 8);
  std::memcpy(&c.nul_bytes, p + 16, 8);
  return true;
}

int PutCounters(MDB_txn* txn, MDB_dbi meta, const StoreCounters& c) {
  const uint64_t v[3] = {c.bytes, c.invalid_utf8, c.nul_bytes};
  MDB_val k = Val(std::string_view(kMetaCounters)), val = Val(v, sizeof(v));
  return mdb_put(txn, meta, &k, &val, 0);
}

bool GetTally(MDB_txn* txn, MDB_dbi meta, StoreTally& t) {
  MDB_val k = Val(std::string_view(kMetaTally)), v;
  if (mdb_get(txn, meta, &k, &v) != 0 || v.mv_size != 4 * sizeof(uint64_t)) {
    return false;
  }
  const char* p = static_cast<const char*>(v.mv_data);
  t.live = Load<uint64_t>(p);
  t.empty = Load<uint64_t>(p + 8);
  t.shingles = Load<uint64_t>(p + 16);
  t.fingerprints = Load<uint64_t>(p + 24);
  return true;
}

int PutTally(MDB_txn* txn, MDB_dbi meta, const StoreTally& t) {
  const uint64_t v[4] = {t.live, t.empty, t.shingles, t.fingerprints};
  MDB_val k = Val(std::string_view(kMetaTally)), val = Val(v, sizeof(v));
  return mdb_put(txn, meta, &k, &val, 0);
}

// The dates kept in meta, when counted at `docs` records and `live` live
// documents (the index as it is); false when missing, stale or damaged.
bool GetDates(MDB_txn* txn, MDB_dbi meta, uint64_t docs, uint64_t live,
              StoreDates& d) {
  MDB_val k = Val(std::string_view(kMetaDates)), v;
  if (mdb_get(txn, meta, &k, &v) != 0 || v.mv_size != 5 * sizeof(uint64_t)) {
    return false;
  }
  const char* p = static_cast<const char*>(v.mv_data);
  const uint64_t any = Load<uint64_t>(p + 16);
  if (Load<uint64_t>(p) != docs || Load<uint64_t>(p + 8) != live || any > 1) {
    return false;
  }
  d.any = any != 0;
  d.earliest = Load<int64_t>(p + 24);
  d.latest = Load<int64_t>(p + 32);
  return !d.any || d.earliest <= d.latest;
}

int PutDates(MDB_txn* txn, MDB_dbi meta, uint64_t docs, uint64_t live,
             const StoreDates& d) {
  uint64_t v[5] = {docs, live, d.any ? uint64_t{1} : 0, 0, 0};
  std::memcpy(&v[3], &d.earliest, 8);
  std::memcpy(&v[4], &d.latest, 8);
  MDB_val k = Val(std::string_view(kMetaDates)), val = Val(v, sizeof(v));
  return mdb_put(txn, meta, &k, &val, 0);
}

// What a live document adds to the tally (`sign` +1) or a removal takes
// from it (-1).
void Count(StoreTally& t, uint64_t set_size, uint64_t fps, int sign) {
  const uint64_t s = static_cast<uint64_t>(sign);
  t.live += s;
  t.empty += set_size == 0 ? s : 0;
  t.shingles += s * set_size;
  t.fingerprints += s * fps;
}

template <typename T>
int PutMeta(MDB_txn* txn, MDB_dbi meta, const char* key, const T& value) {
  MDB_val k = Val(std::string_view(key)), v = Val(&value, sizeof(T));
  return mdb_put(txn, meta, &k, &v, 0);
}

absl::StatusOr<std::string> Decompress(const MDB_val& v) {
  const unsigned long long size =
      ZSTD_getFrameContentSize(v.mv_data, v.mv_size);
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN ||
      size > (uint64_t{1} << 32)) {
    return absl::DataLossError("a stored text is not a zstd frame");
  }
  std::string out(size, '\0');
  const size_t n =
      ZSTD_decompress(out.data(), out.size(), v.mv_data, v.mv_size);
  if (ZSTD_isError(n) || n != size) {
    return absl::DataLossError(absl::StrFormat(
        "a stored text does not decompress: %s", ZSTD_getErrorName(n)));
  }
  return out;
}

// A text record holding a reference (StoredDocument::text_at): the tag,
// the offset and length (u64, native order), then the path.
std::string EncodeReference(const TextReference& ref) {
  std::string out(1 + 2 * sizeof(uint64_t), kReferenceTag);
  std::memcpy(out.data() + 1, &ref.offset, sizeof(uint64_t));
  std::memcpy(out.data() + 1 + sizeof(uint64_t), &ref.length,
              sizeof(uint64_t));
  out += ref.path;
  return out;
}

bool IsReference(const MDB_val& v) {
  return v.mv_size > 0 && static_cast<const char*>(v.mv_data)[0] == kReferenceTag;
}

std::optional<TextReference> DecodeReference(const MDB_val& v) {
  if (!IsReference(v) || v.mv_size <= 1 + 2 * sizeof(uint64_t)) {
    return std::nullopt;
  }
  const char* p = static_cast<const char*>(v.mv_data);
  TextReference ref;
  std::memcpy(&ref.offset, p + 1, sizeof(uint64_t));
  std::memcpy(&ref.length, p + 1 + sizeof(uint64_t), sizeof(uint64_t));
  ref.path.assign(p + 1 + 2 * sizeof(uint64_t),
                  v.mv_size - 1 - 2 * sizeof(uint64_t));
  if (ref.length > (uint64_t{1} << 32)) return std::nullopt;
  return ref;
}

// Reads the text a reference record names and checks it against `hash`,
// the hash of the text document `id` was added with. Errors name the file
// and the document.
absl::StatusOr<std::string> ReadReferenced(const MDB_val& v, uint64_t hash,
                                           std::string_view id) {
  std::optional<TextReference> ref = DecodeReference(v);
  if (!ref) {
    return absl::DataLossError(absl::StrFormat(
        "the text of '%s' is a reference that does not parse", id));
  }
  const int fd = open(ref->path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return absl::DataLossError(absl::StrFormat(
        "the text of '%s' is kept by reference to '%s', which cannot be "
        "opened: %s (the originals of a --texts-by-reference index must stay "
        "as they were added)",
        id, ref->path, std::strerror(errno)));
  }
  std::string out(ref->length, '\0');
  uint64_t done = 0;
  int error = 0;
  while (done < ref->length) {
    const ssize_t n = pread(fd, out.data() + done, ref->length - done,
                            static_cast<off_t>(ref->offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) error = errno;
    if (n <= 0) break;
    done += static_cast<uint64_t>(n);
  }
  close(fd);
  if (error != 0) {
    return absl::DataLossError(absl::StrFormat(
        "the text of '%s' is kept by reference to '%s', which cannot be "
        "read: %s",
        id, ref->path, std::strerror(error)));
  }
  if (done < ref->length ||
      XXH3_64bits(out.data(), out.size()) != hash) {
    return absl::DataLossError(absl::StrFormat(
        "the text of '%s' is kept by reference to bytes %d to %d of '%s', "
        "which changed since the document was added (%s); remove the "
        "document and add it again",
        id, ref->offset, ref->offset + ref->length, ref->path,
        done < ref->length ? "the file is shorter" : "its hash differs"));
  }
  return out;
}

// The named databases, opened (and created, in a write transaction).
using DbHandles = LmdbDbs;

int OpenDbs(MDB_txn* txn, unsigned flags, DbHandles& h) {
  const struct {
    const char* name;
    unsigned flags;
    MDB_dbi* dbi;
  } dbs[] = {{"meta", 0, &h.meta},
             {"docs", MDB_INTEGERKEY, &h.docs},
             {"ids", 0, &h.ids},
             {"texts", MDB_INTEGERKEY, &h.texts},
             {"log", MDB_INTEGERKEY, &h.log},
             {"levels", 0, &h.levels},
             {"dead", MDB_INTEGERKEY, &h.dead},
             {"sources", 0, &h.sources},
             {"source_names", MDB_INTEGERKEY, &h.source_names}};
  for (const auto& db : dbs) {
    if (int rc = mdb_dbi_open(txn, db.name, flags | db.flags, db.dbi);
        rc != 0) {
      return rc;
    }
  }
  return 0;
}

// Refuses an index of another format version, naming it.
absl::Status CheckVersion(const std::string& dir, uint32_t version) {
  if (version > LmdbDocumentStore::kFormatVersion) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "index '%s' has format version %d; this mimeo reads version %d "
        "(made by a newer mimeo)",
        dir, version, LmdbDocumentStore::kFormatVersion));
  }
  if (version < LmdbDocumentStore::kOldestFormatVersion) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "index '%s' has format version %d; this mimeo reads versions %d to "
        "%d (made by an older mimeo: export it to a snapshot with that "
        "mimeo, then import the snapshot with this one)",
        dir, version, LmdbDocumentStore::kOldestFormatVersion,
        LmdbDocumentStore::kFormatVersion));
  }
  return absl::OkStatus();
}

}  // namespace

std::string IndexConfig::Difference(const IndexConfig& theirs) const {
  std::string d =
      hashing.Difference(theirs.hashing, "the index", "the options");
  if (!d.empty()) return d;
  const auto differ = [](const char* name, uint64_t a, uint64_t b) {
    return absl::StrFormat("%s is %d in the index but %d in the options", name,
                           a, b);
  };
  if (keep_sets != theirs.keep_sets) {
    return differ("keep_shingle_sets", keep_sets, theirs.keep_sets);
  }
  if (texts != theirs.texts) {
    return differ("copy.enabled (texts kept)", texts, theirs.texts);
  }
  if (window != theirs.window) {
    return differ("copy.winnow.window", window, theirs.window);
  }
  return "";
}

LmdbDocumentStore::LmdbDocumentStore(std::string dir, MDB_env* env, Dbs dbs,
                                     const IndexConfig& config, bool read_only,
                                     bool fp_levels, bool fp_filters)
    : dir_(std::move(dir)),
      env_(env),
      dbs_(dbs),
      config_(config),
      read_only_(read_only),
      fp_levels_(fp_levels),
      fp_filters_(fp_levels && fp_filters),
      per_level_(config.lsh_bands + (fp_levels ? kFingerprintShards : 0)),
      cached_((config.texts || config.keep_sets) && !fp_levels),
      cache_(static_cast<uint32_t>(config.hashing.num_perm), config.keep_sets,
             /*keep_texts=*/false, /*keep_text_hashes=*/true) {}

LmdbDocumentStore::~LmdbDocumentStore() {
  if (snapshot_ != nullptr) mdb_txn_abort(snapshot_);
  EnvCloser()(env_);  // with the name NameEnv() gave it
}

absl::Status LmdbDocumentStore::Error(const char* what, int rc) const {
  const std::string message =
      absl::StrFormat("index '%s': %s: %s", dir_, what, LmdbMessage(rc));
  if (rc == ENOSPC || rc == EFBIG || rc == EDQUOT || rc == MDB_MAP_FULL) {
    return absl::ResourceExhaustedError(message);
  }
  if (rc == MDB_TXN_FULL) {
    return absl::ResourceExhaustedError(
        message +
        " (add the documents in smaller batches: one batch is "
        "one transaction)");
  }
  if (rc == EACCES || rc == EROFS || rc == EPERM) {
    return absl::PermissionDeniedError(message);
  }
  if (rc == MDB_CORRUPTED || rc == MDB_PAGE_NOTFOUND || rc == MDB_INVALID) {
    return absl::DataLossError(message);
  }
  return absl::InternalError(message);
}

absl::Status LmdbDocumentStore::WriteError(const char* what, int rc) const {
  const absl::Status s = Error(what, rc);
  // LMDB reports a write cut short (a full disk, a file size limit) as EIO.
  const char* hint =
      rc == EIO ? " (a write was cut short: is the disk full?)" : "";
  return absl::Status(
      rc == EIO ? absl::StatusCode::kResourceExhausted : s.code(),
      absl::StrCat(s.message(), hint,
                   "; nothing was written, the index is as it was"));
}

absl::StatusOr<std::unique_ptr<LmdbDocumentStore>> LmdbDocumentStore::Open(
    const std::string& dir, const IndexConfig& config, bool create,
    uint64_t map_bytes, size_t merge_txn_bytes) {
  std::error_code ec;
  const bool exists = std::filesystem::exists(dir, ec);
  if (exists && !std::filesystem::is_directory(dir, ec)) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "'%s' is not an index directory: it is a file (a snapshot file, if "
        "anything, which Engine::Load and `mimeo index` given its path read)",
        dir));
  }
  bool fresh = !exists || IsEmptyDir(dir);
  if (fresh && !create) {
    return absl::NotFoundError(
        absl::StrFormat("there is no index in '%s'", dir));
  }
  if (!exists) {
    std::filesystem::create_directories(dir, ec);
    if (ec) {
      return absl::PermissionDeniedError(absl::StrFormat(
          "cannot create index directory '%s': %s", dir, ec.message()));
    }
  }
  if (!fresh &&
      !std::filesystem::exists(std::filesystem::path(dir) / "data.mdb", ec)) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "'%s' is not a mimeo index: it holds other files and no data.mdb",
        dir));
  }
  bool read_only = false;
  ASSIGN_OR_RETURN(EnvPtr env, OpenEnv(dir, map_bytes, &read_only));
  if (fresh && read_only) {
    return absl::PermissionDeniedError(absl::StrFormat(
        "cannot create an index in '%s': the directory is read-only", dir));
  }
  Dbs dbs{};
  MDB_txn* raw = nullptr;
  int rc = BeginTxn(env.get(), read_only ? MDB_RDONLY : 0, &raw);
  if (rc != 0) {
    return absl::FailedPreconditionError(
        absl::StrFormat("cannot read index '%s': %s", dir, LmdbMessage(rc)));
  }
  TxnPtr txn(raw);
  // The meta database first: an environment without it is not an index.
  rc = mdb_dbi_open(raw, "meta", 0, &dbs.meta);
  if (rc == MDB_NOTFOUND && !fresh && !read_only) {
    // An empty environment: a creation cut short (the process was killed
    // between creating the files and committing the meta record).
    MDB_dbi main_db;
    MDB_stat st;
    if (mdb_dbi_open(raw, nullptr, 0, &main_db) == 0 &&
        mdb_stat(raw, main_db, &st) == 0 && st.ms_entries == 0) {
      fresh = true;
    }
  }
  if (rc == MDB_NOTFOUND && fresh) {
    rc = OpenDbs(raw, MDB_CREATE, dbs);
    // A near-duplicate index at version 3, and 4 only once a text is kept
    // by reference (Append()), so that an index without references stays
    // readable by the mimeos before; a copy-mode index at 6, for its
    // fingerprint postings and their filters; a near-duplicate index at 6
    // too when its tokens are hashed by kShortMix, which the mimeos before
    // do not know.
    uint32_t version = kOldestFormatVersion;
    if (config.texts || config.hashing.token_hash != TokenHash::kXxh3) {
      version = kFormatVersion;
    }
    const uint64_t generation = 0;
    const std::string encoded = EncodeConfig(config);
    MDB_val k = Val(std::string_view(kMetaConfig)), v = Val(encoded);
    if (rc == 0) rc = PutMeta(raw, dbs.meta, kMetaVersion, version);
    if (rc == 0) rc = mdb_put(raw, dbs.meta, &k, &v, 0);
    if (rc == 0) rc = PutMeta(raw, dbs.meta, kMetaGeneration, generation);
    if (rc == 0) rc = PutCounters(raw, dbs.meta, StoreCounters{});
    if (rc == 0) rc = PutTally(raw, dbs.meta, StoreTally{});
    const std::string no_levels = EncodeLevels({});
    MDB_val lk = Val(std::string_view(kMetaLevels)), lv = Val(no_levels);
    if (rc == 0) rc = mdb_put(raw, dbs.meta, &lk, &lv, 0);
    if (rc == 0) rc = PutMeta(raw, dbs.meta, kMetaNextLevel, uint32_t{1});
    if (rc == 0) rc = PutMeta(raw, dbs.meta, kMetaPending, uint32_t{0});
    if (rc == 0) rc = mdb_txn_commit(txn.release());
    if (rc != 0) {
      return absl::InternalError(absl::StrFormat("cannot create index '%s': %s",
                                                 dir, LmdbMessage(rc)));
    }
    rc = BeginTxn(env.get(), 0, &raw);
    if (rc != 0) {
      return absl::InternalError(
          absl::StrFormat("cannot read index '%s': %s", dir, LmdbMessage(rc)));
    }
    txn.reset(raw);
  } else if (rc == MDB_NOTFOUND) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "'%s' is not a mimeo index: an LMDB environment without mimeo's "
        "meta record",
        dir));
  } else if (rc != 0) {
    return absl::DataLossError(
        absl::StrFormat("cannot read index '%s': %s", dir, LmdbMessage(rc)));
  }
  uint32_t version = 0;
  if (!GetMeta(raw, dbs.meta, kMetaVersion, version)) {
    return absl::DataLossError(absl::StrFormat(
        "index '%s' is corrupt: no format version in its meta record", dir));
  }
  RETURN_IF_ERROR(CheckVersion(dir, version));
  MDB_val k = Val(std::string_view(kMetaConfig)), v;
  IndexConfig stored;
  if (mdb_get(raw, dbs.meta, &k, &v) != 0 || !DecodeConfig(v, stored)) {
    return absl::DataLossError(absl::StrFormat(
        "index '%s' is corrupt: its config record does not parse", dir));
  }
  if (const std::string d = stored.Difference(config); !d.empty()) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "index '%s' was made with other parameters: %s", dir, d));
  }
  rc = OpenDbs(raw, 0, dbs);
  if (rc != 0) {
    return absl::DataLossError(
        absl::StrFormat("index '%s' is corrupt: %s", dir, LmdbMessage(rc)));
  }
  // Committed, read-only or not: the handles the transaction opened stay
  // valid only if it commits (an abort closes them).
  if ((rc = mdb_txn_commit(txn.release())) != 0) {
    return absl::InternalError(
        absl::StrFormat("cannot read index '%s': %s", dir, LmdbMessage(rc)));
  }
  const bool fp_levels =
      version >= kFingerprintLevelsVersion && stored.texts;
  const bool fp_filters = fp_levels && version >= kFingerprintFiltersVersion;
  std::unique_ptr<LmdbDocumentStore> store(new LmdbDocumentStore(
      dir, env.release(), dbs, stored, read_only, fp_levels, fp_filters));
  store->merge_txn_bytes_ = merge_txn_bytes;
  Snapshot snap;
  RETURN_IF_ERROR(store->Renew(&snap));
  if (store->cached_) {
    RETURN_IF_ERROR(store->LoadFrom(store->snapshot_, 0));
    store->num_ids_ = store->cache_.num_ids();
  } else {
    store->num_ids_ = snap.docs;
  }
  {
    // The removed documents whose postings are still in a level.
    MDB_cursor* cursor = nullptr;
    if ((rc = mdb_cursor_open(store->snapshot_, dbs.dead, &cursor)) != 0) {
      return store->Error("reading", rc);
    }
    MDB_val dk, dv;
    for (rc = mdb_cursor_get(cursor, &dk, &dv, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cursor, &dk, &dv, MDB_NEXT)) {
      if (dk.mv_size == sizeof(DocId)) {
        store->MarkDead(Load<DocId>(static_cast<const char*>(dk.mv_data)));
      }
    }
    mdb_cursor_close(cursor);
    if (rc != MDB_NOTFOUND) return store->Error("reading", rc);
  }
  store->generation_ = snap.generation;
  store->counters_ = snap.counters;
  store->tally_ = snap.tally;
  store->dates_ = snap.dates;
  return store;
}

absl::Status LmdbDocumentStore::Renew(Snapshot* snap) {
  // The arrays point into the snapshot's pages: none is read again until
  // a Renew() that succeeds has set them anew.
  arrays_ok_ = false;
  levels_.clear();
  arrays_.clear();
  if (snapshot_ != nullptr) {
    mdb_txn_abort(snapshot_);
    snapshot_ = nullptr;
  }
  copies_.Clear();
  // No transaction of this process is open now, so that BeginTxn() may
  // take in a map another process grew.
  MDB_txn* txn = nullptr;
  int rc = BeginTxn(env_, MDB_RDONLY, &txn);
  if (rc != 0) return Error("reading", rc);
  snapshot_ = txn;
  // Reading each database once in the transaction loads its root, the
  // only state LMDB writes in a read transaction: the const calls that
  // then read through it from several threads at once only read.
  MDB_stat st;
  const MDB_dbi all[] = {dbs_.meta,  dbs_.docs,    dbs_.ids,
                         dbs_.texts, dbs_.log,     dbs_.levels,
                         dbs_.dead,  dbs_.sources, dbs_.source_names};
  for (MDB_dbi dbi : all) {
    if ((rc = mdb_stat(txn, dbi, &st)) != 0) return Error("reading", rc);
    if (dbi == dbs_.docs) snap->docs = st.ms_entries;
    if (dbi == dbs_.source_names) num_sources_ = st.ms_entries + 1;
  }
  if (!GetMeta(txn, dbs_.meta, kMetaGeneration, snap->generation) ||
      !GetCounters(txn, dbs_.meta, snap->counters) ||
      !GetTally(txn, dbs_.meta, snap->tally)) {
    return absl::DataLossError(absl::StrFormat(
        "index '%s' is corrupt: no generation, counters or tally", dir_));
  }
  StoreDates dates;
  snap->dates.reset();
  if (GetDates(txn, dbs_.meta, snap->docs, snap->tally.live, dates)) {
    snap->dates = dates;
  }
  if (snap->docs > size_t{0xFFFFFFFEu}) {
    return absl::DataLossError(absl::StrFormat(
        "index '%s' is corrupt: %d documents", dir_, snap->docs));
  }
  // The band arrays of every level, read in place for the snapshot's life.
  MDB_val lk = Val(std::string_view(kMetaLevels)), lv;
  std::vector<BandLevel> levels;
  if (mdb_get(txn, dbs_.meta, &lk, &lv) != 0 ||
      !DecodeLevels(
          std::string_view(static_cast<const char*>(lv.mv_data), lv.mv_size),
          levels)) {
    return absl::DataLossError(absl::StrFormat(
        "index '%s' is corrupt: its list of band posting levels", dir_));
  }
  levels_ = std::move(levels);
  arrays_.assign(levels_.size() * per_level_, BandArray());
  filters_.assign(fp_filters_ ? levels_.size() * kFingerprintShards : 0,
                  FingerprintFilter());
  arrays_ok_ = true;
  FingerprintFilter unused;
  for (size_t l = 0; l < levels_.size(); ++l) {
    for (uint32_t band = 0; band < per_level_; ++band) {
      const ArrayKey key = MakeArrayKey(levels_[l].id, band);
      MDB_val k = Val(key.data(), kArrayKey), v;
      BandArray& a = arrays_[l * per_level_ + band];
      const bool filtered = fp_filters_ && band >= config_.lsh_bands;
      FingerprintFilter& f =
          filtered ? filters_[l * kFingerprintShards + band - config_.lsh_bands]
                   : unused;
      if (mdb_get(txn, dbs_.levels, &k, &v) != 0 ||
          !ParseLevelArray(v, filtered, a, f) ||
          (band < config_.lsh_bands && a.size() != levels_[l].docs)) {
        arrays_ok_ = false;
      }
    }
  }
  return absl::OkStatus();
}

absl::Status LmdbDocumentStore::LoadFrom(MDB_txn* txn, DocId first) {
  MDB_cursor* cursor = nullptr;
  int rc = mdb_cursor_open(txn, dbs_.docs, &cursor);
  if (rc != 0) return Error("reading documents", rc);
  std::unique_ptr<MDB_cursor, void (*)(MDB_cursor*)> closer(cursor,
                                                            mdb_cursor_close);
  uint32_t key = first;
  MDB_val k = Val(&key, sizeof(key)), v;
  DecodedDoc decoded;
  DocId expect = first;
  std::vector<std::string> names{std::string()};
  for (rc = mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE); rc == 0;
       rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)) {
    uint32_t d;
    if (k.mv_size != sizeof(d)) {
      return absl::DataLossError(
          absl::StrFormat("index '%s' is corrupt: a document key of %d bytes",
                          dir_, k.mv_size));
    }
    std::memcpy(&d, k.mv_data, sizeof(d));
    if (d != expect) {
      return absl::DataLossError(absl::StrFormat(
          "index '%s' is corrupt: document %d is missing", dir_, expect));
    }
    if (!DecodeDoc(v, decoded) ||
        decoded.signature.size() !=
            static_cast<size_t>(config_.hashing.num_perm) ||
        (config_.keep_sets && decoded.set.size() != decoded.doc.set_size)) {
      return absl::DataLossError(absl::StrFormat(
          "index '%s' is corrupt: the record of document %d does not parse",
          dir_, d));
    }
    const uint32_t source = decoded.header.source;
    if (source != 0) {
      MDB_val sk = Val(&source, sizeof(source)), sv;
      if (mdb_get(txn, dbs_.source_names, &sk, &sv) != 0) {
        return absl::DataLossError(absl::StrFormat(
            "index '%s' is corrupt: document %d names source %d, which the "
            "source table lacks",
            dir_, d, source));
      }
      decoded.doc.source =
          std::string_view(static_cast<const char*>(sv.mv_data), sv.mv_size);
    }
    RETURN_IF_ERROR(cache_.Append(absl::MakeConstSpan(&decoded.doc, 1)));
    ++expect;
  }
  if (rc != MDB_NOTFOUND) return Error("reading documents", rc);
  return absl::OkStatus();
}

absl::Status LmdbDocumentStore::Write(
    const char* what, const std::function<int(MDB_txn*, absl::Status*)>& body) {
  if (read_only_) {
    return absl::PermissionDeniedError(absl::StrFormat(
        "index '%s' is read-only here (the directory or its files may not "
        "be written): cannot %s",
        dir_, what));
  }
  // The snapshot ends first (the caller renews it): no other transaction
  // of this process may be open when the map is resized, by another
  // process (BeginTxn() takes that in) or below. The caller holds the
  // engine's writer lock, so no reader holds a view into the map.
  if (snapshot_ != nullptr) {
    mdb_txn_abort(snapshot_);
    snapshot_ = nullptr;
  }
  for (;;) {
    MDB_txn* txn = nullptr;
    int rc = BeginTxn(env_, 0, &txn);
    if (rc != 0) return Error(what, rc);
    absl::Status refused;
    rc = body(txn, &refused);
    if (!refused.ok()) {
      mdb_txn_abort(txn);
      return refused;
    }
    if (rc == 0) {
      rc = mdb_txn_commit(txn);
      if (rc == 0) return absl::OkStatus();
    } else {
      mdb_txn_abort(txn);
    }
    if (rc != MDB_MAP_FULL) return WriteError(what, rc);
    MDB_envinfo info;
    mdb_env_info(env_, &info);
    const uint64_t grown = std::max<uint64_t>(2 * info.me_mapsize, 1 << 20);
    if (grown > kMaxMapBytes) return WriteError(what, MDB_MAP_FULL);
    rc = mdb_env_set_mapsize(env_, grown);
    if (rc != 0) return Error("growing the map", rc);
  }
}

namespace {

// Compresses `text` into `out` as one zstd frame; returns zstd's result
// (the size, or an error code). A compression context per thread: making
// one per call (ZSTD_compress()) costs about as much as compressing a
// short article. The frame is the same either way.
size_t Compress(std::string_view text, std::string& out) {
  thread_local std::unique_ptr<ZSTD_CCtx, size_t (*)(ZSTD_CCtx*)> cctx(
      ZSTD_createCCtx(), &ZSTD_freeCCtx);
  out.resize(ZSTD_compressBound(text.size()));
  const size_t n =
      cctx == nullptr ? ZSTD_compress(out.data(), out.size(), text.data(),
                                      text.size(), kZstdLevel)
                      : ZSTD_compressCCtx(cctx.get(), out.data(), out.size(),
                                          text.data(), text.size(), kZstdLevel);
  out.resize(ZSTD_isError(n) ? 0 : n);
  return n;
}

}  // namespace

bool LmdbDocumentStore::PackText(std::string_view text,
                                 std::string& packed) const {
  if (!config_.texts) return false;
  std::string out;
  if (ZSTD_isError(Compress(text, out))) return false;
  packed = std::move(out);
  return true;
}

absl::Status LmdbDocumentStore::Append(absl::Span<const StoredDocument> docs) {
  const DocId first = static_cast<DocId>(num_ids_);
  const uint64_t mine = generation_.load();
  StoreCounters added;
  StoreTally tally_added;
  for (const StoredDocument& d : docs) {
    added.bytes += d.bytes;
    added.invalid_utf8 += d.invalid_utf8;
    added.nul_bytes += d.nul_bytes;
    if (d.live) Count(tally_added, d.set_size, d.fingerprints.size(), +1);
  }
  // The texts the caller did not pack beforehand, and the references
  // (their record in `texts`, referenced[i] set).
  std::vector<std::string> texts(docs.size());
  std::vector<char> referenced(docs.size(), 0);
  bool any_reference = false;
  if (config_.texts) {
    for (size_t i = 0; i < docs.size(); ++i) {
      if (!docs[i].live) continue;
      const TextReference* ref = docs[i].text_at;
      if (ref != nullptr && !ref->path.empty() &&
          ref->length == docs[i].text.size()) {
        texts[i] = EncodeReference(*ref);
        referenced[i] = 1;
        any_reference = true;
        continue;
      }
      if (!docs[i].packed_text.empty()) continue;
      const size_t n = Compress(docs[i].text, texts[i]);
      if (ZSTD_isError(n)) {
        return absl::InternalError(
            absl::StrFormat("index '%s': cannot compress the text of '%s': %s",
                            dir_, docs[i].id, ZSTD_getErrorName(n)));
      }
    }
  }
  // The postings, a sorted array a band and a fingerprint shard: the
  // batch's level.
  std::vector<std::vector<BandEntry>> postings(per_level_);
  uint64_t level_docs = 0;
  if (per_level_ != 0) {
    for (size_t i = 0; i < docs.size(); ++i) {
      if (!docs[i].live || docs[i].set_size == 0) continue;
      ++level_docs;
      const DocId d = first + static_cast<DocId>(i);
      PostingsOf(docs[i].signature, config_.lsh_bands, config_.lsh_rows, d,
                 postings);
      if (!fp_levels_) continue;
      for (const Fingerprint& f : docs[i].fingerprints) {
        postings[config_.lsh_bands + FingerprintShard(f.hash())].push_back(
            BandEntry{f.hash(), d});
      }
    }
    for (std::vector<BandEntry>& band : postings) SortBandEntries(band);
    // Each distinct hash of a document once, as FingerprintIndex::Add()
    // files it: repeats are next to each other once sorted.
    for (uint32_t s = config_.lsh_bands; s < per_level_; ++s) {
      postings[s].erase(std::unique(postings[s].begin(), postings[s].end()),
                        postings[s].end());
    }
  }
  StoreCounters counters;
  StoreTally tally;
  StoreDates dates;
  const absl::Status written =
      Write("add documents", [&](MDB_txn* txn, absl::Status* refused) {
        uint64_t generation = 0;
        if (!AtGeneration(txn, mine, generation, refused)) return 0;
        if (!GetCounters(txn, dbs_.meta, counters) ||
            !GetTally(txn, dbs_.meta, tally)) {
          *refused = absl::DataLossError(absl::StrFormat(
              "index '%s' is corrupt: no counters or tally", dir_));
          return 0;
        }
        MDB_stat st;
        int rc = mdb_stat(txn, dbs_.source_names, &st);
        uint32_t next_source = static_cast<uint32_t>(st.ms_entries) + 1;
        uint32_t version = 0;
        if (rc == 0 && any_reference &&
            GetMeta(txn, dbs_.meta, kMetaVersion, version) &&
            version < kReferenceFormatVersion) {
          // The first reference makes the index one the mimeo before
          // refuses, naming the version, rather than misreads.
          rc = PutMeta(txn, dbs_.meta, kMetaVersion, kReferenceFormatVersion);
        }
        std::string record;
        for (size_t i = 0; i < docs.size() && rc == 0; ++i) {
          const StoredDocument& doc = docs[i];
          uint32_t source = 0;
          if (!doc.source.empty()) {
            MDB_val sk = Val(doc.source), sv;
            rc = mdb_get(txn, dbs_.sources, &sk, &sv);
            if (rc == 0 && sv.mv_size == sizeof(source)) {
              std::memcpy(&source, sv.mv_data, sizeof(source));
            } else if (rc == MDB_NOTFOUND) {
              source = next_source++;
              MDB_val nv = Val(&source, sizeof(source));
              rc = mdb_put(txn, dbs_.sources, &sk, &nv, 0);
              if (rc == 0) rc = mdb_put(txn, dbs_.source_names, &nv, &sk, 0);
            } else if (rc == 0) {
              rc = MDB_CORRUPTED;
            }
            if (rc != 0) break;
          }
          const uint32_t d = first + static_cast<uint32_t>(i);
          record = EncodeDoc(doc, source);
          MDB_val k = Val(&d, sizeof(d)), v = Val(record);
          rc = mdb_put(txn, dbs_.docs, &k, &v, MDB_NOOVERWRITE | MDB_APPEND);
          if (rc == 0 && doc.live) {
            MDB_val id = Val(doc.id), dv = Val(&d, sizeof(d));
            rc = mdb_put(txn, dbs_.ids, &id, &dv, MDB_NOOVERWRITE);
            if (rc == MDB_KEYEXIST) {
              *refused = absl::AlreadyExistsError(
                  absl::StrFormat("document '%s' was already added", doc.id));
              return 0;
            }
          }
          if (rc == 0 && config_.texts && doc.live) {
            MDB_val t = Val(doc.packed_text.empty() || referenced[i]
                                ? std::string_view(texts[i])
                                : doc.packed_text);
            rc = mdb_put(txn, dbs_.texts, &k, &t, MDB_APPEND);
          }
        }
        if (rc == 0 && level_docs != 0) {
          uint32_t id = 0;
          MDB_val lk = Val(std::string_view(kMetaLevels)), lv;
          std::vector<BandLevel> levels;
          if (!GetMeta(txn, dbs_.meta, kMetaNextLevel, id) ||
              mdb_get(txn, dbs_.meta, &lk, &lv) != 0 ||
              !DecodeLevels(
                  std::string_view(static_cast<const char*>(lv.mv_data),
                                   lv.mv_size),
                  levels)) {
            *refused = absl::DataLossError(absl::StrFormat(
                "index '%s' is corrupt: its list of band posting levels",
                dir_));
            return 0;
          }
          for (uint32_t band = 0; band < per_level_ && rc == 0; ++band) {
            const ArrayKey key = MakeArrayKey(id, band);
            const uint64_t n = postings[band].size();
            const bool filtered = fp_filters_ && band >= config_.lsh_bands;
            MDB_val k = Val(key.data(), kArrayKey),
                    v = Val(nullptr, LevelArrayWriter::Bytes(n, filtered));
            rc = mdb_put(txn, dbs_.levels, &k, &v, MDB_RESERVE | MDB_APPEND);
            if (rc != 0) break;
            LevelArrayWriter w(static_cast<char*>(v.mv_data), n, filtered);
            for (const BandEntry& e : postings[band]) w.Add(e);
            w.Finish();
          }
          levels.push_back(BandLevel{
              id, first, first + static_cast<DocId>(docs.size()), level_docs});
          const std::string encoded = EncodeLevels(levels);
          MDB_val ev = Val(encoded);
          if (rc == 0) rc = mdb_put(txn, dbs_.meta, &lk, &ev, 0);
          if (rc == 0) rc = PutMeta(txn, dbs_.meta, kMetaNextLevel, id + 1);
        }
        if (rc != 0) return rc;
        counters.bytes += added.bytes;
        counters.invalid_utf8 += added.invalid_utf8;
        counters.nul_bytes += added.nul_bytes;
        // The dates: extended by the new documents, or counted afresh
        // where the last writer kept none for the index as it was.
        if (!GetDates(txn, dbs_.meta, first, tally.live, dates) &&
            (rc = ScanDates(txn, dbs_.docs, dates)) != 0) {
          return rc;
        }
        for (const StoredDocument& doc : docs) {
          if (doc.live && doc.date.has_value()) AddDate(dates, *doc.date);
        }
        tally.live += tally_added.live;
        tally.empty += tally_added.empty;
        tally.shingles += tally_added.shingles;
        tally.fingerprints += tally_added.fingerprints;
        rc = PutDates(txn, dbs_.meta, first + docs.size(), tally.live, dates);
        if (rc != 0) return rc;
        Encoder log;
        log.Put('A');
        log.Put(first);
        log.Put(static_cast<uint32_t>(docs.size()));
        const uint64_t next = generation + 1;
        MDB_val lk = Val(&next, sizeof(next)), lv = Val(log.str());
        rc = mdb_put(txn, dbs_.log, &lk, &lv, MDB_APPEND);
        if (rc == 0) rc = PutMeta(txn, dbs_.meta, kMetaGeneration, next);
        if (rc == 0) rc = PutCounters(txn, dbs_.meta, counters);
        if (rc == 0) rc = PutTally(txn, dbs_.meta, tally);
        return rc;
      });
  // The snapshot, renewed whatever happened: it may have ended for the
  // map to grow. It may see beyond this write (another writer's, just
  // after): reads stop at num_ids_, and Refresh() takes in the rest.
  Snapshot snap;
  const absl::Status renewed = Renew(&snap);
  RETURN_IF_ERROR(written);
  if (cached_) RETURN_IF_ERROR(cache_.Append(docs));
  num_ids_ = first + docs.size();
  counters_ = counters;
  tally_ = tally;
  dates_ = dates;
  generation_ = mine + 1;
  RETURN_IF_ERROR(renewed);
  // The documents are added and durable whatever the merge does: a merge
  // cut short (another writer came first, a full disk) leaves the levels
  // as they were, and the next add merges them.
  MergeLevels().IgnoreError();
  return absl::OkStatus();
}

namespace {

// Deletes the arrays of level `id` (a merge's output left pending).
int DropLevel(MDB_txn* txn, MDB_dbi levels, uint32_t id) {
  MDB_cursor* cursor = nullptr;
  int rc = mdb_cursor_open(txn, levels, &cursor);
  if (rc != 0) return rc;
  const ArrayKey from = MakeArrayKey(id, 0);
  for (;;) {
    MDB_val k = Val(from.data(), kArrayKey), v;
    rc = mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE);
    if (rc != 0 || k.mv_size != kArrayKey || ArrayKeyLevel(k) != id) break;
    if ((rc = mdb_cursor_del(cursor, 0)) != 0) break;
  }
  mdb_cursor_close(cursor);
  return rc == MDB_NOTFOUND || rc == 0 ? 0 : rc;
}

}  // namespace

absl::Status LmdbDocumentStore::MergeLevels() {
  const uint32_t bands = per_level_;
  if (bands == 0 || read_only_) return absl::OkStatus();
  for (size_t k; (k = LevelsToMerge(levels_)) != 0;) {
    const std::vector<BandLevel> inputs(levels_.end() - k, levels_.end());
    const uint64_t mine = generation_.load();
    uint32_t id = 0;
    uint32_t start = 0;
    BandLevel merged{0, inputs.front().first, inputs.back().end, 0};
    // The removed documents of the range: their postings are dropped.
    std::vector<DocId> dead;
    while (start < bands) {
      uint32_t end = start;
      const absl::Status written = Write(
          "merge band postings", [&](MDB_txn* txn, absl::Status* refused) {
            const auto corrupt = [&](const std::string& what) {
              *refused = absl::DataLossError(
                  absl::StrFormat("index '%s' is corrupt: %s", dir_, what));
              return 0;
            };
            uint64_t generation = 0;
            if (!AtGeneration(txn, mine, generation, refused)) return 0;
            uint32_t pending = 0;
            if (!GetMeta(txn, dbs_.meta, kMetaPending, pending)) {
              return corrupt("no pending level");
            }
            int rc = 0;
            if (start == 0) {
              // A merge cut short leaves its output pending: dropped here.
              if (pending != 0 &&
                  (rc = DropLevel(txn, dbs_.levels, pending)) != 0) {
                return rc;
              }
              if (!GetMeta(txn, dbs_.meta, kMetaNextLevel, id)) {
                return corrupt("no next level id");
              }
              if ((rc = PutMeta(txn, dbs_.meta, kMetaNextLevel, id + 1)) ||
                  (rc = PutMeta(txn, dbs_.meta, kMetaPending, id))) {
                return rc;
              }
              dead.clear();
              MDB_cursor* cursor = nullptr;
              if ((rc = mdb_cursor_open(txn, dbs_.dead, &cursor)) != 0) {
                return rc;
              }
              uint32_t from = merged.first;
              MDB_val dk = Val(&from, sizeof(from)), dv;
              for (rc = mdb_cursor_get(cursor, &dk, &dv, MDB_SET_RANGE);
                   rc == 0 && dk.mv_size == sizeof(DocId);
                   rc = mdb_cursor_get(cursor, &dk, &dv, MDB_NEXT)) {
                const DocId d =
                    Load<DocId>(static_cast<const char*>(dk.mv_data));
                if (d >= merged.end) break;
                dead.push_back(d);
              }
              mdb_cursor_close(cursor);
              if (rc != 0 && rc != MDB_NOTFOUND) return rc;
              uint64_t docs = 0;
              for (const BandLevel& l : inputs) docs += l.docs;
              if (docs < dead.size()) {
                return corrupt("more dead documents than a level holds");
              }
              merged.docs = docs - dead.size();
            } else if (pending != id) {
              *refused =
                  absl::AbortedError("another writer took the merge over");
              return 0;
            }
            merged.id = id;
            size_t bytes = 0;
            // The arrays of a transaction are merged a few at a time, on
            // every thread, each into a buffer of its own, then copied
            // into the space LMDB reserves for it (which must be filled
            // before the transaction's next write): in a copy-mode ingest
            // the merges took half of the committing thread's time while
            // the sketching threads waited (bench/README.md).
            struct Job {
              uint32_t array = 0;
              bool filtered = false;
              uint64_t n = 0;
              size_t size = 0;  // LevelArrayWriter::Bytes(n, filtered)
              std::vector<BandArray> in;
              std::unique_ptr<char[]> out;
              bool ok = false;
            };
            tbb::task_arena arena = Arena(threads_);
            // Jobs to a parallel_for: enough that the other threads join
            // before the calling thread has done them all (with two, it
            // mostly had: the merges of small levels' arrays take about
            // as long as a thread takes to wake), holding at most
            // kMergeBufferBytes of buffers and the array that passes it.
            constexpr size_t kMergeBufferBytes = size_t{64} << 20;
            const size_t batch = 8 * static_cast<size_t>(
                                         std::max(1, arena.max_concurrency()));
            std::vector<Job> jobs;
            FingerprintFilter in_filter;
            for (end = start; end < bands && bytes < merge_txn_bytes_;) {
              jobs.clear();
              size_t buffered = 0;
              for (; end < bands && bytes < merge_txn_bytes_ &&
                     jobs.size() < batch && buffered < kMergeBufferBytes;
                   ++end) {
                Job& job = jobs.emplace_back();
                job.array = end;
                // A band array holds one entry a document; a fingerprint
                // shard its documents' distinct hashes in it.
                const bool band_array = end < config_.lsh_bands;
                // A merged shard's filter is made anew from its entries.
                job.filtered = fp_filters_ && !band_array;
                job.n = band_array ? merged.docs : 0;
                job.in.resize(inputs.size());
                for (size_t i = 0; i < inputs.size(); ++i) {
                  const ArrayKey ik = MakeArrayKey(inputs[i].id, end);
                  MDB_val k = Val(ik.data(), kArrayKey), v;
                  BandArray& in = job.in[i];
                  if (mdb_get(txn, dbs_.levels, &k, &v) != 0 ||
                      !ParseLevelArray(v, job.filtered, in, in_filter) ||
                      (band_array && in.size() != inputs[i].docs)) {
                    return corrupt(absl::StrFormat(
                        "band %d of posting level %d", end, inputs[i].id));
                  }
                  if (band_array) continue;
                  job.n += in.size();
                  if (dead.empty()) continue;
                  for (uint64_t e = 0; e < in.size(); ++e) {
                    job.n -= std::binary_search(dead.begin(), dead.end(),
                                                in.entry(e).doc);
                  }
                }
                job.size = LevelArrayWriter::Bytes(job.n, job.filtered);
                bytes += job.size;
                buffered += job.size;
              }
              if (merged.docs == 0) continue;
              arena.execute([&] {
                tbb::parallel_for(size_t{0}, jobs.size(), [&](size_t j) {
                  Job& job = jobs[j];
                  job.out.reset(new char[job.size]);
                  job.ok = MergeArrays(job.in, dead, job.n, job.filtered,
                                       job.out.get());
                });
              });
              for (Job& job : jobs) {
                if (!job.ok) {
                  return corrupt(absl::StrFormat(
                      "band %d of the levels merged into level %d does not "
                      "hold its documents",
                      job.array, id));
                }
                const ArrayKey key = MakeArrayKey(id, job.array);
                MDB_val ok = Val(key.data(), kArrayKey),
                        ov = Val(nullptr, job.size);
                if ((rc = mdb_put(txn, dbs_.levels, &ok, &ov,
                                  MDB_RESERVE | MDB_APPEND)) != 0) {
                  return rc;
                }
                std::memcpy(ov.mv_data, job.out.get(), job.size);
                job.out.reset();
              }
            }
            if (end < bands) return PutMeta(txn, dbs_.meta, kMetaPending, id);
            // The last transaction: the merged level replaces its inputs.
            MDB_val lk = Val(std::string_view(kMetaLevels)), lv;
            std::vector<BandLevel> levels;
            if (mdb_get(txn, dbs_.meta, &lk, &lv) != 0 ||
                !DecodeLevels(
                    std::string_view(static_cast<const char*>(lv.mv_data),
                                     lv.mv_size),
                    levels) ||
                levels.size() < inputs.size()) {
              return corrupt("its list of band posting levels");
            }
            for (size_t i = 0; i < inputs.size(); ++i) {
              if (levels[levels.size() - inputs.size() + i].id !=
                  inputs[i].id) {
                *refused = absl::AbortedError("the levels changed");
                return 0;
              }
            }
            levels.resize(levels.size() - inputs.size());
            if (merged.docs != 0) levels.push_back(merged);
            for (const BandLevel& l : inputs) {
              if ((rc = DropLevel(txn, dbs_.levels, l.id)) != 0) return rc;
            }
            for (DocId d : dead) {
              MDB_val dk = Val(&d, sizeof(d));
              if ((rc = mdb_del(txn, dbs_.dead, &dk, nullptr)) != 0) return rc;
            }
            const std::string encoded = EncodeLevels(levels);
            MDB_val ev = Val(encoded);
            const char log = 'M';
            const uint64_t next = generation + 1;
            MDB_val gk = Val(&next, sizeof(next)), gv = Val(&log, 1);
            if ((rc = mdb_put(txn, dbs_.meta, &lk, &ev, 0)) ||
                (rc = PutMeta(txn, dbs_.meta, kMetaPending, uint32_t{0})) ||
                (rc = mdb_put(txn, dbs_.log, &gk, &gv, MDB_APPEND)) ||
                (rc = PutMeta(txn, dbs_.meta, kMetaGeneration, next))) {
              return rc;
            }
            return 0;
          });
      Snapshot snap;
      const absl::Status renewed = Renew(&snap);
      RETURN_IF_ERROR(written);
      RETURN_IF_ERROR(renewed);
      start = end;
    }
    generation_ = mine + 1;
  }
  return absl::OkStatus();
}

bool LmdbDocumentStore::AtGeneration(MDB_txn* txn, uint64_t mine,
                                     uint64_t& generation,
                                     absl::Status* refused) const {
  if (!GetMeta(txn, dbs_.meta, kMetaGeneration, generation)) {
    *refused = absl::DataLossError(
        absl::StrFormat("index '%s' is corrupt: no generation", dir_));
    return false;
  }
  if (generation != mine) {
    *refused = absl::AbortedError("another writer changed the index");
    return false;
  }
  return true;
}

absl::Status LmdbDocumentStore::Remove(absl::Span<const DocId> docs) {
  const uint64_t mine = generation_.load();
  for (DocId d : docs) {
    if (d >= num_ids_ || !live(d)) {
      return absl::InternalError(
          absl::StrFormat("mimeo internal error: DocId %d is not live", d));
    }
  }
  StoreTally tally;
  StoreDates dates;
  const absl::Status written =
      Write("remove documents", [&](MDB_txn* txn, absl::Status* refused) {
        uint64_t generation = 0;
        if (!AtGeneration(txn, mine, generation, refused)) return 0;
        if (!GetTally(txn, dbs_.meta, tally)) {
          *refused = absl::DataLossError(
              absl::StrFormat("index '%s' is corrupt: no tally", dir_));
          return 0;
        }
        // Counted again below when a removed document held the earliest or
        // latest date, or the last writer kept none.
        bool recount = !GetDates(txn, dbs_.meta, num_ids_, tally.live, dates);
        int rc = 0;
        std::string record;
        for (DocId d : docs) {
          const uint32_t key = d;
          MDB_val k = Val(&key, sizeof(key)), v;
          if ((rc = mdb_get(txn, dbs_.docs, &k, &v)) != 0) return rc;
          record.assign(static_cast<const char*>(v.mv_data), v.mv_size);
          RecordHeader h;
          if (!ParseHeader(v, h) || !h.live) {
            *refused = absl::DataLossError(absl::StrFormat(
                "index '%s' is corrupt: the record of document %d", dir_, d));
            return 0;
          }
          record[0] = 0;
          MDB_val nv = Val(record);
          if ((rc = mdb_put(txn, dbs_.docs, &k, &nv, 0)) != 0) return rc;
          MDB_val id = Val(record.data() + h.id_at(), h.id_bytes);
          if ((rc = mdb_del(txn, dbs_.ids, &id, nullptr)) != 0) return rc;
          if (config_.texts) {
            rc = mdb_del(txn, dbs_.texts, &k, nullptr);
            if (rc != 0 && rc != MDB_NOTFOUND) return rc;
          }
          if (per_level_ != 0 && h.set_size != 0) {
            // Its postings stay in their level until a merge rewrites it.
            MDB_val dv = Val("", 0);
            if ((rc = mdb_put(txn, dbs_.dead, &k, &dv, 0)) != 0) return rc;
          }
          Count(tally, h.set_size, h.fps, -1);
          recount = recount || (h.has_date && (h.date <= dates.earliest ||
                                               h.date >= dates.latest));
        }
        if (recount && (rc = ScanDates(txn, dbs_.docs, dates)) != 0) {
          return rc;
        }
        rc = PutDates(txn, dbs_.meta, num_ids_, tally.live, dates);
        if (rc != 0) return rc;
        Encoder log;
        log.Put('R');
        log.PutArray(docs);
        const uint64_t next = generation + 1;
        MDB_val lk = Val(&next, sizeof(next)), lv = Val(log.str());
        rc = mdb_put(txn, dbs_.log, &lk, &lv, MDB_APPEND);
        if (rc == 0) rc = PutMeta(txn, dbs_.meta, kMetaGeneration, next);
        if (rc == 0) rc = PutTally(txn, dbs_.meta, tally);
        return rc;
      });
  Snapshot snap;
  const absl::Status renewed = Renew(&snap);
  RETURN_IF_ERROR(written);
  if (cached_) RETURN_IF_ERROR(cache_.Remove(docs));
  for (DocId d : docs) MarkDead(d);
  tally_ = tally;
  dates_ = dates;
  generation_ = mine + 1;
  return renewed;
}

bool LmdbDocumentStore::Stale() const {
  MDB_txn* txn = nullptr;
  if (mdb_txn_begin(env_, nullptr, MDB_RDONLY, &txn) != 0) {
    // A map another process grew (MDB_MAP_RESIZED): Refresh() takes it in.
    return true;
  }
  uint64_t generation = 0;
  const bool ok = GetMeta(txn, dbs_.meta, kMetaGeneration, generation);
  mdb_txn_abort(txn);
  return !ok || generation != generation_.load() || snapshot_ == nullptr;
}

absl::StatusOr<StoreChanges> LmdbDocumentStore::Refresh() {
  StoreChanges changes;
  changes.first_added = static_cast<DocId>(num_ids_);
  Snapshot snap;
  RETURN_IF_ERROR(Renew(&snap));
  MDB_txn* const txn = snapshot_;
  const uint64_t mine = generation_.load();
  if (snap.generation == mine) return changes;
  // Removals of documents this store already holds; those added since are
  // read with their present live flag.
  std::vector<DocId> removed;
  for (uint64_t g = mine + 1; g <= snap.generation; ++g) {
    MDB_val k = Val(&g, sizeof(g)), v;
    if (int rc = mdb_get(txn, dbs_.log, &k, &v); rc != 0) {
      return absl::DataLossError(absl::StrFormat(
          "index '%s' is corrupt: log entry %d: %s", dir_, g, LmdbMessage(rc)));
    }
    Decoder d(v);
    char kind = 0;
    if (!d.Get(kind)) kind = 0;
    if (kind == 'R') {
      std::vector<uint32_t> ids;
      if (!d.GetArray(ids)) kind = 0;
      for (uint32_t id : ids) {
        if (id < changes.first_added) removed.push_back(id);
        MarkDead(id);
      }
    }
    if (kind != 'A' && kind != 'R' && kind != 'M') {
      return absl::DataLossError(absl::StrFormat(
          "index '%s' is corrupt: log entry %d does not parse", dir_, g));
    }
  }
  if (cached_) {
    RETURN_IF_ERROR(LoadFrom(txn, changes.first_added));
    RETURN_IF_ERROR(cache_.Remove(removed));
    num_ids_ = cache_.num_ids();
  } else {
    num_ids_ = snap.docs;
  }
  changes.removed = std::move(removed);
  counters_ = snap.counters;
  tally_ = snap.tally;
  dates_ = snap.dates;
  generation_ = snap.generation;
  return changes;
}

MDB_val LmdbDocumentStore::Record(DocId doc) const {
  const uint32_t key = doc;
  MDB_val k = Val(&key, sizeof(key)), v{0, nullptr};
  if (snapshot_ == nullptr || mdb_get(snapshot_, dbs_.docs, &k, &v) != 0) {
    return MDB_val{0, nullptr};
  }
  return v;
}

namespace {

// The header of a record, or a zero one (a removed document without an
// id) when it cannot be read: Check() names the damage.
RecordHeader HeaderOf(const MDB_val& v) {
  RecordHeader h;
  if (!ParseHeader(v, h)) return RecordHeader();
  return h;
}

}  // namespace

std::optional<DocId> LmdbDocumentStore::Find(std::string_view id) const {
  if (cached_) return cache_.Find(id);
  MDB_val k = Val(id), v;
  if (snapshot_ == nullptr || mdb_get(snapshot_, dbs_.ids, &k, &v) != 0 ||
      v.mv_size != sizeof(DocId)) {
    return std::nullopt;
  }
  const DocId d = Load<DocId>(static_cast<const char*>(v.mv_data));
  if (d >= num_ids_) return std::nullopt;
  return d;
}

std::string_view LmdbDocumentStore::id(DocId doc) const {
  if (cached_) return cache_.id(doc);
  const MDB_val v = Record(doc);
  const RecordHeader h = HeaderOf(v);
  if (h.id_bytes == 0) return {};
  return std::string_view(static_cast<const char*>(v.mv_data) + h.id_at(),
                          h.id_bytes);
}

bool LmdbDocumentStore::live(DocId doc) const {
  if (cached_) return cache_.live(doc);
  return HeaderOf(Record(doc)).live;
}

std::optional<int64_t> LmdbDocumentStore::date(DocId doc) const {
  if (cached_) return cache_.date(doc);
  const RecordHeader h = HeaderOf(Record(doc));
  return h.has_date ? std::optional<int64_t>(h.date) : std::nullopt;
}

uint32_t LmdbDocumentStore::source(DocId doc) const {
  if (cached_) return cache_.source(doc);
  const uint32_t s = HeaderOf(Record(doc)).source;
  return s < num_sources_ ? s : 0;
}

std::string_view LmdbDocumentStore::source_name(uint32_t source) const {
  if (cached_) return cache_.source_name(source);
  MDB_val k = Val(&source, sizeof(source)), v;
  if (source == 0 || snapshot_ == nullptr ||
      mdb_get(snapshot_, dbs_.source_names, &k, &v) != 0) {
    return {};
  }
  return std::string_view(static_cast<const char*>(v.mv_data), v.mv_size);
}

// A record's fingerprint is its hash (u64) and position (u32), which is
// Fingerprint's layout in native order: fingerprints() views them in place.
static_assert(sizeof(Fingerprint) == 12 && alignof(Fingerprint) == 4);

absl::Span<const uint32_t> LmdbDocumentStore::signature(DocId doc) const {
  if (cached_) return cache_.signature(doc);
  const MDB_val v = Record(doc);
  const RecordHeader h = HeaderOf(v);
  return copies_.View<uint32_t>(
      static_cast<const char*>(v.mv_data) + kRecordHeader, h.signature);
}

absl::Span<const uint64_t> LmdbDocumentStore::set(DocId doc) const {
  if (cached_) return cache_.set(doc);
  const MDB_val v = Record(doc);
  const RecordHeader h = HeaderOf(v);
  return copies_.View<uint64_t>(
      static_cast<const char*>(v.mv_data) + h.set_at(), h.set);
}

absl::Span<const Fingerprint> LmdbDocumentStore::fingerprints(
    DocId doc) const {
  if (cached_) return cache_.fingerprints(doc);
  const MDB_val v = Record(doc);
  const RecordHeader h = HeaderOf(v);
  return copies_.View<Fingerprint>(
      static_cast<const char*>(v.mv_data) + h.fps_at(), h.fps);
}

uint64_t LmdbDocumentStore::simhash(DocId doc) const {
  if (cached_) return cache_.simhash(doc);
  return HeaderOf(Record(doc)).simhash;
}

uint64_t LmdbDocumentStore::set_size(DocId doc) const {
  if (cached_) return cache_.set_size(doc);
  return HeaderOf(Record(doc)).set_size;
}

uint64_t LmdbDocumentStore::text_hash(DocId doc) const {
  if (cached_) return cache_.text_hash(doc);
  return HeaderOf(Record(doc)).text_hash;
}

std::optional<SavedCommon> LmdbDocumentStore::saved_common() const {
  MDB_val k = Val(std::string_view(kMetaQueryCommon)), v;
  if (snapshot_ == nullptr || mdb_get(snapshot_, dbs_.meta, &k, &v) != 0) {
    return std::nullopt;
  }
  SavedCommon m;
  if (!DecodeCommon(v, m)) return std::nullopt;
  return m;
}

absl::Status LmdbDocumentStore::SaveCommon(const SavedCommon& model) {
  const std::string encoded = EncodeCommon(model);
  const absl::Status written =
      Write("save the model of common shingles", [&](MDB_txn* txn, absl::Status*) {
        MDB_val k = Val(std::string_view(kMetaQueryCommon)), v = Val(encoded);
        return mdb_put(txn, dbs_.meta, &k, &v, 0);
      });
  // Write() ended the snapshot. The generation is not this store's to
  // change: what others wrote meanwhile, Refresh() takes in.
  Snapshot snap;
  const absl::Status renewed = Renew(&snap);
  RETURN_IF_ERROR(written);
  return renewed;
}

absl::StatusOr<LshQueryResult> LmdbDocumentStore::Query(
    absl::Span<const uint32_t> signature) const {
  LshQueryResult result;
  if (snapshot_ == nullptr) return Error("reading band postings", EINVAL);
  if (!arrays_ok_) {
    return absl::DataLossError(absl::StrFormat(
        "index '%s' is corrupt: a band posting level is missing or does not "
        "parse (mimeo index check names it)",
        dir_));
  }
  std::vector<DocId> hits, bucket;
  const uint32_t bands = config_.lsh_bands;
  // Every level is probed in every band: the radix offsets of all the
  // probes are asked for first, then their entries, so that the misses
  // (a page or two an array, anywhere in the map) overlap instead of
  // coming one after the other.
  std::vector<uint64_t> keys(bands);
  for (uint32_t band = 0; band < bands; ++band) {
    keys[band] = LshBandKey(signature, band, config_.lsh_rows);
    for (size_t l = 0; l < levels_.size(); ++l) {
      arrays_[l * per_level_ + band].PrefetchOffsets(keys[band]);
    }
  }
  std::vector<std::pair<uint32_t, uint32_t>> ranges(arrays_.size());
  for (size_t l = 0; l < levels_.size(); ++l) {
    for (uint32_t band = 0; band < bands; ++band) {
      const size_t i = l * per_level_ + band;
      if (!arrays_[i].Bucket(keys[band], ranges[i].first, ranges[i].second)) {
        return absl::DataLossError(absl::StrFormat(
            "index '%s' is corrupt: band %d of posting level %d", dir_, band,
            levels_[l].id));
      }
    }
  }
  for (uint32_t band = 0; band < bands; ++band) {
    ++result.stats.bands_probed;
    const uint64_t key = keys[band];
    bucket.clear();
    for (size_t l = 0; l < levels_.size(); ++l) {
      const size_t i = l * per_level_ + band;
      arrays_[i].Scan(key, ranges[i].first, ranges[i].second, bucket);
    }
    uint32_t live = 0;
    for (DocId d : bucket) {
      // DocIds past the ones taken in (another writer's, seen early), and
      // removed documents, whose postings stay until their level merges.
      if (d >= num_ids_ || Dead(d)) continue;
      hits.push_back(d);
      ++live;
    }
    if (live == 0) continue;
    ++result.stats.buckets_hit;
    result.stats.postings_scanned += live;
    result.stats.largest_bucket = std::max(result.stats.largest_bucket, live);
  }
  LshRankHits(hits, result);
  return result;
}

absl::Status LmdbDocumentStore::Holders(
    absl::Span<const uint64_t> hashes,
    std::vector<std::vector<DocId>>& out) const {
  out.resize(hashes.size());
  for (std::vector<DocId>& o : out) o.clear();
  if (snapshot_ == nullptr) {
    return Error("reading fingerprint postings", EINVAL);
  }
  if (!fp_levels_) {
    return absl::InternalError(absl::StrFormat(
        "mimeo internal error: index '%s' keeps no fingerprint postings",
        dir_));
  }
  if (!arrays_ok_) {
    return absl::DataLossError(absl::StrFormat(
        "index '%s' is corrupt: a posting level is missing or does not "
        "parse (mimeo index check names it)",
        dir_));
  }
  // As Query(), every read of a step asked for before the next step reads
  // any: the filters' words (format 6), then the offsets of the shards
  // whose filter may hold the hash (a level lacks most of a query's
  // hashes: one word read instead of offsets and entries), then their
  // entries.
  const size_t levels = levels_.size();
  const auto shard = [&](size_t l, uint64_t hash) {
    return l * kFingerprintShards + FingerprintShard(hash);
  };
  const auto array = [&](size_t l, uint64_t hash) -> const BandArray& {
    return arrays_[l * per_level_ + config_.lsh_bands + FingerprintShard(hash)];
  };
  std::vector<uint64_t> mixed;
  if (fp_filters_) {
    mixed.resize(hashes.size());
    for (size_t i = 0; i < hashes.size(); ++i) {
      mixed[i] = FingerprintFilter::Mix(hashes[i]);
    }
  }
  // The (hash, level) pairs to read, hash-major, levels in DocId order.
  struct Probe {
    uint32_t hash;
    uint32_t level;
    uint32_t lo = 0, hi = 0;
  };
  std::vector<Probe> probes;
  probes.reserve(fp_filters_ ? hashes.size() * 2 : hashes.size() * levels);
  // Each filter word is asked for kAhead pairs before it is read: asking
  // for all of them first (thousands) overflows the misses a core keeps in
  // flight, and the words asked first are gone by the time they are read
  // (at 127k documents in 15 levels, warm p50 about 225 µs asking all
  // first, 195-200 µs asking 16 to 32 ahead; bench/README.md).
  constexpr size_t kAhead = 16;
  size_t ahead_i = 0, ahead_l = 0;
  const auto ask_next = [&]() {
    if (ahead_i >= hashes.size()) return;
    filters_[shard(ahead_l, hashes[ahead_i])].Prefetch(mixed[ahead_i]);
    if (++ahead_l == levels) {
      ahead_l = 0;
      ++ahead_i;
    }
  };
  if (fp_filters_ && levels != 0) {
    for (size_t j = 0; j < kAhead; ++j) ask_next();
  }
  for (size_t i = 0; i < hashes.size(); ++i) {
    const uint64_t h = hashes[i];
    for (size_t l = 0; l < levels; ++l) {
      if (fp_filters_) {
        ask_next();
        if (!filters_[shard(l, h)].MayHold(mixed[i])) continue;
      }
      probes.push_back(
          Probe{static_cast<uint32_t>(i), static_cast<uint32_t>(l)});
      array(l, h).PrefetchOffsets(h);
    }
  }
  for (Probe& p : probes) {
    const uint64_t h = hashes[p.hash];
    if (!array(p.level, h).Bucket(h, p.lo, p.hi)) {
      return absl::DataLossError(absl::StrFormat(
          "index '%s' is corrupt: fingerprint shard %d of posting level %d",
          dir_, FingerprintShard(h), levels_[p.level].id));
    }
  }
  for (const Probe& p : probes) {
    const uint64_t h = hashes[p.hash];
    array(p.level, h).Scan(h, p.lo, p.hi, out[p.hash]);
  }
  for (std::vector<DocId>& o : out) {
    // DocIds past the ones taken in (another writer's, seen early), and
    // removed documents, whose postings stay until their level merges.
    o.erase(std::remove_if(o.begin(), o.end(),
                           [&](DocId d) { return d >= num_ids_ || Dead(d); }),
            o.end());
  }
  return absl::OkStatus();
}

void LmdbDocumentStore::MarkDead(DocId doc) {
  if (doc / 64 >= dead_.size()) dead_.resize(doc / 64 + 1 + dead_.size() / 2);
  dead_[doc / 64] |= uint64_t{1} << (doc % 64);
}

absl::StatusOr<std::string_view> LmdbDocumentStore::text(
    DocId doc, std::string& buffer) const {
  buffer.clear();
  if (!config_.texts || !live(doc)) return std::string_view(buffer);
  const uint32_t key = doc;
  MDB_val k = Val(&key, sizeof(key)), v;
  const int rc =
      snapshot_ == nullptr ? EINVAL : mdb_get(snapshot_, dbs_.texts, &k, &v);
  if (rc != 0) {
    return absl::DataLossError(
        absl::StrFormat("index '%s' is corrupt: the text of '%s': %s", dir_,
                        id(doc), LmdbMessage(rc)));
  }
  if (IsReference(v)) {
    absl::StatusOr<std::string> read =
        ReadReferenced(v, text_hash(doc), id(doc));
    if (!read.ok()) {
      return absl::DataLossError(absl::StrFormat(
          "index '%s': %s", dir_, read.status().message()));
    }
    buffer = std::move(*read);
    return std::string_view(buffer);
  }
  absl::StatusOr<std::string> text = Decompress(v);
  if (!text.ok()) {
    return absl::DataLossError(
        absl::StrFormat("index '%s' is corrupt: the text of '%s': %s", dir_,
                        id(doc), text.status().message()));
  }
  buffer = std::move(*text);
  return std::string_view(buffer);
}

namespace {

// A read transaction on an existing index and its named databases; the
// transaction ends before the environment closes (member order).
struct ReadView {
  EnvPtr env;
  TxnPtr txn;
  LmdbDbs dbs;
  uint32_t version = 0;
};

// Refuses an index of another format version before looking for the
// databases of this one.
absl::StatusOr<ReadView> OpenReadView(const std::string& dir) {
  ReadView view;
  bool read_only = false;
  ASSIGN_OR_RETURN(view.env, OpenEnv(dir, uint64_t{1} << 20, &read_only));
  MDB_txn* raw = nullptr;
  int rc = BeginTxn(view.env.get(), MDB_RDONLY, &raw);
  if (rc != 0) {
    return absl::FailedPreconditionError(
        absl::StrFormat("cannot read index '%s': %s", dir, LmdbMessage(rc)));
  }
  view.txn.reset(raw);
  rc = mdb_dbi_open(raw, "meta", 0, &view.dbs.meta);
  if (rc != 0) {
    return absl::FailedPreconditionError(
        absl::StrFormat("'%s' is not a mimeo index: %s", dir, LmdbMessage(rc)));
  }
  if (!GetMeta(raw, view.dbs.meta, kMetaVersion, view.version)) {
    return absl::DataLossError(
        absl::StrFormat("index '%s' is corrupt: no format version", dir));
  }
  RETURN_IF_ERROR(CheckVersion(dir, view.version));
  rc = OpenDbs(raw, 0, view.dbs);
  if (rc != 0) {
    return absl::FailedPreconditionError(
        absl::StrFormat("'%s' is not a mimeo index: %s", dir, LmdbMessage(rc)));
  }
  return view;
}

}  // namespace

absl::StatusOr<IndexSummary> LmdbDocumentStore::ReadSummary(
    const std::string& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return absl::NotFoundError(
        absl::StrFormat("there is no index directory '%s'", dir));
  }
  if (!std::filesystem::exists(std::filesystem::path(dir) / "data.mdb", ec)) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "'%s' is not a mimeo index: it holds no data.mdb", dir));
  }
  ASSIGN_OR_RETURN(ReadView view, OpenReadView(dir));
  MDB_txn* const raw = view.txn.get();
  const MDB_dbi meta = view.dbs.meta, docs = view.dbs.docs, ids = view.dbs.ids;
  IndexSummary s;
  MDB_val k = Val(std::string_view(kMetaConfig)), v;
  s.version = view.version;
  if (mdb_get(raw, meta, &k, &v) != 0 || !DecodeConfig(v, s.config) ||
      !GetMeta(raw, meta, kMetaGeneration, s.generation)) {
    return absl::DataLossError(absl::StrFormat(
        "index '%s' is corrupt: its meta record does not parse", dir));
  }
  MDB_stat st;
  if (mdb_stat(raw, docs, &st) == 0) s.num_ids = st.ms_entries;
  if (mdb_stat(raw, ids, &st) == 0) s.num_live = st.ms_entries;
  s.disk_bytes =
      std::filesystem::file_size(std::filesystem::path(dir) / "data.mdb", ec);
  return s;
}

namespace {

// One entry of a fingerprint shard, hashed, for CheckFingerprintShards().
uint64_t EntryDigest(const BandEntry& e) {
  const uint64_t parts[2] = {e.key, e.doc};
  return XXH3_64bits(parts, sizeof(parts));
}

// Reads array `band` of posting level `level` for a check: false when it
// is missing or does not parse.
bool ReadLevelArray(MDB_txn* txn, MDB_dbi levels_db, uint32_t level,
                    uint32_t band, BandArray& out) {
  const ArrayKey key = MakeArrayKey(level, band);
  MDB_val ak = Val(key.data(), kArrayKey), av;
  return mdb_get(txn, levels_db, &ak, &av) == 0 &&
         out.Parse(av.mv_data, av.mv_size);
}

// The same for a fingerprint shard, with its filter when `filtered`.
bool ReadLevelArray(MDB_txn* txn, MDB_dbi levels_db, uint32_t level,
                    uint32_t band, bool filtered, BandArray& out,
                    FingerprintFilter& filter) {
  const ArrayKey key = MakeArrayKey(level, band);
  MDB_val ak = Val(key.data(), kArrayKey), av;
  return mdb_get(txn, levels_db, &ak, &av) == 0 &&
         ParseLevelArray(av, filtered, out, filter);
}

// Check()'s part for the fingerprint shards of a level: each parses, its
// offsets and order are right, no entry comes twice, and its entries are
// exactly the distinct fingerprint hashes of the level's filed documents
// in that shard (compared by count and by a sum of digests, so that a
// level of 512k documents needs no copy of its 74M entries); when
// `filtered` (format 6), its filter is the one its entries make.
absl::Status CheckFingerprintShards(
    MDB_txn* txn, MDB_dbi levels_db, MDB_dbi docs, const IndexConfig& config,
    const BandLevel& l, bool filtered, const std::vector<bool>& filed,
    const std::function<absl::Status(const std::string&)>& corrupt) {
  std::vector<uint64_t> count(kFingerprintShards, 0),
      sum(kFingerprintShards, 0);
  DecodedDoc decoded;
  std::vector<uint64_t> hashes;
  for (DocId d = l.first; d < l.end; ++d) {
    if (!filed[d]) continue;
    MDB_val dk = Val(&d, sizeof(d)), dv;
    if (mdb_get(txn, docs, &dk, &dv) != 0 || !DecodeDoc(dv, decoded)) {
      return corrupt(absl::StrFormat("the record of document %d", d));
    }
    hashes.clear();
    for (const Fingerprint& f : decoded.fps) hashes.push_back(f.hash());
    std::sort(hashes.begin(), hashes.end());
    hashes.erase(std::unique(hashes.begin(), hashes.end()), hashes.end());
    for (uint64_t h : hashes) {
      ++count[FingerprintShard(h)];
      sum[FingerprintShard(h)] += EntryDigest(BandEntry{h, d});
    }
  }
  for (uint32_t s = 0; s < kFingerprintShards; ++s) {
    const uint32_t band = config.lsh_bands + s;
    BandArray a;
    FingerprintFilter filter;
    if (!ReadLevelArray(txn, levels_db, l.id, band, filtered, a, filter)) {
      return corrupt(absl::StrFormat(
          "fingerprint shard %d of posting level %d is missing or does not "
          "parse",
          s, l.id));
    }
    if (const std::string bad = a.Verify(); !bad.empty()) {
      return corrupt(absl::StrFormat(
          "fingerprint shard %d of posting level %d: %s", s, l.id, bad));
    }
    uint64_t got = 0;
    for (uint64_t i = 0; i < a.size(); ++i) {
      const BandEntry e = a.entry(i);
      if (FingerprintShard(e.key) != s || e.doc < l.first || e.doc >= l.end ||
          !filed[e.doc] || (i > 0 && a.entry(i - 1) == e)) {
        return corrupt(absl::StrFormat(
            "fingerprint shard %d of posting level %d holds an entry that "
            "is not its documents' (document %d)",
            s, l.id, e.doc));
      }
      got += EntryDigest(e);
    }
    if (a.size() != count[s] || got != sum[s]) {
      return corrupt(absl::StrFormat(
          "fingerprint shard %d of posting level %d does not hold the "
          "fingerprints of its documents (%d entries, %d expected)",
          s, l.id, a.size(), count[s]));
    }
    if (filtered) {
      if (const std::string bad = VerifyFilter(a, filter); !bad.empty()) {
        return corrupt(absl::StrFormat(
            "fingerprint shard %d of posting level %d: %s", s, l.id, bad));
      }
    }
  }
  return absl::OkStatus();
}

// Check()'s part for the posting levels: `filed` says which DocIds must be
// filed (live with shingles, or dead-listed); `fp_levels`, whether the
// levels hold fingerprint shards after the bands; `fp_filters`, whether
// the shards carry filters.
absl::Status CheckLevels(
    MDB_txn* txn, MDB_dbi meta, MDB_dbi levels_db, MDB_dbi docs,
    const IndexConfig& config, bool fp_levels, bool fp_filters,
    const std::vector<bool>& filed,
    const std::function<absl::Status(const std::string&)>& corrupt) {
  const uint32_t bands = config.lsh_bands;
  const uint32_t per_level = bands + (fp_levels ? kFingerprintShards : 0);
  MDB_val lk = Val(std::string_view(kMetaLevels)), lv;
  std::vector<BandLevel> levels;
  uint32_t next_level = 0, pending = 0;
  if (mdb_get(txn, meta, &lk, &lv) != 0 ||
      !DecodeLevels(
          std::string_view(static_cast<const char*>(lv.mv_data), lv.mv_size),
          levels) ||
      !GetMeta(txn, meta, kMetaNextLevel, next_level) ||
      !GetMeta(txn, meta, kMetaPending, pending)) {
    return corrupt("the list of band posting levels does not parse");
  }
  if (pending >= next_level && pending != 0) {
    return corrupt(
        absl::StrFormat("the pending level %d was never numbered", pending));
  }
  // Each filed document in one level, each level's count its documents'.
  size_t at = 0;
  for (const BandLevel& l : levels) {
    if (l.id == 0 || l.id >= next_level || l.id == pending) {
      return corrupt(absl::StrFormat("posting level %d has a bad id", l.id));
    }
    if (l.end > filed.size()) {
      return corrupt(absl::StrFormat(
          "posting level %d covers documents the index does not hold", l.id));
    }
    for (; at < l.first; ++at) {
      if (filed[at]) {
        return corrupt(absl::StrFormat(
            "document %d is missing from the band postings (in no level)", at));
      }
    }
    uint64_t n = 0;
    for (; at < l.end; ++at) n += filed[at];
    if (n != l.docs) {
      return corrupt(absl::StrFormat(
          "posting level %d lists %d documents, its range files %d", l.id,
          l.docs, n));
    }
  }
  for (; at < filed.size(); ++at) {
    if (filed[at]) {
      return corrupt(absl::StrFormat(
          "document %d is missing from the band postings (in no level)", at));
    }
  }
  // No arrays but the listed levels' and the pending one's.
  MDB_stat st;
  uint64_t pending_arrays = 0;
  MDB_cursor* cursor = nullptr;
  int rc = mdb_cursor_open(txn, levels_db, &cursor);
  if (rc != 0) return corrupt(LmdbMessage(rc));
  MDB_val k, v;
  for (rc = mdb_cursor_get(cursor, &k, &v, MDB_FIRST); rc == 0;
       rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)) {
    const uint32_t id = k.mv_size == kArrayKey ? ArrayKeyLevel(k) : 0;
    const bool listed =
        std::any_of(levels.begin(), levels.end(),
                    [&](const BandLevel& l) { return l.id == id; });
    if (id != 0 && id == pending) {
      ++pending_arrays;
    } else if (!listed) {
      mdb_cursor_close(cursor);
      return corrupt(absl::StrFormat(
          "band postings of level %d, which is not listed", id));
    }
  }
  mdb_cursor_close(cursor);
  if (rc != MDB_NOTFOUND) return corrupt(LmdbMessage(rc));
  if (mdb_stat(txn, levels_db, &st) != 0 ||
      st.ms_entries != levels.size() * per_level + pending_arrays) {
    return corrupt("a band array of a listed level is missing");
  }
  if (fp_levels) {
    for (const BandLevel& l : levels) {
      RETURN_IF_ERROR(CheckFingerprintShards(txn, levels_db, docs, config, l,
                                             fp_filters, filed, corrupt));
    }
  }
  // Each array: its offsets and order, and exactly its documents' keys.
  // Bands in groups, so that the expected keys of a large level take at
  // most ~64 MB.
  std::vector<std::vector<BandEntry>> expected;
  for (const BandLevel& l : levels) {
    if (bands == 0) break;
    const uint32_t group = static_cast<uint32_t>(std::clamp<uint64_t>(
        (uint64_t{64} << 20) / (l.docs * kBandEntryBytes), 1, bands));
    for (uint32_t b0 = 0; b0 < bands; b0 += group) {
      const uint32_t b1 = std::min(bands, b0 + group);
      expected.assign(b1 - b0, {});
      for (DocId d = l.first; d < l.end; ++d) {
        if (!filed[d]) continue;
        MDB_val dk = Val(&d, sizeof(d)), dv;
        RecordHeader h;
        if (mdb_get(txn, docs, &dk, &dv) != 0 || !ParseHeader(dv, h)) {
          return corrupt(absl::StrFormat("the record of document %d", d));
        }
        std::vector<uint32_t> signature(h.signature);
        std::memcpy(signature.data(),
                    static_cast<const char*>(dv.mv_data) + kRecordHeader,
                    signature.size() * 4);
        for (uint32_t b = b0; b < b1; ++b) {
          expected[b - b0].push_back(
              BandEntry{LshBandKey(signature, b, config.lsh_rows), d});
        }
      }
      for (uint32_t b = b0; b < b1; ++b) {
        std::vector<BandEntry>& want = expected[b - b0];
        std::sort(want.begin(), want.end());
        BandArray a;
        if (!ReadLevelArray(txn, levels_db, l.id, b, a)) {
          return corrupt(absl::StrFormat(
              "band %d of posting level %d is missing or does not parse", b,
              l.id));
        }
        if (const std::string bad = a.Verify(); !bad.empty()) {
          return corrupt(
              absl::StrFormat("band %d of posting level %d: %s", b, l.id, bad));
        }
        for (uint64_t i = 0; i < std::max<uint64_t>(a.size(), want.size());
             ++i) {
          if (i >= a.size() || i >= want.size() || !(a.entry(i) == want[i])) {
            const DocId d = i < want.size() ? want[i].doc : a.entry(i).doc;
            return corrupt(absl::StrFormat(
                "band %d of posting level %d does not hold the band keys of "
                "its documents (document %d)",
                b, l.id, d));
          }
        }
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status LmdbDocumentStore::Check(const std::string& dir) {
  ASSIGN_OR_RETURN(const IndexSummary summary, ReadSummary(dir));
  ASSIGN_OR_RETURN(ReadView view, OpenReadView(dir));
  MDB_txn* const raw = view.txn.get();
  const MDB_dbi docs = view.dbs.docs, ids = view.dbs.ids,
                texts = view.dbs.texts, log = view.dbs.log,
                levels_db = view.dbs.levels, dead_db = view.dbs.dead,
                sources = view.dbs.sources,
                source_names = view.dbs.source_names, meta = view.dbs.meta;
  int rc = 0;
  const auto corrupt = [&](const std::string& what) {
    return absl::DataLossError(
        absl::StrFormat("index '%s' fails its check: %s", dir, what));
  };
  const IndexConfig& config = summary.config;
  // Postings in levels: band arrays, fingerprint shards (format 5, copy
  // mode) with their filters (format 6), or none.
  const bool fp_levels =
      summary.version >= kFingerprintLevelsVersion && config.texts;
  const bool fp_filters =
      fp_levels && summary.version >= kFingerprintFiltersVersion;
  const bool leveled = config.lsh_bands != 0 || fp_levels;
  MDB_cursor* cursor = nullptr;
  // Documents: consecutive DocIds, records that parse, ids and texts.
  if ((rc = mdb_cursor_open(raw, docs, &cursor)) != 0) {
    return corrupt(LmdbMessage(rc));
  }
  std::unique_ptr<MDB_cursor, void (*)(MDB_cursor*)> closer(cursor,
                                                            mdb_cursor_close);
  MDB_val k, v;
  DecodedDoc decoded;
  uint64_t expect = 0, live = 0, added = 0, dead_listed = 0;
  StoreDates seen_dates;
  StoreTally tally;
  // The documents that must be filed in a level.
  std::vector<bool> filed;
  for (rc = mdb_cursor_get(cursor, &k, &v, MDB_FIRST); rc == 0;
       rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT), ++expect) {
    uint32_t d;
    if (k.mv_size != sizeof(d)) return corrupt("a document key of wrong size");
    std::memcpy(&d, k.mv_data, sizeof(d));
    if (d != expect) {
      return corrupt(absl::StrFormat("document %d is missing", expect));
    }
    if (!DecodeDoc(v, decoded)) {
      return corrupt(absl::StrFormat("the record of document %d", d));
    }
    const StoredDocument& doc = decoded.doc;
    if (decoded.signature.size() !=
        static_cast<size_t>(config.hashing.num_perm)) {
      return corrupt(absl::StrFormat("document %d has a signature of %d values",
                                     d, decoded.signature.size()));
    }
    if (config.keep_sets &&
        (decoded.set.size() != doc.set_size ||
         !std::is_sorted(decoded.set.begin(), decoded.set.end()) ||
         std::adjacent_find(decoded.set.begin(), decoded.set.end()) !=
             decoded.set.end())) {
      return corrupt(absl::StrFormat(
          "document %d has a shingle set that is not sorted or not of its "
          "size",
          d));
    }
    if (!config.keep_sets && !decoded.set.empty()) {
      return corrupt(absl::StrFormat("document %d has a shingle set", d));
    }
    if (!config.texts && !decoded.fps.empty()) {
      return corrupt(absl::StrFormat("document %d has fingerprints", d));
    }
    uint32_t previous = 0;
    for (size_t i = 0; i < decoded.fps.size(); ++i) {
      const uint32_t p = decoded.fps[i].position;
      if (i > 0 && p < previous) {
        return corrupt(
            absl::StrFormat("document %d has fingerprints out of order", d));
      }
      previous = p;
    }
    const uint32_t source = decoded.header.source;
    if (source != 0) {
      MDB_val sk = Val(&source, sizeof(source)), sv;
      if (mdb_get(raw, source_names, &sk, &sv) != 0) {
        return corrupt(absl::StrFormat(
            "document %d names source %d, which has no name", d, source));
      }
    }
    if (doc.live) Count(tally, doc.set_size, decoded.fps.size(), +1);
    if (doc.live && doc.date.has_value()) AddDate(seen_dates, *doc.date);
    MDB_val dk = Val(&d, sizeof(d)), dv;
    const bool dead = mdb_get(raw, dead_db, &dk, &dv) == 0;
    if (dead && (doc.live || doc.set_size == 0 || !leveled)) {
      return corrupt(absl::StrFormat(
          "document %d ('%s') is listed as dead but is live or has no "
          "postings",
          d, doc.id));
    }
    dead_listed += dead;
    filed.push_back(leveled && doc.set_size != 0 && (doc.live || dead));
    MDB_val id = Val(doc.id), found;
    const int got = mdb_get(raw, ids, &id, &found);
    uint32_t named = 0;
    if (got == 0 && found.mv_size == sizeof(named)) {
      std::memcpy(&named, found.mv_data, sizeof(named));
    }
    MDB_val tk = Val(&d, sizeof(d)), tv;
    const int has_text = mdb_get(raw, texts, &tk, &tv);
    if (doc.live) {
      ++live;
      if (got != 0 || named != d) {
        return corrupt(absl::StrFormat(
            "live document %d ('%s') has no id entry naming it", d, doc.id));
      }
      if (config.texts) {
        if (has_text != 0) {
          return corrupt(
              absl::StrFormat("live document '%s' has no text", doc.id));
        }
        if (IsReference(tv)) {
          // The original is read back and checked, as a query would: not
          // damage to the index, but a text it can no longer give.
          absl::StatusOr<std::string> read =
              ReadReferenced(tv, doc.text_hash, doc.id);
          if (!read.ok()) return corrupt(std::string(read.status().message()));
        } else {
          absl::StatusOr<std::string> text = Decompress(tv);
          if (!text.ok()) {
            return corrupt(absl::StrFormat("the text of '%s': %s", doc.id,
                                           text.status().message()));
          }
          if (XXH3_64bits(text->data(), text->size()) != doc.text_hash) {
            return corrupt(absl::StrFormat(
                "the text of '%s' does not match its hash", doc.id));
          }
        }
      }
    } else {
      if (got == 0 && named == d) {
        return corrupt(absl::StrFormat(
            "removed document %d ('%s') still has an id entry", d, doc.id));
      }
      if (has_text == 0) {
        return corrupt(absl::StrFormat("removed document %d has a text", d));
      }
    }
  }
  if (rc != MDB_NOTFOUND) return corrupt(LmdbMessage(rc));
  MDB_stat st;
  if (mdb_stat(raw, dead_db, &st) != 0 || st.ms_entries != dead_listed) {
    return corrupt(absl::StrFormat(
        "%d dead entries for %d removed documents with postings (a dead "
        "entry names no document)",
        st.ms_entries, dead_listed));
  }
  RETURN_IF_ERROR(CheckLevels(raw, meta, levels_db, docs, config, fp_levels,
                              fp_filters, filed, corrupt));
  StoreTally stored;
  if (!GetTally(raw, meta, stored) || stored.live != tally.live ||
      stored.empty != tally.empty || stored.shingles != tally.shingles ||
      stored.fingerprints != tally.fingerprints) {
    return corrupt(absl::StrFormat(
        "the tally (live %d, empty %d, shingles %d, fingerprints %d) is not "
        "the records' (%d, %d, %d, %d)",
        stored.live, stored.empty, stored.shingles, stored.fingerprints,
        tally.live, tally.empty, tally.shingles, tally.fingerprints));
  }
  // The dates, when kept for the index as it is: those of the records.
  MDB_val dates_key = Val(std::string_view(kMetaDates)), dates_val;
  if (mdb_get(raw, meta, &dates_key, &dates_val) == 0) {
    StoreDates kept;
    if (dates_val.mv_size != 5 * sizeof(uint64_t)) {
      return corrupt("its dates do not parse");
    }
    if (GetDates(raw, meta, expect, live, kept) &&
        (kept.any != seen_dates.any ||
         (kept.any && (kept.earliest != seen_dates.earliest ||
                       kept.latest != seen_dates.latest)))) {
      return corrupt(absl::StrFormat(
          "its dates (%d to %d) are not the records' (%d to %d)",
          kept.earliest, kept.latest, seen_dates.earliest,
          seen_dates.latest));
    }
  }
  // The saved model of common shingles: it reads back, counts no DocId
  // the index lacks, and, when no document was removed since it was
  // counted, is what a count of the sets gives now.
  MDB_val common_key = Val(std::string_view(kMetaQueryCommon)), common_val;
  if (mdb_get(raw, meta, &common_key, &common_val) == 0) {
    SavedCommon saved;
    if (!DecodeCommon(common_val, saved)) {
      return corrupt("its saved model of common shingles does not parse");
    }
    if (saved.num_ids > expect || saved.removed > expect - live) {
      return corrupt(absl::StrFormat(
          "its saved model of common shingles counts %d DocIds with %d "
          "removed; the index has %d with %d",
          saved.num_ids, saved.removed, expect, expect - live));
    }
    if (saved.removed == expect - live && config.keep_sets) {
      CommonShingles::Options o;
      o.min_docs = saved.min_docs;
      o.fraction = saved.fraction;
      absl::StatusOr<CommonShingles> model = CommonShingles::Create(o);
      if (!model.ok()) {
        return corrupt(absl::StrCat(
            "its saved model of common shingles: ", model.status().message()));
      }
      // Sets LMDB did not align are copied, and kept until the count ends.
      AlignedCopies copies;
      model->Build(saved.num_ids, [&](size_t d) -> absl::Span<const uint64_t> {
        const uint32_t key = static_cast<uint32_t>(d);
        MDB_val k = Val(&key, sizeof(key)), v;
        RecordHeader h;
        if (mdb_get(raw, docs, &k, &v) != 0 || !ParseHeader(v, h) || !h.live) {
          return {};
        }
        return copies.View<uint64_t>(
            static_cast<const char*>(v.mv_data) + h.set_at(), h.set);
      });
      if (model->threshold() != saved.threshold ||
          model->documents() != saved.documents ||
          model->Sorted() != saved.common) {
        return corrupt(absl::StrFormat(
            "its saved model of common shingles (%d common, threshold %d, "
            "%d documents) is not what the sets give (%d, %d, %d)",
            saved.common.size(), saved.threshold, saved.documents,
            model->size(), model->threshold(), model->documents()));
      }
    }
  }
  // The source tables: each name numbered once, each number named once.
  MDB_stat names_st;
  if (mdb_stat(raw, sources, &st) != 0 ||
      mdb_stat(raw, source_names, &names_st) != 0 ||
      st.ms_entries != names_st.ms_entries) {
    return corrupt("the two source tables differ in size");
  }
  for (uint32_t n = 1; n <= names_st.ms_entries; ++n) {
    MDB_val nk = Val(&n, sizeof(n)), nv, back;
    uint32_t numbered = 0;
    if (mdb_get(raw, source_names, &nk, &nv) != 0 ||
        mdb_get(raw, sources, &nv, &back) != 0 ||
        back.mv_size != sizeof(numbered) ||
        (std::memcpy(&numbered, back.mv_data, sizeof(numbered)), numbered) !=
            n) {
      return corrupt(absl::StrFormat("source %d is not named both ways", n));
    }
  }
  if (mdb_stat(raw, ids, &st) != 0 || st.ms_entries != live) {
    return corrupt(absl::StrFormat(
        "%d id entries for %d live documents (an id entry names no live "
        "document)",
        st.ms_entries, live));
  }
  if (config.texts &&
      (mdb_stat(raw, texts, &st) != 0 || st.ms_entries != live)) {
    return corrupt(
        absl::StrFormat("%d texts for %d live documents", st.ms_entries, live));
  }
  // The log: one entry per generation, its additions covering every
  // DocId once, in order.
  for (uint64_t g = 1; g <= summary.generation; ++g) {
    MDB_val lk = Val(&g, sizeof(g)), lv;
    if (mdb_get(raw, log, &lk, &lv) != 0) {
      return corrupt(absl::StrFormat("log entry %d is missing", g));
    }
    Decoder dec(lv);
    char kind = 0;
    uint32_t first = 0, count = 0;
    dec.Get(kind);
    if (kind == 'A') {
      if (!dec.Get(first) || !dec.Get(count) || first != added) {
        return corrupt(absl::StrFormat("log entry %d adds out of order", g));
      }
      added += count;
    } else if (kind != 'R' && kind != 'M') {
      return corrupt(absl::StrFormat("log entry %d does not parse", g));
    }
  }
  if (mdb_stat(raw, log, &st) != 0 || st.ms_entries != summary.generation) {
    return corrupt(absl::StrFormat("%d log entries for generation %d",
                                   st.ms_entries, summary.generation));
  }
  if (added != expect) {
    return corrupt(absl::StrFormat(
        "the log adds %d documents, the index holds %d", added, expect));
  }
  return absl::OkStatus();
}

}  // namespace mimeo::internal
