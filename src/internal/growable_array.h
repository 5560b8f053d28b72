// A growable array of trivially copyable values in one block, grown with
// realloc() instead of a new block and a copy.
//
// The document store appends every document's shingle set, signature and
// fingerprints to one array each. A std::vector doubling to hundreds of
// megabytes copies the whole array each time and holds both copies
// meanwhile: on the 100k bench (bench/README.md) that was a tenth of the
// sketching time and 130 MB of peak memory. realloc() of a block this
// large moves its pages (mremap on Linux) without copying or touching them
// again.
//
// Thread safety: as a std::vector's.
#ifndef MIMEO_INTERNAL_GROWABLE_ARRAY_H_
#define MIMEO_INTERNAL_GROWABLE_ARRAY_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <type_traits>
#include <utility>

namespace mimeo::internal {

template <typename T>
class GrowableArray {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  GrowableArray() = default;
  GrowableArray(const GrowableArray& other) { *this = other; }
  GrowableArray(GrowableArray&& other) noexcept { swap(other); }
  GrowableArray& operator=(const GrowableArray& other) {
    if (this != &other) {
      clear();
      append(other.data(), other.size());
    }
    return *this;
  }
  GrowableArray& operator=(GrowableArray&& other) noexcept {
    GrowableArray(std::move(other)).swap(*this);
    return *this;
  }
  ~GrowableArray() { std::free(data_); }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  size_t capacity() const { return capacity_; }
  T* data() { return data_; }
  const T* data() const { return data_; }
  T* begin() { return data_; }
  T* end() { return data_ + size_; }
  const T* begin() const { return data_; }
  const T* end() const { return data_ + size_; }
  T& operator[](size_t i) { return data_[i]; }
  const T& operator[](size_t i) const { return data_[i]; }

  // Room for n values without growing. Throws std::bad_alloc.
  void reserve(size_t n) {
    if (n <= capacity_) return;
    if (n > SIZE_MAX / sizeof(T)) throw std::bad_alloc();
    void* grown = std::realloc(data_, n * sizeof(T));
    if (grown == nullptr) throw std::bad_alloc();
    data_ = static_cast<T*>(grown);
    capacity_ = n;
  }
  // Appends count values (doubling the room when it runs out).
  void append(const T* values, size_t count) {
    if (count == 0) return;
    if (size_ + count > capacity_) {
      reserve(std::max(size_ + count, 2 * capacity_));
    }
    std::memcpy(data_ + size_, values, count * sizeof(T));
    size_ += count;
  }
  // n values; new ones are zero.
  void resize(size_t n) {
    reserve(n);
    if (n > size_) std::memset(data_ + size_, 0, (n - size_) * sizeof(T));
    size_ = n;
  }
  void clear() { size_ = 0; }
  // Empties the array and gives its memory back.
  void release() { GrowableArray().swap(*this); }
  void swap(GrowableArray& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(size_, other.size_);
    std::swap(capacity_, other.capacity_);
  }

 private:
  T* data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

}  // namespace mimeo::internal

#endif  // MIMEO_INTERNAL_GROWABLE_ARRAY_H_
