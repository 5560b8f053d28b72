#include "mimeo/tokenize.h"

#include <cctype>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "internal/minhash_kernels.h"
#include "internal/text_kernels.h"
#include "mimeo/normalize.h"
#include "test_util.h"
#include "text_samples.h"

namespace mimeo {
namespace {

std::vector<std::string> Words(std::string_view text,
                               Tokenizer::Options o = {}) {
  auto t = Tokenizer::Create(o);
  EXPECT_TRUE(t.ok());
  std::vector<Token> tokens;
  t->Tokenize(text, tokens);
  std::vector<std::string> out;
  for (const Token& tok : tokens) {
    out.emplace_back(text.substr(tok.begin, tok.end - tok.begin));
  }
  return out;
}

using V = std::vector<std::string>;

TEST(TokenizerTest, SplitsWordsOnPunctuationAndSpace) {
  EXPECT_EQ(Words("we're going, to sochi-2008!"),
            (V{"we", "re", "going", "to", "sochi", "2008"}));
  EXPECT_EQ(Words(""), V{});
  EXPECT_EQ(Words(" ... !!! "), V{});
}

TEST(TokenizerTest, KeepsAccentsAndOtherScriptsInWords) {
  EXPECT_EQ(Words("na\xc3\xafve \xce\xb4\xce\xb7\xce\xbc\xce\xbf\xcf\x82"),
            (V{"na\xc3\xafve", "\xce\xb4\xce\xb7\xce\xbc\xce\xbf\xcf\x82"}));
  // A combining mark stays inside its word.
  EXPECT_EQ(Words("cafe\xcc\x81 ok"), (V{"cafe\xcc\x81", "ok"}));
}

TEST(TokenizerTest, CjkAndThaiArePerCharacter) {
  // 北京 is two tokens; mixed with Latin, the Latin word stays whole.
  EXPECT_EQ(Words("\xe5\x8c\x97\xe4\xba\xac" "abc"),
            (V{"\xe5\x8c\x97", "\xe4\xba\xac", "abc"}));
  // Hiragana.
  EXPECT_EQ(Words("\xe3\x81\x82\xe3\x81\x84"), (V{"\xe3\x81\x82", "\xe3\x81\x84"}));
  // Thai: ก + SARA I (a combining vowel) is one token, then ข.
  EXPECT_EQ(Words("\xe0\xb8\x81\xe0\xb8\xb4\xe0\xb8\x82"),
            (V{"\xe0\xb8\x81\xe0\xb8\xb4", "\xe0\xb8\x82"}));
}

TEST(TokenizerTest, CharacterNgrams) {
  Tokenizer::Options o;
  o.mode = Tokenizer::Mode::kCharNgrams;
  o.char_ngram = 3;
  EXPECT_EQ(Words("abcd e", o), (V{"abc", "bcd", "cd e"}));
  // Shorter than one n-gram: one token, never none.
  EXPECT_EQ(Words("ab", o), (V{"ab"}));
  EXPECT_EQ(Words("", o), V{});
  // Multi-byte characters count as one.
  EXPECT_EQ(Words("\xc3\xa9t\xc3\xa9", o), (V{"\xc3\xa9t\xc3\xa9"}));
}

TEST(TokenizerTest, RejectsBadNgramSize) {
  Tokenizer::Options o;
  o.mode = Tokenizer::Mode::kCharNgrams;
  o.char_ngram = 0;
  EXPECT_FALSE(Tokenizer::Create(o).ok());
  o.char_ngram = 33;
  EXPECT_FALSE(Tokenizer::Create(o).ok());
}

TEST(TokenizerTest, RejectsUnknownMode) {
  Tokenizer::Options o;
  o.mode = static_cast<Tokenizer::Mode>(7);
  const absl::Status s = o.Validate();
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("mode"), std::string_view::npos) << s;
  EXPECT_FALSE(Tokenizer::Create(o).ok());
}

TEST(TokenizerTest, InvalidBytesSeparate) {
  EXPECT_EQ(Words(std::string("ab\xff" "cd")), (V{"ab", "cd"}));
}

}  // namespace
}  // namespace mimeo

namespace mimeo {
namespace {

// The 64-bytes-at-a-time ASCII path against a plain model (tokens are runs
// of ASCII letters and digits), across chunk edges and with non-ASCII
// letters mixed in to switch paths mid-text.
TEST(TokenizerTest, AsciiChunksMatchThePlainRule) {
  std::mt19937_64 rng(23);
  const std::string alphabet = "abcdefghijklmnopqrstuvwxyz0123456789    .,-'";
  auto t = *Tokenizer::Create({});
  std::vector<Token> got;
  for (int round = 0; round < 500; ++round) {
    std::string text;
    const size_t len = rng() % 400;
    while (text.size() < len) {
      if (rng() % 50 == 0) {
        text += "\xc3\xa9";  // é, a word character outside ASCII
      } else {
        text += alphabet[rng() % alphabet.size()];
      }
    }
    std::vector<Token> want;
    bool in = false;
    uint32_t begin = 0;
    for (size_t i = 0; i <= text.size(); ++i) {
      const unsigned char c = i < text.size() ? text[i] : ' ';
      const bool word = std::isalnum(c) || c >= 0x80;
      if (word && !in) begin = static_cast<uint32_t>(i);
      if (!word && in) want.push_back({begin, static_cast<uint32_t>(i)});
      in = word;
    }
    t.Tokenize(text, got);
    ASSERT_EQ(got.size(), want.size()) << "round " << round;
    for (size_t i = 0; i < got.size(); ++i) {
      ASSERT_EQ(got[i].begin, want[i].begin) << "round " << round;
      ASSERT_EQ(got[i].end, want[i].end) << "round " << round;
    }
  }
}

// Every SIMD target marks letters, digits and high bytes as the scalar
// reference does, for texts of every length around the 64-byte block.
TEST(TextKernelTest, WordBytesTargetsMatchScalarReference) {
  const std::vector<std::string> targets = internal::MinHashTargets();
  ASSERT_FALSE(targets.empty());
  std::mt19937_64 rng(37);
  for (size_t n = 0; n <= 300; n += n < 140 ? 1 : 37) {
    for (int kind = 0; kind < 2; ++kind) {
      std::string text = kind == 0 ? std::string(n, ' ')
                                   : testing::RandomAscii(rng, n);
      if (kind == 0) {
        for (char& c : text) c = static_cast<char>(rng());
      }
      const auto* p = reinterpret_cast<const uint8_t*>(text.data());
      const size_t blocks = (n + 63) / 64;
      std::vector<uint64_t> want(2 * blocks), got(2 * blocks);
      internal::WordBytesScalar(p, n, want.data(), want.data() + blocks);
      for (size_t t = 0; t < targets.size(); ++t) {
        std::fill(got.begin(), got.end(), 0x5555);
        internal::WordBytesOnTarget(t, p, n, got.data(), got.data() + blocks);
        EXPECT_EQ(got, want) << targets[t] << " n " << n << " kind " << kind;
      }
    }
  }
}

// Tokenize() and the character-by-character reference give the same
// tokens. `what` names the text in a failure.
void ExpectSameAsByCharacter(const Tokenizer::Options& o, std::string_view text,
                             std::string_view what) {
  auto t = *Tokenizer::Create(o);
  std::vector<Token> got, want;
  t.Tokenize(text, got);
  internal::TokenizeByCharacter(o, text, want);
  ASSERT_EQ(got.size(), want.size()) << what << " '" << text << "'";
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_EQ(got[i].begin, want[i].begin) << what << " token " << i;
    ASSERT_EQ(got[i].end, want[i].end) << what << " token " << i;
  }
}

// Words and n-grams of random messy text as it comes (invalid UTF-8
// included) and as the normalizer gives it, of stretches of ASCII of every
// length around the block, and of texts with enough tokens, Han
// characters and marks to fill the edge buffer many times over (a mark
// right after it moves to the output extends the token there): the block
// path changes nothing.
TEST(TokenizerTest, BlockPathMatchesByCharacter) {
  std::mt19937_64 rng(41);
  std::vector<std::string> texts = testing::AsciiStretches(rng);
  auto n = *Normalizer::Create({});
  for (int k = 0; k < 3000; ++k) {
    texts.push_back(testing::RandomMessyText(rng));
    texts.push_back(n.Normalize(texts.back())->text);
  }
  const std::string cjk = "\xe4\xb8\xad", mark = "\xcc\x81";
  for (const std::string& unit :
       {"ab " + cjk + mark, cjk + mark, cjk + mark + mark, "a" + mark + " ",
        std::string("x "), cjk + "1" + mark}) {
    std::string text;
    for (int k = 0; k < 3000; ++k) text += unit;
    texts.push_back(text);
  }
  Tokenizer::Options ngrams;
  ngrams.mode = Tokenizer::Mode::kCharNgrams;
  ngrams.char_ngram = 3;
  for (const Tokenizer::Options& o : {Tokenizer::Options{}, ngrams}) {
    for (size_t k = 0; k < texts.size(); ++k) {
      ExpectSameAsByCharacter(o, texts[k], "text " + std::to_string(k));
      if (::testing::Test::HasFatalFailure()) return;
    }
  }
}

// The same on every bbc-news article, as it comes and normalized.
TEST(TokenizerTest, BlockPathMatchesByCharacterOnBbcNews) {
  const std::string root = testing::SharedDatasets();
  const std::filesystem::path dir = std::filesystem::path(root) / "bbc-news";
  std::error_code ec;
  if (root.empty() || !std::filesystem::is_directory(dir, ec)) {
    GTEST_SKIP() << "../shared/datasets/bbc-news absent";
  }
  auto n = *Normalizer::Create({});
  size_t files = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file() || e.path().extension() != ".txt") continue;
    const std::string text = testing::ReadFile(e.path());
    ExpectSameAsByCharacter({}, text, e.path().string());
    ExpectSameAsByCharacter({}, n.Normalize(text)->text, e.path().string());
    if (::testing::Test::HasFatalFailure()) return;
    ++files;
  }
  EXPECT_GT(files, 2000u);
}

}  // namespace
}  // namespace mimeo
