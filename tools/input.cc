#include "input.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string_view>

#include "absl/strings/str_format.h"

namespace mimeo::cli {
namespace fs = std::filesystem;

namespace {

bool WantedExtension(const fs::path& p) {
  const std::string ext = p.extension().string();
  return ext == ".txt" || ext == ".md";
}

void Warn(bool quiet, const std::string& message) {
  if (!quiet) std::fprintf(stderr, "mimeo: warning: %s\n", message.c_str());
}

// Adds the file as a document unless it is unreadable or binary.
void ReadOne(const fs::path& path, const std::string& id, bool quiet,
             InputSummary& summary, std::vector<Document>& out) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  if (!in || !(ss << in.rdbuf())) {
    // An empty file also fails `ss << rdbuf`; tell the two apart.
    std::error_code ec;
    if (in && fs::file_size(path, ec) == 0 && !ec) {
      ++summary.files;
      out.push_back({id, ""});
      return;
    }
    ++summary.skipped_unreadable;
    Warn(quiet, absl::StrFormat("cannot read '%s', skipped", path.string()));
    return;
  }
  std::string text = ss.str();
  const size_t head = std::min<size_t>(text.size(), 8192);
  if (std::string_view(text).substr(0, head).find('\0') !=
      std::string_view::npos) {
    ++summary.skipped_binary;
    Warn(quiet, absl::StrFormat("'%s' looks binary (NUL byte), skipped",
                                path.string()));
    return;
  }
  ++summary.files;
  summary.bytes += text.size();
  out.push_back({id, std::move(text)});
}

}  // namespace

absl::StatusOr<std::vector<Document>> ReadInputs(
    const std::vector<std::string>& paths, bool quiet, InputSummary& summary) {
  std::vector<Document> out;
  for (const std::string& arg : paths) {
    std::error_code ec;
    const fs::file_status st = fs::status(arg, ec);
    if (ec || !fs::exists(st)) {
      return absl::NotFoundError(absl::StrFormat("'%s' does not exist", arg));
    }
    if (!fs::is_directory(st)) {
      ReadOne(arg, arg, quiet, summary, out);
      continue;
    }
    std::vector<fs::path> files;
    for (auto it = fs::recursive_directory_iterator(
             arg, fs::directory_options::skip_permission_denied, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (it->is_regular_file() && WantedExtension(it->path())) {
        files.push_back(it->path());
      }
    }
    if (ec) {
      return absl::PermissionDeniedError(
          absl::StrFormat("cannot walk '%s': %s", arg, ec.message()));
    }
    std::sort(files.begin(), files.end());
    for (const fs::path& p : files) {
      ReadOne(p, fs::relative(p, arg).string(), quiet, summary, out);
    }
  }
  return out;
}

}  // namespace mimeo::cli
