// Micro benchmarks, one per pipeline stage. Figures: bench/README.md.
//   build/bench/mimeo_micro_bench --benchmark_repetitions=5
//       --benchmark_report_aggregates_only=true
#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "corpora.h"
#include "internal/minhash_kernels.h"
#include "internal/simd.h"
#include "mimeo/align.h"
#include "mimeo/fingerprint_index.h"
#include "mimeo/lsh_index.h"
#include "mimeo/minhash.h"
#include "mimeo/normalize.h"
#include "mimeo/shingle.h"
#include "mimeo/simhash.h"
#include "mimeo/tokenize.h"
#include "mimeo/verify.h"

namespace {

// English-like text: words drawn from a vocabulary with punctuation.
std::string EnglishText(size_t bytes) {
  static const char* kWords[] = {
      "the", "White", "House", "said", "Saturday", "it", "does", "not",
      "expect", "President", "Bush", "and", "his", "Russian", "counterpart",
      "to", "clinch", "an", "agreement", "on", "missile", "defense", "plans",
      "during", "talks", "this", "weekend", "in", "Sochi,", "spokeswoman",
      "told", "reporters.", "We're", "going", "have", "more", "work"};
  std::mt19937_64 rng(1);
  std::string s;
  while (s.size() < bytes) {
    s += kWords[rng() % (sizeof(kWords) / sizeof(kWords[0]))];
    s += ' ';
  }
  return s;
}

// Real English: the bbc-news articles (../shared/datasets beside the
// source tree, or MIMEO_DATASETS), joined up to 4 MB; the synthetic text
// above when they are missing.
const std::string& RealText() {
  static const std::string text = [] {
    std::string out;
    for (const std::string& article :
         mimeo::bench::BbcNewsArticles(MIMEO_SOURCE_DIR)) {
      if (out.size() >= (4u << 20)) break;
      out += article;
      out += "\n\n";
    }
    if (out.size() < (1u << 20)) return EnglishText(4u << 20);
    return out;
  }();
  return text;
}

std::vector<uint64_t> Hashes(size_t n) {
  std::mt19937_64 rng(2);
  std::vector<uint64_t> v(n);
  for (auto& x : v) x = rng();
  return v;
}

// Normalize, tokenize and shingle `text`: what preparing a text costs.
// Arg(0): the token hash (0 XXH3, 1 the short mix, the default).
void PrepareBench(benchmark::State& state, const std::string& text) {
  auto n = *mimeo::Normalizer::Create({});
  auto t = *mimeo::Tokenizer::Create({});
  mimeo::Shingler::Options so;
  so.token_hash = static_cast<mimeo::TokenHash>(state.range(0));
  auto s = *mimeo::Shingler::Create(so);
  mimeo::NormalizedText norm;
  std::vector<mimeo::Token> tokens;
  mimeo::Shingles shingles;
  for (auto _ : state) {
    n.Normalize(text, norm).IgnoreError();
    t.Tokenize(norm.text, tokens);
    s.Shingle(norm.text, tokens, shingles);
    benchmark::DoNotOptimize(shingles.hashes.data());
  }
  state.SetBytesProcessed(state.iterations() * text.size());
}
void BM_NormalizeTokenizeShingle(benchmark::State& state) {
  PrepareBench(state, EnglishText(64 * 1024));
}
BENCHMARK(BM_NormalizeTokenizeShingle)->Arg(0)->Arg(1);
// The same three stages on real articles (4 MB of bbc-news).
void BM_NormalizeTokenizeShingleRealText(benchmark::State& state) {
  PrepareBench(state, RealText());
}
BENCHMARK(BM_NormalizeTokenizeShingleRealText)
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMillisecond);

// The real text normalized, tokenized and shingled once, for the benches
// of the stages after those.
struct PreparedText {
  mimeo::NormalizedText norm;
  std::vector<mimeo::Token> tokens;
  mimeo::Shingles shingles;
};
const PreparedText& RealPrepared() {
  static const PreparedText* prepared = [] {
    auto* p = new PreparedText;
    mimeo::Normalizer::Create({})->Normalize(RealText(), p->norm).IgnoreError();
    mimeo::Tokenizer::Create({})->Tokenize(p->norm.text, p->tokens);
    mimeo::Shingler::Create({})->Shingle(p->norm.text, p->tokens, p->shingles);
    return p;
  }();
  return *prepared;
}

void BM_Tokenize(benchmark::State& state) {
  const mimeo::NormalizedText& norm = RealPrepared().norm;
  auto t = *mimeo::Tokenizer::Create({});
  std::vector<mimeo::Token> tokens;
  for (auto _ : state) {
    t.Tokenize(norm.text, tokens);
    benchmark::DoNotOptimize(tokens.data());
  }
  state.SetBytesProcessed(state.iterations() * norm.text.size());
}
BENCHMARK(BM_Tokenize)->Unit(benchmark::kMillisecond);

// Arg(0): the token hash (0 XXH3, 1 the short mix, the default).
void BM_Shingle(benchmark::State& state) {
  const PreparedText& real = RealPrepared();
  mimeo::Shingler::Options o;
  o.token_hash = static_cast<mimeo::TokenHash>(state.range(0));
  auto s = *mimeo::Shingler::Create(o);
  mimeo::Shingles shingles;
  for (auto _ : state) {
    s.Shingle(real.norm.text, real.tokens, shingles);
    benchmark::DoNotOptimize(shingles.hashes.data());
  }
  state.SetItemsProcessed(state.iterations() * real.tokens.size());
  state.SetLabel("items = tokens");
}
BENCHMARK(BM_Shingle)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

// SortedSet on sets of Arg(0) real shingle hashes (an article is about
// 400): the sorted, distinct set each document keeps for exact
// verification.
void BM_SortedSet(benchmark::State& state) {
  const mimeo::Shingles& shingles = RealPrepared().shingles;
  const size_t size = static_cast<size_t>(state.range(0));
  std::vector<uint64_t> out;
  size_t at = 0;
  for (auto _ : state) {
    if (at + size > shingles.hashes.size()) at = 0;
    mimeo::SortedSet(absl::MakeConstSpan(shingles.hashes).subspan(at, size),
                     out);
    benchmark::DoNotOptimize(out.data());
    at += size;
  }
  state.SetItemsProcessed(state.iterations() * size);
}
BENCHMARK(BM_SortedSet)->Arg(400)->Arg(4000);

// ExactSimilarity of two sets of 400 random values at Jaccard Arg(0)/100
// (the pairs a clustering run verifies are mostly near its thresholds):
// the exact verification of one candidate pair.
void BM_ExactSimilarity(benchmark::State& state) {
  const double j = static_cast<double>(state.range(0)) / 100;
  const size_t n = 400, shared = static_cast<size_t>(2 * n * j / (1 + j));
  std::mt19937_64 rng(1);
  std::vector<uint64_t> a, b;
  for (size_t i = 0; i < n; ++i) {
    const uint64_t h = rng();
    a.push_back(h);
    b.push_back(i < shared ? h : rng());
  }
  std::vector<uint64_t> sa, sb;
  mimeo::SortedSet(a, sa);
  mimeo::SortedSet(b, sb);
  for (auto _ : state) {
    benchmark::DoNotOptimize(mimeo::ExactSimilarity(sa, sb));
  }
  state.SetItemsProcessed(state.iterations() * 2 * n);
}
BENCHMARK(BM_ExactSimilarity)->Arg(5)->Arg(30)->Arg(70);

// The aligner on two real articles sharing two paragraphs: Prepare() of
// both and Align().
void BM_Align(benchmark::State& state) {
  const std::string& text = RealText();
  const std::string shared = text.substr(20000, 1500);
  const std::string a = text.substr(0, 2000) + shared + text.substr(4000, 1000);
  const std::string b = text.substr(9000, 1500) + shared + text.substr(12000, 1500);
  auto aligner = *mimeo::Aligner::Create({}, {}, {}, {});
  mimeo::AlignedText ta, tb;
  size_t passages = 0;
  for (auto _ : state) {
    aligner.Prepare(a, ta).IgnoreError();
    aligner.Prepare(b, tb).IgnoreError();
    passages = aligner.Align(ta, tb).size();
    benchmark::DoNotOptimize(passages);
  }
  state.SetBytesProcessed(state.iterations() * (a.size() + b.size()));
  state.counters["passages"] = static_cast<double>(passages);
}
BENCHMARK(BM_Align);

// Align() alone, as copy mode runs it: one long text, its seeds indexed
// once, against others that share a passage with it and little else.
void BM_AlignIndexed(benchmark::State& state) {
  const std::string& text = RealText();
  const std::string shared = text.substr(20000, 1500);
  const std::string a = text.substr(0, 12000) + shared + text.substr(30000, 8000);
  const std::string b = text.substr(40000, 6000) + shared + text.substr(50000, 4000);
  auto aligner = *mimeo::Aligner::Create({}, {}, {}, {});
  mimeo::AlignedText ta, tb;
  aligner.Prepare(a, ta).IgnoreError();
  aligner.Prepare(b, tb).IgnoreError();
  aligner.IndexSeeds(ta);
  size_t passages = 0;
  for (auto _ : state) {
    passages = aligner.Align(ta, tb).size();
    benchmark::DoNotOptimize(passages);
  }
  state.SetBytesProcessed(state.iterations() * b.size());
  state.counters["passages"] = static_cast<double>(passages);
}
BENCHMARK(BM_AlignIndexed);

// Normalization alone, over `text`.
void NormalizeBench(benchmark::State& state, const std::string& text) {
  auto n = *mimeo::Normalizer::Create({});
  mimeo::NormalizedText norm;
  for (auto _ : state) {
    n.Normalize(text, norm).IgnoreError();
    benchmark::DoNotOptimize(norm.text.data());
  }
  state.SetBytesProcessed(state.iterations() * text.size());
}
void BM_Normalize(benchmark::State& state) {
  NormalizeBench(state, EnglishText(64 * 1024));
}
BENCHMARK(BM_Normalize);
// The same on real text (bbc-news): capitals, digits, punctuation,
// paragraph breaks and some non-ASCII characters among the ASCII.
void BM_NormalizeRealText(benchmark::State& state) {
  NormalizeBench(state, RealText());
}
BENCHMARK(BM_NormalizeRealText)->Unit(benchmark::kMillisecond);

// 1 MB of generated text in another script, where ASCII comes in short
// stretches between words (spaces, commas, numbers): Arg(0) Russian-like
// (Cyrillic words), 1 Chinese-like (runs of Han characters), 2
// French-like (English and French words, accented letters every few
// words).
std::string OtherScriptText(int64_t kind) {
  static const char* kCyrillic[] = {"\xd0\xb0", "\xd0\xb1", "\xd0\xb2",
                                    "\xd0\xb3", "\xd0\xb4", "\xd0\xb5",
                                    "\xd0\xb8", "\xd0\xba", "\xd0\xbb",
                                    "\xd0\xbc", "\xd0\xbd", "\xd0\xbe",
                                    "\xd0\x9c", "\xd1\x80", "\xd1\x81",
                                    "\xd1\x82", "\xd1\x8f", "\xd0\xa0"};
  static const char* kHan[] = {"\xe7\x9a\x84", "\xe4\xb8\x80",
                               "\xe6\x98\xaf", "\xe4\xb8\x8d",
                               "\xe4\xba\x86", "\xe4\xba\xba",
                               "\xe6\x88\x91", "\xe5\x9c\xa8",
                               "\xe6\x9c\x89", "\xe4\xbb\x96",
                               "\xe8\xbf\x99", "\xe4\xb8\xad"};
  static const char* kFrench[] = {
      "le", "la", "les", "des", "\xc3\xa9t\xc3\xa9", "\xc3\xa0",
      "o\xc3\xb9", "tr\xc3\xa8s", "premi\xc3\xa8re",
      "fran\xc3\xa7" "ais", "\xc3\xa9l\xc3\xa8ve", "the", "of", "and",
      "to", "in", "is", "that", "for", "with", "which", "from", "Paris"};
  static const char* kBetween[] = {" ", " ", " ", ", ", ". ", " 2008 "};
  std::mt19937_64 rng(3);
  std::string s;
  while (s.size() < (1u << 20)) {
    if (kind == 2) {
      s += kFrench[rng() % (sizeof(kFrench) / sizeof(kFrench[0]))];
      s += kBetween[rng() % 5];
      continue;
    }
    const size_t letters = kind == 0 ? 2 + rng() % 8 : 5 + rng() % 25;
    for (size_t k = 0; k < letters; ++k) {
      s += kind == 0 ? kCyrillic[rng() % (sizeof(kCyrillic) / sizeof(kCyrillic[0]))]
                     : kHan[rng() % (sizeof(kHan) / sizeof(kHan[0]))];
    }
    s += kind == 1 && rng() % 2 == 0 ? "\xef\xbc\x8c"  // fullwidth comma
                                     : kBetween[rng() % 6];
  }
  return s;
}
void BM_NormalizeOtherScripts(benchmark::State& state) {
  NormalizeBench(state, OtherScriptText(state.range(0)));
}
BENCHMARK(BM_NormalizeOtherScripts)
    ->Arg(0)
    ->Arg(1)
    ->Arg(2)
    ->Unit(benchmark::kMillisecond);
// Tokenizing the same texts once normalized.
void BM_TokenizeOtherScripts(benchmark::State& state) {
  const std::string text =
      mimeo::Normalizer::Create({})->Normalize(OtherScriptText(state.range(0)))->text;
  auto t = *mimeo::Tokenizer::Create({});
  std::vector<mimeo::Token> tokens;
  for (auto _ : state) {
    t.Tokenize(text, tokens);
    benchmark::DoNotOptimize(tokens.data());
  }
  state.SetBytesProcessed(state.iterations() * text.size());
}
BENCHMARK(BM_TokenizeOtherScripts)
    ->Arg(0)
    ->Arg(1)
    ->Arg(2)
    ->Unit(benchmark::kMillisecond);

void MinHashBench(benchmark::State& state, mimeo::MinHashScheme scheme,
                  bool scalar) {
  mimeo::MinHasher::Options o;
  o.scheme = scheme;
  o.num_perm = 128;
  auto m = *mimeo::MinHasher::Create(o);
  const std::vector<uint64_t> h = Hashes(state.range(0));
  std::vector<uint32_t> sig(128);
  for (auto _ : state) {
    if (scalar) {
      m.SketchScalar(h, absl::MakeSpan(sig));
    } else {
      m.Sketch(h, absl::MakeSpan(sig));
    }
    benchmark::DoNotOptimize(sig.data());
  }
  state.SetItemsProcessed(state.iterations() * h.size());
  state.SetLabel("items = shingles");
}
void BM_MinHashPermutationsSimd(benchmark::State& s) {
  MinHashBench(s, mimeo::MinHashScheme::kPermutations, false);
}
void BM_MinHashPermutationsScalar(benchmark::State& s) {
  MinHashBench(s, mimeo::MinHashScheme::kPermutations, true);
}
void BM_MinHashOnePermutation(benchmark::State& s) {
  MinHashBench(s, mimeo::MinHashScheme::kOnePermutation, false);
}
BENCHMARK(BM_MinHashPermutationsSimd)->Arg(1000);

// The k-permutation kernel on each Highway target this CPU supports.
void BM_MinHashPermutationsOnTarget(benchmark::State& state) {
  const size_t target = static_cast<size_t>(state.range(0));
  const std::vector<std::string> names = mimeo::internal::MinHashTargets();
  if (target >= names.size()) {
    state.SkipWithError("target not supported here");
    return;
  }
  std::vector<uint64_t> a_lo(128), a_hi(128), b(128);
  std::mt19937_64 rng(4);
  for (size_t i = 0; i < 128; ++i) {
    const uint64_t a = rng() | 1;
    a_lo[i] = a & 0xFFFFFFFFu;
    a_hi[i] = a >> 32;
    b[i] = rng();
  }
  const mimeo::internal::MinHashCoefficients c{a_lo.data(), a_hi.data(), b.data(), 128};
  const std::vector<uint64_t> h = Hashes(1000);
  std::vector<uint32_t> sig(128);
  // Pinned once: pinning per call would time the reset of Highway's
  // dispatch tables along with the kernel.
  const mimeo::internal::PinnedTarget pin(target);
  for (auto _ : state) {
    mimeo::internal::MinHashDispatch(c, h.data(), h.size(), sig.data());
    benchmark::DoNotOptimize(sig.data());
  }
  state.SetItemsProcessed(state.iterations() * h.size());
  state.SetLabel(names[target]);
}
BENCHMARK(BM_MinHashPermutationsOnTarget)->DenseRange(0, 4);
BENCHMARK(BM_MinHashPermutationsScalar)->Arg(1000);
BENCHMARK(BM_MinHashOnePermutation)->Arg(1000);

void BM_SimHash(benchmark::State& state) {
  auto s = *mimeo::SimHasher::Create({});
  const std::vector<uint64_t> h = Hashes(1000);
  for (auto _ : state) benchmark::DoNotOptimize(s.Compute(h));
  state.SetItemsProcessed(state.iterations() * h.size());
}
BENCHMARK(BM_SimHash);

void BM_SimHashScalar(benchmark::State& state) {
  auto s = *mimeo::SimHasher::Create({});
  const std::vector<uint64_t> h = Hashes(1000);
  for (auto _ : state) benchmark::DoNotOptimize(s.ComputeScalar(h));
  state.SetItemsProcessed(state.iterations() * h.size());
}
BENCHMARK(BM_SimHashScalar);

// Signatures of unrelated random sets, the common case for an index.
std::vector<std::vector<uint32_t>> Signatures(size_t n) {
  auto m = *mimeo::MinHasher::Create({});
  std::mt19937_64 rng(3);
  std::vector<std::vector<uint32_t>> out(n);
  std::vector<uint64_t> set(50);
  for (auto& sig : out) {
    for (auto& x : set) x = rng();
    sig = m.Sketch(set).values;
  }
  return out;
}

// Args: bands, rows (44 x 1 is the engine's default banding). Counter
// bytes_per_doc: the index's own memory (LshIndex::MemoryBytes) per
// document, tables grown as inserts need.
void BM_LshInsert(benchmark::State& state) {
  const auto sigs = Signatures(100000);
  mimeo::LshIndex::Options o;
  o.bands = static_cast<uint32_t>(state.range(0));
  o.rows = static_cast<uint32_t>(state.range(1));
  double bytes_per_doc = 0;
  for (auto _ : state) {
    auto idx = *mimeo::LshIndex::Create(o);
    for (mimeo::DocId d = 0; d < sigs.size(); ++d) idx.Add(d, sigs[d]).IgnoreError();
    benchmark::DoNotOptimize(idx.size());
    bytes_per_doc = static_cast<double>(idx.MemoryBytes()) / idx.size();
  }
  state.SetItemsProcessed(state.iterations() * sigs.size());
  state.counters["bytes_per_doc"] = bytes_per_doc;
}
BENCHMARK(BM_LshInsert)->Args({32, 4})->Args({44, 1})->Unit(benchmark::kMillisecond);

void BM_LshQuery(benchmark::State& state) {
  const auto sigs = Signatures(100000);
  mimeo::LshIndex::Options o;
  o.bands = 32;
  o.rows = 4;
  auto idx = *mimeo::LshIndex::Create(o);
  for (mimeo::DocId d = 0; d < sigs.size(); ++d) idx.Add(d, sigs[d]).IgnoreError();
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(idx.Query(sigs[i++ % sigs.size()]));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_LshQuery);

void BM_LshAllPairs(benchmark::State& state) {
  const auto sigs = Signatures(100000);
  std::vector<uint32_t> flat;
  for (const auto& s : sigs) flat.insert(flat.end(), s.begin(), s.end());
  mimeo::LshIndex::Options o;
  o.bands = 32;
  o.rows = 4;
  for (auto _ : state) benchmark::DoNotOptimize(mimeo::LshAllPairs(flat, o));
  state.SetItemsProcessed(state.iterations() * sigs.size());
}
BENCHMARK(BM_LshAllPairs)->Unit(benchmark::kMillisecond);

// Documents of 145 winnowed-like fingerprints (the smallest of 4 random
// hashes, so that they crowd the low values as winnowing's do), every
// fifth copied from an earlier document: what copy mode files a document.
const std::vector<std::vector<mimeo::Fingerprint>>& FingerprintDocs() {
  static const auto docs = [] {
    constexpr size_t kDocs = 100000, kPerDoc = 145;
    std::mt19937_64 rng(4);
    std::vector<std::vector<mimeo::Fingerprint>> out(kDocs);
    for (size_t d = 0; d < kDocs; ++d) {
      out[d].reserve(kPerDoc);
      for (uint32_t i = 0; i < kPerDoc; ++i) {
        uint64_t h = rng();
        for (int w = 1; w < 4; ++w) h = std::min(h, rng());
        if (d > 0 && i % 5 == 0) h = out[rng() % d][i].hash();
        out[d].push_back({h, i});
      }
    }
    return out;
  }();
  return docs;
}

// FingerprintIndex::Add() of the 100k documents above into a new index
// (packings included): items/s are documents.
void BM_FingerprintIndexAdd(benchmark::State& state) {
  const auto& docs = FingerprintDocs();
  for (auto _ : state) {
    auto index = *mimeo::FingerprintIndex::Create({});
    for (mimeo::DocId d = 0; d < docs.size(); ++d) {
      index.Add(d, docs[d]).IgnoreError();
    }
    benchmark::DoNotOptimize(index.num_postings());
  }
  state.SetItemsProcessed(state.iterations() * docs.size());
}
BENCHMARK(BM_FingerprintIndexAdd)->Unit(benchmark::kMillisecond);

// Lookups in the index of those documents as Add() left it (the postings
// since the last packing not packed: recent_postings counts them), or
// packed (Arg 1). Candidates() of an indexed document's fingerprints, as of
// the end; DocFrequency() of each of them.
void BM_FingerprintIndexCandidates(benchmark::State& state) {
  const auto& docs = FingerprintDocs();
  auto index = *mimeo::FingerprintIndex::Create({});
  for (mimeo::DocId d = 0; d < docs.size(); ++d) {
    index.Add(d, docs[d]).IgnoreError();
  }
  if (state.range(0) == 1) index.Pack();
  const auto end = static_cast<mimeo::DocId>(docs.size());
  std::mt19937_64 rng(5);
  for (auto _ : state) {
    benchmark::DoNotOptimize(index.Candidates(docs[rng() % docs.size()], end));
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["recent_postings"] =
      static_cast<double>(index.num_recent_postings());
}
BENCHMARK(BM_FingerprintIndexCandidates)->Arg(0)->Arg(1);

void BM_FingerprintIndexDocFrequency(benchmark::State& state) {
  const auto& docs = FingerprintDocs();
  auto index = *mimeo::FingerprintIndex::Create({});
  for (mimeo::DocId d = 0; d < docs.size(); ++d) {
    index.Add(d, docs[d]).IgnoreError();
  }
  const auto end = static_cast<mimeo::DocId>(docs.size());
  std::mt19937_64 rng(6);
  for (auto _ : state) {
    uint32_t n = 0;
    for (const mimeo::Fingerprint& f : docs[rng() % docs.size()]) {
      n += index.DocFrequency(f.hash(), end);
    }
    benchmark::DoNotOptimize(n);
  }
  state.SetItemsProcessed(state.iterations() * 145);
}
BENCHMARK(BM_FingerprintIndexDocFrequency);

}  // namespace

BENCHMARK_MAIN();
