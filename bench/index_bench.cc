// A long-lived index at the scale of a news archive: one million documents
// in an Engine in near-duplicate mode (no shingle sets, no texts, LSH index
// filed on add), then one new article at a time asked against it, the way
// an ingestion pipeline calls the library. Figures: bench/README.md.
//
//   build/bench/mimeo_index_bench [--benchmark_filter=...]
//   MIMEO_INDEX_DOCS=100000 build/bench/mimeo_index_bench   (a smaller index)
//
// Documents are drawn from the word frequencies of bbc-news (beside the
// source tree, or MIMEO_DATASETS): 150 to 700 words each, in sentences,
// each document from its own seed. Such texts share frequent words and
// phrases the way articles do, but no document copies another, so every
// match a query finds is one the bench planted.
//
// Counters:
//   BM_Build      docs_per_s (AddBatch: text in, sketched on all cores and
//                 filed), commit_docs_per_s (Commit of batches sketched
//                 beforehand: what filing alone costs), rss_bytes_per_doc
//                 (RSS growth over the build, one-time costs included:
//                 read it from a build run first, alone),
//                 rss_2nd_half_per_doc (over the second half only: the
//                 steady cost of a document in a presized index),
//                 worst_call_s (the longest single AddBatch or Commit of
//                 1,000-20,000 documents: a stall an ingestion pipeline
//                 would see). BM_Build/P/1 presizes the engine.
//   BM_Query*     p50_us, p90_us, p99_us, max_us over the queries run, and
//                 matches per query. QueryNew asks unseen articles;
//                 QueryCopy asks indexed ones with one word in 25 replaced.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_format.h"
#include "benchmark/benchmark.h"
#include "mimeo/engine.h"
#include "oneapi/tbb/parallel_for.h"
#include "word_model.h"

namespace {

using Clock = std::chrono::steady_clock;

size_t IndexDocs() {
  const char* env = std::getenv("MIMEO_INDEX_DOCS");
  return env != nullptr ? std::strtoull(env, nullptr, 10) : 1000000;
}

using mimeo::bench::Model;
using mimeo::bench::RssBytes;
using mimeo::bench::WordModel;

std::string Id(uint64_t n) { return absl::StrFormat("doc%08d", n); }

mimeo::Engine::Options NearDupOptions(int lsh_percent) {
  mimeo::Engine::Options o;
  o.copy.enabled = false;
  o.keep_shingle_sets = false;
  o.index_on_add = true;
  o.lsh_threshold = lsh_percent / 100.0;
  if (lsh_percent >= 50) {
    o.verify.jaccard_threshold = lsh_percent / 100.0;
    o.verify.containment_threshold = 2;  // off
  }
  return o;
}

struct Built {
  int lsh_percent = -1;
  bool presized = false;
  std::unique_ptr<mimeo::Engine> engine;
  double docs_per_s = 0, commit_docs_per_s = 0, rss_bytes_per_doc = 0;
  double worst_call_s = 0;  // the longest single AddBatch or Commit
  // RSS growth per document over the second half of the build: free of
  // what the first batches cost once (threads, allocator arenas, the word
  // model), and for a presized index the steady cost of one more document.
  double rss_second_half_per_doc = 0;
};

// The index for `lsh_percent`, built once and kept for the queries;
// `presized` sets Options::expected_documents to its size. `presized` -1
// takes the index built last for that threshold, either way.
Built& Index(int lsh_percent, int presized = -1) {
  static Built built;
  if (built.lsh_percent == lsh_percent &&
      (presized < 0 || built.presized == (presized == 1))) {
    return built;
  }
  built = Built();  // frees the previous index first
  const WordModel& model = Model();
  const uint64_t rss_before = RssBytes();
  const size_t n = IndexDocs();
  mimeo::Engine::Options options = NearDupOptions(lsh_percent);
  if (presized == 1) options.expected_documents = n;
  auto engine = *mimeo::Engine::Create(options);
  constexpr size_t kBatch = 20000;
  double add_seconds = 0, commit_seconds = 0;
  size_t added = 0, committed = 0;
  uint64_t rss_half = 0;
  size_t docs_half = 0;
  for (size_t first = 0; first < n; first += kBatch) {
    if (rss_half == 0 && first >= n / 2) {
      rss_half = RssBytes();
      docs_half = first;
    }
    const size_t count = std::min(kBatch, n - first);
    std::vector<mimeo::Document> docs(count);
    tbb::parallel_for(size_t{0}, count, [&](size_t i) {
      docs[i].id = Id(first + i);
      docs[i].text = model.Document(first + i);
    });
    // Every other batch through AddBatch, the rest sketched first and
    // committed, so that both rates come from the same growing index.
    if ((first / kBatch) % 2 == 0) {
      const auto t0 = Clock::now();
      if (!engine->AddBatch(docs).ok()) std::abort();
      const double took =
          std::chrono::duration<double>(Clock::now() - t0).count();
      add_seconds += took;
      built.worst_call_s = std::max(built.worst_call_s, took);
      added += count;
    } else {
      // Sketch in slices on all cores, then commit them in order.
      constexpr size_t kSlice = 1000;
      std::vector<mimeo::Engine::SketchedBatch> slices((count + kSlice - 1) /
                                                       kSlice);
      tbb::parallel_for(size_t{0}, slices.size(), [&](size_t s) {
        std::vector<mimeo::Document> part(
            docs.begin() + s * kSlice,
            docs.begin() + std::min(count, (s + 1) * kSlice));
        slices[s] = engine->SketchBatch(std::move(part));
      });
      const auto t0 = Clock::now();
      for (auto& s : slices) {
        const auto c0 = Clock::now();
        if (!engine->Commit(std::move(s)).ok()) std::abort();
        built.worst_call_s = std::max(
            built.worst_call_s,
            std::chrono::duration<double>(Clock::now() - c0).count());
      }
      commit_seconds +=
          std::chrono::duration<double>(Clock::now() - t0).count();
      committed += count;
    }
  }
  built.lsh_percent = lsh_percent;
  built.presized = presized == 1;
  built.engine = std::move(engine);
  // An index of one batch has no committed batch: its rate stays 0.
  built.docs_per_s = added / add_seconds;
  if (committed > 0) built.commit_docs_per_s = committed / commit_seconds;
  const uint64_t rss_end = RssBytes();
  built.rss_bytes_per_doc =
      static_cast<double>(rss_end - std::min(rss_before, rss_end)) / n;
  if (docs_half > 0 && docs_half < n) {
    built.rss_second_half_per_doc =
        static_cast<double>(rss_end - std::min(rss_half, rss_end)) /
        static_cast<double>(n - docs_half);
  }
  return built;
}

void BM_Build(benchmark::State& state) {
  Built* b = nullptr;
  for (auto _ : state) {
    b = &Index(static_cast<int>(state.range(0)),
               static_cast<int>(state.range(1)));
  }
  state.counters["docs"] = static_cast<double>(IndexDocs());
  state.counters["docs_per_s"] = b->docs_per_s;
  state.counters["commit_docs_per_s"] = b->commit_docs_per_s;
  state.counters["rss_bytes_per_doc"] = b->rss_bytes_per_doc;
  state.counters["worst_call_s"] = b->worst_call_s;
  state.counters["rss_2nd_half_per_doc"] = b->rss_second_half_per_doc;
}

// Runs one query per iteration and reports latency percentiles.
void RunQueries(benchmark::State& state, bool copies) {
  const int lsh_percent = static_cast<int>(state.range(0));
  const mimeo::Engine& engine = *Index(lsh_percent).engine;
  const WordModel& model = Model();
  // 1000 queries prepared beforehand, used in turn.
  constexpr size_t kQueries = 1000;
  std::vector<std::string> queries(kQueries);
  const size_t n = IndexDocs();
  tbb::parallel_for(size_t{0}, kQueries, [&](size_t i) {
    const uint64_t doc = (i * 7919) % n;
    queries[i] = copies ? model.Edit(model.Document(doc), i)
                        : model.Document(n + i);  // never indexed
  });
  std::vector<double> micros;
  micros.reserve(state.max_iterations);
  uint64_t matches = 0;
  size_t i = 0;
  for (auto _ : state) {
    const auto t0 = Clock::now();
    auto m = engine.Query(queries[i++ % kQueries]);
    const auto t1 = Clock::now();
    micros.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
    if (m.ok()) matches += m->size();
  }
  std::sort(micros.begin(), micros.end());
  const auto at = [&](double q) {
    return micros[std::min(micros.size() - 1,
                           static_cast<size_t>(q * micros.size()))];
  };
  state.counters["p50_us"] = at(0.50);
  state.counters["p90_us"] = at(0.90);
  state.counters["p99_us"] = at(0.99);
  state.counters["max_us"] = micros.back();
  state.counters["matches_per_query"] =
      static_cast<double>(matches) / micros.size();
  state.SetItemsProcessed(state.iterations());
}

void BM_QueryNew(benchmark::State& state) { RunQueries(state, false); }
void BM_QueryCopy(benchmark::State& state) { RunQueries(state, true); }

// Argument: the LSH threshold in percent; 5 is the engine's default, 50 the
// usual setting for whole-document deduplication. BM_Build's second: 1
// presizes the engine (Options::expected_documents).
BENCHMARK(BM_Build)->Args({5, 0})->Args({5, 1})->Iterations(1)->Unit(benchmark::kSecond);
BENCHMARK(BM_QueryNew)->Arg(5)->Iterations(20000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_QueryCopy)->Arg(5)->Iterations(20000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Build)->Args({50, 0})->Args({50, 1})->Iterations(1)->Unit(benchmark::kSecond);
BENCHMARK(BM_QueryNew)->Arg(50)->Iterations(20000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_QueryCopy)->Arg(50)->Iterations(20000)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
