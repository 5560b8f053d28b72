#include "utf8.h"

#include <errno.h>
#include <iconv.h>

#include <cstdint>

#include "absl/strings/ascii.h"

namespace mimeo::cli {

std::string_view Utf8Prefix(std::string_view s, size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  size_t n = max_bytes;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

std::optional<std::string> Utf16ToUtf8(std::string_view bytes) {
  if (bytes.size() < 2) return std::nullopt;
  const auto b0 = static_cast<unsigned char>(bytes[0]);
  const auto b1 = static_cast<unsigned char>(bytes[1]);
  bool little;
  if (b0 == 0xFF && b1 == 0xFE) {
    little = true;
  } else if (b0 == 0xFE && b1 == 0xFF) {
    little = false;
  } else {
    return std::nullopt;
  }
  const auto unit = [&](size_t at) -> uint32_t {
    const auto lo = static_cast<unsigned char>(bytes[at + (little ? 0 : 1)]);
    const auto hi = static_cast<unsigned char>(bytes[at + (little ? 1 : 0)]);
    return static_cast<uint32_t>(hi) << 8 | lo;
  };
  const auto put = [](std::string& out, uint32_t c) {
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else if (c < 0x800) {
      out += static_cast<char>(0xC0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
      out += static_cast<char>(0xE0 | (c >> 12));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (c >> 18));
      out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
  };
  constexpr uint32_t kReplacement = 0xFFFD;
  std::string out;
  out.reserve(bytes.size() / 2 * 3 / 2);
  size_t i = 2;
  for (; i + 1 < bytes.size(); i += 2) {
    const uint32_t u = unit(i);
    if (u >= 0xD800 && u <= 0xDBFF && i + 3 < bytes.size()) {
      const uint32_t low = unit(i + 2);
      if (low >= 0xDC00 && low <= 0xDFFF) {
        put(out, 0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00));
        i += 2;
        continue;
      }
    }
    put(out, u >= 0xD800 && u <= 0xDFFF ? kReplacement : u);
  }
  if (i < bytes.size()) put(out, kReplacement);  // an odd last byte
  return out;
}

}  // namespace mimeo::cli

namespace mimeo::cli {

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    // ASCII a word at a time would be faster; the callers ask once a
    // document.
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    const Utf8Char c = DecodeUtf8(s.substr(i));
    if (c.code_point < 0) return false;
    i += c.bytes;
  }
  return true;
}

namespace {

// The iconv name of a legacy charset as a browser reads it, or empty for
// UTF-8 and UTF-16/32 (not converted here).
std::string IconvName(std::string_view charset) {
  std::string name(charset);
  absl::AsciiStrToLower(&name);
  // Names come from headers and markup: trim what quoting left.
  while (!name.empty() && (name.back() == '"' || name.back() == '\'' ||
                           name.back() == ';' || name.back() == ' ')) {
    name.pop_back();
  }
  while (!name.empty() && (name.front() == '"' || name.front() == '\'' ||
                           name.front() == ' ')) {
    name.erase(name.begin());
  }
  if (name.empty() || name == "utf-8" || name == "utf8" ||
      name.rfind("utf-16", 0) == 0 || name.rfind("utf-32", 0) == 0 ||
      name.rfind("unicode", 0) == 0) {
    return "";
  }
  // Supersets, as the WHATWG encoding standard maps the labels.
  static constexpr std::pair<std::string_view, std::string_view> kAliases[] = {
      {"us-ascii", "WINDOWS-1252"},   {"ascii", "WINDOWS-1252"},
      {"iso-8859-1", "WINDOWS-1252"}, {"iso8859-1", "WINDOWS-1252"},
      {"latin1", "WINDOWS-1252"},     {"latin-1", "WINDOWS-1252"},
      {"l1", "WINDOWS-1252"},         {"iso_8859-1", "WINDOWS-1252"},
      {"gb2312", "GBK"},              {"gb_2312-80", "GBK"},
      {"x-gbk", "GBK"},               {"euc-cn", "GBK"},
      {"euc-kr", "CP949"},            {"ks_c_5601-1987", "CP949"},
      {"ks_c_5601-1989", "CP949"},    {"ksc5601", "CP949"},
      {"windows-949", "CP949"},       {"shift_jis", "CP932"},
      {"shift-jis", "CP932"},         {"sjis", "CP932"},
      {"x-sjis", "CP932"},            {"ms_kanji", "CP932"},
      {"windows-31j", "CP932"},       {"big5", "BIG5-HKSCS"},
      {"x-x-big5", "BIG5-HKSCS"},     {"tis-620", "CP874"},
      {"iso-8859-11", "CP874"},       {"iso-8859-9", "WINDOWS-1254"},
  };
  for (const auto& [label, to] : kAliases) {
    if (name == label) return std::string(to);
  }
  return name;
}

}  // namespace

std::optional<std::string> LegacyToUtf8(std::string_view bytes,
                                        std::string_view charset) {
  const std::string from = IconvName(charset);
  if (from.empty()) return std::nullopt;
  iconv_t cd = iconv_open("UTF-8", from.c_str());
  if (cd == reinterpret_cast<iconv_t>(-1)) return std::nullopt;
  std::string out;
  out.resize(bytes.size() * 2 + 16);
  size_t written = 0;
  char* in = const_cast<char*>(bytes.data());
  size_t in_left = bytes.size();
  const auto replacement = [&] {
    if (out.size() - written < 3) out.resize(out.size() * 2 + 3);
    out.replace(written, 3, "\xEF\xBF\xBD");
    written += 3;
  };
  // The loop ends: every turn converts, grows the output, or passes a byte.
  while (true) {
    char* to = out.data() + written;
    size_t to_left = out.size() - written;
    const size_t rc = in_left == 0
                          ? iconv(cd, nullptr, nullptr, &to, &to_left)
                          : iconv(cd, &in, &in_left, &to, &to_left);
    written = out.size() - to_left;
    if (rc != static_cast<size_t>(-1)) {
      if (in_left == 0) break;
      continue;
    }
    if (errno == E2BIG) {
      out.resize(out.size() * 2);
    } else if (errno == EILSEQ) {
      // A byte this charset does not have: one U+FFFD, and on after it.
      replacement();
      ++in;
      --in_left;
      iconv(cd, nullptr, nullptr, nullptr, nullptr);
    } else {
      // EINVAL: the text ends inside a sequence.
      replacement();
      in += in_left;
      in_left = 0;
      iconv(cd, nullptr, nullptr, nullptr, nullptr);
    }
  }
  iconv_close(cd);
  out.resize(written);
  return out;
}

bool IsSevenBitCharset(std::string_view charset) {
  std::string name(charset);
  absl::AsciiStrToLower(&name);
  return name.rfind("iso-2022", 0) == 0 || name == "hz-gb-2312" ||
         name == "utf-7";
}

}  // namespace mimeo::cli
