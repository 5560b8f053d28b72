// mimeo_gen: a labelled corpus of copies, generated from real text.
//
//   mimeo_gen --from DIR --out OUT [--docs N] [--seed S]
//
// Reads the .txt files under DIR (real articles), keeps those of at least
// 80 words (and one of each group of copies among them), and writes OUT/docs.jsonl ({"id", "text"} per line) and
// OUT/labels.jsonl ({"id", "cluster", "kind", "source", "jaccard",
// "containment"}; source, jaccard and containment are absent for
// originals). About 40% of documents are originals, 20% near_dup, 30%
// reprint and 10% chain. Kinds:
//
//   original    a real article, unchanged; once every article has been
//               used, a real article in disguise (below)
//   near_dup    an original with word edits, dropped sentences, reordered
//               paragraphs, an added header and footer, or several of these
//   reprint     30-70% of an original (whole consecutive paragraphs, or
//               sentences when it has few) inside new text: an intro and an
//               ending of its own
//   chain       a reprint or near_dup of a near_dup or of a reprint (a copy
//               of a copy); its source is the copy it was made from
//
// Any size is possible (1k to 1M documents and beyond) from a few thousand
// articles: past the first use of each article, originals, intros and
// endings are disguised articles. A disguise keeps the article's
// paragraphs, sentences, punctuation and short words, and replaces every
// word of four letters or more through a substitution drawn from the
// corpus's own vocabulary, different for each disguise. Disguised texts
// therefore read like the corpus word by word but share no passage with
// each other, and every reprint's intro and ending are its own.
//
// "jaccard" and "containment" (the share of the document's word 5-grams
// found in its source) are exact, on mimeo's default shingles. The same
// seed and input give the same bytes, on any number of threads. Real
// articles repeat text (agency copy, boilerplate), so the labels are a
// floor: pairs they do not list may truly share text.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "mimeo/engine.h"
#include "mimeo/normalize.h"
#include "mimeo/shingle.h"
#include "mimeo/tokenize.h"
#include "mimeo/verify.h"
#include "json_writer.h"
#include "oneapi/tbb/enumerable_thread_specific.h"
#include "oneapi/tbb/parallel_for.h"

namespace {
namespace fs = std::filesystem;

// Deterministic on every standard library (std distributions are not).
class Rng {
 public:
  explicit Rng(uint64_t seed) : g_(seed) {}
  uint64_t Below(uint64_t n) { return n == 0 ? 0 : g_() % n; }
  double Unit() { return static_cast<double>(g_() >> 11) * 0x1.0p-53; }
  bool Chance(double p) { return Unit() < p; }

 private:
  std::mt19937_64 g_;
};

std::vector<std::string> Split(const std::string& text, const std::string& sep) {
  std::vector<std::string> out;
  size_t p = 0;
  while (p <= text.size()) {
    size_t q = text.find(sep, p);
    if (q == std::string::npos) q = text.size();
    std::string piece = text.substr(p, q - p);
    const size_t b = piece.find_first_not_of(" \t\r\n");
    if (b != std::string::npos) {
      piece = piece.substr(b, piece.find_last_not_of(" \t\r\n") - b + 1);
      out.push_back(piece);
    }
    p = q + sep.size();
  }
  return out;
}

size_t Words(const std::string& t) {
  std::istringstream in(t);
  return std::distance(std::istream_iterator<std::string>(in),
                       std::istream_iterator<std::string>());
}

// An article as units of at most about 60 words: its paragraphs, with a
// longer paragraph cut into runs of sentences, so that reprints can take
// whole units and still hit their share.
std::vector<std::string> Paragraphs(const std::string& text) {
  std::vector<std::string> out;
  for (const std::string& para : Split(text, "\n\n")) {
    if (Words(para) <= 60) {
      out.push_back(para);
      continue;
    }
    std::string unit;
    for (const std::string& sentence : Split(para, ". ")) {
      unit += (unit.empty() ? "" : " ") + sentence +
              (sentence.back() == '.' ? "" : ".");
      if (Words(unit) >= 40) {
        out.push_back(unit);
        unit.clear();
      }
    }
    if (!unit.empty()) out.push_back(unit);
  }
  return out;
}

std::string Join(const std::vector<std::string>& paras) {
  std::string out;
  for (const std::string& p : paras) {
    if (!out.empty()) out += "\n\n";
    out += p;
  }
  return out;
}

class Labeller {
 public:
  Labeller()
      : normalizer_(*mimeo::Normalizer::Create({})),
        tokenizer_(*mimeo::Tokenizer::Create({})),
        shingler_(*mimeo::Shingler::Create({})) {}
  std::vector<uint64_t> Set(const std::string& text) {
    normalizer_.Normalize(text, normalized_).IgnoreError();
    tokenizer_.Tokenize(normalized_.text, tokens_);
    shingler_.Shingle(normalized_.text, tokens_, shingles_);
    std::vector<uint64_t> set;
    mimeo::SortedSet(shingles_.hashes, set);
    return set;
  }

 private:
  mimeo::Normalizer normalizer_;
  mimeo::Tokenizer tokenizer_;
  mimeo::Shingler shingler_;
  mimeo::NormalizedText normalized_;
  std::vector<mimeo::Token> tokens_;
  mimeo::Shingles shingles_;
};

const char* kHeaders[] = {
    "Published by the Morning Ledger news desk. Subscribe for daily updates.",
    "From our wire partners. This story has been edited for length.",
    "Reprinted with permission. Follow us for more stories like this.",
};
const char* kFooters[] = {
    "Copyright the Morning Ledger. All rights reserved. Do not redistribute.",
    "Share this article with your friends and sign up for our newsletter.",
    "Comments are closed for this story. Read more from our regional desk.",
};

std::string NearDuplicate(const std::string& text, Rng& rng,
                          const std::vector<std::string>& vocabulary) {
  std::vector<std::string> paras = Paragraphs(text);
  const int what = static_cast<int>(rng.Below(5));  // 4: all of them
  if (what == 0 || what == 4) {  // word edits, about 3% of words
    for (std::string& p : paras) {
      std::vector<std::string> words = Split(p, " ");
      for (std::string& w : words) {
        if (rng.Chance(0.03)) w = vocabulary[rng.Below(vocabulary.size())];
      }
      p.clear();
      for (const std::string& w : words) p += (p.empty() ? "" : " ") + w;
    }
  }
  if ((what == 1 || what == 4) && paras.size() > 3) {  // drop a paragraph
    paras.erase(paras.begin() + rng.Below(paras.size()));
  }
  if ((what == 2 || what == 4) && paras.size() > 2) {  // swap two
    const size_t i = rng.Below(paras.size() - 1);
    std::swap(paras[i], paras[i + 1]);
  }
  if (what == 3 || what == 4) {  // header and footer
    paras.insert(paras.begin(), kHeaders[rng.Below(3)]);
    paras.push_back(kFooters[rng.Below(3)]);
  }
  return Join(paras);
}

// `intro_from` and `ending_from` give the reprint's first two and last two
// units.
std::string Reprint(const std::string& source, const std::string& intro_from,
                    const std::string& ending_from, Rng& rng) {
  const std::vector<std::string> paras = Paragraphs(source);
  const double share = 0.3 + 0.4 * rng.Unit();
  const size_t total = Words(source);
  // A window of consecutive paragraphs holding about `share` of the words.
  size_t start = rng.Below(paras.size());
  std::vector<std::string> taken;
  size_t words = 0;
  for (size_t i = start; words < share * total; i = (i + 1) % paras.size()) {
    if (i == start && !taken.empty()) break;
    if (i == 0 && !taken.empty()) {  // wrap: keep order by restarting
      taken.clear();
      words = 0;
    }
    taken.push_back(paras[i]);
    words += Words(paras[i]);
  }
  std::vector<std::string> intro = Paragraphs(intro_from);
  std::vector<std::string> ending = Paragraphs(ending_from);
  std::vector<std::string> out(intro.begin(),
                               intro.begin() + std::min<size_t>(2, intro.size()));
  out.insert(out.end(), taken.begin(), taken.end());
  const size_t keep = std::min<size_t>(2, ending.size());
  out.insert(out.end(), ending.end() - keep, ending.end());
  return Join(out);
}

// The corpus's words of four to twelve ASCII letters, lower-cased, sorted
// and distinct: what disguises and word edits draw from.
std::vector<std::string> Vocabulary(const std::vector<std::string>& articles) {
  std::vector<std::string> words;
  for (const std::string& a : articles) {
    size_t i = 0;
    while (i < a.size()) {
      if (!std::isalpha(static_cast<unsigned char>(a[i]))) {
        ++i;
        continue;
      }
      size_t j = i;
      while (j < a.size() && std::isalpha(static_cast<unsigned char>(a[j]))) ++j;
      if (j - i >= 4 && j - i <= 12) {
        std::string w = a.substr(i, j - i);
        for (char& c : w) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        words.push_back(std::move(w));
      }
      i = j;
    }
  }
  std::sort(words.begin(), words.end());
  words.erase(std::unique(words.begin(), words.end()), words.end());
  return words;
}

// FNV-1a then a SplitMix64 finish: the same on every platform.
uint64_t WordKey(std::string_view word, uint64_t variant) {
  uint64_t h = 0xcbf29ce484222325ULL ^ variant;
  for (char c : word) {
    h ^= static_cast<unsigned char>(std::tolower(static_cast<unsigned char>(c)));
    h *= 0x100000001b3ULL;
  }
  h += 0x9e3779b97f4a7c15ULL * (variant + 1);
  h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
  h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
  return h ^ (h >> 31);
}

// `text` with every ASCII word of four letters or more replaced by a
// vocabulary word chosen by (word, variant): the same word gets the same
// replacement throughout, so repetitions survive. Capitalization is kept.
std::string Disguise(const std::string& text, uint64_t variant,
                     const std::vector<std::string>& vocabulary) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  size_t i = 0;
  while (i < text.size()) {
    if (!std::isalpha(static_cast<unsigned char>(text[i]))) {
      out += text[i++];
      continue;
    }
    size_t j = i;
    while (j < text.size() && std::isalpha(static_cast<unsigned char>(text[j]))) ++j;
    const std::string_view word(text.data() + i, j - i);
    if (word.size() < 4) {
      out += word;
    } else {
      std::string w = vocabulary[WordKey(word, variant) % vocabulary.size()];
      const bool upper0 = std::isupper(static_cast<unsigned char>(word[0]));
      const bool upper1 = std::isupper(static_cast<unsigned char>(word[1]));
      for (size_t k = 0; k < w.size(); ++k) {
        if (k == 0 ? upper0 : upper0 && upper1) {
          w[k] = static_cast<char>(std::toupper(static_cast<unsigned char>(w[k])));
        }
      }
      out += w;
    }
    i = j;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"mimeo_gen: a labelled corpus of copies from real text"};
  std::string from, out_dir;
  size_t num_docs = 2000;
  uint64_t seed = 1;
  app.add_option("--from", from, "directory of real .txt articles")->required();
  app.add_option("--out", out_dir, "output directory")->required();
  app.add_option("--docs", num_docs, "documents to write")
      ->check(CLI::Range(size_t{1}, size_t{100'000'000}));
  app.add_option("--seed", seed, "random seed");
  CLI11_PARSE(app, argc, argv);

  std::error_code ec;
  if (!fs::is_directory(from, ec)) {
    std::fprintf(stderr, "mimeo_gen: '%s' is not a directory\n", from.c_str());
    return 2;
  }
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(from, ec)) {
    if (e.is_regular_file() && e.path().extension() == ".txt") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<std::string> articles;
  for (const fs::path& p : files) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    if (Words(ss.str()) >= 80) articles.push_back(ss.str());
  }
  if (articles.size() < 10) {
    std::fprintf(stderr, "mimeo_gen: '%s' has %zu articles of 80+ words; need 10\n",
                 from.c_str(), articles.size());
    return 2;
  }
  // Real corpora hold copies (bbc-news repeats 101 stories); labels would
  // call them unrelated originals. Keep the first article of each group of
  // near-duplicates or shared copy, as mimeo's defaults find them.
  {
    mimeo::Engine::Options o;
    o.copy.enabled = false;
    auto engine = mimeo::Engine::Create(o);
    std::vector<mimeo::Document> batch;
    for (size_t i = 0; i < articles.size(); ++i) {
      batch.push_back({"a" + std::to_string(i), articles[i]});
    }
    auto clustering = (*engine)->AddBatch(batch).ok() ? (*engine)->Cluster()
                                                      : absl::StatusOr<mimeo::Clustering>();
    if (!clustering.ok()) {
      std::fprintf(stderr, "mimeo_gen: %s\n", clustering.status().ToString().c_str());
      return 1;
    }
    std::vector<bool> drop(articles.size(), false);
    for (const mimeo::Cluster& c : clustering->clusters) {
      for (size_t m = 1; m < c.members.size(); ++m) drop[c.members[m]] = true;
    }
    size_t kept = 0;
    for (size_t i = 0; i < articles.size(); ++i) {
      if (drop[i]) continue;
      if (kept != i) articles[kept] = std::move(articles[i]);
      ++kept;
    }
    articles.resize(kept);
  }
  Rng rng(seed);
  // A fixed shuffle; the first fifth are fillers (intros and endings).
  for (size_t i = articles.size(); i > 1; --i) {
    std::swap(articles[i - 1], articles[rng.Below(i)]);
  }
  const size_t fillers = articles.size() / 5;
  const size_t sources = articles.size() - fillers;
  const std::vector<std::string> vocabulary = Vocabulary(articles);
  // Disguise variants: originals take 1, 2, ... (one per pass over the
  // articles); intros and endings take their own, from 2^40 up.
  uint64_t next_filler_variant = uint64_t{1} << 40;
  auto filler = [&]() {
    const std::string& a = articles[rng.Below(fillers)];
    return Disguise(a, seed * 0x9e3779b97f4a7c15ULL + next_filler_variant++,
                    vocabulary);
  };

  struct Doc {
    std::string text;
    const char* kind = "";
    int64_t source = -1;  // index into docs
    uint64_t cluster = 0;
  };
  std::vector<Doc> docs;
  docs.reserve(num_docs);
  uint64_t originals = 0;
  while (docs.size() < num_docs) {
    const double r = rng.Unit();
    Doc d;
    if (docs.empty() || r < 0.4) {
      const std::string& a = articles[fillers + originals % sources];
      const uint64_t pass = originals / sources;
      d.kind = "original";
      d.text = pass == 0 ? a : Disguise(a, seed * 0x9e3779b97f4a7c15ULL + pass,
                                        vocabulary);
      d.cluster = originals++;
    } else {
      // Sources: originals for near_dup and reprint; copies for chain.
      int64_t src = static_cast<int64_t>(rng.Below(docs.size()));
      const bool chain = r >= 0.9 && std::string_view(docs[src].kind) != "original";
      while (!chain && std::string_view(docs[src].kind) != "original") --src;
      d.source = src;
      d.cluster = docs[src].cluster;
      if (chain || r < 0.6) {
        d.kind = chain ? "chain" : "near_dup";
        if (chain && rng.Chance(0.5)) {
          const std::string intro = filler(), ending = filler();
          d.text = Reprint(docs[src].text, intro, ending, rng);
        } else {
          d.text = NearDuplicate(docs[src].text, rng, vocabulary);
        }
      } else {
        d.kind = "reprint";
        const std::string intro = filler(), ending = filler();
        d.text = Reprint(docs[src].text, intro, ending, rng);
      }
    }
    docs.push_back(std::move(d));
  }

  // Exact figures against the source, on all cores.
  std::vector<mimeo::Similarity> similarity(docs.size());
  tbb::enumerable_thread_specific<Labeller> labellers;
  tbb::parallel_for(size_t{0}, docs.size(), [&](size_t i) {
    if (docs[i].source < 0) return;
    Labeller& l = labellers.local();
    similarity[i] =
        mimeo::ExactSimilarity(l.Set(docs[i].text), l.Set(docs[docs[i].source].text));
  });

  fs::create_directories(out_dir, ec);
  std::ofstream out_docs(fs::path(out_dir) / "docs.jsonl", std::ios::binary);
  std::ofstream out_labels(fs::path(out_dir) / "labels.jsonl", std::ios::binary);
  if (!out_docs || !out_labels) {
    std::fprintf(stderr, "mimeo_gen: cannot write into '%s'\n", out_dir.c_str());
    return 1;
  }
  auto id_of = [](size_t i) {
    char id[32];
    std::snprintf(id, sizeof(id), "g%07zu", i);
    return std::string(id);
  };
  uint64_t bytes = 0;
  mimeo::cli::JsonWriter j, l;  // one line each, reused
  for (size_t i = 0; i < docs.size(); ++i) {
    const Doc& d = docs[i];
    j.Clear();
    j.BeginObject();
    j.Key("id");
    j.String(id_of(i));
    j.Key("text");
    j.String(d.text);
    j.EndObject();
    out_docs << j.str() << "\n";
    bytes += d.text.size();
    l.Clear();
    l.BeginObject();
    l.Key("id");
    l.String(id_of(i));
    l.Key("cluster");
    l.Uint(d.cluster);
    l.Key("kind");
    l.String(d.kind);
    if (d.source >= 0) {
      l.Key("source");
      l.String(id_of(d.source));
      l.Key("jaccard");
      l.Double(similarity[i].jaccard);
      l.Key("containment");
      l.Double(similarity[i].containment_a_in_b);
    }
    l.EndObject();
    out_labels << l.str() << "\n";
  }
  out_docs.flush();
  out_labels.flush();
  if (!out_docs || !out_labels) {
    std::fprintf(stderr, "mimeo_gen: writing into '%s' failed\n", out_dir.c_str());
    return 1;
  }
  std::fprintf(stderr, "mimeo_gen: wrote %zu documents (%.1f MB of text, %llu originals) to %s\n",
               docs.size(), bytes / 1e6, static_cast<unsigned long long>(originals),
               out_dir.c_str());
  return 0;
}
