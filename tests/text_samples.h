// Generated text for the tests that hold the normalizer's and the
// tokenizer's ASCII block paths to their byte-by-byte references: every
// kind of byte those paths must hand on correctly, at every place in a
// 64-byte block.
#ifndef MIMEO_TESTS_TEXT_SAMPLES_H_
#define MIMEO_TESTS_TEXT_SAMPLES_H_

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace mimeo::testing {

// Pieces that are not plain ASCII words: characters NFKC, case folding or
// punctuation folding change, combining marks (alone, in pairs, after a
// space), non-ASCII spaces and default-ignorables, Greek, Cyrillic, Han,
// Thai, conjoining Hangul jamo, fullwidth letters, an emoji, invalid UTF-8
// (stray continuation bytes, truncated sequences, an overlong form, a
// surrogate, past U+10FFFF, 0xFF), control characters, runs of
// whitespace, and markup and HTML entities (text to the normalizer).
inline const std::vector<std::string>& MessyPieces() {
  static const std::vector<std::string> pieces = {
      "\xc3\xa9", "e\xcc\x81", "\xcc\x81", "\xcc\x81\xcc\xa3", "\xcd\x85",
      "\xd9\x8b", "\xc2\xa0", "\xe2\x80\xa8", "\xe3\x80\x80", "\xc2\xad",
      "\xe2\x80\x8b", "\xe2\x80\x8d", "\xef\xbb\xbf", "\xe2\x80\x9c",
      "\xe2\x80\x9d", "\xe2\x80\x99", "\xe2\x80\x94", "\xe2\x88\x92",
      "\xef\xac\x81", "\xc3\x9f", "\xe1\xba\x9e", "\xc7\x85", "\xe2\x84\xab",
      "\xce\x94\xce\xb7", "\xd0\x96", "\xe4\xb8\xad\xe6\x96\x87",
      "\xe0\xb8\x81\xe0\xb8\xb1", "\xe0\xa4\x95\xe0\xa5\x8d",
      "\xe1\x84\x80\xe1\x85\xa1", "\xef\xbc\xa1", "\xf0\x9f\x98\x80",
      "\xc2\xa3", "\x80", "\xbf", "\xc3", "\xe2\x82", "\xc0\xaf",
      "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xff", std::string(1, '\0'),
      "\x7f", "\x01", "\x1b", "\t", "\n", "\r\n", "\n\n", " ", "  ",
      "&amp;", "&nbsp;", "&#233;", "<p>", "</b>"};
  return pieces;
}

// `len` ASCII bytes: mostly letters of both cases, digits, punctuation
// and spaces, with a few control characters, NULs and DELs. When `spacey`,
// two bytes in five are spaces, tabs or newlines, so that runs of them
// are common.
inline std::string RandomAscii(std::mt19937_64& rng, size_t len,
                               bool spacey = false) {
  static const std::string kAlphabet =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
      "      .,;:'\"-!?()[]{}<>/\\@#$%^&*_+=~`|";
  std::string s(len, ' ');
  for (char& c : s) {
    const uint64_t r = rng() % 100;
    c = r < 3            ? static_cast<char>(rng() % 32)
        : r < 4          ? '\x7f'
        : spacey && r < 44 ? " \t\n"[rng() % 3]
                         : kAlphabet[rng() % kAlphabet.size()];
  }
  return s;
}

// A random mix of ASCII stretches (short, and up to a few blocks long),
// messy pieces, and now and then random bytes.
inline std::string RandomMessyText(std::mt19937_64& rng) {
  const std::vector<std::string>& pieces = MessyPieces();
  std::string s;
  for (int k = static_cast<int>(rng() % 12); k > 0; --k) {
    switch (rng() % 4) {
      case 0:
        s += RandomAscii(rng, rng() % 41, rng() % 2 == 0);
        break;
      case 1:
        s += RandomAscii(rng, rng() % 300, rng() % 2 == 0);
        break;
      default:
        for (int j = 1 + static_cast<int>(rng() % 3); j > 0; --j) {
          s += pieces[rng() % pieces.size()];
        }
    }
  }
  if (rng() % 8 == 0) {
    for (size_t k = rng() % 100; k > 0; --k) s += static_cast<char>(rng());
  }
  return s;
}

// Stretches of ASCII of every length from 0 to 40 and around the lengths
// where the paths change blocks or chunks (64 and its multiples, and the
// normalizer's growing chunks, 63 + 127 + 255 + ... bytes), each ending
// the text, or followed by a non-ASCII letter, a combining mark or a
// non-ASCII space, and each after nothing, a word, a non-ASCII letter or
// a space.
inline std::vector<std::string> AsciiStretches(std::mt19937_64& rng) {
  std::vector<size_t> lengths;
  for (size_t len = 0; len <= 40; ++len) lengths.push_back(len);
  for (size_t edge : {64, 128, 190, 192, 445, 956, 1979, 2048, 4026, 6073}) {
    for (size_t len = edge - 3; len <= edge + 3; ++len) lengths.push_back(len);
  }
  const std::string before[] = {"", "word ", "\xc3\xa9", "x ", "\xc3\xa9  "};
  const std::string after[] = {"", "\xc3\xa9", "\xcc\x81", "\xc2\xa0x",
                               " \xcc\x81"};
  std::vector<std::string> out;
  for (size_t len : lengths) {
    for (const std::string& b : before) {
      for (const std::string& a : after) {
        out.push_back(b + RandomAscii(rng, len, out.size() % 2 == 0) + a);
      }
    }
  }
  return out;
}

}  // namespace mimeo::testing

#endif  // MIMEO_TESTS_TEXT_SAMPLES_H_
