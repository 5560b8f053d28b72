// The index on disk (Engine::Open) beside the engine in memory, on the
// articles of word_model.h. Figures: bench/README.md.
//
//   mimeo_durable_bench ingest MODE N DIR   MODE near-dup or copy: builds
//       N documents in batches of 1,000 in memory, then in DIR (which must
//       not exist): docs/s of each, every other batch by AddBatch()
//       (sketched on all threads, then stored) and the others sketched
//       beforehand (SketchBatch() on one thread, timed apart) and stored by
//       Commit(), which gives the rate of storing alone; disk bytes per
//       document; then 100
//       single Add() calls to each (durable: one fsynced transaction each):
//       adds/s and median latency, at the size reached, and the same on a
//       fresh 100-document index for the ratio.
//   mimeo_durable_bench pipeline MODE N DIR   builds N documents in memory,
//       then in DIR (which must not exist), as an ingestion pipeline would:
//       batches of 1,000 sketched by SketchBatch() on every core while the
//       main thread commits them in order (Commit()); docs/s of the whole
//       ingest, wall clock; the process's peak RSS (VmHWM) once the engine
//       in memory is built, before the one on disk. The documents are
//       generated beforehand, 100 batches at a time, untimed. Then
//       SaveQueryModel() on DIR, timed, as `mimeo index add` does after
//       adding.
//   mimeo_durable_bench savemodel MODE DIR   opens DIR and keeps Query()'s
//       model of common shingles in it (SaveQueryModel()), timed.
//   mimeo_durable_bench adds MODE N DIR T   builds N documents in DIR
//       (which must not exist) by AddBatch(), then T threads each make 200
//       single durable Add() calls at once: adds/s of them all, and the
//       median latency of one.
//   mimeo_durable_bench query MODE N DIR Q  opens DIR (time, RSS); asks
//       one query (time, RSS: it reads Query()'s model back, or counts it
//       when DIR keeps none for its documents); drops
//       the index file's pages from the page cache (posix_fadvise
//       DONTNEED: this file only, not the machine's cache) and asks up to
//       1,000 queries (indexed articles with one word in 25 replaced) cold;
//       then Q warm: p50/p99 in µs, RSS after; then the same Q against an
//       engine in memory built from the same N documents.
// Run each in its own process, so that RSS is that of one engine.
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_format.h"
#include "mimeo/engine.h"
#include "word_model.h"

namespace {

using Clock = std::chrono::steady_clock;
using mimeo::bench::Model;
using mimeo::bench::RssBytes;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

std::string Id(uint64_t n) { return absl::StrFormat("doc%08d", n); }

mimeo::Engine::Options OptionsFor(const std::string& mode) {
  mimeo::Engine::Options o;
  if (mode == "near-dup") {
    o.copy.enabled = false;
    o.keep_shingle_sets = false;
  } else if (mode != "copy") {
    std::fprintf(stderr, "mode is near-dup or copy, not '%s'\n", mode.c_str());
    std::exit(2);
  }
  return o;
}

std::vector<mimeo::Document> Batch(uint64_t first, uint64_t end) {
  std::vector<mimeo::Document> docs;
  for (uint64_t n = first; n < end; ++n) {
    docs.push_back({Id(n), Model().Document(n), static_cast<int64_t>(n), ""});
  }
  return docs;
}

void Check(const absl::Status& s) {
  if (!s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    std::exit(1);
  }
}

// docs/s of AddBatch() and of Commit() of batches sketched beforehand.
struct Rates {
  double add = 0;
  double commit = 0;
  double sketch = 0;   // SketchBatch() on one thread
  double slowest = 0;  // the slowest batch's seconds (AddBatch or Commit)
};

// Builds n documents in batches of 1,000, half of them (picked by a hash
// of their number, so that the merges of band posting levels, which come
// every 8th batch, fall on both halves) by AddBatch(), the others
// sketched first and committed.
Rates Build(mimeo::Engine& e, uint64_t n) {
  Rates r;
  double add_seconds = 0, commit_seconds = 0, sketch_seconds = 0;
  uint64_t added = 0, committed = 0;
  for (uint64_t first = 0; first < n; first += 1000) {
    std::vector<mimeo::Document> docs = Batch(first, std::min(n, first + 1000));
    const uint64_t count = docs.size();
    const double start_of_batch = add_seconds + commit_seconds;
    if (((first / 1000 + 1) * 0x9E3779B97F4A7C15u) >> 63 == 0) {
      const auto start = Clock::now();
      Check(e.AddBatch(docs).status());
      add_seconds += Seconds(start);
      added += count;
    } else {
      const auto sketch_start = Clock::now();
      mimeo::Engine::SketchedBatch batch = e.SketchBatch(std::move(docs));
      sketch_seconds += Seconds(sketch_start);
      const auto start = Clock::now();
      Check(e.Commit(std::move(batch)).status());
      commit_seconds += Seconds(start);
      committed += count;
    }
    r.slowest =
        std::max(r.slowest, add_seconds + commit_seconds - start_of_batch);
  }
  r.add = static_cast<double>(added) / add_seconds;
  if (committed > 0) {
    r.commit = static_cast<double>(committed) / commit_seconds;
    r.sketch = static_cast<double>(committed) / sketch_seconds;
  }
  return r;
}

// Builds n documents in batches of 1,000 as a pipeline: SketchBatch() on
// `threads` threads, each taking the next batch, at most 2 x threads + 1
// batches ahead of the one committed; the calling thread commits them in
// order, so the engine is that of one AddBatch() of them all. Returns the
// docs/s of the pipeline, the generation of the documents left out.
struct PipelineRate {
  double docs_per_s = 0;
  double commit_share = 0;  // of the wall time, in Commit()
  // The committing thread's CPU time in Commit() per document (the serial
  // stage's work, which the load of the machine does not inflate).
  double commit_cpu_per_doc = 0;
};

double ThreadCpuSeconds() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

PipelineRate Pipeline(mimeo::Engine& e, uint64_t n, unsigned threads) {
  constexpr uint64_t kBatch = 1000, kChunk = 100 * kBatch;
  const size_t ahead = 2 * threads + 1;
  double seconds = 0, commit_seconds = 0, commit_cpu = 0;
  for (uint64_t chunk = 0; chunk < n; chunk += kChunk) {
    const uint64_t chunk_end = std::min(n, chunk + kChunk);
    const size_t batches = (chunk_end - chunk + kBatch - 1) / kBatch;
    std::vector<std::vector<mimeo::Document>> docs(batches);
    {
      std::vector<std::thread> makers;
      for (unsigned t = 0; t < threads; ++t) {
        makers.emplace_back([&, t] {
          for (size_t b = t; b < batches; b += threads) {
            const uint64_t first = chunk + b * kBatch;
            docs[b] = Batch(first, std::min(chunk_end, first + kBatch));
          }
        });
      }
      for (std::thread& m : makers) m.join();
    }
    std::vector<std::optional<mimeo::Engine::SketchedBatch>> sketched(batches);
    std::mutex mu;
    std::condition_variable cv;
    size_t next = 0, committed = 0;
    const auto start = Clock::now();
    std::vector<std::thread> sketchers;
    for (unsigned t = 0; t < threads; ++t) {
      sketchers.emplace_back([&] {
        for (;;) {
          size_t b;
          {
            std::unique_lock lock(mu);
            cv.wait(lock, [&] {
              return next == batches || next < committed + ahead;
            });
            if (next == batches) return;
            b = next++;
          }
          mimeo::Engine::SketchedBatch batch =
              e.SketchBatch(std::move(docs[b]));
          std::lock_guard lock(mu);
          sketched[b] = std::move(batch);
          cv.notify_all();
        }
      });
    }
    for (size_t b = 0; b < batches; ++b) {
      mimeo::Engine::SketchedBatch batch;
      {
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return sketched[b].has_value(); });
        batch = std::move(*sketched[b]);
        sketched[b].reset();
      }
      const auto commit_start = Clock::now();
      const double cpu_start = ThreadCpuSeconds();
      Check(e.Commit(std::move(batch)).status());
      commit_cpu += ThreadCpuSeconds() - cpu_start;
      commit_seconds += Seconds(commit_start);
      std::lock_guard lock(mu);
      committed = b + 1;
      cv.notify_all();
    }
    for (std::thread& s : sketchers) s.join();
    seconds += Seconds(start);
  }
  return {static_cast<double>(n) / seconds, commit_seconds / seconds,
          commit_cpu / static_cast<double>(n)};
}

// The process's peak resident memory so far (VmHWM), in bytes.
uint64_t PeakRssBytes() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return 1024 * std::stoull(line.substr(6));
  }
  return 0;
}

int PipelineIngest(const std::string& mode, uint64_t n,
                   const std::string& dir) {
  const mimeo::Engine::Options o = OptionsFor(mode);
  if (std::filesystem::exists(dir)) {
    std::fprintf(stderr, "'%s' exists\n", dir.c_str());
    return 2;
  }
  const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  PipelineRate memory_rate;
  {
    auto e = *mimeo::Engine::Create(o);
    memory_rate = Pipeline(*e, n, threads);
  }
  // Before the engine on disk exists: the engine in memory's peak.
  const uint64_t memory_peak = PeakRssBytes();
  auto e = mimeo::Engine::Open(dir, o);
  Check(e.status());
  const PipelineRate disk_rate = Pipeline(**e, n, threads);
  // What `mimeo index add` does after adding: Query()'s model counted and
  // kept in the index.
  const auto save_start = Clock::now();
  Check((*e)->SaveQueryModel());
  const double save_s = Seconds(save_start);
  e->reset();
  const uint64_t bytes = std::filesystem::file_size(dir + "/data.mdb");
  std::printf(
      "mode %s, %llu documents, batches of 1,000, %u sketching threads\n",
      mode.c_str(), static_cast<unsigned long long>(n), threads);
  std::printf(
      "whole ingest docs/s (pipelined SketchBatch + Commit): memory %.0f, "
      "disk %.0f (disk/memory %.2f)\n",
      memory_rate.docs_per_s, disk_rate.docs_per_s,
      disk_rate.docs_per_s / memory_rate.docs_per_s);
  std::printf("time in Commit(): memory %.0f%%, disk %.0f%% of the wall\n",
              100 * memory_rate.commit_share, 100 * disk_rate.commit_share);
  std::printf("CPU in Commit() per document: memory %.1f us, disk %.1f us\n",
              1e6 * memory_rate.commit_cpu_per_doc,
              1e6 * disk_rate.commit_cpu_per_doc);
  std::printf("disk bytes per document: %.0f\n",
              static_cast<double>(bytes) / n);
  std::printf("peak RSS with the engine in memory: %.0f MB\n",
              static_cast<double>(memory_peak) / 1e6);
  std::printf("SaveQueryModel() after the ingest: %.1f s\n", save_s);
  return 0;
}

// Opens the index in `dir` and keeps Query()'s model in it, as `mimeo
// index add` does after adding.
int SaveModel(const std::string& mode, const std::string& dir) {
  auto e = mimeo::Engine::Open(dir, OptionsFor(mode));
  Check(e.status());
  const auto start = Clock::now();
  Check((*e)->SaveQueryModel());
  std::printf("SaveQueryModel() of %s: %.1f s\n", dir.c_str(), Seconds(start));
  return 0;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * v.size()))];
}

// 100 single Add()s of new documents from `from`: their latencies in s.
std::vector<double> SingleAdds(mimeo::Engine& e, uint64_t from) {
  std::vector<double> t;
  for (uint64_t n = from; n < from + 100; ++n) {
    const mimeo::Document d{Id(n), Model().Document(n), static_cast<int64_t>(n),
                            ""};
    const auto start = Clock::now();
    Check(e.Add(d).status());
    t.push_back(Seconds(start));
  }
  return t;
}

int Ingest(const std::string& mode, uint64_t n, const std::string& dir) {
  const mimeo::Engine::Options o = OptionsFor(mode);
  if (std::filesystem::exists(dir)) {
    std::fprintf(stderr, "'%s' exists\n", dir.c_str());
    return 2;
  }
  Rates memory_rate;
  double memory_add, memory_small_add;
  {
    auto e = *mimeo::Engine::Create(o);
    memory_rate = Build(*e, n);
    memory_add = Median(SingleAdds(*e, n));
  }
  {
    auto e = *mimeo::Engine::Create(o);
    Build(*e, 100);
    memory_small_add = Median(SingleAdds(*e, 100));
  }
  auto e = mimeo::Engine::Open(dir, o);
  Check(e.status());
  const Rates disk_rate = Build(**e, n);
  const uint64_t bytes = std::filesystem::file_size(dir + "/data.mdb");
  const std::vector<double> adds = SingleAdds(**e, n);
  double add_seconds = 0;
  for (double t : adds) add_seconds += t;
  e->reset();
  const std::string small = dir + ".small";
  std::filesystem::remove_all(small);
  auto s = mimeo::Engine::Open(small, o);
  Check(s.status());
  Build(**s, 100);
  const double small_add = Median(SingleAdds(**s, 100));
  s->reset();
  std::filesystem::remove_all(small);
  std::printf("mode %s, %llu documents, batches of 1,000\n", mode.c_str(),
              static_cast<unsigned long long>(n));
  std::printf(
      "ingest docs/s (AddBatch): memory %.0f, disk %.0f (disk/memory %.2f)\n",
      memory_rate.add, disk_rate.add, disk_rate.add / memory_rate.add);
  std::printf(
      "store docs/s (Commit of sketched batches): memory %.0f, disk %.0f\n",
      memory_rate.commit, disk_rate.commit);
  std::printf("sketch docs/s (SketchBatch, one thread): %.0f, %.0f\n",
              memory_rate.sketch, disk_rate.sketch);
  std::printf("slowest batch: memory %.1f ms, disk %.1f ms\n",
              1e3 * memory_rate.slowest, 1e3 * disk_rate.slowest);
  std::printf("disk bytes per document: %.0f (data.mdb %llu bytes)\n",
              static_cast<double>(bytes) / n,
              static_cast<unsigned long long>(bytes));
  std::printf("single durable Add(): %.0f adds/s, median %.2f ms\n",
              adds.size() / add_seconds, 1e3 * Median(adds));
  std::printf(
      "add-one median: disk %.2f ms at %llu docs, %.2f ms at 100 (ratio "
      "%.2f); memory %.2f ms at %llu, %.2f ms at 100 (ratio %.2f)\n",
      1e3 * Median(adds), static_cast<unsigned long long>(n), 1e3 * small_add,
      Median(adds) / small_add, 1e3 * memory_add,
      static_cast<unsigned long long>(n), 1e3 * memory_small_add,
      memory_add / memory_small_add);
  return 0;
}

int ConcurrentAdds(const std::string& mode, uint64_t n, const std::string& dir,
                   int threads) {
  const mimeo::Engine::Options o = OptionsFor(mode);
  if (std::filesystem::exists(dir)) {
    std::fprintf(stderr, "'%s' exists\n", dir.c_str());
    return 2;
  }
  auto e = mimeo::Engine::Open(dir, o);
  Check(e.status());
  for (uint64_t first = 0; first < n; first += 1000) {
    Check((*e)->AddBatch(Batch(first, std::min(n, first + 1000))).status());
  }
  constexpr int kAdds = 200;
  std::vector<std::vector<mimeo::Document>> docs(threads);
  for (int t = 0; t < threads; ++t) {
    docs[t] = Batch(n + static_cast<uint64_t>(t) * kAdds,
                    n + static_cast<uint64_t>(t + 1) * kAdds);
  }
  std::vector<std::vector<double>> latency(threads);
  const auto start = Clock::now();
  std::vector<std::thread> adders;
  for (int t = 0; t < threads; ++t) {
    adders.emplace_back([&, t] {
      for (const mimeo::Document& d : docs[t]) {
        const auto add_start = Clock::now();
        Check((*e)->Add(d).status());
        latency[t].push_back(Seconds(add_start));
      }
    });
  }
  for (std::thread& a : adders) a.join();
  const double seconds = Seconds(start);
  std::vector<double> all;
  for (const std::vector<double>& l : latency) {
    all.insert(all.end(), l.begin(), l.end());
  }
  std::printf(
      "mode %s, %llu documents, %d threads x %d single durable Add(): %.0f "
      "adds/s, median %.2f ms, p99 %.2f ms\n",
      mode.c_str(), static_cast<unsigned long long>(n), threads, kAdds,
      static_cast<double>(all.size()) / seconds, 1e3 * Median(all),
      1e3 * Percentile(all, 0.99));
  return 0;
}

// Q queries against `e`: latencies in s. Indexed articles with one word in
// 25 replaced, spread over the index.
std::vector<double> Queries(const mimeo::Engine& e, uint64_t n, int q,
                            uint64_t* matches) {
  std::vector<double> t;
  *matches = 0;
  for (int i = 0; i < q; ++i) {
    const uint64_t doc = (static_cast<uint64_t>(i) * 7919) % n;
    const std::string text = Model().Edit(Model().Document(doc), doc);
    const auto start = Clock::now();
    auto m = e.Query(text);
    t.push_back(Seconds(start));
    Check(m.status());
    *matches += m->size();
  }
  return t;
}

// RssAnon and RssFile of this process, in bytes (/proc/self/status): the
// memory it holds, and the pages of mapped files it has touched, which
// belong to the page cache.
std::pair<uint64_t, uint64_t> RssAnonFile() {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (f == nullptr) return {0, 0};
  char line[256];
  uint64_t anon = 0, file = 0;
  while (std::fgets(line, sizeof(line), f) != nullptr) {
    unsigned long long kb;
    if (std::sscanf(line, "RssAnon: %llu kB", &kb) == 1) anon = kb * 1024;
    if (std::sscanf(line, "RssFile: %llu kB", &kb) == 1) file = kb * 1024;
  }
  std::fclose(f);
  return {anon, file};
}

// Drops the pages of DIR/data.mdb from the page cache, but those a process
// maps (the few opening touched), so that the next queries read the index
// from the disk. Returns whether the kernel took the advice.
bool DropFromPageCache(const std::string& dir) {
  const std::string path = dir + "/data.mdb";
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) == 0;
  ::close(fd);
  return ok;
}

int Query(const std::string& mode, uint64_t n, const std::string& dir, int q) {
  const mimeo::Engine::Options o = OptionsFor(mode);
  Model();  // the word model's memory before the baseline
  const uint64_t rss_before = RssBytes();
  const auto start = Clock::now();
  auto e = mimeo::Engine::Open(dir, o);
  Check(e.status());
  const double open_s = Seconds(start);
  const uint64_t rss_open = RssBytes();
  const auto [anon_open, file_open] = RssAnonFile();
  uint64_t matches = 0;
  {
    // The first query reads Query()'s model back from the index (or counts
    // it, when the index keeps none for its documents).
    uint64_t first_matches = 0;
    const std::vector<double> first = Queries(**e, n, 1, &first_matches);
    const auto [anon_first, file_first] = RssAnonFile();
    std::printf(
        "disk first query: %.1f ms (process RssAnon %.0f MB, RssFile %.0f MB "
        "after it)\n",
        1e3 * first[0], anon_first / 1e6, file_first / 1e6);
  }
  if (DropFromPageCache(dir)) {
    const int cold_q = std::min(q, 1000);
    const std::vector<double> cold = Queries(**e, n, cold_q, &matches);
    std::printf(
        "disk cold query (index pages dropped from the page cache first, %d "
        "queries): p50 %.0f us, p99 %.0f us, %.2f matches each\n",
        cold_q, 1e6 * Percentile(cold, 0.5), 1e6 * Percentile(cold, 0.99),
        static_cast<double>(matches) / cold_q);
  }
  Queries(**e, n, std::min(q, 200), &matches);  // warm up
  const std::vector<double> t = Queries(**e, n, q, &matches);
  const uint64_t rss_after = RssBytes();
  const auto [anon, file] = RssAnonFile();
  std::printf(
      "disk index %s: open %.1f ms; RSS +%.0f MB after open (process "
      "RssAnon %.0f MB, RssFile %.0f MB), +%.0f MB after %d queries "
      "(process RssAnon %.0f MB, RssFile %.0f MB)\n",
      dir.c_str(), 1e3 * open_s, (rss_open - rss_before) / 1e6, anon_open / 1e6,
      file_open / 1e6, (rss_after - rss_before) / 1e6, q, anon / 1e6,
      file / 1e6);
  std::printf("disk warm query: p50 %.0f us, p99 %.0f us, %.2f matches each\n",
              1e6 * Percentile(t, 0.5), 1e6 * Percentile(t, 0.99),
              static_cast<double>(matches) / q);
  e->reset();
  auto m = *mimeo::Engine::Create(o);
  Build(*m, n);
  Queries(*m, n, std::min(q, 200), &matches);
  const std::vector<double> tm = Queries(*m, n, q, &matches);
  std::printf(
      "memory warm query: p50 %.0f us, p99 %.0f us, %.2f matches each "
      "(disk/memory p50 %.2f)\n",
      1e6 * Percentile(tm, 0.5), 1e6 * Percentile(tm, 0.99),
      static_cast<double>(matches) / q,
      Percentile(t, 0.5) / Percentile(tm, 0.5));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string what = argc > 1 ? argv[1] : "";
  if (what == "ingest" && argc == 5) {
    return Ingest(argv[2], std::strtoull(argv[3], nullptr, 10), argv[4]);
  }
  if (what == "pipeline" && argc == 5) {
    return PipelineIngest(argv[2], std::strtoull(argv[3], nullptr, 10),
                          argv[4]);
  }
  if (what == "adds" && argc == 6) {
    return ConcurrentAdds(argv[2], std::strtoull(argv[3], nullptr, 10), argv[4],
                          std::atoi(argv[5]));
  }
  if (what == "savemodel" && argc == 4) return SaveModel(argv[2], argv[3]);
  if (what == "query" && argc == 6) {
    return Query(argv[2], std::strtoull(argv[3], nullptr, 10), argv[4],
                 std::atoi(argv[5]));
  }
  std::fprintf(stderr,
               "usage: mimeo_durable_bench ingest MODE N DIR\n"
               "       mimeo_durable_bench pipeline MODE N DIR\n"
               "       mimeo_durable_bench adds MODE N DIR T\n"
               "       mimeo_durable_bench savemodel MODE DIR\n"
               "       mimeo_durable_bench query MODE N DIR Q\n");
  return 2;
}
