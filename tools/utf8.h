// UTF-8 helpers for what the command line writes: every output format is
// valid UTF-8 whatever bytes the input held.
#ifndef MIMEO_TOOLS_UTF8_H_
#define MIMEO_TOOLS_UTF8_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace mimeo::cli {

// `in` with each invalid UTF-8 sequence replaced by U+FFFD: a bad lead
// byte and the continuation bytes after it become one replacement.
std::string RepairUtf8(std::string_view in);

// The longest prefix of `s` of at most `max_bytes` bytes that does not cut
// a UTF-8 sequence in two.
std::string_view Utf8Prefix(std::string_view s, size_t max_bytes);

}  // namespace mimeo::cli

#endif  // MIMEO_TOOLS_UTF8_H_
