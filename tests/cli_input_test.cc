// The command's input layer (byte_stream, html_text, input) and report
// helpers, on generated files.
#include <pty.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "byte_sink.h"
#include "byte_stream.h"
#include "command.h"
#include "gtest/gtest.h"
#include "html_text.h"
#include "input.h"
#include "json_writer.h"
#include "oneapi/tbb/task_arena.h"
#include "report.h"
#include "test_util.h"
#include "utf8.h"

namespace mimeo::cli {
namespace {

namespace fs = std::filesystem;

// Each test's own folder of files.
class TempDir : public mimeo::testing::TempDir {
 public:
  TempDir() : mimeo::testing::TempDir("mimeo_input_test_") {}
};

std::string Gzip(const std::string& s) {
  z_stream z{};
  deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, s.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(s.data()));
  z.avail_in = s.size();
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = out.size();
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::string Zstd(const std::string& s) {
  std::string out(ZSTD_compressBound(s.size()), '\0');
  const size_t n = ZSTD_compress(out.data(), out.size(), s.data(), s.size(), 3);
  EXPECT_FALSE(ZSTD_isError(n));
  out.resize(n);
  return out;
}

std::string ReadStream(const std::string& path, absl::Status* error) {
  auto s = OpenByteStream(path);
  if (!s.ok()) {
    *error = s.status();
    return "";
  }
  auto all = ReadAll(**s, path, 1 << 30);
  if (!all.ok()) {
    *error = all.status();
    return "";
  }
  return *all;
}

// A text long enough to span several read chunks.
std::string LongText() {
  std::string s;
  for (int i = 0; i < 40000; ++i) s += "line " + std::to_string(i) + "\n";
  return s;
}

TEST(ByteStreamTest, DecompressesByMagicNotName) {
  TempDir dir;
  const std::string text = LongText();
  absl::Status err;
  EXPECT_EQ(ReadStream(dir.Write("plain.gz", text).string(), &err), text);
  EXPECT_EQ(ReadStream(dir.Write("a.txt", Gzip(text)).string(), &err), text);
  EXPECT_EQ(ReadStream(dir.Write("b.txt", Zstd(text)).string(), &err), text);
  // Two gzip members one after the other read as one stream.
  EXPECT_EQ(ReadStream(dir.Write("c.gz", Gzip("ab\n") + Gzip("cd\n")).string(),
                       &err),
            "ab\ncd\n");
  EXPECT_TRUE(err.ok()) << err;
}

// What a sink writes, in many small writes across its buffers, reads back
// through OpenByteStream, compressed as the name said.
TEST(ByteSinkTest, WritesWhatTheReaderReadsBackCompressedByName) {
  TempDir dir;
  const std::string text = LongText();
  for (const char* name : {"out.jsonl", "out.jsonl.gz", "out.jsonl.zst"}) {
    const fs::path p = dir.path() / name;
    std::FILE* f = std::fopen(p.string().c_str(), "wb");
    ASSERT_NE(f, nullptr);
    std::unique_ptr<ByteSink> sink = OpenByteSink(f, EncodingForName(name));
    for (size_t at = 0; at < text.size(); at += 997) {
      ASSERT_TRUE(sink->Write(std::string_view(text).substr(at, 997)).ok());
    }
    ASSERT_TRUE(sink->Finish().ok());
    ASSERT_EQ(std::fclose(f), 0);
    absl::Status err;
    EXPECT_EQ(ReadStream(p.string(), &err), text) << name;
    EXPECT_TRUE(err.ok()) << err;
    auto stream = OpenByteStream(p.string());
    ASSERT_TRUE(stream.ok());
    EXPECT_STREQ((*stream)->encoding(), sink->encoding()) << name;
  }
  EXPECT_STREQ(EncodingForName("a.gz"), "gzip");
  EXPECT_STREQ(EncodingForName("a.zst"), "zstd");
  EXPECT_STREQ(EncodingForName("a.zstd"), "plain");
}

TEST(ByteStreamTest, TruncatedOrCorruptDataIsAnErrorNamingTheFile) {
  TempDir dir;
  const std::string text = LongText();
  for (const auto& [name, bytes] :
       {std::pair<std::string, std::string>{"t.gz", Gzip(text).substr(0, 500)},
        {"t.zst", Zstd(text).substr(0, 500)},
        {"bad.gz", std::string("\x1f\x8b") + std::string(100, 'x')},
        {"bad.zst", std::string("\x28\xb5\x2f\xfd") + std::string(100, 'x')}}) {
    absl::Status err;
    const fs::path p = dir.Write(name, bytes);
    ReadStream(p.string(), &err);
    EXPECT_FALSE(err.ok()) << name;
    EXPECT_NE(err.message().find(p.string()), std::string::npos) << err;
  }
  absl::Status err;
  ReadStream((dir.path() / "missing").string(), &err);
  EXPECT_EQ(err.code(), absl::StatusCode::kNotFound);
}

// What a cut file still holds comes out before the error, for gzip as for
// zstd: a download cut short keeps its first lines.
TEST(ByteStreamTest, ACutFileGivesWhatItHoldsBeforeTheError) {
  TempDir dir;
  const std::string text = LongText();
  for (const auto& [name, bytes] :
       {std::pair<std::string, std::string>{"t.gz", Gzip(text)},
        {"t.zst", Zstd(text)}}) {
    const fs::path p = dir.Write(name, bytes.substr(0, bytes.size() / 2));
    auto s = OpenByteStream(p.string());
    ASSERT_TRUE(s.ok());
    std::string got;
    absl::Status error;
    char buf[1 << 18];  // larger than the file: one call could take it all
    for (;;) {
      absl::StatusOr<size_t> n = (*s)->Read(buf, sizeof(buf));
      if (!n.ok()) {
        error = n.status();
        break;
      }
      if (*n == 0) break;
      got.append(buf, *n);
    }
    EXPECT_NE(error.message().find("truncated"), std::string::npos)
        << name << ": " << error;
    EXPECT_GT(got.size(), text.size() / 4) << name;
    EXPECT_EQ(text.compare(0, got.size(), got), 0) << name;
    // The error stays.
    EXPECT_FALSE((*s)->Read(buf, sizeof(buf)).ok()) << name;
  }
}

TEST(LineReaderTest, SplitsLinesAndSkipsOverLongOnes) {
  TempDir dir;
  const std::string long_line(300000, 'x');
  const fs::path p =
      dir.Write("l.txt", "a\r\nb\n" + long_line + "\nc\n\nlast-without-newline");
  auto s = OpenByteStream(p.string());
  ASSERT_TRUE(s.ok());
  LineReader lines(**s, 1000);
  std::vector<std::string> got;
  int errors = 0;
  for (;;) {
    auto l = lines.Next();
    if (!l.ok()) {
      ++errors;
      EXPECT_EQ(lines.line_number(), 3u);
      continue;
    }
    if (!l->has_value()) break;
    got.emplace_back(**l);
  }
  EXPECT_EQ(errors, 1);
  EXPECT_EQ(got, (std::vector<std::string>{"a", "b", "c", "",
                                           "last-without-newline"}));
}

TEST(HtmlToTextTest, KeepsVisibleTextDropsScriptsStylesAndNavigation) {
  const std::string text = HtmlToText(
      "<html><head><title>The  Title</title><style>p{color:red}</style>"
      "<script>var x = 1;</script></head><body>"
      "<nav><a href='/'>Home</a></nav>"
      "<div role=\"navigation\">Menu</div>"
      "<h1>Head&amp;line</h1><p>First   para\n graph.</p>"
      "<p>Second&nbsp;one<br>broken</p><pre>keep   this\nas is</pre>"
      "<noscript>enable js</noscript><p>caf&eacute; &#8220;x&#8221;</p>"
      "</body></html>");
  EXPECT_EQ(text,
            "The Title\nHead&line\nFirst para graph.\nSecond\u00a0one\n"
            "broken\nkeep   this\nas is\ncaf\u00e9 \u201cx\u201d");
}

TEST(HtmlToTextTest, DropsListsOfLinksButNotListsWithLinksInThem) {
  // What the article says is long enough that the lists are not most of
  // the page.
  const std::string article =
      "<p>The central bank raised its main rate by half a point on "
      "Tuesday, the third rise this year, citing prices that keep "
      "climbing faster than wages in every region of the country.</p>";
  // A menu in a plain list, a "most read" list with a date beside each
  // link (still three quarters link text), breadcrumbs in an <ol>, a
  // table of links: all left out.
  EXPECT_EQ(HtmlToText("<body><div class=menu><ul><li><a href=/>Home</a>"
                       "<li><a href=/news>News</a><li><a href=/sport>Sport"
                       "</a></ul></div><h1>Rates</h1>" +
                       article +
                       "<aside><h2>Most read</h2><ol><li><a href=/a>Storm "
                       "closes the coast road for a week</a> 2h<li><a "
                       "href=/b>Council votes to keep the library open</a>"
                       " 5h</ol></aside><table><tr><td><a href=/t>Terms</a>"
                       "<td><a href=/p>Privacy</a></table></body>"),
            "Rates\nThe central bank raised its main rate by half a point on "
            "Tuesday, the third rise this year, citing prices that keep "
            "climbing faster than wages in every region of the country.\n"
            "Most read");
  // Kept: a list whose items say something beside their link, a list of
  // one link, anchors that link nowhere, a link in a paragraph.
  const std::string kept = HtmlToText(
      "<body>" + article +
      "<ul><li><a href=/os>os.path</a>: common operations on the names "
      "of files<li><a href=/re>re</a>: regular expressions, as Perl "
      "writes them</ul><ul><li><a href=/x>See the full report</a></ul>"
      "<ol><li><a name=one>One</a><li><a name=two>Two</a></ol>"
      "<p><a href=/a>Read</a> <a href=/b>more</a></p></body>");
  EXPECT_NE(kept.find("os.path: common operations"), std::string::npos);
  EXPECT_NE(kept.find("See the full report"), std::string::npos);
  EXPECT_NE(kept.find("One\nTwo"), std::string::npos);
  EXPECT_NE(kept.find("Read more"), std::string::npos);
  // A page that is mostly its links (an index) keeps them.
  EXPECT_EQ(HtmlToText("<body><h1>Index</h1><ul><li><a href=/a>Alpha "
                       "functions</a><li><a href=/b>Beta functions</a>"
                       "</ul><p>Two pages.</p></body>"),
            "Index\nAlpha functions\nBeta functions\nTwo pages.");
  // A list inside a list of links goes with it; a list of links inside a
  // list that says something goes alone.
  const std::string nested = HtmlToText(
      "<body>" + article +
      "<ul><li>Chapters, in the order they were written: the first ones on "
      "the bank's history, then<ul><li><a href=/1>One</a><li><a href=/2>"
      "Two</a></ul></ul><ol><li><a href=/3>Three</a><ul><li><a href=/4>"
      "Four</a></ul></ol></body>");
  EXPECT_TRUE(nested.ends_with(
      "country.\nChapters, in the order they were written: the first ones "
      "on the bank's history, then"))
      << nested;
}

TEST(ReadHtmlPageTest, TakesTheSiteAndPublicationTimeFromTheHead) {
  // The canonical link names the site (og:url only without it); of the
  // dates, the most preferred name that parses; dates in the body are
  // not read.
  const HtmlPage page = ReadHtmlPage(
      "<html><head><title>T</title>"
      "<meta property=\"og:url\" content=\"https://mirror.example.net/a\">"
      "<link rel=\"alternate canonical\" "
      "href=\"https://www.Herald.example.com/news/a.html\">"
      "<meta name=\"date\" content=\"2009-01-01\">"
      "<meta property=\"ARTICLE:published_time\" "
      "content=\" 2009-11-23T21:05:09Z \">"
      "<meta name=\"pubdate\" content=\"2010-05-05\">"
      "</head><body><p>Body</p><meta name=\"date\" content=\"2011-01-01\">"
      "</body></html>");
  EXPECT_EQ(page.text, "T\nBody");
  EXPECT_EQ(page.site, "herald.example.com");
  EXPECT_EQ(page.date, 1259010309);

  const HtmlPage og = ReadHtmlPage(
      "<head><meta property=\"og:url\" content=\"http://blog.example.org/x\">"
      "<meta name=\"article:published_time\" content=\"last tuesday\">"
      "<meta itemprop=\"datePublished\" content=\"2009-11-23 08:00:00\">"
      "</head><p>x</p>");
  EXPECT_EQ(og.site, "blog.example.org");
  EXPECT_EQ(og.date, 1258963200);

  // Nothing usable: a relative canonical link, a date that is no date.
  const HtmlPage none = ReadHtmlPage(
      "<head><link rel=\"canonical\" href=\"/news/a.html\">"
      "<meta name=\"date\" content=\"soon\"></head><p>x</p>");
  EXPECT_EQ(none.site, "");
  EXPECT_FALSE(none.date.has_value());
  EXPECT_EQ(none.text, "x");
  EXPECT_EQ(ReadHtmlPage("").site, "");
}

TEST(HtmlToTextTest, SurvivesTagSoupAndDeepNesting) {
  EXPECT_EQ(HtmlToText("<p>unclosed <b>bold <i>both</p> after"),
            "unclosed bold both\nafter");
  std::string deep;
  for (int i = 0; i < 100000; ++i) deep += "<div>";
  deep += "bottom";
  EXPECT_EQ(HtmlToText(deep), "bottom");
  EXPECT_EQ(HtmlToText(""), "");
  EXPECT_EQ(HtmlToText(std::string("\xff\xfe<p>x</p>", 10)).back(), 'x');
}

// Each thread parses its pages in memory it keeps from page to page
// (html_text.cc's ParseArena): pages of every size, one after another and
// on two threads at once, read as they read alone.
TEST(HtmlToTextTest, PagesReadAlikeOneAfterAnotherAndOnTwoThreads) {
  std::string many = "<html><body>";    // 30,000 elements: many chunks
  std::string many_text;
  for (int i = 0; i < 30000; ++i) {
    absl::StrAppend(&many, "<p class=\"c", i, "\">w", i, "</p>");
    absl::StrAppend(&many_text, i == 0 ? "" : "\n", "w", i);
  }
  std::string long_node = "<p>";  // one text node of 200,000 bytes
  std::string long_text;
  for (int i = 0; i < 20000; ++i) long_text += "abcdefghi ";
  long_text.pop_back();
  long_node += long_text + "</p>";
  std::string attrs = "<div";     // an attribute of 100,000 bytes
  attrs += " title=\"" + std::string(100000, 'x') + "\">inside</div>";
  const std::vector<std::pair<std::string, std::string>> pages = {
      {many, many_text},
      {"<p>small</p>", "small"},
      {long_node, long_text},
      {attrs, "inside"},
      {"<p>unclosed <b>bold <i>both</p> after", "unclosed bold both\nafter"},
  };
  const auto read_all = [&](int rounds) {
    int wrong = 0;
    for (int r = 0; r < rounds; ++r) {
      for (size_t k = 0; k < pages.size(); ++k) {
        // Forwards in even rounds, backwards in odd ones.
        const auto& [html, text] = pages[r % 2 ? pages.size() - 1 - k : k];
        if (HtmlToText(html) != text) ++wrong;
      }
    }
    return wrong;
  };
  EXPECT_EQ(read_all(1), 0);
  EXPECT_EQ(read_all(3), 0);
  int wrong_a = -1, wrong_b = -1;
  std::thread a([&] { wrong_a = read_all(3); });
  std::thread b([&] { wrong_b = read_all(3); });
  a.join();
  b.join();
  EXPECT_EQ(wrong_a, 0);
  EXPECT_EQ(wrong_b, 0);
}

TEST(LooksLikeHtmlTest, APageOrTwoKindsOfTagIsHtml) {
  for (const std::string& html : std::vector<std::string>{
           "<!DOCTYPE html><title>t</title>text",
           " \n\t<!doctype HTML PUBLIC \"-//W3C//DTD HTML 4.01//EN\">",
           "\xEF\xBB\xBF<HTML lang=en>",
           "<html>",
           "<div class='story'><p>One.</p></div>",
           "Intro<BR/>then <a href='/x'>a link</a>",
           "<table>\n<tr><td>1</td></tr></table><br>",
           "<body>\n<p>text",
           std::string(4000, 'x') + "<div><p>late but within 4 KiB",
       }) {
    EXPECT_TRUE(LooksLikeHtml(html)) << html.substr(0, 60);
  }
}

TEST(LooksLikeHtmlTest, ProseAndCodeWithAngleBracketsStayText) {
  for (const std::string& text : std::vector<std::string>{
           "",
           "   ",
           "Plain news text, with no markup at all.",
           "Wrap each paragraph in <p> tags.",
           "<p> and again <p>, then <P class=x>, always one tag: <p>.",
           "if (a<b && c>d) { std::vector<int> v; }",
           "template <typename T> class Box<T> { T* p; };",
           "<pre>x</pre> <divider> <bravo> <body-text> <a name=x> <p-tag> "
           "<tables>",
           "Put <html> at the top, then <div>.",  // <html> not at the start
           "<htmlx> <!doctype xml>",
           std::string(5000, 'x') + "<div><p>too late",
       }) {
    EXPECT_FALSE(LooksLikeHtml(text)) << text.substr(0, 60);
  }
}

std::vector<Document> ReadEverything(InputReader& r, absl::Status* error) {
  std::vector<Document> all, batch;
  for (;;) {
    auto more = r.Next(batch, 1 << 20);
    if (!more.ok()) {
      *error = more.status();
      return all;
    }
    for (Document& d : batch) all.push_back(std::move(d));
    if (!*more) return all;
  }
}

// JSONL as other programs write it: a byte-order mark before the first
// line, and escapes of lone surrogates (text cut by UTF-16 code unit),
// which are replaced, not the line dropped; a whole pair, and an escaped
// backslash before "u", are kept as written.
TEST(InputReaderTest, JsonlWithAByteOrderMarkOrLoneSurrogatesIsRead) {
  TempDir dir;
  dir.Write("feed.jsonl",
            "\xEF\xBB\xBF{\"id\": \"bom\", \"text\": \"first line\"}\n"
            "{\"id\": \"s\", \"text\": \"lone \\ud800 high, lone \\udc00 "
            "low, \\ud83d\\ude00 pair, \\\\ud800 escaped\"}\n"
            "{\"id\": \"bad\", \"text\": \"\\ud800\" oops}\n");
  auto r = InputReader::Open({(dir.path() / "feed.jsonl").string()}, {});
  ASSERT_TRUE(r.ok()) << r.status();
  absl::Status error;
  const std::vector<Document> docs = ReadEverything(**r, &error);
  EXPECT_TRUE(error.ok()) << error;
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[0].id, "bom");
  EXPECT_EQ(docs[0].text, "first line");
  EXPECT_EQ(docs[1].text,
            "lone \xEF\xBF\xBD high, lone \xEF\xBF\xBD low, "
            "\xF0\x9F\x98\x80 pair, \\ud800 escaped");
  // The third line is not JSON whatever its escapes: named and skipped.
  EXPECT_EQ((*r)->counts().malformed_lines, 1u);
}

// Text saved as UTF-16 behind a byte-order mark, either byte order, reads
// as the same text in UTF-8 would; what is not UTF-16 is left alone.
TEST(InputReaderTest, Utf16TextFilesAreReadAsText) {
  const std::string text = "caf\xC3\xA9 \xF0\x9F\x98\x80 end\n";  // é, 😀
  const std::string le("\xFF\xFE" "c\0a\0f\0\xE9\0 \0\x3D\xD8\x00\xDE \0e\0n\0d\0\n\0",
                       26);
  std::string be = "\xFE\xFF";
  for (size_t i = 2; i < le.size(); i += 2) {
    be += le[i + 1];
    be += le[i];
  }
  EXPECT_EQ(Utf16ToUtf8(le), text);
  EXPECT_EQ(Utf16ToUtf8(be), text);
  // A lone surrogate, and an odd last byte.
  EXPECT_EQ(Utf16ToUtf8(std::string("\xFF\xFE" "a\0\x00\xD8" "b\0c", 9)),
            "a\xEF\xBF\xBD" "b\xEF\xBF\xBD");
  EXPECT_EQ(Utf16ToUtf8("plain text"), std::nullopt);
  EXPECT_EQ(Utf16ToUtf8(std::string("\xFF")), std::nullopt);

  TempDir dir;
  dir.Write("be.txt", be);
  dir.Write("le.txt", le);
  dir.Write("u8.txt", text);
  auto r = InputReader::Open({dir.path().string()}, {});
  ASSERT_TRUE(r.ok()) << r.status();
  absl::Status error;
  const std::vector<Document> docs = ReadEverything(**r, &error);
  EXPECT_TRUE(error.ok()) << error;
  ASSERT_EQ(docs.size(), 3u);
  for (const Document& d : docs) EXPECT_EQ(d.text, text) << d.id;
  EXPECT_EQ((*r)->counts().skipped_binary, 0u);
}

TEST(InputReaderTest, WalksADirectoryInSortedOrderWithRelativeIds) {
  TempDir dir;
  dir.Write("b/two.md", "two");
  dir.Write("a.txt", "one");
  dir.Write("c/page.HTML", "<p>page</p><script>x</script>");
  dir.Write("d/feed.jsonl.gz",
            Gzip("{\"id\": \"g1\", \"text\": \"gz one\"}\n"));
  dir.Write("d/feed2.ndjson.zst", Zstd("{\"id\": 7, \"text\": \"zst\"}\n"));
  dir.Write("ignored.png", "\x89PNG");
  dir.Write("ignored.json", "{}");
  auto r = InputReader::Open({dir.path().string()}, {});
  ASSERT_TRUE(r.ok()) << r.status();
  absl::Status err;
  const std::vector<Document> docs = ReadEverything(**r, &err);
  ASSERT_TRUE(err.ok()) << err;
  std::vector<std::string> ids, texts;
  for (const Document& d : docs) {
    ids.push_back(d.id);
    texts.push_back(d.text);
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"a.txt", "b/two.md", "c/page.HTML",
                                           "g1", "7"}));
  EXPECT_EQ(texts,
            (std::vector<std::string>{"one", "two", "page", "gz one", "zst"}));
  EXPECT_EQ((*r)->counts().documents, 5u);
  EXPECT_EQ((*r)->consumed_bytes(), (*r)->total_bytes());
  // The two files passed by are counted and named by what they end in.
  EXPECT_EQ((*r)->counts().passed_by, 2u);
  EXPECT_NE((*r)->counts().passed_by_note.find(
                "2 files passed by for their names (.json 1, .png 1)"),
            std::string::npos)
      << (*r)->counts().passed_by_note;
}

// A source tree read without --include: the files passed by are counted
// by extension, the most common first, and the note suggests the pattern
// that reads them.
TEST(InputReaderTest, FilesPassedByForTheirNamesAreCountedAndNamed) {
  TempDir dir;
  dir.Write("README.md", "read me");
  dir.Write("src/a.h", "int a;");
  dir.Write("src/b.H", "int b;");
  dir.Write("src/c.cc", "int c;");
  dir.Write("Makefile", "all:");
  dir.Write(".gitignore", "build/");
  InputOptions quiet;
  quiet.quiet = true;
  auto r = InputReader::Open({dir.path().string()}, quiet);
  ASSERT_TRUE(r.ok()) << r.status();
  const InputCounts& c = (*r)->counts();
  EXPECT_EQ(c.passed_by, 5u);
  EXPECT_NE(c.passed_by_note.find("5 files passed by for their names (no "
                                  "extension 2, .h 2, .cc 1)"),
            std::string::npos)
      << c.passed_by_note;
  EXPECT_NE(
      c.passed_by_note.find("--include '*.h' reads those as text instead"),
      std::string::npos)
      << c.passed_by_note;
  // With an include pattern nothing is passed by for its name.
  InputOptions with_include = quiet;
  with_include.include = {"*.h"};
  auto included = InputReader::Open({dir.path().string()}, with_include);
  ASSERT_TRUE(included.ok()) << included.status();
  EXPECT_EQ((*included)->counts().passed_by, 0u);
  EXPECT_TRUE((*included)->counts().passed_by_note.empty());
}

// Every document's text is found again, byte for byte: files (HTML turned
// into text again), JSONL lines at their offsets (with CRLF endings,
// escapes, repaired UTF-8 and skipped lines around them) and texts spilled
// from compressed files. A file gone or cut short is an error naming it.
TEST(InputReaderTest, TextsAreFoundAgainWhereTheyWereRead) {
  TempDir dir;
  dir.Write("a.txt", LongText());
  dir.Write("b/page.html", "<title>T</title><p>one &amp; two</p><nav>x</nav>");
  const std::string feed =
      "{\"id\": \"j1\", \"text\": \"tab\\there \\u00e9\"}\r\n"
      "\n"
      "not json\n"
      "{\"id\": \"j2\", \"text\": \"bad \xff byte\"}\n"
      "{\"id\": \"j3\", \"text\": \"" + std::string(200000, 'w') + "\"}\n"
      "{\"id\": \"j4\", \"text\": \"after a line longer than a read\"}";
  dir.Write("c/feed.jsonl", feed);
  dir.Write("d/feed.jsonl.gz", Gzip("{\"id\": \"g1\", \"text\": \"gz one\"}\n"
                                    "{\"id\": \"g2\", \"text\": \"gz two\"}\n"));
  dir.Write("e/feed.jsonl.zst", Zstd("{\"id\": \"z1\", \"text\": \"zst\"}\n"));
  InputOptions o;
  o.quiet = true;
  o.remember_texts = true;
  auto r = InputReader::Open({dir.path().string()}, o);
  ASSERT_TRUE(r.ok()) << r.status();
  absl::Status err;
  const std::vector<Document> docs = ReadEverything(**r, &err);
  ASSERT_TRUE(err.ok()) << err;
  ASSERT_EQ(docs.size(), 9u);
  std::shared_ptr<const InputTexts> texts = (*r)->texts();
  ASSERT_NE(texts, nullptr);
  ASSERT_EQ(texts->size(), docs.size());
  for (DocId d = 0; d < docs.size(); ++d) {
    auto t = texts->Text(d, docs[d].id);
    ASSERT_TRUE(t.ok()) << docs[d].id << ": " << t.status();
    EXPECT_EQ(*t, docs[d].text) << docs[d].id;
  }
  EXPECT_EQ(docs[2].text, "tab\there \u00e9");
  // Spilled: the compressed lines, and the page's visible text.
  EXPECT_EQ(texts->spilled_bytes(),
            std::string("gz onegz twozst").size() + docs[1].text.size());
  EXPECT_FALSE(texts->Text(9, "none").ok());

  fs::remove(dir.path() / "a.txt");
  auto gone = texts->Text(0, "a.txt");
  EXPECT_FALSE(gone.ok());
  EXPECT_NE(gone.status().message().find("a.txt"), std::string::npos)
      << gone.status();
  fs::resize_file(dir.path() / "c/feed.jsonl", feed.size() - 10);
  auto cut = texts->Text(5, docs[5].id);
  EXPECT_FALSE(cut.ok());
  EXPECT_NE(cut.status().message().find("feed.jsonl"), std::string::npos)
      << cut.status();
  // The spilled texts do not depend on the input files.
  fs::remove_all(dir.path() / "d");
  EXPECT_EQ(*texts->Text(6, "g1"), "gz one");
  // Without remember_texts, nothing is noted.
  auto plain = InputReader::Open({dir.path().string()}, {});
  EXPECT_EQ((*plain)->texts(), nullptr);
}

// A FIFO (or a pipe, as `<(zcat dump.jsonl.gz)` names one) cannot be read
// again: the texts read from one are kept, so that what reads them back
// (dedup --kept, the pair stream) does not wait on it for a writer that
// never comes.
TEST(InputReaderTest, TextsReadFromAFifoAreKept) {
  TempDir dir;
  const std::string text = LongText();
  const std::string line = "{\"id\": \"j1\", \"text\": \"from a pipe\"}\n";
  const fs::path fifo = dir.path() / "notes.txt";
  const fs::path jsonl = dir.path() / "feed.jsonl";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  ASSERT_EQ(mkfifo(jsonl.c_str(), 0600), 0);
  // Each writer blocks in its open until the reader opens its FIFO.
  std::thread writer([&] {
    std::ofstream(fifo) << text;
    std::ofstream(jsonl) << line;
  });
  InputOptions o;
  o.quiet = true;
  o.remember_texts = true;
  auto r = InputReader::Open({fifo.string(), jsonl.string()}, o);
  ASSERT_TRUE(r.ok()) << r.status();
  absl::Status err;
  const std::vector<Document> docs = ReadEverything(**r, &err);
  writer.join();
  ASSERT_TRUE(err.ok()) << err;
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[0].text, text);
  EXPECT_EQ(docs[1].text, "from a pipe");
  std::shared_ptr<const InputTexts> texts = (*r)->texts();
  ASSERT_NE(texts, nullptr);
  // Checked before reading back: a text noted by its FIFO would wait there.
  ASSERT_EQ(texts->spilled_bytes(), text.size() + docs[1].text.size());
  for (DocId d = 0; d < docs.size(); ++d) {
    auto t = texts->Text(d, docs[d].id);
    ASSERT_TRUE(t.ok()) << t.status();
    EXPECT_EQ(*t, docs[d].text);
  }
}

// reference_texts: a text that is an exact byte range of a file it can be
// read from again carries that range (Document::text_at, absolute path);
// converted, escaped, repaired, compressed and empty texts carry none.
TEST(InputReaderTest, TextsThatAreFileBytesCarryAReference) {
  TempDir dir;
  dir.Write("a.txt", LongText());
  dir.Write("a0-empty.txt", "");
  dir.Write("b/page.html", "<title>T</title><p>one &amp; two</p>");
  dir.Write("c/feed.jsonl",
            "{\"id\": \"j1\", \"text\": \"tab\\there\"}\r\n"
            "{\"id\": \"j2\", \"text\": \"bad \xff byte\"}\n"
            "{\"id\": \"j3\", \"text\": \"" + std::string(200000, 'w') +
                "\"}\n"
            "{\"id\": \"j4\", \"text\": \"j4\", \"title\": \"x\"}\n"
            "{\"text\": \"the text before the id\", \"id\": \"j5\"}\n");
  dir.Write("d/feed.jsonl.gz", Gzip("{\"id\": \"g1\", \"text\": \"gz one\"}\n"));
  dir.Write("f/notes.txt.gz", Gzip("gzipped notes"));
  InputOptions o;
  o.quiet = true;
  o.reference_texts = true;
  auto r = InputReader::Open({dir.path().string()}, o);
  ASSERT_TRUE(r.ok()) << r.status();
  absl::Status err;
  const std::vector<Document> docs = ReadEverything(**r, &err);
  ASSERT_TRUE(err.ok()) << err;
  std::set<std::string> referenced;
  for (const Document& d : docs) {
    if (!d.text_at) continue;
    referenced.insert(d.id);
    EXPECT_TRUE(fs::path(d.text_at->path).is_absolute()) << d.text_at->path;
    std::ifstream in(d.text_at->path, std::ios::binary);
    std::string bytes(d.text_at->length, '\0');
    in.seekg(static_cast<std::streamoff>(d.text_at->offset));
    in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    EXPECT_EQ(bytes, d.text) << d.id;
  }
  EXPECT_EQ(referenced, (std::set<std::string>{"a.txt", "j3", "j4", "j5"}));
  EXPECT_EQ((*r)->counts().referenced_texts, 4u);
  // Without the option, none.
  auto plain = InputReader::Open({dir.path().string()}, {});
  ASSERT_TRUE(plain.ok());
  for (const Document& d : ReadEverything(**plain, &err)) {
    EXPECT_FALSE(d.text_at) << d.id;
  }
}

// A spill file that cannot be made stops the run, naming the folder.
TEST(InputReaderTest, SpillFolderThatCannotBeUsedIsNamed) {
  TempDir dir;
  dir.Write("f.jsonl.gz", Gzip("{\"text\": \"x\"}\n"));
  const char* old = std::getenv("TMPDIR");
  const std::string saved = old != nullptr ? old : "";
  const std::string missing = (dir.path() / "no-such-folder").string();
  setenv("TMPDIR", missing.c_str(), 1);
  InputOptions o;
  o.remember_texts = true;
  auto r = InputReader::Open({dir.path().string()}, o);
  ASSERT_TRUE(r.ok());
  absl::Status err;
  ReadEverything(**r, &err);
  if (old != nullptr) {
    setenv("TMPDIR", saved.c_str(), 1);
  } else {
    unsetenv("TMPDIR");
  }
  EXPECT_FALSE(err.ok());
  EXPECT_NE(err.message().find(missing), std::string::npos) << err;
}

// One JSONL line {"id": ID, "text": TEXT}.
std::string JsonlLine(const std::string& id, const std::string& text) {
  JsonWriter w;
  w.BeginObject();
  w.Key("id");
  w.String(id);
  w.Key("text");
  w.String(text);
  w.EndObject();
  return w.str() + "\n";
}

const std::string kPage =
    "<!DOCTYPE html><html><head><title>Port news</title>"
    "<script>var x = \"<p>\";</script><style>p{margin:0}</style></head>"
    "<body><nav><a href='/'>Home</a> <a href='/sport'>Sport</a></nav>"
    "<p>The terminal opens in March.</p><p>Two years late.</p></body></html>";
const std::string kPageText =
    "Port news\nThe terminal opens in March.\nTwo years late.";

// A JSONL text field is HTML by its look (auto), always (html) or never
// (text); .html files are HTML whatever the format, other files only
// under html.
TEST(InputReaderTest, JsonlHtmlFieldsAreReadByTextFormat) {
  TempDir dir;
  const std::string fragment = "<div><p>Hello <b>there</b></p></div>";
  const std::string prose = "Wrap each paragraph in <p> tags.";
  const std::string code = "if (a<b && c>d) { std::vector<int> v; }";
  dir.Write("a/feed.jsonl",
            JsonlLine("page", kPage) + JsonlLine("fragment", fragment) +
                JsonlLine("prose", prose) + JsonlLine("code", code));
  dir.Write("b/page.html", fragment);
  dir.Write("c/notes.txt", fragment);
  struct Case {
    TextFormat format;
    std::vector<std::string> texts;
    uint64_t html_documents;
  };
  for (const Case& c : std::vector<Case>{
           {TextFormat::kAuto,
            {kPageText, "Hello there", prose, code, "Hello there", fragment},
            3},
           {TextFormat::kHtml,
            {kPageText, "Hello there", HtmlToText(prose), HtmlToText(code),
             "Hello there", "Hello there"},
            6},
           {TextFormat::kText,
            {kPage, fragment, prose, code, "Hello there", fragment},
            1},
       }) {
    InputOptions o;
    o.text_format = c.format;
    auto r = InputReader::Open({dir.path().string()}, o);
    ASSERT_TRUE(r.ok()) << r.status();
    absl::Status err;
    const std::vector<Document> docs = ReadEverything(**r, &err);
    ASSERT_TRUE(err.ok()) << err;
    std::vector<std::string> texts;
    for (const Document& d : docs) texts.push_back(d.text);
    EXPECT_EQ(texts, c.texts) << static_cast<int>(c.format);
    EXPECT_EQ((*r)->counts().html_documents, c.html_documents);
  }
  // Read as HTML, the code loses what looked like a tag; auto kept it.
  EXPECT_NE(HtmlToText(code), code);
}

// Texts read from HTML fields are found again as the same visible text,
// from the line at its offset or from the spill file, so passages' offsets
// (counted in the visible text) point at the same words when shown.
TEST(InputReaderTest, HtmlFieldsAreFoundAgainAsTheirVisibleText) {
  TempDir dir;
  const std::string feed = JsonlLine("page", kPage) +
                           JsonlLine("plain", "<p> stays as it is") +
                           JsonlLine("fragment", "<div>a<br>b</div>");
  dir.Write("a/feed.jsonl", feed);
  dir.Write("b/feed.jsonl.gz", Gzip(JsonlLine("gz-page", kPage)));
  for (const TextFormat format :
       {TextFormat::kAuto, TextFormat::kHtml, TextFormat::kText}) {
    InputOptions o;
    o.quiet = true;
    o.remember_texts = true;
    o.text_format = format;
    auto r = InputReader::Open({dir.path().string()}, o);
    ASSERT_TRUE(r.ok()) << r.status();
    absl::Status err;
    const std::vector<Document> docs = ReadEverything(**r, &err);
    ASSERT_TRUE(err.ok()) << err;
    ASSERT_EQ(docs.size(), 4u);
    std::shared_ptr<const InputTexts> texts = (*r)->texts();
    for (DocId d = 0; d < docs.size(); ++d) {
      auto t = texts->Text(d, docs[d].id);
      ASSERT_TRUE(t.ok()) << docs[d].id << ": " << t.status();
      EXPECT_EQ(*t, docs[d].text) << docs[d].id;
    }
    if (format == TextFormat::kText) continue;
    EXPECT_EQ(docs[0].text, kPageText);
    EXPECT_EQ(docs[3].text, kPageText);
    EXPECT_EQ(docs[2].text, "a\nb");
    // A passage found at these offsets is found at them again.
    const size_t at = docs[0].text.find("opens in March");
    EXPECT_EQ(texts->Text(0, "page")->substr(at, 14), "opens in March");
    // The compressed line and every text read as HTML are spilled, as
    // their visible text: HTML is not parsed again.
    EXPECT_EQ(texts->spilled_bytes(),
              docs[0].text.size() + docs[2].text.size() + docs[3].text.size() +
                  (format == TextFormat::kHtml ? docs[1].text.size() : 0));
  }
}

// Broken, hostile or empty markup in a field is read (repaired as a
// browser would), never an error, even under strict.
TEST(InputReaderTest, MalformedHtmlFieldsAreReadNeverFatal) {
  TempDir dir;
  std::string deep = "<html>";
  for (int i = 0; i < 100000; ++i) deep += "<div>";
  deep += "bottom";
  const std::vector<std::string> fields = {
      "<html><div><p>unclosed <b>bold <i>both",
      "<html><<<>>></p></div></body></html></html>",
      "<html><body><a href=\"/x",
      std::string("<html>nul \0 byte <div>", 22),
      "<html></html>",
      deep,
  };
  std::string feed;
  for (size_t i = 0; i < fields.size(); ++i) {
    feed += JsonlLine(absl::StrCat("f", i), fields[i]);
  }
  // Invalid UTF-8 inside the markup (JsonWriter would have repaired it).
  feed += "{\"id\": \"utf8\", \"text\": \"<html>bad \xff byte</html>\"}\n";
  const fs::path p = dir.Write("bad.jsonl", feed);
  InputOptions o;
  o.strict = true;
  o.remember_texts = true;
  auto r = InputReader::Open({p.string()}, o);
  ASSERT_TRUE(r.ok()) << r.status();
  absl::Status err;
  const std::vector<Document> docs = ReadEverything(**r, &err);
  ASSERT_TRUE(err.ok()) << err;
  ASSERT_EQ(docs.size(), fields.size() + 1);
  EXPECT_EQ((*r)->counts().html_documents, docs.size());
  EXPECT_EQ(docs[0].text, "unclosed bold both");
  EXPECT_EQ(docs[4].text, "");
  EXPECT_EQ(docs[5].text, "bottom");
  EXPECT_EQ(docs[6].text, "bad \uFFFD byte");
  for (DocId d = 0; d < docs.size(); ++d) {
    EXPECT_EQ(*(*r)->texts()->Text(d, docs[d].id), docs[d].text);
  }
}

TEST(InputReaderTest, JsonlIdsFallBackToFileAndLineAndStayUnique) {
  TempDir dir;
  const fs::path p = dir.Write(
      "f.jsonl",
      "{\"text\": \"no id\"}\n"
      "{\"id\": \"x\", \"text\": \"first x\"}\n"
      "\n"
      "{\"id\": \"x\", \"text\": \"second x\"}\n"
      "{\"id\": null, \"text\": \"null id\", \"extra\": [1, {\"a\": 2}]}\n"
      "{\"url\": \"u\", \"content\": \"other fields\"}\n");
  InputOptions o;
  o.quiet = true;
  auto r = InputReader::Open({p.string()}, o);
  ASSERT_TRUE(r.ok());
  absl::Status err;
  const std::vector<Document> docs = ReadEverything(**r, &err);
  ASSERT_TRUE(err.ok()) << err;
  ASSERT_EQ(docs.size(), 4u);
  const std::string f = p.string();
  EXPECT_EQ(docs[0].id, f + ":1");
  EXPECT_EQ(docs[1].id, "x");
  EXPECT_EQ(docs[2].id, f + ":4");
  EXPECT_EQ(docs[3].id, f + ":5");
  EXPECT_EQ((*r)->counts().renamed_ids, 1u);
  EXPECT_EQ((*r)->counts().malformed_lines, 1u);  // line 6: no "text"

  o.text_field = "content";
  o.id_field = "url";
  auto r2 = InputReader::Open({p.string()}, o);
  ASSERT_TRUE(r2.ok());
  const std::vector<Document> other = ReadEverything(**r2, &err);
  ASSERT_EQ(other.size(), 1u);
  EXPECT_EQ(other[0].id, "u");
  EXPECT_EQ(other[0].text, "other fields");
}

TEST(InputReaderTest, MalformedLinesAreSkippedOrFatalWhenStrict) {
  TempDir dir;
  const fs::path p = dir.Write("m.jsonl",
                               "{\"id\": \"a\", \"text\": \"fine\"}\n"
                               "{\"id\": \"b\", \"text\": \"cut off\n"
                               "[1, 2]\n"
                               "{\"id\": \"c\", \"text\": 42}\n"
                               "{\"id\": \"d\", \"text\": \"also fine\"}\n");
  InputOptions o;
  o.quiet = true;
  auto r = InputReader::Open({p.string()}, o);
  ASSERT_TRUE(r.ok());
  absl::Status err;
  EXPECT_EQ(ReadEverything(**r, &err).size(), 2u);
  EXPECT_TRUE(err.ok());
  EXPECT_EQ((*r)->counts().malformed_lines, 3u);

  o.strict = true;
  auto strict = InputReader::Open({p.string()}, o);
  ASSERT_TRUE(strict.ok());
  ReadEverything(**strict, &err);
  EXPECT_FALSE(err.ok());
  EXPECT_NE(err.message().find(p.string() + ":2"), std::string::npos) << err;
}

TEST(InputReaderTest, RepairsInvalidUtf8InJsonlAndReadsDates) {
  TempDir dir;
  const fs::path p = dir.Write(
      "u.jsonl",
      "{\"id\": \"a\", \"text\": \"caf\xe9 ok\", \"date\": \"2024-03-01\"}\n"
      "{\"id\": \"b\", \"text\": \"t\", \"date\": 1700000000}\n"
      "{\"id\": \"c\", \"text\": \"t\", \"date\": \"2024-03-01T12:00:00Z\"}\n"
      "{\"id\": \"d\", \"text\": \"t\", \"date\": \"yesterday\"}\n");
  InputOptions o;
  o.quiet = true;
  o.date_field = "date";
  auto r = InputReader::Open({p.string()}, o);
  ASSERT_TRUE(r.ok());
  absl::Status err;
  const std::vector<Document> docs = ReadEverything(**r, &err);
  ASSERT_EQ(docs.size(), 4u);
  EXPECT_EQ(docs[0].text, "caf\uFFFD ok");
  EXPECT_EQ(docs[0].date, 1709251200);
  EXPECT_EQ(docs[1].date, 1700000000);
  EXPECT_EQ(docs[2].date, 1709294400);
  EXPECT_FALSE(docs[3].date.has_value());
  EXPECT_EQ((*r)->counts().repaired_lines, 1u);
  EXPECT_EQ((*r)->counts().bad_dates, 1u);
}

TEST(InputReaderTest, SourcesComeFromAFieldOrTheFirstFolder) {
  TempDir dir;
  dir.Write("herald/a.txt", "one");
  dir.Write("loose.txt", "two");
  dir.Write("feeds/wire.jsonl",
            "{\"id\": \"x\", \"text\": \"t\", \"site\": \"agency\"}\n"
            "{\"id\": \"y\", \"text\": \"t\"}\n");
  for (const bool folders : {false, true}) {
    InputOptions o;
    o.quiet = true;
    o.source_field = "site";
    o.source_folders = folders;
    auto r = InputReader::Open({dir.path().string()}, o);
    ASSERT_TRUE(r.ok());
    absl::Status err;
    const std::vector<Document> docs = ReadEverything(**r, &err);
    ASSERT_EQ(docs.size(), 4u);
    std::map<std::string, std::string> source;
    for (const Document& d : docs) source[d.id] = d.source;
    EXPECT_EQ(source["x"], "agency");
    EXPECT_EQ(source["y"], folders ? "feeds" : "");
    EXPECT_EQ(source["herald/a.txt"], folders ? "herald" : "");
    EXPECT_EQ(source["loose.txt"], "");
  }
}

// A crawl dump names no source, but each line's URL does: its site.
TEST(InputReaderTest, WithoutASourceFieldACrawlLineIsOfItsSite) {
  TempDir dir;
  dir.Write("crawl.jsonl",
            "{\"text\": \"a\", \"url\": \"https://www.News.example.com:8080/"
            "a?b=1\"}\n"
            "{\"text\": \"b\", \"metadata\": {\"url\": "
            "\"http://user@blog.example.org/x\"}}\n"
            "{\"text\": \"c\", \"meta\": {\"url\": \"http://[::1]:80/\"}}\n"
            "{\"text\": \"d\", \"url\": \"not a url\", \"site\": \"s\"}\n"
            "{\"text\": \"e\"}\n");
  for (const std::string& field : {std::string(), std::string("site")}) {
    InputOptions o;
    o.quiet = true;
    o.source_field = field;
    auto r = InputReader::Open({dir.path().string()}, o);
    ASSERT_TRUE(r.ok());
    absl::Status err;
    const std::vector<Document> docs = ReadEverything(**r, &err);
    ASSERT_EQ(docs.size(), 5u);
    std::vector<std::string> sources;
    for (const Document& d : docs) sources.push_back(d.source);
    if (field.empty()) {
      EXPECT_EQ(sources, (std::vector<std::string>{
                             "news.example.com", "blog.example.org", "[::1]",
                             "", ""}));
    } else {
      // A source field named wins, even where it is missing.
      EXPECT_EQ(sources, (std::vector<std::string>{"", "", "", "s", ""}));
    }
  }
}

// A directory of saved pages: each page is of the site its canonical link
// names, and dated by its head, unless a field or the folders name
// sources; a JSONL line's URL comes before the page it holds.
TEST(InputReaderTest, ASavedPageIsOfTheSiteItsHeadNames) {
  TempDir dir;
  const auto page = [](const std::string& url, const std::string& body) {
    return "<html><head><link rel=\"canonical\" href=\"" + url +
           "\"><meta property=\"article:published_time\" "
           "content=\"2009-11-23\"></head><body><p>" +
           body + "</p></body></html>";
  };
  dir.Write("saved/a.html", page("https://www.herald.example.com/a", "a"));
  dir.Write("saved/b.htm", page("https://post.example.net/b", "b"));
  dir.Write("crawl.jsonl",
            "{\"id\": \"c\", \"url\": \"https://echo.example.org/c\", "
            "\"text\": \"<html><head><link rel=canonical "
            "href=https://elsewhere.example.org/c></head><body><p>c</p>"
            "</body></html>\"}\n");
  for (const bool folders : {false, true}) {
    InputOptions o;
    o.quiet = true;
    o.source_folders = folders;
    auto r = InputReader::Open({dir.path().string()}, o);
    ASSERT_TRUE(r.ok());
    absl::Status err;
    const std::vector<Document> docs = ReadEverything(**r, &err);
    ASSERT_EQ(docs.size(), 3u);
    std::map<std::string, const Document*> by_id;
    for (const Document& d : docs) by_id[d.id] = &d;
    ASSERT_TRUE(by_id.contains("saved/a.html") &&
                by_id.contains("saved/b.htm") && by_id.contains("c"));
    EXPECT_EQ(by_id["saved/a.html"]->source,
              folders ? "saved" : "herald.example.com");
    EXPECT_EQ(by_id["saved/b.htm"]->source,
              folders ? "saved" : "post.example.net");
    EXPECT_EQ(by_id["c"]->source, folders ? "" : "echo.example.org");
    EXPECT_EQ(by_id["saved/a.html"]->date, 1258934400);
    EXPECT_EQ(by_id["saved/a.html"]->text, "a");
  }
}

TEST(InputReaderTest, SkipsBinaryAndOversizedFilesAndReadsEmptyOnes) {
  TempDir dir;
  dir.Write("bin.txt", std::string("abc\0def", 7));
  dir.Write("big.txt", std::string(5000, 'w'));
  dir.Write("empty.txt", "");
  dir.Write("ok.txt", "fine");
  InputOptions o;
  o.quiet = true;
  o.max_document_bytes = 4096;
  auto r = InputReader::Open({dir.path().string()}, o);
  ASSERT_TRUE(r.ok());
  absl::Status err;
  const std::vector<Document> docs = ReadEverything(**r, &err);
  ASSERT_TRUE(err.ok());
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[0].id, "empty.txt");
  EXPECT_EQ(docs[0].text, "");
  EXPECT_EQ((*r)->counts().skipped_binary, 1u);
  EXPECT_EQ((*r)->counts().skipped_too_large, 1u);
}

// The ids of everything a walk of `dir` reads with these patterns.
std::vector<std::string> WalkedIds(const fs::path& dir,
                                   std::vector<std::string> include,
                                   std::vector<std::string> exclude) {
  InputOptions o;
  o.quiet = true;
  o.include = std::move(include);
  o.exclude = std::move(exclude);
  auto r = InputReader::Open({dir.string()}, o);
  EXPECT_TRUE(r.ok()) << r.status();
  if (!r.ok()) return {};
  absl::Status err;
  std::vector<std::string> ids;
  for (const Document& d : ReadEverything(**r, &err)) ids.push_back(d.id);
  EXPECT_TRUE(err.ok()) << err;
  return ids;
}

// --include reads the files it matches whatever their extension (here
// Debian's extensionless */copyright), --exclude passes files and whole
// folders by; without them a walk reads the known extensions.
TEST(InputReaderTest, IncludeAndExcludeChooseTheFilesOfAWalk) {
  TempDir dir;
  dir.Write("a.txt", "a");
  dir.Write("notes.md", "notes");
  dir.Write("drafts/b.txt", "b");
  dir.Write("pkg1/copyright", "one");
  dir.Write("pkg2/copyright", "two");
  dir.Write("pkg2/README", "readme");
  dir.Write("pkg2/feed.jsonl", "{\"id\": \"j\", \"text\": \"line\"}\n");
  using Ids = std::vector<std::string>;
  EXPECT_EQ(WalkedIds(dir.path(), {}, {}),
            (Ids{"a.txt", "drafts/b.txt", "notes.md", "j"}));
  EXPECT_EQ(WalkedIds(dir.path(), {"copyright"}, {}),
            (Ids{"pkg1/copyright", "pkg2/copyright"}));
  // A pattern with a '/' matches the path; '*' crosses folders.
  EXPECT_EQ(WalkedIds(dir.path(), {"pkg2/*"}, {}),
            (Ids{"pkg2/README", "pkg2/copyright", "j"}));
  EXPECT_EQ(WalkedIds(dir.path(), {"*/copyright"}, {}),
            (Ids{"pkg1/copyright", "pkg2/copyright"}));
  EXPECT_EQ(WalkedIds(dir.path(), {"copyright", "*.txt"}, {"drafts"}),
            (Ids{"a.txt", "pkg1/copyright", "pkg2/copyright"}));
  EXPECT_EQ(WalkedIds(dir.path(), {}, {"*.md", "pkg2"}),
            (Ids{"a.txt", "drafts/b.txt"}));
  EXPECT_EQ(WalkedIds(dir.path(), {"nothing*"}, {}), Ids{});
  // A file named on the command line is read whatever the patterns say.
  InputOptions o;
  o.exclude = {"*"};
  auto r = InputReader::Open({(dir.path() / "pkg1/copyright").string()}, o);
  ASSERT_TRUE(r.ok());
  absl::Status err;
  EXPECT_EQ(ReadEverything(**r, &err).size(), 1u);
}

// A gzip or zstd file of JSONL named as anything but JSONL is read as
// JSONL (the 4.5 MB "text" that was a dump), its texts found again;
// a compressed text stays one text.
TEST(InputReaderTest, CompressedJsonlIsReadAsJsonlWhateverItsName) {
  TempDir dir;
  const std::string jsonl =
      "\n  {\"id\": \"x\", \"text\": \"first\"}\n"
      "{\"id\": \"y\", \"text\": \"second\"}\n";
  const fs::path zst = dir.Write("dump.data", Zstd(jsonl));
  const fs::path gz = dir.Write("backup-2024", Gzip(jsonl));
  const fs::path text =
      dir.Write("notes.z", Gzip("Notes, {not JSON}, in gzip"));
  const fs::path plain = dir.Write("plain.data", jsonl);
  InputOptions o;
  o.quiet = true;
  o.remember_texts = true;
  o.id_prefix = "p/";  // ids stay apart
  auto r = InputReader::Open({zst.string()}, o);
  ASSERT_TRUE(r.ok());
  absl::Status err;
  std::vector<Document> docs = ReadEverything(**r, &err);
  ASSERT_TRUE(err.ok()) << err;
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[0].id, "p/x");
  EXPECT_EQ(docs[1].text, "second");
  auto again = (*r)->texts()->Text(1, docs[1].id);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(*again, "second");
  EXPECT_EQ((*r)->consumed_bytes(), (*r)->total_bytes());

  r = InputReader::Open({gz.string(), text.string(), plain.string()}, {});
  ASSERT_TRUE(r.ok());
  docs = ReadEverything(**r, &err);
  ASSERT_TRUE(err.ok()) << err;
  std::vector<std::string> ids;
  for (const Document& d : docs) ids.push_back(d.id);
  // An uncompressed file is read by its name: one text.
  EXPECT_EQ(
      ids, (std::vector<std::string>{"x", "y", text.string(), plain.string()}));
  EXPECT_EQ(docs[2].text, "Notes, {not JSON}, in gzip");
}

// --id-prefix goes before every id, of files and of JSONL lines; SkipIds()
// passes by the documents of those ids (with the prefix), counted apart.
TEST(InputReaderTest, IdPrefixAndIdsToSkip) {
  TempDir dir;
  dir.Write("day/a.txt", "a");
  dir.Write("day/b.txt", "b");
  dir.Write("day/feed.jsonl",
            "{\"id\": \"j1\", \"text\": \"one\"}\n"
            "{\"id\": \"j2\", \"text\": \"two\"}\n"
            "{\"text\": \"no id\"}\n");
  InputOptions o;
  o.quiet = true;
  o.id_prefix = "day2/";
  auto r = InputReader::Open({(dir.path() / "day").string()}, o);
  ASSERT_TRUE(r.ok());
  (*r)->SkipIds({"day2/a.txt", "day2/j2", "a.txt", "j1"});
  absl::Status err;
  std::vector<std::string> ids;
  for (const Document& d : ReadEverything(**r, &err)) ids.push_back(d.id);
  ASSERT_TRUE(err.ok()) << err;
  EXPECT_EQ(ids, (std::vector<std::string>{"day2/b.txt", "day2/j1",
                                           "day2/feed.jsonl:3"}));
  EXPECT_EQ((*r)->counts().skipped_existing, 2u);
  EXPECT_EQ((*r)->counts().skipped(), 0u);
  EXPECT_EQ((*r)->consumed_bytes(), (*r)->total_bytes());
}

TEST(InputReaderTest, MissingPathIsNotFoundAndNamed) {
  auto r = InputReader::Open({"/no/such/path/anywhere"}, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find("/no/such/path/anywhere"),
            std::string::npos);
}

TEST(InputReaderTest, TheSameFileNamedTwiceIsReadOnce) {
  TempDir dir;
  const fs::path p = dir.Write("a.txt", "text");
  InputOptions o;
  o.quiet = true;
  auto r = InputReader::Open({p.string(), p.string()}, o);
  ASSERT_TRUE(r.ok());
  absl::Status err;
  EXPECT_EQ(ReadEverything(**r, &err).size(), 1u);
  EXPECT_EQ((*r)->counts().skipped_duplicate, 1u);
}

// A walk takes a file's type from its folder's listing and knows a file by
// the device and inode of one stat(): a file is read once, under its own
// path where a walk or the command line names it (a link sorted before it
// is not read in its place), else under the first link to it, and every
// other path to the same file (a link in the tree, a folder or file named
// again, through a link to a folder) is warned about, in order; links to
// folders, dangling links and FIFOs in the tree are passed by without a
// word.
TEST(InputReaderTest, LinksAndPathsNamedAgainInAWalkAreReadOnce) {
  TempDir dir;
  dir.Write("t/a.txt", "alpha");
  dir.Write("t/b/c.txt", "gamma");
  dir.Write("outside.txt", "outside");
  dir.Write("far.txt", "far");
  const fs::path t = dir.path() / "t";
  fs::create_symlink("b/c.txt", t / "0-link.txt");
  fs::create_symlink("a.txt", t / "link-a.txt");
  fs::create_symlink("../outside.txt", t / "link-out.txt");
  fs::create_symlink("../far.txt", t / "link-far.txt");
  fs::create_symlink("link-far.txt", t / "link-link.txt");
  fs::create_symlink("b", t / "link-b");
  fs::create_symlink("nowhere.txt", t / "dangling.txt");
  ASSERT_EQ(mkfifo((t / "fifo.txt").c_str(), 0600), 0);
  const std::string root = dir.path().string();
  const std::vector<std::string> paths = {root + "/t/", root + "/t/b",
                                          root + "/outside.txt",
                                          root + "/t/link-b/c.txt"};
  // Each path named again, and the path the file is read as (the same
  // path: "named twice").
  const std::vector<std::pair<std::string, std::string>> named_again = {
      {root + "/t/0-link.txt", root + "/t/b/c.txt"},
      {root + "/t/link-a.txt", root + "/t/a.txt"},
      {root + "/t/link-link.txt", root + "/t/link-far.txt"},
      {root + "/t/link-out.txt", root + "/outside.txt"},
      {root + "/t/b/c.txt", root + "/t/b/c.txt"},
      {root + "/t/link-b/c.txt", root + "/t/b/c.txt"}};

  auto r = InputReader::Open(paths, {});
  ASSERT_TRUE(r.ok()) << r.status();
  absl::Status err;
  ::testing::internal::CaptureStderr();
  const std::vector<Document> docs = ReadEverything(**r, &err);
  const std::string warnings = ::testing::internal::GetCapturedStderr();
  ASSERT_TRUE(err.ok()) << err;
  std::vector<std::string> ids, texts;
  for (const Document& d : docs) {
    ids.push_back(d.id);
    texts.push_back(d.text);
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"a.txt", "b/c.txt", "link-far.txt",
                                            root + "/outside.txt"}));
  EXPECT_EQ(texts,
            (std::vector<std::string>{"alpha", "gamma", "far", "outside"}));
  std::string want;
  for (const auto& [again, first] : named_again) {
    want += "mimeo: warning: '" + again +
            (again == first ? "' is named twice"
                            : "' is the same file as '" + first + "'") +
            "; read once\n";
  }
  EXPECT_EQ(warnings, want);
  EXPECT_EQ((*r)->counts().skipped_duplicate, named_again.size());
  EXPECT_EQ((*r)->counts().files, 4u);

  // Strict: the first path named again is the error.
  InputOptions strict;
  strict.strict = true;
  r = InputReader::Open(paths, strict);
  ASSERT_TRUE(r.ok()) << r.status();
  ReadEverything(**r, &err);
  EXPECT_EQ(err.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(err.message(),
            "'" + named_again[0].first + "' is the same file as '" +
                named_again[0].second + "'; read once");
}

// Small files are read ahead on all threads, in windows of sources; what
// a walk reads does not change: every text whole and in order, across
// windows, beside files too large or compressed to be read ahead, a file
// named again a window later, and files grown, cut short, replaced or
// removed after the walk (read ahead by the size the walk found).
TEST(InputReaderTest, FilesReadAheadReadAsOneAtATime) {
  TempDir dir;
  std::vector<std::string> want;
  for (int i = 0; i < 2500; ++i) {
    const std::string name = absl::StrFormat("t/%05d.txt", i);
    std::string text = absl::StrFormat("text %d ", i);
    if (i == 1000) text = std::string((2 << 20) + 5, 'b');  // too large
    if (i == 1500) {
      dir.Write(name, Gzip("compressed text 1500"));
      want.push_back("compressed text 1500");
      continue;
    }
    dir.Write(name, text);
    want.push_back(text);
  }
  const fs::path grown = dir.path() / "t/00007.txt";
  const fs::path shrunk = dir.path() / "t/00011.txt";
  const fs::path replaced = dir.path() / "t/00015.txt";
  const fs::path removed = dir.path() / "t/00013.txt";
  InputOptions o;
  o.quiet = true;
  o.max_document_bytes = 4 << 20;
  // The folder, then a file of its first window named again.
  auto r = InputReader::Open(
      {dir.path().string(), (dir.path() / "t/00003.txt").string()}, o);
  ASSERT_TRUE(r.ok()) << r.status();
  {  // after the walk, before the reading
    std::ofstream(grown, std::ios::app) << "and more";
    want[7] += "and more";
    std::ofstream(shrunk) << "t11";
    want[11] = "t11";
    // Another file of the same size, renamed over it.
    ASSERT_EQ(want[15].size(), 8u);
    dir.Write("other", "TEXT 15 ");
    fs::rename(dir.path() / "other", replaced);
    want[15] = "TEXT 15 ";
    fs::remove(removed);
  }
  absl::Status err;
  const std::vector<Document> docs = ReadEverything(**r, &err);
  ASSERT_TRUE(err.ok()) << err;
  ASSERT_EQ(docs.size(), want.size() - 1);
  for (size_t i = 0, d = 0; i < want.size(); ++i) {
    if (i == 13) continue;
    ASSERT_EQ(docs[d].id, absl::StrFormat("t/%05d.txt", i));
    ASSERT_EQ(docs[d].text, want[i]) << docs[d].id;
    ++d;
  }
  EXPECT_EQ((*r)->counts().skipped_duplicate, 1u);
  EXPECT_EQ((*r)->counts().skipped_unreadable, 1u);
}

// A JSONL line's text is repaired as the engine's normaliser repairs the
// same bytes: one U+FFFD per maximal subpart (RepairUtf8, normalize.h).
TEST(InputReaderTest, JsonlRepairAgreesWithTheNormalizer) {
  const std::string bad =
      "x\xed\xa0\x80 \xc0\xaf \xe2\x82 \xf4\x90\x80\x80 \x80\x80 "
      "\xe2\x82\xe2\x82\xac \xf0\x9f\x98";
  TempDir dir;
  const fs::path p = dir.Write("u.jsonl", "{\"text\": \"" + bad + "\"}\n");
  InputOptions o;
  o.quiet = true;
  auto r = InputReader::Open({p.string()}, o);
  ASSERT_TRUE(r.ok());
  absl::Status err;
  const std::vector<Document> docs = ReadEverything(**r, &err);
  ASSERT_EQ(docs.size(), 1u);
  Normalizer::Options n;
  n.nfkc = n.case_fold = n.fold_whitespace = n.fold_punctuation = false;
  auto normalizer = Normalizer::Create(n);
  ASSERT_TRUE(normalizer.ok());
  auto normalized = normalizer->Normalize(bad);
  ASSERT_TRUE(normalized.ok());
  EXPECT_EQ(docs[0].text, normalized->text);
  EXPECT_EQ(normalized->invalid_sequences, 14u);
  EXPECT_EQ(normalizer->Normalize(docs[0].text)->invalid_sequences, 0u);
}

TEST(Utf8Test, Prefix) {
  EXPECT_EQ(Utf8Prefix("caf\xc3\xa9", 4), "caf");
  EXPECT_EQ(Utf8Prefix("abc", 10), "abc");
}

// Legacy charsets are read as browsers read them: each label as the
// superset its writers used, invalid bytes as U+FFFD each and reading on
// after them, a 7-bit charset too; UTF-8 and unknown names are not
// converted.
TEST(Utf8Test, LegacyCharsetsAreReadAsUtf8) {
  const std::vector<std::pair<std::string, std::pair<std::string, std::string>>>
      cases = {
          {"EUC-KR", {"\xC7\xD1\xB1\xB9\xBE\xEE \xB9\xAE\xBC\xAD", "한국어 문서"}},
          {"ks_c_5601-1987",
           {"\xC7\xD1\xB1\xB9\xBE\xEE \xB9\xAE\xBC\xAD", "한국어 문서"}},
          {"Shift_JIS",
           {"\x93\xFA\x96{\x8C\xEA\x82\xCC\x95\xB6\x8F\x91", "日本語の文書"}},
          {"iso-2022-jp", {"\x1B$BF|K\\8l$NJ8=q\x1B(B", "日本語の文書"}},
          {"gb2312", {"\xD6\xD0\xCE\xC4\xCE\xC4\xB5\xB5", "中文文档"}},
          {"big5", {"\xA4\xA4\xA4\xE5\xA4\xE5\xA5\xF3", "中文文件"}},
          {"koi8-r", {"\xF0\xD2\xC9\xD7\xC5\xD4 \xCD\xC9\xD2", "Привет мир"}},
          {"windows-1251",
           {"\xCF\xF0\xE8\xE2\xE5\xF2 \xEC\xE8\xF0", "Привет мир"}},
          // Latin-1 and ASCII labels are windows-1252, curly quotes and all.
          {"ISO-8859-1", {"\x93quoted\x94 caf\xE9", "“quoted” café"}},
          {"\"us-ascii\"", {"50\x80", "50€"}},
          // A byte the charset lacks, and a sequence cut at the end.
          {"euc-kr", {"\xC7\xD1\xFF\xB1\xB9", "한\uFFFD국"}},
          {"shift_jis", {"\x93\xFA\x96", "日\uFFFD"}},
      };
  for (const auto& [charset, io] : cases) {
    const std::optional<std::string> got = LegacyToUtf8(io.first, charset);
    ASSERT_TRUE(got.has_value()) << charset;
    EXPECT_EQ(*got, io.second) << charset;
  }
  EXPECT_FALSE(LegacyToUtf8("text", "utf-8").has_value());
  EXPECT_FALSE(LegacyToUtf8("text", "UTF8").has_value());
  EXPECT_FALSE(LegacyToUtf8("text", "utf-16le").has_value());
  EXPECT_FALSE(LegacyToUtf8("text", "x-no-such-charset").has_value());
  EXPECT_FALSE(LegacyToUtf8("text", "").has_value());
  EXPECT_TRUE(IsSevenBitCharset("ISO-2022-JP"));
  EXPECT_FALSE(IsSevenBitCharset("euc-jp"));
  EXPECT_TRUE(IsValidUtf8("caf\xc3\xa9"));
  EXPECT_FALSE(IsValidUtf8("caf\xe9"));
}

// A page is read in the charset it declares where its bytes are not UTF-8
// (or are 7-bit codes of another charset); a page labelled wrongly, whose
// bytes are UTF-8, is read as it is; one that declares nothing has its
// invalid bytes repaired.
TEST(ReadHtmlPageTest, PagesInLegacyCharsetsAreReadInTheirCharset) {
  EXPECT_EQ(DeclaredCharset("<html><head><meta charset=\"EUC-KR\">"), "euc-kr");
  EXPECT_EQ(DeclaredCharset("<html><head><META http-equiv=\"Content-Type\" "
                            "content=\"text/html; charset=Shift_JIS\">"),
            "shift_jis");
  EXPECT_EQ(DeclaredCharset("<?xml version=\"1.0\" encoding='ISO-8859-2'?>"
                            "<html>"),
            "iso-8859-2");
  EXPECT_EQ(DeclaredCharset("<html><meta name=\"a\"><meta charset=koi8-r>"),
            "koi8-r");
  EXPECT_EQ(DeclaredCharset("<html><head><title>charset</title>"), "");
  EXPECT_EQ(DeclaredCharset(std::string(2000, ' ') + "<meta charset=big5>"),
            "");
  const std::string head =
      "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; "
      "charset=EUC-KR\"></head><body><p>";
  EXPECT_EQ(HtmlToText(head + "\xC7\xD1\xB1\xB9\xBE\xEE \xB9\xAE\xBC\xAD</p>"),
            "한국어 문서");
  EXPECT_EQ(HtmlToText(head + "한국어 문서</p>"), "한국어 문서");
  EXPECT_EQ(HtmlToText("<html><meta charset=iso-2022-jp><p>"
                       "\x1B$BF|K\\8l$NJ8=q\x1B(B</p>"),
            "日本語の文書");
  EXPECT_EQ(HtmlToText("<html><p>caf\xE9</p>"), "caf\uFFFD");
}

// A run killed by SIGTERM or SIGINT while it writes an output file leaves
// neither the file nor its temporary (InstallSignalCleanup()), and dies of
// the signal.
TEST(OutputTest, SignalDuringWriteLeavesNoTemporaryFile) {
  for (int sig : {SIGTERM, SIGINT}) {
    const fs::path dir = fs::temp_directory_path() /
                         ("mimeo_signal_test_" + std::to_string(::getpid()) +
                          "_" + std::to_string(sig));
    fs::remove_all(dir);
    fs::create_directories(dir);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      InstallSignalCleanup();
      CommonArgs args;
      args.output = (dir / "out.jsonl").string();
      args.format = "jsonl";
      absl::StatusOr<Output> out = Output::Open(args);
      if (!out.ok()) std::_Exit(4);
      const absl::Status s = out->Write(
          [sig](std::FILE* f, const std::string&, const WriteOptions&) {
            std::fputs("half a report", f);
            std::fflush(f);
            std::raise(sig);
            return absl::OkStatus();
          });
      std::_Exit(s.ok() ? 0 : 3);  // not reached: the signal ends it
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == sig) << status;
    std::vector<std::string> left;
    for (const auto& e : fs::directory_iterator(dir)) {
      left.push_back(e.path().filename().string());
    }
    EXPECT_TRUE(left.empty()) << left[0];
    fs::remove_all(dir);
  }
}

// The line of a step after reading: on a terminal, what it does, its
// count and an ETA, cleared at the end; nothing when not a terminal or
// quiet.
TEST(PhaseTest, DrawsCountAndEtaOnATerminalOnly) {
  int master = -1, slave = -1;
  ASSERT_EQ(::openpty(&master, &slave, nullptr, nullptr, nullptr), 0);
  std::FILE* tty = ::fdopen(slave, "w");
  ASSERT_NE(tty, nullptr);
  {
    Phase phase("aligning 10 pairs", 10, /*quiet=*/false, tty);
    phase.Advance(4);
    ::usleep(300'000);  // a redraw after the Advance()
  }
  std::fclose(tty);
  std::string drawn;
  char buf[4096];
  for (ssize_t n; (n = ::read(master, buf, sizeof(buf))) > 0;) {
    drawn.append(buf, n);
  }
  ::close(master);
  EXPECT_NE(drawn.find("40%  aligning 10 pairs, 4/10, 0:00, ETA 0:00"),
            std::string::npos)
      << drawn;
  EXPECT_TRUE(drawn.ends_with("\r\x1b[K")) << drawn;  // cleared

  std::FILE* file = std::tmpfile();
  ASSERT_NE(file, nullptr);
  { Phase not_a_terminal("clustering", 0, /*quiet=*/false, file); }
  EXPECT_EQ(std::ftell(file), 0);
  std::fclose(file);
  ASSERT_EQ(::openpty(&master, &slave, nullptr, nullptr, nullptr), 0);
  tty = ::fdopen(slave, "w");
  { Phase quiet("clustering", 0, /*quiet=*/true, tty); }
  std::fclose(tty);
  EXPECT_LE(::read(master, buf, sizeof(buf)), 0);  // nothing drawn
  ::close(master);
}

TEST(ReportTest, ExcerptFoldsSpaceAndCutsAtACharacter) {
  EXPECT_EQ(Excerpt("  a \n\n b  ", 100), "a b");
  EXPECT_EQ(Excerpt("caf\xc3\xa9 au lait", 4), "caf\u2026");
}

TEST(ReportTest, CsvQuotesFieldsAndJsonlKeepsTheSchema) {
  PairOut p;
  p.a = "a,1";
  p.b = "say \"b\"";
  p.a_text = "one two\nthree";
  p.has_passages = true;
  p.shares_copy = true;
  p.passages.push_back({0, 7, 0, 7, 2});
  char* buf = nullptr;
  size_t len = 0;
  std::FILE* f = open_memstream(&buf, &len);
  Report r;
  r.pairs.push_back(p);
  ASSERT_TRUE(WriteReport(r, "csv", {}, f).ok());
  std::fclose(f);
  const std::string csv(buf, len);
  std::free(buf);
  EXPECT_NE(csv.find("\"a,1\",\"say \"\"b\"\"\",0.000000"), std::string::npos)
      << csv;
  EXPECT_EQ(PairJson(p),
            "{\"a\":\"a,1\",\"b\":\"say \\\"b\\\"\",\"jaccard\":0.0,"
            "\"containment_a_in_b\":0.0,\"containment_b_in_a\":0.0,"
            "\"estimated\":false,\"near_duplicate\":false,\"shares_copy\":true,\"passages\":"
            "[{\"a\":[0,7],\"b\":[0,7],\"words\":2,\"text\":\"one two\"}]}");
}

// Every cluster shows a pair; past html_max_pairs a pair shows its
// passages, not both texts; pairs past html_pairs_per_cluster are counted.
TEST(ReportTest, HtmlShowsEvidenceForEveryCluster) {
  Report r;
  r.has_clusters = true;
  r.documents = 9;
  for (uint32_t c = 0; c < 3; ++c) {
    ClusterOut out;
    out.id = c;
    out.docs = {"x" + std::to_string(c), "y" + std::to_string(c),
                "z" + std::to_string(c)};
    out.representative = out.docs[0];
    for (int i = 0; i < 3; ++i) {
      PairOut p;
      p.a = out.docs[0];
      p.b = out.docs[1 + i % 2];
      p.a_text = "shared words here and more";
      p.b_text = "other shared words here";
      p.has_passages = true;
      p.passages.push_back({0, 17, 6, 23, 3});
      out.pairs.push_back(p);
    }
    r.clusters.push_back(out);
  }
  WriteOptions o;
  o.html_pairs_per_cluster = 2;
  o.html_max_pairs = 3;
  size_t written = 0;
  o.written = [&written] { ++written; };
  char* buf = nullptr;
  size_t len = 0;
  std::FILE* f = open_memstream(&buf, &len);
  ASSERT_TRUE(WriteReport(r, "html", o, f).ok());
  std::fclose(f);
  const std::string html(buf, len);
  std::free(buf);
  EXPECT_EQ(written, 3u);
  // 3 clusters x 2 pairs is more than 3: one pair each, all side by side.
  auto count = [&html](const std::string& what) {
    size_t n = 0;
    for (size_t at = 0; (at = html.find(what, at)) != std::string::npos; ++at) {
      ++n;
    }
    return n;
  };
  EXPECT_EQ(count("<article class=\"pair\""), 3u);
  EXPECT_EQ(count("<div class=\"sides\">"), 3u);
  EXPECT_EQ(count("2 more pairs of this cluster not shown"), 3u);
  EXPECT_EQ(count("<a href=\"#cluster-"), 3u);
  // With room for one pair side by side, the others show their passage.
  o.html_max_pairs = 1;
  o.html_pairs_per_cluster = 1;
  f = open_memstream(&buf, &len);
  ASSERT_TRUE(WriteReport(r, "html", o, f).ok());
  std::fclose(f);
  const std::string compact(buf, len);
  std::free(buf);
  size_t sides = 0, passages = 0;
  for (size_t at = 0; (at = compact.find("<div class=\"sides\">", at)) !=
                      std::string::npos;
       ++at) {
    ++sides;
  }
  for (size_t at = 0;
       (at = compact.find("<p class=\"passage\">", at)) != std::string::npos;
       ++at) {
    ++passages;
  }
  EXPECT_EQ(sides, 1u);
  EXPECT_EQ(passages, 2u);
  EXPECT_NE(compact.find("<mark data-p=\"0\">shared words here</mark>"),
            std::string::npos)
      << compact;
}

// JSONL clusters whose pairs need no text are formatted in blocks on
// several threads: the lines are those of one cluster at a time, in order,
// whatever the threads, and each cluster is counted as written once.
TEST(ReportTest, JsonlClustersInBlocksKeepTheirOrder) {
  Report r;
  r.has_clusters = true;
  std::string expected;
  for (uint32_t c = 0; c < 1000; ++c) {
    ClusterOut out;
    out.id = c;
    out.docs = {"d" + std::to_string(2 * c), "d\"" + std::to_string(2 * c + 1)};
    out.representative = out.docs[c % 2];
    for (uint32_t i = 0; i < c % 4; ++i) {
      PairOut p;
      p.a = out.docs[0];
      p.b = out.docs[1];
      p.similarity.jaccard = 0.25 * i + 1.0 / (c + 3);
      p.near_duplicate = true;
      // Passages without their text need no text fetched.
      p.has_passages = i % 2 == 1;
      if (p.has_passages) {
        p.shares_copy = true;
        p.passages.push_back({0, c + 1, 0, c + 2, c % 7});
      }
      out.pairs.push_back(p);
    }
    expected += absl::StrCat("{\"cluster\":", c, ",\"size\":2,\"docs\":[",
                             JsonString(out.docs[0]), ",",
                             JsonString(out.docs[1]), "],\"representative\":",
                             JsonString(out.representative), ",\"pairs\":[");
    for (size_t i = 0; i < out.pairs.size(); ++i) {
      expected += (i > 0 ? "," : "") + PairJson(out.pairs[i], false);
    }
    expected += "]}\n";
    r.clusters.push_back(std::move(out));
  }
  const auto write = [&r](int threads, size_t& written) {
    WriteOptions o;
    o.passage_text = false;
    o.written = [&written] { ++written; };
    char* buf = nullptr;
    size_t len = 0;
    std::FILE* f = open_memstream(&buf, &len);
    absl::Status s;
    tbb::task_arena(threads).execute(
        [&] { s = WriteReport(r, "jsonl", o, f); });
    std::fclose(f);
    std::string text(buf, len);
    std::free(buf);
    EXPECT_TRUE(s.ok()) << s;
    return text;
  };
  for (int threads : {1, 2, 4}) {
    size_t written = 0;
    EXPECT_EQ(write(threads, written), expected) << threads << " threads";
    EXPECT_EQ(written, r.clusters.size());
  }
}

TEST(JsonWriterTest, EscapesRepairsAndPlacesCommas) {
  JsonWriter w;
  w.BeginObject();
  w.Key("s");
  w.String("q\"b\\ \n\t\x01\x1f\x7f caf\xc3\xa9 \xff!");
  w.Key("empty");
  w.BeginArray();
  w.EndArray();
  w.Key("nested");
  w.BeginArray();
  w.BeginArray();
  w.Uint(1);
  w.Uint(18446744073709551615u);
  w.EndArray();
  w.BeginObject();
  w.EndObject();
  w.Bool(false);
  w.EndArray();
  w.EndObject();
  EXPECT_EQ(w.str(),
            "{\"s\":\"q\\\"b\\\\ \\n\\t\\u0001\\u001f\x7f caf\xc3\xa9 "
            "\xef\xbf\xbd!\",\"empty\":[],\"nested\":[[1,18446744073709551615],"
            "{},false]}");
  w.Clear();
  w.String("x");
  EXPECT_EQ(w.str(), "\"x\"");
}

TEST(JsonWriterTest, DoublesReadBackExactlyAndKeepAFraction) {
  const auto write = [](double v) {
    JsonWriter w;
    w.Double(v);
    return w.str();
  };
  EXPECT_EQ(write(0), "0.0");
  EXPECT_EQ(write(1), "1.0");
  EXPECT_EQ(write(0.5), "0.5");
  EXPECT_EQ(write(1e-7), "1e-07");
  EXPECT_EQ(write(std::nan("")), "null");
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> unit(0, 1);
  for (int i = 0; i < 10000; ++i) {
    const double v = i % 2 ? unit(rng) : std::ldexp(unit(rng), i % 60 - 30);
    const std::string s = write(v);
    EXPECT_EQ(std::strtod(s.c_str(), nullptr), v) << s;
    EXPECT_NE(s.find_first_of(".e"), std::string::npos) << s;
  }
}

}  // namespace
}  // namespace mimeo::cli
