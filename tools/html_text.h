// Turning an HTML page into the text a reader sees, with gumbo (an HTML5
// parser: it copes with any tag soup, as browsers do).
#ifndef MIMEO_TOOLS_HTML_TEXT_H_
#define MIMEO_TOOLS_HTML_TEXT_H_

#include <string>
#include <string_view>

namespace mimeo::cli {

// The visible text of `html`: character references decoded, runs of
// whitespace collapsed to one space (kept as is inside <pre>), a line break
// after each block (paragraph, heading, list item, table row, <br>...).
// Left out: <head> (but the <title> becomes the first line), script,
// style, noscript, template, svg, iframe, form controls, and navigation
// (<nav> and role="navigation"). Never fails: malformed HTML is repaired
// the way a browser would. A page whose elements nest more than 5,000 deep
// (gumbo slows down with the square of the depth) is read by stripping its
// tags instead, so a hostile page cannot stall a run.
std::string HtmlToText(std::string_view html);

}  // namespace mimeo::cli

#endif  // MIMEO_TOOLS_HTML_TEXT_H_
