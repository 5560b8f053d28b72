// A writer for durable_test: opens an index directory and adds documents,
// printing each id on stdout (flushed) once Add() has returned, so that the
// parent knows which adds were acknowledged when it kills this process.
//
//   durable_child add DIR PREFIX FIRST COUNT   one Add() per document
//   durable_child batch DIR PREFIX FIRST COUNT AddBatch() of 10 at a time
//   durable_child readonly DIR PREFIX I 0       ReadOnly() below
//   durable_child full DIR PREFIX FIRST COUNT   Full() below
//   durable_child threads DIR PREFIX FIRST COUNT  four threads, each one
//       Add() at a time (documents FIRST + t, FIRST + t + 4, ...), which
//       group commit inserts together
// "add-nd", "batch-nd" and "threads-nd" do as "add", "batch" and
// "threads" on a near-duplicate index (DurableOptions(true)).
// Documents are DurableText(PREFIX, i) for i in [FIRST, FIRST + COUNT).
// Exit code 0, or 1 with the error on stderr (2: bad arguments).
#include <signal.h>
#include <sys/resource.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "durable_util.h"
#include "mimeo/engine.h"

// `readonly DIR PREFIX I 0`: finds document I by a query, then tries to
// add document I + 1; prints "found" or "missing", then the add's status.
int ReadOnly(const std::string& dir, const std::string& prefix, long i) {
  auto engine = mimeo::Engine::Open(dir, mimeo::testing::DurableOptions());
  if (!engine.ok()) {
    std::printf("%s\n", engine.status().ToString().c_str());
    return 1;
  }
  const mimeo::Document d = mimeo::testing::DurableDoc(prefix, i);
  auto m = (*engine)->Query(d.text);
  bool found = false;
  if (m.ok()) {
    for (const mimeo::Match& x : *m) found = found || x.id == d.id;
  }
  std::printf("%s\n", found ? "found" : "missing");
  const absl::Status s =
      (*engine)->Add(mimeo::testing::DurableDoc(prefix, i + 1)).status();
  std::printf("%s\n", s.ToString().c_str());
  return 0;
}

// `full DIR PREFIX FIRST COUNT`: as if the disk were full: no file may grow
// past 64 KB beyond the index's present size (RLIMIT_FSIZE; the signal
// ignored, so a write fails with EFBIG instead). Adds the documents in one
// AddBatch() and prints its status.
int Full(const std::string& dir, const std::string& prefix, long first,
         long count) {
  std::error_code ec;
  const uint64_t size = std::filesystem::file_size(dir + "/data.mdb", ec);
  signal(SIGXFSZ, SIG_IGN);
  const rlimit limit{size + 65536, size + 65536};
  if (ec || setrlimit(RLIMIT_FSIZE, &limit) != 0) return 3;
  auto engine = mimeo::Engine::Open(dir, mimeo::testing::DurableOptions());
  if (!engine.ok()) {
    std::printf("%s\n", engine.status().ToString().c_str());
    return 1;
  }
  std::vector<mimeo::Document> docs;
  for (long i = first; i < first + count; ++i) {
    docs.push_back(mimeo::testing::DurableDoc(prefix, i));
  }
  std::printf("%s\n", (*engine)->AddBatch(docs).status().ToString().c_str());
  return 0;
}

int main(int argc, char** argv) {
  if (argc != 6) return 2;
  const std::string mode = argv[1], dir = argv[2], prefix = argv[3];
  const long first = std::atol(argv[4]), count = std::atol(argv[5]);
  if (mode == "readonly") return ReadOnly(dir, prefix, first);
  if (mode == "full") return Full(dir, prefix, first, count);
  const bool near_duplicate =
      mode == "add-nd" || mode == "batch-nd" || mode == "threads-nd";
  auto engine =
      mimeo::Engine::Open(dir, mimeo::testing::DurableOptions(near_duplicate));
  if (!engine.ok()) {
    std::fprintf(stderr, "%s\n", engine.status().ToString().c_str());
    return 1;
  }
  if (mode == "threads" || mode == "threads-nd") {
    std::mutex out_mu;
    std::atomic<bool> failed{false};
    std::vector<std::thread> writers;
    for (long t = 0; t < 4; ++t) {
      writers.emplace_back([&, t] {
        for (long i = first + t; i < first + count && !failed; i += 4) {
          const mimeo::Document d = mimeo::testing::DurableDoc(prefix, i);
          const absl::Status s = (*engine)->Add(d).status();
          std::lock_guard lock(out_mu);
          if (!s.ok()) {
            std::fprintf(stderr, "%s\n", s.ToString().c_str());
            failed = true;
            return;
          }
          std::printf("%s\n", d.id.c_str());
          std::fflush(stdout);
        }
      });
    }
    for (std::thread& w : writers) w.join();
    return failed ? 1 : 0;
  }
  const long step = mode == "batch" || mode == "batch-nd" ? 10 : 1;
  for (long i = first; i < first + count; i += step) {
    std::vector<mimeo::Document> docs;
    for (long j = i; j < std::min(first + count, i + step); ++j) {
      docs.push_back(mimeo::testing::DurableDoc(prefix, j));
    }
    absl::Status s;
    if (step == 1) {
      s = (*engine)->Add(docs[0]).status();
    } else {
      s = (*engine)->AddBatch(docs).status();
    }
    if (!s.ok()) {
      std::fprintf(stderr, "%s\n", s.ToString().c_str());
      return 1;
    }
    for (const mimeo::Document& d : docs) std::printf("%s\n", d.id.c_str());
    std::fflush(stdout);
  }
  return 0;
}
