#include "internal/atomic_file.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <utility>

#include "absl/strings/str_format.h"

namespace mimeo::internal {
namespace {

// The temporary files being written, for RemoveTemporaryFiles(). A slot is
// free (0), being filled or emptied (1), or holds a live path (2); a signal
// handler reads only slots in state 2, with no lock. Writers beyond the
// slots (or with longer paths) still remove their file on failure, just not
// on a signal.
constexpr int kSlots = 64;
constexpr size_t kSlotPathBytes = 4096;
constexpr int kFree = 0, kBusy = 1, kLive = 2;
static_assert(std::atomic<int>::is_always_lock_free,
              "the signal handler needs lock-free atomics");
struct Slot {
  std::atomic<int> state{kFree};
  char path[kSlotPathBytes];
};
Slot g_slots[kSlots];

int Register(const std::string& path) {
  if (path.size() >= kSlotPathBytes) return -1;
  for (int i = 0; i < kSlots; ++i) {
    int expected = kFree;
    if (g_slots[i].state.compare_exchange_strong(expected, kBusy)) {
      std::memcpy(g_slots[i].path, path.c_str(), path.size() + 1);
      g_slots[i].state.store(kLive, std::memory_order_release);
      return i;
    }
  }
  return -1;
}

void Unregister(int slot) {
  if (slot >= 0) g_slots[slot].state.store(kFree, std::memory_order_release);
}

std::string Reason() { return std::strerror(errno); }

// `path` with every symbolic link in its last component followed (a chain
// of them too), so that the file a link points to is the one replaced. A
// path that does not exist (or a dangling link's target) is returned as is.
absl::StatusOr<std::string> ResolveLinks(const std::string& path) {
  std::string p = path;
  for (int hops = 0; hops < 40; ++hops) {
    struct stat st;
    if (lstat(p.c_str(), &st) != 0) {
      if (errno == ENOENT) return p;
      return absl::PermissionDeniedError(
          absl::StrFormat("cannot write '%s': %s", path, Reason()));
    }
    if (!S_ISLNK(st.st_mode)) return p;
    char buf[PATH_MAX];
    const ssize_t n = readlink(p.c_str(), buf, sizeof(buf));
    if (n < 0 || static_cast<size_t>(n) >= sizeof(buf)) {
      return absl::PermissionDeniedError(absl::StrFormat(
          "cannot write '%s': cannot read the link '%s'", path, p));
    }
    const std::string link(buf, static_cast<size_t>(n));
    const size_t slash = p.rfind('/');
    p = link[0] == '/' || slash == std::string::npos
            ? link
            : p.substr(0, slash + 1) + link;
  }
  return absl::PermissionDeniedError(absl::StrFormat(
      "cannot write '%s': too many levels of symbolic links", path));
}

std::string DirectoryOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// The process's umask, read without changing it (umask() sets it, racing
// with other threads creating files): from /proc/self/status on Linux,
// else the common 022.
mode_t CurrentUmask() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("Umask:", 0) == 0) {
      return static_cast<mode_t>(std::strtoul(line.c_str() + 6, nullptr, 8));
    }
  }
  return 022;
}

}  // namespace

void RemoveTemporaryFiles() {
  for (Slot& slot : g_slots) {
    if (slot.state.load(std::memory_order_acquire) == kLive) unlink(slot.path);
  }
}

namespace {

// The descriptor a path names as /dev/stdout, /dev/stderr, /dev/fd/N or
// /proc/self/fd/N do, or -1.
int NamedDescriptor(const std::string& path) {
  if (path == "/dev/stdout") return 1;
  if (path == "/dev/stderr") return 2;
  for (const char* prefix : {"/dev/fd/", "/proc/self/fd/"}) {
    const size_t n = std::strlen(prefix);
    if (path.size() > n && path.size() <= n + 9 &&
        path.compare(0, n, prefix) == 0 &&
        path.find_first_not_of("0123456789", n) == std::string::npos) {
      return std::atoi(path.c_str() + n);
    }
  }
  return -1;
}

// Is `path` something other than a file, to be written in place: a FIFO,
// a device, a socket?
bool IsNoFile(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode) &&
         !S_ISDIR(st.st_mode);
}

}  // namespace

absl::StatusOr<AtomicFile> AtomicFile::Create(const std::string& path,
                                              Existing existing) {
  const int named = NamedDescriptor(path);
  if (named >= 0 || IsNoFile(path)) {
    if (existing == Existing::kKeep) {
      return absl::AlreadyExistsError(
          absl::StrFormat("'%s' exists already", path));
    }
    // A descriptor named is shared as the shell opened it (its offset, its
    // O_APPEND); anything else is opened for writing, with nothing to cut.
    const int fd = named >= 0 ? fcntl(named, F_DUPFD_CLOEXEC, 3)
                              : open(path.c_str(), O_WRONLY | O_CLOEXEC |
                                                       O_NOCTTY);
    std::FILE* file = fd < 0 ? nullptr : fdopen(fd, "wb");
    if (file == nullptr) {
      const std::string reason = Reason();
      if (fd >= 0) close(fd);
      return absl::PermissionDeniedError(
          absl::StrFormat("cannot write '%s': %s", path, reason));
    }
    return AtomicFile(path, path, std::string(), file, -1, existing,
                      /*in_place=*/true);
  }
  absl::StatusOr<std::string> target = ResolveLinks(path);
  if (!target.ok()) return target.status();
  std::string temporary = *target + kTemporaryMark + "XXXXXX";
  const int fd = mkostemp(temporary.data(), O_CLOEXEC);
  if (fd < 0) {
    return absl::PermissionDeniedError(absl::StrFormat(
        "cannot write '%s': cannot create a temporary file in '%s': %s", path,
        DirectoryOf(*target), Reason()));
  }
  const int slot = Register(temporary);
  std::FILE* file = fdopen(fd, "wb");
  if (file == nullptr) {
    const std::string reason = Reason();
    close(fd);
    unlink(temporary.c_str());
    Unregister(slot);
    return absl::ResourceExhaustedError(
        absl::StrFormat("cannot write '%s': %s", path, reason));
  }
  return AtomicFile(path, std::move(*target), std::move(temporary), file, slot,
                    existing, /*in_place=*/false);
}

AtomicFile::AtomicFile(std::string path, std::string target,
                       std::string temporary, std::FILE* file, int slot,
                       Existing existing, bool in_place)
    : path_(std::move(path)),
      target_(std::move(target)),
      temporary_(std::move(temporary)),
      file_(file),
      slot_(slot),
      existing_(existing),
      in_place_(in_place) {}

AtomicFile::AtomicFile(AtomicFile&& other) noexcept
    : path_(std::move(other.path_)),
      target_(std::move(other.target_)),
      temporary_(std::move(other.temporary_)),
      file_(std::exchange(other.file_, nullptr)),
      slot_(std::exchange(other.slot_, -1)),
      existing_(other.existing_),
      in_place_(other.in_place_) {
  other.temporary_.clear();
}

AtomicFile::~AtomicFile() { Discard(); }

void AtomicFile::Discard() {
  if (file_ != nullptr) std::fclose(std::exchange(file_, nullptr));
  if (!temporary_.empty()) unlink(temporary_.c_str());
  temporary_.clear();
  Unregister(std::exchange(slot_, -1));
}

absl::Status AtomicFile::Commit() {
  if (file_ == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrFormat("'%s' was committed or discarded already", path_));
  }
  const auto fail = [&](const std::string& what) {
    const std::string reason = Reason();
    Discard();
    return absl::DataLossError(
        absl::StrFormat("cannot write '%s': %s: %s", path_, what, reason));
  };
  if (std::fflush(file_) != 0 || std::ferror(file_)) return fail("write");
  if (in_place_) {
    if (std::fclose(std::exchange(file_, nullptr)) != 0) return fail("close");
    return absl::OkStatus();
  }
  const int fd = fileno(file_);
  struct stat old;
  if (stat(target_.c_str(), &old) == 0) {
    if (existing_ == Existing::kKeep) {
      Discard();
      return absl::AlreadyExistsError(
          absl::StrFormat("'%s' exists already", path_));
    }
    // The owner first (a chown may clear set-id bits), then the mode. The
    // owner and group are kept where the process may set them; otherwise
    // the new file is the writer's, with the old mode.
    if (old.st_uid != geteuid() || old.st_gid != getegid()) {
      if (fchown(fd, old.st_uid, old.st_gid) != 0 &&
          fchown(fd, static_cast<uid_t>(-1), old.st_gid) != 0) {
        errno = 0;  // best effort, as documented
      }
    }
    if (fchmod(fd, old.st_mode & 07777) != 0) return fail("set its mode");
  } else if (errno == ENOENT) {
    if (fchmod(fd, 0666 & ~CurrentUmask()) != 0) return fail("set its mode");
  } else {
    return fail("stat");
  }
  if (fsync(fd) != 0) return fail("fsync");
  const int closed = std::fclose(std::exchange(file_, nullptr));
  if (closed != 0) return fail("close");
  if (existing_ == Existing::kKeep) {
    // link() refuses an existing target, where rename() would replace it.
    if (link(temporary_.c_str(), target_.c_str()) != 0) {
      if (errno == EEXIST) {
        Discard();
        return absl::AlreadyExistsError(
            absl::StrFormat("'%s' exists already", path_));
      }
      return fail("link");
    }
    unlink(temporary_.c_str());
  } else if (std::rename(temporary_.c_str(), target_.c_str()) != 0) {
    return fail(absl::StrFormat("rename '%s'", temporary_));
  }
  temporary_.clear();
  Unregister(std::exchange(slot_, -1));
  // The rename itself reaches the disk with the directory.
  const int dir =
      open(DirectoryOf(target_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    // Some file systems cannot sync a directory (EINVAL); that is no error.
    const bool synced = fsync(dir) == 0 || errno == EINVAL;
    const std::string reason = Reason();
    close(dir);
    if (!synced) {
      return absl::DataLossError(absl::StrFormat(
          "'%s' was written but its directory not synced: %s", path_, reason));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<FileLock> FileLock::Acquire(
    const std::string& path, Mode mode, void (*on_wait)(const std::string&)) {
  const int op = mode == Mode::kShared ? LOCK_SH : LOCK_EX;
  bool told = false;
  for (;;) {
    // flock() takes an exclusive lock through a read-only descriptor too.
    const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      const std::string reason = Reason();
      if (errno == ENOENT) {
        return absl::NotFoundError(
            absl::StrFormat("cannot open '%s': %s", path, reason));
      }
      return absl::PermissionDeniedError(
          absl::StrFormat("cannot lock '%s': %s", path, reason));
    }
    FileLock lock(fd);
    int r = flock(fd, op | LOCK_NB);
    if (r != 0 && errno == EWOULDBLOCK) {
      if (on_wait != nullptr && !told) on_wait(path);
      told = true;
      while ((r = flock(fd, op)) != 0 && errno == EINTR) {
      }
    }
    if (r != 0) {
      return absl::PermissionDeniedError(
          absl::StrFormat("cannot lock '%s': %s", path, Reason()));
    }
    // The file locked may have been replaced while this call waited: the
    // lock then protects nothing, and the new file is locked instead.
    struct stat locked, now;
    if (fstat(fd, &locked) != 0) {
      return absl::PermissionDeniedError(
          absl::StrFormat("cannot lock '%s': %s", path, Reason()));
    }
    if (stat(path.c_str(), &now) == 0 && now.st_dev == locked.st_dev &&
        now.st_ino == locked.st_ino) {
      return lock;
    }
  }
}

FileLock::FileLock(FileLock&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)) {}

FileLock::~FileLock() {
  if (fd_ >= 0) close(fd_);  // releases the lock
}

}  // namespace mimeo::internal
