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
// The header holds every parameter that decides a hash value, the counts,
// XXH3-64 of the payload, and XXH3-64 of the header's first 120 bytes.
// Versions 1 and 2 are refused with a message saying to rebuild: their
// shingle hashes are no longer computed, so their sketches would match
// nothing. A reader refuses versions it does not know. Fingerprints are not
// stored: Load() winnows the texts again, so the winnowing window may
// change.
#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>

#include "absl/strings/str_format.h"
#include "internal/engine_parts.h"
#include "internal/status_macros.h"
#include "mimeo/engine.h"
#include "oneapi/tbb/enumerable_thread_specific.h"
#include "oneapi/tbb/parallel_for.h"
#include "xxhash.h"

namespace mimeo {

static_assert(std::endian::native == std::endian::little,
              "the snapshot writer assumes a little-endian machine");

namespace {

constexpr char kMagic[8] = {'M', 'I', 'M', 'E', 'O', 'S', 'N', 'P'};
constexpr uint32_t kVersion = 3;
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
  uint8_t reserved[20];
  uint64_t header_checksum;
};
static_assert(sizeof(SnapshotHeader) == 128, "the header is 128 bytes");
constexpr size_t kChecksummedHeaderBytes = offsetof(SnapshotHeader, header_checksum);

uint32_t NormalizeFlags(const Normalizer::Options& o) {
  return (o.nfkc ? 1u : 0u) | (o.case_fold ? 2u : 0u) |
         (o.fold_whitespace ? 4u : 0u) | (o.fold_punctuation ? 8u : 0u);
}

SnapshotHeader HeaderFor(const Engine::Options& o) {
  SnapshotHeader h{};
  std::memcpy(h.magic, kMagic, sizeof(kMagic));
  h.version = kVersion;
  h.header_bytes = sizeof(SnapshotHeader);
  h.normalize_flags = NormalizeFlags(o.normalize);
  h.tokenizer_mode = static_cast<uint32_t>(o.tokenize.mode);
  h.char_ngram = o.tokenize.mode == Tokenizer::Mode::kCharNgrams
                     ? static_cast<uint32_t>(o.tokenize.char_ngram)
                     : 0;
  h.shingle_k = static_cast<uint32_t>(o.shingle.k);
  h.shingle_seed = o.shingle.seed;
  h.num_perm = static_cast<uint32_t>(o.minhash.num_perm);
  h.minhash_scheme = static_cast<uint32_t>(o.minhash.scheme);
  h.minhash_seed = o.minhash.seed;
  return h;
}

// The first hashing parameter on which the file and the options differ.
std::string ParameterDifference(const SnapshotHeader& file,
                                const SnapshotHeader& want) {
  auto diff = [](const char* name, uint64_t f, uint64_t w) {
    return absl::StrFormat("%s is %d in the file but %d in the options", name,
                           f, w);
  };
  if (file.normalize_flags != want.normalize_flags)
    return diff("normalization flags", file.normalize_flags, want.normalize_flags);
  if (file.tokenizer_mode != want.tokenizer_mode)
    return diff("tokenizer mode", file.tokenizer_mode, want.tokenizer_mode);
  if (file.char_ngram != want.char_ngram)
    return diff("tokenizer char_ngram", file.char_ngram, want.char_ngram);
  if (file.shingle_k != want.shingle_k)
    return diff("shingle k", file.shingle_k, want.shingle_k);
  if (file.shingle_seed != want.shingle_seed)
    return diff("shingle seed", file.shingle_seed, want.shingle_seed);
  if (file.num_perm != want.num_perm)
    return diff("num_perm", file.num_perm, want.num_perm);
  if (file.minhash_scheme != want.minhash_scheme)
    return diff("minhash scheme", file.minhash_scheme, want.minhash_scheme);
  if (file.minhash_seed != want.minhash_seed)
    return diff("minhash seed", file.minhash_seed, want.minhash_seed);
  return "";
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

// Bounds-checked reads from the payload.
class PayloadReader {
 public:
  PayloadReader(const std::string& path, const char* data, size_t n)
      : path_(path), p_(data), end_(data + n) {}
  absl::Status Read(void* out, uint64_t n, const char* what) {
    if (n > static_cast<uint64_t>(end_ - p_)) {
      return absl::DataLossError(absl::StrFormat(
          "snapshot '%s' is corrupt: %s runs past the end of the payload",
          path_, what));
    }
    if (n == 0) return absl::OkStatus();  // `out` may be an empty vector's null
    std::memcpy(out, p_, n);
    p_ += n;
    return absl::OkStatus();
  }
  template <typename T>
  absl::Status Get(T& v, const char* what) {
    return Read(&v, sizeof(T), what);
  }
  bool AtEnd() const { return p_ == end_; }

 private:
  const std::string& path_;
  const char* p_;
  const char* end_;
};

absl::Status ReadWholeFile(const std::string& path, std::string& out) {
  File f(std::fopen(path.c_str(), "rb"));
  if (!f) {
    return absl::NotFoundError(absl::StrFormat(
        "cannot open snapshot '%s': %s", path, std::strerror(errno)));
  }
  char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), f.get())) > 0) out.append(buf, n);
  if (std::ferror(f.get())) {
    return absl::DataLossError(absl::StrFormat(
        "cannot read snapshot '%s': %s", path, std::strerror(errno)));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status Engine::Save(const std::string& path) const {
  std::shared_lock lock(mu_);
  const std::string tmp = path + ".tmp";
  File f(std::fopen(tmp.c_str(), "wb"));
  if (!f) {
    return absl::PermissionDeniedError(absl::StrFormat(
        "cannot create '%s': %s", tmp, std::strerror(errno)));
  }
  SnapshotHeader h = HeaderFor(options_);
  h.num_ids = ids_.size();
  h.num_live = stats_.documents;
  h.num_set_hashes = set_hashes_.size();
  bool ok = std::fwrite(&h, sizeof(h), 1, f.get()) == 1;
  PayloadWriter w(f.get());
  for (const std::string& id : ids_) {
    w.Put(static_cast<uint32_t>(id.size()));
    w.Write(id.data(), id.size());
  }
  w.Write(live_.data(), live_.size());
  w.Write(signatures_.data(), signatures_.size() * sizeof(uint32_t));
  w.Write(fingerprints_.data(), fingerprints_.size() * sizeof(uint64_t));
  w.Write(set_offsets_.data(), set_offsets_.size() * sizeof(uint64_t));
  w.Write(set_hashes_.data(), set_hashes_.size() * sizeof(uint64_t));
  w.Put(stats_.bytes);
  w.Put(stats_.invalid_utf8);
  w.Put(stats_.nul_bytes);
  if (!options_.keep_shingle_sets) h.flags |= kFlagNoSets;
  absl::Status fetch_status;
  if (options_.copy.enabled) {
    // Texts not kept in memory come from the text source, so that the file
    // stands alone.
    h.flags |= kFlagTexts;
    std::string fetched;
    for (DocId d = 0; d < texts_.size(); ++d) {
      absl::StatusOr<std::string_view> text = TextOf(d, fetched);
      if (!text.ok()) {
        fetch_status = text.status();
        break;
      }
      w.Put(static_cast<uint64_t>(text->size()));
      w.Write(text->data(), text->size());
    }
  }
  for (const std::optional<int64_t>& date : dates_) {
    w.Put(static_cast<uint8_t>(date.has_value()));
    w.Put(date.value_or(0));
  }
  h.payload_bytes = w.bytes();
  h.payload_checksum = w.checksum();
  h.header_checksum = XXH3_64bits(&h, kChecksummedHeaderBytes);
  ok = ok && w.ok() && std::fseek(f.get(), 0, SEEK_SET) == 0 &&
       std::fwrite(&h, sizeof(h), 1, f.get()) == 1 && std::fflush(f.get()) == 0;
  const int close_result = std::fclose(f.release());
  if (!fetch_status.ok()) {
    std::remove(tmp.c_str());
    return fetch_status;
  }
  if (!ok || close_result != 0) {
    const std::string reason = std::strerror(errno);
    std::remove(tmp.c_str());
    return absl::DataLossError(
        absl::StrFormat("cannot write snapshot '%s': %s", tmp, reason));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string reason = std::strerror(errno);
    std::remove(tmp.c_str());
    return absl::DataLossError(absl::StrFormat(
        "cannot rename '%s' to '%s': %s", tmp, path, reason));
  }
  return absl::OkStatus();
}

namespace {

// Checks the header at the start of a file of `file_bytes` bytes whose
// first `n` bytes are `data`: magic, version, header checksum, and that the
// file holds exactly the payload the header announces.
absl::Status CheckHeader(const std::string& path, const char* data, size_t n,
                         uint64_t file_bytes, SnapshotHeader& h) {
  if (n < sizeof(SnapshotHeader) ||
      std::memcmp(data, kMagic, sizeof(kMagic)) != 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "'%s' is not a mimeo snapshot (no MIMEOSNP header)", path));
  }
  std::memcpy(&h, data, sizeof(h));
  if (h.version < 1 || h.version > kVersion ||
      h.header_bytes != sizeof(SnapshotHeader)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "snapshot '%s' has format version %d; this mimeo reads versions 1 "
        "to %d",
        path, h.version, kVersion));
  }
  if (XXH3_64bits(&h, kChecksummedHeaderBytes) != h.header_checksum) {
    return absl::DataLossError(absl::StrFormat(
        "snapshot '%s' is corrupt: header checksum mismatch", path));
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
        path, have < h.payload_bytes ? "truncated" : "corrupt",
        h.payload_bytes, have));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Engine::SnapshotInfo> Engine::ReadSnapshotInfo(
    const std::string& path) {
  File f(std::fopen(path.c_str(), "rb"));
  if (!f) {
    return absl::NotFoundError(absl::StrFormat(
        "cannot open snapshot '%s': %s", path, std::strerror(errno)));
  }
  char buf[sizeof(SnapshotHeader)];
  const size_t n = std::fread(buf, 1, sizeof(buf), f.get());
  std::error_code ec;
  const uint64_t file_bytes = std::filesystem::file_size(path, ec);
  if (ec) {
    return absl::DataLossError(absl::StrFormat(
        "cannot read snapshot '%s': %s", path, ec.message()));
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
  o.normalize.nfkc = (h.normalize_flags & 1) != 0;
  o.normalize.case_fold = (h.normalize_flags & 2) != 0;
  o.normalize.fold_whitespace = (h.normalize_flags & 4) != 0;
  o.normalize.fold_punctuation = (h.normalize_flags & 8) != 0;
  o.tokenize.mode = static_cast<Tokenizer::Mode>(h.tokenizer_mode);
  if (h.char_ngram != 0) o.tokenize.char_ngram = static_cast<int>(h.char_ngram);
  o.shingle.k = static_cast<int>(h.shingle_k);
  o.shingle.seed = h.shingle_seed;
  o.minhash.num_perm = h.num_perm;
  o.minhash.scheme = static_cast<MinHashScheme>(h.minhash_scheme);
  o.minhash.seed = h.minhash_seed;
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
  std::string bytes;
  RETURN_IF_ERROR(ReadWholeFile(path, bytes));
  SnapshotHeader h;
  RETURN_IF_ERROR(CheckHeader(path, bytes.data(), bytes.size(), bytes.size(), h));
  const std::string difference = ParameterDifference(h, HeaderFor(options));
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
  const char* payload = bytes.data() + sizeof(SnapshotHeader);
  if (XXH3_64bits(payload, have) != h.payload_checksum) {
    return absl::DataLossError(absl::StrFormat(
        "snapshot '%s' is corrupt: payload checksum mismatch", path));
  }
  // The sizes below come from a header whose checksum matched, but are
  // bounded by the payload anyway before anything is allocated.
  const uint64_t k = h.num_perm;
  if (h.num_ids > have || h.num_set_hashes > have / sizeof(uint64_t) ||
      h.num_ids > have / (k * sizeof(uint32_t) + 8)) {
    return absl::DataLossError(absl::StrFormat(
        "snapshot '%s' is corrupt: counts exceed the payload", path));
  }

  ASSIGN_OR_RETURN(std::unique_ptr<Engine> e, Create(options));
  PayloadReader r(path, payload, have);
  e->ids_.resize(h.num_ids);
  for (std::string& id : e->ids_) {
    uint32_t len = 0;
    RETURN_IF_ERROR(r.Get(len, "an id length"));
    if (len > have) {
      return absl::DataLossError(absl::StrFormat(
          "snapshot '%s' is corrupt: an id of %d bytes", path, len));
    }
    id.resize(len);
    RETURN_IF_ERROR(r.Read(id.data(), len, "an id"));
  }
  e->live_.resize(h.num_ids);
  RETURN_IF_ERROR(r.Read(e->live_.data(), h.num_ids, "the live flags"));
  e->signatures_.resize(h.num_ids * k);
  RETURN_IF_ERROR(r.Read(e->signatures_.data(), h.num_ids * k * 4, "signatures"));
  e->fingerprints_.resize(h.num_ids);
  RETURN_IF_ERROR(r.Read(e->fingerprints_.data(), h.num_ids * 8, "fingerprints"));
  e->set_offsets_.resize(h.num_ids + 1);
  RETURN_IF_ERROR(r.Read(e->set_offsets_.data(), (h.num_ids + 1) * 8, "set offsets"));
  e->set_hashes_.resize(h.num_set_hashes);
  RETURN_IF_ERROR(r.Read(e->set_hashes_.data(), h.num_set_hashes * 8, "shingle sets"));
  RETURN_IF_ERROR(r.Get(e->stats_.bytes, "counters"));
  RETURN_IF_ERROR(r.Get(e->stats_.invalid_utf8, "counters"));
  RETURN_IF_ERROR(r.Get(e->stats_.nul_bytes, "counters"));
  e->texts_.resize(h.num_ids);
  e->dates_.resize(h.num_ids);
  if (has_texts) {
    for (std::string& text : e->texts_) {
      uint64_t len = 0;
      RETURN_IF_ERROR(r.Get(len, "a text length"));
      if (len > have) {
        return absl::DataLossError(absl::StrFormat(
            "snapshot '%s' is corrupt: a text of %d bytes", path, len));
      }
      text.resize(len);
      RETURN_IF_ERROR(r.Read(text.data(), len, "a text"));
      if (options.text_source) {
        e->text_hashes_.push_back(XXH3_64bits(text.data(), text.size()));
      }
    }
    // Texts a snapshot holds are not needed with copy off.
    if (!options.copy.enabled) {
      std::vector<std::string>(h.num_ids).swap(e->texts_);
    }
  }
  if (h.version >= 2) {
    for (std::optional<int64_t>& date : e->dates_) {
      uint8_t has;
      int64_t value;
      RETURN_IF_ERROR(r.Get(has, "a date"));
      RETURN_IF_ERROR(r.Get(value, "a date"));
      if (has > 1) {
        return absl::DataLossError(
            absl::StrFormat("snapshot '%s' is corrupt: a date flag of %d",
                            path, has));
      }
      if (has) date = value;
    }
  }
  if (!r.AtEnd()) {
    return absl::DataLossError(absl::StrFormat(
        "snapshot '%s' is corrupt: bytes left after the last section", path));
  }
  if (e->set_offsets_.front() != 0 ||
      (has_sets && e->set_offsets_.back() != h.num_set_hashes) ||
      (!has_sets && h.num_set_hashes != 0) ||
      !std::is_sorted(e->set_offsets_.begin(), e->set_offsets_.end())) {
    return absl::DataLossError(absl::StrFormat(
        "snapshot '%s' is corrupt: shingle set offsets out of order", path));
  }

  // Fingerprints are winnowed again from the texts, on all threads.
  std::vector<std::vector<Fingerprint>> fps(h.num_ids);
  if (options.copy.enabled) {
    tbb::enumerable_thread_specific<Scratch> scratch;
    tbb::task_arena arena = internal::Arena(options.threads);
    arena.execute([&] {
      tbb::parallel_for(uint64_t{0}, h.num_ids, [&](uint64_t d) {
        if (!e->live_[d]) return;
        // Only the fingerprints: signatures and sets were read above.
        // Cannot fail: a text is under 4 GiB by its u64 length and the
        // payload size; Normalize refuses only longer ones.
        Scratch& s = scratch.local();
        if (e->ShingleText(e->texts_[d], s).ok()) {
          e->winnower_.Winnow(s.shingles.hashes, fps[d]);
        }
      });
    });
  }
  for (DocId d = 0; d < h.num_ids; ++d) {
    e->fps_.insert(e->fps_.end(), fps[d].begin(), fps[d].end());
    e->fp_offsets_.push_back(e->fps_.size());
    if (e->live_[d]) {
      RETURN_IF_ERROR(e->fingerprint_index_.Add(d, fps[d]));
      e->stats_.fingerprints += fps[d].size();
    } else {
      e->texts_[d].clear();
    }
    std::vector<Fingerprint>().swap(fps[d]);
  }
  // With a text source, the texts were needed only for the fingerprints.
  if (options.text_source) std::vector<std::string>(h.num_ids).swap(e->texts_);

  // Rebuild the id map and the indexes; the banding may differ from the
  // one the file was saved with. Room for all at once: growing the tables
  // on the way costs more than filing.
  const size_t room = std::max<uint64_t>(h.num_live, options.expected_documents);
  e->doc_of_.reserve(room);
  for (DocId d = 0; d < h.num_ids; ++d) {
    if (!e->live_[d]) {
      ++e->stats_.removed;
      continue;
    }
    if (!e->doc_of_.emplace(e->ids_[d], d).second) {
      return absl::DataLossError(absl::StrFormat(
          "snapshot '%s' is corrupt: id '%s' is live twice", path, e->ids_[d]));
    }
    ++e->stats_.documents;
    const uint64_t size = e->SizeOf(d);
    e->stats_.shingles += size;
    if (size == 0) {
      ++e->stats_.empty_documents;
      continue;
    }
    if (e->simhash_index_) {
      RETURN_IF_ERROR(e->simhash_index_->Add(d, e->fingerprints_[d]));
    }
  }
  if (options.index_on_add) {
    internal::Arena(options.threads).execute(
        [&] { e->lsh_index_.Reserve(room); });
    e->CatchUpLshIndex();
  }
  // Sets a snapshot holds are not needed without keep_shingle_sets; the
  // offsets still give their sizes.
  if (!options.keep_shingle_sets) std::vector<uint64_t>().swap(e->set_hashes_);
  if (e->stats_.documents != h.num_live) {
    return absl::DataLossError(absl::StrFormat(
        "snapshot '%s' is corrupt: %d live documents, the header says %d",
        path, e->stats_.documents, h.num_live));
  }
  return e;
}

}  // namespace mimeo
