// Quality evaluation of shared-copy detection against labelled corpora.
//
//   copy_eval seeds DIR       the AFP and Al Jazeera texts: the shared quote
//                             found, the unrelated headlines not, no
//                             near-duplicates
//   copy_eval pan13 DIR       pan13-text-alignment: pair recall on the 500
//                             no-obfuscation pairs, passage precision and
//                             recall by character overlap on re-derived
//                             spans, and every reported pair and passage
//                             judged against the text itself
//   copy_eval clough DIR      clough-stevenson: each answer against its
//                             task's original, by category
//   copy_eval generated DIR   a corpus from mimeo_gen: recall of reprints
//                             and copies by kind, precision against the text
//
// Engine options can be overridden to explore the trade-offs; the defaults
// are the library's.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/container/flat_hash_map.h"
#include "copy_corpora.h"
#include "corpora.h"
#include "generated.h"
#include "mimeo/engine.h"

namespace {

using mimeo::DocId;
using mimeo::Document;
using mimeo::bench::Range;

int Fail(const absl::Status& s) {
  std::fprintf(stderr, "copy_eval: %s\n", s.ToString().c_str());
  return 1;
}

struct Run {
  std::unique_ptr<mimeo::Engine> engine;
  mimeo::CopyReport report;
  double seconds = 0;
};

absl::StatusOr<Run> RunEngine(const mimeo::Engine::Options& o,
                              const std::vector<Document>& docs) {
  Run run;
  auto engine = mimeo::Engine::Create(o);
  if (!engine.ok()) return engine.status();
  run.engine = std::move(*engine);
  const auto t0 = std::chrono::steady_clock::now();
  if (auto ids = run.engine->AddBatch(docs); !ids.ok()) return ids.status();
  auto report = run.engine->SharedCopy();
  if (!report.ok()) return report.status();
  run.report = std::move(*report);
  run.seconds = std::chrono::duration<double>(
                    std::chrono::steady_clock::now() - t0)
                    .count();
  uint64_t passages = 0, boilerplate = 0;
  for (const auto& p : run.report.pairs) {
    for (const auto& s : p.passages) (s.boilerplate ? boilerplate : passages)++;
  }
  std::printf(
      "%zu documents, %llu candidate pairs, %zu pairs share copy, %llu "
      "passages (+%llu boilerplate), %zu families, %.2f s\n",
      docs.size(), static_cast<unsigned long long>(run.report.candidate_pairs),
      run.report.pairs.size(), static_cast<unsigned long long>(passages),
      static_cast<unsigned long long>(boilerplate), run.report.families.size(),
      run.seconds);
  return run;
}

std::string_view Cut(const std::string& text, uint32_t b, uint32_t e) {
  return std::string_view(text).substr(b, e - b);
}

std::string OneLine(std::string_view t, size_t max = 100) {
  std::string s;
  for (char c : t) s.push_back(c == '\n' || c == '\r' || c == '\t' ? ' ' : c);
  if (s.size() > max) s = s.substr(0, max) + "...";
  return s;
}

// Judges every reported pair and passage against the texts: a passage is
// the same text when its two renderings squash alike (see copy_corpora.h),
// close when at least 90% of its words agree; a pair truly shares text
// when one of its passages is close.
void JudgeAgainstText(const std::vector<Document>& docs,
                      const mimeo::CopyReport& r) {
  uint64_t pairs_true = 0, passages = 0, same = 0, close = 0;
  for (const auto& p : r.pairs) {
    bool any = false;
    for (const auto& s : p.passages) {
      if (s.boilerplate) continue;
      ++passages;
      const double a = mimeo::bench::TextAgreement(
          Cut(docs[p.a].text, s.a_begin, s.a_end),
          Cut(docs[p.b].text, s.b_begin, s.b_end));
      if (a == 1) ++same;
      if (a >= 0.9) {
        ++close;
        any = true;
      }
    }
    if (any) ++pairs_true;
  }
  auto frac = [](uint64_t x, uint64_t n) { return n ? double(x) / n : 1.0; };
  std::printf(
      "judged against the text: %.4f of %zu pairs truly share text; of %llu "
      "passages %.4f have the same text at both ranges, %.4f agree on 90%%+ "
      "of words\n",
      frac(pairs_true, r.pairs.size()), r.pairs.size(),
      static_cast<unsigned long long>(passages), frac(same, passages),
      frac(close, passages));
}

// Characters of `ranges` (merged) that also lie in `truth` (merged).
uint64_t Covered(std::vector<Range> ranges) {
  std::sort(ranges.begin(), ranges.end(),
            [](const Range& x, const Range& y) { return x.begin < y.begin; });
  uint64_t n = 0;
  uint32_t reach = 0;
  for (const Range& r : ranges) {
    const uint32_t b = std::max(r.begin, reach);
    if (r.end > b) n += r.end - b;
    reach = std::max(reach, r.end);
  }
  return n;
}
uint64_t Overlap(const std::vector<Range>& x, const std::vector<Range>& y) {
  std::vector<Range> both;
  for (const Range& a : x) {
    for (const Range& b : y) {
      const uint32_t lo = std::max(a.begin, b.begin), hi = std::min(a.end, b.end);
      if (lo < hi) both.push_back({lo, hi});
    }
  }
  return Covered(both);
}

int Seeds(const std::string& dir, const mimeo::Engine::Options& o) {
  std::vector<Document> docs;
  for (const char* name :
       {"afp-bush-putin-sochi.txt", "aljazeera-bush-putin-sochi.txt",
        "bbc-newssniffer-bush-putin-kennebunkport.txt"}) {
    auto text = mimeo::bench::Slurp(dir + "/" + name);
    if (!text.ok()) return Fail(text.status());
    docs.push_back({name, std::move(*text), {}});
  }
  auto run = RunEngine(o, docs);
  if (!run.ok()) return Fail(run.status());
  bool quote = false, headlines = false, afp_aj = false;
  for (const auto& p : run->report.pairs) {
    std::printf("pair %s ~ %s: jaccard %.3f, containment %.3f / %.3f\n",
                docs[p.a].id.c_str(), docs[p.b].id.c_str(),
                p.similarity.jaccard, p.similarity.containment_a_in_b,
                p.similarity.containment_b_in_a);
    const bool this_pair = (p.a == 0 && p.b == 1);
    afp_aj |= this_pair;
    for (const auto& s : p.passages) {
      const std::string_view a = Cut(docs[p.a].text, s.a_begin, s.a_end);
      const std::string_view b = Cut(docs[p.b].text, s.b_begin, s.b_end);
      std::printf("  %s[%u,%u) ~ [%u,%u) %u tokens: %s\n",
                  s.boilerplate ? "boilerplate " : "", s.a_begin, s.a_end,
                  s.b_begin, s.b_end, s.a_tokens(), OneLine(a).c_str());
      if (s.boilerplate) continue;
      if (this_pair && a.find("have to do more work after Sochi") !=
                           std::string_view::npos &&
          b.find("have to do more work after Sochi") != std::string_view::npos)
        quote = true;
      if (p.b == 1 && b.find("Palestinian Homeland") != std::string_view::npos)
        headlines = true;
    }
  }
  auto near = run->engine->Cluster();
  if (!near.ok()) return Fail(near.status());
  std::printf(
      "afp ~ aljazeera reported: %s; quote passage: %s; headlines reported as "
      "shared: %s; near-duplicate pairs: %zu\n",
      afp_aj ? "yes" : "NO", quote ? "yes" : "NO", headlines ? "YES" : "no",
      near->pairs.size());
  return afp_aj && quote && !headlines && near->pairs.empty() ? 0 : 2;
}

int Pan13(const std::string& dir, const mimeo::Engine::Options& o,
          int show_boilerplate) {
  auto corpus = mimeo::bench::ReadPan13(dir);
  if (!corpus.ok()) return Fail(corpus.status());
  uint64_t spans = 0, published = 0;
  for (const auto& c : corpus->cases) {
    spans += c.spans.size();
    published += c.published_spans;
  }
  std::printf("pan13: %zu labelled pairs, %llu of %llu spans re-derived\n",
              corpus->cases.size(), static_cast<unsigned long long>(spans),
              static_cast<unsigned long long>(published));
  auto run = RunEngine(o, corpus->docs);
  if (!run.ok()) return Fail(run.status());
  const auto& docs = corpus->docs;
  absl::flat_hash_map<uint64_t, const mimeo::CopyPair*> by_pair;
  for (const auto& p : run->report.pairs) {
    by_pair[uint64_t{p.a} << 32 | p.b] = &p;
  }
  uint64_t found = 0, truth_chars = 0, det_chars = 0, both_chars = 0;
  for (const auto& c : corpus->cases) {
    const DocId lo = std::min(c.a, c.b), hi = std::max(c.a, c.b);
    auto it = by_pair.find(uint64_t{lo} << 32 | hi);
    std::vector<Range> true_a, true_b, det_a, det_b;
    for (const auto& s : c.spans) {
      true_a.push_back(s.a);
      true_b.push_back(s.b);
    }
    if (it != by_pair.end()) {
      ++found;
      for (const auto& s : it->second->passages) {
        if (s.boilerplate) continue;
        // Side a of the pair is the smaller DocId.
        const Range pa{s.a_begin, s.a_end}, pb{s.b_begin, s.b_end};
        (lo == c.a ? det_a : det_b).push_back(pa);
        (lo == c.a ? det_b : det_a).push_back(pb);
      }
    }
    truth_chars += Covered(true_a) + Covered(true_b);
    det_chars += Covered(det_a) + Covered(det_b);
    both_chars += Overlap(det_a, true_a) + Overlap(det_b, true_b);
  }
  std::printf(
      "labelled pairs found: %llu of %zu, recall %.4f\n"
      "passages by character overlap on labelled pairs: precision %.4f "
      "recall %.4f\n",
      static_cast<unsigned long long>(found), corpus->cases.size(),
      double(found) / corpus->cases.size(),
      det_chars ? double(both_chars) / det_chars : 1.0,
      truth_chars ? double(both_chars) / truth_chars : 1.0);
  JudgeAgainstText(docs, run->report);
  // The most frequent boilerplate passages, by text.
  std::map<std::string, int> bp;
  for (const auto& p : run->report.pairs) {
    for (const auto& s : p.passages) {
      if (s.boilerplate) ++bp[OneLine(Cut(docs[p.b].text, s.b_begin, s.b_end), 90)];
    }
  }
  std::vector<std::pair<int, std::string>> top;
  for (const auto& [t, n] : bp) top.push_back({n, t});
  std::sort(top.rbegin(), top.rend());
  for (int i = 0; i < show_boilerplate && i < static_cast<int>(top.size()); ++i) {
    std::printf("  boilerplate x%d: %s\n", top[i].first, top[i].second.c_str());
  }
  return 0;
}

int Clough(const std::string& dir, const mimeo::Engine::Options& o) {
  auto corpus = mimeo::bench::ReadClough(dir);
  if (!corpus.ok()) return Fail(corpus.status());
  auto run = RunEngine(o, corpus->docs);
  if (!run.ok()) return Fail(run.status());
  absl::flat_hash_map<uint64_t, const mimeo::CopyPair*> by_pair;
  for (const auto& p : run->report.pairs) by_pair[uint64_t{p.a} << 32 | p.b] = &p;
  std::map<std::string, std::pair<int, int>> by_category;  // found, total
  for (const auto& a : corpus->answers) {
    const DocId lo = std::min(a.doc, a.original), hi = std::max(a.doc, a.original);
    auto& [found, total] = by_category[a.category];
    ++total;
    if (by_pair.contains(uint64_t{lo} << 32 | hi)) {
      ++found;
    } else if (a.category == "cut" || a.category == "light") {
      std::printf("missed %s answer %s\n", a.category.c_str(),
                  corpus->docs[a.doc].id.c_str());
    }
  }
  for (const auto& [cat, ft] : by_category) {
    std::printf("clough %-6s %2d of %2d reported as copying their original (%.3f)\n",
                cat.c_str(), ft.first, ft.second, double(ft.first) / ft.second);
  }
  const auto& cut = by_category["cut"];
  const auto& light = by_category["light"];
  const auto& non = by_category["non"];
  std::printf(
      "cut+light recall %.4f; non false-positive rate %.4f\n",
      double(cut.first + light.first) / (cut.second + light.second),
      double(non.first) / non.second);
  return 0;
}

int Generated(const std::string& dir, const mimeo::Engine::Options& o) {
  auto corpus = mimeo::bench::ReadGenerated(dir);
  if (!corpus.ok()) return Fail(corpus.status());
  auto run = RunEngine(o, corpus->docs);
  if (!run.ok()) return Fail(run.status());
  absl::flat_hash_map<uint64_t, const mimeo::CopyPair*> by_pair;
  for (const auto& p : run->report.pairs) by_pair[uint64_t{p.a} << 32 | p.b] = &p;
  std::map<std::string, std::pair<int, int>> by_kind;
  for (const auto& l : corpus->labels) {
    if (!l.source) continue;
    const DocId lo = std::min(l.doc, *l.source), hi = std::max(l.doc, *l.source);
    auto& [found, total] = by_kind[l.kind];
    ++total;
    if (by_pair.contains(uint64_t{lo} << 32 | hi)) ++found;
  }
  int all_found = 0, all = 0;
  for (const auto& [kind, ft] : by_kind) {
    std::printf("generated %-10s %5d of %5d found (recall %.4f)\n", kind.c_str(),
                ft.first, ft.second, double(ft.first) / ft.second);
    all_found += ft.first;
    all += ft.second;
  }
  std::printf("all labelled copies: recall %.4f\n", all ? double(all_found) / all : 1.0);
  JudgeAgainstText(corpus->docs, run->report);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"mimeo shared-copy evaluation"};
  app.require_subcommand(1);
  mimeo::Engine::Options o;
  std::string dir;
  int show_boilerplate = 5;
  auto add_options = [&](CLI::App* c) {
    c->add_option("dir", dir)->required();
    c->add_option("--shingle", o.shingle.k, "tokens per shingle");
    c->add_option("--window", o.copy.winnow.window, "winnowing window");
    c->add_option("--min-passage", o.copy.align.min_passage_tokens,
                  "shortest passage, tokens");
    c->add_option("--max-gap", o.copy.align.max_gap_tokens,
                  "largest gap bridged, tokens");
    c->add_option("--bp-min-docs", o.copy.index.boilerplate_min_docs,
                  "boilerplate: minimum document frequency");
    c->add_option("--bp-fraction", o.copy.index.boilerplate_fraction,
                  "boilerplate: share of documents");
    c->add_option("--max-postings", o.copy.index.max_postings,
                  "fingerprints this common propose no candidates");
    c->add_option("--bp-max-tokens", o.copy.boilerplate_max_tokens,
                  "passages this long are never boilerplate");
    c->add_option("--threads", o.threads, "threads (0: all)");
  };
  auto* seeds = app.add_subcommand("seeds", "the seeds texts");
  add_options(seeds);
  auto* pan13 = app.add_subcommand("pan13", "pan13-text-alignment");
  add_options(pan13);
  pan13->add_option("--show-boilerplate", show_boilerplate,
                    "print this many boilerplate passages");
  auto* clough = app.add_subcommand("clough", "clough-stevenson");
  add_options(clough);
  auto* generated = app.add_subcommand("generated", "a mimeo_gen corpus");
  add_options(generated);
  CLI11_PARSE(app, argc, argv);
  if (seeds->parsed()) return Seeds(dir, o);
  if (pan13->parsed()) return Pan13(dir, o, show_boilerplate);
  if (clough->parsed()) return Clough(dir, o);
  return Generated(dir, o);
}
