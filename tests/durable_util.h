// Documents and options shared by durable_test and its child process.
#ifndef MIMEO_TESTS_DURABLE_UTIL_H_
#define MIMEO_TESTS_DURABLE_UTIL_H_

#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"

#include "mimeo/engine.h"
#include "test_util.h"

namespace mimeo::testing {

// Shared copy on (the default), or, with `near_duplicate`, copy off and no
// shingle sets. Either way the store reads its records in place.
inline Engine::Options DurableOptions(bool near_duplicate = false) {
  Engine::Options o;
  o.threads = 1;
  if (near_duplicate) {
    o.copy.enabled = false;
    o.keep_shingle_sets = false;
  }
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

// Every figure of an answer, as text, so that two engines' answers compare
// with one EXPECT_EQ and a readable difference.
inline std::string Describe(const std::vector<Match>& matches) {
  std::string out;
  for (const Match& m : matches) {
    absl::StrAppendFormat(
        &out, "%s %d %.17g %.17g %.17g %.17g %.17g %d %d %d %d %d\n", m.id,
        m.doc, m.estimated_jaccard, m.jaccard, m.containment_query_in_doc,
        m.containment_doc_in_query, m.score, m.near_duplicate, m.shares_copy,
        m.copied_tokens_query, m.copied_tokens_doc, m.more_passages);
    for (const Passage& p : m.passages) {
      absl::StrAppendFormat(&out, "  %d %d %d %d %d %d %d\n", p.a_begin,
                            p.a_end, p.b_begin, p.b_end, p.boilerplate,
                            static_cast<int>(p.reason), p.doc_frequency);
    }
  }
  return out;
}

inline std::string Describe(const Clustering& c) {
  std::string out = absl::StrFormat("candidates %d\n", c.candidate_pairs);
  for (const VerifiedPair& p : c.pairs) {
    absl::StrAppendFormat(&out, "pair %d %d %.17g\n", p.a, p.b, p.score);
  }
  for (const Cluster& cl : c.clusters) {
    absl::StrAppendFormat(&out, "cluster %d %d:", cl.id, cl.representative);
    for (DocId d : cl.members) absl::StrAppendFormat(&out, " %d", d);
    out += "\n";
  }
  return out;
}

inline std::string Describe(const CopyReport& r) {
  std::string out = absl::StrFormat("candidates %d\n", r.candidate_pairs);
  for (const CopyPair& p : r.pairs) {
    absl::StrAppendFormat(&out, "pair %d %d %d %d %d\n", p.a, p.b,
                          p.copied_tokens_a, p.copied_tokens_b,
                          p.passages.size());
  }
  for (const CopyFamily& f : r.families) {
    absl::StrAppendFormat(&out, "family %d %d %d %d %d\n", f.id, f.origin,
                          f.origin_begin, f.origin_end, f.num_docs);
  }
  for (const Cluster& cl : r.clusters) {
    absl::StrAppendFormat(&out, "cluster %d:", cl.representative);
    for (DocId d : cl.members) absl::StrAppendFormat(&out, " %d", d);
    out += "\n";
  }
  return out;
}

}  // namespace mimeo::testing

#endif  // MIMEO_TESTS_DURABLE_UTIL_H_
