#include "copy_corpora.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "corpora.h"

namespace mimeo::bench {
namespace fs = std::filesystem;

namespace {

// The letters and digits of a text, lower-cased, and where each came from:
// the corpus copy stripped non-ASCII characters (sometimes leaving stray
// letters) and changed line breaks, so only these are compared.
struct Squeezed {
  std::string chars;
  std::vector<uint32_t> at;
};

Squeezed Squeeze(std::string_view text) {
  Squeezed s;
  for (uint32_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80 || !std::isalnum(c)) continue;
    s.chars.push_back(static_cast<char>(std::tolower(c)));
    s.at.push_back(i);
  }
  return s;
}

// Grows a match of s at i and t at j by `step` (+1 or -1) while the texts
// agree, stepping over stray mismatches of up to 4 characters on either
// side when the next 12 agree again, and never beyond [s_lo, s_hi).
void Grow(const std::string& s, const std::string& t, int64_t& i, int64_t& j,
          int step, int64_t s_lo, int64_t s_hi) {
  const int64_t ns = static_cast<int64_t>(s.size());
  const int64_t nt = static_cast<int64_t>(t.size());
  auto agree = [&](int64_t a, int64_t b, int n) {
    for (int k = 0; k < n; ++k) {
      const int64_t x = a + k * step, y = b + k * step;
      if (x < s_lo || x >= s_hi || y < 0 || y >= nt || s[x] != t[y]) return false;
    }
    return true;
  };
  while (true) {
    const int64_t x = i + step, y = j + step;
    if (x < s_lo || x >= std::min(s_hi, ns) || y < 0 || y >= nt) return;
    if (s[x] == t[y]) {
      i = x, j = y;
      continue;
    }
    bool resync = false;
    for (int di = 0; di <= 4 && !resync; ++di) {
      for (int dj = 0; dj <= 4 && !resync; ++dj) {
        if ((di == 0 && dj == 0) || !agree(x + di * step, y + dj * step, 12)) continue;
        i = x + di * step, j = y + dj * step;
        resync = true;
      }
    }
    if (!resync) return;
  }
}

// Locates the published source span in the suspicious text: a 24-character
// piece of it found near the published offset fixes the diagonal, which is
// then grown both ways while the texts agree, at most 300 characters past
// the published source span.
bool Rederive(std::string_view susp, std::string_view src, uint32_t this_off,
              uint32_t this_len, uint32_t src_off, uint32_t src_len,
              ReuseSpan& out) {
  if (src_off >= src.size() || this_off >= susp.size()) return false;
  src_len = std::min<uint32_t>(src_len, src.size() - src_off);
  const Squeezed s = Squeeze(src);
  const Squeezed t = Squeeze(susp);
  const int64_t s0 =
      std::lower_bound(s.at.begin(), s.at.end(), src_off) - s.at.begin();
  const int64_t s1 =
      std::lower_bound(s.at.begin(), s.at.end(), src_off + src_len) -
      s.at.begin();
  const int64_t t_pub =
      std::lower_bound(t.at.begin(), t.at.end(), this_off) - t.at.begin();
  const int64_t window = 400 + (this_len + src_len) / 4;
  constexpr int64_t kPiece = 24;
  for (int64_t p = s0; p + kPiece <= s1; p += kPiece) {
    const std::string_view piece(s.chars.data() + p, kPiece);
    const int64_t expect = t_pub + (p - s0);
    const size_t hit = t.chars.find(piece, std::max<int64_t>(0, expect - window));
    if (hit == std::string::npos || static_cast<int64_t>(hit) > expect + window) {
      continue;
    }
    const int64_t s_lo = std::max<int64_t>(0, s0 - 300);
    const int64_t s_hi = std::min<int64_t>(s.chars.size(), s1 + 300);
    int64_t i = p, j = static_cast<int64_t>(hit);
    Grow(s.chars, t.chars, i, j, -1, s_lo, s_hi);
    int64_t ie = p + kPiece - 1, je = static_cast<int64_t>(hit) + kPiece - 1;
    Grow(s.chars, t.chars, ie, je, +1, s_lo, s_hi);
    out.a = {t.at[j], t.at[je] + 1};
    out.b = {s.at[i], s.at[ie] + 1};
    return true;
  }
  return false;
}

uint32_t Attribute(const std::string& xml, const std::string& name) {
  const std::string key = name + "=\"";
  const size_t p = xml.find(key);
  if (p == std::string::npos) return 0;
  return static_cast<uint32_t>(std::stoul(xml.substr(p + key.size())));
}

absl::Status ReadFolder(const fs::path& dir, const std::string& prefix,
                        std::vector<Document>& docs,
                        absl::flat_hash_map<std::string, uint32_t>& index) {
  std::error_code ec;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.is_regular_file() && e.path().extension() == ".txt") {
      files.push_back(e.path());
    }
  }
  if (ec || files.empty()) {
    return absl::NotFoundError(
        absl::StrFormat("no .txt files in '%s'", dir.string()));
  }
  std::sort(files.begin(), files.end());
  for (const fs::path& p : files) {
    auto text = Slurp(p.string());
    if (!text.ok()) return text.status();
    index[p.filename().string()] = static_cast<uint32_t>(docs.size());
    docs.push_back({prefix + p.filename().string(), std::move(*text), {}});
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ReuseCorpus> ReadPan13(const std::string& dir) {
  ReuseCorpus c;
  absl::flat_hash_map<std::string, uint32_t> susp, src;
  if (auto s = ReadFolder(fs::path(dir) / "susp", "susp/", c.docs, susp); !s.ok())
    return s;
  if (auto s = ReadFolder(fs::path(dir) / "final_txt_files", "src/", c.docs, src);
      !s.ok())
    return s;
  std::vector<fs::path> labels;
  std::error_code ec;
  for (const auto& e :
       fs::directory_iterator(fs::path(dir) / "02-no-obfuscation", ec)) {
    if (e.path().extension() == ".xml") labels.push_back(e.path());
  }
  if (labels.empty()) {
    return absl::NotFoundError(
        absl::StrFormat("no labels in '%s/02-no-obfuscation'", dir));
  }
  std::sort(labels.begin(), labels.end());
  const std::regex feature("<feature [^>]*/>");
  for (const fs::path& p : labels) {
    auto xml = Slurp(p.string());
    if (!xml.ok()) return xml.status();
    const std::string ref_key = "reference=\"";
    const size_t r = xml->find(ref_key);
    if (r == std::string::npos) continue;
    const std::string susp_name =
        xml->substr(r + ref_key.size(), xml->find('"', r + ref_key.size()) -
                                            r - ref_key.size());
    ReuseCase rc;
    bool have_case = false;
    for (auto it = std::sregex_iterator(xml->begin(), xml->end(), feature);
         it != std::sregex_iterator(); ++it) {
      const std::string f = it->str();
      const std::string src_key = "source_reference=\"";
      const size_t q = f.find(src_key);
      if (q == std::string::npos) continue;
      const std::string src_name = f.substr(
          q + src_key.size(), f.find('"', q + src_key.size()) - q - src_key.size());
      if (!susp.contains(susp_name) || !src.contains(src_name)) {
        return absl::NotFoundError(absl::StrFormat(
            "%s names %s / %s, not in the corpus", p.string(), susp_name,
            src_name));
      }
      rc.a = susp[susp_name];
      rc.b = src[src_name];
      have_case = true;
      ++rc.published_spans;
      ReuseSpan span;
      if (Rederive(c.docs[rc.a].text, c.docs[rc.b].text,
                   Attribute(f, "this_offset"), Attribute(f, "this_length"),
                   Attribute(f, "source_offset"), Attribute(f, "source_length"),
                   span)) {
        rc.spans.push_back(span);
      } else {
        ++c.spans_not_found;
      }
    }
    if (have_case) c.cases.push_back(std::move(rc));
  }
  return c;
}

absl::StatusOr<CloughCorpus> ReadClough(const std::string& dir) {
  CloughCorpus c;
  const fs::path data = fs::path(dir) / "data";
  auto csv = Slurp((data / "file_information.csv").string());
  if (!csv.ok()) return csv.status();
  std::map<std::string, uint32_t> original;
  for (const char task : std::string("abcde")) {
    const std::string name = std::string("orig_task") + task + ".txt";
    auto text = Slurp((data / name).string());
    if (!text.ok()) return text.status();
    original[std::string(1, task)] = static_cast<uint32_t>(c.docs.size());
    c.docs.push_back({name, std::move(*text), {}});
  }
  bool header = true;
  for (absl::string_view piece : absl::StrSplit(*csv, '\n')) {
    std::string line(piece);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    if (header) {
      header = false;
      continue;
    }
    std::vector<std::string> f = absl::StrSplit(line, ',');
    if (f.size() != 3 || !original.contains(f[1])) {
      return absl::InvalidArgumentError(
          absl::StrFormat("file_information.csv: bad line '%s'", line));
    }
    if (f[2] == "orig") continue;  // the originals, read above
    auto text = Slurp((data / f[0]).string());
    if (!text.ok()) return text.status();
    c.answers.push_back({static_cast<uint32_t>(c.docs.size()), original[f[1]], f[2]});
    c.docs.push_back({f[0], std::move(*text), {}});
  }
  return c;
}

std::string Squash(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x80 && std::isalnum(c)) out.push_back(static_cast<char>(std::tolower(c)));
  }
  return out;
}

double TextAgreement(std::string_view a, std::string_view b) {
  if (Squash(a) == Squash(b)) return 1;
  auto words = [](std::string_view t) {
    absl::flat_hash_map<std::string, int> w;
    std::string cur;
    for (const char ch : t) {
      const auto c = static_cast<unsigned char>(ch);
      if (c < 0x80 && std::isalnum(c)) {
        cur.push_back(static_cast<char>(std::tolower(c)));
      } else if (!cur.empty()) {
        ++w[cur];
        cur.clear();
      }
    }
    if (!cur.empty()) ++w[cur];
    return w;
  };
  const auto wa = words(a), wb = words(b);
  int64_t na = 0, nb = 0, common = 0;
  for (const auto& [w, n] : wa) na += n;
  for (const auto& [w, n] : wb) nb += n;
  for (const auto& [w, n] : wa) {
    auto it = wb.find(w);
    if (it != wb.end()) common += std::min(n, it->second);
  }
  const int64_t larger = std::max(na, nb);
  return larger == 0 ? 0 : static_cast<double>(common) / larger;
}

namespace {

uint64_t PairKey(DocId a, DocId b) {
  return uint64_t{std::min(a, b)} << 32 | std::max(a, b);
}

// Characters covered by `ranges`, overlaps counted once.
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

// Characters covered by both `x` and `y`.
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

}  // namespace

ReuseScores ScoreReuse(const ReuseCorpus& corpus, const CopyReport& report) {
  absl::flat_hash_map<uint64_t, const CopyPair*> by_pair;
  for (const CopyPair& p : report.pairs) by_pair[PairKey(p.a, p.b)] = &p;
  ReuseScores out;
  uint64_t truth = 0, detected = 0, both = 0;
  for (const ReuseCase& c : corpus.cases) {
    ++out.cases;
    std::vector<Range> true_a, true_b, det_a, det_b;
    for (const ReuseSpan& s : c.spans) {
      true_a.push_back(s.a);
      true_b.push_back(s.b);
    }
    auto it = by_pair.find(PairKey(c.a, c.b));
    if (it != by_pair.end()) {
      ++out.found;
      const bool a_first = it->second->a == c.a;
      for (const Passage& s : it->second->passages) {
        if (s.boilerplate) continue;
        const Range pa{s.a_begin, s.a_end}, pb{s.b_begin, s.b_end};
        det_a.push_back(a_first ? pa : pb);
        det_b.push_back(a_first ? pb : pa);
      }
    }
    truth += Covered(true_a) + Covered(true_b);
    detected += Covered(det_a) + Covered(det_b);
    both += Overlap(det_a, true_a) + Overlap(det_b, true_b);
  }
  out.pair_recall = out.cases ? double(out.found) / out.cases : 1;
  out.passage_precision = detected ? double(both) / detected : 1;
  out.passage_recall = truth ? double(both) / truth : 1;
  return out;
}

TextJudgement JudgeAgainstText(const std::vector<Document>& docs,
                               const CopyReport& report) {
  TextJudgement j;
  for (const CopyPair& p : report.pairs) {
    ++j.pairs;
    bool sharing = false;
    for (const Passage& s : p.passages) {
      if (s.boilerplate) continue;
      ++j.passages;
      const double a = TextAgreement(
          std::string_view(docs[p.a].text).substr(s.a_begin, s.a_end - s.a_begin),
          std::string_view(docs[p.b].text).substr(s.b_begin, s.b_end - s.b_begin));
      if (a == 1) ++j.same;
      if (a >= 0.9) {
        ++j.close;
        sharing = true;
      }
    }
    if (sharing) ++j.pairs_sharing;
  }
  return j;
}

CloughScores ScoreClough(const CloughCorpus& corpus, const CopyReport& report) {
  absl::flat_hash_map<uint64_t, const CopyPair*> by_pair;
  for (const CopyPair& p : report.pairs) by_pair[PairKey(p.a, p.b)] = &p;
  CloughScores out;
  for (const CloughAnswer& a : corpus.answers) {
    CategoryCount& c = out.by_category[a.category];
    ++c.total;
    if (by_pair.contains(PairKey(a.doc, a.original))) {
      ++c.found;
    } else if (a.category == "cut" || a.category == "light") {
      out.missed.push_back(corpus.docs[a.doc].id);
    }
  }
  return out;
}

}  // namespace mimeo::bench
