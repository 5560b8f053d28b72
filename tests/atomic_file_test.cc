#include "internal/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "test_util.h"

namespace mimeo::internal {
namespace {

namespace fs = std::filesystem;

class AtomicFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("mimeo_atomic_file_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Path(const std::string& name) { return (dir_ / name).string(); }
  void Put(const std::string& name, const std::string& bytes) {
    std::ofstream(dir_ / name, std::ios::binary) << bytes;
  }
  std::string Get(const std::string& name) {
    return testing::ReadFile(dir_ / name);
  }
  absl::Status WriteWhole(const std::string& path, const std::string& bytes) {
    absl::StatusOr<AtomicFile> f = AtomicFile::Create(path);
    if (!f.ok()) return f.status();
    std::fputs(bytes.c_str(), f->file());
    return f->Commit();
  }
  // Names in the directory, sorted.
  std::vector<std::string> Names() {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir_)) {
      names.push_back(e.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  fs::path dir_;
};

TEST_F(AtomicFileTest, WritesANewFileWithTheUmaskMode) {
  ASSERT_TRUE(WriteWhole(Path("new"), "hello").ok());
  EXPECT_EQ(Get("new"), "hello");
  const mode_t mask = ::umask(022);
  ::umask(mask);
  struct stat st;
  ASSERT_EQ(::stat(Path("new").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0666 & ~mask);
  EXPECT_EQ(Names(), std::vector<std::string>{"new"});
}

TEST_F(AtomicFileTest, KeepsModeFollowsLinksAndLeavesOtherFilesAlone) {
  Put("data", "old");
  ASSERT_EQ(::chmod(Path("data").c_str(), 0600), 0);
  fs::create_symlink("data", dir_ / "link");
  Put("data.tmp", "the user's own");
  ASSERT_TRUE(WriteWhole(Path("link"), "new").ok());
  EXPECT_TRUE(fs::is_symlink(dir_ / "link"));
  EXPECT_EQ(Get("data"), "new");
  EXPECT_EQ(Get("data.tmp"), "the user's own");
  struct stat st;
  ASSERT_EQ(::stat(Path("data").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_EQ(Names(), (std::vector<std::string>{"data", "data.tmp", "link"}));
  // A dangling link: the file it names is created.
  fs::create_symlink("later", dir_ / "dangling");
  ASSERT_TRUE(WriteWhole(Path("dangling"), "made").ok());
  EXPECT_EQ(Get("later"), "made");
  EXPECT_TRUE(fs::is_symlink(dir_ / "dangling"));
}

TEST_F(AtomicFileTest, UncommittedOrFailedWritesLeaveNoTemporaryFile) {
  Put("data", "old");
  {
    absl::StatusOr<AtomicFile> f = AtomicFile::Create(Path("data"));
    ASSERT_TRUE(f.ok()) << f.status();
    std::fputs("half", f->file());
    EXPECT_TRUE(fs::exists(f->temporary()));
    EXPECT_EQ(f->temporary().rfind(Path("data.tmp-"), 0), 0u);
  }
  EXPECT_EQ(Names(), std::vector<std::string>{"data"});
  EXPECT_EQ(Get("data"), "old");
  // kKeep refuses an existing target and removes its temporary file.
  absl::StatusOr<AtomicFile> f =
      AtomicFile::Create(Path("data"), AtomicFile::Existing::kKeep);
  ASSERT_TRUE(f.ok());
  const absl::Status s = f->Commit();
  EXPECT_EQ(s.code(), absl::StatusCode::kAlreadyExists) << s;
  EXPECT_EQ(Names(), std::vector<std::string>{"data"});
  // A directory that cannot be written: the message names the path.
  const absl::Status missing = WriteWhole(Path("no/such/dir/x"), "x");
  EXPECT_FALSE(missing.ok());
  EXPECT_NE(missing.message().find("no/such/dir/x"), std::string::npos);
}

// A FIFO, a device or a descriptor named as a path is written in place:
// replacing it would put a file where /dev/null was.
TEST_F(AtomicFileTest, WhatIsNotAFileIsWrittenInPlace) {
  const std::string fifo = Path("fifo");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  // The reading end first, not blocking: were the FIFO replaced by a file,
  // the read below would find nothing rather than wait for ever.
  const int reader = open(fifo.c_str(), O_RDONLY | O_NONBLOCK);
  ASSERT_GE(reader, 0);
  EXPECT_TRUE(WriteWhole(fifo, "through the pipe").ok());
  char buf[64];
  const ssize_t got = read(reader, buf, sizeof(buf));
  close(reader);
  EXPECT_EQ(std::string(buf, got > 0 ? static_cast<size_t>(got) : 0),
            "through the pipe");
  struct stat st;
  ASSERT_EQ(stat(fifo.c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  EXPECT_EQ(Names(), std::vector<std::string>{"fifo"});
  // kKeep refuses it: it exists.
  EXPECT_EQ(AtomicFile::Create(fifo, AtomicFile::Existing::kKeep)
                .status()
                .code(),
            absl::StatusCode::kAlreadyExists);

  // A descriptor opened for appending, named two ways: written through a
  // copy of it, so after what it holds, and the file is the same file.
  Put("log", "before;");
  struct stat log_before;
  ASSERT_EQ(stat(Path("log").c_str(), &log_before), 0);
  const int fd = open(Path("log").c_str(), O_WRONLY | O_APPEND);
  ASSERT_GE(fd, 0);
  EXPECT_TRUE(WriteWhole("/proc/self/fd/" + std::to_string(fd), "one;").ok());
  EXPECT_TRUE(WriteWhole("/dev/fd/" + std::to_string(fd), "two;").ok());
  close(fd);
  EXPECT_EQ(Get("log"), "before;one;two;");
  struct stat log_after;
  ASSERT_EQ(stat(Path("log").c_str(), &log_after), 0);
  EXPECT_EQ(log_after.st_ino, log_before.st_ino);
  EXPECT_FALSE(WriteWhole("/dev/fd/999999", "x").ok());

  // A full device: the writes' failure, named, and the device stays one.
  if (stat("/dev/full", &st) == 0 && S_ISCHR(st.st_mode)) {
    const absl::Status full = WriteWhole("/dev/full", std::string(1 << 20, 'x'));
    EXPECT_EQ(full.code(), absl::StatusCode::kDataLoss) << full;
    EXPECT_NE(full.message().find("'/dev/full'"), std::string::npos) << full;
    EXPECT_NE(full.message().find("No space"), std::string::npos) << full;
    ASSERT_EQ(stat("/dev/full", &st), 0);
    EXPECT_TRUE(S_ISCHR(st.st_mode));
  }
}

TEST_F(AtomicFileTest, SignalCleanupRemovesLiveTemporaryFiles) {
  absl::StatusOr<AtomicFile> a = AtomicFile::Create(Path("a"));
  absl::StatusOr<AtomicFile> b = AtomicFile::Create(Path("b"));
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE(WriteWhole(Path("c"), "done").ok());
  RemoveTemporaryFiles();
  EXPECT_EQ(Names(), std::vector<std::string>{"c"});
}

// Many threads writing one path at once: every write succeeds, none
// collides with another's temporary file, and the file is always one
// writer's whole text.
TEST_F(AtomicFileTest, ConcurrentWritersToOnePathDoNotCollide) {
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        if (!WriteWhole(Path("shared"), std::string(1000, 'a' + t)).ok()) {
          ++failed;
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failed.load(), 0);
  const std::string last = Get("shared");
  EXPECT_EQ(last, std::string(1000, last[0]));
  EXPECT_EQ(Names(), std::vector<std::string>{"shared"});
}

TEST_F(AtomicFileTest, ExclusiveLockWaitsAndFollowsReplacement) {
  Put("index", "v1");
  absl::StatusOr<FileLock> first =
      FileLock::Acquire(Path("index"), FileLock::Mode::kExclusive);
  ASSERT_TRUE(first.ok()) << first.status();
  std::atomic<bool> second_in{false};
  static std::atomic<int> waits{0};
  std::string seen;
  std::thread second([&] {
    absl::StatusOr<FileLock> lock =
        FileLock::Acquire(Path("index"), FileLock::Mode::kExclusive,
                          [](const std::string&) { ++waits; });
    ASSERT_TRUE(lock.ok()) << lock.status();
    second_in = true;
    seen = Get("index");
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_FALSE(second_in.load());
  // The holder replaces the file, then lets go: the waiter must see the
  // new version, having locked the new file.
  ASSERT_TRUE(WriteWhole(Path("index"), "v2").ok());
  { FileLock release = std::move(*first); }
  second.join();
  EXPECT_TRUE(second_in.load());
  EXPECT_EQ(seen, "v2");
  EXPECT_EQ(waits.load(), 1);
  // Shared locks share; a missing file is NotFound.
  absl::StatusOr<FileLock> r1 =
      FileLock::Acquire(Path("index"), FileLock::Mode::kShared);
  absl::StatusOr<FileLock> r2 =
      FileLock::Acquire(Path("index"), FileLock::Mode::kShared);
  EXPECT_TRUE(r1.ok() && r2.ok());
  EXPECT_EQ(FileLock::Acquire(Path("absent"), FileLock::Mode::kShared)
                .status()
                .code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace mimeo::internal
