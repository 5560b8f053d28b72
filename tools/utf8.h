// UTF-8 helpers for what the command line writes: every output format is
// valid UTF-8 whatever bytes the input held. Invalid bytes are repaired by
// the library's RepairUtf8 (mimeo/normalize.h), so the command and the
// engine replace them alike.
#ifndef MIMEO_TOOLS_UTF8_H_
#define MIMEO_TOOLS_UTF8_H_

#include <cstddef>
#include <string_view>

#include "mimeo/normalize.h"

namespace mimeo::cli {

// The longest prefix of `s` of at most `max_bytes` bytes that does not cut
// a UTF-8 sequence in two.
std::string_view Utf8Prefix(std::string_view s, size_t max_bytes);

}  // namespace mimeo::cli

#endif  // MIMEO_TOOLS_UTF8_H_
