// Writing a file so that readers, crashes and concurrent writers see either
// the old file or the whole new one, and locking a file against other
// writers. Every file mimeo writes (snapshots, the command's -o outputs)
// goes through AtomicFile; `mimeo index` holds a FileLock around load,
// change and save of an index.
#ifndef MIMEO_SRC_INTERNAL_ATOMIC_FILE_H_
#define MIMEO_SRC_INTERNAL_ATOMIC_FILE_H_

#include <cstdio>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace mimeo::internal {

// A new version of a file, written under a temporary name and moved into
// place by Commit():
//   - the temporary file is made by mkstemp in the target's directory (so
//     the rename is atomic), named "TARGET.tmp-mimeo-XXXXXX"
//     (kTemporaryMark): unique per writer, so concurrent writers never
//     collide, and never an existing file such as the user's own
//     "TARGET.tmp";
//   - a symbolic link is followed: the file it points to is replaced, the
//     link stays a link;
//   - an existing file's permission bits are kept (a 0600 index stays
//     0600), and its owner and group where the process may set them (root,
//     or the owner); a new file gets 0666 less the umask, as fopen gives;
//   - Commit() flushes and fsyncs the file, renames it over the target and
//     fsyncs the directory, so that after it returns OK the new file
//     survives a power cut;
//   - the temporary file is removed when Commit() fails or is never
//     called (the destructor), and by RemoveTemporaryFiles(), which a
//     signal handler may call;
//   - what is not a file is not replaced but written in place: a target
//     that exists and is neither a regular file nor a directory
//     (/dev/null, a FIFO, a terminal), and a descriptor named as a path
//     (/dev/stdout, /dev/stderr, /dev/fd/N, /proc/self/fd/N: written
//     through a copy of the descriptor, as the shell opened it, appending
//     after `>>`); Commit() then flushes and reports what the writes met
//     (/dev/full: no space left). Existing::kKeep refuses them all.
// Not thread-safe: one thread writes one AtomicFile. Different AtomicFiles
// may be written at once, for the same target too: the last Commit() wins.
// What a temporary file's name adds to its target's: "TARGET.tmp-mimeo-"
// and six characters of mkstemp.
inline constexpr char kTemporaryMark[] = ".tmp-mimeo-";

class AtomicFile {
 public:
  // What Commit() does when the target exists.
  enum class Existing {
    kReplace,  // replace it (default)
    kKeep,     // keep it, and fail with AlreadyExists
  };

  // Creates the temporary file for `path`. Fails, naming the path, when
  // the directory cannot be written or a link cannot be resolved.
  static absl::StatusOr<AtomicFile> Create(
      const std::string& path, Existing existing = Existing::kReplace);

  AtomicFile(AtomicFile&& other) noexcept;
  AtomicFile& operator=(AtomicFile&&) = delete;
  AtomicFile(const AtomicFile&) = delete;
  ~AtomicFile();

  // The stream to write to; owned by this object, valid until Commit() or
  // destruction. Writes may be buffered: errors show in Commit().
  std::FILE* file() const { return file_; }
  // The file that Commit() replaces (symbolic links resolved).
  const std::string& target() const { return target_; }
  // Written in place (a device, a FIFO, a descriptor named as a path), not
  // replaced.
  bool in_place() const { return in_place_; }
  const std::string& temporary() const { return temporary_; }

  // Moves the written file into place (see above). On failure the target
  // is untouched and the temporary file removed. Call at most once.
  absl::Status Commit();

 private:
  AtomicFile(std::string path, std::string target, std::string temporary,
             std::FILE* file, int slot, Existing existing, bool in_place);
  // Closes and removes the temporary file, if still there.
  void Discard();

  std::string path_;       // as given, for messages
  std::string target_;     // links resolved
  std::string temporary_;  // beside target_
  std::FILE* file_;
  int slot_;  // in the registry of temporary files, or -1
  Existing existing_;
  bool in_place_;  // written where it is, not replaced (see above)
};

// Removes every temporary file of an AtomicFile not yet committed or
// destroyed in this process. Async-signal-safe (only unlink and lock-free
// atomics): for a SIGINT/SIGTERM handler, which should then end the process.
void RemoveTemporaryFiles();

// An advisory lock (flock) on an existing file, held until destruction:
// exclusive for writers, shared for readers. Between processes (and
// between separate FileLocks within one). The lock follows replacement by
// AtomicFile: after taking it, Acquire() checks that the path still names
// the file it locked, and if another writer replaced the file meanwhile,
// locks the new one instead; so writers that each lock, load, change and
// save one path run one after the other and none loses another's change.
class FileLock {
 public:
  enum class Mode { kShared, kExclusive };

  // Waits for the lock on `path` (symbolic links followed). `on_wait`, if
  // not null, is called once if the lock is held by another process and
  // this call has to wait (to tell a user why nothing happens). NotFound
  // when the file does not exist.
  static absl::StatusOr<FileLock> Acquire(
      const std::string& path, Mode mode,
      void (*on_wait)(const std::string&) = nullptr);

  FileLock(FileLock&& other) noexcept;
  FileLock& operator=(FileLock&&) = delete;
  FileLock(const FileLock&) = delete;
  ~FileLock();

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace mimeo::internal

#endif  // MIMEO_SRC_INTERNAL_ATOMIC_FILE_H_
