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

int Fail(const absl::Status& s) {
  std::fprintf(stderr, "copy_eval: %s\n", s.ToString().c_str());
  return 1;
}

struct Run {
  std::unique_ptr<mimeo::Engine> engine;
  mimeo::CopyReport report;
  double seconds = 0;
};

// --source-per-document: every document is of a source of its own (each
// generated reprint from a different outlet), instead of all of one.
bool source_per_document = false;

absl::StatusOr<Run> RunEngine(const mimeo::Engine::Options& o,
                              std::vector<Document> docs) {
  if (source_per_document) {
    for (Document& d : docs) d.source = d.id;
  }
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

void PrintJudgement(const std::vector<Document>& docs,
                    const mimeo::CopyReport& r) {
  const auto j = mimeo::bench::JudgeAgainstText(docs, r);
  std::printf(
      "judged against the text: %.4f of %llu pairs truly share text; of %llu "
      "passages %.4f have the same text at both ranges, %.4f agree on 90%%+ "
      "of words\n",
      j.pair_precision(), static_cast<unsigned long long>(j.pairs),
      static_cast<unsigned long long>(j.passages), j.same_share(),
      j.close_share());
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
  const auto r = mimeo::bench::ScoreReuse(*corpus, run->report);
  std::printf(
      "labelled pairs found: %llu of %llu, recall %.4f\n"
      "passages by character overlap on labelled pairs: precision %.4f "
      "recall %.4f\n",
      static_cast<unsigned long long>(r.found),
      static_cast<unsigned long long>(r.cases), r.pair_recall,
      r.passage_precision, r.passage_recall);
  PrintJudgement(docs, run->report);
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
  const auto scores = mimeo::bench::ScoreClough(*corpus, run->report);
  for (const std::string& id : scores.missed) {
    std::printf("missed cut/light answer %s\n", id.c_str());
  }
  auto by_category = scores.by_category;
  for (const auto& [cat, c] : by_category) {
    std::printf("clough %-6s %2d of %2d reported as copying their original (%.3f)\n",
                cat.c_str(), c.found, c.total, double(c.found) / c.total);
  }
  const auto& cut = by_category["cut"];
  const auto& light = by_category["light"];
  const auto& non = by_category["non"];
  std::printf(
      "cut+light recall %.4f; non false-positive rate %.4f\n",
      double(cut.found + light.found) / (cut.total + light.total),
      double(non.found) / non.total);
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
  PrintJudgement(corpus->docs, run->report);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"mimeo shared-copy evaluation"};
  app.require_subcommand(1);
  mimeo::Engine::Options o;
  std::string dir;
  int show_boilerplate = 5;
  int token_hash = static_cast<int>(o.shingle.token_hash);
  auto add_options = [&](CLI::App* c) {
    c->add_option("dir", dir)->required();
    c->add_option("--shingle", o.shingle.k, "tokens per shingle");
    c->add_option("--shingle-seed", o.shingle.seed,
                  "seed of the token hashes (how much the figures move with "
                  "the hash values alone)");
    c->add_option("--token-hash", token_hash,
                  "token hash: 0 XXH3, 1 the short mix (the default)");
    c->add_option("--window", o.copy.winnow.window, "winnowing window");
    c->add_option("--min-passage", o.copy.align.min_passage_tokens,
                  "shortest passage, tokens");
    c->add_option("--max-gap", o.copy.align.max_gap_tokens,
                  "largest gap bridged, tokens");
    c->add_option("--bp-min-docs", o.copy.judge.common_min_docs,
                  "boilerplate: documents that make a passage common");
    c->add_option("--bp-fraction", o.copy.judge.common_fraction,
                  "boilerplate: share of documents that makes it common");
    c->add_option("--bp-wide-docs", o.copy.judge.widespread_min_docs,
                  "boilerplate: documents that make a passage widespread");
    c->add_option("--bp-wide-fraction", o.copy.judge.widespread_fraction,
                  "boilerplate: share of documents that makes it widespread");
    c->add_option("--bp-template-sources", o.copy.judge.template_sources,
                  "boilerplate: text on --bp-wide-docs documents from at most "
                  "this share as many sources is a template (0: off)");
    c->add_flag("--source-per-document", source_per_document,
                "every document is of a source of its own (default: all of "
                "one)");
    c->add_option("--bp-edge", o.copy.judge.edge_tokens,
                  "boilerplate: tokens from an edge that count as at it");
    c->add_option("--max-postings", o.copy.index.max_postings,
                  "fingerprints this common propose no candidates");
    c->add_option("--bp-max-tokens", o.copy.judge.long_tokens,
                  "pairs sharing this many tokens are copy unless widespread");
    c->add_option("--bp-phrase", o.copy.judge.phrase_tokens,
                  "boilerplate: a pair sharing fewer tokens than this in all "
                  "shares a set phrase (1: off)");
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
  o.shingle.token_hash = static_cast<mimeo::TokenHash>(token_hash);
  if (seeds->parsed()) return Seeds(dir, o);
  if (pan13->parsed()) return Pan13(dir, o, show_boilerplate);
  if (clough->parsed()) return Clough(dir, o);
  return Generated(dir, o);
}
