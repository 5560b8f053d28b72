#include "mimeo/align.h"

#include <random>
#include <set>

#include "gtest/gtest.h"
#include "test_util.h"

namespace mimeo {
namespace {

Aligner MakeAligner(int min_passage = 8, int max_gap = 0) {
  Aligner::Options o;
  o.min_passage_tokens = min_passage;
  o.max_gap_tokens = max_gap;
  auto a = Aligner::Create(o, {}, {}, {});
  EXPECT_TRUE(a.ok()) << a.status();
  return std::move(*a);
}

std::vector<Passage> Align(const Aligner& aligner, const std::string& a,
                           const std::string& b) {
  AlignedText ta, tb;
  EXPECT_TRUE(aligner.Prepare(a, ta).ok());
  EXPECT_TRUE(aligner.Prepare(b, tb).ok());
  return aligner.Align(ta, tb);
}

std::string_view Cut(const std::string& s, uint32_t b, uint32_t e) {
  return std::string_view(s).substr(b, e - b);
}

TEST(AlignTest, FindsThePlantedPassageAtItsExactBytes) {
  std::mt19937_64 rng(1);
  const std::string quote =
      "\"We're going to have to do more work after Sochi,\" the spokeswoman said";
  const std::string a = testing::RandomText(rng, 200) + ". " + quote + ". " +
                        testing::RandomText(rng, 100);
  const std::string b = testing::RandomText(rng, 50) + " -- " + quote + "! " +
                        testing::RandomText(rng, 300);
  const Aligner aligner = MakeAligner();
  const auto p = Align(aligner, a, b);
  ASSERT_EQ(p.size(), 1u);
  // Tokens are words: the passage runs from the first word to the last,
  // without the opening quote mark.
  EXPECT_EQ(Cut(a, p[0].a_begin, p[0].a_end), quote.substr(1));
  EXPECT_EQ(Cut(b, p[0].b_begin, p[0].b_end), quote.substr(1));
  EXPECT_EQ(p[0].a_tokens(), 14u);
  EXPECT_EQ(p[0].b_tokens(), 14u);
  EXPECT_EQ(p[0].a_words, 14u);
  EXPECT_EQ(p[0].b_words, 14u);
}

// Offsets point into the original bytes, whatever normalization did:
// multi-byte characters, case, compatibility forms, repaired invalid bytes.
TEST(AlignTest, OffsetsRoundTripToTheOriginalBytes) {
  const std::string shared_a =
      "Die Δημοκρατία und das Café in Zürich \xEF\xAC\x81nden sich am Ufer "
      "des Sees, sagte der Bürgermeister am Dienstag";
  // The same passage in capitals, with a broken byte inside a word of the
  // surrounding text and the "fi" ligature spelled out.
  const std::string shared_b =
      "DIE ΔΗΜΟΚΡΑΤΊΑ UND DAS CAFÉ IN ZÜRICH FINDEN SICH AM UFER DES SEES, "
      "SAGTE DER BÜRGERMEISTER AM DIENSTAG";
  const std::string a = "Vorher \xC3 etwas anderes. " + shared_a + " und danach.";
  const std::string b = "Ganz andere Einleitung hier. " + shared_b + "\xFF Ende.";
  const Aligner aligner = MakeAligner();
  const auto p = Align(aligner, a, b);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(Cut(a, p[0].a_begin, p[0].a_end), shared_a);
  EXPECT_EQ(Cut(b, p[0].b_begin, p[0].b_end), shared_b);
}

TEST(AlignTest, PassagesShorterThanTheMinimumAreDropped) {
  const std::string a = "one two three four five six seven alpha beta gamma";
  const std::string b = "zero one two three four five six seven omega";
  EXPECT_EQ(Align(MakeAligner(8), a, b).size(), 0u);  // 7 tokens shared
  const auto p = Align(MakeAligner(7), a, b);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(Cut(a, p[0].a_begin, p[0].a_end), "one two three four five six seven");
}

// Letters of scripts written without spaces are tokens of their own; two
// of them weigh one word in a passage's length.
TEST(AlignTest, LettersOfUnspacedScriptsWeighHalfAWord) {
  // Ideographs U+4E00 + i, as UTF-8.
  const auto han = [](int from, int n) {
    std::string s;
    for (int i = from; i < from + n; ++i) {
      const char32_t cp = 0x4e00 + static_cast<char32_t>(i * 7);
      s += static_cast<char>(0xe0 | (cp >> 12));
      s += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      s += static_cast<char>(0x80 | (cp & 0x3f));
    }
    return s;
  };
  const std::string other_a = han(500, 30) + "\u3002";
  const std::string other_b = "\u3002" + han(900, 30);
  // 15 letters: seven and a half words, under eight.
  EXPECT_EQ(Align(MakeAligner(8), other_a + han(0, 15) + other_b,
                  han(300, 5) + "\u3002" + han(0, 15) + "\u3002" + han(700, 5))
                .size(),
            0u);
  // 16 letters: eight words.
  const std::string quote = han(0, 16);
  const std::string a = other_a + quote + other_b;
  auto p = Align(MakeAligner(8), a,
                 han(300, 5) + "\u3002" + quote + "\u3002" + han(700, 5));
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(Cut(a, p[0].a_begin, p[0].a_end), quote);
  EXPECT_EQ(p[0].a_tokens(), 16u);
  EXPECT_EQ(p[0].a_words, 8u);
  EXPECT_EQ(p[0].b_words, 8u);
  EXPECT_EQ(p[0].Mirrored().a_words, 8u);
  // Words and letters mixed: 4 words and 8 letters are 8.
  const std::string mixed = "alpha beta gamma delta " + han(0, 8);
  p = Align(MakeAligner(8), "x y z " + mixed + " " + other_b,
            mixed + " omega psi " + other_a);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].a_tokens(), 12u);
  EXPECT_EQ(p[0].a_words, 8u);
  const std::string short_mixed = "alpha beta gamma delta " + han(0, 7);
  EXPECT_EQ(Align(MakeAligner(8), "x y z " + short_mixed + " " + other_b,
                  short_mixed + " omega psi " + other_a)
                .size(),
            0u);
  // letters_per_word 1: each letter a word, as other tokens.
  Aligner::Options o;
  o.letters_per_word = 1;
  auto each = Aligner::Create(o, {}, {}, {});
  ASSERT_TRUE(each.ok());
  EXPECT_EQ(Align(*each, other_a + han(0, 9) + other_b,
                  han(300, 5) + "\u3002" + han(0, 9) + "\u3002" + han(700, 5))
                .size(),
            1u);
}

TEST(AlignTest, GapsSplitPassagesUnlessBridged) {
  std::mt19937_64 rng(2);
  const std::string left = "the first half of a copied sentence runs on here and";
  const std::string right = "then the second half follows it to the very end of the story";
  const std::string a = testing::RandomText(rng, 40) + " " + left + " EDITED " +
                        right + " " + testing::RandomText(rng, 40);
  const std::string b = testing::RandomText(rng, 40) + " " + left + " original " +
                        right + " " + testing::RandomText(rng, 40);
  const auto exact = Align(MakeAligner(8, 0), a, b);
  ASSERT_EQ(exact.size(), 2u);
  EXPECT_EQ(Cut(a, exact[0].a_begin, exact[0].a_end), left);
  EXPECT_EQ(Cut(a, exact[1].a_begin, exact[1].a_end), right);
  const auto bridged = Align(MakeAligner(8, 2), a, b);
  ASSERT_EQ(bridged.size(), 1u);
  EXPECT_EQ(Cut(a, bridged[0].a_begin, bridged[0].a_end),
            left + " EDITED " + right);
  EXPECT_EQ(Cut(b, bridged[0].b_begin, bridged[0].b_end),
            left + " original " + right);
}

TEST(AlignTest, RepeatedAndReorderedPassages) {
  const std::string p1 = "a first passage that is long enough to be reported by itself";
  const std::string p2 = "and a second one which also runs well past the minimum length";
  // B holds p2 then p1, and p1 twice.
  const std::string a = "intro " + p1 + " middle " + p2 + " outro";
  const std::string b = "lead " + p2 + " then " + p1 + " again " + p1 + " end";
  const auto p = Align(MakeAligner(), a, b);
  ASSERT_EQ(p.size(), 3u);
  for (const Passage& s : p) {
    EXPECT_EQ(Cut(a, s.a_begin, s.a_end), Cut(b, s.b_begin, s.b_end));
  }
  EXPECT_EQ(Cut(a, p[0].a_begin, p[0].a_end), p1);
  EXPECT_EQ(Cut(a, p[1].a_begin, p[1].a_end), p1);
  EXPECT_NE(p[0].b_begin, p[1].b_begin);
  EXPECT_EQ(Cut(a, p[2].a_begin, p[2].a_end), p2);
}

TEST(AlignTest, TextBothRepeatIsReportedOncePerOccurrence) {
  // A code sample four times in A and three in B, between different words:
  // each occurrence is in a passage, and no two passages are the same
  // occurrence on both sides (4 + 3 - 1 pairings, not 4 x 3).
  const std::string sample =
      "module exports equals module rules test use loader options";
  std::string a = "alpha", b = "omega";
  const char* between[] = {"one", "two", "three", "four"};
  for (int i = 0; i < 4; ++i) a += " " + sample + " " + between[i];
  for (int i = 0; i < 3; ++i) b += " " + sample + " " + between[3 - i] + "x";
  const auto p = Align(MakeAligner(), a, b);
  EXPECT_EQ(p.size(), 6u);
  std::set<uint32_t> in_a, in_b;
  std::set<std::pair<uint32_t, uint32_t>> pairs;
  for (const Passage& s : p) {
    EXPECT_EQ(Cut(a, s.a_begin, s.a_end), sample);
    EXPECT_EQ(Cut(b, s.b_begin, s.b_end), sample);
    in_a.insert(s.a_begin);
    in_b.insert(s.b_begin);
    EXPECT_TRUE(pairs.insert({s.a_begin, s.b_begin}).second);
  }
  EXPECT_EQ(in_a.size(), 4u);
  EXPECT_EQ(in_b.size(), 3u);
}

TEST(AlignTest, EmptyAndDisjointTexts) {
  const Aligner aligner = MakeAligner();
  EXPECT_TRUE(Align(aligner, "", "some words here").empty());
  EXPECT_TRUE(Align(aligner, "", "").empty());
  std::mt19937_64 rng(3);
  const std::string a = testing::RandomText(rng, 500);
  EXPECT_TRUE(Align(aligner, a, "nothing in common with that at all, really, "
                                "not one run of eight words").empty());
  // A text against itself is one passage of all of it.
  const auto self = Align(aligner, a, a);
  ASSERT_FALSE(self.empty());
  EXPECT_EQ(self[0].a_begin, 0u);
  EXPECT_EQ(self[0].a_end, a.size());
}

// The fields Align() sets, for comparing two answers.
std::vector<std::vector<uint32_t>> Fields(const std::vector<Passage>& ps) {
  std::vector<std::vector<uint32_t>> out;
  for (const Passage& p : ps) {
    out.push_back({p.a_begin, p.a_end, p.b_begin, p.b_end, p.a_token_begin,
                   p.a_token_end, p.b_token_begin, p.b_token_end,
                   p.shared_shingles});
  }
  return out;
}

TEST(AlignTest, AnIndexedTextAlignsAsAFreshOne) {
  Aligner::Options o;
  o.max_repeats = 3;  // the chant below repeats past it
  auto made = Aligner::Create(o, {}, {}, {});
  ASSERT_TRUE(made.ok());
  const Aligner& aligner = *made;
  std::mt19937_64 rng(11);
  const std::string shared = testing::RandomText(rng, 40);
  const std::string chant = " la la la la la la la la la la la la ";
  for (int round = 0; round < 20; ++round) {
    const std::string a = testing::RandomText(rng, 60) + " " + shared + chant +
                          testing::RandomText(rng, 30) + " " + shared;
    AlignedText ta, indexed;
    ASSERT_TRUE(aligner.Prepare(a, ta).ok());
    ASSERT_TRUE(aligner.Prepare(a, indexed).ok());
    EXPECT_FALSE(indexed.seeds.built());
    aligner.IndexSeeds(indexed);
    EXPECT_TRUE(indexed.seeds.built());
    for (int k = 0; k < 5; ++k) {
      const std::string b = testing::RandomText(rng, 20 + 10 * k) + chant +
                            " " + shared + " " + testing::RandomText(rng, 15);
      AlignedText tb;
      ASSERT_TRUE(aligner.Prepare(b, tb).ok());
      const auto fresh = aligner.Align(ta, tb);
      EXPECT_FALSE(fresh.empty());
      EXPECT_EQ(Fields(aligner.Align(indexed, tb)), Fields(fresh));
    }
  }
}

TEST(AlignTest, PreparingAgainDropsTheSeedIndex) {
  const Aligner aligner = MakeAligner();
  std::mt19937_64 rng(5);
  const std::string shared = testing::RandomText(rng, 30);
  const std::string b = testing::RandomText(rng, 20) + " " + shared;
  AlignedText ta, tb;
  ASSERT_TRUE(aligner.Prepare(testing::RandomText(rng, 50), ta).ok());
  aligner.IndexSeeds(ta);
  // The same buffers, another text: its own seeds, not the last text's.
  const std::string a = shared + " " + testing::RandomText(rng, 10);
  ASSERT_TRUE(aligner.Prepare(a, ta).ok());
  EXPECT_FALSE(ta.seeds.built());
  ASSERT_TRUE(aligner.Prepare(b, tb).ok());
  const auto p = aligner.Align(ta, tb);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(Cut(a, p[0].a_begin, p[0].a_end), Cut(b, p[0].b_begin, p[0].b_end));
}

TEST(AlignTest, LongTextsFindTheirWholeSharedPassage) {
  // Long texts make a large seed index; every shingle of the shared run
  // must still be seen in it, or the passage comes out cut or missing.
  const Aligner aligner = MakeAligner();
  std::mt19937_64 rng(17);
  for (int words : {50, 3000, 40000}) {
    const std::string shared = testing::RandomText(rng, 200);
    const std::string a = testing::RandomText(rng, words) + " " + shared +
                          " " + testing::RandomText(rng, words);
    const std::string b = testing::RandomText(rng, words / 2) + " " + shared +
                          " " + testing::RandomText(rng, 10);
    AlignedText ta, tb;
    ASSERT_TRUE(aligner.Prepare(a, ta).ok());
    ASSERT_TRUE(aligner.Prepare(b, tb).ok());
    for (bool indexed : {false, true}) {
      if (indexed) aligner.IndexSeeds(ta);
      const auto p = aligner.Align(ta, tb);
      ASSERT_EQ(p.size(), 1u) << words;
      EXPECT_EQ(p[0].a_tokens(), 200u) << words;
      EXPECT_EQ(Cut(a, p[0].a_begin, p[0].a_end), shared) << words;
      EXPECT_EQ(Cut(b, p[0].b_begin, p[0].b_end), shared) << words;
    }
  }
  // An empty text indexed aligns with nothing.
  AlignedText empty, other;
  ASSERT_TRUE(aligner.Prepare("", empty).ok());
  aligner.IndexSeeds(empty);
  ASSERT_TRUE(aligner.Prepare(testing::RandomText(rng, 30), other).ok());
  EXPECT_TRUE(aligner.Align(empty, other).empty());
  EXPECT_TRUE(aligner.Align(other, empty).empty());
}

TEST(AlignTest, ValidatesOptions) {
  Aligner::Options o;
  o.min_passage_tokens = 0;
  EXPECT_FALSE(Aligner::Create(o, {}, {}, {}).ok());
  o = {};
  o.max_gap_tokens = -1;
  EXPECT_FALSE(Aligner::Create(o, {}, {}, {}).ok());
  o = {};
  o.max_repeats = 0;
  EXPECT_FALSE(Aligner::Create(o, {}, {}, {}).ok());
  o = {};
  o.letters_per_word = 0;
  EXPECT_FALSE(Aligner::Create(o, {}, {}, {}).ok());
}

}  // namespace
}  // namespace mimeo
