// Articles drawn from the word frequencies of bbc-news, for the index
// benches (index_bench.cc, durable_bench.cc): 150 to 700 words each, in
// sentences, each from its own seed. Such texts share frequent words and
// phrases the way articles do, but no document copies another. Not part of
// the library.
#ifndef MIMEO_BENCH_WORD_MODEL_H_
#define MIMEO_BENCH_WORD_MODEL_H_

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "corpora.h"
#include "internal/mix.h"

namespace mimeo::bench {

// Cheap enough that drawing words does not dominate building a
// million-document index.
struct Rng {
  mimeo::internal::SplitMix64 mix;
  uint64_t Below(uint64_t n) { return mix.Next() % n; }
};

// The words of bbc-news and a table to draw them by frequency.
class WordModel {
 public:
  WordModel() {
    const std::vector<std::string> articles =
        mimeo::bench::BbcNewsArticles(MIMEO_SOURCE_DIR);
    absl::flat_hash_map<std::string, uint32_t> index;
    for (const std::string& article : articles) {
      std::istringstream in(article);
      std::string w;
      while (in >> w) {
        // Keep letters only, lower case: sentences are put back together
        // below.
        std::string clean;
        for (char c : w) {
          if (std::isalpha(static_cast<unsigned char>(c))) {
            clean.push_back(
                static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
          }
        }
        if (clean.empty()) continue;
        auto [it, added] = index.try_emplace(clean, words_.size());
        if (added) words_.push_back(clean);
        draws_.push_back(it->second);
      }
    }
    if (draws_.empty()) {
      std::fprintf(stderr,
                   "mimeo bench: no bbc-news texts under ../shared/datasets "
                   "beside the source tree; set MIMEO_DATASETS\n");
      std::exit(1);
    }
  }

  // Document `n`: the same text every time for the same n.
  std::string Document(uint64_t n) const {
    Rng rng{mimeo::internal::SplitMix64(n)};
    const size_t words = 150 + rng.Below(551);
    std::string text;
    text.reserve(words * 8);
    size_t sentence = 0, length = 8 + rng.Below(20);
    for (size_t i = 0; i < words; ++i) {
      const size_t start = text.size();
      text += words_[draws_[rng.Below(draws_.size())]];
      if (sentence == 0) {
        text[start] = static_cast<char>(std::toupper(text[start]));
      }
      if (++sentence >= length) {
        text += ". ";
        sentence = 0;
        length = 8 + rng.Below(20);
      } else {
        text += ' ';
      }
    }
    return text;
  }

  // `text` with about one word in 25 replaced: a Jaccard similarity of
  // about 0.7 on word 5-shingles.
  std::string Edit(const std::string& text, uint64_t seed) const {
    Rng rng{mimeo::internal::SplitMix64(~seed)};
    std::istringstream in(text);
    std::string out, w;
    while (in >> w) {
      if (rng.Below(25) == 0) w = words_[draws_[rng.Below(draws_.size())]];
      out += w;
      out += ' ';
    }
    return out;
  }

 private:
  std::vector<std::string> words_;
  std::vector<uint32_t> draws_;  // one entry per word of the corpus
};

inline const WordModel& Model() {
  static const WordModel model;
  return model;
}

// The resident set of this process, in bytes.
inline uint64_t RssBytes() {
  std::ifstream in("/proc/self/statm");
  uint64_t pages = 0, rss = 0;
  in >> pages >> rss;
  return rss * 4096;
}

}  // namespace mimeo::bench

#endif  // MIMEO_BENCH_WORD_MODEL_H_
