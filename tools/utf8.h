// UTF-8 helpers for what the command line writes: every output format is
// valid UTF-8 whatever bytes the input held. Invalid bytes are repaired by
// the library's RepairUtf8 (mimeo/normalize.h), so the command and the
// engine replace them alike.
#ifndef MIMEO_TOOLS_UTF8_H_
#define MIMEO_TOOLS_UTF8_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "mimeo/normalize.h"

namespace mimeo::cli {

// The longest prefix of `s` of at most `max_bytes` bytes that does not cut
// a UTF-8 sequence in two.
std::string_view Utf8Prefix(std::string_view s, size_t max_bytes);

// `s` without the UTF-8 byte-order mark some programs write first.
inline std::string_view WithoutByteOrderMark(std::string_view s) {
  return s.substr(0, 3) == "\xEF\xBB\xBF" ? s.substr(3) : s;
}

// A file that starts with a UTF-16 byte-order mark (FF FE: little endian,
// as Windows writes "Unicode" text; FE FF: big endian) as UTF-8, without
// the mark; lone surrogates and an odd last byte become U+FFFD. Nothing
// for any other bytes.
std::optional<std::string> Utf16ToUtf8(std::string_view bytes);

}  // namespace mimeo::cli

#endif  // MIMEO_TOOLS_UTF8_H_
