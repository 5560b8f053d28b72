// Fuzz target: HTML to text (html_text.h) on any bytes.
//
// Input: the page. Runs LooksLikeHtml and HtmlToText, both documented to
// take anything (gumbo repairs what a browser would; deep pages are
// stripped of their tags): the sanitizers judge.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "html_text.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view html(reinterpret_cast<const char*>(data), size);
  (void)mimeo::cli::LooksLikeHtml(html);
  (void)mimeo::cli::HtmlToText(html);
  return 0;
}
