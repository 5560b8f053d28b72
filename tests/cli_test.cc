// The mimeo command end to end: exit codes, messages on bad input, the
// index subcommands, stdin, output files, the seeds example, and the HTML
// report in headless Chromium (skipped where Chromium is absent).
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "mimeo/version.h"
#include "test_util.h"
#include "xxhash.h"

namespace {

namespace fs = std::filesystem;

struct Outcome {
  int code = -1;
  std::string out, err;
};

std::string Quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'') {
      q += "'\\''";
    } else {
      q += c;
    }
  }
  return q + "'";
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("mimeo_cli_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path Write(const std::string& name, const std::string& bytes) {
    const fs::path p = dir_ / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << bytes;
    return p;
  }

  // Runs `mimeo ARGS` (stdin from `input` when given) in the temp dir.
  Outcome Mimeo(const std::vector<std::string>& args,
            const std::string& input = "") {
    std::string cmd = "cd " + Quote(dir_.string()) + " && ";
    if (!input.empty()) cmd += "cat " + Quote(Write("stdin.in", input)) + " | ";
    cmd += Quote(MIMEO_BINARY);
    for (const std::string& a : args) cmd += " " + Quote(a);
    const fs::path err = dir_ / "stderr.out";
    cmd += " 2>" + Quote(err.string());
    Outcome r;
    std::FILE* p = popen(cmd.c_str(), "r");
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) r.out.append(buf, n);
    const int status = pclose(p);
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.err = mimeo::testing::ReadFile(err);
    return r;
  }

  fs::path dir_;
};

const std::string kStory =
    "The regional water board said on Thursday that reservoirs in the upper "
    "valley had fallen to their lowest level in twenty years after the "
    "driest spring on record, and asked households to stop watering gardens "
    "until the autumn rains arrive. ";

TEST_F(CliTest, MissingPathExitsTwoNamingIt) {
  Outcome r = Mimeo({"cluster", "no/such/dir"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("'no/such/dir' does not exist"), std::string::npos)
      << r.err;
  // Links that lead nowhere say so.
  fs::create_symlink("nowhere.txt", dir_ / "dangling");
  fs::create_symlink("loop-b", dir_ / "loop-a");
  fs::create_symlink("loop-a", dir_ / "loop-b");
  r = Mimeo({"cluster", "dangling"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("'dangling' is a link to 'nowhere.txt', which does "
                       "not exist"),
            std::string::npos)
      << r.err;
  r = Mimeo({"cluster", "loop-a"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("'loop-a' is a link that cannot be followed"),
            std::string::npos)
      << r.err;
  // A directory holding no index, named without its '/'.
  fs::create_directories(dir_ / "empty");
  r = Mimeo({"index", "info", "empty"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("'empty' is a directory holding no index"),
            std::string::npos)
      << r.err;
}

TEST_F(CliTest, WrongParametersAreUsageErrors) {
  EXPECT_EQ(Mimeo({"cluster", ".", "--threshold", "1.5"}).code, 2);
  EXPECT_EQ(Mimeo({"cluster", ".", "--format", "pdf"}).code, 2);
  EXPECT_EQ(Mimeo({"cluster", ".", "--num-perm", "0"}).code, 2);
  EXPECT_EQ(Mimeo({"frobnicate"}).code, 2);
  const Outcome help = Mimeo({"pairs", "--help"});
  EXPECT_EQ(help.code, 0);
  EXPECT_NE(help.out.find("Examples:"), std::string::npos);
}

// --version and `mimeo version` print the version of project(VERSION), as
// the generated header has it.
TEST_F(CliTest, VersionIsTheProjectVersion) {
  const std::string expected = std::string("mimeo ") + MIMEO_VERSION_STRING;
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"--version"}, {"version"}}) {
    const Outcome r = Mimeo(args);
    EXPECT_EQ(r.code, 0) << args[0] << ": " << r.err;
    EXPECT_EQ(r.out, expected + "\n") << args[0];
  }
  const std::string numbers = std::to_string(MIMEO_VERSION_MAJOR) + "." +
                              std::to_string(MIMEO_VERSION_MINOR) + "." +
                              std::to_string(MIMEO_VERSION_PATCH);
  EXPECT_EQ(numbers, MIMEO_VERSION_STRING);
  EXPECT_EQ(MIMEO_VERSION, MIMEO_VERSION_MAJOR * 10000 +
                               MIMEO_VERSION_MINOR * 100 + MIMEO_VERSION_PATCH);
}

TEST_F(CliTest, EmptyInputFailsWithAMessage) {
  fs::create_directories(dir_ / "empty");
  Write("empty/picture.png", "\x89PNG");
  const Outcome r = Mimeo({"cluster", "empty"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("no documents"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty());
}

TEST_F(CliTest, BinaryFilesAreSkippedNamedAndCounted) {
  Write("in/a.txt", kStory);
  Write("in/b.txt", kStory + "More.");
  Write("in/blob.txt", std::string("PK\0\0\x03\x04", 6) + "zip data");
  const Outcome r = Mimeo({"cluster", "in", "--format", "jsonl"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("blob.txt' looks binary"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("2 documents"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("1 skipped"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("\"docs\":[\"a.txt\",\"b.txt\"]"), std::string::npos)
      << r.out;
}

TEST_F(CliTest, InvalidUtf8IsRepairedAndCounted) {
  Write("in/a.txt", kStory + "caf\xe9.");
  Write("in/b.txt", kStory + "caf\xe9 \xff.");
  const Outcome r = Mimeo({"pairs", "in", "--format", "jsonl"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("3 invalid UTF-8 repaired"), std::string::npos)
      << r.err;
  // The output is valid UTF-8: the passage text carries U+FFFD.
  EXPECT_EQ(r.out.find('\xe9'), std::string::npos);
}

TEST_F(CliTest, MalformedJsonlLinesAreNamedAndSkippedOrFatalWhenStrict) {
  Write("dump.jsonl", "{\"id\": \"a\", \"text\": \"" + kStory + "\"}\n" +
                          "{\"id\": \"b\", \"text\": \n" +
                          "{\"id\": \"c\", \"text\": \"" + kStory + "\"}\n");
  const Outcome r = Mimeo({"cluster", "dump.jsonl", "--format", "jsonl"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("dump.jsonl:2: not valid JSON"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("(1 malformed line)"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("\"docs\":[\"a\",\"c\"]"), std::string::npos) << r.out;

  const Outcome strict = Mimeo({"cluster", "dump.jsonl", "--strict"});
  EXPECT_EQ(strict.code, 1);
  EXPECT_NE(strict.err.find("dump.jsonl:2"), std::string::npos) << strict.err;
  EXPECT_TRUE(strict.out.empty());
}

TEST_F(CliTest, StandardInputTakesJsonlOrOneText) {
  const std::string jsonl = "{\"id\": \"x\", \"body\": \"" + kStory +
                            "\"}\n{\"id\": \"y\", \"body\": \"" + kStory +
                            "\"}\n";
  const Outcome r = Mimeo({"cluster", "-", "--text-field", "body", "--format",
                       "jsonl"},
                      jsonl);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("\"docs\":[\"x\",\"y\"]"), std::string::npos) << r.out;

  Write("a.txt", kStory);
  const Outcome text = Mimeo({"pairs", "a.txt", "-", "--format", "jsonl"},
                         "Preface. " + kStory);
  EXPECT_EQ(text.code, 0) << text.err;
  EXPECT_NE(text.out.find("\"a\":\"a.txt\",\"b\":\"-\""), std::string::npos)
      << text.out;
}

// Passages are cut from texts read again after the index is built: from a
// JSONL file at each line's offset, from the spill file for standard input
// and for a compressed file. All three give the same pairs and passages.
TEST_F(CliTest, PassagesAreCutFromTextsReadAgainFromAnyInput) {
  std::string jsonl;
  for (int i = 0; i < 3; ++i) {
    jsonl += "{\"id\": \"r" + std::to_string(i) + "\", \"text\": \"Outlet " +
             std::to_string(i) + " opens with its own words. " + kStory +
             "It ends with its own words too.\"}\n";
  }
  Write("feed.jsonl", jsonl);
  const std::vector<std::string> args = {"--format", "jsonl", "--mode", "copy"};
  auto with = [&](std::vector<std::string> a) {
    a.insert(a.end(), args.begin(), args.end());
    return a;
  };
  const Outcome file = Mimeo(with({"pairs", "feed.jsonl"}));
  ASSERT_EQ(file.code, 0) << file.err;
  EXPECT_NE(file.out.find("own words. The regional water board said"),
            std::string::npos)
      << file.out;
  const Outcome in = Mimeo(with({"pairs", "-"}), jsonl);
  ASSERT_EQ(in.code, 0) << in.err;
  EXPECT_EQ(in.out, file.out);
  ASSERT_EQ(std::system(("gzip -k " + Quote((dir_ / "feed.jsonl").string()))
                            .c_str()),
            0);
  const Outcome gz = Mimeo(with({"pairs", "feed.jsonl.gz"}));
  ASSERT_EQ(gz.code, 0) << gz.err;
  EXPECT_EQ(gz.out, file.out);
  const Outcome clusters =
      Mimeo({"cluster", "feed.jsonl", "--mode", "copy", "--format", "table"});
  ASSERT_EQ(clusters.code, 0) << clusters.err;
  EXPECT_NE(clusters.out.find("The regional water board"), std::string::npos)
      << clusters.out;
}

// HTML pages in a JSONL text field are read as their visible text (auto
// and html): the pairs and the passages' offsets are those of a feed that
// holds the visible texts, whether the lines are read again from the file
// or from the spill file (stdin). --text-format text keeps the markup.
TEST_F(CliTest, HtmlInJsonlFieldsIsReadAsItsVisibleText) {
  const std::string story = kStory.substr(0, kStory.size() - 1);
  std::string pages, visible;
  for (int i = 0; i < 3; ++i) {
    const std::string n = std::to_string(i);
    pages += "{\"id\": \"r" + n +
             "\", \"text\": \"<!DOCTYPE html><html><head><title>Outlet " + n +
             "</title><script>var n = " + n +
             ";</script></head><body><nav><a href='/'>Home</a> "
             "<a href='/news'>News</a></nav><p>Outlet " +
             n + " opens with its own words.</p><p>" + story +
             "</p><p>It ends with its own words too.</p></body></html>\"}\n";
    visible += "{\"id\": \"r" + n + "\", \"text\": \"Outlet " + n +
               "\\nOutlet " + n + " opens with its own words.\\n" + story +
               "\\nIt ends with its own words too.\"}\n";
  }
  Write("pages.jsonl", pages);
  Write("visible.jsonl", visible);
  auto pairs = [&](std::vector<std::string> a, const std::string& input = "") {
    a.insert(a.begin(), "pairs");
    a.insert(a.end(), {"--mode", "copy", "--format", "jsonl"});
    return Mimeo(a, input);
  };
  const Outcome expected = pairs({"visible.jsonl"});
  ASSERT_EQ(expected.code, 0) << expected.err;
  // The passage starts at "opens", after "Outlet 0\nOutlet 0 ".
  EXPECT_NE(expected.out.find("\"a\":[18,"), std::string::npos) << expected.out;
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"pages.jsonl"},
        {"pages.jsonl", "--text-format", "html"},
        {"pages.jsonl", "--text-format", "auto"}}) {
    const Outcome r = pairs(args);
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out, expected.out) << args.back();
  }
  const Outcome in = pairs({"-"}, pages);
  ASSERT_EQ(in.code, 0) << in.err;
  EXPECT_EQ(in.out, expected.out);

  const Outcome text = pairs({"pages.jsonl", "--text-format", "text"});
  ASSERT_EQ(text.code, 0) << text.err;
  EXPECT_NE(text.out.find("<a href='/news'>News</a>"), std::string::npos)
      << text.out;
  EXPECT_EQ(Mimeo({"pairs", "pages.jsonl", "--text-format", "xml"}).code, 2);
}

// A page piped in as one text is read as HTML when it looks like HTML:
// the passage starts at byte 0 of its visible text (the navigation before
// it is dropped); with --text-format text, where the story starts in the
// markup.
TEST_F(CliTest, HtmlOnStandardInputIsReadAsItsVisibleText) {
  Write("a.txt", kStory);
  const std::string page =
      "<!DOCTYPE html><html><body><nav><a href='/'>Home</a></nav><p>" + kStory +
      "</p></body></html>";
  const Outcome html =
      Mimeo({"pairs", "a.txt", "-", "--format", "jsonl"}, page);
  ASSERT_EQ(html.code, 0) << html.err;
  EXPECT_NE(html.out.find("\"b\":[0,"), std::string::npos) << html.out;
  const Outcome text = Mimeo(
      {"pairs", "a.txt", "-", "--format", "jsonl", "--text-format", "text"},
      page);
  ASSERT_EQ(text.code, 0) << text.err;
  EXPECT_NE(text.out.find("\"b\":[" +
                          std::to_string(page.find("The regional")) + ","),
            std::string::npos)
      << text.out;
}

TEST_F(CliTest, OutputFileIsWrittenWholeWithNoTemporaryLeft) {
  Write("in/a.txt", kStory);
  Write("in/b.txt", kStory);
  const Outcome r = Mimeo({"pairs", "in", "-o", "out/pairs.csv", "--format",
                       "csv"});
  EXPECT_NE(r.code, 0);  // out/ does not exist
  EXPECT_NE(r.err.find("out/pairs.csv"), std::string::npos) << r.err;
  const Outcome ok = Mimeo({"pairs", "in", "-o", "pairs.csv", "--format", "csv"});
  EXPECT_EQ(ok.code, 0) << ok.err;
  EXPECT_TRUE(ok.out.empty());
  const std::string csv = mimeo::testing::ReadFile(dir_ / "pairs.csv");
  EXPECT_EQ(csv.rfind("a,b,jaccard,", 0), 0u) << csv;
  EXPECT_NE(csv.find("a.txt,b.txt,1.000000"), std::string::npos) << csv;
  // The output is opened before the run: a run that fails after it leaves
  // neither the file nor its temporary.
  fs::create_directories(dir_ / "empty");
  const Outcome failed = Mimeo({"pairs", "empty", "-o", "failed.csv"});
  EXPECT_EQ(failed.code, 1);
  EXPECT_NE(failed.err.find("no documents"), std::string::npos) << failed.err;
  EXPECT_FALSE(fs::exists(dir_ / "failed.csv"));
  for (const auto& e : fs::directory_iterator(dir_)) {
    EXPECT_EQ(e.path().filename().string().find(".tmp"), std::string::npos);
  }
}

// Words no two calls share: texts made of them share no run by chance.
std::string Words(int n, int seed) {
  std::string s;
  uint64_t x = 0x9E3779B97F4A7C15ull * static_cast<uint64_t>(seed + 1);
  for (int i = 0; i < n; ++i) {
    x ^= x >> 31;
    x *= 0xBF58476D1CE4E5B9ull;
    x ^= x >> 29;
    s += (i ? " " : "") + std::string("w") + std::to_string(x % 1000003);
  }
  return s + ".";
}

// The command sets boilerplate aside in every mode and says how much:
// a footer on thirty pages gives no pair and no cluster; two pages sharing
// a paragraph of their own right above it are one pair, whose footer is
// counted as boilerplate, not listed as copy.
// An output that cannot be written is refused before any input is read:
// here the input holds no documents, which reading would report, but the
// error is the output's, naming it. So for every subcommand that writes.
TEST_F(CliTest, UnwritableOutputIsRefusedBeforeAnyWork) {
  Write("empty/picture.png", "\x89PNG");
  Write("a.txt", kStory);
  fs::create_directories(dir_ / "folder");
  for (const std::string out : {"missing/out.jsonl", "folder"}) {
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"cluster", "empty"},
          {"cluster", "--mode", "copy", "empty"},
          {"pairs", "empty"},
          {"compare", "a.txt", "missing.txt"}}) {
      std::vector<std::string> with_output = args;
      with_output.insert(with_output.end(), {"-o", out});
      const Outcome r = Mimeo(with_output);
      EXPECT_EQ(r.code, 1) << args[0] << " -o " << out << ": " << r.err;
      EXPECT_NE(r.err.find("cannot write '" + out + "'"), std::string::npos)
          << r.err;
      EXPECT_EQ(r.err.find("no documents"), std::string::npos) << r.err;
      EXPECT_EQ(r.err.find("missing.txt"), std::string::npos) << r.err;
    }
  }
  // The index too: create and add fail before reading.
  const Outcome create = Mimeo({"index", "create", "missing/x.mimeo", "empty"});
  EXPECT_EQ(create.code, 1);
  EXPECT_NE(create.err.find("cannot write 'missing/x.mimeo'"),
            std::string::npos)
      << create.err;
  const Outcome folder =
      Mimeo({"index", "create", "folder", "empty", "--force"});
  EXPECT_EQ(folder.code, 1);
  EXPECT_NE(folder.err.find("'folder': it is a directory"), std::string::npos)
      << folder.err;
  // Nothing is left behind.
  EXPECT_TRUE(fs::is_empty(dir_ / "folder"));
  for (const auto& e : fs::directory_iterator(dir_)) {
    EXPECT_EQ(e.path().filename().string().find(".tmp"), std::string::npos);
  }
}

// Writing over what the command reads would destroy it: refused before any
// work, naming the file, and the file is as it was.
TEST_F(CliTest, OutputNamingAnInputOrTheIndexIsRefused) {
  Write("a.txt", kStory);
  Write("b.txt", kStory + Words(40, 7));
  const std::string a = mimeo::testing::ReadFile(dir_ / "a.txt");
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"dedup", "a.txt", "b.txt", "-o", "a.txt"},
        {"dedup", "a.txt", "b.txt", "--kept", "a.txt", "-o", "k.jsonl"},
        {"cluster", "a.txt", "b.txt", "-o", "./a.txt"},
        {"pairs", "a.txt", "b.txt", "-o", "a.txt"},
        {"compare", "a.txt", "b.txt", "-o", "a.txt"}}) {
    const Outcome r = Mimeo(args);
    EXPECT_EQ(r.code, 1) << args[0] << ": " << r.err;
    EXPECT_NE(r.err.find("this command reads it"), std::string::npos)
        << r.err;
    EXPECT_EQ(mimeo::testing::ReadFile(dir_ / "a.txt"), a) << args[0];
  }
  ASSERT_EQ(Mimeo({"index", "create", "s.mimeo", "a.txt", "-q"}).code, 0);
  const std::string snapshot = mimeo::testing::ReadFile(dir_ / "s.mimeo");
  Outcome r = Mimeo({"index", "query", "s.mimeo", "b.txt", "-o", "s.mimeo"});
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_EQ(mimeo::testing::ReadFile(dir_ / "s.mimeo"), snapshot);
  ASSERT_EQ(Mimeo({"index", "create", "ix/", "a.txt", "-q"}).code, 0);
  r = Mimeo({"index", "info", "ix/", "-o", "ix/data.mdb"});
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_NE(r.err.find("inside the index directory"), std::string::npos)
      << r.err;
  // So is a link to one of its files.
  fs::create_symlink("ix/data.mdb", dir_ / "link");
  r = Mimeo({"index", "info", "ix/", "-o", "link"});
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_EQ(Mimeo({"index", "check", "ix/"}).code, 0);
  // A snapshot's header is written last, at its start: not into a pipe
  // (Mimeo() reads stdout through one), but into a file the shell opened.
  r = Mimeo({"index", "export", "ix/", "/dev/stdout", "-q"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("a snapshot is written to a file"), std::string::npos)
      << r.err;
  ASSERT_EQ(std::system(("cd " + Quote(dir_.string()) + " && " +
                         Quote(MIMEO_BINARY) +
                         " index export ix/ /dev/stdout -q > shell.mimeo")
                            .c_str()),
            0);
  EXPECT_EQ(Mimeo({"index", "check", "shell.mimeo"}).code, 0);
}

TEST_F(CliTest, StandardInputNamedTwiceAndOutOfRangeOptionsAreUsageErrors) {
  Outcome r = Mimeo({"compare", "-", "-"}, kStory);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("named twice"), std::string::npos) << r.err;
  r = Mimeo({"pairs", "-", "-"}, kStory);
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("named twice"), std::string::npos) << r.err;
  for (const char* option : {"--threshold", "--containment", "--member-jaccard",
                             "--member-containment", "--lsh-threshold"}) {
    r = Mimeo({"cluster", ".", option, "nan"});
    EXPECT_EQ(r.code, 2) << option;
    EXPECT_NE(r.err.find(std::string(option) + ": not a number"),
              std::string::npos)
        << r.err;
  }
  r = Mimeo({"cluster", ".", "--threads", "65537"});
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("--threads"), std::string::npos) << r.err;
  Write("a.txt", kStory);
  ASSERT_EQ(Mimeo({"index", "create", "ix/", "a.txt", "-q"}).code, 0);
  r = Mimeo({"index", "prune", "ix/", "--before", "2024-02-30"});
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("is not a date"), std::string::npos) << r.err;
}

// Removing several ids from an index is all or none, on disk as in a
// snapshot file.
TEST_F(CliTest, IndexRemoveOfSeveralIdsIsAllOrNone) {
  Write("docs/a.txt", kStory);
  Write("docs/b.txt", Words(80, 1));
  Write("docs/c.txt", Words(80, 2));
  for (const std::string index : {"ix/", "ix.mimeo"}) {
    SCOPED_TRACE(index);
    ASSERT_EQ(Mimeo({"index", "create", index, "docs", "-q"}).code, 0);
    Outcome r = Mimeo({"index", "remove", index, "b.txt", "no-such-id"});
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_NE(r.err.find("'no-such-id'"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("nothing removed"), std::string::npos) << r.err;
    r = Mimeo({"index", "info", index, "--format", "jsonl"});
    EXPECT_NE(r.out.find("\"documents\":3"), std::string::npos) << r.out;
    // An id named twice is removed once.
    r = Mimeo({"index", "remove", index, "b.txt", "b.txt", "c.txt"});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.err.find("2 removed"), std::string::npos) << r.err;
    r = Mimeo({"index", "info", index, "--format", "jsonl"});
    EXPECT_NE(r.out.find("\"documents\":1"), std::string::npos) << r.out;
    EXPECT_EQ(Mimeo({"index", "check", index}).code, 0);
  }
}

TEST_F(CliTest, BoilerplateIsSetAsideAndCounted) {
  const std::string footer = Words(30, 1000);
  for (int i = 0; i < 30; ++i) {
    Write("site/page" + std::to_string(i) + ".txt",
          Words(60, i) + "\n" + footer);
  }
  const std::string shared = Words(40, 2000);
  Write("site/x.txt", Words(50, 3000) + "\n" + shared + "\n" + footer);
  Write("site/y.txt", Words(55, 4000) + "\n" + shared + "\n" + footer);
  const Outcome pairs =
      Mimeo({"pairs", "--mode", "copy", "site", "--format", "jsonl"});
  ASSERT_EQ(pairs.code, 0) << pairs.err;
  ASSERT_EQ(std::count(pairs.out.begin(), pairs.out.end(), '\n'), 1)
      << pairs.out;
  EXPECT_NE(pairs.out.find("\"a\":\"x.txt\",\"b\":\"y.txt\""),
            std::string::npos)
      << pairs.out;
  EXPECT_NE(pairs.out.find("\"boilerplate\":{\"widespread\":1}"),
            std::string::npos)
      << pairs.out;
  EXPECT_EQ(pairs.out.find(footer.substr(0, 30)), std::string::npos);
  EXPECT_NE(pairs.out.find(shared.substr(0, 30)), std::string::npos);
  // Near-duplicate clusters: none; copy clusters: the two.
  const Outcome near = Mimeo({"cluster", "site", "--format", "jsonl"});
  ASSERT_EQ(near.code, 0) << near.err;
  EXPECT_EQ(near.out, "");
  const Outcome copy =
      Mimeo({"cluster", "--mode", "copy", "site", "--format", "jsonl"});
  ASSERT_EQ(copy.code, 0) << copy.err;
  EXPECT_EQ(std::count(copy.out.begin(), copy.out.end(), '\n'), 1) << copy.out;
  EXPECT_NE(copy.out.find("\"docs\":[\"x.txt\",\"y.txt\"]"), std::string::npos)
      << copy.out;
}

// An early stub and its much longer later revision: not the same text
// (Jaccard about 0.06, a third of the stub in the revision), but versions.
TEST_F(CliTest, VersionsModeClustersRevisionsThatNearDupDoesNot) {
  const std::string early = Words(60, 7000);
  Write("hist/v0.txt", early);
  Write("hist/v1.txt",
        early.substr(0, early.size() / 3) + " " + Words(200, 7001));
  const Outcome near = Mimeo({"cluster", "hist", "--format", "jsonl"});
  ASSERT_EQ(near.code, 0) << near.err;
  EXPECT_EQ(near.out, "");
  const Outcome versions =
      Mimeo({"cluster", "--mode", "versions", "hist", "--format", "jsonl"});
  ASSERT_EQ(versions.code, 0) << versions.err;
  EXPECT_NE(versions.out.find("\"docs\":[\"v0.txt\",\"v1.txt\"]"),
            std::string::npos)
      << versions.out;
  // Thresholds the user gives win over the mode's, even when they are the
  // defaults' values.
  const Outcome given =
      Mimeo({"cluster", "--mode", "versions", "hist", "--threshold", "0.3",
             "--containment", "0.7", "--member-jaccard", "0.25",
             "--member-containment", "0.5", "--format", "jsonl"});
  ASSERT_EQ(given.code, 0) << given.err;
  EXPECT_EQ(given.out, "");
}

// Near-duplicate clusters in JSONL carry exact figures and say so;
// --estimate gives MinHash estimates and says that instead.
TEST_F(CliTest, ClusterJsonlSaysWhenFiguresAreEstimates) {
  Write("in/a.txt", kStory + "Officials gave no date for the next review.");
  Write("in/b.txt", kStory + "The next review is due in two weeks.");
  const Outcome est =
      Mimeo({"cluster", "in", "--format", "jsonl", "--estimate"});
  ASSERT_EQ(est.code, 0) << est.err;
  EXPECT_NE(est.out.find("\"estimated\":true"), std::string::npos) << est.out;
  EXPECT_EQ(est.out.find("\"estimated\":false"), std::string::npos) << est.out;
  // Exact figures are the default, as in the library.
  const Outcome exact = Mimeo({"cluster", "in", "--format", "jsonl"});
  ASSERT_EQ(exact.code, 0) << exact.err;
  EXPECT_NE(exact.out.find("\"estimated\":false"), std::string::npos)
      << exact.out;
  EXPECT_EQ(exact.out.find("\"estimated\":true"), std::string::npos)
      << exact.out;
}

TEST_F(CliTest, IndexCreateAddQueryInfo) {
  Write("old/wire.txt", kStory + "The board will meet again in June.");
  Write("old/other.txt", "A bakery on Hythe Lane will close in the spring "
                         "after ninety years, its owners said.");
  Write("new/reprint.txt", "From our correspondent. " + kStory);
  Write("more/late.txt", "Late news: " + kStory);

  Outcome r = Mimeo({"index", "create", "archive.mimeo", "old"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("2 documents"), std::string::npos) << r.err;
  // create does not overwrite.
  r = Mimeo({"index", "create", "archive.mimeo", "old"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("exists"), std::string::npos) << r.err;

  r = Mimeo({"index", "query", "archive.mimeo", "new", "--format", "jsonl"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("\"a\":\"reprint.txt\",\"b\":\"wire.txt\""),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("\"text\":\"The regional water board said"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("other.txt"), std::string::npos);

  r = Mimeo({"index", "add", "archive.mimeo", "more"});
  ASSERT_EQ(r.code, 0) << r.err;
  r = Mimeo({"index", "info", "archive.mimeo", "--format", "jsonl"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("\"documents\":3"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"shingle\":5"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"token_hash\":\"short-mix\""), std::string::npos)
      << r.out;

  // Adding an id already there fails and leaves the file as it was.
  const std::string before = mimeo::testing::ReadFile(dir_ / "archive.mimeo");
  r = Mimeo({"index", "add", "archive.mimeo", "more"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("late.txt"), std::string::npos) << r.err;
  EXPECT_EQ(mimeo::testing::ReadFile(dir_ / "archive.mimeo"), before);
}

// Ids that stay apart across days (--id-prefix), and a day that repeats
// documents already indexed: refused whole by default, passed by and
// counted with --skip-existing.
TEST_F(CliTest, IndexAddWithIdPrefixAndSkipExisting) {
  Write("day1/wire.txt", kStory);
  Write("day2/wire.txt", kStory + "Updated at noon.");
  Write("day2/late.txt", "Late news: " + kStory);
  Outcome r =
      Mimeo({"index", "create", "a.mimeo", "day1", "--id-prefix", "day1/"});
  ASSERT_EQ(r.code, 0) << r.err;
  // Without a prefix day2's wire.txt would be refused; with one it is not.
  r = Mimeo({"index", "add", "a.mimeo", "day2", "--id-prefix", "day2/"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("2 added"), std::string::npos) << r.err;
  r = Mimeo(
      {"index", "query", "a.mimeo", "day2/late.txt", "--format", "jsonl"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("\"b\":\"day1/wire.txt\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"b\":\"day2/wire.txt\""), std::string::npos) << r.out;

  // day2 again, with one new file: refused whole, the file untouched...
  Write("day2/evening.txt", "An evening edition. " + kStory);
  const std::string before = mimeo::testing::ReadFile(dir_ / "a.mimeo");
  r = Mimeo({"index", "add", "a.mimeo", "day2", "--id-prefix", "day2/"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("'day2/late.txt' was already added"), std::string::npos)
      << r.err;
  EXPECT_EQ(mimeo::testing::ReadFile(dir_ / "a.mimeo"), before);
  // ...or, with --skip-existing, the new one added and the rest counted.
  r = Mimeo({"index", "add", "a.mimeo", "day2", "--id-prefix", "day2/",
             "--skip-existing"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("1 added to 'a.mimeo', 2 already there skipped"),
            std::string::npos)
      << r.err;
  // Nothing new: a success that leaves the file as it is.
  const std::string after = mimeo::testing::ReadFile(dir_ / "a.mimeo");
  r = Mimeo({"index", "add", "a.mimeo", "day2", "--id-prefix", "day2/",
             "--skip-existing"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("0 added to 'a.mimeo', 3 already there skipped"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(mimeo::testing::ReadFile(dir_ / "a.mimeo"), after);
  r = Mimeo({"index", "info", "a.mimeo", "--format", "jsonl"});
  EXPECT_NE(r.out.find("\"documents\":4"), std::string::npos) << r.out;
}

// A tree of extensionless files (Debian's */copyright) has no documents to
// read by extension; --include reads them, --exclude leaves some out.
TEST_F(CliTest, IncludeReadsFilesOfAnyNameInATree) {
  Write("doc/pkg-a/copyright", kStory);
  Write("doc/pkg-b/copyright", kStory + "License: GPL-2+");
  Write("doc/pkg-c/copyright", kStory + "License: MIT");
  Write("doc/pkg-c/changelog", "Version 1.0, first release.");
  Outcome r = Mimeo({"cluster", "doc", "--format", "jsonl"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("--include"), std::string::npos) << r.err;
  r = Mimeo({"cluster", "--include", "copyright", "doc", "--exclude", "pkg-c",
             "--format", "jsonl"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("\"docs\":[\"pkg-a/copyright\",\"pkg-b/copyright\"]"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.err.find("2 documents"), std::string::npos) << r.err;
}

TEST_F(CliTest, IndexMadeWithOtherParametersOrCorruptIsRefusedSayingWhy) {
  Write("old/wire.txt", kStory);
  ASSERT_EQ(Mimeo({"index", "create", "i.mimeo", "old", "--shingle", "3"}).code,
            0);
  // Its own parameters are used when none are given...
  Outcome r = Mimeo({"index", "query", "i.mimeo", "old/wire.txt", "--format",
                 "jsonl"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("\"jaccard\":1.0"), std::string::npos) << r.out;
  // ...and others are refused, naming the difference.
  r = Mimeo({"index", "query", "i.mimeo", "old", "--shingle", "5"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("shingle.k is 3 in the file but 5"), std::string::npos)
      << r.err;

  std::string bytes = mimeo::testing::ReadFile(dir_ / "i.mimeo");
  Write("truncated.mimeo", bytes.substr(0, bytes.size() / 2));
  r = Mimeo({"index", "info", "truncated.mimeo"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("'truncated.mimeo' is truncated"), std::string::npos)
      << r.err;
  bytes[bytes.size() - 3] ^= 0x55;
  Write("flipped.mimeo", bytes);
  r = Mimeo({"index", "query", "flipped.mimeo", "old"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("corrupt"), std::string::npos) << r.err;
  Write("notes.txt", "not an index");
  r = Mimeo({"index", "add", "notes.txt", "old"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("not a mimeo snapshot"), std::string::npos) << r.err;
  r = Mimeo({"index", "info", "absent.mimeo"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("absent.mimeo"), std::string::npos) << r.err;
}

TEST_F(CliTest, IndexInfoWritesValidUtf8ForAnyPath) {
  Write("a.txt", kStory);
  const std::string name = "caf\xe9.mimeo";  // Latin-1, not UTF-8
  ASSERT_EQ(Mimeo({"index", "create", name, "a.txt", "-q"}).code, 0);
  const Outcome r = Mimeo({"index", "info", name, "--format", "jsonl"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("\"index\":\"caf\xef\xbf\xbd.mimeo\""),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("\"documents\":1"), std::string::npos) << r.out;
}

// Two `index add` runs on one file at once: both succeed and both batches
// are in the file, which loads (each run waits for the other's lock).
// MIMEO_CONCURRENT_TRIALS sets the number of trials (default 5).
TEST_F(CliTest, ConcurrentIndexAddsKeepEveryBatch) {
  constexpr int kBase = 200, kBatch = 40;
  for (int i = 0; i < kBase; ++i) {
    Write("base/d" + std::to_string(i) + ".txt", Words(120, i));
  }
  for (int i = 0; i < kBatch; ++i) {
    Write("a/a" + std::to_string(i) + ".txt", Words(120, 1000 + i));
    Write("b/b" + std::to_string(i) + ".txt", Words(120, 2000 + i));
  }
  const char* env = std::getenv("MIMEO_CONCURRENT_TRIALS");
  const int trials = env != nullptr ? std::atoi(env) : 5;
  int lost = 0, unreadable = 0;
  for (int t = 0; t < trials; ++t) {
    SCOPED_TRACE("trial " + std::to_string(t));
    fs::remove(dir_ / "i.mimeo");
    ASSERT_EQ(Mimeo({"index", "create", "i.mimeo", "base", "-q"}).code, 0);
    const std::string run = "cd " + Quote(dir_.string()) + " && ";
    const auto add = [&](const std::string& batch) {
      return "(" + Quote(MIMEO_BINARY) + " index add i.mimeo " + batch +
             " -q 2>" + batch + ".err; echo $? >" + batch + ".rc) & ";
    };
    ASSERT_EQ(
        std::system((run + "{ " + add("a") + add("b") + "wait; }").c_str()),
        0);
    for (const char* batch : {"a", "b"}) {
      EXPECT_EQ(mimeo::testing::ReadFile(dir_ / (std::string(batch) + ".rc")),
                "0\n")
          << mimeo::testing::ReadFile(dir_ / (std::string(batch) + ".err"));
    }
    const Outcome info =
        Mimeo({"index", "info", "i.mimeo", "--format", "jsonl"});
    ASSERT_EQ(info.code, 0) << info.err;
    const Outcome query =
        Mimeo({"index", "query", "i.mimeo", "a/a0.txt", "--format", "jsonl"});
    unreadable += query.code != 0;
    lost +=
        info.out.find("\"documents\":" + std::to_string(kBase + 2 * kBatch) +
                      ",") == std::string::npos;
    EXPECT_NE(query.out.find("\"b\":\"a0.txt\""), std::string::npos)
        << query.err;
  }
  EXPECT_EQ(lost, 0) << "trials losing a batch, of " << trials;
  EXPECT_EQ(unreadable, 0) << "trials leaving an unreadable file, of "
                           << trials;
  for (const auto& e : fs::directory_iterator(dir_)) {
    EXPECT_EQ(e.path().filename().string().find(".tmp"), std::string::npos)
        << e.path();
  }
}

// Two `index add --skip-existing` of the same files into one index at once,
// a directory or a file: both succeed, each document is there once, and
// the two summaries add up (what one added, the other skipped).
TEST_F(CliTest, ConcurrentAddsSkippingExistingIdsBothSucceed) {
  constexpr int kBatch = 300;
  Write("base/d.txt", Words(120, 1));
  for (int i = 0; i < kBatch; ++i) {
    Write("a/a" + std::to_string(i) + ".txt", Words(60, 1000 + i));
  }
  for (const std::string index : {"ix/", "i.mimeo"}) {
    for (int t = 0; t < 3; ++t) {
      SCOPED_TRACE(index + " trial " + std::to_string(t));
      fs::remove_all(dir_ / index);
      ASSERT_EQ(Mimeo({"index", "create", index, "base", "-q"}).code, 0);
      const std::string run = "cd " + Quote(dir_.string()) + " && ";
      const auto add = [&](const std::string& name) {
        return "(" + Quote(MIMEO_BINARY) + " index add " + index +
               " a --skip-existing 2>" + name + ".err; echo $? >" + name +
               ".rc) & ";
      };
      ASSERT_EQ(
          std::system((run + "{ " + add("x") + add("y") + "wait; }").c_str()),
          0);
      int added = 0;
      for (const std::string name : {"x", "y"}) {
        const std::string err = mimeo::testing::ReadFile(dir_ / (name + ".err"));
        EXPECT_EQ(mimeo::testing::ReadFile(dir_ / (name + ".rc")), "0\n")
            << err;
        const size_t at = err.find(" added to ");
        ASSERT_NE(at, std::string::npos) << err;
        const size_t from = err.rfind(' ', at - 1) + 1;
        added += std::stoi(err.substr(from, at - from));
        EXPECT_NE(err.find(" already there skipped"), std::string::npos) << err;
      }
      EXPECT_EQ(added, kBatch);
      const Outcome info = Mimeo({"index", "info", index, "--format", "jsonl"});
      EXPECT_NE(info.out.find("\"documents\":" + std::to_string(kBatch + 1) +
                              ","),
                std::string::npos)
          << info.out;
      EXPECT_EQ(Mimeo({"index", "check", index}).code, 0);
    }
  }
}

// A writer killed while it wrote a snapshot leaves its temporary file; the
// next writer, holding the lock every writer takes, removes it and says so,
// and leaves other files alone.
TEST_F(CliTest, TemporaryFilesOfAKilledWriterAreRemovedByTheNext) {
  Write("a.txt", kStory);
  Write("b.txt", Words(80, 3));
  ASSERT_EQ(Mimeo({"index", "create", "i.mimeo", "a.txt", "-q"}).code, 0);
  const auto old = fs::file_time_type::clock::now() - std::chrono::hours(1);
  for (const char* name : {"i.mimeo.tmp-mimeo-Ab3dE9", "i.mimeo.tmp-backup",
                           "i.mimeo.tmp-mimeo-backup-of-mine",
                           "j.mimeo.tmp-mimeo-Ab3dE9"}) {
    Write(name, "half a snapshot");
    fs::last_write_time(dir_ / name, old);
  }
  // Written to a moment ago: another writer's, still being written.
  Write("i.mimeo.tmp-mimeo-Fresh1", "being written");
  const Outcome r = Mimeo({"index", "add", "i.mimeo", "b.txt"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("removed 'i.mimeo.tmp-mimeo-Ab3dE9', left by a mimeo "
                       "stopped while it wrote 'i.mimeo'"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(dir_ / "i.mimeo.tmp-mimeo-Ab3dE9"));
  for (const char* kept : {"i.mimeo.tmp-backup", "i.mimeo.tmp-mimeo-backup-of-mine",
                           "j.mimeo.tmp-mimeo-Ab3dE9", "i.mimeo.tmp-mimeo-Fresh1"}) {
    EXPECT_TRUE(fs::exists(dir_ / kept)) << kept;
  }
  EXPECT_EQ(Mimeo({"index", "check", "i.mimeo"}).code, 0);
}

// `index add` replaces the file a link points to, keeps the link, keeps a
// private index private, and leaves a file of the user's named X.tmp alone.
TEST_F(CliTest, IndexAddKeepsModeLinksAndOtherFiles) {
  Write("old/wire.txt", kStory);
  Write("more/late.txt", "Late news: " + kStory);
  fs::create_directories(dir_ / "store");
  ASSERT_EQ(Mimeo({"index", "create", "store/i.mimeo", "old", "-q"}).code, 0);
  fs::permissions(dir_ / "store/i.mimeo",
                  fs::perms::owner_read | fs::perms::owner_write);
  fs::create_symlink("store/i.mimeo", dir_ / "link.mimeo");
  Write("store/i.mimeo.tmp", "the user's own file");
  const Outcome r = Mimeo({"index", "add", "link.mimeo", "more", "-q"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(fs::is_symlink(dir_ / "link.mimeo"));
  EXPECT_EQ(fs::status(dir_ / "store/i.mimeo").permissions(),
            fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_EQ(mimeo::testing::ReadFile(dir_ / "store/i.mimeo.tmp"),
            "the user's own file");
  const Outcome info =
      Mimeo({"index", "info", "store/i.mimeo", "--format", "jsonl"});
  EXPECT_NE(info.out.find("\"documents\":2,"), std::string::npos) << info.out;
  for (const auto& e : fs::directory_iterator(dir_ / "store")) {
    EXPECT_EQ(e.path().filename().string().find(".tmp-"), std::string::npos)
        << e.path();
  }
}

// A header claiming more live documents than ids (checksum recomputed) is
// refused by info, not printed as a removed count of 2^64 - n.
TEST_F(CliTest, IndexInfoRefusesMoreLiveDocumentsThanIds) {
  Write("old/wire.txt", kStory);
  ASSERT_EQ(Mimeo({"index", "create", "i.mimeo", "old", "-q"}).code, 0);
  std::string bytes = mimeo::testing::ReadFile(dir_ / "i.mimeo");
  const uint64_t num_live = 5;  // one id (offset 56), "5 live" (offset 64)
  std::memcpy(&bytes[64], &num_live, sizeof(num_live));
  const uint64_t checksum = XXH3_64bits(bytes.data(), 120);
  std::memcpy(&bytes[120], &checksum, sizeof(checksum));
  Write("crafted.mimeo", bytes);
  const Outcome r = Mimeo({"index", "info", "crafted.mimeo"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("num_live"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("18446744073709551"), std::string::npos) << r.out;
}

TEST_F(CliTest, CompareRefusesADirectoryOfManyDocuments) {
  Write("in/a.txt", kStory);
  Write("in/b.txt", kStory);
  const Outcome r = Mimeo({"compare", "in", "in/a.txt"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("compare takes two documents, but 'in' holds 2"),
            std::string::npos)
      << r.err;
}

// The founding example: the Al Jazeera article shares one quote with AFP.
TEST_F(CliTest, SeedsPairsAndCompareShowTheQuote) {
  const std::string datasets = mimeo::testing::SharedDatasets();
  if (datasets.empty()) GTEST_SKIP() << "../shared/datasets is absent";
  const fs::path seeds = fs::path(datasets) / "seeds";
  const Outcome pairs = Mimeo({"pairs", seeds.string(), "--format", "jsonl"});
  ASSERT_EQ(pairs.code, 0) << pairs.err;
  EXPECT_NE(pairs.out.find("\"a\":\"afp-bush-putin-sochi.txt\",\"b\":"
                           "\"aljazeera-bush-putin-sochi.txt\""),
            std::string::npos)
      << pairs.out;
  EXPECT_NE(pairs.out.find("\"text\":\"We're going to have to do more work "
                           "after Sochi\""),
            std::string::npos)
      << pairs.out;

  const Outcome compare = Mimeo(
      {"compare", (seeds / "afp-bush-putin-sochi.txt").string(),
       (seeds / "aljazeera-bush-putin-sochi.txt").string(), "--format",
       "table"});
  ASSERT_EQ(compare.code, 0) << compare.err;
  // Highlighted: between guillemets off a terminal.
  EXPECT_NE(compare.out.find(
                "\xC2\xABWe're going to have to do more work after Sochi"
                "\xC2\xBB"),
            std::string::npos)
      << compare.out;
}

// The lines of `text` holding `needle`.
std::vector<std::string> LinesWith(const std::string& text,
                                   const std::string& needle) {
  std::vector<std::string> out;
  size_t at = 0;
  while (at < text.size()) {
    size_t end = text.find('\n', at);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(at, end - at);
    if (line.find(needle) != std::string::npos) out.push_back(line);
    at = end + 1;
  }
  return out;
}

// A JSONL string field's value on a line (simple values only: no escapes).
std::string Field(const std::string& line, const std::string& key) {
  const std::string k = "\"" + key + "\":";
  const size_t at = line.find(k);
  if (at == std::string::npos) return "";
  size_t from = at + k.size();
  if (line[from] != '"') {
    const size_t end = line.find_first_of(",}", from);
    return line.substr(from, end - from);
  }
  ++from;
  return line.substr(from, line.find('"', from) - from);
}

// Four groups of copies of one story (the shorter ones cut), and two
// documents copying nothing, as files and a JSONL feed with fields of its
// own.
class DedupTest : public CliTest {
 protected:
  void MakeCorpus() {
    std::mt19937_64 rng(7);
    for (int g = 0; g < 4; ++g) {
      const std::string story = mimeo::testing::RandomText(rng, 160);
      stories_.push_back(story);
      Write("in/g" + std::to_string(g) + "-full.txt", story);
      Write("in/g" + std::to_string(g) + "-cut.txt",
            story.substr(0, story.size() - 40));
    }
    Write("in/alone.txt", mimeo::testing::RandomText(rng, 120));
    // The feed: a copy of group 0, cut (older than its files, but they
    // have no dates), and one more document alone.
    Write("in/feed.jsonl",
          "{\"id\": \"feed-1\", \"url\": \"https://example.org/1\", "
          "\"text\": \"" + stories_[0].substr(0, stories_[0].size() - 80) +
          "\"}\n"
          "{\"id\": \"feed-2\",  \"lang\": \"en\", \"text\": \"" +
          mimeo::testing::RandomText(rng, 100) + "\"}\n");
  }
  std::vector<std::string> stories_;
};

// Each cluster keeps exactly one member, the longest; everything else is
// kept; --kept holds exactly the kept documents, a JSONL line as it came.
TEST_F(DedupTest, KeptSetAgainstTheClusters) {
  MakeCorpus();
  const Outcome clusters = Mimeo({"cluster", "in", "--format", "jsonl"});
  ASSERT_EQ(clusters.code, 0) << clusters.err;
  const Outcome r =
      Mimeo({"dedup", "in", "-o", "decisions.jsonl", "--kept", "kept.jsonl"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("6 kept, 5 dropped from 4 clusters"), std::string::npos)
      << r.err;
  const std::string decisions =
      mimeo::testing::ReadFile(dir_ / "decisions.jsonl");
  const std::vector<std::string> rows = LinesWith(decisions, "\"id\":");
  ASSERT_EQ(rows.size(), 11u) << decisions;
  std::map<std::string, std::string> cluster_of, keep_of, duplicate_of;
  for (const std::string& row : rows) {
    const std::string id = Field(row, "id");
    cluster_of[id] = Field(row, "cluster");
    keep_of[id] = Field(row, "keep");
    duplicate_of[id] = Field(row, "duplicate_of");
  }
  // The clusters of `mimeo cluster`, member for member.
  const std::vector<std::string> cluster_lines =
      LinesWith(clusters.out, "\"cluster\":");
  ASSERT_EQ(cluster_lines.size(), 4u) << clusters.out;
  std::set<std::string> kept;
  for (const std::string& line : cluster_lines) {
    const std::string id = Field(line, "cluster");
    const size_t from = line.find("\"docs\":[") + 8;
    const std::string docs = line.substr(from, line.find(']', from) - from);
    int kept_here = 0;
    std::string kept_id;
    for (size_t at = 0; (at = docs.find('"', at)) != std::string::npos;) {
      const size_t end = docs.find('"', at + 1);
      const std::string member = docs.substr(at + 1, end - at - 1);
      at = end + 1;
      EXPECT_EQ(cluster_of[member], id) << member;
      if (keep_of[member] == "true") {
        ++kept_here;
        kept_id = member;
      }
    }
    EXPECT_EQ(kept_here, 1) << line;
    // The longest: the full story of its group.
    EXPECT_NE(kept_id.find("-full.txt"), std::string::npos) << kept_id;
    for (size_t at = 0; (at = docs.find('"', at)) != std::string::npos;) {
      const size_t end = docs.find('"', at + 1);
      const std::string member = docs.substr(at + 1, end - at - 1);
      at = end + 1;
      if (member != kept_id) {
        EXPECT_EQ(duplicate_of[member], kept_id);
      }
    }
  }
  for (const auto& [id, keep] : keep_of) {
    if (keep == "true") kept.insert(id);
    if (cluster_of[id] == "null") {
      EXPECT_EQ(keep, "true") << id;
    }
  }
  EXPECT_EQ(kept, (std::set<std::string>{"alone.txt", "feed-2", "g0-full.txt",
                                         "g1-full.txt", "g2-full.txt",
                                         "g3-full.txt"}));
  // The kept documents: files as {"id", "text"}, the JSONL line as it came.
  const std::string written = mimeo::testing::ReadFile(dir_ / "kept.jsonl");
  EXPECT_EQ(LinesWith(written, "{").size(), 6u) << written;
  EXPECT_NE(written.find("{\"id\":\"g0-full.txt\",\"text\":\"" + stories_[0] +
                         "\"}\n"),
            std::string::npos);
  EXPECT_NE(written.find("{\"id\": \"feed-2\",  \"lang\": \"en\", \"text\""),
            std::string::npos)
      << written;
  EXPECT_EQ(written.find("feed-1"), std::string::npos);
  EXPECT_EQ(written.find("g0-cut"), std::string::npos);
}

// With a date on every member, the earliest is kept however short; the
// kept file is compressed as its name says.
TEST_F(DedupTest, EarliestDateWinsAndKeptIsCompressedByName) {
  std::mt19937_64 rng(11);
  const std::string story = mimeo::testing::RandomText(rng, 150);
  Write("dated.jsonl",
        "{\"id\": \"late\", \"date\": \"2024-03-02\", \"text\": \"" + story +
            " and a longer ending\"}\n"
            "{\"id\": \"early\", \"date\": \"2024-03-01\", \"text\": \"" +
            story + "\"}\n");
  const Outcome r = Mimeo({"dedup", "dated.jsonl", "--date-field", "date",
                           "--kept", "kept.jsonl.zst", "--format", "csv"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out,
            "id,keep,cluster,duplicate_of\n"
            "late,false,0,early\n"
            "early,true,0,\n");
  const std::string zst = mimeo::testing::ReadFile(dir_ / "kept.jsonl.zst");
  ASSERT_GE(zst.size(), 4u);
  EXPECT_EQ(zst.substr(0, 4), std::string("\x28\xB5\x2F\xFD", 4));
  // mimeo reads it back: one document, "early".
  const Outcome back = Mimeo({"dedup", "kept.jsonl.zst", "-q"});
  ASSERT_EQ(back.code, 0) << back.err;
  EXPECT_EQ(back.out,
            "{\"id\":\"early\",\"keep\":true,\"cluster\":null,"
            "\"duplicate_of\":null}\n");
}

TEST_F(DedupTest, KeptIsRefusedBeforeAnyWorkWhereItCannotBeWritten) {
  MakeCorpus();
  Outcome r = Mimeo({"dedup", "in", "-o", "d.jsonl", "--kept",
                     "no/such/dir/kept.jsonl"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("--kept: cannot write 'no/such/dir/kept.jsonl'"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find("documents"), std::string::npos) << r.err;  // no run
  EXPECT_FALSE(fs::exists(dir_ / "d.jsonl"));
  // Nor may it be the decisions' file, however spelled.
  r = Mimeo({"dedup", "in", "-o", "same.jsonl", "--kept", "./same.jsonl"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("--kept and -o both name"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir_ / "same.jsonl"));
  // Standard input cannot be read twice, nor can a FIFO (or a pipe), which
  // would be waited on for a second writer: refused before it is opened.
  r = Mimeo({"dedup", "-", "--kept", "kept.jsonl"}, kStory);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("standard input"), std::string::npos) << r.err;
  ASSERT_EQ(mkfifo((dir_ / "pipe.txt").c_str(), 0600), 0);
  r = Mimeo({"dedup", "in", "pipe.txt", "--kept", "kept.jsonl"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("'pipe.txt' (a pipe, FIFO or device)"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(dir_ / "kept.jsonl"));
}

// Four copies of one text: 6 pairs; at most one per document leaves 2, no
// document twice; --no-passage-text leaves offsets without text.
TEST_F(CliTest, PairsPerDocumentCapAndNoPassageText) {
  for (int i = 0; i < 4; ++i) {
    Write("six/" + std::to_string(i) + ".txt",
          kStory + "Copy " + std::string(i + 1, 'x') + ".");
  }
  Outcome all = Mimeo({"pairs", "six", "--format", "jsonl"});
  ASSERT_EQ(all.code, 0) << all.err;
  EXPECT_EQ(LinesWith(all.out, "\"a\":").size(), 6u) << all.out;
  EXPECT_NE(all.out.find("\"text\":\"The regional water board"),
            std::string::npos);
  Outcome capped = Mimeo({"pairs", "six", "--format", "jsonl",
                          "--max-pairs-per-doc", "1", "--no-passage-text"});
  ASSERT_EQ(capped.code, 0) << capped.err;
  const std::vector<std::string> lines = LinesWith(capped.out, "\"a\":");
  ASSERT_EQ(lines.size(), 2u) << capped.out;
  std::set<std::string> seen;
  for (const std::string& line : lines) {
    EXPECT_TRUE(seen.insert(Field(line, "a")).second) << capped.out;
    EXPECT_TRUE(seen.insert(Field(line, "b")).second) << capped.out;
    EXPECT_NE(line.find("\"passages\":[{\"a\":[0,"), std::string::npos) << line;
  }
  EXPECT_EQ(capped.out.find("\"text\""), std::string::npos) << capped.out;
  EXPECT_NE(capped.err.find("2 pairs (4 more left out by --max-pairs-per-doc)"),
            std::string::npos)
      << capped.err;
  // Options that cannot act are usage errors.
  EXPECT_EQ(
      Mimeo({"pairs", "six", "--no-passage-text", "--format", "html"}).code, 2);
  EXPECT_EQ(Mimeo({"cluster", "six", "--families", "f.jsonl"}).code, 2);
  EXPECT_EQ(Mimeo({"compare", "six/0.txt", "six/1.txt", "--threads", "2"}).code,
            2);
}

// 20 of 3,000 dated articles print a quote within two days: with dates it
// is copy, however many hold it; with --burst-days 0, or without dates, it
// is the template of a source that many documents share.
TEST_F(CliTest, AQuotePrintedInABurstIsCopyWithDates) {
  std::mt19937_64 rng(5);
  const std::string quote = mimeo::testing::RandomText(rng, 40);
  std::string lines;
  for (int i = 0; i < 3000; ++i) {
    std::string text = mimeo::testing::RandomText(rng, 50);
    int64_t date = 1700000000 + int64_t{i} * 10000;  // a year
    if (i % 150 == 7) {
      text += ". " + quote;
      date = 1710000000 + i * 60;
    }
    text += ". " + mimeo::testing::RandomText(rng, 50);
    lines += "{\"id\": \"a" + std::to_string(i) +
             "\", \"date\": " + std::to_string(date) + ", \"text\": \"" +
             text + "\"}\n";
  }
  Write("dated.jsonl", lines);
  const auto pairs = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = {"pairs", "--mode", "copy", "dated.jsonl",
                                     "-q", "-o", "pairs.jsonl"};
    args.insert(args.end(), extra.begin(), extra.end());
    const Outcome r = Mimeo(args);
    EXPECT_EQ(r.code, 0) << r.err;
    return LinesWith(mimeo::testing::ReadFile(dir_ / "pairs.jsonl"),
                     "\"shares_copy\":true")
        .size();
  };
  EXPECT_EQ(pairs({"--date-field", "date"}), 20u * 19 / 2);
  EXPECT_EQ(pairs({"--date-field", "date", "--burst-days", "0"}), 0u);
  EXPECT_EQ(pairs({}), 0u);
  for (const char* bad_days : {"-1", "nan", "1e-9", "40000"}) {
    const Outcome bad =
        Mimeo({"pairs", "dated.jsonl", "--burst-days", bad_days});
    EXPECT_NE(bad.code, 0) << bad_days;
    EXPECT_NE(bad.err.find("--burst-days"), std::string::npos)
        << bad_days << ": " << bad.err;
  }
}

// A story three outlets print inside their own texts: one family, the
// passage once, its three holders with byte ranges, the earliest the origin.
TEST_F(CliTest, FamiliesGiveEachPassageOnceWithItsHolders) {
  const std::string quote =
      "the minister said the agreement would bring the two railways under "
      "one timetable from the spring and that fares would not rise before "
      "the end of next year";
  Write("feed.jsonl",
        "{\"id\": \"wire\", \"date\": \"2024-01-01\", \"text\": \"" + quote +
            ".\"}\n"
            "{\"id\": \"herald\", \"date\": \"2024-01-02\", \"text\": \"Our "
            "view on transport this week. " + quote +
            ". Readers will judge.\"}\n"
            "{\"id\": \"post\", \"date\": \"2024-01-03\", \"text\": \"Late "
            "news from the capital, where " + quote +
            ", officials confirmed.\"}\n");
  const Outcome r =
      Mimeo({"cluster", "--mode", "copy", "feed.jsonl", "--date-field", "date",
             "--families", "families.jsonl", "-o", "clusters.jsonl"});
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string families =
      mimeo::testing::ReadFile(dir_ / "families.jsonl");
  const std::vector<std::string> lines = LinesWith(families, "\"family\":");
  ASSERT_EQ(lines.size(), 1u) << families;
  const std::string& f = lines[0];
  EXPECT_EQ(Field(f, "origin"), "wire");
  EXPECT_EQ(Field(f, "docs"), "3");
  EXPECT_NE(f.find("\"text\":\"" + quote), std::string::npos) << f;
  EXPECT_NE(f.find("{\"id\":\"wire\",\"spans\":[[0,"), std::string::npos) << f;
  EXPECT_NE(f.find("{\"id\":\"herald\",\"spans\":[["), std::string::npos)
      << f;
  EXPECT_NE(f.find("{\"id\":\"post\",\"spans\":[["), std::string::npos) << f;
  // Without passage text: the spans only.
  const Outcome bare =
      Mimeo({"pairs", "--mode", "copy", "feed.jsonl", "--families",
             "bare.jsonl", "--no-passage-text", "-o", "pairs.jsonl"});
  ASSERT_EQ(bare.code, 0) << bare.err;
  const std::string b = mimeo::testing::ReadFile(dir_ / "bare.jsonl");
  EXPECT_EQ(LinesWith(b, "\"family\":").size(), 1u) << b;
  EXPECT_EQ(b.find("\"text\""), std::string::npos) << b;
}

// A source tree holds no file mimeo reads by its name: the error says
// how many were passed by, what they end in, and the --include to use.
TEST_F(CliTest, ATreeOfOtherFilesSaysWhatWasPassedBy) {
  Write("tree/a.h", kStory);
  Write("tree/lib/b.h", kStory);
  Write("tree/lib/c.py", kStory);
  const Outcome r = Mimeo({"cluster", "tree"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("no documents to read: 'tree': 3 files passed by for "
                       "their names (.h 2, .py 1)"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("--include '*.h' reads those as text instead"),
            std::string::npos)
      << r.err;
  const Outcome read = Mimeo({"cluster", "tree", "--include", "*.h", "-o",
                              "c.jsonl"});
  EXPECT_EQ(read.code, 0) << read.err;
  EXPECT_NE(read.err.find("2 documents"), std::string::npos) << read.err;
  EXPECT_EQ(read.err.find("passed by"), std::string::npos) << read.err;
}

TEST_F(CliTest, JsonlWithoutTheTextFieldSaysSo) {
  Write("dump.jsonl", "{\"id\": \"a\", \"body\": \"" + kStory + "\"}\n");
  const Outcome r = Mimeo({"cluster", "dump.jsonl"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("no documents to read: 1 JSONL line skipped as "
                       "malformed (without a string field \"text\"? "
                       "--text-field"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find("directories are searched"), std::string::npos)
      << r.err;
}

std::string FindChromium() {
  for (const char* name : {"chromium", "chromium-browser", "google-chrome"}) {
    const std::string cmd = std::string("command -v ") + name + " >/dev/null 2>&1";
    if (std::system(cmd.c_str()) == 0) return name;
  }
  return "";
}

// The HTML report loads in a real browser without script errors, and shows
// the shared passages highlighted on both sides.
TEST_F(CliTest, HtmlReportLoadsInHeadlessChromium) {
  const std::string chromium = FindChromium();
  if (chromium.empty()) GTEST_SKIP() << "chromium is not installed";
  const fs::path demo = fs::path(MIMEO_SOURCE_DIR) / "datasets/demo/texts";
  const Outcome r = Mimeo({"pairs", demo.string(), "--mode", "copy", "--format",
                       "html", "-o", "report.html"});
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string cmd =
      "cd " + Quote(dir_.string()) + " && timeout 120 " + chromium +
      " --headless --no-sandbox --disable-gpu --no-first-run "
      "--user-data-dir=" + Quote((dir_ / "profile").string()) +
      " --enable-logging=stderr --v=0 --dump-dom " +
      Quote("file://" + (dir_ / "report.html").string()) +
      " >dom.html 2>chromium.log";
  ASSERT_EQ(std::system(cmd.c_str()), 0)
      << mimeo::testing::ReadFile(dir_ / "chromium.log");
  const std::string dom = mimeo::testing::ReadFile(dir_ / "dom.html");
  const std::string log = mimeo::testing::ReadFile(dir_ / "chromium.log");
  // The page's script ran to its end and counted the marks.
  const size_t at = dom.find("data-mimeo-passages=\"");
  ASSERT_NE(at, std::string::npos) << dom.substr(0, 2000);
  EXPECT_GT(std::atoi(dom.c_str() + at + 21), 10);
  EXPECT_NE(dom.find("<mark data-p=\"1\">Local fishing cooperatives have "
                     "criticised the project"),
            std::string::npos);
  EXPECT_EQ(log.find("Uncaught"), std::string::npos) << log;
  EXPECT_EQ(log.find("Refused to"), std::string::npos) << log;
}

}  // namespace

namespace {

// A report of a dozen near-duplicate clusters, one of them of nine
// documents (36 pairs), loaded in headless Chromium: every cluster shows
// pairs with highlighted passages, the table of contents lists all twelve,
// and the big cluster counts the pairs it does not show.
TEST_F(CliTest, HtmlReportShowsPairsForEveryClusterInHeadlessChromium) {
  const std::string chromium = FindChromium();
  if (chromium.empty()) GTEST_SKIP() << "chromium is not installed";
  std::mt19937_64 rng(12);
  for (int c = 0; c < 12; ++c) {
    const std::string story = mimeo::testing::RandomText(rng, 120);
    const int copies = c == 5 ? 9 : 2 + c % 3;
    for (int i = 0; i < copies; ++i) {
      Write("dozen/c" + std::to_string(c) + "-" + std::to_string(i) + ".txt",
            story + " Copy number " + std::to_string(i) + ".");
    }
  }
  const Outcome r = Mimeo({"cluster", "dozen", "--format", "html", "-o",
                           "report.html"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("12 clusters"), std::string::npos) << r.err;
  const std::string cmd =
      "cd " + Quote(dir_.string()) + " && timeout 120 " + chromium +
      " --headless --no-sandbox --disable-gpu --no-first-run "
      "--user-data-dir=" + Quote((dir_ / "profile").string()) +
      " --enable-logging=stderr --v=0 --dump-dom " +
      Quote("file://" + (dir_ / "report.html").string()) +
      " >dom.html 2>chromium.log";
  ASSERT_EQ(std::system(cmd.c_str()), 0)
      << mimeo::testing::ReadFile(dir_ / "chromium.log");
  const std::string dom = mimeo::testing::ReadFile(dir_ / "dom.html");
  const std::string log = mimeo::testing::ReadFile(dir_ / "chromium.log");
  ASSERT_NE(dom.find("data-mimeo-passages=\""), std::string::npos)
      << dom.substr(0, 2000);
  EXPECT_EQ(log.find("Uncaught"), std::string::npos) << log;
  // The table of contents links every cluster.
  for (int c = 0; c < 12; ++c) {
    EXPECT_NE(dom.find("<a href=\"#cluster-" + std::to_string(c) + "\">"),
              std::string::npos)
        << c;
  }
  // Each cluster's section holds pairs, with passages marked on both
  // sides.
  size_t sections = 0;
  for (size_t at = dom.find("<section class=\"cluster\"");
       at != std::string::npos;) {
    const size_t next = dom.find("<section class=\"cluster\"", at + 1);
    const std::string section = dom.substr(
        at, next == std::string::npos ? std::string::npos : next - at);
    const size_t pairs = LinesWith(section, "<article class=\"pair\"").size();
    EXPECT_GE(pairs, 1u) << section.substr(0, 300);
    EXPECT_LE(pairs, 3u) << section.substr(0, 300);
    EXPECT_NE(section.find("<mark data-p=\"0\">"), std::string::npos)
        << section.substr(0, 300);
    ++sections;
    at = next;
  }
  EXPECT_EQ(sections, 12u);
  // The nine copies: 36 pairs, 3 shown, 33 counted.
  EXPECT_NE(dom.find("33 more pairs of this cluster not shown"),
            std::string::npos);
}

}  // namespace
