#include "internal/pair_runs.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <queue>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

#include "absl/strings/str_format.h"

namespace mimeo::internal {
namespace {

static_assert(std::is_trivially_copyable_v<Passage>);
static_assert(std::is_trivially_copyable_v<Similarity>);

// One pair's fixed part; its passages follow.
struct Record {
  DocId a;
  DocId b;
  uint32_t more_passages;
  uint32_t num_passages;
  uint64_t copied_tokens_a;
  uint64_t copied_tokens_b;
  Similarity similarity;
};
static_assert(std::is_trivially_copyable_v<Record>);

std::string TempDir() {
  const char* dir = std::getenv("TMPDIR");
  return dir != nullptr && *dir != '\0' ? dir : "/tmp";
}

absl::Status WriteAll(int fd, const char* data, size_t n,
                      const std::string& dir) {
  while (n > 0) {
    const ssize_t w = ::write(fd, data, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      return absl::ResourceExhaustedError(absl::StrFormat(
          "cannot write the pairs' temporary file in %s: %s", dir,
          std::strerror(errno)));
    }
    data += w;
    n -= static_cast<size_t>(w);
  }
  return absl::OkStatus();
}

// Reads one run through a buffer of its own (pread: runs share the file).
class RunReader {
 public:
  RunReader(int fd, uint64_t begin, uint64_t end)
      : fd_(fd), pos_(begin), end_(end) {}

  // The next pair, or false at the end of the run (or on `status`).
  bool Next(CopyPair& out, absl::Status& status) {
    if (pos_ == end_ && have_ == used_) return false;
    Record r;
    if (!Read(&r, sizeof(r), status)) return false;
    out.a = r.a;
    out.b = r.b;
    out.more_passages = r.more_passages;
    out.copied_tokens_a = r.copied_tokens_a;
    out.copied_tokens_b = r.copied_tokens_b;
    out.similarity = r.similarity;
    out.passages.resize(r.num_passages);
    return Read(out.passages.data(), r.num_passages * sizeof(Passage),
                status);
  }

 private:
  bool Read(void* dst, size_t n, absl::Status& status) {
    char* to = static_cast<char*>(dst);
    while (n > 0) {
      if (used_ == have_) {
        const size_t want = static_cast<size_t>(
            std::min<uint64_t>(buffer_.size(), end_ - pos_));
        if (want == 0) {
          status = absl::DataLossError("the pairs' temporary file is short");
          return false;
        }
        const ssize_t r = ::pread(fd_, buffer_.data(), want,
                                  static_cast<off_t>(pos_));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
          status = absl::DataLossError(absl::StrFormat(
              "cannot read the pairs' temporary file: %s",
              r < 0 ? std::strerror(errno) : "end of file"));
          return false;
        }
        pos_ += static_cast<uint64_t>(r);
        have_ = static_cast<size_t>(r);
        used_ = 0;
      }
      const size_t take = std::min(n, have_ - used_);
      std::memcpy(to, buffer_.data() + used_, take);
      used_ += take;
      to += take;
      n -= take;
    }
    return true;
  }

  int fd_;
  uint64_t pos_, end_;
  std::vector<char> buffer_ = std::vector<char>(64 * 1024);
  size_t have_ = 0, used_ = 0;
};

}  // namespace

PairRuns::~PairRuns() {
  if (fd_ >= 0) ::close(fd_);
}

absl::Status PairRuns::Append(const std::vector<CopyPair>& pairs) {
  const std::string dir = TempDir();
  if (fd_ < 0) {
    std::string path = dir + "/mimeo-pairs-XXXXXX";
    fd_ = ::mkstemp(path.data());
    if (fd_ < 0) {
      return absl::ResourceExhaustedError(absl::StrFormat(
          "cannot create a temporary file for the pairs in %s: %s", dir,
          std::strerror(errno)));
    }
    ::unlink(path.c_str());
  }
  Run run;
  run.begin = size_;
  std::string buffer;
  for (const CopyPair& p : pairs) {
    Record r;
    // Padding bytes too, so that the file's bytes follow from the pairs.
    std::memset(static_cast<void*>(&r), 0, sizeof(r));
    r.a = p.a;
    r.b = p.b;
    r.more_passages = p.more_passages;
    r.num_passages = static_cast<uint32_t>(p.passages.size());
    r.copied_tokens_a = p.copied_tokens_a;
    r.copied_tokens_b = p.copied_tokens_b;
    r.similarity = p.similarity;
    buffer.append(reinterpret_cast<const char*>(&r), sizeof(r));
    buffer.append(reinterpret_cast<const char*>(p.passages.data()),
                  p.passages.size() * sizeof(Passage));
    if (buffer.size() >= (size_t{1} << 20)) {
      if (absl::Status s = WriteAll(fd_, buffer.data(), buffer.size(), dir);
          !s.ok()) {
        return s;
      }
      size_ += buffer.size();
      buffer.clear();
    }
  }
  if (absl::Status s = WriteAll(fd_, buffer.data(), buffer.size(), dir);
      !s.ok()) {
    return s;
  }
  size_ += buffer.size();
  run.end = size_;
  runs_.push_back(run);
  pairs_ += pairs.size();
  return absl::OkStatus();
}

absl::Status PairRuns::Merge(
    size_t block_pairs,
    const std::function<absl::Status(std::vector<CopyPair>&)>& take) {
  block_pairs = std::max<size_t>(block_pairs, 1);
  std::vector<RunReader> readers;
  readers.reserve(runs_.size());
  for (const Run& r : runs_) readers.emplace_back(fd_, r.begin, r.end);
  std::vector<CopyPair> heads(runs_.size());
  absl::Status status;
  // (a, b, run), least first: equal keys (none, as every pair is found
  // once) would come out in run order.
  using Key = std::tuple<DocId, DocId, size_t>;
  std::priority_queue<Key, std::vector<Key>, std::greater<Key>> queue;
  for (size_t i = 0; i < readers.size(); ++i) {
    if (readers[i].Next(heads[i], status)) {
      queue.emplace(heads[i].a, heads[i].b, i);
    }
    if (!status.ok()) return status;
  }
  std::vector<CopyPair> block;
  while (!queue.empty()) {
    const size_t i = std::get<2>(queue.top());
    queue.pop();
    block.push_back(std::move(heads[i]));
    heads[i] = CopyPair();
    if (readers[i].Next(heads[i], status)) {
      queue.emplace(heads[i].a, heads[i].b, i);
    }
    if (!status.ok()) return status;
    if (block.size() == block_pairs) {
      if (absl::Status s = take(block); !s.ok()) return s;
      block.clear();
    }
  }
  if (!block.empty()) return take(block);
  return absl::OkStatus();
}

}  // namespace mimeo::internal
