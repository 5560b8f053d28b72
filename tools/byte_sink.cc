#include "byte_sink.h"

#include <zlib.h>
#include <zstd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "absl/strings/str_format.h"

namespace mimeo::cli {
namespace {

constexpr size_t kChunk = 1 << 16;

// The error of a short fwrite(): what the system said (a full disk).
absl::Status WriteFailed() {
  return absl::DataLossError(
      absl::StrFormat("write failed: %s", std::strerror(errno)));
}

class PlainSink : public ByteSink {
 public:
  explicit PlainSink(std::FILE* out) : out_(out) {}
  absl::Status Write(std::string_view bytes) override {
    if (std::fwrite(bytes.data(), 1, bytes.size(), out_) != bytes.size()) {
      return WriteFailed();
    }
    return absl::OkStatus();
  }
  absl::Status Finish() override { return absl::OkStatus(); }
  const char* encoding() const override { return "plain"; }

 private:
  std::FILE* out_;
};

// gzip (RFC 1952) through zlib's deflate with a gzip wrapper, so that
// gunzip, zcat and mimeo's own reader take it.
class GzipSink : public ByteSink {
 public:
  explicit GzipSink(std::FILE* out) : out_(out), buf_(kChunk) {
    // 15 window bits + 16: a gzip header and trailer, not zlib's.
    ok_ = deflateInit2(&z_, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
                       Z_DEFAULT_STRATEGY) == Z_OK;
  }
  ~GzipSink() override {
    if (ok_) deflateEnd(&z_);
  }
  absl::Status Write(std::string_view bytes) override {
    return Deflate(bytes, Z_NO_FLUSH);
  }
  absl::Status Finish() override { return Deflate({}, Z_FINISH); }
  const char* encoding() const override { return "gzip"; }

 private:
  absl::Status Deflate(std::string_view bytes, int flush) {
    if (!ok_) return absl::InternalError("gzip: cannot start the compressor");
    z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
    z_.avail_in = static_cast<uInt>(bytes.size());
    int rc;
    do {
      z_.next_out = reinterpret_cast<Bytef*>(buf_.data());
      z_.avail_out = static_cast<uInt>(buf_.size());
      rc = deflate(&z_, flush);
      if (rc == Z_STREAM_ERROR)
        return absl::InternalError("gzip: deflate failed");
      const size_t n = buf_.size() - z_.avail_out;
      if (std::fwrite(buf_.data(), 1, n, out_) != n) {
        return WriteFailed();
      }
    } while (z_.avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
    return absl::OkStatus();
  }

  std::FILE* out_;
  z_stream z_{};
  bool ok_ = false;
  std::vector<char> buf_;
};

// One zstd frame, streamed (ZSTD_compressStream2), at the default level.
class ZstdSink : public ByteSink {
 public:
  explicit ZstdSink(std::FILE* out)
      : out_(out), cctx_(ZSTD_createCCtx()), buf_(ZSTD_CStreamOutSize()) {}
  ~ZstdSink() override { ZSTD_freeCCtx(cctx_); }
  absl::Status Write(std::string_view bytes) override {
    return Compress(bytes, ZSTD_e_continue);
  }
  absl::Status Finish() override { return Compress({}, ZSTD_e_end); }
  const char* encoding() const override { return "zstd"; }

 private:
  absl::Status Compress(std::string_view bytes, ZSTD_EndDirective mode) {
    if (cctx_ == nullptr) return absl::InternalError("zstd: cannot start");
    ZSTD_inBuffer in{bytes.data(), bytes.size(), 0};
    size_t left;
    do {
      ZSTD_outBuffer out{buf_.data(), buf_.size(), 0};
      left = ZSTD_compressStream2(cctx_, &out, &in, mode);
      if (ZSTD_isError(left)) {
        return absl::InternalError(
            absl::StrFormat("zstd: %s", ZSTD_getErrorName(left)));
      }
      if (std::fwrite(buf_.data(), 1, out.pos, out_) != out.pos) {
        return WriteFailed();
      }
    } while (mode == ZSTD_e_end ? left != 0 : in.pos < in.size);
    return absl::OkStatus();
  }

  std::FILE* out_;
  ZSTD_CCtx* cctx_;
  std::vector<char> buf_;
};

}  // namespace

const char* EncodingForName(std::string_view path) {
  if (path.ends_with(".gz")) return "gzip";
  if (path.ends_with(".zst")) return "zstd";
  return "plain";
}

std::unique_ptr<ByteSink> OpenByteSink(std::FILE* out,
                                       std::string_view encoding) {
  if (encoding == "gzip") return std::make_unique<GzipSink>(out);
  if (encoding == "zstd") return std::make_unique<ZstdSink>(out);
  return std::make_unique<PlainSink>(out);
}

}  // namespace mimeo::cli
