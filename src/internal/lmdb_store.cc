#include "internal/lmdb_store.h"

#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <functional>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "internal/status_macros.h"
#include "xxhash.h"

namespace mimeo::internal {
namespace {

constexpr char kMetaVersion[] = "format_version";
constexpr char kMetaConfig[] = "config";
constexpr char kMetaGeneration[] = "generation";
constexpr char kMetaCounters[] = "counters";
constexpr uint64_t kMaxMapBytes = uint64_t{1} << 42;  // 4 TiB
constexpr int kZstdLevel = 3;

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

// A document's record. The live flag is the first byte, so that Remove()
// rewrites it without decoding the rest.
std::string EncodeDoc(const StoredDocument& d) {
  Encoder e;
  e.Put(static_cast<uint8_t>(d.live));
  e.Put(static_cast<uint8_t>(d.date.has_value()));
  e.Put(d.date.value_or(0));
  e.Put(d.simhash);
  e.Put(d.set_size);
  e.Put(d.text_hash);
  e.PutString(d.id);
  e.PutString(d.source);
  e.PutArray(d.signature);
  e.PutArray(d.set);
  e.Put(static_cast<uint32_t>(d.fingerprints.size()));
  for (const Fingerprint& f : d.fingerprints) {
    e.Put(f.hash);
    e.Put(f.position);
  }
  return e.str();
}

// A decoded record: the views point into the LMDB page (valid while its
// transaction is), the arrays are copies.
struct DecodedDoc {
  StoredDocument doc;
  std::vector<uint32_t> signature;
  std::vector<uint64_t> set;
  std::vector<Fingerprint> fps;
};

bool DecodeDoc(const MDB_val& v, DecodedDoc& out) {
  Decoder d(v);
  uint8_t live, has_date;
  int64_t date;
  StoredDocument& doc = out.doc;
  if (!d.Get(live) || !d.Get(has_date) || !d.Get(date) || !d.Get(doc.simhash) ||
      !d.Get(doc.set_size) || !d.Get(doc.text_hash) || !d.GetString(doc.id) ||
      !d.GetString(doc.source) || !d.GetArray(out.signature) ||
      !d.GetArray(out.set) || live > 1 || has_date > 1) {
    return false;
  }
  uint32_t n;
  if (!d.Get(n)) return false;
  out.fps.resize(n);
  for (Fingerprint& f : out.fps) {
    if (!d.Get(f.hash) || !d.Get(f.position)) return false;
  }
  if (!d.AtEnd()) return false;
  doc.live = live != 0;
  doc.date = has_date ? std::optional<int64_t>(date) : std::nullopt;
  doc.signature = out.signature;
  doc.set = out.set;
  doc.fingerprints = out.fps;
  doc.text = {};
  doc.bytes = doc.invalid_utf8 = doc.nul_bytes = 0;
  return true;
}

// Every hashing parameter by name (HashingParams::Fields()), then the
// storage settings.
std::string EncodeConfig(const IndexConfig& c) {
  Encoder e;
  const auto fields = c.hashing.Fields();
  e.Put(static_cast<uint32_t>(fields.size()));
  for (const auto& [name, value] : fields) {
    e.PutString(name);
    e.Put(value);
  }
  e.Put(static_cast<uint64_t>(c.keep_sets));
  e.Put(static_cast<uint64_t>(c.texts));
  e.Put(static_cast<uint64_t>(c.window));
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
  uint64_t keep_sets, texts, window;
  if (!d.Get(keep_sets) || !d.Get(texts) || !d.Get(window) || !d.AtEnd() ||
      keep_sets > 1 || texts > 1 || window > UINT32_MAX) {
    return false;
  }
  const std::optional<HashingParams> p = HashingParams::FromFields(fields);
  if (!p.has_value()) return false;
  c.hashing = *p;
  c.keep_sets = keep_sets != 0;
  c.texts = texts != 0;
  c.window = static_cast<uint32_t>(window);
  return true;
}

// The environment's files, for "is this a directory mimeo may use".
bool IsEmptyDir(const std::string& dir) {
  std::error_code ec;
  return std::filesystem::is_directory(dir, ec) &&
         std::filesystem::is_empty(dir, ec);
}

struct EnvCloser {
  void operator()(MDB_env* env) const { mdb_env_close(env); }
};
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
  mdb_env_set_maxdbs(raw, 8);
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
    mdb_env_set_maxdbs(again, 8);
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

// The named databases, opened (and created, in a write transaction).
int OpenDbs(MDB_txn* txn, unsigned flags, MDB_dbi* meta, MDB_dbi* docs,
            MDB_dbi* ids, MDB_dbi* texts, MDB_dbi* log) {
  int rc;
  if ((rc = mdb_dbi_open(txn, "meta", flags, meta)) != 0) return rc;
  if ((rc = mdb_dbi_open(txn, "docs", flags | MDB_INTEGERKEY, docs)) != 0) {
    return rc;
  }
  if ((rc = mdb_dbi_open(txn, "ids", flags, ids)) != 0) return rc;
  if ((rc = mdb_dbi_open(txn, "texts", flags | MDB_INTEGERKEY, texts)) != 0) {
    return rc;
  }
  return mdb_dbi_open(txn, "log", flags | MDB_INTEGERKEY, log);
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
                                     const IndexConfig& config, bool read_only)
    : dir_(std::move(dir)),
      env_(env),
      dbs_(dbs),
      config_(config),
      read_only_(read_only),
      cache_(static_cast<uint32_t>(config.hashing.num_perm), config.keep_sets,
             /*keep_texts=*/false, /*keep_text_hashes=*/true) {}

LmdbDocumentStore::~LmdbDocumentStore() { mdb_env_close(env_); }

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
    uint64_t map_bytes) {
  std::error_code ec;
  const bool exists = std::filesystem::exists(dir, ec);
  if (exists && !std::filesystem::is_directory(dir, ec)) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "'%s' is not an index directory (it is a file; a snapshot file is "
        "read with Engine::Load)",
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
    rc = OpenDbs(raw, MDB_CREATE, &dbs.meta, &dbs.docs, &dbs.ids, &dbs.texts,
                 &dbs.log);
    const uint32_t version = kFormatVersion;
    const uint64_t generation = 0;
    const std::string encoded = EncodeConfig(config);
    MDB_val k = Val(std::string_view(kMetaConfig)), v = Val(encoded);
    if (rc == 0) rc = PutMeta(raw, dbs.meta, kMetaVersion, version);
    if (rc == 0) rc = mdb_put(raw, dbs.meta, &k, &v, 0);
    if (rc == 0) rc = PutMeta(raw, dbs.meta, kMetaGeneration, generation);
    if (rc == 0) rc = PutCounters(raw, dbs.meta, StoreCounters{});
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
  if (version > kFormatVersion) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "index '%s' has format version %d; this mimeo reads version %d "
        "(made by a newer mimeo)",
        dir, version, kFormatVersion));
  }
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
  rc = OpenDbs(raw, 0, &dbs.meta, &dbs.docs, &dbs.ids, &dbs.texts, &dbs.log);
  if (rc != 0) {
    return absl::DataLossError(
        absl::StrFormat("index '%s' is corrupt: %s", dir, LmdbMessage(rc)));
  }
  std::unique_ptr<LmdbDocumentStore> store(
      new LmdbDocumentStore(dir, env.release(), dbs, config, read_only));
  uint64_t generation = 0;
  if (!GetMeta(raw, dbs.meta, kMetaGeneration, generation) ||
      !GetCounters(raw, dbs.meta, store->counters_)) {
    return absl::DataLossError(absl::StrFormat(
        "index '%s' is corrupt: no generation or counters", dir));
  }
  RETURN_IF_ERROR(store->LoadFrom(raw, 0));
  store->generation_ = generation;
  // Committed, read-only or not: the handles the transaction opened stay
  // valid only if it commits (an abort closes them).
  if ((rc = mdb_txn_commit(txn.release())) != 0) {
    return store->Error("opening", rc);
  }
  return store;
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
    // No transaction of this process is open: the caller holds the
    // engine's writer lock, and readers of the engine wait for it.
    MDB_envinfo info;
    mdb_env_info(env_, &info);
    const uint64_t grown = std::max<uint64_t>(2 * info.me_mapsize, 1 << 20);
    if (grown > kMaxMapBytes) return WriteError(what, MDB_MAP_FULL);
    rc = mdb_env_set_mapsize(env_, grown);
    if (rc != 0) return Error("growing the map", rc);
  }
}

absl::Status LmdbDocumentStore::Append(absl::Span<const StoredDocument> docs) {
  const DocId first = static_cast<DocId>(cache_.num_ids());
  const uint64_t mine = generation_.load();
  StoreCounters counters = counters_;
  for (const StoredDocument& d : docs) {
    counters.bytes += d.bytes;
    counters.invalid_utf8 += d.invalid_utf8;
    counters.nul_bytes += d.nul_bytes;
  }
  std::vector<std::string> records;
  records.reserve(docs.size());
  for (const StoredDocument& d : docs) records.push_back(EncodeDoc(d));
  std::vector<std::string> texts(docs.size());
  if (config_.texts) {
    for (size_t i = 0; i < docs.size(); ++i) {
      if (!docs[i].live) continue;
      const std::string_view t = docs[i].text;
      texts[i].resize(ZSTD_compressBound(t.size()));
      const size_t n = ZSTD_compress(texts[i].data(), texts[i].size(), t.data(),
                                     t.size(), kZstdLevel);
      if (ZSTD_isError(n)) {
        return absl::InternalError(
            absl::StrFormat("index '%s': cannot compress the text of '%s': %s",
                            dir_, docs[i].id, ZSTD_getErrorName(n)));
      }
      texts[i].resize(n);
    }
  }
  RETURN_IF_ERROR(
      Write("add documents", [&](MDB_txn* txn, absl::Status* refused) {
        uint64_t generation = 0;
        if (!AtGeneration(txn, mine, generation, refused)) return 0;
        int rc = 0;
        for (size_t i = 0; i < docs.size() && rc == 0; ++i) {
          const uint32_t d = first + static_cast<uint32_t>(i);
          MDB_val k = Val(&d, sizeof(d)), v = Val(records[i]);
          rc = mdb_put(txn, dbs_.docs, &k, &v, MDB_NOOVERWRITE | MDB_APPEND);
          if (rc == 0 && docs[i].live) {
            MDB_val id = Val(docs[i].id), dv = Val(&d, sizeof(d));
            rc = mdb_put(txn, dbs_.ids, &id, &dv, MDB_NOOVERWRITE);
            if (rc == MDB_KEYEXIST) {
              *refused = absl::AlreadyExistsError(absl::StrFormat(
                  "document '%s' was already added", docs[i].id));
              return 0;
            }
          }
          if (rc == 0 && config_.texts && docs[i].live) {
            MDB_val t = Val(texts[i]);
            rc = mdb_put(txn, dbs_.texts, &k, &t, MDB_APPEND);
          }
        }
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
        return rc;
      }));
  RETURN_IF_ERROR(cache_.Append(docs));
  counters_ = counters;
  generation_ = mine + 1;
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
    if (d >= cache_.num_ids() || !cache_.live(d)) {
      return absl::InternalError(
          absl::StrFormat("mimeo internal error: DocId %d is not live", d));
    }
  }
  RETURN_IF_ERROR(
      Write("remove documents", [&](MDB_txn* txn, absl::Status* refused) {
        uint64_t generation = 0;
        if (!AtGeneration(txn, mine, generation, refused)) return 0;
        int rc = 0;
        std::string record;
        for (DocId d : docs) {
          const uint32_t key = d;
          MDB_val k = Val(&key, sizeof(key)), v;
          if ((rc = mdb_get(txn, dbs_.docs, &k, &v)) != 0) return rc;
          record.assign(static_cast<const char*>(v.mv_data), v.mv_size);
          record[0] = 0;
          MDB_val nv = Val(record);
          if ((rc = mdb_put(txn, dbs_.docs, &k, &nv, 0)) != 0) return rc;
          MDB_val id = Val(cache_.id(d));
          if ((rc = mdb_del(txn, dbs_.ids, &id, nullptr)) != 0) return rc;
          if (config_.texts) {
            rc = mdb_del(txn, dbs_.texts, &k, nullptr);
            if (rc != 0 && rc != MDB_NOTFOUND) return rc;
          }
        }
        Encoder log;
        log.Put('R');
        log.PutArray(docs);
        const uint64_t next = generation + 1;
        MDB_val lk = Val(&next, sizeof(next)), lv = Val(log.str());
        rc = mdb_put(txn, dbs_.log, &lk, &lv, MDB_APPEND);
        if (rc == 0) rc = PutMeta(txn, dbs_.meta, kMetaGeneration, next);
        return rc;
      }));
  RETURN_IF_ERROR(cache_.Remove(docs));
  generation_ = mine + 1;
  return absl::OkStatus();
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
  return !ok || generation != generation_.load();
}

absl::StatusOr<StoreChanges> LmdbDocumentStore::Refresh() {
  StoreChanges changes;
  changes.first_added = static_cast<DocId>(cache_.num_ids());
  MDB_txn* raw = nullptr;
  int rc = BeginTxn(env_, MDB_RDONLY, &raw);
  if (rc != 0) return Error("reading", rc);
  TxnPtr txn(raw);
  uint64_t generation = 0;
  StoreCounters counters;
  if (!GetMeta(raw, dbs_.meta, kMetaGeneration, generation) ||
      !GetCounters(raw, dbs_.meta, counters)) {
    return absl::DataLossError(absl::StrFormat(
        "index '%s' is corrupt: no generation or counters", dir_));
  }
  const uint64_t mine = generation_.load();
  if (generation == mine) return changes;
  // Removals of documents this store already holds; those added since are
  // read with their present live flag.
  std::vector<DocId> removed;
  for (uint64_t g = mine + 1; g <= generation; ++g) {
    MDB_val k = Val(&g, sizeof(g)), v;
    if ((rc = mdb_get(raw, dbs_.log, &k, &v)) != 0) {
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
      }
    }
    if (kind != 'A' && kind != 'R') {
      return absl::DataLossError(absl::StrFormat(
          "index '%s' is corrupt: log entry %d does not parse", dir_, g));
    }
  }
  RETURN_IF_ERROR(LoadFrom(raw, changes.first_added));
  RETURN_IF_ERROR(cache_.Remove(removed));
  changes.removed = std::move(removed);
  counters_ = counters;
  generation_ = generation;
  return changes;
}

absl::StatusOr<std::string_view> LmdbDocumentStore::text(
    DocId doc, std::string& buffer) const {
  buffer.clear();
  if (!config_.texts || !cache_.live(doc)) return std::string_view(buffer);
  MDB_txn* raw = nullptr;
  int rc = mdb_txn_begin(env_, nullptr, MDB_RDONLY, &raw);
  if (rc != 0) return Error("reading a text", rc);
  TxnPtr txn(raw);
  const uint32_t key = doc;
  MDB_val k = Val(&key, sizeof(key)), v;
  rc = mdb_get(raw, dbs_.texts, &k, &v);
  if (rc != 0) {
    return absl::DataLossError(
        absl::StrFormat("index '%s' is corrupt: the text of '%s': %s", dir_,
                        cache_.id(doc), LmdbMessage(rc)));
  }
  absl::StatusOr<std::string> text = Decompress(v);
  if (!text.ok()) {
    return absl::DataLossError(
        absl::StrFormat("index '%s' is corrupt: the text of '%s': %s", dir_,
                        cache_.id(doc), text.status().message()));
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
  MDB_dbi meta = 0, docs = 0, ids = 0, texts = 0, log = 0;
};

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
  rc = OpenDbs(raw, 0, &view.meta, &view.docs, &view.ids, &view.texts,
               &view.log);
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
  const MDB_dbi meta = view.meta, docs = view.docs, ids = view.ids;
  IndexSummary s;
  MDB_val k = Val(std::string_view(kMetaConfig)), v;
  if (!GetMeta(raw, meta, kMetaVersion, s.version)) {
    return absl::DataLossError(
        absl::StrFormat("index '%s' is corrupt: no format version", dir));
  }
  if (s.version > kFormatVersion) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "index '%s' has format version %d; this mimeo reads version %d "
        "(made by a newer mimeo)",
        dir, s.version, kFormatVersion));
  }
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

absl::Status LmdbDocumentStore::Check(const std::string& dir) {
  ASSIGN_OR_RETURN(const IndexSummary summary, ReadSummary(dir));
  ASSIGN_OR_RETURN(ReadView view, OpenReadView(dir));
  MDB_txn* const raw = view.txn.get();
  const MDB_dbi docs = view.docs, ids = view.ids,
                texts = view.texts, log = view.log;
  int rc = 0;
  const auto corrupt = [&](const std::string& what) {
    return absl::DataLossError(
        absl::StrFormat("index '%s' fails its check: %s", dir, what));
  };
  const IndexConfig& config = summary.config;
  MDB_cursor* cursor = nullptr;
  // Documents: consecutive DocIds, records that parse, ids and texts.
  if ((rc = mdb_cursor_open(raw, docs, &cursor)) != 0) {
    return corrupt(LmdbMessage(rc));
  }
  std::unique_ptr<MDB_cursor, void (*)(MDB_cursor*)> closer(cursor,
                                                            mdb_cursor_close);
  MDB_val k, v;
  DecodedDoc decoded;
  uint64_t expect = 0, live = 0, added = 0;
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
    } else if (kind != 'R') {
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
