#include "mail_text.h"

#include <cctype>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "html_text.h"
#include "utf8.h"

namespace mimeo::cli {
namespace {

// String helpers on std::string_view (Debian's abseil has its own
// string_view type).
bool IsBlank(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' ||
         c == '\v';
}
std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsBlank(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsBlank(s.back())) s.remove_suffix(1);
  return s;
}
char Lower(char c) { return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c; }
std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = Lower(c);
  return out;
}
bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}
bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.substr(s.size() - suffix.size()) == suffix;
}
bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}
bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() &&
         EqualsIgnoreCase(s.substr(0, prefix.size()), prefix);
}

struct Header {
  std::string name;   // lower case
  std::string value;  // unfolded, trimmed
};

// A header block and where the body after it starts.
struct Headers {
  std::vector<Header> fields;
  size_t body = 0;

  const std::string* Find(std::string_view name) const {
    for (const Header& h : fields) {
      if (h.name == name) return &h.value;
    }
    return nullptr;
  }
};

// The line of `text` starting at `pos` without its line end ("\n" or
// "\r\n"), and where the next line starts.
std::string_view LineAt(std::string_view text, size_t pos, size_t& next) {
  size_t end = text.find('\n', pos);
  if (end == std::string_view::npos) {
    next = text.size();
    end = text.size();
  } else {
    next = end + 1;
  }
  std::string_view line = text.substr(pos, end - pos);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

// The length of a header name at the start of `line` ("Name:"), or 0.
size_t HeaderNameLength(std::string_view line) {
  size_t i = 0;
  while (i < line.size() && i < 128) {
    const unsigned char c = static_cast<unsigned char>(line[i]);
    if (c == ':') return i;
    if (c <= ' ' || c >= 0x7f) return 0;
    ++i;
  }
  return 0;
}

// Parses the header block at `pos` of `text`. With `strict`, fails (nullopt)
// at a line that is neither a header, a continuation nor the blank line
// ending the block; otherwise such a line ends the block and starts the
// body. Part headers are read leniently; top-level ones strictly, as the
// test of whether a text is mail.
std::optional<Headers> ParseHeaders(std::string_view text, size_t pos,
                                    bool strict) {
  Headers h;
  size_t next = pos;
  while (pos < text.size()) {
    const std::string_view line = LineAt(text, pos, next);
    if (line.empty()) {
      h.body = next;
      return h;
    }
    if ((line[0] == ' ' || line[0] == '\t') && !h.fields.empty()) {
      std::string& v = h.fields.back().value;
      const std::string_view more = Trim(line);
      if (!more.empty()) {
        if (!v.empty()) v.push_back(' ');
        v.append(more);
      }
      pos = next;
      continue;
    }
    const size_t n = HeaderNameLength(line);
    if (n == 0) {
      if (strict) return std::nullopt;
      h.body = pos;
      return h;
    }
    Header field;
    field.name = ToLower(line.substr(0, n));
    field.value = std::string(Trim(line.substr(n + 1)));
    h.fields.push_back(std::move(field));
    pos = next;
  }
  // Headers and no body.
  if (strict && h.fields.empty()) return std::nullopt;
  h.body = text.size();
  return h;
}

// The mail headers LooksLikeMail counts.
bool IsMailHeaderName(std::string_view name) {
  static constexpr std::string_view kNames[] = {
      "from",         "to",           "cc",          "subject",
      "date",         "message-id",   "received",    "return-path",
      "mime-version", "delivered-to", "in-reply-to", "references",
      "reply-to",     "content-type", "list-id"};
  for (std::string_view n : kNames) {
    if (name == n) return true;
  }
  return false;
}

// A message's top header block: after an optional mbox "From " line, a
// strict header block holding two different mail headers.
std::optional<Headers> MessageHeaders(std::string_view text) {
  size_t pos = 0;
  if (StartsWith(text, "From ")) {
    size_t next;
    LineAt(text, 0, next);
    pos = next;
  }
  std::optional<Headers> h = ParseHeaders(text, pos, /*strict=*/true);
  if (!h) return std::nullopt;
  std::vector<std::string_view> seen;
  for (const Header& f : h->fields) {
    if (!IsMailHeaderName(f.name)) continue;
    bool known = false;
    for (std::string_view s : seen) known = known || s == f.name;
    if (!known) seen.push_back(f.name);
  }
  if (seen.size() < 2) return std::nullopt;
  return h;
}

struct ContentType {
  std::string type = "text";
  std::string subtype = "plain";
  std::string boundary;
  std::string charset;
  std::string name;  // a file name given as a parameter
};

// Parameters "; key=value; key="quoted value"" after the type.
void ParseParameters(std::string_view s, ContentType& ct) {
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ';' || s[i] == ' ' || s[i] == '\t')) ++i;
    const size_t eq = s.find('=', i);
    if (eq == std::string_view::npos) return;
    std::string key = ToLower(Trim(s.substr(i, eq - i)));
    i = eq + 1;
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    std::string value;
    if (i < s.size() && s[i] == '"') {
      ++i;
      while (i < s.size() && s[i] != '"') {
        if (s[i] == '\\' && i + 1 < s.size()) ++i;
        value.push_back(s[i++]);
      }
      ++i;
    } else {
      while (i < s.size() && s[i] != ';') value.push_back(s[i++]);
      value = std::string(Trim(value));
    }
    if (key == "boundary") {
      ct.boundary = value;
    } else if (key == "charset") {
      ct.charset = ToLower(value);
    } else if (key == "name" || key == "filename") {
      ct.name = value;
    }
  }
}

ContentType ParseContentType(const std::string* value) {
  ContentType ct;
  if (value == nullptr) return ct;
  const std::string_view v = *value;
  const size_t semi = std::min(v.find(';'), v.size());
  const std::string_view type = Trim(v.substr(0, semi));
  const size_t slash = type.find('/');
  if (slash != std::string_view::npos && slash > 0 && slash + 1 < type.size()) {
    ct.type = ToLower(type.substr(0, slash));
    ct.subtype = ToLower(type.substr(slash + 1));
  }
  if (semi < v.size()) ParseParameters(v.substr(semi + 1), ct);
  return ct;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Quoted-printable: "=XX" is the byte XX; "=" at a line end (trailing
// blanks allowed) joins the line to the next; any other "=" stays.
std::string DecodeQuotedPrintable(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c != '=') {
      out.push_back(c);
      continue;
    }
    if (i + 2 < s.size() && HexValue(s[i + 1]) >= 0 &&
        HexValue(s[i + 2]) >= 0) {
      out.push_back(
          static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2])));
      i += 2;
      continue;
    }
    size_t j = i + 1;
    while (j < s.size() && (s[j] == ' ' || s[j] == '\t')) ++j;
    if (j < s.size() && s[j] == '\r') ++j;
    if (j == s.size() || s[j] == '\n') {
      i = j;  // soft line break
      continue;
    }
    out.push_back(c);
  }
  return out;
}

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Base64, skipping every byte outside the alphabet; stops at '='.
std::string DecodeBase64(std::string_view s) {
  std::string out;
  out.reserve(s.size() / 4 * 3);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : s) {
    if (c == '=') break;
    const int v = Base64Value(c);
    if (v < 0) continue;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return out;
}

void AppendUtf8(uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xc0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else {
    out.push_back(static_cast<char>(0xe0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  }
}

// windows-1252's characters at 0x80-0x9F (0: undefined, kept as U+FFFD).
constexpr uint16_t kCp1252High[32] = {
    0x20ac, 0,      0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
    0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0,      0x017d, 0,
    0,      0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
    0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0,      0x017e, 0x0178};

// iso-8859-15's eight changes to latin-1.
uint32_t Latin9(uint8_t b) {
  switch (b) {
    case 0xa4:
      return 0x20ac;
    case 0xa6:
      return 0x0160;
    case 0xa8:
      return 0x0161;
    case 0xb4:
      return 0x017d;
    case 0xb8:
      return 0x017e;
    case 0xbc:
      return 0x0152;
    case 0xbd:
      return 0x0153;
    case 0xbe:
      return 0x0178;
    default:
      return b;
  }
}

// The text in UTF-8 from `charset` (see mail_text.h for which).
std::string ToUtf8(std::string bytes, std::string_view charset) {
  const bool latin1 = charset == "iso-8859-1" || charset == "latin1" ||
                      charset == "latin-1" || charset == "iso_8859-1" ||
                      charset == "l1";
  const bool cp1252 = charset == "windows-1252" || charset == "cp1252";
  const bool latin9 = charset == "iso-8859-15" || charset == "latin9";
  if (!latin1 && !cp1252 && !latin9) {
    // Any other legacy charset through iconv (LegacyToUtf8), where the
    // bytes are not UTF-8 already (a part labelled wrongly is read as it
    // is) or are 7-bit codes of another charset (ISO-2022-JP).
    if (charset.empty() ||
        (!IsSevenBitCharset(charset) && IsValidUtf8(bytes))) {
      return bytes;
    }
    std::optional<std::string> converted = LegacyToUtf8(bytes, charset);
    return converted ? *std::move(converted) : bytes;
  }
  std::string out;
  out.reserve(bytes.size() + bytes.size() / 8);
  for (char ch : bytes) {
    const uint8_t b = static_cast<uint8_t>(ch);
    uint32_t cp = b;
    if (latin9) {
      cp = Latin9(b);
    } else if (cp1252 && b >= 0x80 && b < 0xa0) {
      cp = kCp1252High[b - 0x80] != 0 ? kCp1252High[b - 0x80] : 0xfffd;
    }
    AppendUtf8(cp, out);
  }
  return out;
}

// "\r\n" -> "\n".
std::string UnixLineEnds(std::string s) {
  if (s.find('\r') == std::string::npos) return s;
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n') continue;
    out.push_back(s[i]);
  }
  return out;
}

// How much of a body alone is looked at to tell quoted-printable.
constexpr size_t kQuotedPrintableProbe = 65536;

// Whether a body alone is in quoted-printable: two or more soft line
// breaks, three or more escapes and soft line breaks in all, and no '='
// that is neither. An encoder breaks a line only when it is long, so a
// soft break ends a line of 40 to 77 bytes: a wiki heading ("= Views =")
// or an assignment at a line end is no soft break, and prose or code with
// "a=10, b=20" is not decoded.
bool LooksQuotedPrintable(std::string_view s) {
  // Every JSONL field and stdin text is asked, in the reader's serial
  // stage: the signs are found by find() (memchr), not byte by byte.
  size_t signs = 0, soft = 0;
  for (size_t i = s.find('='); i != std::string_view::npos;
       i = s.find('=', i + 1)) {
    if (i + 2 < s.size() && HexValue(s[i + 1]) >= 0 &&
        HexValue(s[i + 2]) >= 0 && !(s[i + 1] >= 'a' && s[i + 1] <= 'f') &&
        !(s[i + 2] >= 'a' && s[i + 2] <= 'f')) {
      ++signs;
      continue;
    }
    size_t j = i + 1;
    if (j < s.size() && s[j] == '\r') ++j;
    const size_t newline = s.rfind('\n', i);
    const size_t line_start =
        newline == std::string_view::npos ? 0 : newline + 1;
    const size_t length = i + 1 - line_start;
    if ((j == s.size() || s[j] == '\n') && length >= 40 && length <= 77) {
      ++signs;
      ++soft;
      continue;
    }
    return false;
  }
  return soft >= 2 && signs >= 3;
}

// The boundary of a MIME body that came without its headers: the first
// line "--TOKEN" within the first 4 KiB that is followed by a part header
// naming a content type or encoding. Empty when there is none.
std::string InferBoundary(std::string_view body) {
  const std::string_view head = body.substr(0, 4096);
  size_t pos = 0, next = 0;
  while (pos < head.size()) {
    const std::string_view line = LineAt(head, pos, next);
    pos = next;
    if (line.size() < 3 || line.size() > 200 || !StartsWith(line, "--")) {
      continue;
    }
    // Blanks may be inside a boundary (RFC 2046), not at its ends.
    const std::string_view token = line.substr(2);
    if (Trim(token).size() != token.size() || EndsWith(token, "--")) {
      continue;
    }
    size_t after = 0;
    const std::string_view first = LineAt(body, pos, after);
    const size_t n = HeaderNameLength(first);
    if (n == 0) continue;
    const std::string name = ToLower(first.substr(0, n));
    if (name == "content-type" || name == "content-transfer-encoding") {
      return std::string(token);
    }
  }
  return std::string();
}

// Whether the text of a plain part (said to be text/plain, or of no type
// at all) is HTML all the same, as the mail of badly written senders often
// is (spam above all): its first thing, after blank space, is a tag a
// document or a fragment of one opens with, and it closes tags ("</") at
// least twice. A message about HTML that opens with its example is read
// as HTML too; its words stay, its tags go.
bool LooksLikeHtmlPart(std::string_view text) {
  const std::string_view rest = Trim(text);
  if (rest.empty() || rest[0] != '<') return false;
  static constexpr std::string_view kOpenings[] = {
      "<html",  "<!doctype html", "<x-html", "<head",  "<body",
      "<meta",  "<title",         "<table",  "<div",   "<center",
      "<font",  "<p>",            "<p ",     "<base",  "<style",
      "<!--"};
  bool opens = false;
  for (std::string_view tag : kOpenings) {
    opens = opens || StartsWithIgnoreCase(rest, tag);
  }
  if (!opens) return false;
  const size_t first = rest.find("</");
  return first != std::string_view::npos &&
         rest.find("</", first + 2) != std::string_view::npos;
}

// Lines of text a multipart body may hold before its first boundary line
// ("This is a multi-part message in MIME format.") when its type was lost
// and the boundary is inferred: more, and the body is text that shows a
// MIME part (a message about mail), not a multipart body.
constexpr int kMaxInferredPreambleLines = 3;

class Reader {
 public:
  explicit Reader(std::string& out) : out_(out) {}

  // Reads an entity (its headers and body) into the text.
  void Entity(const Headers& headers, std::string_view body, int depth) {
    if (depth > kMaxDepth || parts_ >= kMaxParts) {
      // Past the limits an entity is kept as it stands, its part headers
      // and encodings included: not read further, and not lost.
      Append(UnixLineEnds(std::string(body)), false);
      return;
    }
    ++parts_;
    const std::string* type = headers.Find("content-type");
    ContentType ct = ParseContentType(type);
    if (type == nullptr) {
      // A part whose Content-Type is lost (mail that went through a broken
      // sender or filter) may still be a multipart body: its boundary is
      // then inferred as for a body alone.
      if (std::optional<ContentType> inferred =
              InferredMultipart(body, /*max_preamble_lines=*/
                                kMaxInferredPreambleLines)) {
        ct = *std::move(inferred);
      }
    }
    if (ct.type == "multipart") {
      Multipart(ct, body, depth);
      return;
    }
    if (ct.type == "message" && ct.subtype == "rfc822") {
      const std::optional<Headers> inner =
          ParseHeaders(body, 0, /*strict=*/false);
      if (inner) Entity(*inner, body.substr(inner->body), depth + 1);
      return;
    }
    if (ct.type != "text") return;
    const std::string* disposition = headers.Find("content-disposition");
    if (disposition != nullptr &&
        StartsWithIgnoreCase(Trim(*disposition), "attachment")) {
      return;
    }
    std::string text = Decode(headers, body, ct);
    const bool html = ct.subtype == "html" ||
                      (ct.subtype == "plain" && LooksLikeHtmlPart(text));
    Append(std::move(text), html);
  }

  // The type of a body whose headers are lost, when it is a multipart one:
  // split at the boundary InferBoundary finds, after at most
  // `max_preamble_lines` non-blank lines (-1: any number). A body whose
  // text parts are a plain and an HTML one is taken for the two
  // alternatives of one text, any other for a mixed one.
  static std::optional<ContentType> InferredMultipart(std::string_view body,
                                                      int max_preamble_lines) {
    std::string boundary = InferBoundary(body);
    if (boundary.empty()) return std::nullopt;
    if (max_preamble_lines >= 0) {
      const std::string dash = "--" + boundary;
      int lines = 0;
      size_t pos = 0, next = 0;
      while (pos < body.size()) {
        const std::string_view line = LineAt(body, pos, next);
        if (StartsWith(line, dash)) break;
        if (!Trim(line).empty() && ++lines > max_preamble_lines) {
          return std::nullopt;
        }
        pos = next;
      }
    }
    ContentType ct;
    ct.type = "multipart";
    ct.subtype = "mixed";
    ct.boundary = std::move(boundary);
    bool plain = false, html = false, other = false;
    for (const ContentType& t : PartTypes(SplitParts(body, ct.boundary))) {
      if (t.type != "text") continue;
      plain = plain || t.subtype == "plain";
      html = html || t.subtype == "html";
      other = other || (t.subtype != "plain" && t.subtype != "html");
    }
    if (plain && html && !other) ct.subtype = "alternative";
    return ct;
  }

  // The parts of a multipart body split at `boundary` ("--boundary" lines;
  // the part before the first is the preamble, after "--boundary--" the
  // epilogue, both left out).
  static std::vector<std::string_view> SplitParts(std::string_view body,
                                                  const std::string& boundary) {
    std::vector<std::string_view> parts;
    const std::string dash = "--" + boundary;
    size_t pos = 0, next = 0, start = std::string_view::npos;
    bool closed = false;
    while (pos < body.size() && !closed) {
      const std::string_view line = LineAt(body, pos, next);
      if (StartsWith(line, dash)) {
        const std::string_view rest = line.substr(dash.size());
        const bool close = StartsWith(rest, "--");
        if (close || Trim(rest).empty()) {
          if (start != std::string_view::npos) {
            // The line end before the boundary belongs to it.
            size_t end = pos;
            if (end > start && body[end - 1] == '\n') --end;
            if (end > start && body[end - 1] == '\r') --end;
            parts.push_back(body.substr(start, end - start));
          }
          start = next;
          closed = close;
        }
      }
      pos = next;
    }
    if (!closed && start != std::string_view::npos && start < body.size()) {
      parts.push_back(body.substr(start));  // a body cut short
    }
    return parts;
  }

  // The content types of parts.
  static std::vector<ContentType> PartTypes(
      const std::vector<std::string_view>& parts) {
    std::vector<ContentType> types;
    for (std::string_view part : parts) {
      const std::optional<Headers> h = ParseHeaders(part, 0, /*strict=*/false);
      types.push_back(h ? ParseContentType(h->Find("content-type"))
                        : ContentType());
    }
    return types;
  }

  void Multipart(const ContentType& ct, std::string_view body, int depth) {
    if (ct.boundary.empty()) {
      Append(UnixLineEnds(std::string(body)), false);
      return;
    }
    std::vector<std::string_view> parts = SplitParts(body, ct.boundary);
    if (parts.empty()) {
      // The boundary its lines use is not the one the header names (a
      // sender's slip: "=Multipart Boundary" named, "= Multipart Boundary"
      // written): split at the one they use.
      const std::string used = InferBoundary(body);
      if (!used.empty() && used != ct.boundary) parts = SplitParts(body, used);
    }
    if (parts.empty()) {
      // No boundary line: the body is read as one text.
      Append(UnixLineEnds(std::string(body)), false);
      return;
    }
    if (ct.subtype == "alternative") {
      // The plain alternative, else the HTML one, else the first that
      // yields text.
      for (const char* want : {"plain", "html", ""}) {
        for (std::string_view part : parts) {
          const std::optional<Headers> h =
              ParseHeaders(part, 0, /*strict=*/false);
          if (!h) continue;
          const ContentType pct = ParseContentType(h->Find("content-type"));
          const bool pick =
              *want == '\0' ? true : pct.type == "text" && pct.subtype == want;
          if (!pick) continue;
          const size_t before = out_.size();
          Entity(*h, part.substr(h->body), depth + 1);
          if (out_.size() > before) return;
        }
      }
      return;
    }
    for (std::string_view part : parts) {
      const std::optional<Headers> h = ParseHeaders(part, 0, /*strict=*/false);
      if (h) Entity(*h, part.substr(h->body), depth + 1);
    }
  }

  static std::string Decode(const Headers& headers, std::string_view body,
                            const ContentType& ct) {
    const std::string* cte = headers.Find("content-transfer-encoding");
    std::string bytes;
    if (cte != nullptr && EqualsIgnoreCase(*cte, "quoted-printable")) {
      bytes = DecodeQuotedPrintable(body);
    } else if (cte != nullptr && EqualsIgnoreCase(*cte, "base64")) {
      bytes = DecodeBase64(body);
    } else {
      bytes = std::string(body);
    }
    return UnixLineEnds(ToUtf8(std::move(bytes), ct.charset));
  }

  // Adds a part's text, HTML as its visible text, parts apart by a blank
  // line.
  void Append(std::string text, bool html) {
    if (html) text = HtmlToText(text);
    if (Trim(text).empty()) return;
    if (!out_.empty()) {
      if (out_.back() != '\n') out_.push_back('\n');
      out_.push_back('\n');
    }
    out_.append(text);
  }

 private:
  std::string& out_;
  int parts_ = 0;
};

// --- RFC 5322 dates --------------------------------------------------------

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

// "Tue, 1 Jul 2003 10:52:37 +0200" (the weekday, the seconds and the zone
// may be missing; comments after the zone are ignored).
std::optional<int64_t> ParseMailDate(std::string_view s) {
  static constexpr std::string_view kMonths[] = {"jan", "feb", "mar", "apr",
                                                 "may", "jun", "jul", "aug",
                                                 "sep", "oct", "nov", "dec"};
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == ',')) ++i;
    const size_t start = i;
    while (i < s.size() && s[i] != ' ' && s[i] != '\t' && s[i] != ',') ++i;
    if (i > start) words.push_back(s.substr(start, i - start));
  }
  size_t w = 0;
  if (w < words.size() && !words[w].empty() &&
      std::isalpha(static_cast<unsigned char>(words[w][0]))) {
    ++w;  // the weekday
  }
  if (w + 3 >= words.size()) return std::nullopt;
  const auto number = [](std::string_view t, int64_t& v) {
    if (t.empty() || t.size() > 9) return false;
    v = 0;
    for (char c : t) {
      if (c < '0' || c > '9') return false;
      v = v * 10 + (c - '0');
    }
    return true;
  };
  int64_t day, year;
  if (!number(words[w], day) || day < 1 || day > 31) return std::nullopt;
  const std::string month = ToLower(words[w + 1].substr(0, 3));
  int m = 0;
  while (m < 12 && kMonths[m] != month) ++m;
  if (m == 12) return std::nullopt;
  if (!number(words[w + 2], year)) return std::nullopt;
  if (words[w + 2].size() <= 2) year += year < 50 ? 2000 : 1900;
  if (words[w + 2].size() == 3) year += 1900;
  if (year < 1900 || year > 9999) return std::nullopt;
  const std::string_view time = words[w + 3];
  int64_t hh = 0, mm = 0, ss = 0;
  const size_t c1 = time.find(':');
  if (c1 == std::string_view::npos) return std::nullopt;
  const size_t c2 = time.find(':', c1 + 1);
  if (!number(time.substr(0, c1), hh) ||
      !number(time.substr(
                  c1 + 1,
                  (c2 == std::string_view::npos ? time.size() : c2) - c1 - 1),
              mm) ||
      (c2 != std::string_view::npos && !number(time.substr(c2 + 1), ss)) ||
      hh > 23 || mm > 59 || ss > 60) {
    return std::nullopt;
  }
  int64_t offset = 0;
  if (w + 4 < words.size()) {
    const std::string_view zone = words[w + 4];
    int64_t z;
    if ((zone[0] == '+' || zone[0] == '-') && zone.size() == 5 &&
        number(zone.substr(1), z)) {
      offset = (z / 100 * 60 + z % 100) * 60 * (zone[0] == '-' ? -1 : 1);
    } else {
      static constexpr std::pair<std::string_view, int> kZones[] = {
          {"EST", -5}, {"EDT", -4}, {"CST", -6}, {"CDT", -5},
          {"MST", -7}, {"MDT", -6}, {"PST", -8}, {"PDT", -7}};
      for (const auto& [name, hours] : kZones) {
        if (EqualsIgnoreCase(zone, name)) offset = hours * 3600;
      }
    }
  }
  return DaysFromCivil(year, static_cast<unsigned>(m + 1),
                       static_cast<unsigned>(day)) *
             86400 +
         hh * 3600 + mm * 60 + ss - offset;
}

}  // namespace

MailText MailToText(std::string_view message) {
  MailText mail;
  // Judged as LooksLikeMail() judges it.
  const std::string_view judged = WithoutByteOrderMark(message);
  Reader reader(mail.text);
  if (std::optional<Headers> h = MessageHeaders(judged)) {
    mail.had_headers = true;
    if (const std::string* date = h->Find("date")) {
      mail.date = ParseMailDate(*date);
    }
    reader.Entity(*h, judged.substr(h->body), 0);
    return mail;
  }
  // The body's own type is lost with its headers.
  if (const std::optional<ContentType> ct =
          Reader::InferredMultipart(judged, /*max_preamble_lines=*/-1)) {
    reader.Multipart(*ct, judged, 0);
    return mail;
  }
  if (LooksQuotedPrintable(judged.substr(0, kQuotedPrintableProbe))) {
    mail.text = UnixLineEnds(DecodeQuotedPrintable(judged));
    return mail;
  }
  mail.text = UnixLineEnds(std::string(message));
  return mail;
}

std::optional<std::string> MailHeader(std::string_view message,
                                      std::string_view name) {
  message = WithoutByteOrderMark(message);
  const std::optional<Headers> h = MessageHeaders(message);
  if (!h) return std::nullopt;
  const std::string* v = h->Find(ToLower(name));
  if (v == nullptr) return std::nullopt;
  return *v;
}

bool LooksLikeMail(std::string_view text) {
  text = WithoutByteOrderMark(text);
  return MessageHeaders(text).has_value() || !InferBoundary(text).empty() ||
         LooksQuotedPrintable(text.substr(0, kQuotedPrintableProbe));
}

bool IsMboxSeparator(std::string_view line) {
  if (!StartsWith(line, "From ")) return false;
  // "From sender Tue Jul  1 10:52:37 2003": a sender, then a time.
  const std::string_view rest = line.substr(5);
  const size_t colon = rest.find(':');
  return rest.size() >= 8 && rest[0] != ' ' &&
         colon != std::string_view::npos && colon >= 2 &&
         std::isdigit(static_cast<unsigned char>(rest[colon - 1])) &&
         colon + 1 < rest.size() &&
         std::isdigit(static_cast<unsigned char>(rest[colon + 1]));
}

bool LooksLikeMbox(std::string_view text) {
  size_t next;
  const std::string_view first = LineAt(text, 0, next);
  return IsMboxSeparator(first) && MessageHeaders(text).has_value();
}

}  // namespace mimeo::cli
