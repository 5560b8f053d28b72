// Walking a directory tree for the command's input (InputReader): every
// folder and regular file under a folder, in a fixed order, with one
// directory listing per folder and no system call per file where the
// listing tells a file's type.
//
// It yields what std::filesystem::recursive_directory_iterator (with
// skip_permission_denied, links to folders not followed) yields, keeping
// the regular files, sorted by path; but that walk, a stat per file and
// the sort of the paths took 0.13 s on a tree of 20,000 small files,
// before any was read (bench/README.md, "Walking a tree of small
// files"). The entries of each folder are sorted by name as
// they are listed, which puts the whole tree in sorted order.
#ifndef MIMEO_TOOLS_TREE_WALK_H_
#define MIMEO_TOOLS_TREE_WALK_H_

#include <string>
#include <string_view>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"

namespace mimeo::cli {

// An entry of the tree, as WalkTree() gives it to its visitor. The views
// live until the visitor returns.
struct TreeEntry {
  // The root joined with `relative` by a '/' (none when the root ends in
  // one): "docs/a/b.txt" under "docs" and under "docs/".
  std::string_view path;
  // The path under the root: "a/b.txt".
  std::string_view relative;
  // The entry's own name: "b.txt".
  std::string_view name;
  // A folder (never a link to one); otherwise a regular file, or a link
  // to one.
  bool folder = false;
  // A link (or a chain of links) to a regular file, rather than the file.
  bool link = false;
};

// Walks the folder `root`, calling `visit` for every folder and regular
// file under it (not `root` itself), in the order of their paths compared
// part by part, as std::filesystem::path compares them: each folder's
// entries by name, byte by byte, and a folder's contents right after it
// ("a", "a/z.txt", "a.txt", "b"). A folder is walked into when `visit`
// returns true for it; for a file what `visit` returns does not matter.
//
// Entries of other types (FIFOs, sockets, devices, links to folders or to
// nothing) are passed by, and so are entries that vanish during the walk.
// A file's type comes from its folder's listing; only links, and every
// entry on file systems whose listings do not say, cost a stat().
//
// A folder that cannot be opened or listed for lack of permission (EACCES)
// is passed by, `root` too (the walk then yields nothing). Any other error
// stops the walk: PermissionDenied "cannot walk 'ROOT': REASON". Holds one
// open descriptor at a time whatever the depth; `visit` is called on the
// calling thread, one entry at a time.
absl::Status WalkTree(const std::string& root,
                      absl::FunctionRef<bool(const TreeEntry&)> visit);

namespace internal {

// What WalkTree() takes an entry for.
enum class EntryType { kFolder, kFile, kLinkToFile, kOther };

// The type of the entry at `path` whose listing gave it the type `listed`
// (a dirent's d_type), as WalkTree() takes it: a folder or a regular file
// as listed; a link (DT_LNK) followed with a stat(), kLinkToFile when it
// leads to a regular file and otherwise (to a folder, to nothing, in a
// loop) kOther; an entry of unknown type (DT_UNKNOWN) lstat()ed, then followed
// as a link when it is one; kOther for any other type, and for an entry
// that cannot be stat()ed. Here for tests: file systems that fill d_type
// never take the DT_UNKNOWN path.
EntryType TypeOf(const std::string& path, unsigned char listed);

}  // namespace internal

}  // namespace mimeo::cli

#endif  // MIMEO_TOOLS_TREE_WALK_H_
