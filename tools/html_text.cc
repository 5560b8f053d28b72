#include "html_text.h"

#include <gumbo.h>

#include <algorithm>
#include <bit>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <new>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "doc_meta.h"
#include "utf8.h"

namespace mimeo::cli {
namespace {

// Deeper pages are read by stripping tags (see StripTags).
constexpr size_t kMaxNesting = 5000;

// Where gumbo's allocations for one page come from. Gumbo allocates each
// node, attribute, vector and string of a page on its own, grows vectors
// and buffers by allocating anew and freeing the old block, and frees the
// whole tree block by block at the end: through malloc that was a quarter
// of the time of reading an HTML documentation set (bench/README.md). A
// page's blocks all die with its tree, so they are cut from chunks the
// converting thread keeps from page to page: blocks up to kLargest bytes
// by power-of-two size class, each class reusing what was freed into it;
// larger blocks (a long text node's buffer) from malloc, freed as gumbo
// frees them. Reset() after gumbo_destroy_output() takes every chunk back
// at once, keeping kKeptChunks for the next page.
class ParseArena {
 public:
  ParseArena() = default;
  ParseArena(const ParseArena&) = delete;
  ParseArena& operator=(const ParseArena&) = delete;
  ~ParseArena() {
    for (void* chunk : chunks_) std::free(chunk);
  }

  // GumboOptions::allocator and ::deallocator, with the arena as userdata.
  static void* Allocate(void* self, size_t size) {
    return static_cast<ParseArena*>(self)->Take(size);
  }
  static void Deallocate(void* self, void* ptr) {
    if (ptr != nullptr) static_cast<ParseArena*>(self)->Give(ptr);
  }

  // Every small block is free again.
  void Reset() {
    while (chunks_.size() > kKeptChunks) {
      std::free(chunks_.back());
      chunks_.pop_back();
    }
    chunk_ = 0;
    used_ = 0;
    std::fill(std::begin(free_), std::end(free_), nullptr);
  }

 private:
  // A block's header: its size class, or kLarge; 16 bytes keep the block
  // as aligned as malloc's.
  static constexpr size_t kHeader = 16;
  static constexpr int kClasses = 9;  // 16, 32, ..., 4096 bytes
  static constexpr size_t kLargest = size_t{16} << (kClasses - 1);
  static constexpr uint32_t kLarge = kClasses;
  static constexpr size_t kChunkBytes = size_t{256} << 10;
  static constexpr size_t kKeptChunks = 16;

  void* Take(size_t size) {
    if (size > kLargest) {
      void* block = std::malloc(kHeader + size);
      if (block == nullptr) throw std::bad_alloc();
      *static_cast<uint32_t*>(block) = kLarge;
      return static_cast<char*>(block) + kHeader;
    }
    const uint32_t c =
        size <= 16 ? 0 : static_cast<uint32_t>(std::bit_width(size - 1)) - 4;
    if (void* block = free_[c]) {
      free_[c] = *static_cast<void**>(block);
      return block;
    }
    const size_t need = kHeader + (size_t{16} << c);
    if (chunk_ == chunks_.size() || used_ + need > kChunkBytes) {
      if (chunk_ < chunks_.size()) ++chunk_;
      if (chunk_ == chunks_.size()) {
        void* chunk = std::malloc(kChunkBytes);
        if (chunk == nullptr) throw std::bad_alloc();
        chunks_.push_back(chunk);
      }
      used_ = 0;
    }
    char* block = static_cast<char*>(chunks_[chunk_]) + used_;
    used_ += need;
    *reinterpret_cast<uint32_t*>(block) = c;
    return block + kHeader;
  }

  void Give(void* ptr) {
    char* block = static_cast<char*>(ptr) - kHeader;
    const uint32_t c = *reinterpret_cast<uint32_t*>(block);
    if (c == kLarge) {
      std::free(block);
      return;
    }
    *static_cast<void**>(ptr) = free_[c];
    free_[c] = ptr;
  }

  std::vector<void*> chunks_;  // kChunkBytes each
  size_t chunk_ = 0;           // the chunk blocks are cut from
  size_t used_ = 0;            // bytes cut from it
  void* free_[kClasses] = {};  // freed blocks by class, linked through them
};

bool IsHtmlSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

bool Skipped(const GumboElement& e) {
  switch (e.tag) {
    case GUMBO_TAG_HEAD:
    case GUMBO_TAG_SCRIPT:
    case GUMBO_TAG_STYLE:
    case GUMBO_TAG_NOSCRIPT:
    case GUMBO_TAG_TEMPLATE:
    case GUMBO_TAG_SVG:
    case GUMBO_TAG_MATH:
    case GUMBO_TAG_IFRAME:
    case GUMBO_TAG_OBJECT:
    case GUMBO_TAG_NAV:
    case GUMBO_TAG_BUTTON:
    case GUMBO_TAG_SELECT:
    case GUMBO_TAG_TEXTAREA:
      return true;
    default:
      break;
  }
  const GumboAttribute* role = gumbo_get_attribute(&e.attributes, "role");
  return role != nullptr && std::strcmp(role->value, "navigation") == 0;
}

bool IsBlock(GumboTag tag) {
  switch (tag) {
    case GUMBO_TAG_ADDRESS: case GUMBO_TAG_ARTICLE: case GUMBO_TAG_ASIDE:
    case GUMBO_TAG_BLOCKQUOTE: case GUMBO_TAG_BR: case GUMBO_TAG_DD:
    case GUMBO_TAG_DIV: case GUMBO_TAG_DL: case GUMBO_TAG_DT:
    case GUMBO_TAG_FIELDSET: case GUMBO_TAG_FIGCAPTION: case GUMBO_TAG_FIGURE:
    case GUMBO_TAG_FOOTER: case GUMBO_TAG_FORM: case GUMBO_TAG_H1:
    case GUMBO_TAG_H2: case GUMBO_TAG_H3: case GUMBO_TAG_H4: case GUMBO_TAG_H5:
    case GUMBO_TAG_H6: case GUMBO_TAG_HEADER: case GUMBO_TAG_HR:
    case GUMBO_TAG_LI: case GUMBO_TAG_MAIN: case GUMBO_TAG_OL: case GUMBO_TAG_P:
    case GUMBO_TAG_PRE: case GUMBO_TAG_SECTION: case GUMBO_TAG_TABLE:
    case GUMBO_TAG_TR: case GUMBO_TAG_UL: case GUMBO_TAG_TITLE:
    case GUMBO_TAG_BODY: case GUMBO_TAG_CAPTION:
      return true;
    default:
      return false;
  }
}

class TextBuilder {
 public:
  // Appends text, collapsing whitespace unless `verbatim`.
  void Text(const char* s, bool verbatim) {
    for (; *s != '\0'; ++s) {
      const char c = *s;
      const bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
                         c == '\f' || c == '\v';
      if (verbatim) {
        if (c == '\n') {
          LineBreak();
          continue;
        }
        Flush();
        out_.push_back(c);
        continue;
      }
      if (space) {
        pending_space_ = !out_.empty() && !at_line_start_;
        continue;
      }
      Flush();
      out_.push_back(c);
    }
  }

  void LineBreak() {
    pending_space_ = false;
    if (!out_.empty() && !at_line_start_) out_.push_back('\n');
    at_line_start_ = true;
  }

  std::string Take() {
    while (!out_.empty() && out_.back() == '\n') out_.pop_back();
    return std::move(out_);
  }

 private:
  void Flush() {
    if (pending_space_) out_.push_back(' ');
    pending_space_ = false;
    at_line_start_ = false;
  }

  std::string out_;
  bool pending_space_ = false;
  bool at_line_start_ = true;
};

bool IsLink(const GumboElement& e) {
  return e.tag == GUMBO_TAG_A &&
         gumbo_get_attribute(&e.attributes, "href") != nullptr;
}

// The lists and tables of a page that are a reader's way around, not what
// it says (see HtmlToText), in address order: every list (<ul>, <ol>,
// <menu>, <dl>) or table whose visible text is at least three quarters
// link text and that holds two links or more. None when together they hold
// more than half of the page's visible text: such a page (a site map, an
// index, a table of contents) is its links.
std::vector<const GumboNode*> LinkLists(const GumboNode* root) {
  constexpr size_t kMinLinks = 2;
  constexpr double kMinLinkShare = 0.75;
  constexpr double kMaxPageShare = 0.5;
  struct Frame {
    const GumboNode* node;
    unsigned next_child;
    bool in_link;
    size_t text;     // non-space bytes of visible text inside
    size_t linked;   // of which inside a link
    size_t links;    // links inside
    size_t dropped;  // text inside the lists found inside
  };
  std::vector<const GumboNode*> lists;
  std::vector<Frame> stack{{root, 0, false, 0, 0, 0, 0}};
  while (true) {
    Frame& f = stack.back();
    const GumboNode* n = f.node;
    const GumboVector& children = n->type == GUMBO_NODE_DOCUMENT
                                      ? n->v.document.children
                                      : n->v.element.children;
    if (f.next_child < children.length) {
      const auto* child =
          static_cast<const GumboNode*>(children.data[f.next_child++]);
      if (child->type == GUMBO_NODE_TEXT || child->type == GUMBO_NODE_CDATA) {
        size_t bytes = 0;
        for (const char* s = child->v.text.text; *s != '\0'; ++s) {
          bytes += !IsHtmlSpace(*s) && *s != '\v';
        }
        f.text += bytes;
        if (f.in_link) f.linked += bytes;
      } else if ((child->type == GUMBO_NODE_ELEMENT ||
                  child->type == GUMBO_NODE_TEMPLATE) &&
                 !Skipped(child->v.element)) {
        stack.push_back({child, 0, f.in_link || IsLink(child->v.element), 0,
                         0, 0, 0});
      }
      continue;
    }
    Frame done = f;
    stack.pop_back();
    if (done.node->type == GUMBO_NODE_ELEMENT) {
      const GumboElement& e = done.node->v.element;
      if (IsLink(e)) ++done.links;
      const bool list = e.tag == GUMBO_TAG_UL || e.tag == GUMBO_TAG_OL ||
                        e.tag == GUMBO_TAG_MENU || e.tag == GUMBO_TAG_DL ||
                        e.tag == GUMBO_TAG_TABLE;
      if (list && done.links >= kMinLinks && done.text > 0 &&
          static_cast<double>(done.linked) >=
              kMinLinkShare * static_cast<double>(done.text)) {
        lists.push_back(done.node);
        done.dropped = done.text;
      }
    }
    if (stack.empty()) {
      if (static_cast<double>(done.dropped) >
          kMaxPageShare * static_cast<double>(done.text)) {
        lists.clear();
      }
      break;
    }
    Frame& parent = stack.back();
    parent.text += done.text;
    parent.linked += done.linked;
    parent.links += done.links;
    parent.dropped += done.dropped;
  }
  std::sort(lists.begin(), lists.end());
  return lists;
}

// Walks the tree without recursion (pages can nest thousands deep),
// leaving out the elements of `lists` (sorted).
void Walk(const GumboNode* root, TextBuilder& out,
          const std::vector<const GumboNode*>& lists = {}) {
  struct Frame {
    const GumboNode* node;
    unsigned next_child;
    bool verbatim;
  };
  std::vector<Frame> stack{{root, 0, false}};
  while (!stack.empty()) {
    Frame& f = stack.back();
    const GumboNode* n = f.node;
    if (n->type == GUMBO_NODE_TEXT || n->type == GUMBO_NODE_CDATA ||
        n->type == GUMBO_NODE_WHITESPACE) {
      out.Text(n->v.text.text, f.verbatim);
      stack.pop_back();
      continue;
    }
    if (n->type != GUMBO_NODE_ELEMENT && n->type != GUMBO_NODE_DOCUMENT &&
        n->type != GUMBO_NODE_TEMPLATE) {
      stack.pop_back();  // comments
      continue;
    }
    const GumboVector& children = n->type == GUMBO_NODE_DOCUMENT
                                      ? n->v.document.children
                                      : n->v.element.children;
    const bool element = n->type != GUMBO_NODE_DOCUMENT;
    if (f.next_child == 0 && element) {
      if (Skipped(n->v.element) ||
          std::binary_search(lists.begin(), lists.end(), n)) {
        stack.pop_back();
        continue;
      }
      if (IsBlock(n->v.element.tag)) out.LineBreak();
    }
    if (f.next_child < children.length) {
      const auto* child =
          static_cast<const GumboNode*>(children.data[f.next_child++]);
      const bool verbatim =
          f.verbatim || (element && n->v.element.tag == GUMBO_TAG_PRE);
      stack.push_back({child, 0, verbatim});
      continue;
    }
    if (element && IsBlock(n->v.element.tag)) out.LineBreak();
    stack.pop_back();
  }
}

// The <head> element of a parsed page, or null.
const GumboNode* FindHead(const GumboNode* root) {
  if (root->type != GUMBO_NODE_ELEMENT) return nullptr;
  const GumboVector& html = root->v.element.children;
  for (unsigned i = 0; i < html.length; ++i) {
    const auto* head = static_cast<const GumboNode*>(html.data[i]);
    if (head->type == GUMBO_NODE_ELEMENT &&
        head->v.element.tag == GUMBO_TAG_HEAD) {
      return head;
    }
  }
  return nullptr;
}

// The <title> inside <head>, which Walk() skips with the rest of <head>.
const GumboNode* FindTitle(const GumboNode* head) {
  if (head == nullptr) return nullptr;
  const GumboVector& kids = head->v.element.children;
  for (unsigned j = 0; j < kids.length; ++j) {
    const auto* t = static_cast<const GumboNode*>(kids.data[j]);
    if (t->type == GUMBO_NODE_ELEMENT && t->v.element.tag == GUMBO_TAG_TITLE) {
      return t;
    }
  }
  return nullptr;
}

// Whether `s` starts with `prefix` (lower case), ignoring ASCII case.
bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) {
      return false;
    }
  }
  return true;
}

// Whether `a` is `b` (lower case), ignoring ASCII case.
bool EqualsNoCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && StartsWithNoCase(a, b);
}

std::string_view Attribute(const GumboElement& e, const char* name) {
  const GumboAttribute* a = gumbo_get_attribute(&e.attributes, name);
  return a == nullptr ? std::string_view() : std::string_view(a->value);
}

// The <meta> names of a publication date, by preference (see HtmlPage).
constexpr std::string_view kDateNames[] = {
    "article:published_time", "datepublished",   "date",
    "dc.date.issued",         "dc.date",         "dcterms.issued",
    "dcterms.created",        "dcterms.date",    "pubdate",
    "publishdate",            "publish-date",    "publication_date",
    "sailthru.date",          "parsely-pub-date"};

// Fills `page.site` and `page.date` from the <link> and <meta> tags of
// <head>.
void ReadHead(const GumboNode* head, HtmlPage& page) {
  if (head == nullptr) return;
  std::string og_url_site;
  size_t date_rank = std::size(kDateNames);
  const GumboVector& kids = head->v.element.children;
  for (unsigned j = 0; j < kids.length; ++j) {
    const auto* n = static_cast<const GumboNode*>(kids.data[j]);
    if (n->type != GUMBO_NODE_ELEMENT) continue;
    const GumboElement& e = n->v.element;
    if (e.tag == GUMBO_TAG_LINK && page.site.empty()) {
      // rel is a list of words: "canonical", "alternate canonical".
      std::string_view rel = Attribute(e, "rel");
      while (!rel.empty()) {
        const size_t end = std::min(rel.find(' '), rel.size());
        if (EqualsNoCase(rel.substr(0, end), "canonical")) {
          page.site = UrlHost(Attribute(e, "href"));
        }
        rel.remove_prefix(std::min(end + 1, rel.size()));
      }
    } else if (e.tag == GUMBO_TAG_META) {
      std::string_view key = Attribute(e, "property");
      if (key.empty()) key = Attribute(e, "name");
      if (key.empty()) key = Attribute(e, "itemprop");
      const std::string_view content = Attribute(e, "content");
      if (EqualsNoCase(key, "og:url") && og_url_site.empty()) {
        og_url_site = UrlHost(content);
      }
      for (size_t r = 0; r < date_rank; ++r) {
        if (!EqualsNoCase(key, kDateNames[r])) continue;
        std::string_view value = content;
        while (!value.empty() && IsHtmlSpace(value.front())) {
          value.remove_prefix(1);
        }
        while (!value.empty() && IsHtmlSpace(value.back())) {
          value.remove_suffix(1);
        }
        if (std::optional<int64_t> d = ParseDate(value)) {
          page.date = d;
          date_rank = r;
        }
        break;
      }
    }
  }
  if (page.site.empty()) page.site = std::move(og_url_site);
}

// An upper bound on how deep the elements of `html` nest, counting open
// and close tags (void elements and "/>" excepted). Overestimates pages
// full of unclosed <p> or <li>, which is harmless.
size_t NestingBound(std::string_view html) {
  static constexpr std::string_view kVoid[] = {
      "area", "base", "br", "col", "embed", "hr", "img", "input",
      "link", "meta", "param", "source", "track", "wbr", "!"};
  size_t depth = 0, max_depth = 0;
  for (size_t i = html.find('<'); i != std::string_view::npos;
       i = html.find('<', i + 1)) {
    if (i + 1 >= html.size()) break;
    const char c = html[i + 1];
    if (c == '/') {
      if (depth > 0) --depth;
      continue;
    }
    if (!std::isalpha(static_cast<unsigned char>(c))) continue;
    size_t e = i + 1;
    while (e < html.size() && std::isalnum(static_cast<unsigned char>(html[e]))) {
      ++e;
    }
    std::string name(html.substr(i + 1, e - i - 1));
    for (char& ch : name) ch = static_cast<char>(std::tolower(ch));
    bool is_void = false;
    for (std::string_view v : kVoid) is_void = is_void || name == v;
    const size_t close = html.find('>', e);
    if (is_void || (close != std::string_view::npos && close > 0 &&
                    html[close - 1] == '/')) {
      continue;
    }
    max_depth = std::max(max_depth, ++depth);
  }
  return max_depth;
}

// Text with the tags removed and nothing else: for pages nested too deep
// to hand to gumbo, whose tree building slows down with depth squared.
std::string StripTags(std::string_view html) {
  TextBuilder out;
  std::string run;
  bool in_tag = false;
  for (char c : html) {
    if (in_tag) {
      if (c == '>') in_tag = false;
      continue;
    }
    if (c == '<') {
      out.Text(run.c_str(), false);
      run.clear();
      in_tag = true;
      continue;
    }
    if (c != '\0') run.push_back(c);
  }
  out.Text(run.c_str(), false);
  return out.Take();
}

// Whether `s` starts with `tag` ("<div") and then '>', '/' or whitespace,
// so that "<divider>" or "<pre>" are not taken for "<div" or "<p".
bool StartsWithTag(std::string_view s, std::string_view tag) {
  if (!StartsWithNoCase(s, tag) || s.size() == tag.size()) return false;
  const char next = s[tag.size()];
  return next == '>' || next == '/' || IsHtmlSpace(next);
}

}  // namespace

bool LooksLikeHtml(std::string_view text) {
  // How far into the text the tags of the second test are looked for.
  constexpr size_t kProbe = 4096;
  size_t start = text.size() - WithoutByteOrderMark(text).size();
  while (start < text.size() && IsHtmlSpace(text[start])) ++start;
  const std::string_view rest = text.substr(start);
  if (StartsWithTag(rest, "<html")) return true;
  if (StartsWithNoCase(rest, "<!doctype")) {
    size_t i = 9;
    while (i < rest.size() && IsHtmlSpace(rest[i])) ++i;
    if (i > 9 && StartsWithTag(rest.substr(i), "html")) return true;
  }
  static constexpr std::string_view kTags[] = {"<body", "<div", "<p", "<br",
                                               "<table"};
  constexpr size_t kKinds = std::size(kTags) + 1;  // and "<a href"
  bool seen[kKinds] = {};
  size_t kinds = 0;
  const size_t end = std::min(text.size(), kProbe);
  for (size_t i = text.find('<'); i < end; i = text.find('<', i + 1)) {
    const std::string_view at = text.substr(i);
    for (size_t k = 0; k < kKinds; ++k) {
      const bool found = k < std::size(kTags)
                             ? StartsWithTag(at, kTags[k])
                             : StartsWithTag(at, "<a") &&
                                   StartsWithNoCase(at.substr(3), "href");
      if (found && !seen[k]) {
        seen[k] = true;
        if (++kinds == 2) return true;
      }
    }
  }
  return false;
}

std::string DeclaredCharset(std::string_view html) {
  // The bytes a browser's prescan looks at.
  std::string head(html.substr(0, 1024));
  absl::AsciiStrToLower(&head);
  const auto name_at = [&](size_t at) {
    while (at < head.size() && (head[at] == ' ' || head[at] == '=' ||
                                head[at] == '"' || head[at] == '\'')) {
      ++at;
    }
    size_t end = at;
    while (end < head.size() &&
           (std::isalnum(static_cast<unsigned char>(head[end])) ||
            head[end] == '-' || head[end] == '_' || head[end] == '.' ||
            head[end] == ':')) {
      ++end;
    }
    return head.substr(at, end - at);
  };
  if (head.rfind("<?xml", 0) == 0) {
    const size_t close = head.find("?>");
    const size_t enc = head.find("encoding");
    if (enc != std::string::npos && enc < close) {
      return name_at(enc + std::strlen("encoding"));
    }
  }
  for (size_t meta = head.find("<meta"); meta != std::string::npos;
       meta = head.find("<meta", meta + 5)) {
    const size_t close = head.find('>', meta);
    const size_t at = head.find("charset", meta);
    if (at == std::string::npos) break;
    if (close != std::string::npos && at > close) continue;
    std::string name = name_at(at + std::strlen("charset"));
    if (!name.empty()) return name;
  }
  return "";
}

HtmlPage ReadHtmlPage(std::string_view html) {
  HtmlPage page;
  // gumbo reads UTF-8: a page in a legacy charset its <meta> names is
  // converted first, unless its bytes are UTF-8 already (a page labelled
  // wrongly is read as it is).
  std::string converted;
  if (!IsValidUtf8(html) || html.find("\x1b$") != std::string_view::npos) {
    const std::string charset = DeclaredCharset(html);
    if (!charset.empty() &&
        (IsSevenBitCharset(charset) || !IsValidUtf8(html))) {
      if (std::optional<std::string> utf8 = LegacyToUtf8(html, charset)) {
        converted = *std::move(utf8);
        html = converted;
      }
    }
  }
  if (NestingBound(html) > kMaxNesting) {
    page.text = StripTags(html);
    return page;
  }
  thread_local ParseArena arena;
  GumboOptions options = kGumboDefaultOptions;
  options.max_errors = 0;  // parse errors are repaired; no need to list them
  options.allocator = &ParseArena::Allocate;
  options.deallocator = &ParseArena::Deallocate;
  options.userdata = &arena;
  GumboOutput* parsed =
      gumbo_parse_with_options(&options, html.data(), html.size());
  const GumboNode* head = FindHead(parsed->root);
  ReadHead(head, page);
  TextBuilder out;
  if (const GumboNode* title = FindTitle(head)) {
    const GumboVector& kids = title->v.element.children;
    for (unsigned i = 0; i < kids.length; ++i) {
      Walk(static_cast<const GumboNode*>(kids.data[i]), out);
    }
    out.LineBreak();
  }
  Walk(parsed->document, out, LinkLists(parsed->document));
  gumbo_destroy_output(&options, parsed);
  arena.Reset();
  page.text = out.Take();
  return page;
}

std::string HtmlToText(std::string_view html) {
  return ReadHtmlPage(html).text;
}

}  // namespace mimeo::cli
