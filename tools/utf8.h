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

// Whether `s` is valid UTF-8 throughout (DecodeUtf8 finds no invalid
// sequence).
bool IsValidUtf8(std::string_view s);

// `bytes` in the legacy character set named `charset` (as a mail header or
// an HTML <meta> names it, any case: "EUC-KR", "Shift_JIS",
// "iso-2022-jp", "gb2312", "big5", "koi8-r", "windows-1251", ...) as
// UTF-8, by the C library's iconv. Names are taken as browsers take them
// (the WHATWG encoding standard): a legacy name stands for the superset
// its writers used, so "gb2312" is read as GBK, "euc-kr" and
// "ks_c_5601-1987" as CP949, "shift_jis" as CP932, "iso-8859-1" and
// "us-ascii" as windows-1252, "big5" as BIG5-HKSCS. Bytes that are not
// valid in the charset become U+FFFD each, and reading goes on after
// them. Nothing when the name is of no charset iconv knows, or of UTF-8
// or UTF-16/32 (not a legacy charset: the text is left as it is).
std::optional<std::string> LegacyToUtf8(std::string_view bytes,
                                        std::string_view charset);

// Whether text in `charset` may be 7-bit ASCII bytes that are not ASCII
// text (ISO-2022-JP, -KR, -CN; HZ): such text must be converted even when
// it is valid UTF-8.
bool IsSevenBitCharset(std::string_view charset);

}  // namespace mimeo::cli

#endif  // MIMEO_TOOLS_UTF8_H_
