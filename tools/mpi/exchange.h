// Exchanges among the ranks of an MPI communicator, in rounds of bounded
// size: all to all (each rank sends each other rank its own data), a
// gather on rank 0, a gather on every rank and a broadcast.
//
// MPI counts in `int`, so one call moves less than 2 GiB per peer, and a
// buffer the size of a whole exchange doubles a rank's memory. Here every
// exchange moves its data in rounds: each round a rank sends at most
// `round_bytes` (all peers together, at least one element per peer) and
// receives at most as much, through one MPI_Alltoallv (MPI_Allgatherv,
// MPI_Bcast) on buffers of that size; the counts go first, with
// MPI_Alltoall, so that every rank knows how many rounds the exchange
// takes. A rank's data for itself are copied, never sent.
//
//   Exchanger exchange(MPI_COMM_WORLD, Exchanger::kDefaultRoundBytes);
//   std::vector<std::vector<uint64_t>> out(exchange.ranks());
//   ... out[r]: what goes to rank r ...
//   std::vector<uint64_t> in = exchange.AllToAll(out);  // in rank order
//
// Every call is collective: all ranks of the communicator make it, in the
// same order, with the same T. Not thread-safe.
#ifndef MIMEO_TOOLS_MPI_EXCHANGE_H_
#define MIMEO_TOOLS_MPI_EXCHANGE_H_

#include <mpi.h>

#include <cstdint>
#include <type_traits>
#include <vector>

namespace mimeo::mpi {

class Exchanger {
 public:
  // 64 MiB a round: a rank holds two buffers of that size (to send, to
  // receive) besides the exchange's input and output. 256 MiB raised every
  // rank's peak by 0.2 GB at 1M documents on 4 ranks (bench/README.md).
  static constexpr uint64_t kDefaultRoundBytes = uint64_t{1} << 26;
  // The largest round: MPI's int counts and displacements.
  static constexpr uint64_t kMaxRoundBytes = uint64_t{1} << 30;

  // `round_bytes` in [1, kMaxRoundBytes]; larger values are clamped.
  Exchanger(MPI_Comm comm, uint64_t round_bytes);

  MPI_Comm comm() const { return comm_; }
  int rank() const { return rank_; }
  int ranks() const { return ranks_; }

  // Sends out[r] to rank r (out.size() == ranks()) and returns what every
  // rank sent this one, concatenated in rank order. Empties `out`. T is
  // trivially copyable.
  template <typename T>
  std::vector<T> AllToAll(std::vector<std::vector<T>>& out) {
    static_assert(std::is_trivially_copyable_v<T>);
    std::vector<Part> send(ranks_);
    for (int r = 0; r < ranks_; ++r) {
      send[r] = {reinterpret_cast<const char*>(out[r].data()),
                 out[r].size() * sizeof(T)};
    }
    const std::vector<uint64_t> recv_bytes = Counts(send);
    uint64_t total = 0;
    for (uint64_t b : recv_bytes) total += b;
    std::vector<T> in(total / sizeof(T));
    AllToAllBytes(send, recv_bytes, reinterpret_cast<char*>(in.data()),
                  sizeof(T));
    for (std::vector<T>& o : out) std::vector<T>().swap(o);
    return in;
  }

  // Every rank's `mine`, in rank order, on rank 0; empty elsewhere.
  template <typename T>
  std::vector<T> GatherOnZero(const std::vector<T>& mine) {
    std::vector<std::vector<T>> out(ranks_);
    out[0] = mine;
    return AllToAll(out);
  }

  // Every rank's `mine`, concatenated in rank order, on every rank.
  template <typename T>
  std::vector<T> GatherOnAll(const std::vector<T>& mine) {
    static_assert(std::is_trivially_copyable_v<T>);
    const std::vector<uint64_t> bytes = AllSizes(mine.size() * sizeof(T));
    uint64_t total = 0;
    for (uint64_t b : bytes) total += b;
    std::vector<T> all(total / sizeof(T));
    GatherOnAllBytes(reinterpret_cast<const char*>(mine.data()), bytes,
                     reinterpret_cast<char*>(all.data()), sizeof(T));
    return all;
  }

  // Rank 0's `v` on every rank (resized there).
  template <typename T>
  void Broadcast(std::vector<T>& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    uint64_t n = v.size();
    MPI_Bcast(&n, 1, MPI_UINT64_T, 0, comm_);
    v.resize(n);
    BroadcastBytes(reinterpret_cast<char*>(v.data()), n * sizeof(T), sizeof(T));
  }

  // What went through MPI from and to this rank (its data for itself left
  // out), and the rounds taken: all exchanges, and the most of one.
  uint64_t bytes_sent() const { return sent_; }
  uint64_t bytes_received() const { return received_; }
  uint64_t rounds() const { return rounds_; }
  uint64_t most_rounds() const { return most_rounds_; }

 private:
  struct Part {
    const char* data;
    uint64_t bytes;
  };
  // The bytes each rank sends this one (MPI_Alltoall).
  std::vector<uint64_t> Counts(const std::vector<Part>& send);
  // Every rank's `bytes` (MPI_Allgather).
  std::vector<uint64_t> AllSizes(uint64_t bytes);
  // The largest count of rounds any rank needs for `bytes` to one peer.
  uint64_t Rounds(uint64_t my_most_bytes, uint64_t chunk);
  // Bytes per peer per round, a multiple of `element`.
  uint64_t Chunk(uint64_t element, int peers) const;
  void AllToAllBytes(const std::vector<Part>& send,
                     const std::vector<uint64_t>& recv_bytes, char* in,
                     uint64_t element);
  void GatherOnAllBytes(const char* mine, const std::vector<uint64_t>& bytes,
                        char* all, uint64_t element);
  void BroadcastBytes(char* data, uint64_t bytes, uint64_t element);

  MPI_Comm comm_;
  int rank_ = 0;
  int ranks_ = 1;
  uint64_t round_bytes_;
  uint64_t sent_ = 0;
  uint64_t received_ = 0;
  uint64_t rounds_ = 0;
  uint64_t most_rounds_ = 0;
};

}  // namespace mimeo::mpi

#endif  // MIMEO_TOOLS_MPI_EXCHANGE_H_
