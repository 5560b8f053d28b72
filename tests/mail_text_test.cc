// Reading mail (tools/mail_text.h): messages, MIME bodies, encodings,
// charsets, dates, mbox files, and what the engine finds in a list archive
// read that way.
#include "mail_text.h"

#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "input.h"
#include "mimeo/engine.h"
#include "test_util.h"

namespace mimeo::cli {
namespace {

namespace fs = std::filesystem;

TEST(MailToTextTest, PlainMessageLosesItsHeadersAndKeepsItsBody) {
  const std::string m =
      "Return-Path: <a@example.org>\r\n"
      "Received: from mx.example.org by mail.example.org;\r\n"
      "\tTue, 1 Jul 2003 10:52:37 +0200\r\n"
      "From: Ann <a@example.org>\r\n"
      "Subject: minutes\r\n"
      "Date: Tue, 1 Jul 2003 10:52:37 +0200\r\n"
      "\r\n"
      "The minutes are attached.\r\n"
      "> quoted line\r\n";
  const MailText t = MailToText(m);
  EXPECT_TRUE(t.had_headers);
  EXPECT_EQ(t.text, "The minutes are attached.\n> quoted line\n");
  ASSERT_TRUE(t.date.has_value());
  EXPECT_EQ(*t.date, 1057049557);  // 2003-07-01T08:52:37Z
  EXPECT_EQ(MailHeader(m, "received"),
            "from mx.example.org by mail.example.org; Tue, 1 Jul 2003 "
            "10:52:37 +0200");
  EXPECT_EQ(MailHeader(m, "List-Id"), std::nullopt);
}

TEST(MailToTextTest, DecodesQuotedPrintableBase64AndCharsets) {
  const std::string qp =
      "From: a@example.org\nSubject: s\n"
      "Content-Type: text/plain; charset=\"ISO-8859-1\"\n"
      "Content-Transfer-Encoding: quoted-printable\n\n"
      "Caf=E9 au lait, a long line that was cut by the soft line br=\n"
      "eak, and a=3Db stays.=20\nx = 1 keeps its sign.\n";
  EXPECT_EQ(MailToText(qp).text,
            "Caf\xC3\xA9 au lait, a long line that was cut by the soft "
            "line break, and a=b stays. \nx = 1 keeps its sign.\n");
  const std::string b64 =
      "From: a@example.org\nDate: Mon, 3 Jan 22 09:00 GMT\n"
      "Content-Type: text/plain; charset=windows-1252\n"
      "Content-Transfer-Encoding: base64\n\n"
      "k0hlbGxvlCCAIDU=\n";  // "\x93Hello\x94 \x80 5" in windows-1252
  const MailText t = MailToText(b64);
  EXPECT_EQ(t.text, "\xE2\x80\x9CHello\xE2\x80\x9D \xE2\x82\xAC 5");
  ASSERT_TRUE(t.date.has_value());
  EXPECT_EQ(*t.date, 1641200400);  // 2022-01-03T09:00:00Z
}

// Parts in other legacy charsets are converted by iconv: ISO-2022-JP (7-bit
// bytes), Big5 in base64, KOI8-R in quoted-printable; a part labelled
// wrongly whose bytes are UTF-8 is read as it is.
TEST(MailToTextTest, PartsInAsianAndCyrillicCharsetsAreReadAsUtf8) {
  EXPECT_EQ(MailToText("From: a@x\nContent-Type: text/plain; "
                       "charset=\"ISO-2022-JP\"\n\n"
                       "\x1B$BF|K\\8l$NJ8=q\x1B(B\n")
                .text,
            "日本語の文書\n");
  EXPECT_EQ(MailToText("From: a@x\nContent-Type: text/plain; charset=big5\n"
                       "Content-Transfer-Encoding: base64\n\npKSk5aTlpfM=\n")
                .text,
            "中文文件");
  EXPECT_EQ(MailToText("From: a@x\nContent-Type: text/plain; charset=koi8-r\n"
                       "Content-Transfer-Encoding: quoted-printable\n\n"
                       "=F0=D2=C9=D7=C5=D4 =CD=C9=D2\n")
                .text,
            "Привет мир\n");
  EXPECT_EQ(MailToText("From: a@x\nContent-Type: text/plain; charset=euc-kr\n\n"
                       "한국어 문서\n")
                .text,
            "한국어 문서\n");
}

TEST(MailToTextTest, MultipartKeepsThePlainAlternativeAndDropsAttachments) {
  const std::string m =
      "From: a@example.org\nTo: b@example.org\nMIME-Version: 1.0\n"
      "Content-Type: multipart/mixed; boundary=\"outer\"\n\n"
      "This is a multi-part message in MIME format.\n"
      "--outer\n"
      "Content-Type: multipart/alternative; boundary=inner\n\n"
      "--inner\n"
      "Content-Type: text/plain; charset=us-ascii\n\n"
      "Plain words here.\n"
      "--inner\n"
      "Content-Type: text/html\n\n"
      "<p>Plain <b>words</b> here.</p>\n"
      "--inner--\n"
      "--outer\n"
      "Content-Type: application/pdf; name=\"report.pdf\"\n"
      "Content-Transfer-Encoding: base64\n\n"
      "JVBERi0xLjQKJcfsj6IKNSAwIG9iago=\n"
      "--outer\n"
      "Content-Type: text/plain; name=notes.txt\n"
      "Content-Disposition: attachment; filename=notes.txt\n\n"
      "an attached text file\n"
      "--outer\n"
      "Content-Type: text/plain\n\n"
      "_______________________________________________\n"
      "list footer\n"
      "--outer--\n"
      "epilogue\n";
  EXPECT_EQ(MailToText(m).text,
            "Plain words here.\n\n"
            "_______________________________________________\nlist footer");
}

TEST(MailToTextTest, HtmlOnlyAlternativeIsReadAsItsVisibleText) {
  const std::string m =
      "From: a@example.org\nSubject: s\n"
      "Content-Type: multipart/alternative; boundary=b\n\n"
      "--b\nContent-Type: text/html; charset=utf-8\n"
      "Content-Transfer-Encoding: quoted-printable\n\n"
      "<html><body><p>Hello <i>there</i></p><script>x=3D1</script>"
      "</body></html>\n"
      "--b--\n";
  EXPECT_EQ(MailToText(m).text, "Hello there");
}

TEST(MailToTextTest, AnEmptyPlainAlternativeGivesWayToTheHtmlOne) {
  const std::string m =
      "From: a@example.org\nSubject: s\n"
      "Content-Type: multipart/alternative; boundary=b\n\n"
      "--b\nContent-Type: text/plain\n\n \n"
      "--b\nContent-Type: text/html\n\n<p>the real text</p>\n"
      "--b--\n";
  EXPECT_EQ(MailToText(m).text, "the real text");
  // A byte order mark before the headers: still mail, headers and all.
  EXPECT_EQ(MailHeader("\xEF\xBB\xBF" + m, "subject"), "s");
}

TEST(MailToTextTest, ForwardedMessageIsReadWithoutItsHeaders) {
  const std::string m =
      "From: a@example.org\nSubject: Fwd: news\n"
      "Content-Type: multipart/mixed; boundary=b\n\n"
      "--b\nContent-Type: text/plain\n\nSee below.\n"
      "--b\nContent-Type: message/rfc822\n\n"
      "From: c@example.org\nSubject: news\n\nThe news itself.\n"
      "--b--\n";
  EXPECT_EQ(MailToText(m).text, "See below.\n\nThe news itself.");
}

TEST(MailToTextTest, BodiesWithoutHeadersAreDecodedToo) {
  // A crawler kept the body of a multipart message without its headers.
  const std::string mime =
      "This is a multi-part message in MIME format.\n"
      "------=_NextPart_000_0001\n"
      "Content-Type: text/plain; charset=iso-8859-1\n"
      "Content-Transfer-Encoding: quoted-printable\n\n"
      "R=E9sum=E9 of the meeting.\n"
      "------=_NextPart_000_0001\n"
      "Content-Type: text/html\n\n<p>R&eacute;sum&eacute;</p>\n"
      "------=_NextPart_000_0001--\n";
  EXPECT_TRUE(LooksLikeMail(mime));
  // A plain part and an HTML one: the two alternatives of one text.
  EXPECT_EQ(MailToText(mime).text, "R\xC3\xA9sum\xC3\xA9 of the meeting.");
  // Two plain parts: both.
  const std::string mixed =
      "--b1\nContent-Type: text/plain\n\nfirst\n"
      "--b1\nContent-Type: text/plain\n\nsecond\n--b1--\n";
  EXPECT_EQ(MailToText(mixed).text, "first\n\nsecond");
  const std::string qp =
      "A paragraph long enough to be wrapped by the sender's client so th=\n"
      "at it has soft line breaks=2C and more than one of th=\nem.\n";
  EXPECT_TRUE(LooksLikeMail(qp));
  EXPECT_FALSE(MailToText(qp).had_headers);
  EXPECT_EQ(MailToText(qp).text,
            "A paragraph long enough to be wrapped by the sender's client so "
            "that it has soft line breaks, and more than one of them.\n");
}

// Real archives hold mail from broken senders: HTML sent as plain text or
// with no type at all, multipart bodies whose Content-Type was lost, a
// boundary written otherwise than the header names it.
TEST(MailToTextTest, HtmlSentAsPlainTextIsReadAsHtml) {
  const std::string head = "From: a@example.org\nSubject: s\n";
  const std::string page =
      "<HTML><BODY><P>Call&nbsp;now</P><TABLE><TR><TD>Low rates"
      "</TD></TR></TABLE></BODY></HTML>\n";
  // No Content-Type at all, and a fragment rather than a document.
  EXPECT_EQ(MailToText(head + "\n\n" + page).text, "Call\u00a0now\nLow rates");
  EXPECT_EQ(MailToText(head + "\n<font size=2><p>Call now</p>"
                              "<div>Low rates</div></font>\n")
                .text,
            "Call now\nLow rates");
  // Said to be text/plain, quoted-printable.
  EXPECT_EQ(MailToText(head +
                       "Content-Type: text/plain\n"
                       "Content-Transfer-Encoding: quoted-printable\n\n"
                       "<html><p align=3Dcenter>Call now</p>"
                       "<p>Low rates</p></html>\n")
                .text,
            "Call now\nLow rates");
  // Plain text that shows a tag stays as it is: prose first, or a single
  // tag never closed twice.
  const std::string prose =
      "Try <p>this</p> in the page and </b> too.\n";
  EXPECT_EQ(MailToText(head + "\n" + prose).text, prose);
  const std::string one_tag = "<p> is a paragraph, and </p> ends it.\n";
  EXPECT_EQ(MailToText(head + "\n" + one_tag).text, one_tag);
}

TEST(MailToTextTest, MultipartBodyWhoseTypeWasLostIsSplitAtItsBoundary) {
  const std::string head = "From: a@example.org\nSubject: s\n\n";
  const std::string body =
      "This is a multi-part message in MIME format.\n\n"
      "--XYZ123\nContent-Type: text/plain\n\nThe offer in plain.\n"
      "--XYZ123\nContent-Type: text/html\n\n<p>The offer</p>\n"
      "--XYZ123--\n";
  EXPECT_EQ(MailToText(head + body).text, "The offer in plain.");
  // A message about MIME that shows a part after its own words is text:
  // more than three lines before the boundary.
  const std::string about =
      "I see this in the raw message:\n"
      "it starts with a boundary line\n"
      "and then the part's header,\n"
      "which my reader shows as text:\n\n" +
      body.substr(body.find("--XYZ123"));
  EXPECT_EQ(MailToText(head + about).text, about);
}

TEST(MailToTextTest, BoundaryWrittenOtherwiseThanNamedIsStillFound) {
  const std::string m =
      "From: a@example.org\nSubject: s\n"
      "Content-Type: multipart/alternative; "
      "boundary=\"=Multipart Boundary 0925\"\n\n"
      "This is a multipart MIME message.\n\n"
      "--= Multipart Boundary 0925\nContent-Type: text/plain\n\n"
      "The text itself.\n"
      "--= Multipart Boundary 0925\nContent-Type: text/html\n\n"
      "<p>The text itself.</p>\n"
      "--= Multipart Boundary 0925--\n";
  EXPECT_EQ(MailToText(m).text, "The text itself.");
}

TEST(MailToTextTest, PlainTextIsNotMail) {
  for (const std::string& text : {
           std::string("Just a story.\nFrom: the editor\n"),
           std::string("Format: https://www.debian.org/doc/packaging-manuals/"
                       "copyright-format/1.0/\nUpstream-Name: x\nSource: y\n\n"
                       "Files: *\nCopyright: 2020 Z\nLicense: MIT\n"),
           std::string("HTTP/1.1 200 OK\nContent-Type: text/html\n\n<p>x</p>"),
           std::string("a=10, b=20, c=30\nx=2A=\n"),
           std::string("--verbose\nPrint more.\n--quiet\nPrint less.\n"),
           // Wiki headings end lines in '=', but short ones.
           std::string("text\n= religious views =\nmore\n= genetic research "
                       "=\nand = political views =\n"),
       }) {
    EXPECT_FALSE(LooksLikeMail(text)) << text;
    EXPECT_EQ(MailToText(text).text, text);
  }
}

TEST(MailToTextTest, CraftedMessagesEndQuickly) {
  // Parts nested past the limit, a part count past the limit, a
  // multipart without its boundary, and truncated encodings. Past the
  // limits, text is kept as it stands, not lost.
  std::string deep = "From: a@x\nSubject: s\n";
  for (int i = 0; i < 200; ++i) {
    absl::StrAppend(&deep, "Content-Type: multipart/mixed; boundary=b", i,
                    "\n\n--b", i, "\n");
  }
  absl::StrAppend(&deep, "Content-Type: text/plain\n\ndeep text\n");
  const std::string deep_text = MailToText(deep).text;
  EXPECT_NE(deep_text.find("\ndeep text\n"), std::string::npos);
  // Read down to the limit: the levels above it are not in the text.
  EXPECT_EQ(deep_text.find("boundary=b0\n"), std::string::npos);
  EXPECT_EQ(deep_text.find(absl::StrCat("boundary=b", kMaxDepth + 1, "\n")),
            std::string::npos);
  EXPECT_NE(deep_text.find(absl::StrCat("boundary=b", kMaxDepth + 2, "\n")),
            std::string::npos);
  // Nested within the limit, a text is read as a mail reader shows it.
  std::string nested = "From: a@x\nSubject: s\n";
  for (int i = 0; i < kMaxDepth; ++i) {
    absl::StrAppend(&nested, "Content-Type: multipart/mixed; boundary=b", i,
                    "\n\n--b", i, "\n");
  }
  absl::StrAppend(&nested, "Content-Type: text/plain\n\nnested text\n");
  EXPECT_EQ(MailToText(nested).text, "nested text\n");
  std::string many =
      "From: a@x\nSubject: s\nContent-Type: multipart/mixed; "
      "boundary=b\n\n";
  for (int i = 0; i < 5000; ++i) {
    absl::StrAppend(&many, "--b\nContent-Type: text/plain\n\nw", i, "\n");
  }
  const std::string text = MailToText(many).text;
  EXPECT_NE(text.find("w0\n"), std::string::npos);
  EXPECT_NE(text.find("\nw4999\n"), std::string::npos);
  EXPECT_EQ(MailToText("From: a@x\nSubject: s\nContent-Type: multipart/mixed"
                       "\n\nno boundary here\n")
                .text,
            "no boundary here\n");
  EXPECT_EQ(MailToText("From: a@x\nSubject: s\n"
                       "Content-Transfer-Encoding: base64\n\nSGk=@@@\n")
                .text,
            "Hi");
  EXPECT_EQ(MailToText("From: a@x\nSubject: s\n"
                       "Content-Transfer-Encoding: quoted-printable\n\nab=")
                .text,
            "ab");
}

TEST(MboxTest, SeparatorsAreFromLinesWithADate) {
  EXPECT_TRUE(
      IsMboxSeparator("From john@example.org  Tue Jul  1 10:52:37 2003"));
  EXPECT_TRUE(
      IsMboxSeparator("From john at example.org  Tue Jan  3 10:00:00 2023"));
  EXPECT_TRUE(IsMboxSeparator("From MAILER-DAEMON Fri Jul  8 12:08:34 2011"));
  EXPECT_FALSE(IsMboxSeparator("From what I heard, it works."));
  EXPECT_FALSE(IsMboxSeparator("From: john@example.org"));
  EXPECT_TRUE(LooksLikeMbox(
      "From a@x Tue Jul  1 10:52:37 2003\nFrom: a@x\nSubject: s\n\nbody\n"));
  EXPECT_FALSE(LooksLikeMbox("From a@x Tue Jul  1 10:52:37 2003\nbody\n"));
}

class MailDir : public mimeo::testing::TempDir {
 public:
  MailDir() : mimeo::testing::TempDir("mimeo_mail_test_") {}
};

std::vector<Document> ReadAll(const std::vector<std::string>& paths,
                              InputOptions o) {
  o.quiet = true;
  auto r = InputReader::Open(paths, o);
  EXPECT_TRUE(r.ok()) << r.status();
  std::vector<Document> all, batch;
  while (true) {
    absl::StatusOr<bool> more = (*r)->Next(batch, 1 << 20);
    EXPECT_TRUE(more.ok()) << more.status();
    if (!more.ok()) break;
    all.insert(all.end(), batch.begin(), batch.end());
    if (!*more) break;
  }
  return all;
}

std::string Message(int n, const std::string& list, const std::string& body) {
  return absl::StrFormat(
      "From user%d@example.org  Tue Jul  1 10:%02d:00 2003\n"
      "From: user%d@example.org\nSubject: message %d\n"
      "Date: Tue, 1 Jul 2003 10:%02d:00 +0000\nList-Id: <%s>\n\n%s\n",
      n, n % 60, n, n, n % 60, list, body);
}

TEST(MboxTest, AnArchiveIsOneDocumentPerMessage) {
  MailDir dir;
  // Named .txt, as a list archive's monthly file is: read as an mbox by
  // its look. A body line starting "From " without a blank line before it
  // stays in its message; ">From " is unquoted.
  const std::string archive =
      Message(1, "dev.example.org", "first body\nFrom here on, text.") + "\n" +
      Message(2, "dev.example.org", ">From the archive.") + "\n" +
      Message(3, "users.example.org", "third body");
  dir.Write("2003-July.txt", archive);
  dir.Write("one.eml", "From: a@x\nSubject: s\n\nan eml file\n");
  dir.Write("plain.txt", "not mail at all\n");
  InputOptions o;  // the source: List-Id, by default
  const std::vector<Document> docs = ReadAll({dir.path().string()}, o);
  ASSERT_EQ(docs.size(), 5u);
  EXPECT_EQ(docs[0].id, "2003-July.txt:1");
  EXPECT_EQ(docs[0].text, "first body\nFrom here on, text.\n\n");
  EXPECT_EQ(docs[0].source, "<dev.example.org>");
  ASSERT_TRUE(docs[0].date.has_value());
  EXPECT_EQ(*docs[0].date, 1057053660);
  EXPECT_EQ(docs[1].text, "From the archive.\n\n");
  EXPECT_EQ(docs[2].source, "<users.example.org>");
  EXPECT_EQ(docs[2].text, "third body\n");
  EXPECT_EQ(docs[3].id, "one.eml");
  EXPECT_EQ(docs[3].text, "an eml file\n");
  EXPECT_EQ(docs[4].text, "not mail at all\n");
  // A header named instead; or folders.
  o.source_field = "From";
  EXPECT_EQ(ReadAll({dir.path().string()}, o)[2].source, "user3@example.org");
  o.source_field.clear();
  o.source_folders = true;
  EXPECT_EQ(ReadAll({dir.path().string()}, o)[2].source, "");

  // --text-format text reads the archive as one plain text.
  o.text_format = TextFormat::kText;
  const std::vector<Document> plain = ReadAll({dir.path().string()}, o);
  ASSERT_EQ(plain.size(), 3u);
  EXPECT_EQ(plain[0].text, archive);
}

TEST(MboxTest, AMaildirIsReadAsMailWhateverItsFileNames) {
  MailDir dir;
  dir.Write("Maildir/cur/1700000000.M1P2.host:2,S",
            "From: a@x\nSubject: s\n\nread message\n");
  dir.Write("Maildir/new/1700000001.M3P4.host",
            "From: b@x\nSubject: t\n\nnew message\n");
  fs::create_directories(dir.path() / "Maildir/tmp");
  // Not a Maildir: no tmp/ beside cur/.
  dir.Write("notes/cur/draft", "From: c@x\nSubject: u\n\nskipped\n");
  const std::vector<Document> docs = ReadAll({dir.path().string()}, {});
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[0].id, "Maildir/cur/1700000000.M1P2.host:2,S");
  EXPECT_EQ(docs[0].text, "read message\n");
  EXPECT_EQ(docs[1].text, "new message\n");
}

// A single message saved as .mbox, without a "From " line, is read as one
// message; an over-long line before any message does not cost the first
// message its place.
TEST(MboxTest, TextBeforeAnySeparatorIsAMessageNotLost) {
  MailDir dir;
  dir.Write("one.mbox", "\nFrom: a@x\nSubject: s\n\nthe body\n");
  const std::string long_line(5000, 'x');
  dir.Write("two.mbox", long_line + "\n\n" +
                            "From a@x Tue Jul  1 10:52:37 2003\nFrom: a@x\n"
                            "Subject: s\n\nkept\n");
  InputOptions o;
  o.max_document_bytes = 4096;
  const std::vector<Document> docs = ReadAll({dir.path().string()}, o);
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[0].id, "one.mbox:2");
  EXPECT_EQ(docs[0].text, "the body\n");
  EXPECT_EQ(docs[1].id, "two.mbox:3");
  EXPECT_EQ(docs[1].text, "kept\n");
}

TEST(MboxTest, JsonlBodiesAreDecodedByTheirLook) {
  MailDir dir;
  dir.Write(
      "bodies.jsonl",
      "{\"id\":\"a\",\"text\":\"From: a@x\\nSubject: s\\nContent-Transfer-"
      "Encoding: quoted-printable\\n\\nna=EFve=\\nt=C3=A9\"}\n"
      "{\"id\":\"b\",\"text\":\"x = 1 and y=2\"}\n");
  InputOptions o;
  const std::vector<Document> docs = ReadAll({dir.path().string()}, o);
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[0].text, "na\xEFvet\xC3\xA9");
  EXPECT_EQ(docs[1].text, "x = 1 and y=2");
}

// A list archive as it comes: every message carries the list's footer and
// its sender's signature, some in quoted-printable with an HTML copy in
// base64. Read as mail, the engine finds the one story posted three times
// and nothing else; read as plain text, the encodings and part headers
// that every multipart message shares are text too.
TEST(MboxTest, AListArchiveClustersOnlyItsRealCopies) {
  std::vector<std::string> words;
  for (int i = 0; i < 3000; ++i)
    words.push_back(absl::StrCat("w", i * 7919 % 3001));
  uint32_t state = 12345;
  const auto para = [&](int n) {
    std::string s;
    for (int i = 0; i < n; ++i) {
      state = state * 1103515245u + 12345u;
      absl::StrAppend(&s, i ? " " : "", words[(state >> 8) % words.size()]);
    }
    return s;
  };
  const std::string footer =
      "_______________________________________________\n"
      "dev mailing list\ndev@lists.example.org\n"
      "https://lists.example.org/mailman/listinfo/dev\n";
  const std::string story = para(150);
  std::string archive;
  for (int i = 0; i < 40; ++i) {
    const std::string body =
        (i == 5 || i == 17 || i == 29 ? story : para(60 + i)) +
        "\n\n-- \nJohn Smith, Example Corp.\n\n" + footer;
    std::string entity;
    if (i % 2 == 0) {
      // Quoted-printable with a soft break every 60 characters, and the
      // same text as HTML.
      std::string qp;
      for (size_t k = 0; k < body.size(); k += 60) {
        absl::StrAppend(&qp, body.substr(k, 60),
                        k + 60 < body.size() ? "=\n" : "");
      }
      entity = absl::StrCat(
          "MIME-Version: 1.0\nContent-Type: multipart/alternative; "
          "boundary=\"=_part\"\n\nThis is a multi-part message in MIME "
          "format.\n--=_part\nContent-Type: text/plain; charset=utf-8\n"
          "Content-Transfer-Encoding: quoted-printable\n\n",
          qp, "\n--=_part\nContent-Type: text/html; charset=utf-8\n\n<p>", body,
          "</p>\n--=_part--\n");
    } else {
      entity = "\n" + body;
    }
    absl::StrAppend(&archive, i ? "\n" : "",
                    absl::StrFormat("From john@example.org  Tue Jul  1 10:%02d:"
                                    "00 2003\nFrom: john@example.org\n"
                                    "Subject: m%d\nDate: Tue, 1 Jul 2003 "
                                    "10:%02d:00 +0000\n",
                                    i, i, i),
                    entity);
  }
  MailDir dir;
  dir.Write("dev.mbox", archive);
  InputOptions o;
  const std::vector<Document> docs = ReadAll({dir.path().string()}, o);
  ASSERT_EQ(docs.size(), 40u);
  for (const Document& d : docs) {
    EXPECT_EQ(d.text.find("Content-Type"), std::string::npos) << d.id;
    EXPECT_EQ(d.text.find("=\n"), std::string::npos) << d.id;
  }
  Engine::Options eo;
  eo.threads = 1;
  auto engine = Engine::Create(eo);
  ASSERT_TRUE(engine.ok());
  ASSERT_TRUE((*engine)->AddBatch(docs).ok());
  absl::StatusOr<Clustering> c = (*engine)->Cluster();
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->clusters.size(), 1u);
  std::set<std::string> members, story_ids;
  for (DocId d : c->clusters[0].members) members.insert(docs[d].id);
  for (const Document& d : docs) {
    if (d.text.find(story.substr(0, 60)) != std::string::npos) {
      story_ids.insert(d.id);
    }
  }
  EXPECT_EQ(story_ids.size(), 3u);
  EXPECT_EQ(members, story_ids);
}

}  // namespace
}  // namespace mimeo::cli
