// A writer for durable_test: opens an index directory and adds documents,
// printing each id on stdout (flushed) once Add() has returned, so that the
// parent knows which adds were acknowledged when it kills this process.
//
//   durable_child add DIR PREFIX FIRST COUNT   one Add() per document
//   durable_child batch DIR PREFIX FIRST COUNT AddBatch() of 10 at a time
// Documents are DurableText(PREFIX, i) for i in [FIRST, FIRST + COUNT).
// Exit code 0, or 1 with the error on stderr (2: bad arguments).
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "durable_util.h"
#include "mimeo/engine.h"

int main(int argc, char** argv) {
  if (argc != 6) return 2;
  const std::string mode = argv[1], dir = argv[2], prefix = argv[3];
  const long first = std::atol(argv[4]), count = std::atol(argv[5]);
  auto engine = mimeo::Engine::Open(dir, mimeo::testing::DurableOptions());
  if (!engine.ok()) {
    std::fprintf(stderr, "%s\n", engine.status().ToString().c_str());
    return 1;
  }
  const long step = mode == "batch" ? 10 : 1;
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
