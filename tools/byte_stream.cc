#include "byte_stream.h"

#include <zlib.h>
#include <zstd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "absl/strings/str_format.h"

namespace mimeo::cli {
namespace {

// The file under a stream, with the bytes already read to sniff its
// format put back in front.
class RawFile {
 public:
  RawFile(std::FILE* f, bool owned, std::string path)
      : f_(f), owned_(owned), path_(std::move(path)) {}
  ~RawFile() {
    if (owned_) std::fclose(f_);
  }
  RawFile(const RawFile&) = delete;
  RawFile& operator=(const RawFile&) = delete;

  // Reads the first bytes and keeps them to be read again.
  absl::StatusOr<std::string_view> Peek(size_t n) {
    prefix_.resize(n);
    const size_t got = std::fread(prefix_.data(), 1, n, f_);
    if (got < n && std::ferror(f_)) return Error();
    prefix_.resize(got);
    return std::string_view(prefix_);
  }

  absl::StatusOr<size_t> Read(char* out, size_t n) {
    if (prefix_pos_ < prefix_.size()) {
      const size_t k = std::min(n, prefix_.size() - prefix_pos_);
      std::memcpy(out, prefix_.data() + prefix_pos_, k);
      prefix_pos_ += k;
      consumed_ += k;
      return k;
    }
    const size_t got = std::fread(out, 1, n, f_);
    if (got == 0 && std::ferror(f_)) return Error();
    consumed_ += got;
    return got;
  }

  const std::string& path() const { return path_; }
  uint64_t consumed() const { return consumed_; }

 private:
  absl::Status Error() const {
    return absl::DataLossError(absl::StrFormat("cannot read '%s': %s", path_,
                                               std::strerror(errno)));
  }

  std::FILE* f_;
  bool owned_;
  std::string path_;
  std::string prefix_;
  size_t prefix_pos_ = 0;
  uint64_t consumed_ = 0;
};

class PlainStream : public ByteStream {
 public:
  explicit PlainStream(std::unique_ptr<RawFile> f) : f_(std::move(f)) {}
  absl::StatusOr<size_t> Read(char* out, size_t n) override {
    return f_->Read(out, n);
  }
  uint64_t consumed() const override { return f_->consumed(); }
  const char* encoding() const override { return "plain"; }

 private:
  std::unique_ptr<RawFile> f_;
};

constexpr size_t kChunk = size_t{1} << 17;

// gzip, including several members one after another (as `cat a.gz b.gz`
// makes, and as pigz writes).
class GzipStream : public ByteStream {
 public:
  explicit GzipStream(std::unique_ptr<RawFile> f)
      : f_(std::move(f)), in_(kChunk) {
    std::memset(&z_, 0, sizeof(z_));
    ok_ = inflateInit2(&z_, 15 + 16) == Z_OK;
  }
  ~GzipStream() override {
    if (ok_) inflateEnd(&z_);
  }

  absl::StatusOr<size_t> Read(char* out, size_t n) override {
    if (!ok_) return absl::InternalError("zlib failed to initialize");
    if (!failed_.ok()) return failed_;
    const size_t want = std::min<size_t>(n, 1u << 30);
    z_.next_out = reinterpret_cast<Bytef*>(out);
    z_.avail_out = static_cast<uInt>(want);
    // Text that came out before the data ended or went wrong is given
    // first, and the error at the next call, as zstd's decoder does.
    const auto fail = [&](absl::Status error) -> absl::StatusOr<size_t> {
      failed_ = std::move(error);
      if (z_.avail_out < want) return want - z_.avail_out;
      return failed_;
    };
    while (z_.avail_out > 0) {
      if (z_.avail_in == 0 && !eof_) {
        absl::StatusOr<size_t> got = f_->Read(in_.data(), in_.size());
        if (!got.ok()) return got.status();
        if (*got == 0) eof_ = true;
        z_.next_in = reinterpret_cast<Bytef*>(in_.data());
        z_.avail_in = static_cast<uInt>(*got);
      }
      if (z_.avail_in == 0 && eof_) {
        if (in_member_) {
          return fail(absl::DataLossError(absl::StrFormat(
              "'%s' is truncated: the gzip data ends early", f_->path())));
        }
        break;
      }
      in_member_ = true;
      const int rc = inflate(&z_, Z_NO_FLUSH);
      if (rc == Z_STREAM_END) {
        in_member_ = false;
        inflateReset(&z_);
      } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
        return fail(absl::DataLossError(absl::StrFormat(
            "'%s' is not valid gzip data: %s", f_->path(),
            z_.msg != nullptr ? z_.msg : "inflate failed")));
      }
    }
    return want - z_.avail_out;
  }
  uint64_t consumed() const override { return f_->consumed(); }
  const char* encoding() const override { return "gzip"; }

 private:
  std::unique_ptr<RawFile> f_;
  std::vector<char> in_;
  z_stream z_;
  bool ok_ = false;
  bool eof_ = false;
  bool in_member_ = false;
  absl::Status failed_;  // the error the next Read() returns
};

class ZstdStream : public ByteStream {
 public:
  explicit ZstdStream(std::unique_ptr<RawFile> f)
      : f_(std::move(f)), in_(ZSTD_DStreamInSize()), dctx_(ZSTD_createDCtx()) {}
  ~ZstdStream() override { ZSTD_freeDCtx(dctx_); }

  absl::StatusOr<size_t> Read(char* out, size_t n) override {
    if (dctx_ == nullptr) return absl::InternalError("zstd failed to initialize");
    if (!failed_.ok()) return failed_;
    ZSTD_outBuffer ob{out, n, 0};
    // Text that came out before the data ended or went wrong is given
    // first, and the error at the next call.
    const auto fail = [&](absl::Status error) -> absl::StatusOr<size_t> {
      failed_ = std::move(error);
      if (ob.pos > 0) return ob.pos;
      return failed_;
    };
    while (ob.pos < ob.size) {
      if (ib_.pos == ib_.size && !eof_) {
        absl::StatusOr<size_t> got = f_->Read(in_.data(), in_.size());
        if (!got.ok()) return got.status();
        if (*got == 0) eof_ = true;
        ib_ = ZSTD_inBuffer{in_.data(), *got, 0};
      }
      if (ib_.pos == ib_.size && eof_) {
        if (pending_ != 0) {
          // Input is over but a frame is unfinished. Flush what the
          // decoder holds first; if nothing comes out, it is truncated.
          const size_t before = ob.pos;
          const size_t rc = ZSTD_decompressStream(dctx_, &ob, &ib_);
          if (!ZSTD_isError(rc)) pending_ = rc;
          if (ob.pos > before) continue;
          return fail(absl::DataLossError(absl::StrFormat(
              "'%s' is truncated: the zstd data ends early", f_->path())));
        }
        break;
      }
      const size_t rc = ZSTD_decompressStream(dctx_, &ob, &ib_);
      if (ZSTD_isError(rc)) {
        return fail(absl::DataLossError(absl::StrFormat(
            "'%s' is not valid zstd data: %s", f_->path(),
            ZSTD_getErrorName(rc))));
      }
      pending_ = rc;
    }
    return ob.pos;
  }
  uint64_t consumed() const override { return f_->consumed(); }
  const char* encoding() const override { return "zstd"; }

 private:
  std::unique_ptr<RawFile> f_;
  std::vector<char> in_;
  ZSTD_DCtx* dctx_;
  ZSTD_inBuffer ib_{nullptr, 0, 0};
  size_t pending_ = 0;
  bool eof_ = false;
  absl::Status failed_;  // the error the next Read() returns
};

class PrefixedStream : public ByteStream {
 public:
  PrefixedStream(std::string prefix, std::unique_ptr<ByteStream> rest)
      : prefix_(std::move(prefix)), rest_(std::move(rest)) {}
  absl::StatusOr<size_t> Read(char* out, size_t n) override {
    if (pos_ < prefix_.size()) {
      const size_t k = std::min(n, prefix_.size() - pos_);
      std::memcpy(out, prefix_.data() + pos_, k);
      pos_ += k;
      return k;
    }
    return rest_->Read(out, n);
  }
  uint64_t consumed() const override { return rest_->consumed(); }
  const char* encoding() const override { return rest_->encoding(); }

 private:
  std::string prefix_;
  size_t pos_ = 0;
  std::unique_ptr<ByteStream> rest_;
};

class BytesStream : public ByteStream {
 public:
  explicit BytesStream(std::string bytes) : bytes_(std::move(bytes)) {}
  absl::StatusOr<size_t> Read(char* out, size_t n) override {
    const size_t k = std::min(n, bytes_.size() - pos_);
    std::memcpy(out, bytes_.data() + pos_, k);
    pos_ += k;
    return k;
  }
  uint64_t consumed() const override { return pos_; }
  const char* encoding() const override { return "plain"; }

 private:
  std::string bytes_;
  size_t pos_ = 0;
};

}  // namespace

std::unique_ptr<ByteStream> StreamOfBytes(std::string bytes) {
  return std::make_unique<BytesStream>(std::move(bytes));
}

bool LooksCompressed(std::string_view h) {
  return (h.size() >= 2 && h[0] == '\x1f' && h[1] == '\x8b') ||
         (h.size() >= 4 && h.substr(0, 4) == std::string_view("\x28\xb5\x2f\xfd", 4));
}

std::unique_ptr<ByteStream> WithPrefix(std::string prefix,
                                       std::unique_ptr<ByteStream> rest) {
  return std::make_unique<PrefixedStream>(std::move(prefix), std::move(rest));
}

absl::StatusOr<std::unique_ptr<ByteStream>> OpenByteStream(
    const std::string& path) {
  std::unique_ptr<RawFile> f;
  if (path == "-") {
    f = std::make_unique<RawFile>(stdin, false, "standard input");
  } else {
    std::FILE* fp = std::fopen(path.c_str(), "rb");
    if (fp == nullptr) {
      const int err = errno;
      if (err == ENOENT) {
        return absl::NotFoundError(
            absl::StrFormat("'%s' does not exist", path));
      }
      return absl::PermissionDeniedError(absl::StrFormat(
          "cannot open '%s': %s", path, std::strerror(err)));
    }
    f = std::make_unique<RawFile>(fp, true, path);
  }
  absl::StatusOr<std::string_view> head = f->Peek(4);
  if (!head.ok()) return head.status();
  const std::string_view h = *head;
  if (LooksCompressed(h)) {
    if (h[0] == '\x1f') return std::make_unique<GzipStream>(std::move(f));
    return std::make_unique<ZstdStream>(std::move(f));
  }
  return std::make_unique<PlainStream>(std::move(f));
}

absl::StatusOr<std::string> ReadAll(ByteStream& in, const std::string& path,
                                    uint64_t max_bytes) {
  std::string out;
  std::vector<char> buf(kChunk);
  for (;;) {
    absl::StatusOr<size_t> got = in.Read(buf.data(), buf.size());
    if (!got.ok()) return got.status();
    if (*got == 0) break;
    if (out.size() + *got > max_bytes) {
      return absl::ResourceExhaustedError(absl::StrFormat(
          "'%s' is larger than the %d-byte document limit", path, max_bytes));
    }
    out.append(buf.data(), *got);
  }
  return out;
}

absl::Status LineReader::Fill() {
  if (begin_ > 0) {
    dropped_ += begin_;
    buf_.erase(0, begin_);
    begin_ = 0;
  }
  const size_t old = buf_.size();
  buf_.resize(old + kChunk);
  absl::StatusOr<size_t> got = in_.Read(buf_.data() + old, kChunk);
  if (!got.ok()) {
    buf_.resize(old);
    return got.status();
  }
  buf_.resize(old + *got);
  if (*got == 0) eof_ = true;
  return absl::OkStatus();
}

absl::StatusOr<std::optional<std::string_view>> LineReader::Next() {
  size_t scan = begin_;
  bool skipping = false;  // inside an over-long line, dropping its bytes
  for (;;) {
    const size_t nl = buf_.find('\n', scan);
    if (nl != std::string::npos) {
      ++line_number_;
      const size_t b = begin_;
      line_offset_ = dropped_ + b;
      begin_ = nl + 1;
      if (skipping || nl - b > max_line_) {
        return absl::OutOfRangeError(absl::StrFormat(
            "line %d is longer than %d bytes", line_number_, max_line_));
      }
      size_t e = nl;
      if (e > b && buf_[e - 1] == '\r') --e;
      return std::optional<std::string_view>(
          std::string_view(buf_).substr(b, e - b));
    }
    if (eof_) {
      if (begin_ == buf_.size() && !skipping) return std::nullopt;
      ++line_number_;
      const size_t b = begin_;
      line_offset_ = dropped_ + b;
      begin_ = buf_.size();
      if (skipping || buf_.size() - b > max_line_) {
        return absl::OutOfRangeError(absl::StrFormat(
            "line %d is longer than %d bytes", line_number_, max_line_));
      }
      size_t e = buf_.size();
      if (e > b && buf_[e - 1] == '\r') --e;
      return std::optional<std::string_view>(
          std::string_view(buf_).substr(b, e - b));
    }
    if (buf_.size() - begin_ > max_line_) {
      // Drop what is held of the over-long line and keep looking for its end.
      skipping = true;
      begin_ = buf_.size();
    }
    scan = buf_.size() - begin_;  // offsets move when Fill() compacts
    if (absl::Status s = Fill(); !s.ok()) return s;
    scan = begin_ + scan;
  }
}

}  // namespace mimeo::cli
