// WalkTree (tools/tree_walk.h) against std::filesystem's walk, sorted, on
// trees made to trip it: names that sort differently as strings and as
// paths, bytes above 0x7f, links of every kind, a FIFO, empty folders.
#include "tree_walk.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "test_util.h"

namespace mimeo::cli {
namespace {

namespace fs = std::filesystem;

class TempDir : public mimeo::testing::TempDir {
 public:
  TempDir() : mimeo::testing::TempDir("mimeo_tree_walk_test_") {}
};

// What WalkTree yields, each entry "path|relative|name|F" (a folder),
// "...|f" (a file) or "...|l" (a link to a file), in order.
std::vector<std::string> Walked(const std::string& root,
                                absl::Status* status = nullptr) {
  std::vector<std::string> out;
  absl::Status s = WalkTree(root, [&](const TreeEntry& e) {
    out.push_back(std::string(e.path) + "|" + std::string(e.relative) + "|" +
                  std::string(e.name) +
                  (e.folder ? "|F" : e.link ? "|l" : "|f"));
    return true;
  });
  if (status != nullptr) *status = s;
  EXPECT_TRUE(status != nullptr || s.ok()) << s;
  return out;
}

// The same from std::filesystem::recursive_directory_iterator, as
// InputReader walked before: its folders (not links to them) and regular
// files (links to them too), sorted as paths.
std::vector<std::string> Reference(const std::string& root) {
  std::vector<std::pair<fs::path, char>> entries;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(
           root, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code type_ec;
    const bool folder = it->is_directory(type_ec) && !it->is_symlink(type_ec);
    if (folder || it->is_regular_file(type_ec)) {
      entries.emplace_back(it->path(), folder                  ? 'F'
                                       : it->is_symlink(type_ec) ? 'l'
                                                                 : 'f');
    }
  }
  EXPECT_FALSE(ec) << ec.message();
  std::sort(entries.begin(), entries.end());
  const std::string prefix = root.back() == '/' ? root : root + "/";
  std::vector<std::string> out;
  for (const auto& [p, type] : entries) {
    const std::string path = p.string();
    out.push_back(path + "|" + path.substr(prefix.size()) + "|" +
                  p.filename().string() + "|" + type);
  }
  return out;
}

TEST(TreeWalkTest, OrderAndEntriesAreThoseOfTheSortedFilesystemWalk) {
  TempDir dir;
  // As strings "a-b" < "a.txt" < "a/..." < "a0"; as paths "a" comes first.
  for (const char* name :
       {"a/z.txt", "a/b/c.txt", "a.txt", "a-b/x.md", "a0", "B.txt", ".hidden",
        "\xc3\xa9t\xc3\xa9.txt", "z/\xff", "deep/1/2/3/4/5.txt"}) {
    dir.Write(name, name);
  }
  fs::create_directories(dir.path() / "empty");
  fs::create_symlink("a.txt", dir.path() / "link-to-file");
  fs::create_symlink("a", dir.path() / "link-to-folder");
  fs::create_symlink("nowhere", dir.path() / "dangling");
  fs::create_symlink("loop", dir.path() / "loop");
  ASSERT_EQ(mkfifo((dir.path() / "fifo").c_str(), 0600), 0);
  const std::string root = dir.path().string();
  const std::vector<std::string> walked = Walked(root);
  EXPECT_EQ(walked, Reference(root));
  // Spot checks, lest both be wrong the same way.
  EXPECT_EQ(walked.front(), root + "/.hidden|.hidden|.hidden|f");
  const auto at = [&](const std::string& relative) {
    for (size_t i = 0; i < walked.size(); ++i) {
      if (walked[i].find("|" + relative + "|") != std::string::npos) return i;
    }
    return walked.size();
  };
  EXPECT_LT(at("a"), at("a/b/c.txt"));
  EXPECT_LT(at("a/z.txt"), at("a-b"));
  EXPECT_LT(at("a-b/x.md"), at("a.txt"));
  EXPECT_LT(at("a.txt"), at("a0"));
  EXPECT_LT(at("B.txt"), at("a"));
  ASSERT_LT(at("link-to-file"), walked.size());
  EXPECT_EQ(walked[at("link-to-file")].back(), 'l');
  EXPECT_EQ(walked[at("a.txt")].back(), 'f');
  EXPECT_EQ(at("link-to-folder"), walked.size());
  EXPECT_EQ(at("dangling"), walked.size());
  EXPECT_EQ(at("loop"), walked.size());
  EXPECT_EQ(at("fifo"), walked.size());
  EXPECT_EQ(at("link-to-folder/z.txt"), walked.size());
  // A root ending in '/' joins without a second one; a link to a folder
  // as the root is walked.
  EXPECT_EQ(Walked(root + "/"), Reference(root + "/"));
  EXPECT_EQ(Walked(root + "/link-to-folder"),
            Reference(root + "/link-to-folder"));
  EXPECT_EQ(Walked(root + "/link-to-folder"),
            (std::vector<std::string>{
                root + "/link-to-folder/b|b|b|F",
                root + "/link-to-folder/b/c.txt|b/c.txt|c.txt|f",
                root + "/link-to-folder/z.txt|z.txt|z.txt|f"}));
}

TEST(TreeWalkTest, RandomTreesWalkAsTheFilesystemDoes) {
  std::mt19937_64 rng(7);
  const std::vector<std::string> parts = {"a", "a.b", "a-b", "ab",      "A",
                                          "0", "a0",  "_",   "\xc3\xa9"};
  for (int round = 0; round < 5; ++round) {
    TempDir dir;
    for (int i = 0; i < 60; ++i) {
      std::string name;
      const int depth = 1 + static_cast<int>(rng() % 4);
      for (int d = 0; d < depth; ++d) {
        if (d > 0) name += '/';
        name += parts[rng() % parts.size()] + parts[rng() % parts.size()];
      }
      std::error_code ec;
      if (rng() % 5 == 0) {
        fs::create_directories(dir.path() / name, ec);
      } else if (!fs::exists(dir.path() / name, ec)) {
        // A name already a folder stays one; a file on a folder's path
        // fails to be made and is no part of the tree.
        fs::create_directories((dir.path() / name).parent_path(), ec);
        if (!ec) dir.Write(name, name);
      }
    }
    EXPECT_EQ(Walked(dir.path().string()), Reference(dir.path().string()))
        << "round " << round;
  }
}

// Where a listing does not tell an entry's type (DT_UNKNOWN: some network
// and older file systems), the walk stat()s the entry and takes it as it
// takes the type listed; a link (DT_LNK) is followed.
TEST(TreeWalkTest, EntriesOfUnknownTypeAreTakenAsListedOnes) {
  using internal::EntryType;
  using internal::TypeOf;
  TempDir dir;
  dir.Write("a.txt", "a");
  dir.Write("b/c.txt", "c");
  fs::create_symlink("a.txt", dir.path() / "link-to-file");
  fs::create_symlink("link-to-file", dir.path() / "link-to-link");
  fs::create_symlink("b", dir.path() / "link-to-folder");
  fs::create_symlink("nowhere", dir.path() / "dangling");
  fs::create_symlink("loop", dir.path() / "loop");
  ASSERT_EQ(mkfifo((dir.path() / "fifo").c_str(), 0600), 0);
  const std::map<std::string, EntryType> want = {
      {"a.txt", EntryType::kFile},           {"b", EntryType::kFolder},
      {"link-to-file", EntryType::kLinkToFile},
      {"link-to-link", EntryType::kLinkToFile},
      {"link-to-folder", EntryType::kOther}, {"dangling", EntryType::kOther},
      {"loop", EntryType::kOther},           {"fifo", EntryType::kOther}};
  std::map<std::string, EntryType> listed, unknown;
  DIR* d = opendir(dir.path().c_str());
  ASSERT_NE(d, nullptr);
  while (const dirent* e = readdir(d)) {
    const std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    const std::string path = (dir.path() / name).string();
    listed[name] = TypeOf(path, e->d_type);
    unknown[name] = TypeOf(path, DT_UNKNOWN);
  }
  closedir(d);
  EXPECT_EQ(listed, want);
  EXPECT_EQ(unknown, want);
  EXPECT_EQ(TypeOf((dir.path() / "link-to-file").string(), DT_LNK),
            EntryType::kLinkToFile);
  EXPECT_EQ(TypeOf((dir.path() / "link-to-folder").string(), DT_LNK),
            EntryType::kOther);
  EXPECT_EQ(TypeOf((dir.path() / "missing").string(), DT_UNKNOWN),
            EntryType::kOther);
}

TEST(TreeWalkTest, AFolderRefusedIsNotWalkedInto) {
  TempDir dir;
  dir.Write("keep/a.txt", "a");
  dir.Write("skip/b.txt", "b");
  dir.Write("skip.txt", "c");
  std::vector<std::string> seen;
  ASSERT_TRUE(WalkTree(dir.path().string(), [&](const TreeEntry& e) {
                seen.push_back(std::string(e.relative));
                return e.name != "skip";
              }).ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"keep", "keep/a.txt", "skip",
                                            "skip.txt"}));
}

TEST(TreeWalkTest, ErrorsNameTheRoot) {
  TempDir dir;
  absl::Status s;
  EXPECT_TRUE(Walked((dir.path() / "missing").string(), &s).empty());
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(s.message(), "cannot walk '" + (dir.path() / "missing").string() +
                             "': No such file or directory");
  // A folder that cannot be listed is passed by without a word, as
  // std::filesystem's walk with skip_permission_denied does (root reads
  // every folder: nothing to see then).
  dir.Write("closed/a.txt", "a");
  dir.Write("open/b.txt", "b");
  fs::permissions(dir.path() / "closed", fs::perms::none);
  const std::vector<std::string> walked = Walked(dir.path().string(), &s);
  EXPECT_TRUE(s.ok()) << s;
  EXPECT_EQ(walked, Reference(dir.path().string()));
  if (geteuid() != 0) {
    EXPECT_EQ(walked.size(), 3u);  // closed, open, open/b.txt
  }
  fs::permissions(dir.path() / "closed", fs::perms::owner_all);
}

}  // namespace
}  // namespace mimeo::cli
