// Turning a mail message into the text its reader sees: the body, decoded.
//
// Mail archives hold messages as they travelled: header lines, bodies in
// quoted-printable or base64, multipart bodies with a plain and an HTML
// copy of the same text, attachments, signatures in their own parts, and
// text in latin-1 or windows-1252. Read as plain text, all of that is
// noise that two unrelated messages share (part headers, the same
// boundary preamble, "=20" at every line end), and the words of a base64
// body are not words at all. So a message is read as:
//   * its body only: header lines are left out (they are metadata, and the
//     Received: lines of one server are a template); a multipart body's
//     preamble and epilogue too ("This is a multi-part message in MIME
//     format.");
//   * each text part decoded (quoted-printable, base64) and converted to
//     UTF-8 from its charset: iso-8859-1 and -15 and windows-1252 here,
//     any other legacy one (EUC-KR, Shift_JIS, ISO-2022-JP, GB2312, Big5,
//     KOI8-R, windows-1251, ...) by iconv (LegacyToUtf8 in utf8.h) unless
//     its bytes are UTF-8 already; a charset iconv does not know is left
//     as it is, and its invalid UTF-8 is repaired later like any text's;
//   * of the alternatives of a multipart/alternative, the first
//     text/plain one that holds text (else the text/html one, as its
//     visible text: html_text.h); of the
//     parts of any other multipart, every inline text part in order, and
//     forwarded messages (message/rfc822) read the same way, headers left
//     out; attachments (Content-Disposition: attachment, or any part that
//     is not text) are left out;
//   * line ends as "\n".
// Mail from broken senders is read as its reader would want it, not as it
// says it is: a plain part (text/plain, or of no type at all) that opens
// with an HTML tag ("<html", "<head", "<table", "<font", "<p>", ...) and
// closes tags at least twice is HTML; a part whose Content-Type is lost
// but whose body opens, after at most three lines, with a MIME boundary
// followed by part headers is that multipart body; a multipart body whose
// lines use another boundary than its header names is split at the one
// they use. (All three are common in real archives' spam.)
// Quoted replies ("> ...") and signatures stay: they are text the message
// holds. The boilerplate model (boilerplate.h) sets aside what many
// messages share.
//
// Texts that are a body alone (a crawler or an archive that kept bodies
// only) are read too: a body whose first lines hold a MIME boundary
// followed by part headers is split at that boundary, and a body in
// quoted-printable (soft line breaks "=" at line ends, "=3D" escapes, and
// no '=' used otherwise) is decoded.
//
// Never fails: a malformed message is read as far as it makes sense (a
// multipart without its boundary is one text part; bad base64 or
// quoted-printable bytes are skipped or kept as they are). An entity
// nested past kMaxDepth, or a part past the first kMaxParts, is kept as it
// stands (its part headers and encodings included), so that a crafted
// message can make the reader neither recurse without end nor drop text.
#ifndef MIMEO_TOOLS_MAIL_TEXT_H_
#define MIMEO_TOOLS_MAIL_TEXT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mimeo::cli {

struct MailText {
  // The body as its reader sees it (above).
  std::string text;
  // The Date: header in seconds since 1970 (RFC 5322 dates, with the
  // obsolete zone names), when it has one that can be read.
  std::optional<int64_t> date;
  // Whether the text was a message with headers (else a body alone).
  bool had_headers = false;
};

inline constexpr int kMaxDepth = 16;
inline constexpr int kMaxParts = 1000;

// Reads a message (header lines, a blank line, the body) or a body alone.
MailText MailToText(std::string_view message);

// The unfolded value of header `name` (case ignored) of a message's top
// header block, without leading and trailing blanks; nullopt when the text
// has no header block or no such header.
std::optional<std::string> MailHeader(std::string_view message,
                                      std::string_view name);

// Whether `text` is a mail message or a MIME body, rather than plain text:
//   * a message: after an optional mbox "From " line, it starts with a
//     block of header lines ("Name: value", with folded continuation
//     lines) ended by a blank line, in which at least two different ones
//     of these appear: From, To, Cc, Subject, Date, Message-ID, Received,
//     Return-Path, MIME-Version, Delivered-To, In-Reply-To, References,
//     Reply-To, Content-Type, List-Id. So a Debian copyright file
//     ("Format:", "Source:", "Files:") or an HTTP response is not mail;
//   * a MIME body: within its first 4 KiB, a line "--BOUNDARY" followed
//     by a Content-Type or Content-Transfer-Encoding part header;
//   * a quoted-printable body (see above).
bool LooksLikeMail(std::string_view text);

// Whether `text` starts as an mbox file does: a "From " line (the
// envelope sender and a date) followed by a message (LooksLikeMail).
bool LooksLikeMbox(std::string_view text);

// Whether `line` (without its line end) starts a new message in an mbox
// file: "From " followed by a sender and a date. Lines that merely begin
// with "From " in a body ("From what I heard...") are told apart by the
// blank line an mbox writer puts before each separator: the caller checks
// that the line before was blank.
bool IsMboxSeparator(std::string_view line);

}  // namespace mimeo::cli

#endif  // MIMEO_TOOLS_MAIL_TEXT_H_
