#include "tree_walk.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_format.h"

namespace mimeo::cli {
namespace {

// An entry of a folder's listing: its name and the type the listing gives
// (DT_UNKNOWN where the file system does not say).
struct Listed {
  std::string name;
  unsigned char type;
};

class Walk {
 public:
  Walk(const std::string& root, absl::FunctionRef<bool(const TreeEntry&)> visit)
      : root_(root),
        path_(absl::EndsWith(root, "/") ? root : root + "/"),
        relative_at_(path_.size()),
        visit_(visit) {}

  absl::Status Run() {
    // The root may be a link to a folder; below it, links are not
    // followed (O_NOFOLLOW), as std::filesystem's walk does not.
    std::vector<Listed> listed;
    if (absl::Status s = List(root_, /*follow=*/true, listed); !s.ok()) {
      return s;
    }
    return Visit(listed);
  }

 private:
  // Lists the folder `folder` into `out`, sorted by name. A folder that
  // cannot be opened or read for lack of permission lists as empty.
  absl::Status List(const std::string& folder, bool follow,
                    std::vector<Listed>& out) {
    const int fd = open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC |
                                            (follow ? 0 : O_NOFOLLOW));
    DIR* dir = fd < 0 ? nullptr : fdopendir(fd);
    if (dir == nullptr) {
      const int err = errno;
      if (fd >= 0) close(fd);
      return err == EACCES ? absl::OkStatus() : Failed(err);
    }
    int err = 0;
    for (;;) {
      errno = 0;
      const dirent* e = readdir(dir);
      if (e == nullptr) {
        err = errno;
        break;
      }
      if (std::strcmp(e->d_name, ".") == 0 ||
          std::strcmp(e->d_name, "..") == 0) {
        continue;
      }
      out.push_back({e->d_name, e->d_type});
    }
    closedir(dir);
    if (err != 0 && err != EACCES) return Failed(err);
    std::sort(out.begin(), out.end(),
              [](const Listed& a, const Listed& b) { return a.name < b.name; });
    return absl::OkStatus();
  }

  // Visits the entries of the folder whose path (with a '/' after it) is
  // path_, and walks into its folders.
  absl::Status Visit(const std::vector<Listed>& listed) {
    const size_t folder_end = path_.size();
    for (const Listed& l : listed) {
      path_.resize(folder_end);
      path_ += l.name;
      const internal::EntryType type = internal::TypeOf(path_, l.type);
      if (type == internal::EntryType::kOther) continue;
      const std::string_view path(path_);
      const TreeEntry entry{path, path.substr(relative_at_),
                            path.substr(folder_end),
                            type == internal::EntryType::kFolder,
                            type == internal::EntryType::kLinkToFile};
      if (!visit_(entry) || type != internal::EntryType::kFolder) continue;
      std::vector<Listed> inner;
      if (absl::Status s = List(path_, /*follow=*/false, inner); !s.ok()) {
        return s;
      }
      path_ += '/';
      if (absl::Status s = Visit(inner); !s.ok()) return s;
    }
    path_.resize(folder_end);
    return absl::OkStatus();
  }

  absl::Status Failed(int err) const {
    return absl::PermissionDeniedError(
        absl::StrFormat("cannot walk '%s': %s", root_, std::strerror(err)));
  }

  const std::string& root_;
  std::string path_;  // of the entry being visited
  const size_t relative_at_;
  absl::FunctionRef<bool(const TreeEntry&)> visit_;
};

}  // namespace

namespace internal {

EntryType TypeOf(const std::string& path, unsigned char listed) {
  switch (listed) {
    case DT_DIR:
      return EntryType::kFolder;
    case DT_REG:
      return EntryType::kFile;
    case DT_LNK:
    case DT_UNKNOWN:
      break;
    default:
      return EntryType::kOther;
  }
  struct stat st;
  if (listed == DT_UNKNOWN) {
    if (lstat(path.c_str(), &st) != 0) return EntryType::kOther;
    if (S_ISDIR(st.st_mode)) return EntryType::kFolder;
    if (S_ISREG(st.st_mode)) return EntryType::kFile;
    if (!S_ISLNK(st.st_mode)) return EntryType::kOther;
  }
  // A link to a folder is passed by, as it is not walked into.
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode)
             ? EntryType::kLinkToFile
             : EntryType::kOther;
}

}  // namespace internal

absl::Status WalkTree(const std::string& root,
                      absl::FunctionRef<bool(const TreeEntry&)> visit) {
  return Walk(root, visit).Run();
}

}  // namespace mimeo::cli
