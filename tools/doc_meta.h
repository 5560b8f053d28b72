// Where a document says it comes from and when: the host of a URL (a
// crawl dump's "url" field, a page's canonical link) and a date written
// the ISO way (a JSONL date field, a page's publication time). Each
// document's source and date feed the boilerplate model (boilerplate.h):
// text many sites print in a burst is a story, text on every page of one
// site its template.
#ifndef MIMEO_TOOLS_DOC_META_H_
#define MIMEO_TOOLS_DOC_META_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mimeo::cli {

// The host of an absolute URL, lower case, without "www.", a port or user
// info: "news.example.com" of "https://www.News.example.com:8080/a?b".
// Empty when `url` is not an absolute URL (or its host is over 255 bytes).
std::string UrlHost(std::string_view url);

// Seconds since 1970 of an RFC 3339 time ("2009-11-23T21:05:09Z", with an
// offset or fractions of a second), of one without its offset, 'T' or a
// space between day and time ("2009-11-23 21:05:09", taken as UTC), or of
// a day ("2009-11-23", at 00:00 UTC); nullopt for anything else.
std::optional<int64_t> ParseDate(std::string_view s);

}  // namespace mimeo::cli

#endif  // MIMEO_TOOLS_DOC_META_H_
