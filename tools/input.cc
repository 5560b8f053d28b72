#include "input.h"

#include <fcntl.h>
#include <fnmatch.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string_view>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "internal/arena.h"
#include "oneapi/tbb/blocked_range.h"
#include "oneapi/tbb/parallel_for.h"
#include "oneapi/tbb/task_arena.h"
#include "byte_stream.h"
#include "doc_meta.h"
#include "html_text.h"
#include "mail_text.h"
#include "simdjson.h"
#include "tree_walk.h"
#include "utf8.h"

namespace mimeo::cli {
namespace fs = std::filesystem;

namespace {

// kMail: a file holding one mail message (.eml); kMbox: a file holding
// many, one after another (.mbox, or a text file that starts like one).
enum class Kind { kText, kHtml, kMail, kMbox, kJsonl, kSniff };

// How a text is read: as it is, as HTML (its visible text) or as mail (its
// body, decoded).
enum class Form { kPlain, kHtml, kMail };

// "site/2024/page.html" -> "site"; a name without a folder -> "".
std::string FirstFolder(std::string_view id) {
  const size_t slash = id.find('/');
  return slash == std::string_view::npos || slash == 0
             ? std::string()
             : std::string(id.substr(0, slash));
}

// Runs `f`, whose loops run on the threads of the calling task arena (all
// cores outside one), on `threads` threads instead when it is not 0
// (InputOptions::threads).
template <typename F>
void OnThreads(uint32_t threads, const F& f) {
  if (threads > 0) {
    tbb::task_arena arena = mimeo::internal::Arena(static_cast<int>(threads));
    arena.execute(f);
  } else {
    f();
  }
}

// Warnings past this many are counted but not printed.
constexpr uint64_t kMaxWarnings = 50;
// A NUL byte in this many first bytes marks a file as binary.
constexpr size_t kBinaryProbe = 8192;
// A text file is an mbox when this many first bytes start like one.
constexpr size_t kMboxHead = size_t{64} << 10;

// A file's name (its last part) without a trailing .gz or .zst, lower
// case.
std::string BaseName(std::string_view file_name) {
  std::string name(file_name);
  absl::AsciiStrToLower(&name);
  for (const char* z : {".gz", ".zst"}) {
    if (absl::EndsWith(name, z)) name.resize(name.size() - std::strlen(z));
  }
  return name;
}

bool IsJsonlName(const std::string& base) {
  return absl::EndsWith(base, ".jsonl") || absl::EndsWith(base, ".ndjson");
}
bool IsHtmlName(const std::string& base) {
  return absl::EndsWith(base, ".html") || absl::EndsWith(base, ".htm");
}
// A mail file's kind by its name: .eml one message, .mbox/.mbx many.
std::optional<Kind> MailKind(const std::string& base) {
  if (absl::EndsWith(base, ".eml")) return Kind::kMail;
  if (absl::EndsWith(base, ".mbox") || absl::EndsWith(base, ".mbx")) {
    return Kind::kMbox;
  }
  return std::nullopt;
}

// The kind of a file found in a directory walk, by its name, or nullopt
// to pass it by.
std::optional<Kind> WalkedKind(std::string_view name) {
  const std::string base = BaseName(name);
  if (IsJsonlName(base)) return Kind::kJsonl;
  std::string lower(name);
  absl::AsciiStrToLower(&lower);
  if (IsHtmlName(lower)) return Kind::kHtml;
  if (std::optional<Kind> mail = MailKind(base)) return *mail;
  if (absl::EndsWith(lower, ".txt") || absl::EndsWith(lower, ".md")) {
    return Kind::kText;
  }
  return std::nullopt;
}

// What a file a walk passed by ends in: ".h" of "stdio.h", or "" for a
// name without an extension (".bashrc" has none). Lower case.
std::string ExtensionOf(std::string_view name) {
  const size_t dot = name.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == name.size() ||
      name.size() - dot > 12) {
    return "";
  }
  std::string ext(name.substr(dot));
  absl::AsciiStrToLower(&ext);
  return ext;
}

// The note on the files a walk of `dir` passed by for their names, by
// what they end in, the most first (ties by name), at most four named.
std::string PassedByNote(std::string_view dir,
                         const absl::flat_hash_map<std::string, uint64_t>& ends) {
  std::vector<std::pair<std::string, uint64_t>> sorted(ends.begin(),
                                                       ends.end());
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  uint64_t total = 0;
  for (const auto& [ext, n] : sorted) total += n;
  std::string list;
  for (size_t i = 0; i < sorted.size() && i < 4; ++i) {
    if (i > 0) list += ", ";
    list += absl::StrFormat("%s %d", sorted[i].first.empty()
                                         ? std::string("no extension")
                                         : sorted[i].first,
                            sorted[i].second);
  }
  if (sorted.size() > 4) list += ", ...";
  // The pattern suggested: the most common extension, if any has one.
  std::string top;
  for (const auto& [ext, n] : sorted) {
    if (!ext.empty()) {
      top = ext;
      break;
    }
  }
  return absl::StrFormat(
      "'%s': %d file%s passed by for %s name%s (%s): a directory is read "
      "for .txt, .md, .html, .htm, mail and JSONL files; --include '%s' "
      "reads those as text instead (repeat --include for each kind to "
      "read)",
      dir, total, total == 1 ? "" : "s", total == 1 ? "its" : "their",
      total == 1 ? "" : "s", list, top.empty() ? "*" : "*" + top);
}

// Whether a file found in a walk is a message of a Maildir: in its cur/ or
// new/ folder, beside which are tmp/ and the other of the two. `maildirs`
// remembers the answer for each folder holding them (one stat each).
bool InMaildir(const fs::path& p,
               absl::flat_hash_map<std::string, bool>& maildirs) {
  const fs::path folder = p.parent_path();
  const std::string name = folder.filename().string();
  if (name != "cur" && name != "new") return false;
  const std::string root = folder.parent_path().string();
  auto [it, inserted] = maildirs.try_emplace(root, false);
  if (inserted) {
    std::error_code ec;
    const fs::path r = folder.parent_path();
    it->second = fs::is_directory(r / "tmp", ec) &&
                 fs::is_directory(r / "cur", ec) &&
                 fs::is_directory(r / "new", ec);
  }
  return it->second;
}

// Whether a file or folder found in a walk matches one of `patterns`
// (InputOptions::include): a pattern with a '/' against `relative`, the
// path under the directory walked, one without against the name alone.
bool Matches(const std::vector<std::string>& patterns,
             const std::string& relative, const std::string& name) {
  for (const std::string& pattern : patterns) {
    const std::string& subject =
        pattern.find('/') == std::string::npos ? name : relative;
    if (fnmatch(pattern.c_str(), subject.c_str(), 0) == 0) return true;
  }
  return false;
}

// Reads the start of `in` into `head`, up to its first non-blank byte or
// its end: whether that byte is '{', as a JSONL stream's is. The bytes
// read stay in `head`, to be put back (WithPrefix()), also on an error.
absl::StatusOr<bool> StartsLikeJsonl(ByteStream& in, std::string& head) {
  char buf[4096];
  size_t first = std::string::npos;
  while (first == std::string::npos) {
    absl::StatusOr<size_t> got = in.Read(buf, sizeof(buf));
    if (!got.ok()) return got.status();
    if (*got == 0) break;
    head.append(buf, *got);
    first = head.find_first_not_of(" \t\r\n");
  }
  return first != std::string::npos && head[first] == '{';
}

// The kind of a file named on the command line or chosen by a pattern, by
// its name.
Kind NamedKind(std::string_view name) {
  const std::string base = BaseName(name);
  if (IsJsonlName(base)) return Kind::kJsonl;
  if (IsHtmlName(base)) return Kind::kHtml;
  if (std::optional<Kind> mail = MailKind(base)) return *mail;
  return Kind::kText;
}

// Reads up to `n` bytes of the start of `in` into `head`, to be put back
// (WithPrefix()).
absl::Status ReadHead(ByteStream& in, std::string& head, size_t n) {
  char buf[4096];
  while (head.size() < n) {
    absl::StatusOr<size_t> got =
        in.Read(buf, std::min(sizeof(buf), n - head.size()));
    if (!got.ok()) return got.status();
    if (*got == 0) break;
    head.append(buf, *got);
  }
  return absl::OkStatus();
}

// Whether a file's first bytes start an mbox: the complete lines of them.
bool HeadLooksLikeMbox(std::string_view head) {
  const size_t last = head.rfind('\n');
  return last != std::string_view::npos &&
         LooksLikeMbox(head.substr(0, last + 1));
}

// `line` with each \u escape of a lone UTF-16 surrogate (half of a pair,
// without its other half: dumps of text cut by code unit hold them) as
// \ufffd, the replacement character; "" when it has none.
std::string ReplaceLoneSurrogates(std::string_view line) {
  const auto unit = [&](size_t at) -> int {  // the \uXXXX at `at`, or -1
    if (at + 6 > line.size() || line[at] != '\\' || line[at + 1] != 'u') {
      return -1;
    }
    int v = 0;
    for (size_t k = at + 2; k < at + 6; ++k) {
      const char c = line[k];
      const int d = c >= '0' && c <= '9'   ? c - '0'
                    : c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                           : -1;
      if (d < 0) return -1;
      v = v * 16 + d;
    }
    return v;
  };
  std::string out;
  bool any = false;
  size_t copied = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] != '\\') continue;
    const int u = unit(i);
    if (u < 0) {
      ++i;  // an escaped character: "\\" is not the start of \u
      continue;
    }
    if (u >= 0xD800 && u <= 0xDBFF) {
      const int low = unit(i + 6);
      if (low >= 0xDC00 && low <= 0xDFFF) {
        i += 11;  // a whole pair
        continue;
      }
    } else if (u < 0xDC00 || u > 0xDFFF) {
      i += 5;
      continue;
    }
    out.append(line.substr(copied, i - copied));
    out += "\\ufffd";
    copied = i + 6;
    i += 5;
    any = true;
  }
  if (!any) return std::string();
  out.append(line.substr(copied));
  return out;
}

// What a binary file's first bytes say it is, for the message that skips
// it: ", xz-compressed: ..." or "".
std::string BinaryKind(std::string_view head) {
  struct Magic {
    std::string_view bytes;
    const char* what;
  };
  static constexpr Magic kMagic[] = {
      {"\xFD" "7zXZ", "xz-compressed: mimeo reads gzip and zstd; decompress it "
                       "(xz -d) or recompress it"},
      {"BZh", "bzip2-compressed: mimeo reads gzip and zstd; decompress it "
              "(bzip2 -d) or recompress it"},
      {"PK\x03\x04", "a zip archive: unpack it and give mimeo the folder"},
      {"7z\xBC\xAF", "a 7z archive: unpack it and give mimeo the folder"},
      {"%PDF", "a PDF: extract its text first (pdftotext)"},
  };
  for (const Magic& m : kMagic) {
    if (head.substr(0, m.bytes.size()) == m.bytes) {
      return std::string("; it is ") + m.what;
    }
  }
  return std::string();
}

// Parses one JSONL line into an object, repairing invalid UTF-8 first
// (`repaired` says whether it did) and, where the line does not parse, the
// escapes of lone surrogates (as \ufffd; counted as repaired too). A
// UTF-8 byte-order mark before the line (a file's first line, written by
// some editors) is passed over. The error says what the line is not.
absl::StatusOr<simdjson::dom::object> ParseObject(
    std::string_view line, simdjson::dom::parser& parser,
    std::string& padded, bool& repaired) {
  line = WithoutByteOrderMark(line);
  std::string fixed;
  repaired = !simdjson::validate_utf8(line.data(), line.size());
  if (repaired) {
    fixed = RepairUtf8(line);
    line = fixed;
  }
  padded.assign(line);
  padded.resize(line.size() + simdjson::SIMDJSON_PADDING, '\0');
  simdjson::dom::element doc;
  auto err = parser.parse(padded.data(), line.size(), false).get(doc);
  if (err == simdjson::STRING_ERROR) {
    std::string replaced = ReplaceLoneSurrogates(line);
    if (!replaced.empty()) {
      repaired = true;
      fixed = std::move(replaced);
      line = fixed;
      padded.assign(line);
      padded.resize(line.size() + simdjson::SIMDJSON_PADDING, '\0');
      err = parser.parse(padded.data(), line.size(), false).get(doc);
    }
  }
  if (err) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "not valid JSON (%s)", simdjson::error_message(err)));
  }
  simdjson::dom::object obj;
  if (doc.get_object().get(obj) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError("not a JSON object");
  }
  return obj;
}

// A crawl dump's source when none is named (InputOptions::source_field):
// the host of the line's URL, in the field "url" or in "url" of an object
// "metadata" (datatrove) or "meta" (RedPajama).
std::string UrlSource(simdjson::dom::object obj) {
  std::string_view url;
  if (obj.at_key("url").get_string().get(url) == simdjson::SUCCESS) {
    return UrlHost(url);
  }
  for (const char* nest : {"metadata", "meta"}) {
    simdjson::dom::object inner;
    if (obj.at_key(nest).get_object().get(inner) == simdjson::SUCCESS &&
        inner.at_key("url").get_string().get(url) == simdjson::SUCCESS) {
      return UrlHost(url);
    }
  }
  return std::string();
}

// How a text that comes from no named file (a JSONL field, standard input)
// is read; `html_by_look`: whether one that looks like HTML is HTML under
// kAuto. It depends on the text alone, so that a JSONL line read again is
// read as it was the first time.
Form TextForm(std::string_view text, TextFormat format,
              bool html_by_look = true) {
  switch (format) {
    case TextFormat::kAuto:
      if (html_by_look && LooksLikeHtml(text)) return Form::kHtml;
      return LooksLikeMail(text) ? Form::kMail : Form::kPlain;
    case TextFormat::kText:
      return Form::kPlain;
    case TextFormat::kHtml:
      return Form::kHtml;
    case TextFormat::kMail:
      return Form::kMail;
  }
  return Form::kPlain;
}

// How a file's text is read: by its name (.html/.htm, .eml), else as a
// text from no named file is, but that its look never makes it HTML.
Form FileForm(Kind kind, TextFormat format, std::string_view text) {
  if (kind == Kind::kHtml) return Form::kHtml;
  if (kind == Kind::kMail || kind == Kind::kMbox) return Form::kMail;
  return TextForm(text, format, /*html_by_look=*/false);
}

// A document's text from its bytes (a file, a JSONL field): HTML turned
// into its visible text, mail into its decoded body. A message's Date:, or
// a page's publication time, goes to `*date` when given and still empty; a
// page's site (HtmlPage::site) to `*source` when given and still empty.
// The one conversion for reading a document and reading it again, so that
// the text read again is the text the engine was given.
std::string DocumentText(std::string bytes, Form form,
                         std::optional<int64_t>* date = nullptr,
                         std::string* source = nullptr) {
  switch (form) {
    case Form::kPlain:
      return bytes;
    case Form::kHtml: {
      HtmlPage page = ReadHtmlPage(bytes);
      if (date != nullptr && !*date) *date = page.date;
      if (source != nullptr && source->empty()) {
        *source = std::move(page.site);
      }
      return std::move(page.text);
    }
    case Form::kMail: {
      MailText mail = MailToText(bytes);
      if (date != nullptr && !*date) *date = mail.date;
      return std::move(mail.text);
    }
  }
  return bytes;
}

// A reference to [offset, offset + length) of the file `path`, made
// absolute (without resolving links: a path relative to the working
// directory is prefixed with it).
TextReference ReferenceTo(const std::string& path, uint64_t offset,
                          uint64_t length) {
  std::error_code ec;
  fs::path absolute = fs::absolute(path, ec);
  return {ec ? path : absolute.lexically_normal().string(), offset, length};
}

// Reads [offset, offset + n) of an open file, or fails naming `path`.
absl::Status ReadAt(int fd, const std::string& path, uint64_t offset,
                    std::string& out, uint64_t n) {
  out.resize(n);
  uint64_t done = 0;
  while (done < n) {
    const ssize_t got = pread(fd, out.data() + done, n - done,
                              static_cast<off_t>(offset + done));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      return absl::DataLossError(absl::StrFormat(
          "cannot read %d bytes at byte %d of '%s': %s", n, offset, path,
          got == 0 ? "the file is shorter" : std::strerror(errno)));
    }
    done += static_cast<uint64_t>(got);
  }
  return absl::OkStatus();
}

// Bytes [begin, end) of a plain file: one share's range of a JSONL file.
class RangeStream : public ByteStream {
 public:
  RangeStream(int fd, std::string path, uint64_t begin, uint64_t end)
      : fd_(fd), path_(std::move(path)), at_(begin), end_(end) {}
  ~RangeStream() override { close(fd_); }
  absl::StatusOr<size_t> Read(char* out, size_t n) override {
    n = static_cast<size_t>(std::min<uint64_t>(n, end_ - at_));
    while (n > 0) {
      const ssize_t got = pread(fd_, out, n, static_cast<off_t>(at_));
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) {
        return absl::DataLossError(
            absl::StrFormat("cannot read '%s' at byte %d: %s", path_, at_,
                            got == 0 ? "the file is shorter than it was"
                                     : std::strerror(errno)));
      }
      at_ += static_cast<uint64_t>(got);
      consumed_ += static_cast<uint64_t>(got);
      return static_cast<size_t>(got);
    }
    return 0;
  }
  uint64_t consumed() const override { return consumed_; }
  const char* encoding() const override { return "plain"; }

 private:
  const int fd_;
  const std::string path_;
  uint64_t at_;
  const uint64_t end_;
  uint64_t consumed_ = 0;
};

// The first line start at or after `pos` in a file of `size` bytes: 0, or
// the byte after a '\n'; `size` when no line starts there.
absl::StatusOr<uint64_t> LineStartFrom(int fd, const std::string& path,
                                       uint64_t size, uint64_t pos) {
  if (pos == 0 || pos >= size) return std::min(pos, size);
  char buf[65536];
  for (uint64_t at = pos - 1; at < size;) {
    const ssize_t got = pread(fd, buf, sizeof(buf), static_cast<off_t>(at));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      return absl::DataLossError(absl::StrFormat(
          "cannot read '%s' at byte %d: %s", path, at,
          got == 0 ? "the file is shorter than it was" : std::strerror(errno)));
    }
    const void* nl = std::memchr(buf, '\n', static_cast<size_t>(got));
    if (nl != nullptr) {
      return at + static_cast<uint64_t>(static_cast<const char*>(nl) - buf) + 1;
    }
    at += static_cast<uint64_t>(got);
  }
  return size;
}

// The '\n' bytes in [begin, end) of a file.
absl::StatusOr<uint64_t> CountLines(int fd, const std::string& path,
                                    uint64_t begin, uint64_t end) {
  char buf[65536];
  uint64_t lines = 0;
  for (uint64_t at = begin; at < end;) {
    const size_t want =
        static_cast<size_t>(std::min<uint64_t>(sizeof(buf), end - at));
    const ssize_t got = pread(fd, buf, want, static_cast<off_t>(at));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      return absl::DataLossError(absl::StrFormat(
          "cannot read '%s' at byte %d: %s", path, at,
          got == 0 ? "the file is shorter than it was" : std::strerror(errno)));
    }
    lines += static_cast<uint64_t>(
        std::count(buf, buf + got, '\n'));
    at += static_cast<uint64_t>(got);
  }
  return lines;
}

// The share a whole source goes to: FNV-1a of its path, so that every
// process, whatever its build, agrees.
uint32_t ShareOfPath(const std::string& path, uint32_t parts) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : path) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return static_cast<uint32_t>(h % parts);
}

}  // namespace

struct InputReader::Source {
  std::string path;    // to open
  std::string id;      // a file's document id; a JSONL file's FILE label
  Kind kind;
  uint64_t size = 0;   // bytes on disk; 0 for stdin
  // A file that was a regular one when the inputs were listed, and its
  // device and inode then.
  bool regular = false;
  uint64_t dev = 0, ino = 0;
  // A walk found it as a link to a regular file (a file named on the
  // command line is taken as named, link or not).
  bool link = false;
  uint32_t index = 0;  // in sources_
  // A JSONL file cut into byte ranges (InputReader::Share()): this share's
  // range, [begin, end), and the lines before it.
  bool split = false;
  uint64_t begin = 0, end = 0;
  uint64_t lines_before = 0;
};

struct InputReader::Jsonl {
  Source source;
  std::unique_ptr<ByteStream> stream;
  std::unique_ptr<LineReader> lines;
  simdjson::dom::parser parser;
  std::string padded;  // the line, with simdjson's padding after it
  // Texts go to the spill file: the stream cannot be read again at an
  // offset (standard input, compressed).
  bool spill = false;
};

// An mbox file being read, message by message.
struct InputReader::Mbox {
  Source source;
  std::unique_ptr<ByteStream> stream;
  std::unique_ptr<LineReader> lines;
  std::string message;        // the lines of the message being read
  uint64_t message_line = 0;  // the line of its "From " separator
  bool started = false;       // a separator has been read
  bool too_large = false;     // the message outgrew the document limit
  bool previous_blank = true;
};

// A document read but not converted yet: its text is still the bytes as
// read. Next() converts a batch's HTML and mail on all threads, then
// finishes each document in order (Finish()).
struct InputReader::Pending {
  Document doc;
  Form form = Form::kPlain;
  std::string where;  // names it in a warning
  uint32_t source = 0;
  // How InputTexts finds the text again: spilled (converted texts, and
  // streams that cannot be read again), its file, or its JSONL line at
  // [offset, offset + length).
  enum class Again : uint8_t { kSpill, kFile, kLine } again = Again::kSpill;
  uint64_t offset = 0;
  uint64_t length = 0;
  std::string line;  // the JSONL line, with keep_lines
};

// --- InputTexts ------------------------------------------------------------

struct InputTexts::Location {
  enum How : uint8_t { kFile, kLine, kSpill };
  uint64_t offset = 0;
  uint64_t length = 0;
  uint32_t source = 0;
  How how = kFile;
};

InputTexts::InputTexts(const InputOptions& options) : options_(options) {}

InputTexts::~InputTexts() {
  if (spill_fd_ >= 0) close(spill_fd_);
  for (const auto& [source, fd] : kept_fds_) close(fd);
}

int InputTexts::LineFile(uint32_t source, bool* keep) const {
  std::lock_guard lock(kept_mu_);
  if (auto it = kept_fds_.find(source); it != kept_fds_.end()) {
    *keep = true;
    return it->second;
  }
  const int fd = open(paths_[source].c_str(), O_RDONLY | O_CLOEXEC);
  *keep = fd >= 0 && kept_fds_.size() < kKeptFiles;
  if (*keep) kept_fds_.emplace(source, fd);
  return fd;
}

size_t InputTexts::size() const { return where_.size(); }

void InputTexts::NoteFile(uint32_t source) {
  where_.push_back({0, 0, source, Location::kFile});
}

void InputTexts::NoteLine(uint32_t source, uint64_t offset, uint64_t length) {
  where_.push_back({offset, length, source, Location::kLine});
}

absl::Status InputTexts::Spill(std::string_view text) {
  if (spill_fd_ < 0) {
    const char* env = std::getenv("TMPDIR");
    const std::string dir = env != nullptr && *env != '\0' ? env : "/tmp";
    std::string name = dir + "/mimeo-spill-XXXXXX";
    spill_fd_ = mkstemp(name.data());
    if (spill_fd_ < 0) {
      return absl::PermissionDeniedError(absl::StrFormat(
          "cannot create a spill file in '%s' (set TMPDIR to another "
          "folder) for texts that cannot be read again from their input: "
          "%s",
          dir, std::strerror(errno)));
    }
    // Unlinked at once: the file goes with the process, however it ends.
    unlink(name.c_str());
  }
  for (size_t done = 0; done < text.size();) {
    const ssize_t put = pwrite(spill_fd_, text.data() + done, text.size() - done,
                               static_cast<off_t>(spill_bytes_ + done));
    if (put < 0 && errno == EINTR) continue;
    if (put <= 0) {
      return absl::DataLossError(absl::StrFormat(
          "cannot write the spill file of texts read from standard input or "
          "compressed JSONL: %s",
          std::strerror(errno)));
    }
    done += static_cast<size_t>(put);
  }
  where_.push_back({spill_bytes_, text.size(), 0, Location::kSpill});
  spill_bytes_ += text.size();
  return absl::OkStatus();
}

absl::StatusOr<std::string> InputTexts::Text(
    DocId doc, const std::string& /*id*/) const {
  if (doc >= where_.size()) {
    return absl::NotFoundError(absl::StrFormat(
        "no document %d was read (%d were)", doc, where_.size()));
  }
  const Location& at = where_[doc];
  std::string out;
  if (at.how == Location::kSpill) {
    absl::Status s = ReadAt(spill_fd_, "the spill file", at.offset, out,
                            at.length);
    if (!s.ok()) return s;
    return out;
  }
  const std::string& path = paths_[at.source];
  if (at.how == Location::kFile) {
    absl::StatusOr<std::unique_ptr<ByteStream>> in = OpenByteStream(path);
    if (!in.ok()) return in.status();
    absl::StatusOr<std::string> bytes =
        ReadAll(**in, path, options_.max_document_bytes);
    if (!bytes.ok()) return bytes.status();
    // HTML and mail files were spilled: a file read again is text.
    return DocumentText(std::move(*bytes), Form::kPlain);
  }
  bool keep = false;
  const int fd = LineFile(at.source, &keep);
  if (fd < 0) {
    return absl::NotFoundError(absl::StrFormat(
        "cannot open '%s' again: %s", path, std::strerror(errno)));
  }
  std::string line;
  absl::Status read = ReadAt(fd, path, at.offset, line, at.length);
  if (!keep) close(fd);
  if (!read.ok()) return read;
  thread_local simdjson::dom::parser parser;
  thread_local std::string padded;
  bool repaired;
  absl::StatusOr<simdjson::dom::object> obj =
      ParseObject(line, parser, padded, repaired);
  std::string_view text;
  if (!obj.ok() || obj->at_key(options_.text_field).get_string().get(text) !=
                       simdjson::SUCCESS) {
    return absl::DataLossError(absl::StrFormat(
        "the line at byte %d of '%s' no longer holds a string field \"%s\"",
        at.offset, path, options_.text_field));
  }
  // Lines read as HTML or mail were spilled: a line read again is text.
  return DocumentText(std::string(text), Form::kPlain);
}

// --- InputReader -----------------------------------------------------------

InputReader::InputReader(const InputOptions& options) : options_(options) {}
InputReader::~InputReader() = default;

absl::StatusOr<std::unique_ptr<InputReader>> InputReader::Open(
    const std::vector<std::string>& paths, const InputOptions& options) {
  std::unique_ptr<InputReader> r(new InputReader(options));
  std::vector<size_t> files;  // sources that are files, to stat
  if (std::count(paths.begin(), paths.end(), "-") > 1) {
    return absl::InvalidArgumentError(
        "'-' (standard input) is named twice; it can be read once");
  }
  for (const std::string& arg : paths) {
    if (arg == "-") {
      r->sources_.push_back({"-", "-", Kind::kSniff, 0});
      continue;
    }
    std::error_code ec;
    const fs::file_status st = fs::status(arg, ec);
    if (ec || !fs::exists(st)) {
      // A link that leads nowhere is named as one.
      std::error_code link_ec;
      if (fs::is_symlink(fs::symlink_status(arg, link_ec))) {
        const fs::path to = fs::read_symlink(arg, link_ec);
        if (ec && ec != std::errc::no_such_file_or_directory) {
          return absl::NotFoundError(absl::StrFormat(
              "'%s' is a link that cannot be followed: %s", arg,
              ec.message()));
        }
        return absl::NotFoundError(absl::StrFormat(
            "'%s' is a link to '%s', which does not exist", arg,
            to.string()));
      }
      return absl::NotFoundError(absl::StrFormat("'%s' does not exist", arg));
    }
    if (!fs::is_directory(st)) {
      r->sources_.push_back(
          {arg, arg, NamedKind(fs::path(arg).filename().string())});
      files.push_back(r->sources_.size() - 1);
      continue;
    }
    // Walked in sorted order; stat()ed below.
    absl::flat_hash_map<std::string, bool> maildirs;
    absl::flat_hash_map<std::string, uint64_t> passed_by;  // by extension
    const bool select = !options.include.empty() || !options.exclude.empty();
    const auto add = [&](const TreeEntry& e, Kind kind) {
      r->sources_.push_back(
          {std::string(e.path), std::string(e.relative), kind});
      r->sources_.back().link = e.link;
      files.push_back(r->sources_.size() - 1);
    };
    absl::Status walk = WalkTree(arg, [&](const TreeEntry& e) {
      std::string relative, name;
      if (select) {
        relative = std::string(e.relative);
        name = std::string(e.name);
        if (Matches(options.exclude, relative, name)) return false;
      }
      if (e.folder) return true;
      if (!options.include.empty()) {
        if (Matches(options.include, relative, name)) {
          add(e, NamedKind(e.name));
        }
      } else if (std::optional<Kind> kind = WalkedKind(e.name)) {
        add(e, *kind);
      } else if (InMaildir(fs::path(e.path), maildirs)) {
        add(e, Kind::kMail);
      } else {
        ++passed_by[ExtensionOf(e.name)];
      }
      return true;
    });
    if (!walk.ok()) return walk;
    if (!passed_by.empty()) {
      const std::string note = PassedByNote(arg, passed_by);
      for (const auto& [ext, n] : passed_by) r->counts_.passed_by += n;
      if (!r->counts_.passed_by_note.empty()) {
        r->counts_.passed_by_note += "; ";
      }
      r->counts_.passed_by_note += note;
      if (!options.quiet) {
        std::fprintf(stderr, "mimeo: warning: %s\n", note.c_str());
      }
    }
  }
  // One stat() a file, which the walk spared, on all threads: its size for
  // the progress bar and for reading it ahead (Prefetch()), which then
  // takes its device and inode from it too.
  OnThreads(options.threads, [&] {
    tbb::parallel_for(
        tbb::blocked_range<size_t>(0, files.size(), 64),
        [&](const tbb::blocked_range<size_t>& range) {
          for (size_t i = range.begin(); i < range.end(); ++i) {
            Source& s = r->sources_[files[i]];
            struct stat st;
            if (stat(s.path.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
              s.size = static_cast<uint64_t>(st.st_size);
              s.regular = true;
              s.dev = static_cast<uint64_t>(st.st_dev);
              s.ino = static_cast<uint64_t>(st.st_ino);
            }
          }
        });
  });
  for (const size_t i : files) r->total_bytes_ += r->sources_[i].size;
  r->documents_per_source_.assign(r->sources_.size(), 0);
  for (uint32_t i = 0; i < r->sources_.size(); ++i) r->sources_[i].index = i;
  // Where a walk met links to files, the files it met as themselves, so
  // that a link sorted before its file is not read in its place.
  if (std::any_of(r->sources_.begin(), r->sources_.end(),
                  [](const Source& s) { return s.link; })) {
    for (const Source& s : r->sources_) {
      if (s.regular && !s.link) {
        r->not_links_.try_emplace(std::make_pair(s.dev, s.ino), s.index);
      }
    }
  }
  if (options.remember_texts) {
    r->texts_.reset(new InputTexts(options));
    for (const Source& s : r->sources_) r->texts_->paths_.push_back(s.path);
  }
  return r;
}

absl::StatusOr<std::vector<uint64_t>> InputReader::Share(uint32_t part,
                                                        uint32_t parts) {
  if (parts == 0 || part >= parts) {
    return absl::InvalidArgumentError(
        absl::StrFormat("share %d of %d does not exist", part, parts));
  }
  part_ = part;
  parts_ = parts;
  std::vector<uint64_t> lines;
  for (Source& s : sources_) {
    if (s.path == "-") {
      return absl::InvalidArgumentError(
          "standard input cannot be shared among processes: name files or "
          "directories");
    }
    if (s.kind != Kind::kJsonl || parts == 1) continue;
    // A compressed file cannot be cut: one share reads it whole.
    absl::StatusOr<std::unique_ptr<ByteStream>> probe = OpenByteStream(s.path);
    if (!probe.ok()) return probe.status();
    if (std::string_view((*probe)->encoding()) != "plain") continue;
    probe->reset();
    const int fd = open(s.path.c_str(), O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
      const int err = errno;
      if (fd >= 0) close(fd);
      return absl::DataLossError(absl::StrFormat("cannot open '%s': %s",
                                                 s.path, std::strerror(err)));
    }
    const uint64_t size = static_cast<uint64_t>(st.st_size);
    // size * p / parts, without overflow.
    const auto nominal = [&](uint32_t p) {
      return size / parts * p + size % parts * p / parts;
    };
    absl::StatusOr<uint64_t> begin =
        LineStartFrom(fd, s.path, size, nominal(part));
    absl::StatusOr<uint64_t> end =
        begin.ok() ? LineStartFrom(fd, s.path, size, nominal(part + 1)) : begin;
    absl::StatusOr<uint64_t> count =
        end.ok() ? CountLines(fd, s.path, *begin, *end) : end;
    close(fd);
    if (!count.ok()) return count.status();
    s.split = true;
    s.begin = *begin;
    s.end = *end;
    lines.push_back(*count);
  }
  return lines;
}

absl::Status InputReader::SetLinesBefore(const std::vector<uint64_t>& lines) {
  size_t i = 0;
  for (Source& s : sources_) {
    if (!s.split) continue;
    if (i == lines.size()) break;
    s.lines_before = lines[i++];
  }
  size_t split = 0;
  for (const Source& s : sources_) split += s.split;
  if (i != lines.size() || i != split) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%d line counts for %d JSONL files cut into shares", lines.size(),
        split));
  }
  return absl::OkStatus();
}

uint64_t InputReader::consumed_bytes() const {
  return finished_bytes_ + (jsonl_ ? jsonl_->stream->consumed() : 0) +
         (mbox_ ? mbox_->stream->consumed() : 0);
}

void InputReader::MailSource(std::string_view message, Document& doc) const {
  if (options_.source_field.empty() && options_.source_folders) return;
  // Without a header named, a message's list is its source.
  std::optional<std::string> value = MailHeader(
      message,
      options_.source_field.empty() ? "List-Id" : options_.source_field);
  if (value && !value->empty() && value->size() <= 65536) {
    doc.source = std::move(*value);
  }
}

void InputReader::Queue(Pending p, uint64_t& bytes) {
  bytes += p.doc.text.size() + 64;
  pending_.push_back(std::move(p));
}

absl::Status InputReader::Finish(std::vector<Document>& out) {
  // Turning HTML and mail into text is most of the cost of reading them
  // (gumbo took two thirds of a run's CPU on an HTML documentation set,
  // bench/README.md), and each text's alone: they run on all threads.
  const auto convert = [this] {
    tbb::parallel_for(
        tbb::blocked_range<size_t>(0, pending_.size(), 1),
        [this](const tbb::blocked_range<size_t>& r) {
          for (size_t i = r.begin(); i < r.end(); ++i) {
            Pending& p = pending_[i];
            if (p.form == Form::kPlain) continue;
            // A page's own site is its source unless a field or the
            // folders name one.
            const bool named =
                !options_.source_field.empty() || options_.source_folders;
            p.doc.text =
                DocumentText(std::move(p.doc.text), p.form, &p.doc.date,
                             named ? nullptr : &p.doc.source);
          }
        });
  };
  OnThreads(options_.threads, convert);
  for (Pending& p : pending_) {
    if (p.doc.text.size() > options_.max_document_bytes) {
      // Mail in latin-1 or windows-1252 grows as UTF-8.
      absl::Status st = Problem(
          absl::InvalidArgumentError(absl::StrFormat(
              "%s: decoded text longer than the %d-byte document limit; "
              "skipped",
              p.where, options_.max_document_bytes)),
          counts_.skipped_too_large);
      if (!st.ok()) return st;
      continue;
    }
    if (texts_) {
      switch (p.again) {
        case Pending::Again::kSpill:
          if (absl::Status st = texts_->Spill(p.doc.text); !st.ok()) return st;
          break;
        case Pending::Again::kFile:
          texts_->NoteFile(p.source);
          break;
        case Pending::Again::kLine:
          texts_->NoteLine(p.source, p.offset, p.length);
          break;
      }
    }
    if (p.doc.text_at) ++counts_.referenced_texts;
    if (p.form == Form::kHtml) ++counts_.html_documents;
    if (p.form == Form::kMail) ++counts_.mail_documents;
    counts_.text_bytes += p.doc.text.size();
    ++counts_.documents;
    if (options_.keep_lines) lines_.push_back(std::move(p.line));
    ++documents_per_source_[p.source];
    out.push_back(std::move(p.doc));
  }
  pending_.clear();
  return absl::OkStatus();
}

template <typename LineSource>
absl::Status InputReader::OpenLines(const Source& s,
                                    std::unique_ptr<ByteStream> opened,
                                    std::unique_ptr<LineSource>& into) {
  absl::StatusOr<std::unique_ptr<ByteStream>> stream =
      OpenOnce(s, std::move(opened));
  if (!stream.ok()) return stream.status();
  if (*stream == nullptr) return absl::OkStatus();
  ++counts_.files;
  into = std::make_unique<LineSource>();
  into->source = s;
  into->stream = std::move(*stream);
  into->lines = std::make_unique<LineReader>(*into->stream,
                                             options_.max_document_bytes);
  return absl::OkStatus();
}

absl::Status InputReader::EndMessage(uint64_t& bytes) {
  Mbox& m = *mbox_;
  const std::string where =
      absl::StrFormat("%s:%d", m.source.id, m.message_line);
  std::string message = std::move(m.message);
  m.message.clear();
  if (m.too_large) {
    m.too_large = false;
    return Problem(absl::InvalidArgumentError(absl::StrFormat(
                       "%s: message longer than the %d-byte document limit; "
                       "skipped",
                       where, options_.max_document_bytes)),
                   counts_.skipped_too_large);
  }
  if (message.find_first_not_of(" \t\r\n") == std::string::npos) {
    return absl::OkStatus();
  }
  if (message.find('\0') != std::string::npos) {
    return Problem(absl::InvalidArgumentError(absl::StrFormat(
                       "%s: a NUL byte in the message; skipped", where)),
                   counts_.skipped_binary);
  }
  if (SkipId(where)) return absl::OkStatus();
  Pending p;
  p.doc.id = UniqueId(where, where);
  if (options_.source_folders) p.doc.source = FirstFolder(m.source.id);
  MailSource(message, p.doc);
  p.doc.text = std::move(message);
  p.form = Form::kMail;
  p.where = where;
  p.source = m.source.index;
  Queue(std::move(p), bytes);
  return absl::OkStatus();
}

absl::StatusOr<bool> InputReader::ReadMbox(uint64_t batch_bytes,
                                           uint64_t& bytes) {
  Mbox& m = *mbox_;
  while (bytes < batch_bytes) {
    absl::StatusOr<std::optional<std::string_view>> line = m.lines->Next();
    if (!line.ok()) {
      if (line.status().code() == absl::StatusCode::kOutOfRange) {
        // A line longer than a document: its message is skipped whole. One
        // before any message starts one, so that it is not lost unsaid.
        if (!m.started) {
          m.started = true;
          m.message_line = m.lines->line_number();
        }
        m.too_large = true;
        m.previous_blank = false;
        continue;
      }
      absl::Status s = Problem(
          absl::DataLossError(absl::StrFormat(
              "%s (after line %d); the rest of the file is skipped",
              line.status().message(), m.lines->line_number())),
          counts_.skipped_unreadable);
      if (!s.ok()) return s;
      return false;
    }
    if (!line->has_value()) {
      if (m.started) {
        m.started = false;
        if (absl::Status s = EndMessage(bytes); !s.ok()) return s;
      }
      return false;
    }
    std::string_view l = **line;
    // A separator after a blank line (or first in the file) starts a
    // message; one inside a body without a blank line before it is text.
    if ((m.previous_blank || !m.started) && IsMboxSeparator(l)) {
      if (m.started) {
        if (absl::Status s = EndMessage(bytes); !s.ok()) return s;
      }
      m.started = true;
      m.message_line = m.lines->line_number();
      m.previous_blank = false;
      continue;
    }
    m.previous_blank = l.find_first_not_of(" \t\r") == std::string_view::npos;
    if (!m.started) {
      // Blank lines before the first message are nothing; text is a
      // message without its "From " line (a single message saved as
      // .mbox), read as one rather than dropped.
      if (m.previous_blank) continue;
      m.started = true;
      m.message_line = m.lines->line_number();
    }
    // mboxrd/mboxo quoting: ">From " (and ">>From ") lost a '>' when the
    // message was written.
    const size_t quotes = l.find_first_not_of('>');
    if (quotes != std::string_view::npos && quotes > 0 &&
        l.substr(quotes).substr(0, 5) == "From ") {
      l.remove_prefix(1);
    }
    if (m.too_large) continue;
    if (m.message.size() + l.size() + 1 > options_.max_document_bytes) {
      m.too_large = true;
      std::string().swap(m.message);
      continue;
    }
    m.message.append(l);
    m.message.push_back('\n');
  }
  return true;
}

absl::Status InputReader::Problem(absl::Status problem, uint64_t& counter) {
  ++counter;
  if (options_.strict) return problem;
  ++warnings_;
  if (!options_.quiet && warnings_ <= kMaxWarnings) {
    std::fprintf(stderr, "mimeo: warning: %s\n",
                 std::string(problem.message()).c_str());
    if (warnings_ == kMaxWarnings) {
      std::fprintf(stderr,
                   "mimeo: warning: further warnings are not shown; the "
                   "summary counts them\n");
    }
  }
  return absl::OkStatus();
}

bool InputReader::SkipId(const std::string& id) {
  if (skip_ids_.empty() || !skip_ids_.contains(options_.id_prefix + id)) {
    return false;
  }
  ++counts_.skipped_existing;
  return true;
}

std::string InputReader::UniqueId(std::string id, const std::string& fallback) {
  id = options_.id_prefix + id;
  if (!ids_.contains(id)) {
    ids_.insert(id);
    return id;
  }
  std::string renamed = options_.id_prefix + fallback;
  for (int n = 2; ids_.contains(renamed); ++n) {
    renamed = absl::StrFormat("%s%s#%d", options_.id_prefix, fallback, n);
  }
  ++counts_.renamed_ids;
  if (!options_.quiet && ++warnings_ <= kMaxWarnings) {
    std::fprintf(stderr, "mimeo: warning: id '%s' seen before; renamed '%s'\n",
                 id.c_str(), renamed.c_str());
  }
  ids_.insert(renamed);
  return renamed;
}

namespace {
// Prefetch(): files of up to this size, this many sources ahead or this
// many bytes of them, whichever comes first.
constexpr uint64_t kPrefetchFileBytes = uint64_t{1} << 20;
constexpr size_t kPrefetchSources = 1024;
constexpr uint64_t kPrefetchBytes = uint64_t{32} << 20;
}  // namespace

void InputReader::Prefetch(size_t first) {
  prefetch_begin_ = first;
  prefetch_end_ = first;
  uint64_t bytes = 0;
  while (prefetch_end_ < sources_.size() &&
         prefetch_end_ - first < kPrefetchSources && bytes < kPrefetchBytes) {
    bytes += std::min(sources_[prefetch_end_].size, kPrefetchFileBytes);
    ++prefetch_end_;
  }
  prefetched_.assign(prefetch_end_ - first, Prefetched{});
  const auto wanted = [this](const Source& s) {
    return (s.kind == Kind::kText || s.kind == Kind::kHtml ||
            s.kind == Kind::kMail) &&
           s.regular && !s.split && s.size <= kPrefetchFileBytes &&
           (parts_ == 1 || ShareOfPath(s.path, parts_) == part_);
  };
  tbb::parallel_for(
      tbb::blocked_range<size_t>(first, prefetch_end_, 8),
      [&](const tbb::blocked_range<size_t>& r) {
        for (size_t i = r.begin(); i < r.end(); ++i) {
          const Source& s = sources_[i];
          if (!wanted(s)) continue;
          // Not blocking: a file that became a FIFO since it was listed is
          // left to the reading as before.
          const int fd =
              open(s.path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
          if (fd < 0) continue;
          // One byte more than the size listed, to see the end in one
          // read: a regular file's read gives all it asks up to the end. A
          // file that grew or shrank since, or that gives less, is read as
          // before.
          Prefetched& p = prefetched_[i - first];
          p.bytes.resize(static_cast<size_t>(s.size) + 1);
          const ssize_t n = read(fd, p.bytes.data(), p.bytes.size());
          close(fd);
          if (n == static_cast<ssize_t>(s.size) &&
              !LooksCompressed(std::string_view(p.bytes).substr(0, s.size))) {
            p.bytes.resize(s.size);
            p.read = true;
          } else {
            std::string().swap(p.bytes);
          }
        }
      });
}

InputReader::Prefetched* InputReader::ReadAhead(const Source& s) {
  return s.index >= prefetch_begin_ && s.index < prefetch_end_ &&
                 prefetched_[s.index - prefetch_begin_].read
             ? &prefetched_[s.index - prefetch_begin_]
             : nullptr;
}

absl::StatusOr<bool> InputReader::FirstTime(const Source& s) {
  // A file is known by its device and inode: the stat of the listing for a
  // file that was regular then, one stat here for any other, where
  // resolving the path (fs::weakly_canonical) cost a readlink per path
  // component and more than the sketching on a tree of small files. Paths
  // that cannot be stat'ed (standard input) are known by name.
  struct stat st;
  const bool stated = s.regular || ::stat(s.path.c_str(), &st) == 0;
  const std::pair<uint64_t, uint64_t> file =
      s.regular ? std::make_pair(s.dev, s.ino)
      : stated  ? std::make_pair(static_cast<uint64_t>(st.st_dev),
                                 static_cast<uint64_t>(st.st_ino))
                : std::make_pair(uint64_t{0}, uint64_t{0});
  // Named again: the same path twice, or a link or another path to a file
  // read before, where the warning names both (a manual whose untranslated
  // pages are links to the original says what each stands for).
  const std::string* before = &s.path;
  const auto itself = s.link && s.regular ? not_links_.find(file)
                                          : not_links_.end();
  if (itself != not_links_.end()) {
    // Read under its own path, before or after this link.
    before = &sources_[itself->second].path;
  } else if (!stated) {
    if (files_read_.insert(s.path).second) return true;
  } else {
    const auto [seen, first_time] = files_seen_.try_emplace(file, s.index);
    if (first_time) return true;
    before = &sources_[seen->second].path;
  }
  absl::Status warned = Problem(
      absl::InvalidArgumentError(
          *before == s.path
              ? absl::StrFormat("'%s' is named twice; read once", s.path)
              : absl::StrFormat("'%s' is the same file as '%s'; read once",
                                s.path, *before)),
      counts_.skipped_duplicate);
  if (!warned.ok()) return warned;
  return false;
}

absl::StatusOr<std::unique_ptr<ByteStream>> InputReader::OpenOnce(
    const Source& s, std::unique_ptr<ByteStream> opened) {
  if (opened) return opened;
  Prefetched* pre = ReadAhead(s);
  absl::StatusOr<bool> first = FirstTime(s);
  if (!first.ok()) return first.status();
  if (!*first) return nullptr;
  if (pre != nullptr) {
    pre->read = false;
    return StreamOfBytes(std::move(pre->bytes));
  }
  absl::StatusOr<std::unique_ptr<ByteStream>> stream = OpenByteStream(s.path);
  if (!stream.ok()) {
    absl::Status st = Problem(absl::DataLossError(absl::StrFormat(
                                  "%s; skipped", stream.status().message())),
                              counts_.skipped_unreadable);
    if (!st.ok()) return st;
    return nullptr;
  }
  return stream;
}

absl::Status InputReader::ReadFile(const Source& s,
                                   std::unique_ptr<ByteStream> opened,
                                   uint64_t& bytes) {
  absl::StatusOr<std::unique_ptr<ByteStream>> stream =
      OpenOnce(s, std::move(opened));
  if (!stream.ok()) return stream.status();
  if (*stream == nullptr) return absl::OkStatus();
  ++counts_.files;
  absl::StatusOr<std::string> text =
      ReadAll(**stream, s.path, options_.max_document_bytes);
  finished_bytes_ += (*stream)->consumed();
  if (!text.ok()) {
    uint64_t& counter =
        text.status().code() == absl::StatusCode::kResourceExhausted
            ? counts_.skipped_too_large
            : counts_.skipped_unreadable;
    return Problem(absl::DataLossError(absl::StrFormat(
                       "%s; skipped", text.status().message())),
                   counter);
  }
  return QueueFile(s, std::move(*text),
                   std::string_view((*stream)->encoding()) == "plain", bytes);
}

absl::Status InputReader::ReadAheadFile(Source& s, Prefetched& pre,
                                        uint64_t& bytes) {
  absl::StatusOr<bool> first = FirstTime(s);
  if (!first.ok()) return first.status();
  if (!*first) return absl::OkStatus();
  pre.read = false;
  std::string text = std::move(pre.bytes);
  if (s.kind == Kind::kText && MboxByLook() &&
      HeadLooksLikeMbox(std::string_view(text).substr(0, kMboxHead))) {
    s.kind = Kind::kMbox;
    return OpenLines(s, StreamOfBytes(std::move(text)), mbox_);
  }
  ++counts_.files;
  finished_bytes_ += text.size();
  return QueueFile(s, std::move(text), /*plain=*/true, bytes);
}

absl::Status InputReader::QueueFile(const Source& s, std::string text,
                                    bool plain, uint64_t& bytes) {
  // Text saved as "Unicode" on Windows: UTF-16 behind a byte-order mark,
  // whose NUL bytes would make it look binary. Its text is not its bytes,
  // so it is kept, not read again from the file.
  std::optional<std::string> utf8 = Utf16ToUtf8(text);
  const bool decoded = utf8.has_value();
  if (decoded) text = std::move(*utf8);
  const std::string_view head = std::string_view(text).substr(0, kBinaryProbe);
  if (head.find('\0') != std::string_view::npos) {
    return Problem(absl::InvalidArgumentError(absl::StrFormat(
                       "'%s' looks binary (a NUL byte in its first %d "
                       "bytes%s); skipped",
                       s.path, kBinaryProbe, BinaryKind(head))),
                   counts_.skipped_binary);
  }
  // Standard input has no name to go by: it is judged by its look.
  const Form form = s.path == "-"
                        ? TextForm(text, options_.text_format)
                        : FileForm(s.kind, options_.text_format, text);
  Pending p;
  p.doc.id = UniqueId(s.id, s.id);
  if (options_.source_folders) p.doc.source = FirstFolder(s.id);
  if (form == Form::kMail) MailSource(text, p.doc);
  p.doc.text = std::move(text);
  p.form = form;
  p.where = "'" + s.path + "'";
  p.source = s.index;
  // HTML is spilled as its visible text: parsing a page again for every
  // pair it is aligned in cost more than the alignment (bench/README.md).
  // Mail too, as its decoded body.
  // Standard input, a pipe or a FIFO cannot be read again: their texts
  // are kept.
  p.again = !s.regular || form != Form::kPlain || decoded
                ? Pending::Again::kSpill
                : Pending::Again::kFile;
  if (options_.reference_texts && p.again == Pending::Again::kFile && plain &&
      !p.doc.text.empty()) {
    p.doc.text_at = ReferenceTo(s.path, 0, p.doc.text.size());
  }
  Queue(std::move(p), bytes);
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<ByteStream>> InputReader::OpenText(Source& s) {
  absl::StatusOr<std::unique_ptr<ByteStream>> stream = OpenOnce(s, nullptr);
  if (!stream.ok() || *stream == nullptr) return stream;
  const std::string_view encoding = (*stream)->encoding();
  if (encoding == "plain") return stream;
  std::string head;
  const absl::StatusOr<bool> jsonl = StartsLikeJsonl(**stream, head);
  if (!jsonl.ok()) {
    finished_bytes_ += (*stream)->consumed();
    absl::Status st = Problem(absl::DataLossError(absl::StrFormat(
                                  "%s; skipped", jsonl.status().message())),
                              counts_.skipped_unreadable);
    if (!st.ok()) return st;
    return nullptr;
  }
  if (*jsonl) {
    s.kind = Kind::kJsonl;
    if (!options_.quiet && ++warnings_ <= kMaxWarnings) {
      std::fprintf(stderr,
                   "mimeo: warning: '%s' holds %s-compressed JSONL, not text; "
                   "read as JSONL (a name ending in .jsonl.%s says so)\n",
                   s.path.c_str(), std::string(encoding).c_str(),
                   encoding == "gzip" ? "gz" : "zst");
    }
  }
  return WithPrefix(std::move(head), std::move(*stream));
}

absl::Status InputReader::OpenJsonl(const Source& s,
                                    std::unique_ptr<ByteStream> opened) {
  if (absl::Status st = OpenLines(s, std::move(opened), jsonl_); !st.ok()) {
    return st;
  }
  if (jsonl_ == nullptr) return absl::OkStatus();  // skipped
  jsonl_->spill = !s.regular ||
                  std::string_view(jsonl_->stream->encoding()) != "plain";
  return absl::OkStatus();
}

absl::Status InputReader::ParseLine(std::string_view line, uint64_t& bytes) {
  Jsonl& j = *jsonl_;
  const std::string where =
      absl::StrFormat("%s:%d", j.source.id, j.lines->line_number());
  if (line.find_first_not_of(" \t\r") == std::string_view::npos) {
    return absl::OkStatus();  // blank lines separate nothing; not an error
  }
  const uint64_t line_offset = j.lines->line_offset();
  const uint64_t line_bytes = line.size();
  bool repaired;
  absl::StatusOr<simdjson::dom::object> parsed =
      ParseObject(line, j.parser, j.padded, repaired);
  if (repaired) ++counts_.repaired_lines;
  if (!parsed.ok()) {
    return Problem(absl::InvalidArgumentError(absl::StrFormat(
                       "%s: %s; line skipped", where,
                       parsed.status().message())),
                   counts_.malformed_lines);
  }
  simdjson::dom::object obj = *parsed;
  std::string_view text;
  if (obj.at_key(options_.text_field).get_string().get(text) !=
      simdjson::SUCCESS) {
    return Problem(absl::InvalidArgumentError(absl::StrFormat(
                       "%s: no string field \"%s\"; line skipped", where,
                       options_.text_field)),
                   counts_.malformed_lines);
  }
  if (text.size() > options_.max_document_bytes) {
    return Problem(absl::InvalidArgumentError(absl::StrFormat(
                       "%s: text longer than the %d-byte limit; line skipped",
                       where, options_.max_document_bytes)),
                   counts_.skipped_too_large);
  }
  Document d;
  simdjson::dom::element id;
  if (obj.at_key(options_.id_field).get(id) == simdjson::SUCCESS) {
    std::string_view sv;
    int64_t i;
    uint64_t u;
    double x;
    if (id.get_string().get(sv) == simdjson::SUCCESS) {
      d.id = std::string(sv);
    } else if (id.get_int64().get(i) == simdjson::SUCCESS) {
      d.id = absl::StrFormat("%d", i);
    } else if (id.get_uint64().get(u) == simdjson::SUCCESS) {
      d.id = absl::StrFormat("%d", u);
    } else if (id.get_double().get(x) == simdjson::SUCCESS) {
      d.id = absl::StrFormat("%.17g", x);
    }
  }
  if (d.id.empty() || d.id.size() > 65536) d.id = where;
  if (SkipId(d.id)) return absl::OkStatus();
  d.id = UniqueId(std::move(d.id), where);
  std::string_view source;
  if (!options_.source_field.empty() &&
      obj.at_key(options_.source_field).get_string().get(source) ==
          simdjson::SUCCESS &&
      source.size() <= 65536) {
    d.source = std::string(source);
  } else if (options_.source_folders) {
    d.source = FirstFolder(j.source.id);
  } else if (options_.source_field.empty()) {
    d.source = UrlSource(obj);
  }
  if (!options_.date_field.empty()) {
    simdjson::dom::element date;
    if (obj.at_key(options_.date_field).get(date) == simdjson::SUCCESS &&
        !date.is_null()) {
      std::string_view sv;
      double x;
      if (date.get_string().get(sv) == simdjson::SUCCESS) {
        d.date = ParseDate(sv);
      } else if (date.get_double().get(x) == simdjson::SUCCESS &&
                 std::isfinite(x) && std::abs(x) < 9e18) {
        d.date = static_cast<int64_t>(x);
      }
      if (!d.date) {
        if (absl::Status s = Problem(
                absl::InvalidArgumentError(absl::StrFormat(
                    "%s: field \"%s\" is not a date; document kept without "
                    "one",
                    where, options_.date_field)),
                counts_.bad_dates);
            !s.ok()) {
          return s;
        }
      }
    }
  }
  Pending p;
  p.form = TextForm(text, options_.text_format);
  d.text = std::string(text);
  p.doc = std::move(d);
  p.where = where;
  p.source = j.source.index;
  p.again = j.spill || p.form != Form::kPlain ? Pending::Again::kSpill
                                              : Pending::Again::kLine;
  p.offset = line_offset;
  p.length = line_bytes;
  if (options_.reference_texts && p.again == Pending::Again::kLine &&
      !text.empty()) {
    // Any place in the line holding the text's bytes will do: they are
    // the text (the hash checks them when they are read back). Not found
    // when the field has escapes or the line was repaired.
    const size_t at = line.find(text);
    if (at != std::string_view::npos) {
      p.doc.text_at =
          ReferenceTo(j.source.path, line_offset + at, text.size());
    }
  }
  if (options_.keep_lines) {
    // Kept lines are written one after another: a byte-order mark would
    // land inside the output (ParseObject passed over it).
    p.line = std::string(WithoutByteOrderMark(line));
  }
  Queue(std::move(p), bytes);
  return absl::OkStatus();
}

absl::StatusOr<bool> InputReader::ReadJsonl(uint64_t batch_bytes,
                                            uint64_t& bytes) {
  while (bytes < batch_bytes) {
    absl::StatusOr<std::optional<std::string_view>> line = jsonl_->lines->Next();
    if (!line.ok()) {
      if (line.status().code() == absl::StatusCode::kOutOfRange) {
        absl::Status s = Problem(
            absl::InvalidArgumentError(absl::StrFormat(
                "%s:%d: line longer than the %d-byte document limit; "
                "skipped",
                jsonl_->source.id, jsonl_->lines->line_number(),
                options_.max_document_bytes)),
            counts_.skipped_too_large);
        if (!s.ok()) return s;
        continue;
      }
      // The stream is damaged: keep what was read, drop the rest.
      absl::Status s = Problem(
          absl::DataLossError(absl::StrFormat(
              "%s (after line %d); the rest of the file is skipped",
              line.status().message(), jsonl_->lines->line_number())),
          counts_.skipped_unreadable);
      if (!s.ok()) return s;
      return false;
    }
    if (!line->has_value()) return false;
    if (absl::Status s = ParseLine(**line, bytes); !s.ok()) return s;
  }
  return true;
}

absl::StatusOr<bool> InputReader::Next(std::vector<Document>& out,
                                       uint64_t batch_bytes) {
  out.clear();
  lines_.clear();
  pending_.clear();
  if (absl::Status st = Read(batch_bytes); !st.ok()) return st;
  if (absl::Status st = Finish(out); !st.ok()) return st;
  return !out.empty() || next_source_ < sources_.size() || jsonl_ != nullptr ||
         mbox_ != nullptr;
}

absl::Status InputReader::Read(uint64_t batch_bytes) {
  uint64_t bytes = 0;
  while (bytes < batch_bytes) {
    if (mbox_) {
      absl::StatusOr<bool> more = ReadMbox(batch_bytes, bytes);
      if (!more.ok()) return more.status();
      if (*more) break;  // the batch is full
      finished_bytes_ += mbox_->stream->consumed();
      mbox_.reset();
      continue;
    }
    if (jsonl_) {
      absl::StatusOr<bool> more = ReadJsonl(batch_bytes, bytes);
      if (!more.ok()) return more.status();
      if (*more) break;  // the batch is full
      finished_bytes_ += jsonl_->stream->consumed();
      jsonl_.reset();
      continue;
    }
    if (next_source_ == sources_.size()) break;
    if (next_source_ >= prefetch_end_) Prefetch(next_source_);
    Source s = sources_[next_source_++];
    std::unique_ptr<ByteStream> stream;
    if (parts_ > 1 && !s.split && ShareOfPath(s.path, parts_) != part_) {
      finished_bytes_ += s.size;  // another share's
      continue;
    }
    if (s.split) {
      // This share's range: the whole file is still opened once, so that
      // a file named twice is read once, as without shares.
      absl::StatusOr<std::unique_ptr<ByteStream>> whole = OpenOnce(s, nullptr);
      if (!whole.ok()) return whole.status();
      if (*whole == nullptr) continue;  // skipped, and said why
      whole->reset();
      const int fd = open(s.path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) {
        return absl::DataLossError(absl::StrFormat(
            "cannot open '%s': %s", s.path, std::strerror(errno)));
      }
      if (absl::Status st = OpenJsonl(
              s, std::make_unique<RangeStream>(fd, s.path, s.begin, s.end));
          !st.ok()) {
        return st;
      }
      jsonl_->lines->StartAfter(s.lines_before, s.begin);
      continue;
    }
    if (s.kind == Kind::kSniff) {
      // Standard input: JSONL when its first non-blank byte is '{'.
      absl::StatusOr<std::unique_ptr<ByteStream>> in = OpenByteStream("-");
      if (!in.ok()) return in.status();
      std::string head;
      // An error surfaces again on reading on.
      const absl::StatusOr<bool> jsonl = StartsLikeJsonl(**in, head);
      s.kind = jsonl.ok() && *jsonl ? Kind::kJsonl : Kind::kText;
      s.id = s.kind == Kind::kJsonl ? "stdin" : "-";
      stream = WithPrefix(std::move(head), std::move(*in));
    } else if (s.kind != Kind::kJsonl && s.kind != Kind::kMbox &&
               SkipId(s.id)) {
      finished_bytes_ += s.size;
      continue;
    } else if (Prefetched* pre = ReadAhead(s);
               pre != nullptr &&
               pre->bytes.size() <= options_.max_document_bytes) {
      // Its text is the bytes read ahead, without a stream between.
      if (absl::Status st = ReadAheadFile(s, *pre, bytes); !st.ok()) {
        return st;
      }
      continue;
    } else if (s.kind == Kind::kText) {
      absl::StatusOr<std::unique_ptr<ByteStream>> opened = OpenText(s);
      if (!opened.ok()) return opened.status();
      if (*opened == nullptr) continue;  // skipped, and said why
      stream = std::move(*opened);
      if (s.kind == Kind::kText && MboxByLook()) {
        // A text file that starts like an mbox (a list archive's monthly
        // file) is read message by message. An error surfaces again on
        // reading on.
        std::string head;
        const absl::Status read = ReadHead(*stream, head, kMboxHead);
        if (read.ok() && HeadLooksLikeMbox(head)) s.kind = Kind::kMbox;
        stream = WithPrefix(std::move(head), std::move(stream));
      }
    }
    if (s.kind == Kind::kMbox) {
      if (absl::Status st = OpenLines(s, std::move(stream), mbox_);
          !st.ok()) {
        return st;
      }
      continue;
    }
    if (s.kind == Kind::kJsonl) {
      if (absl::Status st = OpenJsonl(s, std::move(stream)); !st.ok()) {
        return st;
      }
      continue;
    }
    if (absl::Status st = ReadFile(s, std::move(stream), bytes); !st.ok()) {
      return st;
    }
  }
  return absl::OkStatus();
}

}  // namespace mimeo::cli
