#include "corpora.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "absl/strings/str_format.h"

namespace mimeo::bench {
namespace fs = std::filesystem;

absl::StatusOr<std::string> Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError("cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

absl::StatusOr<std::vector<LabelledDocument>> ReadTree(
    const std::string& root) {
  std::error_code ec;
  if (!fs::is_directory(root, ec)) {
    return absl::NotFoundError(
        absl::StrFormat("'%s' is not a directory", root));
  }
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(root, ec)) {
    if (e.is_regular_file()) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<LabelledDocument> out;
  for (const fs::path& p : files) {
    auto text = Slurp(p.string());
    if (!text.ok()) return text.status();
    LabelledDocument d;
    d.doc.id = fs::relative(p, root).string();
    d.doc.text = std::move(*text);
    // The top-level folder: a nested folder (say a stray editor checkpoint
    // folder) belongs to the group it sits in.
    d.label = fs::relative(p, root).begin()->string();
    out.push_back(std::move(d));
  }
  return out;
}

std::vector<std::string> BbcNewsArticles(const std::string& source_dir) {
  const char* env = std::getenv("MIMEO_DATASETS");
  const fs::path root = env != nullptr
                            ? fs::path(env)
                            : fs::path(source_dir) / ".." / "shared" / "datasets";
  auto tree = ReadTree((root / "bbc-news").string());
  std::vector<std::string> out;
  if (!tree.ok()) return out;
  for (LabelledDocument& d : *tree) {
    if (fs::path(d.doc.id).extension() == ".txt") out.push_back(std::move(d.doc.text));
  }
  return out;
}

absl::StatusOr<std::vector<LabelledDocument>> ReadReuters(
    const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return absl::NotFoundError(absl::StrFormat("'%s' is not a directory", dir));
  }
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.path().extension() == ".sgm") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<LabelledDocument> out;
  for (const fs::path& p : files) {
    auto text = Slurp(p.string());
    if (!text.ok()) return text.status();
    size_t pos = 0;
    while ((pos = text->find("<REUTERS", pos)) != std::string::npos) {
      const size_t end = text->find("</REUTERS>", pos);
      if (end == std::string::npos) break;
      const std::string story = text->substr(pos, end - pos);
      pos = end;
      const size_t id_at = story.find("NEWID=\"");
      const size_t b = story.find("<BODY>");
      const size_t e = story.find("</BODY>");
      if (id_at == std::string::npos || b == std::string::npos ||
          e == std::string::npos || e < b) {
        continue;
      }
      const size_t id_end = story.find('"', id_at + 7);
      LabelledDocument d;
      d.doc.id = p.filename().string() + "#" +
                 story.substr(id_at + 7, id_end - id_at - 7);
      d.doc.text = story.substr(b + 6, e - b - 6);
      out.push_back(std::move(d));
    }
  }
  return out;
}

std::string FoldCaseAndSpace(const std::string& text) {
  std::string out;
  bool space = false;
  for (unsigned char c : text) {
    if (std::isspace(c)) {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(static_cast<char>(std::tolower(c)));
  }
  return out;
}

namespace {

uint64_t Pairs(uint64_t n) { return n * (n - 1) / 2; }

std::vector<int64_t> ClusterOf(size_t num_docs,
                               const std::vector<Cluster>& clusters) {
  std::vector<int64_t> cluster_of(num_docs, -1);
  for (const Cluster& c : clusters) {
    for (DocId m : c.members) cluster_of[m] = c.id;
  }
  return cluster_of;
}

}  // namespace

PairwiseScores ScorePairwise(const std::vector<LabelledDocument>& docs,
                             const std::vector<Cluster>& clusters) {
  std::map<std::string, uint64_t> label_size;
  std::map<std::pair<uint32_t, std::string>, uint64_t> cell;
  for (const LabelledDocument& d : docs) ++label_size[d.label];
  for (const Cluster& c : clusters) {
    for (DocId m : c.members) ++cell[{c.id, docs[m].label}];
  }
  PairwiseScores s;
  for (const auto& [label, n] : label_size) s.true_pairs += Pairs(n);
  for (const Cluster& c : clusters)
    s.predicted_pairs += Pairs(c.members.size());
  for (const auto& [key, n] : cell) s.correct_pairs += Pairs(n);
  s.precision = s.predicted_pairs
                    ? double(s.correct_pairs) / double(s.predicted_pairs)
                    : 1.0;
  s.recall =
      s.true_pairs ? double(s.correct_pairs) / double(s.true_pairs) : 1.0;
  s.f1 = s.precision + s.recall > 0
             ? 2 * s.precision * s.recall / (s.precision + s.recall)
             : 0;
  return s;
}

ExactGroups CheckExactGroups(const std::vector<LabelledDocument>& docs,
                             const std::vector<Cluster>& clusters) {
  const std::vector<int64_t> cluster_of = ClusterOf(docs.size(), clusters);
  std::map<std::string, std::vector<size_t>> groups;
  for (size_t i = 0; i < docs.size(); ++i) {
    groups[FoldCaseAndSpace(docs[i].doc.text)].push_back(i);
  }
  ExactGroups out;
  for (const auto& [text, members] : groups) {
    if (members.size() < 2) continue;
    ++out.groups;
    out.documents += members.size();
    bool whole = cluster_of[members[0]] >= 0;
    for (size_t m : members)
      whole = whole && cluster_of[m] == cluster_of[members[0]];
    if (whole) {
      ++out.whole;
    } else {
      out.split.push_back(docs[members[0]].doc.id);
    }
  }
  return out;
}

}  // namespace mimeo::bench
