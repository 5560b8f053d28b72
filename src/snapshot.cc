// Engine::Save and Engine::Load: the snapshot file format.
//
// Layout (all integers little-endian):
//   SnapshotHeader, 128 bytes (below)
//   payload, payload_bytes bytes, in this order:
//     ids         num_ids x (u32 length, bytes)
//     live        num_ids x u8 (1 live, 0 removed)
//     signatures  num_ids x num_perm x u32
//     fingerprints num_ids x u64
//     set_offsets (num_ids + 1) x u64, from 0 up to num_set_hashes
//     set_hashes  num_set_hashes x u64
//     counters    EngineStats: bytes, invalid_utf8, nul_bytes (3 x u64)
//   version 2 adds, after the counters:
//     texts       if flags bit 0: num_ids x (u64 length, bytes)
//     dates       num_ids x (u8 has_date, i64 date)
//   version 3 hashes shingles differently (shingle.h) and adds flags bit 1:
//     no shingle sets (Options::keep_shingle_sets = false); set_offsets
//     then hold the running total of set sizes and num_set_hashes is 0.
//   version 4 adds, after the dates, the documents' sources:
//     sources     u32 count, then count x (u32 length, bytes), the first
//                 one empty; then num_ids x u32, each below count
//   version 5 adds the header's token_hash (shingle.h's TokenHash); a file
//     of versions 3 and 4 was hashed with TokenHash::kXxh3, and loads so.
// The header holds every parameter that decides a hash value, the counts,
// XXH3-64 of the payload, and XXH3-64 of the header's first 120 bytes.
// Versions 1 and 2 are refused with a message saying to rebuild: their
// shingle hashes are no longer computed, so their sketches would match
// nothing. A reader refuses versions it does not know. Fingerprints are not
// stored: Load() winnows the texts again, so the winnowing window may
// change.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_format.h"
#include "internal/atomic_file.h"
#include "internal/engine_parts.h"
#include "internal/memory_store.h"
#include "internal/status_macros.h"
#include "internal/writer_preferring_mutex.h"
#include "mimeo/engine.h"
#include "oneapi/tbb/enumerable_thread_specific.h"
#include "oneapi/tbb/parallel_for.h"
#include "xxhash.h"

namespace mimeo {

static_assert(std::endian::native == std::endian::little,
              "the snapshot writer assumes a little-endian machine");

namespace {

constexpr char kMagic[8] = {'M', 'I', 'M', 'E', 'O', 'S', 'N', 'P'};
constexpr uint32_t kVersion = 5;
constexpr uint32_t kFlagTexts = 1;
constexpr uint32_t kFlagNoSets = 2;

struct SnapshotHeader {
  char magic[8];
  uint32_t version;
  uint32_t header_bytes;
  uint32_t normalize_flags;  // bit 0 nfkc, 1 case fold, 2 space, 3 punct
  uint32_t tokenizer_mode;
  uint32_t char_ngram;
  uint32_t shingle_k;
  uint64_t shingle_seed;
  uint32_t num_perm;
  uint32_t minhash_scheme;
  uint64_t minhash_seed;
  uint64_t num_ids;
  uint64_t num_live;
  uint64_t num_set_hashes;
  uint64_t payload_bytes;
  uint64_t payload_checksum;
  uint32_t flags;  // version 2: bit 0, texts stored
  uint32_t token_hash;  // version 5; TokenHash::kXxh3 before
  uint8_t reserved[16];
  uint64_t header_checksum;
};
static_assert(sizeof(SnapshotHeader) == 128, "the header is 128 bytes");
constexpr size_t kChecksummedHeaderBytes =
    offsetof(SnapshotHeader, header_checksum);

// The header's hashing fields are HashingParams, laid out for the file.
SnapshotHeader HeaderFor(const HashingParams& p) {
  SnapshotHeader h{};
  std::memcpy(h.magic, kMagic, sizeof(kMagic));
  h.version = kVersion;
  h.header_bytes = sizeof(SnapshotHeader);
  h.normalize_flags = (p.nfkc ? 1u : 0u) | (p.case_fold ? 2u : 0u) |
                      (p.fold_whitespace ? 4u : 0u) |
                      (p.fold_punctuation ? 8u : 0u);
  h.tokenizer_mode = static_cast<uint32_t>(p.tokenizer_mode);
  h.char_ngram = static_cast<uint32_t>(p.char_ngram);
  h.shingle_k = static_cast<uint32_t>(p.shingle_k);
  h.shingle_seed = p.shingle_seed;
  h.token_hash = static_cast<uint32_t>(p.token_hash);
  h.num_perm = static_cast<uint32_t>(p.num_perm);
  h.minhash_scheme = static_cast<uint32_t>(p.minhash_scheme);
  h.minhash_seed = p.minhash_seed;
  return h;
}

HashingParams ParamsOf(const SnapshotHeader& h) {
  HashingParams p;
  p.nfkc = (h.normalize_flags & 1) != 0;
  p.case_fold = (h.normalize_flags & 2) != 0;
  p.fold_whitespace = (h.normalize_flags & 4) != 0;
  p.fold_punctuation = (h.normalize_flags & 8) != 0;
  p.tokenizer_mode = static_cast<Tokenizer::Mode>(h.tokenizer_mode);
  p.char_ngram = static_cast<int>(h.char_ngram);
  p.shingle_k = static_cast<int>(h.shingle_k);
  p.shingle_seed = h.shingle_seed;
  p.token_hash = h.version >= 5 ? static_cast<TokenHash>(h.token_hash)
                                : TokenHash::kXxh3;
  p.num_perm = static_cast<int>(h.num_perm);
  p.minhash_scheme = static_cast<MinHashScheme>(h.minhash_scheme);
  p.minhash_seed = h.minhash_seed;
  return p;
}

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

// Writes bytes and folds them into the payload checksum.
class PayloadWriter {
 public:
  explicit PayloadWriter(std::FILE* f) : f_(f), state_(XXH3_createState()) {
    XXH3_64bits_reset(state_);
  }
  ~PayloadWriter() { XXH3_freeState(state_); }
  void Write(const void* data, size_t n) {
    if (n == 0 || !ok_) return;
    ok_ = std::fwrite(data, 1, n, f_) == n;
    XXH3_64bits_update(state_, data, n);
    bytes_ += n;
  }
  template <typename T>
  void Put(const T& v) {
    Write(&v, sizeof(T));
  }
  bool ok() const { return ok_; }
  uint64_t bytes() const { return bytes_; }
  uint64_t checksum() const { return XXH3_64bits_digest(state_); }

 private:
  std::FILE* f_;
  XXH3_state_t* state_;
  bool ok_ = true;
  uint64_t bytes_ = 0;
};

// Bounds-checked reads of the payload straight from the file into where
// it goes, folding every byte into the payload checksum: loading holds the
// engine being built and one small buffer, never the whole file beside it.
// The checksum is known only at the end (ChecksumMatches()), so nothing
// read is trusted before then; every size is bounded by the bytes left.
class PayloadReader {
 public:
  PayloadReader(const std::string& path, std::FILE* f, uint64_t n)
      : path_(path), f_(f), left_(n), state_(XXH3_createState()) {
    XXH3_64bits_reset(state_);
  }
  ~PayloadReader() { XXH3_freeState(state_); }
  PayloadReader(const PayloadReader&) = delete;
  PayloadReader& operator=(const PayloadReader&) = delete;

  absl::Status Read(void* out, uint64_t n, const char* what) {
    if (n > left_) {
      return absl::DataLossError(absl::StrFormat(
          "snapshot '%s' is corrupt: %s runs past the end of the payload",
          path_, what));
    }
    // An empty section (no shingle sets) may have no buffer: fread and the
    // hash want valid pointers even for 0 bytes.
    if (n == 0) return absl::OkStatus();
    if (std::fread(out, 1, n, f_) != n) {
      return absl::DataLossError(
          absl::StrFormat("cannot read snapshot '%s': %s", path_,
                          std::ferror(f_) ? std::strerror(errno)
                                          : "it ended early (truncated)"));
    }
    XXH3_64bits_update(state_, out, n);
    left_ -= n;
    return absl::OkStatus();
  }
  template <typename T>
  absl::Status Get(T& v, const char* what) {
    return Read(&v, sizeof(T), what);
  }
  // A string stored as a `Length` then its bytes; a length longer than
  // what is left is refused before the string is sized from it.
  template <typename Length>
  absl::Status GetString(std::string& out, const char* what) {
    Length len = 0;
    RETURN_IF_ERROR(Get(len, what));
    if (len > left_) {
      return absl::DataLossError(
          absl::StrFormat("snapshot '%s' is corrupt: %s of %d bytes", path_,
                          what, static_cast<uint64_t>(len)));
    }
    out.resize(len);
    return Read(out.data(), len, what);
  }
  bool AtEnd() const { return left_ == 0; }
  // Reads (and hashes) what is left, then compares the checksum.
  bool ChecksumMatches(uint64_t want) {
    char buf[1 << 16];
    while (left_ > 0) {
      const uint64_t n = std::min<uint64_t>(left_, sizeof(buf));
      if (!Read(buf, n, "the rest").ok()) return false;
    }
    return XXH3_64bits_digest(state_) == want;
  }

 private:
  const std::string& path_;
  std::FILE* f_;
  uint64_t left_;
  XXH3_state_t* state_;
};

}  // namespace

absl::Status Engine::Save(const std::string& path) const {
  RETURN_IF_ERROR(RequireSignatures("Save()"));
  std::shared_lock lock(*mu_);
  ASSIGN_OR_RETURN(internal::AtomicFile out,
                   internal::AtomicFile::Create(path));
  std::FILE* f = out.file();
  if (out.in_place()) {
    // The header is written last, at the start: the file must be one that
    // starts where the snapshot does (`> file` through /dev/stdout), not a
    // pipe, a device or a file opened for appending.
    struct stat st;
    const int fd = fileno(f);
    const int flags = fcntl(fd, F_GETFL);
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || flags < 0 ||
        (flags & O_APPEND) != 0 || lseek(fd, 0, SEEK_CUR) != 0) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "cannot write snapshot '%s': a snapshot is written to a file (its "
          "header last, at the start), not a pipe, a device or a file "
          "appended to",
          path));
    }
  }
  const DocumentStore& store = *store_;
  const DocId n = static_cast<DocId>(store.num_ids());
  SnapshotHeader h = HeaderFor(options_.hashing());
  h.num_ids = n;
  h.num_live = stats_.documents;
  for (DocId d = 0; d < n; ++d) h.num_set_hashes += store.set(d).size();
  bool ok = std::fwrite(&h, sizeof(h), 1, f) == 1;
  PayloadWriter w(f);
  for (DocId d = 0; d < n; ++d) {
    const std::string_view id = store.id(d);
    w.Put(static_cast<uint32_t>(id.size()));
    w.Write(id.data(), id.size());
  }
  for (DocId d = 0; d < n; ++d) w.Put(static_cast<uint8_t>(store.live(d)));
  // Document by document: an on-disk store does not hold them back to
  // back.
  for (DocId d = 0; d < n; ++d) {
    const absl::Span<const uint32_t> signature = store.signature(d);
    w.Write(signature.data(), signature.size() * sizeof(uint32_t));
  }
  for (DocId d = 0; d < n; ++d) w.Put(store.simhash(d));
  uint64_t offset = 0;
  w.Put(offset);
  for (DocId d = 0; d < n; ++d) {
    offset += store.set_size(d);
    w.Put(offset);
  }
  for (DocId d = 0; d < n; ++d) {
    const absl::Span<const uint64_t> set = store.set(d);
    w.Write(set.data(), set.size() * sizeof(uint64_t));
  }
  const StoreCounters counters = store.counters();
  w.Put(counters.bytes);
  w.Put(counters.invalid_utf8);
  w.Put(counters.nul_bytes);
  if (!options_.keep_shingle_sets) h.flags |= kFlagNoSets;
  absl::Status fetch_status;
  if (options_.copy.enabled) {
    // Texts not kept in memory come from the text source, so that the file
    // stands alone.
    h.flags |= kFlagTexts;
    std::string fetched;
    for (DocId d = 0; d < n; ++d) {
      absl::StatusOr<std::string_view> text = TextOf(d, fetched);
      if (!text.ok()) {
        fetch_status = text.status();
        break;
      }
      w.Put(static_cast<uint64_t>(text->size()));
      w.Write(text->data(), text->size());
    }
  }
  for (DocId d = 0; d < n; ++d) {
    const std::optional<int64_t> date = store.date(d);
    w.Put(static_cast<uint8_t>(date.has_value()));
    w.Put(date.value_or(0));
  }
  w.Put(static_cast<uint32_t>(store.num_sources()));
  for (uint32_t i = 0; i < store.num_sources(); ++i) {
    const std::string_view name = store.source_name(i);
    w.Put(static_cast<uint32_t>(name.size()));
    w.Write(name.data(), name.size());
  }
  for (DocId d = 0; d < n; ++d) w.Put(store.source(d));
  h.payload_bytes = w.bytes();
  h.payload_checksum = w.checksum();
  h.header_checksum = XXH3_64bits(&h, kChecksummedHeaderBytes);
  // On an error `out` removes the temporary file; the old file stays.
  if (!fetch_status.ok()) return fetch_status;
  ok = ok && w.ok() && std::fseek(f, 0, SEEK_SET) == 0 &&
       std::fwrite(&h, sizeof(h), 1, f) == 1;
  if (!ok) {
    return absl::DataLossError(absl::StrFormat("cannot write snapshot '%s': %s",
                                               path, std::strerror(errno)));
  }
  return out.Commit();
}

namespace {

// Checks every count in a version 3 header against the payload size, so
// that nothing is sized from a count the file cannot hold (the header
// checksum is no defence: anyone can recompute it). Each DocId takes at
// least an id length, a live flag, its signature, its fingerprint, its set
// offset, a text length when texts are stored, and a date; besides them the
// payload holds the last set offset and the counters.
absl::Status CheckCounts(const std::string& path, const SnapshotHeader& h) {
  const auto refuse = [&](const char* field, uint64_t value,
                          const std::string& why) {
    return absl::DataLossError(
        absl::StrFormat("snapshot '%s' is corrupt: header field %s is %d, %s",
                        path, field, value, why));
  };
  constexpr uint64_t kFixedBytes = sizeof(uint64_t) + 3 * sizeof(uint64_t);
  if (h.payload_bytes < kFixedBytes) {
    return refuse("payload_bytes", h.payload_bytes,
                  absl::StrFormat("less than the %d bytes of an empty index",
                                  kFixedBytes));
  }
  const uint64_t room = h.payload_bytes - kFixedBytes;
  const uint64_t per_id = sizeof(uint32_t) + 1 +
                          uint64_t{h.num_perm} * sizeof(uint32_t) +
                          2 * sizeof(uint64_t) +
                          ((h.flags & kFlagTexts) != 0 ? sizeof(uint64_t) : 0) +
                          1 + sizeof(int64_t);
  // Divisions, so that no product of counts can overflow.
  if (h.num_ids > room / per_id) {
    return refuse("num_ids", h.num_ids,
                  absl::StrFormat("but a payload of %d bytes holds at most %d "
                                  "documents of %d permutations",
                                  h.payload_bytes, room / per_id, h.num_perm));
  }
  const uint64_t left = room - h.num_ids * per_id;
  if (h.num_set_hashes > left / sizeof(uint64_t)) {
    return refuse("num_set_hashes", h.num_set_hashes,
                  absl::StrFormat("but the payload has room for at most %d",
                                  left / sizeof(uint64_t)));
  }
  if (h.num_live > h.num_ids) {
    return refuse("num_live", h.num_live,
                  absl::StrFormat("more than num_ids (%d)", h.num_ids));
  }
  return absl::OkStatus();
}

// Checks the header at the start of a file of `file_bytes` bytes whose
// first `n` bytes are `data`: magic, version, header checksum, that the
// file holds exactly the payload the header announces, and that every count
// fits in it.
absl::Status CheckHeader(const std::string& path, const char* data, size_t n,
                         uint64_t file_bytes, SnapshotHeader& h) {
  if (n < sizeof(SnapshotHeader) ||
      std::memcmp(data, kMagic, sizeof(kMagic)) != 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "'%s' is not a mimeo snapshot (no MIMEOSNP header)", path));
  }
  std::memcpy(&h, data, sizeof(h));
  if (h.version < 1 || h.version > kVersion) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "snapshot '%s' has format version %d; this mimeo reads versions 1 "
        "to %d",
        path, h.version, kVersion));
  }
  if (h.header_bytes != sizeof(SnapshotHeader)) {
    return absl::DataLossError(absl::StrFormat(
        "snapshot '%s' is corrupt: its header says it has %d bytes, a "
        "version %d header has %d",
        path, h.header_bytes, h.version, sizeof(SnapshotHeader)));
  }
  if (XXH3_64bits(&h, kChecksummedHeaderBytes) != h.header_checksum) {
    return absl::DataLossError(absl::StrFormat(
        "snapshot '%s' is corrupt: header checksum mismatch", path));
  }
  if (h.version >= 5 &&
      h.token_hash > static_cast<uint32_t>(TokenHash::kShortMix)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "snapshot '%s' names token hash %d, which this mimeo does not know",
        path, h.token_hash));
  }
  if (h.version < 3) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "snapshot '%s' has format version %d, made by an older mimeo whose "
        "shingle hashes this one no longer computes; build it again from "
        "the texts (mimeo index create)",
        path, h.version));
  }
  const uint64_t have = file_bytes - sizeof(SnapshotHeader);
  if (have != h.payload_bytes) {
    return absl::DataLossError(absl::StrFormat(
        "snapshot '%s' is %s: the header announces %d payload bytes, the "
        "file holds %d",
        path, have < h.payload_bytes ? "truncated" : "corrupt", h.payload_bytes,
        have));
  }
  return CheckCounts(path, h);
}

}  // namespace

absl::StatusOr<Engine::SnapshotInfo> Engine::ReadSnapshotInfo(
    const std::string& path) {
  File f(std::fopen(path.c_str(), "rb"));
  if (!f) {
    return absl::NotFoundError(absl::StrFormat("cannot open snapshot '%s': %s",
                                               path, std::strerror(errno)));
  }
  char buf[sizeof(SnapshotHeader)];
  const size_t n = std::fread(buf, 1, sizeof(buf), f.get());
  std::error_code ec;
  const uint64_t file_bytes = std::filesystem::file_size(path, ec);
  if (ec) {
    return absl::DataLossError(
        absl::StrFormat("cannot read snapshot '%s': %s", path, ec.message()));
  }
  SnapshotHeader h;
  RETURN_IF_ERROR(CheckHeader(path, buf, n, file_bytes, h));
  SnapshotInfo info;
  info.version = h.version;
  info.num_ids = h.num_ids;
  info.num_live = h.num_live;
  info.has_texts = h.version >= 2 && (h.flags & kFlagTexts) != 0;
  info.file_bytes = file_bytes;
  Options& o = info.options;
  o.SetHashing(ParamsOf(h));
  o.copy.enabled = info.has_texts;
  o.keep_shingle_sets = (h.flags & kFlagNoSets) == 0;
  if (absl::Status s = o.Validate(); !s.ok()) {
    return absl::DataLossError(absl::StrFormat(
        "snapshot '%s' is corrupt: its parameters are invalid (%s)", path,
        s.message()));
  }
  return info;
}

absl::StatusOr<std::unique_ptr<Engine>> Engine::Load(const std::string& path,
                                                     const Options& options) {
  RETURN_IF_ERROR(options.Validate());
  if (!options.find_near_duplicates) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "snapshot '%s' holds MinHash signatures; load it with "
        "Options::find_near_duplicates = true",
        path));
  }
  File f(std::fopen(path.c_str(), "rb"));
  struct stat st;
  if (!f || fstat(fileno(f.get()), &st) != 0) {
    return absl::NotFoundError(absl::StrFormat("cannot open snapshot '%s': %s",
                                               path, std::strerror(errno)));
  }
  char header[sizeof(SnapshotHeader)];
  const size_t n = std::fread(header, 1, sizeof(header), f.get());
  SnapshotHeader h;
  RETURN_IF_ERROR(
      CheckHeader(path, header, n, static_cast<uint64_t>(st.st_size), h));
  const std::string difference =
      ParamsOf(h).Difference(options.hashing(), "the file", "the options");
  if (!difference.empty()) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "snapshot '%s' was made with other parameters: %s", path, difference));
  }
  const bool has_texts = h.version >= 2 && (h.flags & kFlagTexts) != 0;
  if (options.copy.enabled && !has_texts) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "snapshot '%s' holds no texts (format version %d, or saved with "
        "shared copy off), so shared copy cannot be found in it; load it "
        "with copy.enabled = false",
        path, h.version));
  }
  if (options.text_source && !has_texts) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "snapshot '%s' holds no texts to check a text source against; load "
        "it without Options::text_source",
        path));
  }
  const bool has_sets = (h.flags & kFlagNoSets) == 0;
  if (options.keep_shingle_sets && !has_sets) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "snapshot '%s' holds no shingle sets (saved with keep_shingle_sets "
        "= false); load it with keep_shingle_sets = false",
        path));
  }
  const uint64_t have = h.payload_bytes;
  // CheckHeader() bounded every count by the payload size (CheckCounts()),
  // so the sizes below fit in the file.
  const uint64_t k = h.num_perm;

  ASSIGN_OR_RETURN(std::unique_ptr<Engine> e, Create(options));
  internal::DocumentColumns c;
  PayloadReader r(path, f.get(), have);
  // The sections, read as they come; whatever they say, a payload whose
  // checksum fails is reported as such (a damaged file), and a payload
  // that passes but does not parse as corrupt (a crafted one).
  const absl::Status parsed = [&]() -> absl::Status {
    c.ids.resize(h.num_ids);
    for (std::string& id : c.ids) {
      RETURN_IF_ERROR(r.GetString<uint32_t>(id, "an id"));
    }
    c.live.resize(h.num_ids);
    RETURN_IF_ERROR(r.Read(c.live.data(), h.num_ids, "the live flags"));
    c.signatures.resize(h.num_ids * k);
    RETURN_IF_ERROR(
        r.Read(c.signatures.data(), h.num_ids * k * 4, "signatures"));
    c.simhashes.resize(h.num_ids);
    RETURN_IF_ERROR(
        r.Read(c.simhashes.data(), h.num_ids * 8, "fingerprints"));
    c.set_offsets.resize(h.num_ids + 1);
    RETURN_IF_ERROR(
        r.Read(c.set_offsets.data(), (h.num_ids + 1) * 8, "set offsets"));
    c.set_hashes.resize(h.num_set_hashes);
    RETURN_IF_ERROR(
        r.Read(c.set_hashes.data(), h.num_set_hashes * 8, "shingle sets"));
    RETURN_IF_ERROR(r.Get(c.counters.bytes, "counters"));
    RETURN_IF_ERROR(r.Get(c.counters.invalid_utf8, "counters"));
    RETURN_IF_ERROR(r.Get(c.counters.nul_bytes, "counters"));
    c.texts.resize(h.num_ids);
    c.dates.resize(h.num_ids);
    if (has_texts) {
      for (std::string& text : c.texts) {
        RETURN_IF_ERROR(r.GetString<uint64_t>(text, "a text"));
        if (options.text_source) {
          c.text_hashes.push_back(XXH3_64bits(text.data(), text.size()));
        }
      }
      // Texts a snapshot holds are not needed with copy off.
      if (!options.copy.enabled) {
        std::vector<std::string>(h.num_ids).swap(c.texts);
      }
    }
    if (h.version >= 2) {
      for (std::optional<int64_t>& date : c.dates) {
        uint8_t has;
        int64_t value;
        RETURN_IF_ERROR(r.Get(has, "a date"));
        RETURN_IF_ERROR(r.Get(value, "a date"));
        if (has > 1) {
          return absl::DataLossError(absl::StrFormat(
              "snapshot '%s' is corrupt: a date flag of %d", path, has));
        }
        if (has) date = value;
      }
    }
    c.sources.assign(h.num_ids, 0);
    if (h.version >= 4) {
      uint32_t count = 0;
      RETURN_IF_ERROR(r.Get(count, "the number of sources"));
      // Each source takes at least its length: a count the file cannot hold
      // is refused before anything is sized from it.
      if (count == 0 || count > have / sizeof(uint32_t)) {
        return absl::DataLossError(absl::StrFormat(
            "snapshot '%s' is corrupt: %d sources", path, count));
      }
      c.source_names.clear();
      absl::flat_hash_set<std::string> seen;
      for (uint32_t i = 0; i < count; ++i) {
        std::string name;
        RETURN_IF_ERROR(r.GetString<uint32_t>(name, "a source"));
        // The first source is the empty one, and only the first.
        if ((i == 0) != name.empty()) {
          return absl::DataLossError(absl::StrFormat(
              "snapshot '%s' is corrupt: source %d is '%s'", path, i, name));
        }
        if (!seen.insert(name).second) {
          return absl::DataLossError(absl::StrFormat(
              "snapshot '%s' is corrupt: source '%s' twice", path, name));
        }
        c.source_names.push_back(std::move(name));
      }
      RETURN_IF_ERROR(r.Read(c.sources.data(), h.num_ids * sizeof(uint32_t),
                             "the documents' sources"));
      for (uint32_t s : c.sources) {
        if (s >= count) {
          return absl::DataLossError(absl::StrFormat(
              "snapshot '%s' is corrupt: a document of source %d of %d", path,
              s, count));
        }
      }
    }
    if (!r.AtEnd()) {
      return absl::DataLossError(absl::StrFormat(
          "snapshot '%s' is corrupt: bytes left after the last section", path));
    }
    return absl::OkStatus();
  }();
  if (!r.ChecksumMatches(h.payload_checksum)) {
    return absl::DataLossError(absl::StrFormat(
        "snapshot '%s' is corrupt: payload checksum mismatch", path));
  }
  RETURN_IF_ERROR(parsed);
  if (c.set_offsets.front() != 0 ||
      (has_sets && c.set_offsets.back() != h.num_set_hashes) ||
      (!has_sets && h.num_set_hashes != 0) ||
      !std::is_sorted(c.set_offsets.begin(), c.set_offsets.end())) {
    return absl::DataLossError(absl::StrFormat(
        "snapshot '%s' is corrupt: shingle set offsets out of order", path));
  }

  // Fingerprints are winnowed again from the texts, on all threads.
  std::vector<std::vector<Fingerprint>> fps(h.num_ids);
  std::vector<absl::Status> unreadable;
  if (options.copy.enabled) {
    unreadable.resize(h.num_ids);
    tbb::enumerable_thread_specific<Scratch> scratch;
    tbb::task_arena arena = internal::Arena(options.threads);
    arena.execute([&] {
      tbb::parallel_for(uint64_t{0}, h.num_ids, [&](uint64_t d) {
        if (!c.live[d]) return;
        // Only the fingerprints: signatures and sets were read above.
        // Normalize refuses only a text of 4 GiB or more, which a crafted
        // file could hold.
        Scratch& s = scratch.local();
        unreadable[d] = e->ShingleText(c.texts[d], s);
        if (unreadable[d].ok()) e->winnower_.Winnow(s.shingles.hashes, fps[d]);
      });
    });
  }
  for (uint64_t d = 0; d < unreadable.size(); ++d) {
    if (!unreadable[d].ok()) {
      return absl::DataLossError(
          absl::StrFormat("snapshot '%s' is corrupt: the text of '%s': %s",
                          path, c.ids[d], unreadable[d].message()));
    }
  }
  for (DocId d = 0; d < h.num_ids; ++d) {
    c.fps.append(fps[d].data(), fps[d].size());
    c.fp_offsets.push_back(c.fps.size());
    if (!c.live[d]) c.texts[d].clear();
    std::vector<Fingerprint>().swap(fps[d]);
  }
  // With a text source, the texts were needed only for the fingerprints.
  if (options.text_source) std::vector<std::string>(h.num_ids).swap(c.texts);
  // Sets a snapshot holds are not needed without keep_shingle_sets; the
  // offsets still give their sizes.
  if (!options.keep_shingle_sets) c.set_hashes.release();
  auto store = std::make_unique<internal::InMemoryDocumentStore>(
      options.minhash.num_perm, options.keep_shingle_sets,
      options.copy.enabled && !options.text_source,
      options.text_source != nullptr);
  if (absl::Status s = store->Adopt(std::move(c)); !s.ok()) {
    return absl::DataLossError(
        absl::StrFormat("snapshot '%s' is corrupt: %s", path, s.message()));
  }
  e->store_ = std::move(store);
  // Rebuild the indexes; the banding may differ from the one the file was
  // saved with. Room for all at once: growing the tables on the way costs
  // more than filing.
  RETURN_IF_ERROR(e->IndexAll());
  if (e->stats_.documents != h.num_live) {
    return absl::DataLossError(absl::StrFormat(
        "snapshot '%s' is corrupt: %d live documents, the header says %d", path,
        e->stats_.documents, h.num_live));
  }
  return e;
}

}  // namespace mimeo
