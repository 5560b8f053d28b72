// Turning an HTML page into the text a reader sees, with gumbo (an HTML5
// parser: it copes with any tag soup, as browsers do).
#ifndef MIMEO_TOOLS_HTML_TEXT_H_
#define MIMEO_TOOLS_HTML_TEXT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mimeo::cli {

// The visible text of `html`: character references decoded, runs of
// whitespace collapsed to one space (kept as is inside <pre>), a line break
// after each block (paragraph, heading, list item, table row, <br>...).
// Left out: <head> (but the <title> becomes the first line), script,
// style, noscript, template, svg, iframe, form controls, and navigation:
// <nav>, role="navigation", and every list (<ul>, <ol>, <menu>, <dl>) or
// table that holds two links or more and whose visible text is at least
// three quarters link text (<a href>): a site's menu in a plain list, a
// "most read" list, breadcrumbs, a table of contents. Their words are the
// names of other pages, which the site repeats on page after page, never
// what a page says. When such lists hold more than half of a page's text
// they are kept: that page (a site map, an index) is its links.
// Never fails: malformed HTML is repaired
// the way a browser would. A page whose elements nest more than 5,000 deep
// (gumbo slows down with the square of the depth) is read by stripping its
// tags instead, so a hostile page cannot stall a run.
std::string HtmlToText(std::string_view html);

// A page's text, and where and when its <head> says it was published, as
// news sites and most publishing systems write it. A collection of saved
// pages carries its sites and dates this way, as a mail archive carries
// its lists and dates in headers.
struct HtmlPage {
  std::string text;  // HtmlToText's
  // The host (UrlHost, doc_meta.h) of <link rel="canonical" href=...>,
  // else of <meta property="og:url" content=...>; empty when neither is
  // an absolute URL.
  std::string site;
  // The first that ParseDate (doc_meta.h) reads of the <meta> tags whose
  // property, name or itemprop is, by preference: article:published_time,
  // datePublished, date, DC.date.issued, DC.date, DCTERMS.issued,
  // DCTERMS.created, DCTERMS.date, pubdate, publishdate, publish-date,
  // publication_date, sailthru.date, parsely-pub-date (case ignored). A
  // date in the page's visible text (a byline) is not read: a page shows
  // many dates (comments, related stories).
  std::optional<int64_t> date;
};
// Pages nested too deep for gumbo (see HtmlToText) have no site or date.
// A page whose bytes are not UTF-8 is read in the charset it declares
// (DeclaredCharset, LegacyToUtf8 in utf8.h: EUC-KR, Shift_JIS, GB2312,
// windows-1251, ...), as is one declaring a 7-bit charset
// (ISO-2022-JP); a page that declares none, or one iconv does not know,
// has its invalid bytes repaired (U+FFFD) as any text's.
HtmlPage ReadHtmlPage(std::string_view html);

// The charset the first 1,024 bytes of a page declare, lower case, as a
// browser's prescan finds it: <meta charset="X">, <meta
// http-equiv="Content-Type" content="text/html; charset=X">, or an XML
// declaration's encoding="X". Empty when none does.
std::string DeclaredCharset(std::string_view html);

// Whether `text` (a JSONL field, standard input) looks like HTML rather
// than plain text. True when, after leading whitespace and a UTF-8 byte
// order mark, it starts with "<!DOCTYPE html" or "<html" (followed by '>'
// or whitespace), or when at least two different ones of these tags start
// within its first 4 KiB: <body, <div, <p, <br, <table (each followed by
// '>', '/' or whitespace) and <a href. Case is ignored. So a text that
// names one tag, however often ("wrap it in <p>"), or code with '<' in it
// (std::vector<int>, a < b) stays text; a page or a fragment of two kinds
// of tag ("<div><p>...") is HTML. A text naming two of these tags in
// prose ("<div> or <table>?") is taken for HTML; --text-format text
// (input.h) keeps such texts as they are.
bool LooksLikeHtml(std::string_view text);

}  // namespace mimeo::cli

#endif  // MIMEO_TOOLS_HTML_TEXT_H_
