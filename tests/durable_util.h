// Documents and options shared by durable_test and its child process.
#ifndef MIMEO_TESTS_DURABLE_UTIL_H_
#define MIMEO_TESTS_DURABLE_UTIL_H_

#include <random>
#include <string>

#include "mimeo/engine.h"
#include "test_util.h"

namespace mimeo::testing {

inline Engine::Options DurableOptions() {
  Engine::Options o;
  o.threads = 1;
  return o;
}

// Document i of a writer: a text of its own (60 to 120 random words, seeded
// by the prefix and i), dated i.
inline Document DurableDoc(const std::string& prefix, long i) {
  std::seed_seq seed(prefix.begin(), prefix.end());
  std::mt19937_64 base(seed);
  std::mt19937_64 rng(base() ^ static_cast<uint64_t>(i) * 0x9E3779B97F4A7C15u);
  Document d;
  d.id = prefix + "-" + std::to_string(i);
  d.text = RandomText(rng, 60 + rng() % 61);
  d.date = i;
  return d;
}

}  // namespace mimeo::testing

#endif  // MIMEO_TESTS_DURABLE_UTIL_H_
