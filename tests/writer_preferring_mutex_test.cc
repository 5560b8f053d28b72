#include "internal/writer_preferring_mutex.h"

#include <atomic>
#include <chrono>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace mimeo::internal {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

// Readers that keep the lock held by at least one of them at nearly every
// moment (each holds it 2 ms, four overlap): under a reader-preferring lock
// (glibc's std::shared_mutex) a writer waits until they stop. Robust on a
// busy machine: it asserts only that the writer gets in at all within 20 s
// while the readers keep arriving, not how fast.
TEST(WriterPreferringMutexTest, WriterGetsInWhileReadersKeepArriving) {
  WriterPreferringMutex mu;
  std::atomic<bool> stop{false}, writer_in{false};
  std::atomic<int> reads{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        std::shared_lock lock(mu);
        ++reads;
        std::this_thread::sleep_for(milliseconds(2));
      }
    });
  }
  while (reads.load() < 40) std::this_thread::sleep_for(milliseconds(1));
  std::thread writer([&] {
    std::unique_lock lock(mu);
    writer_in = true;
  });
  const auto deadline = steady_clock::now() + std::chrono::seconds(20);
  while (!writer_in.load() && steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(1));
  }
  const bool got_in_while_reading = writer_in.load();
  stop = true;
  writer.join();
  for (std::thread& r : readers) r.join();
  EXPECT_TRUE(got_in_while_reading);
}

TEST(WriterPreferringMutexTest, ReadersShareWritersExclude) {
  WriterPreferringMutex mu;
  // Two readers inside at once.
  {
    std::shared_lock a(mu);
    std::atomic<bool> second_in{false};
    std::thread t([&] {
      std::shared_lock b(mu);
      second_in = true;
    });
    t.join();
    EXPECT_TRUE(second_in);
    EXPECT_FALSE(mu.try_lock());
  }
  // Writers exclude readers and each other: a counter bumped without
  // atomics under the lock and read under the shared lock stays exact.
  int64_t counter = 0;
  std::atomic<bool> torn{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        if ((i + t) % 3 == 0) {
          std::unique_lock lock(mu);
          const int64_t before = counter;
          counter = before + 1;
          if (counter != before + 1) torn = true;
        } else {
          std::shared_lock lock(mu);
          const int64_t a = counter;
          std::this_thread::yield();
          if (counter != a) torn = true;
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_FALSE(torn);
  int64_t writes = 0;
  for (int t = 0; t < 4; ++t) {
    for (int i = 0; i < 2000; ++i) writes += (i + t) % 3 == 0;
  }
  EXPECT_EQ(counter, writes);
  EXPECT_TRUE(mu.try_lock());
  EXPECT_FALSE(mu.try_lock_shared());
  mu.unlock();
  EXPECT_TRUE(mu.try_lock_shared());
  mu.unlock_shared();
}

}  // namespace
}  // namespace mimeo::internal
