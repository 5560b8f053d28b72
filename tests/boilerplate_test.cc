// Boilerplate: the common-shingle model, the passage judge, and the three
// corpora the engine must get right by default: a passage many documents
// quote, a footer on many documents, and a chain through a footer-only stub.
#include "mimeo/boilerplate.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "gtest/gtest.h"
#include "mimeo/engine.h"
#include "test_util.h"

namespace mimeo {
namespace {

CommonShingles MakeCommon(uint32_t min_docs, double fraction) {
  CommonShingles::Options o;
  o.min_docs = min_docs;
  o.fraction = fraction;
  auto c = CommonShingles::Create(o);
  EXPECT_TRUE(c.ok()) << c.status();
  return std::move(*c);
}

TEST(CommonShinglesTest, CountsExactlyAgainstAPlainCount) {
  std::mt19937_64 rng(3);
  // 3,000 sets drawing from a small pool, so that many values repeat
  // across sets at every frequency, and some sets are empty (removed).
  std::vector<uint64_t> pool(20000);
  for (auto& x : pool) x = rng();
  std::vector<std::vector<uint64_t>> sets(3000);
  for (size_t d = 0; d < sets.size(); ++d) {
    if (d % 97 == 0) continue;
    const size_t n = 1 + rng() % 200;
    for (size_t i = 0; i < n; ++i) {
      // Skewed towards the start of the pool.
      const size_t k =
          static_cast<size_t>(pool.size() * std::pow((rng() % 10000) / 1e4, 3));
      sets[d].push_back(pool[k]);
    }
    std::sort(sets[d].begin(), sets[d].end());
    sets[d].erase(std::unique(sets[d].begin(), sets[d].end()), sets[d].end());
  }
  absl::flat_hash_map<uint64_t, uint32_t> df;
  uint64_t nonempty = 0;
  for (const auto& s : sets) {
    nonempty += !s.empty();
    for (uint64_t h : s) ++df[h];
  }
  CommonShingles common = MakeCommon(20, 0.01);
  common.Build(sets.size(),
               [&](size_t d) { return absl::MakeConstSpan(sets[d]); });
  EXPECT_EQ(common.documents(), nonempty);
  EXPECT_EQ(common.threshold(), std::max<uint32_t>(20, (nonempty + 99) / 100));
  size_t want = 0;
  for (const auto& [h, n] : df) {
    EXPECT_EQ(common.IsCommon(h), n >= common.threshold()) << h << " in " << n;
    want += n >= common.threshold();
  }
  EXPECT_GT(want, 50u);
  EXPECT_EQ(common.size(), want);
  EXPECT_FALSE(common.IsCommon(rng()));
  for (size_t d = 0; d < 20; ++d) {
    uint64_t n = 0;
    for (uint64_t h : sets[d]) n += df[h] >= common.threshold();
    std::vector<uint64_t> found;
    common.CommonOf(sets[d], found);
    EXPECT_EQ(found.size(), n);
  }
  // Restored from what it gives, the model answers alike.
  const std::vector<uint64_t> sorted = common.Sorted();
  ASSERT_EQ(sorted.size(), want);
  EXPECT_TRUE(std::is_sorted(sorted.begin(), sorted.end()));
  absl::StatusOr<CommonShingles> restored = CommonShingles::Restore(
      common.options(), common.threshold(), common.documents(), sorted);
  ASSERT_TRUE(restored.ok()) << restored.status();
  EXPECT_EQ(restored->threshold(), common.threshold());
  EXPECT_EQ(restored->documents(), common.documents());
  EXPECT_EQ(restored->size(), want);
  for (const auto& [h, n] : df) {
    EXPECT_EQ(restored->IsCommon(h), common.IsCommon(h)) << h;
  }
  for (size_t d = 0; d < 100; ++d) {
    std::vector<uint64_t> a, b;
    common.CommonOf(sets[d], a);
    restored->CommonOf(sets[d], b);
    EXPECT_EQ(a, b) << d;
  }
  // A list that does not ascend is refused, naming where.
  std::vector<uint64_t> swapped = sorted;
  std::swap(swapped[10], swapped[11]);
  absl::StatusOr<CommonShingles> bad = CommonShingles::Restore(
      common.options(), common.threshold(), common.documents(), swapped);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("value 11 of"), std::string::npos)
      << bad.status();
  // Building again from nothing forgets everything.
  common.Build(0, [&](size_t d) { return absl::MakeConstSpan(sets[d]); });
  EXPECT_EQ(common.size(), 0u);
}

// Lists that are not sorted and repeat values (mimeo-mpi's chunks of
// shingle occurrences) count each occurrence, as sorted sets do.
TEST(CommonShinglesTest, CountsOccurrencesOfListsInAnyOrder) {
  std::mt19937_64 rng(8);
  std::vector<uint64_t> pool(3000);
  for (auto& x : pool) x = rng();
  std::vector<uint64_t> occurrences(200000);
  for (auto& x : occurrences) {
    x = pool[static_cast<size_t>(pool.size() * std::pow((rng() % 10000) / 1e4, 4))];
  }
  absl::flat_hash_map<uint64_t, uint32_t> count;
  for (uint64_t h : occurrences) ++count[h];
  constexpr size_t kChunk = 512;
  const size_t chunks = (occurrences.size() + kChunk - 1) / kChunk;
  CommonShingles common = MakeCommon(60, 0);
  common.Build(chunks, [&](size_t c) {
    return absl::MakeConstSpan(occurrences)
        .subspan(c * kChunk, std::min(kChunk, occurrences.size() - c * kChunk));
  });
  size_t want = 0;
  for (const auto& [h, n] : count) {
    EXPECT_EQ(common.IsCommon(h), n >= 60) << h << " occurs " << n;
    want += n >= 60;
  }
  EXPECT_GT(want, 50u);
  EXPECT_LT(want, pool.size());
  EXPECT_EQ(common.size(), want);
}

// Rare values that share a partition and their low bits fill one group of
// the counting filter together: the exact count must still call each rare.
// Beside them, one value held by exactly the threshold's documents and
// one by one fewer, in the same group.
TEST(CommonShinglesTest, ValuesSharingAFilterGroupAreCountedExactly) {
  constexpr uint32_t kThreshold = 20;
  // Same top 12 bits (partition) and low 24 bits (group, table slot).
  const auto value = [](uint64_t i) {
    return (uint64_t{0xABC} << 52) | (i << 24) | 0x5A5A5A;
  };
  std::vector<std::vector<uint64_t>> sets(400);
  for (size_t d = 0; d < sets.size(); ++d) {
    // 100 rare values, each in 4 documents: the group sees 400.
    sets[d].push_back(value(1 + d % 100));
    if (d < kThreshold) sets[d].push_back(value(200));
    if (d < kThreshold - 1) sets[d].push_back(value(300));
    std::sort(sets[d].begin(), sets[d].end());
  }
  CommonShingles common = MakeCommon(kThreshold, 0);
  common.Build(sets.size(),
               [&](size_t d) { return absl::MakeConstSpan(sets[d]); });
  EXPECT_EQ(common.threshold(), kThreshold);
  EXPECT_EQ(common.size(), 1u);
  EXPECT_TRUE(common.IsCommon(value(200)));
  EXPECT_FALSE(common.IsCommon(value(300)));
  for (uint64_t i = 1; i <= 100; ++i) EXPECT_FALSE(common.IsCommon(value(i)));
}

// A threshold above what the filter's bytes count (255) is counted
// exactly too.
TEST(CommonShinglesTest, CountsAThresholdAboveTheFilter) {
  std::vector<std::vector<uint64_t>> sets(1000);
  for (size_t d = 0; d < sets.size(); ++d) {
    if (d < 300) sets[d].push_back(11);
    if (d < 299) sets[d].push_back(22);
    if (d < 600) sets[d].push_back(33);
    sets[d].push_back(1000 + d);
    std::sort(sets[d].begin(), sets[d].end());
  }
  CommonShingles common = MakeCommon(300, 0);
  common.Build(sets.size(),
               [&](size_t d) { return absl::MakeConstSpan(sets[d]); });
  EXPECT_EQ(common.threshold(), 300u);
  EXPECT_EQ(common.size(), 2u);
  EXPECT_TRUE(common.IsCommon(11));
  EXPECT_FALSE(common.IsCommon(22));
  EXPECT_TRUE(common.IsCommon(33));
  EXPECT_FALSE(common.IsCommon(1000));
}

TEST(CommonShinglesTest, ValidatesOptions) {
  CommonShingles::Options o;
  o.min_docs = 1;
  EXPECT_FALSE(CommonShingles::Create(o).ok());
  o = {};
  o.fraction = 1.5;
  EXPECT_FALSE(CommonShingles::Create(o).ok());
}

TEST(PassageJudgeTest, EachRule) {
  auto judge = PassageJudge::Create({});
  ASSERT_TRUE(judge.ok());
  PassageFacts f;
  f.tokens = 30;
  f.pair_tokens = 30;
  f.doc_frequency = 12;
  // A quote twelve of 2,000 documents hold, in the middle of both: copy.
  EXPECT_EQ(judge->Judge(f, 2000), Boilerplate::kNone);
  // The same at the end of both documents: a footer or a signature.
  f.same_edge = true;
  EXPECT_EQ(judge->Judge(f, 2000), Boilerplate::kEdge);
  // At the edge but rare (four documents): copy.
  f.doc_frequency = 4;
  EXPECT_EQ(judge->Judge(f, 2000), Boilerplate::kNone);
  // At the edge and common, but the pair shares a long stretch: copy.
  f.doc_frequency = 12;
  f.pair_tokens = 400;
  EXPECT_EQ(judge->Judge(f, 2000), Boilerplate::kNone);
  // Held by a fifth of the collection: widespread, however long.
  f.same_edge = false;
  f.doc_frequency = 400;
  EXPECT_EQ(judge->Judge(f, 2000), Boilerplate::kWidespread);
  // Widespread means at least max(20, 1% of N).
  f.doc_frequency = 20;
  EXPECT_EQ(judge->Judge(f, 1000), Boilerplate::kWidespread);
  EXPECT_EQ(judge->Judge(f, 5000), Boilerplate::kNone);
  EXPECT_EQ(judge->WidespreadThreshold(5000), 50u);
  EXPECT_EQ(judge->CommonThreshold(100000), 100u);
  // A short common phrase in the middle, where the pair shares little: a
  // stock phrase; the same among long shared text: copy.
  f.doc_frequency = 12;
  f.tokens = 9;
  f.pair_tokens = 9;
  EXPECT_EQ(judge->Judge(f, 2000), Boilerplate::kPhrase);
  f.pair_tokens = 200;
  EXPECT_EQ(judge->Judge(f, 2000), Boilerplate::kNone);
  // Numbers and markup debris that many documents hold, wherever they
  // are; a table two documents alone share is copy.
  f.doc_frequency = 6;
  f.junk_share = 0.8;
  EXPECT_EQ(judge->Judge(f, 2000), Boilerplate::kMarkup);
  f.doc_frequency = 2;
  EXPECT_EQ(judge->Judge(f, 2000), Boilerplate::kNone);
  EXPECT_EQ(BoilerplateName(Boilerplate::kMarkup), "markup");
  // Mostly template fingerprints (on 20+ documents of few sources):
  // a template, however long, wherever it is.
  f.junk_share = 0;
  f.tokens = 60;
  f.pair_tokens = 300;
  f.doc_frequency = 25;
  f.template_share = 0.5;
  EXPECT_EQ(judge->Judge(f, 5000), Boilerplate::kTemplate);
  f.template_share = 0.4;
  EXPECT_EQ(judge->Judge(f, 5000), Boilerplate::kNone);
  EXPECT_EQ(BoilerplateName(Boilerplate::kTemplate), "template");
  // Template text: 20+ documents from at most half as many sources.
  EXPECT_TRUE(judge->IsTemplate(20, 1));
  EXPECT_TRUE(judge->IsTemplate(30, 15));
  EXPECT_FALSE(judge->IsTemplate(30, 16));
  EXPECT_FALSE(judge->IsTemplate(19, 1));
  // ... so the fewest documents that make a template of one source's text
  // are 20, of 16 sources' 32, capped by the caller's bound.
  EXPECT_EQ(judge->TemplateThreshold(1, 1000), 20u);
  EXPECT_EQ(judge->TemplateThreshold(2, 1000), 20u);
  EXPECT_EQ(judge->TemplateThreshold(16, 1000), 32u);
  EXPECT_EQ(judge->TemplateThreshold(16, 25), 25u);
  PassageJudge::Options tenth;
  tenth.template_sources = 0.1;
  auto strict = PassageJudge::Create(tenth);
  for (uint32_t sources : {1u, 3u, 7u, 10u}) {
    const uint32_t from = strict->TemplateThreshold(sources, 1000);
    EXPECT_TRUE(strict->IsTemplate(from, sources)) << sources;
    EXPECT_FALSE(strict->IsTemplate(from - 1, sources)) << sources;
  }
  PassageJudge::Options off;
  off.template_sources = 0;
  EXPECT_FALSE(PassageJudge::Create(off)->IsTemplate(1000, 1));
  EXPECT_EQ(PassageJudge::Create(off)->TemplateThreshold(1, 40), 40u);
}

TEST(PassageJudgeTest, TextPrintedInABurstIsCopy) {
  auto judge = PassageJudge::Create({});
  ASSERT_TRUE(judge.ok());
  constexpr int64_t kDay = 86400;
  // Holders dated over two days of a collection dated over a year: a
  // burst. Over a month, or in a collection of a week, not.
  EXPECT_TRUE(judge->IsBurst(2 * kDay, 365 * kDay));
  EXPECT_TRUE(judge->IsBurst(0, 365 * kDay));
  EXPECT_TRUE(judge->IsBurst(7 * kDay, 365 * kDay));
  EXPECT_FALSE(judge->IsBurst(8 * kDay, 365 * kDay));
  EXPECT_FALSE(judge->IsBurst(30 * kDay, 365 * kDay));
  EXPECT_FALSE(judge->IsBurst(2 * kDay, 7 * kDay));
  EXPECT_FALSE(judge->IsBurst(0, 0));
  // Dates in days: only the eighth of the collection's span applies.
  EXPECT_TRUE(judge->IsBurst(2, 365));
  EXPECT_FALSE(judge->IsBurst(60, 365));
  PassageJudge::Options off;
  off.burst_seconds = 0;
  EXPECT_FALSE(PassageJudge::Create(off)->IsBurst(0, 365 * kDay));
  off.burst_seconds = -1;
  EXPECT_FALSE(PassageJudge::Create(off).ok());

  // A 40-word quote thirty of 5,000 documents hold, every shingle of it
  // common: a stock text, unless its holders came in a burst.
  PassageFacts f;
  f.tokens = 40;
  f.pair_tokens = 40;
  f.doc_frequency = 30;
  f.rare_run_tokens = 0;
  EXPECT_EQ(judge->Judge(f, 5000), Boilerplate::kPhrase);
  f.burst_share = 0.5;
  EXPECT_EQ(judge->Judge(f, 5000), Boilerplate::kNone);
  f.burst_share = 0.4;
  EXPECT_EQ(judge->Judge(f, 5000), Boilerplate::kPhrase);
  // In a burst, but at the same edge of both, shorter than a phrase,
  // widespread or markup: boilerplate still.
  f.burst_share = 1;
  f.same_edge = true;
  EXPECT_EQ(judge->Judge(f, 5000), Boilerplate::kEdge);
  f.same_edge = false;
  f.tokens = f.pair_tokens = 9;
  EXPECT_EQ(judge->Judge(f, 5000), Boilerplate::kPhrase);
  f.tokens = f.pair_tokens = 40;
  // Held by the widespread threshold's documents (50 of 5,000), a story
  // printed at once (the engine counts such text in burst_share only
  // where two sources or more hold it) is copy until it is on
  // BurstWidespreadThreshold's: the smaller of 100 and an eighth of the
  // collection, or the widespread threshold if more.
  EXPECT_EQ(judge->WidespreadThreshold(5000), 50u);
  EXPECT_EQ(judge->BurstWidespreadThreshold(5000), 100u);
  EXPECT_EQ(judge->BurstWidespreadThreshold(400), 50u);
  EXPECT_EQ(judge->BurstWidespreadThreshold(100), 20u);
  EXPECT_EQ(judge->BurstWidespreadThreshold(50000), 500u);
  f.doc_frequency = 50;
  EXPECT_EQ(judge->Judge(f, 5000), Boilerplate::kNone);
  f.doc_frequency = 100;
  EXPECT_EQ(judge->Judge(f, 5000), Boilerplate::kWidespread);
  f.doc_frequency = 50;
  f.burst_share = 0.4;
  EXPECT_EQ(judge->Judge(f, 5000), Boilerplate::kWidespread);
  f.burst_share = 1;
  PassageJudge::Options no_wide_bursts;
  no_wide_bursts.burst_widespread_docs = 0;
  auto strict = PassageJudge::Create(no_wide_bursts);
  ASSERT_TRUE(strict.ok());
  EXPECT_EQ(strict->BurstWidespreadThreshold(5000), 50u);
  EXPECT_EQ(strict->Judge(f, 5000), Boilerplate::kWidespread);
  no_wide_bursts.burst_widespread_docs = 1;
  EXPECT_FALSE(PassageJudge::Create(no_wide_bursts).ok());
  off.burst_seconds = 0;
  EXPECT_EQ(PassageJudge::Create(off)->BurstWidespreadThreshold(5000), 50u);
  f.doc_frequency = 30;
  f.junk_share = 0.9;
  EXPECT_EQ(judge->Judge(f, 5000), Boilerplate::kMarkup);
}

TEST(PassageJudgeTest, AStockLineIsAPhraseWhateverItsFingerprints) {
  auto judge = PassageJudge::Create({});
  ASSERT_TRUE(judge.ok());
  // "debian/control.in: Bump Standards-Version to 4.5.0" in two changelogs:
  // ten tokens whose fingerprints only the two hold, but whose last
  // shingles hundreds of changelogs hold; seven tokens are rare in a row.
  PassageFacts f;
  f.tokens = 10;
  f.pair_tokens = 10;
  f.doc_frequency = 2;
  f.rare_run_tokens = 7;
  EXPECT_EQ(judge->Judge(f, 800), Boilerplate::kPhrase);
  // Unknown, or every shingle rare: a ten-word quote two documents share
  // is copy.
  f.tokens = 10;
  f.pair_tokens = 10;
  f.rare_run_tokens = UINT32_MAX;
  EXPECT_EQ(judge->Judge(f, 800), Boilerplate::kNone);
  f.rare_run_tokens = 10;
  EXPECT_EQ(judge->Judge(f, 800), Boilerplate::kNone);
  // A rare run of a phrase's length or more is copy; so is a short run
  // among long shared text.
  f.tokens = 14;
  f.pair_tokens = 14;
  f.rare_run_tokens = 10;
  EXPECT_EQ(judge->Judge(f, 800), Boilerplate::kNone);
  f.rare_run_tokens = 7;
  f.pair_tokens = 60;
  EXPECT_EQ(judge->Judge(f, 800), Boilerplate::kNone);
}

TEST(PassageJudgeTest, APairSharingLessThanAPhraseInAllSharesASetPhrase) {
  auto judge = PassageJudge::Create({});
  ASSERT_TRUE(judge.ok());
  // "said it has no plans to seek control of": nine tokens two wire
  // stories alone hold, and all they share. A set phrase, not a quote.
  PassageFacts f;
  f.tokens = 9;
  f.pair_tokens = 9;
  f.doc_frequency = 2;
  EXPECT_EQ(judge->Judge(f, 800), Boilerplate::kPhrase);
  EXPECT_EQ(judge->Judge(f, 3), Boilerplate::kPhrase);
  // The seeds' quote is eleven tokens: copy, in a collection of three.
  f.tokens = 11;
  f.pair_tokens = 11;
  EXPECT_EQ(judge->Judge(f, 3), Boilerplate::kNone);
  // Nine tokens beside more text of the pair's own are copy.
  f.tokens = 9;
  f.pair_tokens = 30;
  EXPECT_EQ(judge->Judge(f, 800), Boilerplate::kNone);
  // So are two copies of one short text (a saying in two files).
  f.pair_tokens = 9;
  f.whole_pair = true;
  EXPECT_EQ(judge->Judge(f, 800), Boilerplate::kNone);
  // With phrase_tokens lowered, the nine tokens are copy again.
  auto loose = PassageJudge::Create({.phrase_tokens = 8});
  ASSERT_TRUE(loose.ok());
  f.whole_pair = false;
  EXPECT_EQ(loose->Judge(f, 800), Boilerplate::kNone);
}

TEST(PassageJudgeTest, CopiesOfOneShortTextShareNoFooterPhraseOrMarkup) {
  auto judge = PassageJudge::Create({});
  ASSERT_TRUE(judge.ok());
  // A list of version numbers two security notices share, at their end,
  // held by a few documents: markup, unless the two notices are copies of
  // one text.
  PassageFacts f;
  f.tokens = 30;
  f.pair_tokens = 30;
  f.doc_frequency = 8;
  f.same_edge = true;
  f.junk_share = 0.8;
  EXPECT_EQ(judge->Judge(f, 500), Boilerplate::kMarkup);
  f.whole_pair = true;
  EXPECT_EQ(judge->Judge(f, 500), Boilerplate::kNone);
  f.junk_share = 0;
  f.rare_run_tokens = 6;
  EXPECT_EQ(judge->Judge(f, 500), Boilerplate::kNone);
  f.whole_pair = false;
  EXPECT_EQ(judge->Judge(f, 500), Boilerplate::kEdge);
  // Widespread and template text stay boilerplate in any pair.
  f.whole_pair = true;
  f.doc_frequency = 40;
  EXPECT_EQ(judge->Judge(f, 500), Boilerplate::kWidespread);
  f.doc_frequency = 8;
  f.template_share = 1;
  EXPECT_EQ(judge->Judge(f, 500), Boilerplate::kTemplate);
}

TEST(PassageJudgeTest, ValidatesOptions) {
  PassageJudge::Options o;
  o.common_min_docs = 1;
  EXPECT_FALSE(PassageJudge::Create(o).ok());
  o = {};
  o.widespread_fraction = -1;
  EXPECT_FALSE(PassageJudge::Create(o).ok());
  o = {};
  o.junk_share = 2;
  EXPECT_FALSE(PassageJudge::Create(o).ok());
  o = {};
  o.template_sources = 1.5;
  EXPECT_FALSE(PassageJudge::Create(o).ok());
}

// JunkShare on normalized text, tokenized as the engine tokenizes.
double Junk(std::string_view text) {
  auto tokenizer = Tokenizer::Create({});
  EXPECT_TRUE(tokenizer.ok());
  std::vector<Token> tokens;
  tokenizer->Tokenize(text, tokens);
  return JunkShare(text, tokens);
}

TEST(JunkShareTest, MarkupAndAddressesAreJunkALinkInASentenceIsOneWord) {
  EXPECT_EQ(Junk(""), 0);
  // A sponsor row: three runs, all markup.
  EXPECT_EQ(Junk("<a href=\"https://opencollective.com/x/sponsor/0/website\" "
                 "target=\"_blank\"><img src=\"https://opencollective.com/x/"
                 "sponsor/0/avatar.svg\"></a>"),
            1.0);
  // Table cells and quoted-printable escapes, token by token.
  EXPECT_EQ(Junk("12 34 5 x"), 1.0);
  EXPECT_EQ(Junk("3d 20 mp3 covid19"), 0.5);
  // A path is one junk unit; "and/or" and a mail address are words.
  EXPECT_DOUBLE_EQ(Junk("see /usr/share/doc for more"), 0.25);
  EXPECT_EQ(Junk("this and/or that"), 0);
  EXPECT_EQ(Junk("jane doe <jane@example.org>"), 0);
  // A sentence with a link in it: the link weighs one word of nine.
  EXPECT_DOUBLE_EQ(
      Junk("released under the [mit](https://github.com/x/y/blob/master/"
           "license.md) license. authored and maintained by"),
      1.0 / 9);
  // A run without spaces longer than any word is markup whatever it holds,
  // and a passage starting inside it counts it once.
  const std::string blob(10000, 'q');
  const std::string text = "lorem " + blob + " ipsum";
  std::vector<Token> tokens = {{6, 6 + 10000}, {6 + 10001, 6 + 10006}};
  EXPECT_DOUBLE_EQ(JunkShare(text, tokens), 0.5);
  // Tokens out of the text or empty are words, not a crash.
  tokens = {{5, 5}, {20000, 20004}};
  EXPECT_EQ(JunkShare(text, tokens), 0);
  tokens = {{0, 0}};
  EXPECT_EQ(JunkShare("", tokens), 0);
}

TEST(JunkShareTest, TextInScriptsWrittenWithoutSpacesIsWords) {
  // A Chinese sentence holds no space: its letters are words, and a date
  // or a link inside it is one junk unit, not the whole sentence.
  const std::string han = "\u65b0\u534e\u793e\u8bb0\u8005\u62a5\u9053";
  EXPECT_EQ(Junk(han + "\u3002" + han), 0);
  EXPECT_DOUBLE_EQ(Junk(han + "2024/03/01" + han), 1.0 / 15);
  EXPECT_DOUBLE_EQ(Junk(han + "https://example.org/a" + han), 1.0 / 15);
  EXPECT_DOUBLE_EQ(Junk(han + "a=b" + han), 1.0 / 15);
  // Thai and Japanese alike.
  const std::string thai = "\u0e02\u0e48\u0e32\u0e27";
  EXPECT_DOUBLE_EQ(Junk(thai + "1/2/3" + thai), 1.0 / 7);
  EXPECT_DOUBLE_EQ(
      Junk("\u3072\u3089\u304c\u306aa=b\u30ab\u30bf\u30ab\u30ca"),
      1.0 / 9);
  // A paragraph of them longer than any word is not a blob.
  std::string paragraph;
  for (int i = 0; i < 800; ++i) paragraph += han;
  EXPECT_EQ(Junk(paragraph), 0);
  // Letters of other scripts stay inside a run: an address with accents is
  // one markup unit.
  EXPECT_DOUBLE_EQ(
      Junk("voir https://fr.example.org/wiki/\u00c9lys\u00e9e ici"),
      1.0 / 3);
}

// Random prose-like texts: words drawn from a vocabulary large enough that
// two texts share no 5-word run by chance.
class Texts {
 public:
  explicit Texts(uint64_t seed) : rng_(seed) {}
  std::string Words(int n) {
    std::string s;
    for (int i = 0; i < n; ++i) {
      if (i > 0) s += (i % 12 == 0) ? ". " : " ";
      s += Word();
    }
    return s + ".";
  }

 private:
  std::string Word() {
    static const char* kSyllables[] = {"ka", "lo", "mi", "ne", "sa", "tu",
                                       "ve", "ri", "po", "da", "gu", "fe"};
    std::string w;
    const int n = 2 + static_cast<int>(rng_() % 3);
    for (int i = 0; i < n; ++i) w += kSyllables[rng_() % 12];
    return w;
  }
  std::mt19937_64 rng_;
};

std::unique_ptr<Engine> Index(const std::vector<Document>& docs) {
  auto e = Engine::Create({});
  EXPECT_TRUE(e.ok()) << e.status();
  EXPECT_TRUE((*e)->AddBatch(docs).ok());
  return std::move(*e);
}

TEST(BoilerplateEngineTest, APassageTwelveOf2000DocumentsQuoteIsCopy) {
  Texts t(7);
  const std::string quote = t.Words(40);
  std::vector<Document> docs;
  std::set<DocId> holders;
  for (int i = 0; i < 2000; ++i) {
    std::string text = t.Words(150);
    if (i % 166 == 37) {
      // In the middle of the article, as outlets print a wire quote.
      text += " " + quote + " " + t.Words(150);
      holders.insert(static_cast<DocId>(i));
    } else {
      text += " " + t.Words(150);
    }
    docs.push_back({"doc/" + std::to_string(i), text, {}});
  }
  ASSERT_EQ(holders.size(), 12u);
  auto e = Index(docs);
  auto report = e->SharedCopy();
  ASSERT_TRUE(report.ok()) << report.status();
  // All 66 pairs of the twelve, and nothing else.
  EXPECT_EQ(report->pairs.size(), 66u);
  for (const CopyPair& p : report->pairs) {
    EXPECT_TRUE(holders.contains(p.a) && holders.contains(p.b))
        << p.a << "-" << p.b;
    EXPECT_GE(p.copied_tokens_a, 40u);
  }
  ASSERT_EQ(report->families.size(), 1u);
  EXPECT_EQ(report->families[0].num_docs, 12u);
  // And a new outlet printing it is told about all twelve.
  auto m = e->Query(t.Words(100) + " " + quote + " " + t.Words(100));
  ASSERT_TRUE(m.ok());
  size_t sharing = 0;
  for (const Match& x : *m) sharing += x.shares_copy;
  EXPECT_EQ(sharing, 12u);
}

// `n` random ideographs as UTF-8, with a full stop after every `period`
// of them (0: none).
std::string RandomHan(std::mt19937_64& rng, int n, int period) {
  std::string s;
  for (int i = 0; i < n; ++i) {
    const char32_t cp = 0x4e00 + static_cast<char32_t>(rng() % 3000);
    s += static_cast<char>(0xe0 | (cp >> 12));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    s += static_cast<char>(0x80 | (cp & 0x3f));
    if (period > 0 && i % period == period - 1) s += "\u3002";
  }
  return s;
}

// The same in Chinese, whose paragraphs hold no space: a quote with a
// date in it, and a quote longer than any word, are copy.
TEST(BoilerplateEngineTest, AChineseQuoteTwelveOf300DocumentsPrintIsCopy) {
  std::mt19937_64 rng(11);
  const auto han = [&](int n) { return RandomHan(rng, n, /*period=*/15); };
  const std::string dated = han(40) + "2024/03/01" + han(40);
  const std::string long_quote = han(1500);  // 4,500 bytes, no space
  for (const std::string& quote : {dated, long_quote}) {
    std::vector<Document> docs;
    std::set<DocId> holders;
    for (int i = 0; i < 300; ++i) {
      std::string text = han(120) + "\n\n";
      if (i % 25 == 3) {
        text += quote + "\n\n";
        holders.insert(static_cast<DocId>(i));
      }
      docs.push_back({"doc/" + std::to_string(i), text + han(120), {}});
    }
    ASSERT_EQ(holders.size(), 12u);
    auto e = Index(docs);
    auto report = e->SharedCopy();
    ASSERT_TRUE(report.ok()) << report.status();
    EXPECT_EQ(report->pairs.size(), 66u) << quote.size();
    for (const CopyPair& p : report->pairs) {
      EXPECT_TRUE(holders.contains(p.a) && holders.contains(p.b));
    }
  }
}

// The phrase rule counts words too: two Chinese texts sharing 18 letters
// (nine words) share a set phrase, 20 letters (ten) a quote, a passage of
// ten words.
TEST(BoilerplateEngineTest, ChineseLettersCountHalfAWordInThePhraseRule) {
  std::mt19937_64 rng(12);
  const auto han = [&](int n) { return RandomHan(rng, n, /*period=*/0); };
  for (const int letters : {18, 20}) {
    const std::string shared = han(letters);
    std::vector<Document> docs;
    docs.push_back({"a", han(200) + "\u3002" + shared + "\u3002" + han(200), {}});
    docs.push_back({"b", han(150) + "\u3002" + shared + "\u3002" + han(250), {}});
    for (int i = 0; i < 20; ++i) {
      docs.push_back({"other/" + std::to_string(i), han(400), {}});
    }
    auto e = Index(docs);
    auto report = e->SharedCopy();
    ASSERT_TRUE(report.ok()) << report.status();
    ASSERT_EQ(report->pairs.size(), letters >= 20 ? 1u : 0u) << letters;
    if (letters >= 20) {
      // Its length is said in words too.
      ASSERT_EQ(report->pairs[0].passages.size(), 1u);
      EXPECT_EQ(report->pairs[0].passages[0].a_tokens(), 20u);
      EXPECT_EQ(report->pairs[0].passages[0].a_words, 10u);
      EXPECT_EQ(report->pairs[0].passages[0].b_words, 10u);
    }
  }
}

// A passage cut around widespread text leaves pieces measured in words as
// well: a pair's own 10 letters (five words) right before a licence that
// 60 of 100 documents print are taken with the licence, while 20 letters
// (ten words) are a passage of their own; no passage reported is shorter
// than the eight words --min-passage asks, in Chinese too.
TEST(BoilerplateEngineTest, AChinesePieceBesideALicenceIsMeasuredInWords) {
  std::mt19937_64 rng(13);
  const auto han = [&](int n) { return RandomHan(rng, n, /*period=*/0); };
  const std::string licence = han(240);
  const std::string quote = han(40);  // twenty words the pair shares
  for (const int letters : {10, 20}) {
    std::vector<Document> docs;
    for (int i = 0; i < 100; ++i) {
      std::string text = han(80) + "\u3002";
      if (i < 60) text += licence;
      docs.push_back({"pkg/" + std::to_string(i), text, {}});
    }
    const std::string lines = han(letters);
    docs.push_back({"src/a",
                    han(60) + "\u3002" + quote + "\u3002" + han(50) + "\u3002" +
                        lines + licence,
                    {}});
    docs.push_back({"src/b",
                    han(70) + "\u3002" + quote + "\u3002" + han(40) + "\u3002" +
                        lines + licence,
                    {}});
    auto e = Index(docs);
    auto report = e->SharedCopy();
    ASSERT_TRUE(report.ok()) << report.status();
    ASSERT_EQ(report->pairs.size(), 1u) << letters;
    const CopyPair& p = report->pairs[0];
    const std::string a = *e->text(p.a);
    std::vector<std::string> copy;
    for (const Passage& q : p.passages) {
      if (q.boilerplate) continue;
      copy.push_back(a.substr(q.a_begin, q.a_end - q.a_begin));
      EXPECT_GE(q.a_words, 8u) << letters << " " << copy.back();
    }
    ASSERT_EQ(copy.size(), letters >= 20 ? 2u : 1u) << letters;
    EXPECT_NE(copy[0].find(quote), std::string::npos);
    if (letters >= 20) {
      EXPECT_NE(copy[1].find(lines), std::string::npos);
    }
  }
}

// The edges are measured in words too: a line eight of 200 Chinese
// documents close with is a footer when 14 letters (seven words) of each
// document's own follow it, within the ten words of an edge; with 26
// letters (13 words) after it, it is copy the eight share.
TEST(BoilerplateEngineTest, AChineseFooterLineIsWithinTenWordsOfTheEnd) {
  std::mt19937_64 rng(14);
  const auto han = [&](int n) { return RandomHan(rng, n, /*period=*/0); };
  const std::string line = han(30);
  for (const int after : {14, 26}) {
    std::vector<Document> docs;
    for (int i = 0; i < 200; ++i) {
      std::string text = han(150) + "\u3002";
      if (i % 25 == 7) text += line + "\u3002";
      docs.push_back({"doc/" + std::to_string(i), text + han(after), {}});
    }
    auto e = Index(docs);
    auto report = e->SharedCopy();
    ASSERT_TRUE(report.ok()) << report.status();
    EXPECT_EQ(report->pairs.size(), after < 20 ? 0u : 28u) << after;
  }
}

TEST(BoilerplateEngineTest, AQuoteThirtyPrintInTwoDaysIsCopyATemplateIsNot) {
  // 3,200 articles dated over a year. Thirty print the same 40-word quote
  // within two days; thirty others, spread over the year, carry the same
  // 40-word standard paragraph. Both are held by thirty documents of one
  // source, in the middle of the text: as many as a template needs. Only
  // their dates tell the story printed at once from the text that
  // persists.
  Texts t(29);
  const std::string quote = t.Words(40);
  const std::string standard = t.Words(40);
  constexpr int64_t kYearStart = 1735689600;  // 2025-01-01
  constexpr int64_t kDay = 86400;
  std::vector<Document> dated;
  std::set<DocId> quoting, standing;
  for (int i = 0; i < 3200; ++i) {
    std::string text = t.Words(60);
    int64_t date = kYearStart + i * (365 * kDay / 3200);
    if (i % 100 == 11 && quoting.size() < 30) {
      text += " " + quote;
      date = kYearStart + 200 * kDay + i * 37;  // within two days
      quoting.insert(static_cast<DocId>(i));
    } else if (i % 100 == 61 && standing.size() < 30) {
      text += " " + standard;
      standing.insert(static_cast<DocId>(i));
    }
    text += " " + t.Words(60);
    dated.push_back({"doc/" + std::to_string(i), text, date});
  }
  ASSERT_EQ(quoting.size(), 30u);
  ASSERT_EQ(standing.size(), 30u);
  std::vector<Document> undated = dated;
  for (Document& d : undated) d.date.reset();

  auto e = Index(dated);
  auto report = e->SharedCopy();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->pairs.size(), 30u * 29 / 2);
  for (const CopyPair& p : report->pairs) {
    EXPECT_TRUE(quoting.contains(p.a) && quoting.contains(p.b))
        << p.a << "-" << p.b;
  }
  auto passages = e->Passages(*standing.begin(), *standing.rbegin());
  ASSERT_TRUE(passages.ok()) << passages.status();
  ASSERT_FALSE(passages->empty());
  for (const Passage& p : *passages) {
    EXPECT_EQ(p.reason, Boilerplate::kTemplate);
  }
  // A new article quoting it (a query has no date) is told about the
  // thirty; one carrying the standard paragraph about none.
  auto m = e->Query(t.Words(60) + " " + quote + " " + t.Words(60));
  ASSERT_TRUE(m.ok()) << m.status();
  size_t sharing = 0;
  for (const Match& x : *m) sharing += x.shares_copy;
  EXPECT_EQ(sharing, 30u);
  m = e->Query(t.Words(60) + " " + standard + " " + t.Words(60));
  ASSERT_TRUE(m.ok()) << m.status();
  for (const Match& x : *m) EXPECT_FALSE(x.shares_copy) << x.id;

  // Undated, the quote is as common as the paragraph: neither is copy.
  // With the rule off, the same.
  auto plain = Index(undated);
  report = plain->SharedCopy();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->pairs.empty()) << report->pairs.size() << " pairs";
  Engine::Options off;
  off.copy.judge.burst_seconds = 0;
  auto no_bursts = Engine::Create(off);
  ASSERT_TRUE(no_bursts.ok()) << no_bursts.status();
  ASSERT_TRUE((*no_bursts)->AddBatch(dated).ok());
  report = (*no_bursts)->SharedCopy();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->pairs.empty()) << report->pairs.size() << " pairs";

  // Dates at the ends of their range: spans saturate, nothing overflows,
  // and a quote held over the whole range is no burst.
  std::vector<Document> extreme = dated;
  for (size_t i = 0; i < extreme.size(); ++i) {
    extreme[i].date = (i / 100) % 2 == 0 ? INT64_MIN : INT64_MAX;
  }
  auto wide = Index(extreme);
  report = wide->SharedCopy();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->pairs.empty()) << report->pairs.size() << " pairs";

  // In a collection large enough that the common threshold passes the
  // template's 20 documents (here set so: 40), text on thirty is template
  // before it is common, and a burst rescues it all the same.
  Engine::Options strict;
  strict.copy.judge.common_min_docs = 40;
  auto large = Engine::Create(strict);
  ASSERT_TRUE(large.ok()) << large.status();
  ASSERT_TRUE((*large)->AddBatch(dated).ok());
  report = (*large)->SharedCopy();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->pairs.size(), 30u * 29 / 2);

  // With sources: the thirty quoting from thirty outlets stay copy; the
  // same thirty as pages of one site are its template, burst or not (a
  // holiday notice), while the year's other pages come from many sites.
  std::vector<Document> sourced = dated;
  for (size_t i = 0; i < sourced.size(); ++i) {
    sourced[i].source = "site" + std::to_string(i % 50);
  }
  for (DocId d : quoting) sourced[d].source = "outlet" + std::to_string(d);
  report = Index(sourced)->SharedCopy();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->pairs.size(), 30u * 29 / 2);
  for (DocId d : quoting) sourced[d].source = "one-site";
  report = Index(sourced)->SharedCopy();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->pairs.empty()) << report->pairs.size() << " pairs";
  // As messages of three mailing lists, ten on each (a story forwarded to
  // the three in those two days), the thirty are copy: a burst across
  // sources is a story they printed. Undated, they are the lists'
  // template, as thirty messages of three lists are.
  for (DocId d : quoting) sourced[d].source = "list" + std::to_string(d % 3);
  auto lists = Index(sourced);
  report = lists->SharedCopy();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->pairs.size(), 30u * 29 / 2);
  // A new message forwarding it (a query: no source, no date) is told
  // about the thirty.
  m = lists->Query(t.Words(60) + " " + quote + " " + t.Words(60));
  ASSERT_TRUE(m.ok()) << m.status();
  sharing = 0;
  for (const Match& x : *m) sharing += x.shares_copy;
  EXPECT_EQ(sharing, 30u);
  for (Document& d : sourced) d.date.reset();
  report = Index(sourced)->SharedCopy();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->pairs.empty()) << report->pairs.size() << " pairs";
}

TEST(BoilerplateEngineTest, AStoryThirtySitesPrintAmongAThousandPagesIsCopy) {
  // 1,000 pages of forty sites, dated over a year; thirty sites print one
  // wire story within two days, ten of them on pages that carry no date.
  // Thirty holders are more than the widespread threshold of such a
  // collection (20): only its spread over sources and its burst tell the
  // story from a template.
  Texts t(43);
  const std::string story = t.Words(60);
  constexpr int64_t kYearStart = 1735689600;  // 2025-01-01
  constexpr int64_t kDay = 86400;
  std::vector<Document> docs;
  std::set<DocId> printing;
  for (int i = 0; i < 1000; ++i) {
    std::string text = t.Words(70);
    std::optional<int64_t> date = kYearStart + i * (365 * kDay / 1000);
    std::string site = "site" + std::to_string(i % 40);
    if (i % 33 == 7 && printing.size() < 30) {
      text += " " + story;
      site = "site" + std::to_string(printing.size());
      date = printing.size() % 3 == 0
                 ? std::nullopt
                 : std::optional<int64_t>(kYearStart + 100 * kDay + i * 97);
      printing.insert(static_cast<DocId>(i));
    }
    text += " " + t.Words(70);
    docs.push_back({"page/" + std::to_string(i), text, date, site});
  }
  ASSERT_EQ(printing.size(), 30u);
  const auto copy_pairs = [&](const std::vector<Document>& in) {
    auto report = Index(in)->SharedCopy();
    EXPECT_TRUE(report.ok()) << report.status();
    size_t n = 0;
    for (const CopyPair& p : report->pairs) {
      EXPECT_TRUE(printing.contains(p.a) && printing.contains(p.b))
          << p.a << "-" << p.b;
      ++n;
    }
    return n;
  };
  EXPECT_EQ(copy_pairs(docs), 30u * 29 / 2);
  // A new page printing it (a query) is told about the thirty.
  auto e = Index(docs);
  auto m = e->Query(t.Words(50) + " " + story + " " + t.Words(50));
  ASSERT_TRUE(m.ok()) << m.status();
  size_t sharing = 0;
  for (const Match& x : *m) sharing += x.shares_copy;
  EXPECT_EQ(sharing, 30u);

  // Thirty pages of one site in two days are its notice; thirty pages of
  // thirty sites spread over the year, a template they share; thirty
  // undated pages, or pages of no named source, as many as a template
  // needs: none is copy.
  std::vector<Document> one_site = docs;
  for (DocId d : printing) one_site[d].source = "site0";
  EXPECT_EQ(copy_pairs(one_site), 0u);
  std::vector<Document> spread = docs;
  for (DocId d : printing) spread[d].date = kYearStart + d * (365 * kDay / 1000);
  EXPECT_EQ(copy_pairs(spread), 0u);
  std::vector<Document> undated = docs;
  for (DocId d : printing) undated[d].date.reset();
  EXPECT_EQ(copy_pairs(undated), 0u);
  std::vector<Document> no_sources = docs;
  for (Document& d : no_sources) d.source.clear();
  EXPECT_EQ(copy_pairs(no_sources), 0u);
  // With the rule off, the story is widespread.
  Engine::Options off;
  off.copy.judge.burst_widespread_docs = 0;
  auto plain = Engine::Create(off);
  ASSERT_TRUE(plain.ok()) << plain.status();
  ASSERT_TRUE((*plain)->AddBatch(docs).ok());
  auto report = (*plain)->SharedCopy();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->pairs.empty()) << report->pairs.size() << " pairs";
}

// In an undated collection of the one unnamed source, text on the template
// threshold's documents (20) but under the widespread threshold (1% of
// 2,500: 25) is a template: its fingerprints propose no pair, so its
// holders are not aligned with each other only to be refused. What is
// reported does not change; dated in a burst, the same text is a story
// many printed, proposed and copy.
TEST(BoilerplateEngineTest, TemplateTextProposesNoPairWhereNoBurstCanBeTold) {
  Texts t(44);
  // A block inside the text, not at an edge (at the start of
  // both texts it would be an edge, whatever its dates).
  const std::string block = t.Words(40);
  const std::string quote = t.Words(30);
  constexpr int64_t kYearStart = 1735689600;  // 2025-01-01
  constexpr int64_t kDay = 86400;
  std::vector<Document> docs;
  std::set<DocId> headed, quoting;
  for (int i = 0; i < 2500; ++i) {
    std::string text = t.Words(60);
    if (i % 100 == 3 && headed.size() < 22) {
      text += " " + block;
      headed.insert(static_cast<DocId>(i));
    }
    if (i % 700 == 11) {
      text += " " + quote;
      quoting.insert(static_cast<DocId>(i));
    }
    text += " " + t.Words(60);
    docs.push_back({"doc/" + std::to_string(i), text});
  }
  ASSERT_EQ(headed.size(), 22u);
  ASSERT_EQ(quoting.size(), 4u);
  auto report = Index(docs)->SharedCopy();
  ASSERT_TRUE(report.ok()) << report.status();
  std::set<std::pair<DocId, DocId>> pairs;
  for (const CopyPair& p : report->pairs) pairs.insert({p.a, p.b});
  std::set<std::pair<DocId, DocId>> expected;
  for (DocId a : quoting) {
    for (DocId b : quoting) {
      if (a < b) expected.insert({a, b});
    }
  }
  EXPECT_EQ(pairs, expected);
  // The quote's six pairs were aligned, not the block's 231.
  EXPECT_LT(report->candidate_pairs, 20u);

  // Dated over a year, the block's holders within two days: a story many
  // printed at once, whose 231 pairs are proposed and reported.
  std::vector<Document> dated = docs;
  for (size_t i = 0; i < dated.size(); ++i) {
    dated[i].date = kYearStart + static_cast<int64_t>(i) * (365 * kDay / 2500);
  }
  int64_t at = kYearStart + 200 * kDay;
  for (DocId d : headed) dated[d].date = (at += 3600);
  auto burst = Index(dated)->SharedCopy();
  ASSERT_TRUE(burst.ok()) << burst.status();
  EXPECT_EQ(burst->pairs.size(), 22u * 21 / 2 + expected.size());
  EXPECT_GE(burst->candidate_pairs, 22u * 21 / 2);
}

TEST(BoilerplateEngineTest, AStoryReprintedInPiecesAddsUp) {
  // Seven of 2,000 texts open with the same story, cut in two 40-word
  // pieces by a line each outlet wrote: common (seven holders), short
  // pieces, the first at the start of every text; together they are copy.
  Texts t(41);
  const std::string first = t.Words(40), second = t.Words(40);
  std::vector<Document> docs;
  std::set<DocId> outlets;
  for (int i = 0; i < 2000; ++i) {
    std::string text;
    if (i % 285 == 5) {
      text = first + " " + t.Words(12) + " " + second + " " + t.Words(80);
      outlets.insert(static_cast<DocId>(i));
    } else {
      text = t.Words(150);
    }
    docs.push_back({"doc/" + std::to_string(i), text, {}});
  }
  ASSERT_EQ(outlets.size(), 7u);
  auto e = Index(docs);
  auto passages = e->Passages(*outlets.begin(), *outlets.rbegin());
  ASSERT_TRUE(passages.ok()) << passages.status();
  ASSERT_EQ(passages->size(), 2u);
  for (const Passage& p : *passages) {
    EXPECT_FALSE(p.boilerplate) << BoilerplateName(p.reason);
  }
}

TEST(BoilerplateEngineTest, StockLinesAddUpToNothingBesideCopyTheyAreCopy) {
  // Eight of 2,000 changelogs carry the same seven eight-word stock lines
  // (a maintainer's sign-off, a release header), each between text of
  // their own: 56 shared tokens in all, every passage common and short.
  // They are not copies of each other. Two of them also share a 60-word
  // entry nobody else has: that pair is copy, stock lines included.
  Texts t(37);
  std::vector<std::string> lines;
  for (int i = 0; i < 7; ++i) lines.push_back(t.Words(8));
  const std::string entry = t.Words(60);
  std::vector<Document> docs;
  std::set<DocId> stocked;
  for (int i = 0; i < 2000; ++i) {
    std::string text = t.Words(40);
    if (i % 250 == 3) {
      for (const std::string& l : lines) text += " " + l + " " + t.Words(30);
      if (i == 3 || i == 253) text += " " + entry + " " + t.Words(30);
      stocked.insert(static_cast<DocId>(i));
    } else {
      text += " " + t.Words(200);
    }
    docs.push_back({"changelog/" + std::to_string(i), text, {}});
  }
  ASSERT_EQ(stocked.size(), 8u);
  auto e = Index(docs);
  auto report = e->SharedCopy();
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_EQ(report->pairs.size(), 1u);
  const CopyPair& p = report->pairs[0];
  EXPECT_EQ(p.a, 3u);
  EXPECT_EQ(p.b, 253u);
  size_t copied = 0;
  for (const Passage& q : p.passages) copied += !q.boilerplate;
  EXPECT_EQ(copied, 8u);  // the entry and the seven lines
  auto passages = e->Passages(503, 753);
  ASSERT_TRUE(passages.ok()) << passages.status();
  ASSERT_EQ(passages->size(), 7u);
  for (const Passage& q : *passages) {
    EXPECT_EQ(q.reason, Boilerplate::kPhrase);
  }
}

TEST(BoilerplateEngineTest, ABriefPrintedWholeIsCopyAndAsAFooterIsNot) {
  // A 40-word brief that twelve outlets print as the whole of an item
  // (each with its own two-word credit line), and, in another collection,
  // the same text closing twelve longer messages like a list footer. Both
  // sit at the edges of the documents; only the footer is on other text.
  Texts t(9);
  const std::string brief = t.Words(40);
  for (const bool whole : {true, false}) {
    std::vector<Document> docs;
    std::set<DocId> holders;
    for (int i = 0; i < 2000; ++i) {
      std::string text;
      if (i % 166 == 37) {
        text = whole ? t.Words(2) + " " + brief : t.Words(150) + " " + brief;
        holders.insert(static_cast<DocId>(i));
      } else {
        text = t.Words(150);
      }
      docs.push_back({"doc/" + std::to_string(i), text, {}});
    }
    ASSERT_EQ(holders.size(), 12u);
    auto e = Index(docs);
    auto report = e->SharedCopy();
    ASSERT_TRUE(report.ok()) << report.status();
    if (whole) {
      EXPECT_EQ(report->pairs.size(), 66u);
      for (const CopyPair& p : report->pairs) {
        EXPECT_TRUE(holders.contains(p.a) && holders.contains(p.b));
      }
    } else {
      EXPECT_TRUE(report->pairs.empty()) << report->pairs.size() << " pairs";
      auto passages = e->Passages(*holders.begin(), *holders.rbegin());
      ASSERT_TRUE(passages.ok()) << passages.status();
      ASSERT_FALSE(passages->empty());
      for (const Passage& p : *passages) {
        EXPECT_EQ(p.reason, Boilerplate::kEdge);
      }
    }
  }
}

TEST(BoilerplateEngineTest, ACreditLineBeforeAStockLicenceIsAtTheEdge) {
  // Twelve of 2,000 manual pages close with the same translators' credit
  // line, then the licence paragraph 400 pages print, then a last line of
  // their own: the credit line ends the page (the licence, shared stock,
  // does not count), so it is a footer. Twelve mail messages are a post
  // followed by the same licence as a list footer, and replies that quote
  // it: the post is the whole of its message but stock, so it is copy.
  Texts t(31);
  const std::string licence = t.Words(40);
  const std::string credits = t.Words(15);
  const std::string post = t.Words(30);
  std::vector<Document> docs;
  std::set<DocId> credited, quoting;
  DocId original = 0;
  for (int i = 0; i < 2000; ++i) {
    std::string text;
    if (i % 166 == 37) {
      text = t.Words(150) + " " + credits + " " + licence + " " + t.Words(3);
      credited.insert(static_cast<DocId>(i));
    } else if (i == 1000) {
      text = post + " " + licence;
      original = static_cast<DocId>(i);
    } else if (i % 166 == 91) {
      text = t.Words(25) + " " + post + " " + licence;
      quoting.insert(static_cast<DocId>(i));
    } else if (i % 5 == 0) {
      text = t.Words(150) + " " + licence + " " + t.Words(3);
    } else {
      text = t.Words(150);
    }
    docs.push_back({"doc/" + std::to_string(i), text, {}});
  }
  ASSERT_EQ(credited.size(), 12u);
  ASSERT_EQ(quoting.size(), 12u);
  auto e = Index(docs);
  auto report = e->SharedCopy();
  ASSERT_TRUE(report.ok()) << report.status();
  std::set<DocId> copying;
  for (const CopyPair& p : report->pairs) {
    EXPECT_FALSE(credited.contains(p.a) || credited.contains(p.b))
        << p.a << " ~ " << p.b;
    if (p.a == original) copying.insert(p.b);
    if (p.b == original) copying.insert(p.a);
  }
  EXPECT_EQ(copying, quoting);
  auto passages = e->Passages(*credited.begin(), *credited.rbegin());
  ASSERT_TRUE(passages.ok()) << passages.status();
  bool edge = false;
  for (const Passage& p : *passages) {
    EXPECT_TRUE(p.boilerplate);
    edge = edge || p.reason == Boilerplate::kEdge;
  }
  EXPECT_TRUE(edge);
}

TEST(BoilerplateEngineTest, AFormFillingShortNoticesIsNotCopyAShortTextIs) {
  // Fifteen dividend notices of fifteen companies: one nine-word form
  // ("Qtly div six cts vs six cts prior Pay") and five words of their own
  // (the dates). The form fills most of each notice, but a notice shorter
  // than its two edges is all edges: two notices sharing the form are not
  // copies of one short text, and the form at the start of both is their
  // header. Two documents that alone hold the same
  // fourteen words are.
  Texts t(13);
  const std::string form = t.Words(9);
  const std::string brief = t.Words(14);
  std::vector<Document> docs;
  std::set<DocId> notices;
  for (int i = 0; i < 2000; ++i) {
    std::string text;
    if (i % 130 == 7) {
      text = form + " " + t.Words(5);
      notices.insert(static_cast<DocId>(i));
    } else if (i == 500 || i == 1500) {
      text = brief;
    } else {
      text = t.Words(150);
    }
    docs.push_back({"doc/" + std::to_string(i), text, {}});
  }
  ASSERT_EQ(notices.size(), 16u);
  auto e = Index(docs);
  auto report = e->SharedCopy();
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_EQ(report->pairs.size(), 1u);
  EXPECT_EQ(report->pairs[0].a, 500u);
  EXPECT_EQ(report->pairs[0].b, 1500u);
  auto passages = e->Passages(*notices.begin(), *notices.rbegin());
  ASSERT_TRUE(passages.ok()) << passages.status();
  ASSERT_EQ(passages->size(), 1u);
  EXPECT_EQ((*passages)[0].reason, Boilerplate::kEdge);
}

TEST(BoilerplateEngineTest, ASponsorRowManyReadmesPasteIsMarkupAQuoteIsNot) {
  // Twelve of 2,000 READMEs carry, in the middle, the same 60-token row of
  // sponsor logos (HTML and addresses); twelve others the same 60-word
  // quote. Both are long and held by the same number of documents; only
  // the quote is text anyone copied.
  Texts t(21);
  std::string row;
  for (int i = 0; i < 4; ++i) {
    row += "<a href=\"https://opencollective.com/kamino/sponsor/" +
           std::to_string(i) +
           "/website\" target=\"_blank\"><img src=\"https://"
           "opencollective.com/kamino/sponsor/" +
           std::to_string(i) + "/avatar.svg\"></a> ";
  }
  const std::string quote = t.Words(60);
  std::vector<Document> docs;
  std::set<DocId> with_row, with_quote;
  for (int i = 0; i < 2000; ++i) {
    std::string text = t.Words(100);
    if (i % 160 == 7) {
      text += " " + row + t.Words(100);
      with_row.insert(static_cast<DocId>(i));
    } else if (i % 160 == 90) {
      text += " " + quote + " " + t.Words(100);
      with_quote.insert(static_cast<DocId>(i));
    }
    docs.push_back({"readme/" + std::to_string(i), text, {}});
  }
  ASSERT_EQ(with_row.size(), 13u);
  ASSERT_EQ(with_quote.size(), 12u);
  auto e = Index(docs);
  auto report = e->SharedCopy();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->pairs.size(), 66u);
  for (const CopyPair& p : report->pairs) {
    EXPECT_TRUE(with_quote.contains(p.a) && with_quote.contains(p.b))
        << p.a << "-" << p.b;
  }
  auto passages = e->Passages(*with_row.begin(), *with_row.rbegin());
  ASSERT_TRUE(passages.ok()) << passages.status();
  ASSERT_FALSE(passages->empty());
  for (const Passage& p : *passages) {
    EXPECT_EQ(p.reason, Boilerplate::kMarkup);
  }
}

TEST(BoilerplateEngineTest, AStockLineEndingInCommonWordsIsAPhrase) {
  // 400 changelog-like texts; a six-word stock line in the middle of 30 of
  // them (common: 20 or more hold its shingles), and in two of those four
  // more words before it that only they share. Their ten-word passage is
  // rare for its fingerprints but seven of its words only are rare in a
  // row: a stock line. Two documents sharing ten rare words are copy.
  Texts t(11);
  const std::string stock = "bump the standards version to four";
  const std::string lead = t.Words(4);
  const std::string quote = t.Words(10);
  std::vector<Document> docs;
  for (int i = 0; i < 400; ++i) {
    std::string text = t.Words(120);
    if (i % 13 == 0) {
      text += " " + (i < 26 ? lead + " " : std::string()) + stock;
    }
    if (i == 100 || i == 200) text += " " + quote;
    text += " " + t.Words(120);
    docs.push_back({"log/" + std::to_string(i), text, {}});
  }
  auto e = Index(docs);
  auto report = e->SharedCopy();
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_EQ(report->pairs.size(), 1u);
  EXPECT_EQ(report->pairs[0].a, 100u);
  EXPECT_EQ(report->pairs[0].b, 200u);
  // Which rule names it depends on the fingerprints winnowing chose inside
  // it: mostly of the lead, a phrase (the rule PassageJudgeTest's
  // AStockLineIsAPhraseWhateverItsFingerprints checks alone); mostly of
  // the stock line, widespread. Never copy.
  auto passages = e->Passages(0, 13);
  ASSERT_TRUE(passages.ok()) << passages.status();
  ASSERT_FALSE(passages->empty());
  for (const Passage& p : *passages) {
    EXPECT_TRUE(p.reason == Boilerplate::kPhrase ||
                p.reason == Boilerplate::kWidespread)
        << BoilerplateName(p.reason);
  }
}

// 2,600 articles; a 60-word story in the middle of 25 of them (under the
// 1% that makes text widespread whatever its sources). `source_of(i)`
// names article i's source.
std::vector<Document> StoryIn25Of2600(
    const std::function<std::string(int)>& source_of, std::set<DocId>& holders,
    std::string& story) {
  Texts t(21);
  story = t.Words(60);
  std::vector<Document> docs;
  for (int i = 0; i < 2600; ++i) {
    std::string text = t.Words(100);
    if (i % 104 == 3) {
      text += " " + story;
      holders.insert(static_cast<DocId>(i));
    }
    text += " " + t.Words(100);
    Document d{"doc/" + std::to_string(i), text, {}};
    d.source = source_of(i);
    docs.push_back(std::move(d));
  }
  return docs;
}

TEST(BoilerplateEngineTest, AStoryTwentyFiveOutletsPrintIsCopy) {
  std::set<DocId> holders;
  std::string story;
  auto e = Index(StoryIn25Of2600(
      [](int i) { return "outlet " + std::to_string(i); }, holders, story));
  ASSERT_EQ(holders.size(), 25u);
  auto report = e->SharedCopy();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->pairs.size(), 25u * 24 / 2);
  for (const CopyPair& p : report->pairs) {
    EXPECT_TRUE(holders.contains(p.a) && holders.contains(p.b));
  }
  ASSERT_EQ(report->families.size(), 1u);
  EXPECT_EQ(report->families[0].num_docs, 25u);
}

TEST(BoilerplateEngineTest, TheSameTextOnPagesOfFewSourcesIsATemplate) {
  // Without sources (one unnamed source), and with two sites holding it
  // among a hundred: the story is template text, and no pair shares copy.
  const std::function<std::string(int)> no_source = [](int) {
    return std::string();
  };
  const std::function<std::string(int)> two_sites = [](int i) {
    return i % 104 == 3 ? "site " + std::to_string(i % 2)
                        : "site " + std::to_string(i % 100);
  };
  for (const auto* source_of : {&no_source, &two_sites}) {
    std::set<DocId> holders;
    std::string story;
    auto e = Index(StoryIn25Of2600(*source_of, holders, story));
    auto report = e->SharedCopy();
    ASSERT_TRUE(report.ok()) << report.status();
    EXPECT_EQ(report->pairs.size(), 0u);
    // The passage is there, judged a template.
    auto passages = e->Passages(*holders.begin(), *holders.rbegin());
    ASSERT_TRUE(passages.ok()) << passages.status();
    ASSERT_FALSE(passages->empty());
    for (const Passage& p : *passages) {
      EXPECT_TRUE(p.boilerplate);
      EXPECT_EQ(p.reason, Boilerplate::kTemplate);
    }
  }
}

TEST(BoilerplateEngineTest, AFooterOn200DocumentsGivesNoPairAndNoCluster) {
  Texts t(8);
  const std::string footer =
      "You received this message because you are subscribed to the harbour "
      "users list. To unsubscribe send an empty message to the list address "
      "or visit the archive page for your options.";
  std::vector<Document> docs;
  for (int i = 0; i < 300; ++i) {
    std::string text = t.Words(60 + i % 90);
    if (i < 200) text += "\n-- \n" + footer;
    docs.push_back({"msg/" + std::to_string(i), text, {}});
  }
  auto e = Index(docs);
  auto report = e->SharedCopy();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->pairs.empty()) << report->pairs.size() << " pairs";
  EXPECT_TRUE(report->clusters.empty());
  auto clustering = e->Cluster();
  ASSERT_TRUE(clustering.ok());
  EXPECT_TRUE(clustering->clusters.empty())
      << clustering->clusters.size() << " clusters, the first of "
      << clustering->clusters[0].members.size();
  EXPECT_TRUE(clustering->pairs.empty());
}

TEST(BoilerplateEngineTest, AFooterOnlyStubDoesNotChainTwoMessages) {
  Texts t(9);
  const std::string footer =
      "Sent from the harbour users list. Archives and options are on the "
      "list page; replies go to every subscriber unless you say otherwise.";
  std::vector<Document> docs;
  // Forty messages carry the footer, so that it is common.
  for (int i = 0; i < 40; ++i) {
    docs.push_back(
        {"list/" + std::to_string(i), t.Words(120) + "\n" + footer, {}});
  }
  // A and C: two versions each of two different messages; B: the footer
  // alone, with a greeting.
  const std::string a = t.Words(80), c = t.Words(80);
  docs.push_back({"a1", a + "\n" + footer, {}});
  docs.push_back({"a2", a + " Thanks.\n" + footer, {}});
  docs.push_back({"b", "Hello all.\n" + footer, {}});
  docs.push_back({"c1", c + "\n" + footer, {}});
  docs.push_back({"c2", c + " Regards.\n" + footer, {}});
  auto e = Index(docs);
  auto clustering = e->Cluster();
  ASSERT_TRUE(clustering.ok());
  std::map<std::string, uint32_t> cluster_of;
  for (const Cluster& cl : clustering->clusters) {
    for (DocId m : cl.members) cluster_of[e->id(m)] = cl.id;
  }
  // The versions of each message are found...
  ASSERT_TRUE(cluster_of.contains("a1") && cluster_of.contains("a2"));
  ASSERT_TRUE(cluster_of.contains("c1") && cluster_of.contains("c2"));
  EXPECT_EQ(cluster_of["a1"], cluster_of["a2"]);
  EXPECT_EQ(cluster_of["c1"], cluster_of["c2"]);
  // ...and not merged with each other, nor with the stub or the list.
  EXPECT_NE(cluster_of["a1"], cluster_of["c1"]);
  EXPECT_FALSE(cluster_of.contains("b"));
  EXPECT_EQ(clustering->clusters.size(), 2u);
  // Nor does shared copy link them through the footer.
  auto report = e->SharedCopy();
  ASSERT_TRUE(report.ok());
  for (const CopyPair& p : report->pairs) {
    const std::string x = e->id(p.a), y = e->id(p.b);
    EXPECT_EQ(x[0], y[0]) << x << " ~ " << y;
  }
}

TEST(BoilerplateEngineTest, ABriefHeldInAnUpdateDoesNotTakeItFromItsArticle) {
  // An article, its update (the last quarter rewritten), and a brief whose
  // text is mostly what the update added (as a site's brief is its
  // template and the most-read list the update shows too). The brief is
  // 90% in the update, the article 75% in it; but the article and its
  // update are versions of each other (Jaccard 0.57 against the brief's
  // 0.27). Taken by containment, the brief would join the update first
  // and the guard would keep the article out.
  Texts t(11);
  std::vector<Document> docs;
  for (int i = 0; i < 20; ++i) {
    docs.push_back({"other/" + std::to_string(i), t.Words(150), {}});
  }
  const std::string kept = t.Words(150), cut = t.Words(50),
                    added = t.Words(60);
  docs.push_back({"article", kept + " " + cut, {}});
  docs.push_back({"update", kept + " " + added, {}});
  docs.push_back({"brief", added + " " + t.Words(5), {}});
  auto e = Index(docs);
  auto clustering = e->Cluster();
  ASSERT_TRUE(clustering.ok());
  // The brief and the update are a verified pair...
  bool brief_pair = false;
  for (const VerifiedPair& p : clustering->pairs) {
    brief_pair |= e->id(p.a) == "brief" || e->id(p.b) == "brief";
  }
  EXPECT_TRUE(brief_pair);
  // ...but the cluster is the article's and its update's.
  ASSERT_EQ(clustering->clusters.size(), 1u);
  std::set<std::string> members;
  for (DocId m : clustering->clusters[0].members) members.insert(e->id(m));
  EXPECT_EQ(members, (std::set<std::string>{"article", "update"}));
}

TEST(BoilerplateEngineTest, ALicenceInsideASharedPassageIsCutOut) {
  Texts t(10);
  const std::string licence = t.Words(120);
  std::vector<Document> docs;
  // A licence on 60 of 100 packages, after each package's own lines.
  for (int i = 0; i < 100; ++i) {
    std::string text = "Files: " + t.Words(40);
    if (i < 60) text += " License: " + licence;
    docs.push_back({"pkg/" + std::to_string(i), text, {}});
  }
  // Two packages of one source, which share their copyright lines too,
  // right before the licence: one passage, half of it widespread.
  const std::string lines = t.Words(30);
  docs.push_back(
      {"src/a",
       "Files: " + t.Words(20) + " " + lines + " License: " + licence,
       {}});
  docs.push_back(
      {"src/b",
       "Upstream: " + t.Words(25) + " " + lines + " License: " + licence,
       {}});
  auto e = Index(docs);
  auto report = e->SharedCopy();
  ASSERT_TRUE(report.ok());
  // Only the two that share their own lines are a copy pair.
  ASSERT_EQ(report->pairs.size(), 1u);
  const CopyPair& p = report->pairs[0];
  EXPECT_EQ(e->id(p.a), "src/a");
  EXPECT_EQ(e->id(p.b), "src/b");
  const std::string a = *e->text(p.a);
  std::vector<std::string> copy, widespread;
  for (const Passage& q : p.passages) {
    const std::string text = a.substr(q.a_begin, q.a_end - q.a_begin);
    (q.boilerplate ? widespread : copy).push_back(text);
    if (q.boilerplate) {
      EXPECT_EQ(q.reason, Boilerplate::kWidespread);
    }
  }
  ASSERT_EQ(copy.size(), 1u);
  ASSERT_EQ(widespread.size(), 1u);
  // The copy piece is the shared lines (up to where the licence's first
  // widespread fingerprint falls), the boilerplate piece the licence.
  EXPECT_NE(copy[0].find(lines.substr(0, 40)), std::string::npos) << copy[0];
  EXPECT_EQ(copy[0].find(licence.substr(0, 60)), std::string::npos);
  EXPECT_NE(widespread[0].find(licence.substr(licence.size() / 2, 60)),
            std::string::npos)
      << widespread[0];
  // The pieces lie side by side, in the same place in both texts.
  const std::string b = *e->text(p.b);
  for (const Passage& q : p.passages) {
    EXPECT_EQ(a.substr(q.a_begin, q.a_end - q.a_begin),
              b.substr(q.b_begin, q.b_end - q.b_begin));
  }
}

TEST(BoilerplateEngineTest, CopiedTextWithStockLinesInsideIsOnePassage) {
  // Two packages of one source ship the same changelog: 400 words of their
  // own with a 12-word stock line ("New upstream release ...") that 40
  // other changelogs hold three times inside. It is one passage, all of it
  // copy, not the pieces between the stock lines.
  Texts t(12);
  const std::string stock = t.Words(12);
  std::vector<Document> docs;
  for (int i = 0; i < 200; ++i) {
    std::string text = t.Words(80);
    if (i < 40) text += " " + stock + " " + t.Words(20);
    docs.push_back({"pkg/" + std::to_string(i), text, {}});
  }
  std::string changelog = t.Words(100);
  for (int i = 0; i < 3; ++i) changelog += " " + stock + " " + t.Words(100);
  docs.push_back({"src/libfoo1", changelog, {}});
  docs.push_back({"src/libfoo-dev", changelog, {}});
  auto e = Index(docs);
  const DocId a = static_cast<DocId>(docs.size() - 2);
  const DocId b = a + 1;
  auto passages = e->Passages(a, b);
  ASSERT_TRUE(passages.ok()) << passages.status();
  ASSERT_EQ(passages->size(), 1u);
  const Passage& p = (*passages)[0];
  EXPECT_FALSE(p.boilerplate);
  EXPECT_EQ(p.reason, Boilerplate::kNone);
  EXPECT_EQ(p.a_begin, 0u);
  EXPECT_EQ(p.a_end, changelog.size() - 1);  // up to the final "."
  // The stock line is widespread on its own: a pair sharing only it (and
  // their own words otherwise) shares no copy.
  auto report = e->SharedCopy();
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_EQ(report->pairs.size(), 1u);
  EXPECT_EQ(report->pairs[0].a, a);
}

TEST(BoilerplateEngineTest, PassagesBeyondTheCapAreCounted) {
  Texts t(11);
  // Two texts sharing 30 separate sentences, each between text of their
  // own.
  std::string a, b;
  for (int i = 0; i < 30; ++i) {
    const std::string shared = t.Words(12);
    a += t.Words(6) + " " + shared + " ";
    b += t.Words(7) + " " + shared + " ";
  }
  Engine::Options o;
  o.copy.max_passages = 10;
  auto e = Engine::Create(o);
  ASSERT_TRUE(e.ok());
  ASSERT_TRUE((*e)->Add({"a", a, {}}).ok());
  auto m = (*e)->Query(b);
  ASSERT_TRUE(m.ok());
  ASSERT_EQ(m->size(), 1u);
  EXPECT_EQ((*m)[0].passages.size(), 10u);
  EXPECT_EQ((*m)[0].more_passages, 20u);
  // Tokens of every passage count, kept or not.
  EXPECT_GE((*m)[0].copied_tokens_query, 30u * 12u);
  ASSERT_TRUE((*e)->Add({"b", b, {}}).ok());
  uint32_t more = 0;
  auto passages = (*e)->Passages(0, 1, &more);
  ASSERT_TRUE(passages.ok());
  EXPECT_EQ(passages->size(), 10u);
  EXPECT_EQ(more, 20u);
  auto report = (*e)->SharedCopy();
  ASSERT_TRUE(report.ok());
  ASSERT_EQ(report->pairs.size(), 1u);
  EXPECT_EQ(report->pairs[0].more_passages, 20u);
}

// Boilerplate is judged the same from a saved index: the common shingles
// are counted again from the sets, the fingerprint frequencies come back
// with the postings.
TEST(BoilerplateEngineTest, ASavedIndexJudgesBoilerplateAlike) {
  Texts t(13);
  const std::string footer = t.Words(30), quote = t.Words(40);
  std::vector<Document> docs;
  for (int i = 0; i < 120; ++i) {
    std::string text = t.Words(80);
    if (i % 10 == 3) text += " " + quote + " " + t.Words(30);
    if (i % 2 == 0) text += "\n" + footer;
    docs.push_back({"d/" + std::to_string(i), text, {}});
  }
  const auto answers = [](const Engine& e) {
    std::vector<std::string> out;
    auto c = e.Cluster();
    EXPECT_TRUE(c.ok());
    for (const VerifiedPair& p : c->pairs) {
      out.push_back("near " + e.id(p.a) + " " + e.id(p.b));
    }
    auto r = e.SharedCopy();
    EXPECT_TRUE(r.ok());
    for (const CopyPair& p : r->pairs) {
      std::string line = "copy " + e.id(p.a) + " " + e.id(p.b);
      for (const Passage& q : p.passages) {
        line += " " + std::to_string(q.a_begin) + ":" +
                std::string(BoilerplateName(q.reason));
      }
      out.push_back(line);
    }
    return out;
  };
  auto e = Index(docs);
  const std::vector<std::string> before = answers(*e);
  EXPECT_GE(before.size(), 66u);  // the quote, among its 12 holders
  const std::string path =
      (std::filesystem::temp_directory_path() /
       ("mimeo_bp_" + std::to_string(::getpid()) + ".mimeo"))
          .string();
  ASSERT_TRUE(e->Save(path).ok());
  auto loaded = Engine::Load(path, {});
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(answers(**loaded), before);
  std::filesystem::remove(path);
}

TEST(BoilerplateEngineTest, QueryAnswersDoNotDependOnClusterHavingRun) {
  Texts t(12);
  const std::string footer = t.Words(30);
  std::vector<Document> docs;
  for (int i = 0; i < 40; ++i) {
    docs.push_back({"m/" + std::to_string(i), t.Words(20) + " " + footer, {}});
  }
  const std::string query = t.Words(20) + " " + footer;
  // The footer becomes common at the 19th document, between two of
  // Query()'s refreshes (at 17 and 20): Cluster() after every Add() counts
  // it at once, and Query() must not take that count over.
  const auto answers = [&](bool cluster_first) {
    Engine::Options o;
    o.common.min_docs = 19;
    auto e = Engine::Create(o);
    EXPECT_TRUE(e.ok());
    std::vector<std::string> out;
    for (size_t i = 0; i < docs.size(); ++i) {
      EXPECT_TRUE((*e)->Add(docs[i]).ok());
      if (cluster_first) {
        EXPECT_TRUE((*e)->Cluster().ok());
      }
      auto m = (*e)->Query(query);
      EXPECT_TRUE(m.ok());
      std::string line;
      for (const Match& x : *m) {
        line += x.id + (x.near_duplicate ? "+" : "-") + " ";
      }
      out.push_back(line);
    }
    return out;
  };
  EXPECT_EQ(answers(false), answers(true));
}

}  // namespace
}  // namespace mimeo
