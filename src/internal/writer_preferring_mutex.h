// A reader/writer lock that lets no new reader in while a writer waits.
//
// std::shared_mutex on glibc (pthread_rwlock_t's default) prefers
// readers: as long as one holds the lock, another may join, so a writer
// waiting behind a stream of overlapping readers (Query(), Cluster(),
// SharedCopy(), Save() from many threads) can wait without bound. Here a
// waiting writer closes the door: readers already inside finish, readers
// arriving wait, the writer runs, and then the waiting readers and writers
// go on (writers first). Writers cannot starve; readers can, under writes
// arriving back to back without pause, which the Engine's writers (Add,
// AddBatch, Commit, Remove) do not do for long.
//
// Meets the SharedMutex requirements, so std::unique_lock and
// std::shared_lock work with it. Not recursive: a thread holding the lock
// in either mode must not take it again (a shared re-lock deadlocks as soon
// as a writer waits between the two).
#ifndef MIMEO_SRC_INTERNAL_WRITER_PREFERRING_MUTEX_H_
#define MIMEO_SRC_INTERNAL_WRITER_PREFERRING_MUTEX_H_

#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace mimeo::internal {

class WriterPreferringMutex {
 public:
  WriterPreferringMutex() = default;
  WriterPreferringMutex(const WriterPreferringMutex&) = delete;
  WriterPreferringMutex& operator=(const WriterPreferringMutex&) = delete;

  // Exclusive: waits for the readers inside and any writer ahead.
  void lock() {
    std::unique_lock guard(mu_);
    ++writers_waiting_;
    writers_cv_.wait(guard, [this] { return !writing_ && readers_ == 0; });
    --writers_waiting_;
    writing_ = true;
  }
  bool try_lock() {
    std::lock_guard guard(mu_);
    if (writing_ || readers_ != 0) return false;
    writing_ = true;
    return true;
  }
  void unlock() {
    {
      std::lock_guard guard(mu_);
      writing_ = false;
    }
    // A waiting writer goes next; readers wake but wait while one does.
    writers_cv_.notify_one();
    readers_cv_.notify_all();
  }

  // Shared: waits while a writer holds the lock or waits for it.
  void lock_shared() {
    std::unique_lock guard(mu_);
    readers_cv_.wait(guard,
                     [this] { return !writing_ && writers_waiting_ == 0; });
    ++readers_;
  }
  bool try_lock_shared() {
    std::lock_guard guard(mu_);
    if (writing_ || writers_waiting_ != 0) return false;
    ++readers_;
    return true;
  }
  void unlock_shared() {
    bool last;
    {
      std::lock_guard guard(mu_);
      last = --readers_ == 0;
    }
    if (last) writers_cv_.notify_one();
  }

 private:
  std::mutex mu_;
  std::condition_variable readers_cv_;
  std::condition_variable writers_cv_;
  uint32_t readers_ = 0;          // holding the lock shared
  uint32_t writers_waiting_ = 0;  // in lock(), not yet in
  bool writing_ = false;          // a writer holds the lock
};

}  // namespace mimeo::internal

#endif  // MIMEO_SRC_INTERNAL_WRITER_PREFERRING_MUTEX_H_
