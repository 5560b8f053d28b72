#include "doc_meta.h"

#include <algorithm>
#include <cctype>

#include "absl/strings/match.h"
#include "absl/time/time.h"

namespace mimeo::cli {

std::string UrlHost(std::string_view url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string_view::npos || scheme == 0 || scheme > 16) {
    return std::string();
  }
  std::string_view host = url.substr(scheme + 3);
  host = host.substr(0, std::min(host.find_first_of("/?#"), host.size()));
  if (const size_t at = host.rfind('@'); at != std::string_view::npos) {
    host.remove_prefix(at + 1);
  }
  // The port: after the last ':' of a name, after the ']' of an IPv6
  // address.
  const size_t from = !host.empty() && host[0] == '[' ? host.find(']') : 0;
  if (from != std::string_view::npos) {
    host = host.substr(0, std::min(host.find(':', from), host.size()));
  }
  std::string out(host);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  if (absl::StartsWith(out, "www.")) out.erase(0, 4);
  return out.size() <= 255 ? out : std::string();
}

std::optional<int64_t> ParseDate(std::string_view s) {
  absl::Time t;
  std::string err;
  const std::string str(s);
  if (absl::ParseTime(absl::RFC3339_full, str, &t, &err)) {
    return absl::ToUnixSeconds(t);
  }
  for (const char* format :
       {"%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"}) {
    if (absl::ParseTime(format, str, absl::UTCTimeZone(), &t, &err)) {
      return absl::ToUnixSeconds(t);
    }
  }
  return std::nullopt;
}

}  // namespace mimeo::cli
