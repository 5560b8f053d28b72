#include "report.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/strings/str_format.h"
#include "json_writer.h"
#include "oneapi/tbb/parallel_pipeline.h"
#include "oneapi/tbb/task_arena.h"
#include "utf8.h"

namespace mimeo::cli {
namespace {

// A pair's two texts while it is written: the pair's own views, or texts
// fetched by DocId through Report::text_of.
class PairTexts {
 public:
  // Fetches what the pair names by DocId only; `need_b` false leaves b.
  absl::Status Load(const Report& r, const PairOut& p, bool need_b) {
    a_ = p.a_text;
    b_ = p.b_text;
    if (absl::Status s = Fetch(r, p.a_doc, a_, a_owned_); !s.ok()) return s;
    if (!need_b) return absl::OkStatus();
    return Fetch(r, p.b_doc, b_, b_owned_);
  }
  std::string_view a() const { return a_; }
  std::string_view b() const { return b_; }

 private:
  // One side: `view` stays when given, else the text of `doc` is fetched
  // into `owned`.
  static absl::Status Fetch(const Report& r, std::optional<DocId> doc,
                            std::string_view& view, std::string& owned) {
    if (!view.empty() || !doc || !r.text_of) return absl::OkStatus();
    absl::StatusOr<std::string> t = r.text_of(*doc);
    if (!t.ok()) return t.status();
    owned = std::move(*t);
    view = owned;
    return absl::OkStatus();
  }

  std::string a_owned_, b_owned_;
  std::string_view a_, b_;
};

// The pair object of the JSONL schema (report.h); passages' text is cut
// from `a_text`, and left out when `passage_text` is false.
void WritePair(const PairOut& p, std::string_view a_text, bool passage_text,
               JsonWriter& w) {
  w.BeginObject();
  w.Key("a");
  w.String(p.a);
  w.Key("b");
  w.String(p.b);
  w.Key("jaccard");
  w.Double(p.similarity.jaccard);
  w.Key("containment_a_in_b");
  w.Double(p.similarity.containment_a_in_b);
  w.Key("containment_b_in_a");
  w.Double(p.similarity.containment_b_in_a);
  w.Key("estimated");
  w.Bool(p.estimated);
  w.Key("near_duplicate");
  w.Bool(p.near_duplicate);
  if (p.has_passages) {
    w.Key("shares_copy");
    w.Bool(p.shares_copy);
    w.Key("passages");
    w.BeginArray();
    for (const PassageOut& q : p.passages) {
      w.BeginObject();
      w.Key("a");
      w.BeginArray();
      w.Uint(q.a_begin);
      w.Uint(q.a_end);
      w.EndArray();
      w.Key("b");
      w.BeginArray();
      w.Uint(q.b_begin);
      w.Uint(q.b_end);
      w.EndArray();
      w.Key("words");
      w.Uint(q.words);
      if (passage_text) {
        w.Key("text");
        w.String(PassageText(a_text, q));
      }
      w.EndObject();
    }
    w.EndArray();
    if (p.more_passages > 0) {
      w.Key("more_passages");
      w.Uint(p.more_passages);
    }
    if (!p.boilerplate.empty()) {
      w.Key("boilerplate");
      w.BeginObject();
      for (const auto& [reason, n] : p.boilerplate) {
        w.Key(reason);
        w.Uint(n);
      }
      w.EndObject();
    }
  }
  w.EndObject();
}

uint64_t CopiedWords(const PairOut& p) {
  uint64_t n = 0;
  for (const PassageOut& q : p.passages) n += q.words;
  return n;
}

const PassageOut* Longest(const PairOut& p) {
  const PassageOut* best = nullptr;
  for (const PassageOut& q : p.passages) {
    if (best == nullptr || q.words > best->words) best = &q;
  }
  return best;
}

// Tells the caller's progress line one more cluster or pair is written.
void Written(const WriteOptions& o) {
  if (o.written) o.written();
}

// --- JSONL ---------------------------------------------------------------

// A cluster's object up to its pairs, which the caller writes into the
// open array before EndCluster().
void BeginCluster(const ClusterOut& c, JsonWriter& w) {
  w.BeginObject();
  w.Key("cluster");
  w.Uint(c.id);
  w.Key("size");
  w.Uint(c.docs.size());
  w.Key("docs");
  w.BeginArray();
  for (const std::string& d : c.docs) w.String(d);
  w.EndArray();
  w.Key("representative");
  w.String(c.representative);
  w.Key("pairs");
  w.BeginArray();
}

void EndCluster(JsonWriter& w) {
  w.EndArray();
  w.EndObject();
}

// Clusters whose pairs need no text fetched, one JSON line each: blocks of
// clusters formatted in parallel (in the caller's TBB arena) and written
// in order as they are ready, so that formatting the next blocks overlaps
// writing this one. A 100k-document clustering run writes 20 MB of JSONL:
// one thread formatting it was a twentieth of the run, with the other core
// idle.
void WriteJsonlClusters(const std::vector<ClusterOut>& clusters,
                        const WriteOptions& o, std::FILE* out) {
  constexpr size_t kBlock = 256;
  const size_t blocks = (clusters.size() + kBlock - 1) / kBlock;
  size_t next = 0;
  tbb::parallel_pipeline(
      2 * static_cast<size_t>(tbb::this_task_arena::max_concurrency()),
      tbb::make_filter<void, size_t>(tbb::filter_mode::serial_in_order,
                                     [&](tbb::flow_control& fc) -> size_t {
                                       if (next == blocks) fc.stop();
                                       return next++;
                                     }) &
          tbb::make_filter<size_t, std::pair<size_t, std::string>>(
              tbb::filter_mode::parallel,
              [&](size_t b) {
                JsonWriter w;
                std::string text;
                const size_t end = std::min(clusters.size(), (b + 1) * kBlock);
                for (size_t i = b * kBlock; i < end; ++i) {
                  BeginCluster(clusters[i], w);
                  for (const PairOut& p : clusters[i].pairs) {
                    WritePair(p, std::string_view(), o.passage_text, w);
                  }
                  EndCluster(w);
                  text += w.str();
                  text += '\n';
                  w.Clear();
                }
                return std::make_pair(end - b * kBlock, std::move(text));
              }) &
          tbb::make_filter<std::pair<size_t, std::string>, void>(
              tbb::filter_mode::serial_in_order,
              [&](const std::pair<size_t, std::string>& block) {
                std::fwrite(block.second.data(), 1, block.second.size(), out);
                for (size_t i = 0; i < block.first; ++i) Written(o);
              }));
}

absl::Status WriteJsonl(const Report& r, const WriteOptions& o,
                        std::FILE* out) {
  JsonWriter w;
  // Writes a pair, fetching document a's text when passages need it.
  const auto pair = [&](const PairOut& p) -> absl::Status {
    PairTexts texts;
    if (!p.passages.empty() && o.passage_text) {
      if (absl::Status s = texts.Load(r, p, false); !s.ok()) return s;
    }
    WritePair(p, texts.a(), o.passage_text, w);
    return absl::OkStatus();
  };
  const auto flush = [&] {
    std::fwrite(w.str().data(), 1, w.str().size(), out);
    std::fputc('\n', out);
    w.Clear();
  };
  if (r.has_clusters) {
    // Without a text to fetch, clusters are formatted a block at a time on
    // all the caller's threads and written in order: the same bytes.
    bool fetches = false;
    for (const ClusterOut& c : r.clusters) {
      for (const PairOut& p : c.pairs) {
        fetches = fetches || (o.passage_text && !p.passages.empty());
      }
    }
    if (!fetches) {
      WriteJsonlClusters(r.clusters, o, out);
      return absl::OkStatus();
    }
    for (const ClusterOut& c : r.clusters) {
      BeginCluster(c, w);
      for (const PairOut& p : c.pairs) {
        if (absl::Status s = pair(p); !s.ok()) return s;
      }
      EndCluster(w);
      flush();
      Written(o);
    }
    return absl::OkStatus();
  }
  for (const PairOut& p : r.pairs) {
    if (absl::Status s = pair(p); !s.ok()) return s;
    flush();
    Written(o);
  }
  return absl::OkStatus();
}

// --- table ---------------------------------------------------------------

struct Style {
  bool color;
  std::string Bold(std::string_view s) const { return Wrap("1", s); }
  std::string Dim(std::string_view s) const { return Wrap("2", s); }
  std::string Quote(std::string_view s) const { return Wrap("33", s); }
  std::string Wrap(const char* code, std::string_view s) const {
    if (!color) return std::string(s);
    return absl::StrFormat("\x1b[%sm%s\x1b[0m", code, s);
  }
};

std::string Percent(double x) { return absl::StrFormat("%.0f%%", 100 * x); }



absl::Status TablePair(const Report& r, const PairOut& p, const Style& st,
                       const WriteOptions& o, const char* indent,
                       std::FILE* out) {
  PairTexts texts;
  if (!p.passages.empty()) {
    if (absl::Status s = texts.Load(r, p, false); !s.ok()) return s;
  }
  absl::FPrintF(out, "%s%s ~ %s\n", indent, st.Bold(RepairUtf8(p.a)).c_str(),
               st.Bold(RepairUtf8(p.b)).c_str());
  std::string line = absl::StrFormat(
      "jaccard %.2f, %s of a in b, %s of b in a", p.similarity.jaccard,
      Percent(p.similarity.containment_a_in_b),
      Percent(p.similarity.containment_b_in_a));
  if (p.near_duplicate) line += ", near-duplicate";
  if (p.has_passages) {
    line += absl::StrFormat(", %d passage%s, %d words", p.passages.size(),
                            p.passages.size() == 1 ? "" : "s", CopiedWords(p));
  }
  absl::FPrintF(out, "%s  %s\n", indent, line.c_str());
  // The longest passages first.
  std::vector<const PassageOut*> shown;
  for (const PassageOut& q : p.passages) shown.push_back(&q);
  std::stable_sort(shown.begin(), shown.end(),
                   [](const PassageOut* x, const PassageOut* y) {
                     return x->words > y->words;
                   });
  for (size_t i = 0; i < shown.size() && i < o.table_passages_per_pair; ++i) {
    const PassageOut& q = *shown[i];
    const std::string where = absl::StrFormat(
        "[a %d-%d, b %d-%d]", q.a_begin, q.a_end, q.b_begin, q.b_end);
    const std::string text = PassageText(texts.a(), q);
    std::string quoted;
    if (!text.empty()) {
      quoted = "\"";
      quoted += Excerpt(text, 160);
      quoted += "\"";
      quoted = st.Quote(quoted);
    }
    absl::FPrintF(out, "%s  %s %s\n", indent, st.Dim(where), quoted);
  }
  const size_t more =
      shown.size() - std::min<size_t>(shown.size(), o.table_passages_per_pair) +
      p.more_passages;
  if (more > 0) {
    absl::FPrintF(out, "%s  ... and %d more passage%s\n", indent, more,
                  more == 1 ? "" : "s");
  }
  if (!p.boilerplate.empty()) {
    std::string why;
    uint32_t total = 0;
    for (const auto& [reason, n] : p.boilerplate) {
      why += absl::StrFormat("%s%d %s", why.empty() ? "" : ", ", n, reason);
      total += n;
    }
    absl::FPrintF(
        out, "%s  %s\n", indent,
        st.Dim(absl::StrFormat("%d boilerplate passage%s set aside (%s)", total,
                               total == 1 ? "" : "s", why)));
  }
  return absl::OkStatus();
}

void WriteNoPairs(std::FILE* out) {
  absl::FPrintF(out, "no pairs: no two documents share copy\n");
}

absl::Status WriteTablePairs(const Report& r, const WriteOptions& o,
                             std::FILE* out);

absl::Status WriteTable(const Report& r, const WriteOptions& o,
                        std::FILE* out) {
  const Style st{o.color};
  if (r.has_clusters) {
    if (r.clusters.empty()) {
      absl::FPrintF(out, "no clusters: no two documents are copies\n");
      return absl::OkStatus();
    }
    for (const ClusterOut& c : r.clusters) {
      absl::FPrintF(out, "%s\n",
                   st.Bold(absl::StrFormat("cluster %d  (%s)", c.id,
                                           Count(c.docs.size(), "document",
                                                  "documents")))
                       .c_str());
      for (const std::string& d : c.docs) {
        absl::FPrintF(out, "  %s %s\n", d == c.representative ? "*" : " ",
                     RepairUtf8(d).c_str());
      }
      for (size_t i = 0; i < c.pairs.size() && i < o.table_pairs_per_cluster;
           ++i) {
        if (absl::Status s = TablePair(r, c.pairs[i], st, o, "    ", out);
            !s.ok()) {
          return s;
        }
      }
      if (c.pairs.size() > o.table_pairs_per_cluster) {
        const size_t more = c.pairs.size() - o.table_pairs_per_cluster;
        absl::FPrintF(out, "    ... and %d more pair%s\n", more,
                      more == 1 ? "" : "s");
      }
      Written(o);
    }
    absl::FPrintF(out,
                  "(* the representative: the core every member resembles, "
                  "or the origin of the shared text)\n");
    return absl::OkStatus();
  }
  if (r.pairs.empty()) {
    WriteNoPairs(out);
    return absl::OkStatus();
  }
  return WriteTablePairs(r, o, out);
}

absl::Status WriteTablePairs(const Report& r, const WriteOptions& o,
                             std::FILE* out) {
  const Style st{o.color};
  for (const PairOut& p : r.pairs) {
    if (absl::Status s = TablePair(r, p, st, o, "", out); !s.ok()) return s;
    Written(o);
  }
  return absl::OkStatus();
}

// --- CSV (RFC 4180) ------------------------------------------------------

void WriteCsvHeader(std::FILE* out) {
  absl::FPrintF(out,
                "a,b,jaccard,containment_a_in_b,containment_b_in_a,"
                "near_duplicate,shares_copy,passages,copied_words,"
                "longest_passage\n");
}

absl::Status WriteCsvPairs(const Report& r, const WriteOptions& o,
                           std::FILE* out);

absl::Status WriteCsv(const Report& r, const WriteOptions& o,
                      std::FILE* out) {
  if (r.has_clusters) {
    absl::FPrintF(out, "cluster,size,representative,doc\n");
    for (const ClusterOut& c : r.clusters) {
      for (const std::string& d : c.docs) {
        absl::FPrintF(out, "%d,%d,%s,%s\n", c.id, c.docs.size(),
                     CsvField(c.representative).c_str(), CsvField(d).c_str());
      }
      Written(o);
    }
    return absl::OkStatus();
  }
  WriteCsvHeader(out);
  return WriteCsvPairs(r, o, out);
}

absl::Status WriteCsvPairs(const Report& r, const WriteOptions& o,
                           std::FILE* out) {
  for (const PairOut& p : r.pairs) {
    const PassageOut* longest = Longest(p);
    PairTexts texts;
    if (longest != nullptr && o.passage_text) {
      if (absl::Status s = texts.Load(r, p, false); !s.ok()) return s;
    }
    absl::FPrintF(out, "%s,%s,%.6f,%.6f,%.6f,%s,%s,%d,%d,%s\n",
                 CsvField(p.a).c_str(), CsvField(p.b).c_str(), p.similarity.jaccard,
                 p.similarity.containment_a_in_b,
                 p.similarity.containment_b_in_a,
                 p.near_duplicate ? "true" : "false",
                 p.shares_copy ? "true" : "false", p.passages.size(),
                 CopiedWords(p),
                 CsvField(longest ? PassageText(texts.a(), *longest) : "")
                     .c_str());
    Written(o);
  }
  return absl::OkStatus();
}

// --- HTML ----------------------------------------------------------------

std::string Escape(std::string_view s) {
  const std::string valid = RepairUtf8(s);
  std::string out;
  out.reserve(valid.size() + valid.size() / 8);
  for (char c : valid) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

// A text with the ranges marked; each range is (begin, end, passage#).
std::string MarkedText(std::string_view text,
                       std::vector<std::pair<std::pair<uint32_t, uint32_t>,
                                             size_t>> ranges,
                       size_t max_bytes) {
  std::string_view shown = Utf8Prefix(text, max_bytes);
  std::sort(ranges.begin(), ranges.end());
  std::string out;
  size_t pos = 0;
  for (const auto& [range, n] : ranges) {
    const size_t b = std::max<size_t>(range.first, pos);
    const size_t e = std::min<size_t>(range.second, shown.size());
    if (b >= e) continue;
    out += Escape(shown.substr(pos, b - pos));
    out += absl::StrFormat("<mark data-p=\"%d\">", n);
    out += Escape(shown.substr(b, e - b));
    out += "</mark>";
    pos = e;
  }
  out += Escape(shown.substr(pos));
  if (shown.size() < text.size()) {
    out += absl::StrFormat(
        "\n<span class=\"cut\">[... %d more bytes not shown]</span>",
        text.size() - shown.size());
  }
  return out;
}

constexpr const char* kHtmlHead = R"(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>%s</title>
<style>
body { font: 15px/1.45 system-ui, sans-serif; margin: 1.5em auto; max-width: 110em; padding: 0 1em; color: #222; }
h1 { font-size: 1.4em; } h2 { font-size: 1.2em; margin-top: 1.5em; }
.summary { color: #555; }
.cluster { border-left: 4px solid #c9d8ee; padding: .2em 1em; margin: 1em 0; }
.cluster ul { margin: .3em 0; } .rep { font-weight: bold; }
.pair { border-top: 1px solid #ddd; padding-top: .8em; margin-top: 1.5em; }
.pair h3 { font-size: 1em; margin: 0; word-break: break-all; }
.scores { color: #555; margin: .3em 0 .6em; }
.sides { display: grid; grid-template-columns: 1fr 1fr; gap: 1em; }
.side h4 { margin: 0 0 .3em; font-size: .9em; color: #444; word-break: break-all; }
.side pre { white-space: pre-wrap; word-wrap: break-word; font: 13px/1.5 ui-monospace, monospace; background: #fafafa; border: 1px solid #eee; padding: .6em; max-height: 40em; overflow: auto; margin: 0; }
mark { background: #ffe38a; } mark.on { background: #ffa94d; outline: 2px solid #e8590c; }
.cut, .more { color: #888; }
.toc ol { columns: 2; } .toc li { word-break: break-all; }
</style>
</head>
<body>
)";

// Clicking a passage on one side lights up its twin on the other.
constexpr const char* kHtmlScript = R"(<script>
(function () {
  var marks = document.querySelectorAll("mark[data-p]");
  marks.forEach(function (m) {
    m.addEventListener("click", function () {
      var pair = m.closest(".pair");
      pair.querySelectorAll("mark.on").forEach(function (x) { x.classList.remove("on"); });
      pair.querySelectorAll('mark[data-p="' + m.dataset.p + '"]').forEach(function (x) {
        x.classList.add("on");
        if (x !== m) x.scrollIntoView({block: "nearest"});
      });
    });
  });
  document.body.setAttribute("data-mimeo-passages", String(marks.length));
})();
</script>
)";

// A pair: its scores and, `side_by_side`, both texts with the passages
// marked; otherwise its longest passages alone, as document a has them (a
// report of thousands of clusters stays a page a browser opens).
absl::Status HtmlPair(const Report& r, const PairOut& p, size_t n,
                      bool side_by_side, const WriteOptions& o,
                      std::FILE* out) {
  PairTexts texts;
  if (side_by_side || !p.passages.empty()) {
    if (absl::Status s = texts.Load(r, p, side_by_side); !s.ok()) return s;
  }
  std::string scores = absl::StrFormat(
      "Jaccard %.3f · %s of a in b · %s of b in a", p.similarity.jaccard,
      Percent(p.similarity.containment_a_in_b),
      Percent(p.similarity.containment_b_in_a));
  if (p.near_duplicate) scores += " · near-duplicate";
  if (p.has_passages) {
    scores += absl::StrFormat(" · %d shared passage%s, %d words",
                              p.passages.size(),
                              p.passages.size() == 1 ? "" : "s",
                              CopiedWords(p));
  }
  absl::FPrintF(out,
               "<article class=\"pair\" id=\"pair-%d\">\n<h3>%s ~ %s</h3>\n"
               "<p class=\"scores\">%s</p>\n",
               n, Escape(p.a).c_str(), Escape(p.b).c_str(), scores.c_str());
  if (texts.a().empty() && texts.b().empty()) {
    absl::FPrintF(out, "</article>\n");
    return absl::OkStatus();
  }
  if (!side_by_side) {
    std::vector<size_t> longest(p.passages.size());
    for (size_t i = 0; i < longest.size(); ++i) longest[i] = i;
    std::stable_sort(longest.begin(), longest.end(), [&p](size_t x, size_t y) {
      return p.passages[x].words > p.passages[y].words;
    });
    constexpr size_t kShown = 2;
    for (size_t k = 0; k < longest.size() && k < kShown; ++k) {
      const PassageOut& q = p.passages[longest[k]];
      absl::FPrintF(out,
                    "<p class=\"passage\"><span class=\"cut\">[a %d-%d, b "
                    "%d-%d]</span> <mark data-p=\"%d\">%s</mark></p>\n",
                    q.a_begin, q.a_end, q.b_begin, q.b_end, longest[k],
                    Escape(Excerpt(PassageText(texts.a(), q), 400)).c_str());
    }
    if (longest.size() > kShown) {
      absl::FPrintF(out, "<p class=\"more\">%s more.</p>\n",
                    Count(longest.size() - kShown, "passage", "passages"));
    }
    absl::FPrintF(out, "</article>\n");
    return absl::OkStatus();
  }
  std::vector<std::pair<std::pair<uint32_t, uint32_t>, size_t>> ra, rb;
  for (size_t i = 0; i < p.passages.size(); ++i) {
    ra.push_back({{p.passages[i].a_begin, p.passages[i].a_end}, i});
    rb.push_back({{p.passages[i].b_begin, p.passages[i].b_end}, i});
  }
  absl::FPrintF(out,
               "<div class=\"sides\">\n"
               "<div class=\"side\"><h4>a: %s</h4><pre>%s</pre></div>\n"
               "<div class=\"side\"><h4>b: %s</h4><pre>%s</pre></div>\n"
               "</div>\n</article>\n",
               Escape(p.a).c_str(),
               MarkedText(texts.a(), ra, o.html_max_text_bytes).c_str(),
               Escape(p.b).c_str(),
               MarkedText(texts.b(), rb, o.html_max_text_bytes).c_str());
  return absl::OkStatus();
}

absl::Status WriteHtml(const Report& r, const WriteOptions& o,
                       std::FILE* out) {
  absl::FPrintF(out, kHtmlHead, Escape(r.title).c_str());
  absl::FPrintF(out, "<h1>%s</h1>\n", Escape(r.title).c_str());
  size_t num_pairs = r.pairs.size();
  for (const ClusterOut& c : r.clusters) num_pairs += c.pairs.size();
  absl::FPrintF(out, "<p class=\"summary\">%s",
                Count(r.documents, "document", "documents"));
  if (r.has_clusters) {
    absl::FPrintF(out, ", %s", Count(r.clusters.size(), "cluster", "clusters"));
  }
  absl::FPrintF(out, ", %s.</p>\n", Count(num_pairs, "pair", "pairs"));
  size_t n = 0;  // pairs written, for their anchors
  if (r.has_clusters) {
    if (r.clusters.empty()) {
      absl::FPrintF(out, "<p>No two documents are copies.</p>\n");
    }
    const size_t per_cluster = HtmlPairsPerCluster(o, r.clusters.size());
    size_t shown_pairs = 0;
    for (const ClusterOut& c : r.clusters) {
      shown_pairs += std::min(c.pairs.size(), per_cluster);
    }
    if (shown_pairs > o.html_max_pairs) {
      absl::FPrintF(out,
                    "<p class=\"summary\">The first %d pairs are shown side "
                    "by side, the others by their longest passages "
                    "(<code>mimeo compare A B</code> shows any two documents "
                    "side by side).</p>\n",
                    o.html_max_pairs);
    }
    // The table of contents: every cluster, its size and representative.
    if (!r.clusters.empty()) {
      absl::FPrintF(out, "<nav class=\"toc\">\n<h2>Clusters</h2>\n<ol>\n");
      for (const ClusterOut& c : r.clusters) {
        absl::FPrintF(
            out,
            "<li><a href=\"#cluster-%d\">Cluster %d</a>: %s around %s, "
            "%s</li>\n",
            c.id, c.id, Count(c.docs.size(), "document", "documents"),
            Escape(c.representative).c_str(),
            Count(c.pairs.size(), "pair", "pairs"));
      }
      absl::FPrintF(out, "</ol>\n</nav>\n");
    }
    for (const ClusterOut& c : r.clusters) {
      absl::FPrintF(out,
                    "<section class=\"cluster\" id=\"cluster-%d\">\n"
                    "<h2>Cluster %d: %s</h2>\n<ul>\n",
                    c.id, c.id,
                    Count(c.docs.size(), "document", "documents"));
      for (const std::string& d : c.docs) {
        absl::FPrintF(out, "<li%s>%s</li>\n",
                      d == c.representative ? " class=\"rep\"" : "",
                      Escape(d).c_str());
      }
      absl::FPrintF(out, "</ul>\n");
      const size_t shown = std::min(c.pairs.size(), per_cluster);
      for (size_t i = 0; i < shown; ++i) {
        const bool side_by_side = n < o.html_max_pairs;
        if (absl::Status s = HtmlPair(r, c.pairs[i], n++, side_by_side, o, out);
            !s.ok()) {
          return s;
        }
      }
      if (c.pairs.size() > shown) {
        const size_t more = c.pairs.size() - shown;
        absl::FPrintF(out,
                      "<p class=\"more\">%s of this cluster not shown "
                      "(<code>mimeo compare A B</code> shows any two of its "
                      "documents side by side).</p>\n",
                      more == 1 ? std::string("1 more pair")
                                : absl::StrFormat("%d more pairs", more));
      }
      absl::FPrintF(out, "</section>\n");
      Written(o);
    }
  } else {
    absl::FPrintF(out, "<h2>Pairs</h2>\n");
    if (r.pairs.empty()) absl::FPrintF(out, "<p>No pairs.</p>\n");
    for (size_t i = 0; i < r.pairs.size() && i < o.html_max_pairs; ++i) {
      if (absl::Status s = HtmlPair(r, r.pairs[i], n++, true, o, out);
          !s.ok()) {
        return s;
      }
      Written(o);
    }
    if (r.pairs.size() > o.html_max_pairs) {
      const size_t more = r.pairs.size() - o.html_max_pairs;
      absl::FPrintF(out,
                    "<p class=\"more\">%s not shown: <code>--format "
                    "jsonl</code> or <code>csv</code> lists every pair.</p>\n",
                    more == 1 ? std::string("1 more pair")
                              : absl::StrFormat("%d more pairs", more));
    }
  }
  absl::FPrintF(out, "%s</body>\n</html>\n", kHtmlScript);
  return absl::OkStatus();
}

}  // namespace

size_t HtmlPairsPerCluster(const WriteOptions& options, size_t num_clusters) {
  const size_t per = std::max<size_t>(options.html_pairs_per_cluster, 1);
  return num_clusters * per <= options.html_max_pairs ? per : 1;
}

std::string Count(uint64_t n, const char* one, const char* many) {
  return absl::StrFormat("%d %s", n, n == 1 ? one : many);
}

bool IsFormat(std::string_view format) {
  return format == "jsonl" || format == "table" || format == "csv" ||
         format == "html";
}

absl::Status WriteReport(const Report& report, std::string_view format,
                         const WriteOptions& options, std::FILE* out) {
  if (format == "jsonl") return WriteJsonl(report, options, out);
  if (format == "csv") return WriteCsv(report, options, out);
  if (format == "html") return WriteHtml(report, options, out);
  return WriteTable(report, options, out);
}

void PairsWriter::Start() {
  if (started_) return;
  started_ = true;
  if (format_ == "csv") WriteCsvHeader(out_);
}

absl::Status PairsWriter::Write(const Report& block) {
  if (block.pairs.empty()) return absl::OkStatus();
  Start();
  pairs_ += block.pairs.size();
  if (format_ == "jsonl") return WriteJsonl(block, options_, out_);
  if (format_ == "csv") return WriteCsvPairs(block, options_, out_);
  return WriteTablePairs(block, options_, out_);
}

void PairsWriter::Finish() {
  if (pairs_ == 0 && format_ == "table") WriteNoPairs(out_);
  Start();
}

std::string PairJson(const PairOut& pair, bool passage_text) {
  JsonWriter w;
  WritePair(pair, pair.a_text, passage_text, w);
  return w.str();
}

std::string CsvField(std::string_view field) {
  const std::string s = RepairUtf8(field);
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) {
    if (c == '"') q.push_back('"');
    q.push_back(c);
  }
  q.push_back('"');
  return q;
}

std::string PassageText(std::string_view a_text, const PassageOut& q) {
  if (q.a_end > a_text.size() || q.a_begin > q.a_end) return "";
  return RepairUtf8(a_text.substr(q.a_begin, q.a_end - q.a_begin));
}

std::string Excerpt(std::string_view text, size_t max_bytes) {
  std::string folded;
  bool space = false;
  for (char c : text) {
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
      space = !folded.empty();
      continue;
    }
    if (space) folded.push_back(' ');
    space = false;
    folded.push_back(c);
  }
  if (folded.size() <= max_bytes) return folded;
  std::string cut(Utf8Prefix(folded, max_bytes));
  return cut + "\xE2\x80\xA6";
}

}  // namespace mimeo::cli
