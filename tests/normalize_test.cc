#include "mimeo/normalize.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "internal/minhash_kernels.h"
#include "internal/text_kernels.h"
#include "test_util.h"
#include "text_samples.h"

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

// The normalizer's ASCII paths (64 bytes at a time for stretches of 16
// bytes or more) against a byte-by-byte model of the rules, on random mixes of
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

// Every SIMD target classifies and folds bytes as the scalar reference
// does, for texts of every length around the 64-byte block (the last
// block short, its padding's bits clear), of any bytes or of ASCII.
TEST(TextKernelTest, FoldAsciiTargetsMatchScalarReference) {
  const std::vector<std::string> targets = internal::MinHashTargets();
  ASSERT_FALSE(targets.empty());
  std::mt19937_64 rng(29);
  for (size_t n = 0; n <= 300; n += n < 140 ? 1 : 37) {
    for (int kind = 0; kind < 2; ++kind) {
      std::string text = kind == 0 ? std::string(n, ' ')
                                   : testing::RandomAscii(rng, n, true);
      if (kind == 0) {
        for (char& c : text) c = static_cast<char>(rng());
      }
      const auto* p = reinterpret_cast<const uint8_t*>(text.data());
      const size_t blocks = (n + 63) / 64;
      for (bool case_fold : {false, true}) {
        std::vector<uint8_t> want(blocks * 64), got(blocks * 64);
        std::vector<uint64_t> want_masks(3 * blocks), got_masks(3 * blocks);
        internal::FoldAsciiScalar(p, n, case_fold, want.data(),
                                  want_masks.data(), want_masks.data() + blocks,
                                  want_masks.data() + 2 * blocks);
        for (size_t t = 0; t < targets.size(); ++t) {
          std::fill(got_masks.begin(), got_masks.end(), 0x5555);
          internal::FoldAsciiOnTarget(t, p, n, case_fold, got.data(),
                                      got_masks.data(),
                                      got_masks.data() + blocks,
                                      got_masks.data() + 2 * blocks);
          EXPECT_EQ(got_masks, want_masks)
              << targets[t] << " n " << n << " kind " << kind;
          for (size_t i = 0; i < n; ++i) {
            if (p[i] >= 0x80) continue;  // unspecified
            ASSERT_EQ(got[i], want[i]) << targets[t] << " n " << n << " at "
                                       << i << " kind " << kind;
          }
        }
      }
    }
  }
}

// Normalize() and the byte-by-byte reference give the same text, offsets
// and counts.
// `what` names the text in a failure.
void ExpectSameAsByteByByte(const Normalizer::Options& o, std::string_view in,
                            std::string_view what) {
  auto n = *Normalizer::Create(o);
  NormalizedText got, want;
  ASSERT_TRUE(n.Normalize(in, got).ok());
  ASSERT_TRUE(internal::NormalizeByteByByte(o, in, want).ok());
  ASSERT_EQ(got.text, want.text) << what << " '" << in << "'";
  ASSERT_EQ(got.source_offset, want.source_offset) << what;
  ASSERT_EQ(got.invalid_sequences, want.invalid_sequences) << what;
  ASSERT_EQ(got.nul_bytes, want.nul_bytes) << what;
}

// Every combination of options, each on random messy text and on
// stretches of ASCII of every length around the block and chunk sizes:
// the block path changes nothing the byte-by-byte path gives.
TEST(NormalizerTest, BlockPathMatchesByteByByte) {
  std::mt19937_64 rng(31);
  std::vector<std::string> texts = testing::AsciiStretches(rng);
  for (int k = 0; k < 3000; ++k) texts.push_back(testing::RandomMessyText(rng));
  for (int mask = 0; mask < 32; ++mask) {
    Normalizer::Options o;
    o.nfkc = (mask & 1) != 0;
    o.case_fold = (mask & 2) != 0;
    o.fold_whitespace = (mask & 4) != 0;
    o.fold_punctuation = (mask & 8) != 0;
    o.keep_offsets = (mask & 16) != 0;
    SCOPED_TRACE("options " + std::to_string(mask));
    for (size_t k = 0; k < texts.size(); ++k) {
      ExpectSameAsByteByByte(o, texts[k], "text " + std::to_string(k));
      if (::testing::Test::HasFatalFailure()) return;
    }
  }
}

// The same on every bbc-news article, with and without offsets.
TEST(NormalizerTest, BlockPathMatchesByteByByteOnBbcNews) {
  const std::string root = testing::SharedDatasets();
  const std::filesystem::path dir = std::filesystem::path(root) / "bbc-news";
  std::error_code ec;
  if (root.empty() || !std::filesystem::is_directory(dir, ec)) {
    GTEST_SKIP() << "../shared/datasets/bbc-news absent";
  }
  Normalizer::Options plain, offsets;
  offsets.keep_offsets = true;
  size_t files = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file() || e.path().extension() != ".txt") continue;
    const std::string text = testing::ReadFile(e.path());
    ExpectSameAsByteByByte(plain, text, e.path().string());
    ExpectSameAsByteByByte(offsets, text, e.path().string());
    if (::testing::Test::HasFatalFailure()) return;
    ++files;
  }
  EXPECT_GT(files, 2000u);
}

// Where a combining mark after ASCII whitespace goes depends on the
// length of the whitespace, as it always has: after one space (which the
// general path takes, as the last byte before a non-ASCII one) the mark
// joins the letter before the space; after two, the ASCII path has
// written the letter out and the mark stays after the space. The block
// path must keep both.
// A combining mark after whitespace stays after it, whatever the
// whitespace: folded whitespace of any length normalizes alike. It maps
// back to its own bytes, after the space's.
TEST(NormalizerTest, MarkAfterSpacesStaysAfterThemWhateverTheirLength) {
  for (const char* space : {" ", "  ", "\t\n\n ", "\xc2\xa0", " \xc2\xa0 "}) {
    for (const char* before : {"\xc3\xa9", "e", "\xe6\x97\xa5"}) {
      SCOPED_TRACE(::testing::Message() << "'" << before << space << "'");
      const std::string input =
          std::string(before) + space + "\xcc\x81x";
      NormalizedText out = Norm(input);
      EXPECT_EQ(out.text, std::string(before) + " \xcc\x81x");
      ASSERT_EQ(out.source_offset.size(), out.text.size() + 1);
      const size_t mark = std::strlen(before) + 1;
      EXPECT_EQ(out.source_offset[mark], input.size() - 3);
      EXPECT_LT(out.source_offset[mark - 1], out.source_offset[mark]);
    }
  }
}

}  // namespace
}  // namespace mimeo
