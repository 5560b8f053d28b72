#include "mimeo/normalize.h"

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace mimeo {
namespace {

NormalizedText Norm(std::string_view in, bool offsets = true) {
  Normalizer::Options o;
  o.keep_offsets = offsets;
  auto n = Normalizer::Create(o);
  EXPECT_TRUE(n.ok());
  auto out = n->Normalize(in);
  EXPECT_TRUE(out.ok());
  return *out;
}

TEST(NormalizerTest, CaseFoldsAndAppliesNfkc) {
  EXPECT_EQ(Norm("Hello WORLD").text, "hello world");
  EXPECT_EQ(Norm("\xef\xac\x81nance").text, "finance");      // U+FB01 ligature
  EXPECT_EQ(Norm("Stra\xc3\x9f" "e").text, "strasse");       // sharp s folds
  EXPECT_EQ(Norm("\xef\xbc\xa1\xef\xbc\xa2").text, "ab");    // fullwidth A B
  EXPECT_EQ(Norm("\xe2\x91\xa0").text, "1");                  // circled 1
}

TEST(NormalizerTest, ComposesCombiningSequences) {
  // "e" + COMBINING ACUTE and the precomposed U+00E9 normalize the same.
  EXPECT_EQ(Norm("caf" "e\xcc\x81").text, Norm("caf\xc3\xa9").text);
  EXPECT_EQ(Norm("caf\xc3\xa9").text, "caf\xc3\xa9");
  // Marks in non-canonical order are reordered before composing.
  EXPECT_EQ(Norm("a\xcc\xa3\xcc\x81").text, Norm("a\xcc\x81\xcc\xa3").text);
}

TEST(NormalizerTest, FoldsWhitespaceAndTrims) {
  EXPECT_EQ(Norm("  a \t\n\r b\xc2\xa0\xe2\x80\x83" "c  ").text, "a b c");
  EXPECT_EQ(Norm("").text, "");
  EXPECT_EQ(Norm(" \n\t ").text, "");
}

TEST(NormalizerTest, FoldsQuotesAndDashes) {
  EXPECT_EQ(Norm("\xe2\x80\x9cWe're\xe2\x80\x9d \xe2\x80\x94 it\xe2\x80\x99s").text,
            "\"we're\" - it's");
}

TEST(NormalizerTest, RepairsAndCountsInvalidUtf8) {
  // A stray continuation byte, an overlong NUL, a surrogate, a truncated
  // 3-byte sequence and a byte that never starts UTF-8.
  const std::string bad = "a\x80" "b\xc0\x80" "c\xed\xa0\x80" "d\xe2\x82" "e\xff";
  const NormalizedText n = Norm(bad);
  EXPECT_EQ(n.invalid_sequences, 8u);  // maximal subparts, one U+FFFD each
  EXPECT_NE(n.text.find("a\xef\xbf\xbd" "b"), std::string::npos);
  EXPECT_NE(n.text.find("d\xef\xbf\xbd" "e"), std::string::npos);
  EXPECT_EQ(n.text.substr(n.text.size() - 3), "\xef\xbf\xbd");
  // Nothing is dropped: every letter survives.
  for (char c : std::string("abcde")) EXPECT_NE(n.text.find(c), std::string::npos);
}

// Invalid sequences and the number of U+FFFD each becomes under the
// maximal-subpart rule (Unicode 3.9, table 3-8 and the examples after it).
struct Utf8Case {
  const char* bytes;
  const char* repaired;
};
constexpr Utf8Case kUtf8Cases[] = {
    {"ok \xc3\xa9", "ok \xc3\xa9"},
    {"a\xffz", "a\uFFFDz"},
    {"a\xe2\x82", "a\uFFFD"},  // truncated: one subpart
    {"\xe2\x82z", "\uFFFDz"},
    {"\xf0\x9f\x98", "\uFFFD"},                        // truncated 4-byte
    {"\xed\xa0\x80", "\uFFFD\uFFFD\uFFFD"},            // a surrogate
    {"\xc0\xaf", "\uFFFD\uFFFD"},                      // overlong '/'
    {"\xe0\x80\xaf", "\uFFFD\uFFFD\uFFFD"},            // overlong, 3 bytes
    {"\xf4\x90\x80\x80", "\uFFFD\uFFFD\uFFFD\uFFFD"},  // past U+10FFFF
    {"\xf5\x80", "\uFFFD\uFFFD"},
    {"\x80\x80\x80", "\uFFFD\uFFFD\uFFFD"},          // stray continuations
    {"\xe2\x82\xe2\x82\xac", "\uFFFD\xe2\x82\xac"},  // a truncated euro, a euro
    {"\xc3\xc3\xa9", "\uFFFD\xc3\xa9"},
    {"\xf0\x90\x80z\xf0\x90\x80\x80", "\uFFFDz\xf0\x90\x80\x80"},
    // The example of Unicode 3.9 table 3-8: eight replacements.
    {"\x61\xf1\x80\x80\xe1\x80\xc2\x62\x80\x63\x80\xbf\x64",
     "a\uFFFD\uFFFD\uFFFDb\uFFFDc\uFFFD\uFFFDd"},
};

size_t Replacements(std::string_view s) {
  size_t n = 0;
  for (size_t i = s.find("\uFFFD"); i != std::string_view::npos;
       i = s.find("\uFFFD", i + 1)) {
    ++n;
  }
  return n;
}

TEST(Utf8Test, RepairReplacesEachMaximalSubpart) {
  for (const Utf8Case& c : kUtf8Cases) {
    EXPECT_EQ(RepairUtf8(c.bytes), c.repaired) << c.bytes;
  }
  EXPECT_EQ(RepairUtf8(""), "");
}

TEST(Utf8Test, DecodeGivesTheCodePointOrTheSubpartLength) {
  EXPECT_EQ(DecodeUtf8("").bytes, 0u);
  EXPECT_EQ(DecodeUtf8("a").code_point, 'a');
  EXPECT_EQ(DecodeUtf8("\xe2\x82\xac").code_point, 0x20AC);
  EXPECT_EQ(DecodeUtf8("\xe2\x82\xac").bytes, 3u);
  EXPECT_EQ(DecodeUtf8("\xf4\x8f\xbf\xbf").code_point, 0x10FFFF);
  EXPECT_EQ(DecodeUtf8("\xf0\x9f\x98z").code_point, -1);
  EXPECT_EQ(DecodeUtf8("\xf0\x9f\x98z").bytes, 3u);
  EXPECT_EQ(DecodeUtf8("\xed\xa0\x80").bytes, 1u);
}

// The normaliser with its folding off makes exactly RepairUtf8's
// replacements, and counts them.
TEST(Utf8Test, NormalizerAndRepairAgree) {
  Normalizer::Options o;
  o.nfkc = o.case_fold = o.fold_whitespace = o.fold_punctuation = false;
  auto n = Normalizer::Create(o);
  ASSERT_TRUE(n.ok());
  for (const Utf8Case& c : kUtf8Cases) {
    auto out = n->Normalize(c.bytes);
    ASSERT_TRUE(out.ok());
    EXPECT_EQ(out->text, c.repaired) << c.bytes;
    EXPECT_EQ(out->invalid_sequences, Replacements(c.repaired)) << c.bytes;
    // The default normaliser counts the same replacements.
    EXPECT_EQ(Norm(c.bytes).invalid_sequences, Replacements(c.repaired));
  }
  // On random bytes the counts agree (the text may differ: folding).
  std::mt19937 rng(17);
  for (int trial = 0; trial < 5000; ++trial) {
    std::string s(rng() % 12, '\0');
    for (char& ch : s) ch = static_cast<char>(0x7F + rng() % 0x81);
    ASSERT_EQ(Norm(s).invalid_sequences,
              Replacements(RepairUtf8(s)) - Replacements(s))
        << s;
  }
}

// Found by tests/fuzz/normalize_fuzzer: a run of more than 64 combining
// marks that goes on after a space mapped its tail past the space, so the
// offsets went backwards.
TEST(NormalizerTest, OffsetsAscendThroughLongRunsOfMarks) {
  std::string in = "z";
  for (int i = 0; i < 40; ++i) in += "\xcc\x81";
  in += '\0';
  for (int i = 0; i < 40; ++i) in += "\xcc\x96";
  in += "\xcc";  // a truncated sequence: U+FFFD, a starter
  const NormalizedText n = Norm(in);
  ASSERT_EQ(n.source_offset.size(), n.text.size() + 1);
  EXPECT_TRUE(std::is_sorted(n.source_offset.begin(), n.source_offset.end()));
}

TEST(NormalizerTest, NulBytesAreSeparatorsAndCounted) {
  const NormalizedText n = Norm(std::string("one\0two\0\0three", 14));
  EXPECT_EQ(n.text, "one two three");
  EXPECT_EQ(n.nul_bytes, 3u);
}

TEST(NormalizerTest, OffsetsMapBackToOriginalBytes) {
  // Multi-byte characters, a ligature that expands, an invalid byte, and a
  // decomposed accent that composes.
  const std::string in = "\xe2\x80\x9cSochi\xe2\x80\x9d, \xef\xac\x81ne \xff Jos" "e\xcc\x81!";
  const NormalizedText n = Norm(in);
  ASSERT_EQ(n.source_offset.size(), n.text.size() + 1);
  auto original = [&](std::string_view word) {
    const size_t b = n.text.find(word);
    EXPECT_NE(b, std::string::npos) << word;
    const auto [sb, se] = n.SourceRange(b, b + word.size());
    return in.substr(sb, se - sb);
  };
  EXPECT_EQ(original("sochi"), "Sochi");
  EXPECT_EQ(original("fine"), "\xef\xac\x81ne");
  EXPECT_EQ(original("jos\xc3\xa9"), "Jos" "e\xcc\x81");
  EXPECT_EQ(n.source_offset.back(), in.size());
  // Offsets never decrease.
  for (size_t i = 1; i < n.source_offset.size(); ++i) {
    EXPECT_LE(n.source_offset[i - 1], n.source_offset[i]);
  }
}

TEST(NormalizerTest, OptionsTurnStepsOff) {
  Normalizer::Options o;
  o.case_fold = false;
  o.fold_punctuation = false;
  auto n = Normalizer::Create(o);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->Normalize("A \xe2\x80\x94 B")->text, "A \xe2\x80\x94 B");
}

TEST(NormalizerTest, ReusesBuffersAcrossCalls) {
  auto n = Normalizer::Create({});
  ASSERT_TRUE(n.ok());
  NormalizedText out;
  ASSERT_TRUE(n->Normalize("a long first text with many words", out).ok());
  ASSERT_TRUE(n->Normalize("B", out).ok());
  EXPECT_EQ(out.text, "b");
  EXPECT_TRUE(out.source_offset.empty());
}

}  // namespace
}  // namespace mimeo

namespace mimeo {
namespace {

TEST(NormalizerTest, DropsDefaultIgnorables) {
  auto n = Normalizer::Create({});
  ASSERT_TRUE(n.ok());
  // Soft hyphen, zero-width space, byte order mark.
  EXPECT_EQ(n->Normalize("co\xc2\xad" "op\xe2\x80\x8b" "s\xef\xbb\xbf")->text, "coops");
}

}  // namespace
}  // namespace mimeo

namespace mimeo {
namespace {

// The ASCII fast paths (8 bytes at a time in the normalizer, 64 in the
// tokenizer) against a byte-by-byte model of the rules, on random mixes of
// letters, digits, single and repeated spaces, tabs, newlines, NULs and
// other control characters, with offsets.
TEST(NormalizerTest, AsciiFastPathMatchesTheRules) {
  std::mt19937_64 rng(17);
  const std::string alphabet =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
      "     .,;'\"-!?\t\n\r";
  Normalizer::Options o;
  o.keep_offsets = true;
  auto n = *Normalizer::Create(o);
  for (int round = 0; round < 2000; ++round) {
    std::string in(rng() % 200, ' ');
    for (char& c : in) {
      const uint64_t r = rng() % 100;
      c = r < 2 ? static_cast<char>(rng() % 32) : r < 3 ? '\x7f'
                                                       : alphabet[rng() % alphabet.size()];
    }
    std::string want;
    std::vector<uint32_t> want_off;
    bool pending = false;
    uint32_t pending_src = 0;
    for (size_t i = 0; i < in.size(); ++i) {
      const unsigned char c = static_cast<unsigned char>(in[i]);
      if (c <= 0x20 || c == 0x7f) {
        if (!pending) pending_src = static_cast<uint32_t>(i);
        pending = true;
        continue;
      }
      if (pending && !want.empty()) {
        want += ' ';
        want_off.push_back(pending_src);
      }
      pending = false;
      want += static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
      want_off.push_back(static_cast<uint32_t>(i));
    }
    want_off.push_back(static_cast<uint32_t>(in.size()));
    NormalizedText out;
    ASSERT_TRUE(n.Normalize(in, out).ok());
    ASSERT_EQ(out.text, want) << "round " << round;
    ASSERT_EQ(out.source_offset, want_off) << "round " << round;
  }
}

}  // namespace
}  // namespace mimeo
