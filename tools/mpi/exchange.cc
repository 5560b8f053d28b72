#include "exchange.h"

#include <algorithm>
#include <cstring>

namespace mimeo::mpi {

Exchanger::Exchanger(MPI_Comm comm, uint64_t round_bytes)
    : comm_(comm),
      round_bytes_(std::clamp<uint64_t>(round_bytes, 1, kMaxRoundBytes)) {
  MPI_Comm_rank(comm_, &rank_);
  MPI_Comm_size(comm_, &ranks_);
}

std::vector<uint64_t> Exchanger::Counts(const std::vector<Part>& send) {
  std::vector<uint64_t> send_bytes(ranks_), recv_bytes(ranks_);
  for (int r = 0; r < ranks_; ++r) send_bytes[r] = send[r].bytes;
  MPI_Alltoall(send_bytes.data(), 1, MPI_UINT64_T, recv_bytes.data(), 1,
               MPI_UINT64_T, comm_);
  return recv_bytes;
}

std::vector<uint64_t> Exchanger::AllSizes(uint64_t bytes) {
  std::vector<uint64_t> all(ranks_);
  MPI_Allgather(&bytes, 1, MPI_UINT64_T, all.data(), 1, MPI_UINT64_T, comm_);
  return all;
}

uint64_t Exchanger::Chunk(uint64_t element, int peers) const {
  // At least one element per peer, so that every exchange ends even when
  // round_bytes_ is smaller than an element times the peers; then a round
  // may exceed round_bytes_ by less than that, far below MPI's limit.
  const uint64_t per_peer =
      round_bytes_ / static_cast<uint64_t>(std::max(1, peers));
  return std::max<uint64_t>(element, per_peer / element * element);
}

uint64_t Exchanger::Rounds(uint64_t my_most_bytes, uint64_t chunk) {
  uint64_t mine = (my_most_bytes + chunk - 1) / chunk, rounds = 0;
  MPI_Allreduce(&mine, &rounds, 1, MPI_UINT64_T, MPI_MAX, comm_);
  rounds_ += rounds;
  most_rounds_ = std::max(most_rounds_, rounds);
  return rounds;
}

void Exchanger::AllToAllBytes(const std::vector<Part>& send,
                              const std::vector<uint64_t>& recv_bytes, char* in,
                              uint64_t element) {
  // Where each source's bytes go in `in`.
  std::vector<uint64_t> at(ranks_ + 1, 0);
  for (int r = 0; r < ranks_; ++r) at[r + 1] = at[r] + recv_bytes[r];
  if (send[rank_].bytes > 0) {
    std::memcpy(in + at[rank_], send[rank_].data, send[rank_].bytes);
  }
  const uint64_t chunk = Chunk(element, ranks_ - 1);
  uint64_t most = 0, send_total = 0, recv_total = 0;
  for (int r = 0; r < ranks_; ++r) {
    if (r == rank_) continue;
    most = std::max({most, send[r].bytes, recv_bytes[r]});
    send_total += send[r].bytes;
    recv_total += recv_bytes[r];
  }
  sent_ += send_total;
  received_ += recv_total;
  const uint64_t rounds = Rounds(most, chunk);
  if (rounds == 0) return;
  // The k-th round carries bytes [k * chunk, (k + 1) * chunk) of each
  // peer's data.
  const auto part = [&](uint64_t bytes, uint64_t round) {
    const uint64_t begin = round * chunk;
    return bytes > begin ? std::min(chunk, bytes - begin) : uint64_t{0};
  };
  std::vector<char> send_buffer(std::min(send_total, chunk * (ranks_ - 1)));
  std::vector<char> recv_buffer(std::min(recv_total, chunk * (ranks_ - 1)));
  std::vector<int> send_counts(ranks_), send_displs(ranks_);
  std::vector<int> recv_counts(ranks_), recv_displs(ranks_);
  for (uint64_t round = 0; round < rounds; ++round) {
    int s = 0, v = 0;
    for (int r = 0; r < ranks_; ++r) {
      const uint64_t out = r == rank_ ? 0 : part(send[r].bytes, round);
      const uint64_t got = r == rank_ ? 0 : part(recv_bytes[r], round);
      if (out > 0) {
        std::memcpy(send_buffer.data() + s, send[r].data + round * chunk, out);
      }
      send_counts[r] = static_cast<int>(out);
      send_displs[r] = s;
      recv_counts[r] = static_cast<int>(got);
      recv_displs[r] = v;
      s += static_cast<int>(out);
      v += static_cast<int>(got);
    }
    MPI_Alltoallv(send_buffer.data(), send_counts.data(), send_displs.data(),
                  MPI_BYTE, recv_buffer.data(), recv_counts.data(),
                  recv_displs.data(), MPI_BYTE, comm_);
    for (int r = 0; r < ranks_; ++r) {
      if (recv_counts[r] == 0) continue;
      std::memcpy(in + at[r] + round * chunk,
                  recv_buffer.data() + recv_displs[r],
                  static_cast<size_t>(recv_counts[r]));
    }
  }
}

void Exchanger::GatherOnAllBytes(const char* mine,
                                 const std::vector<uint64_t>& bytes, char* all,
                                 uint64_t element) {
  std::vector<uint64_t> at(ranks_ + 1, 0);
  for (int r = 0; r < ranks_; ++r) at[r + 1] = at[r] + bytes[r];
  if (bytes[rank_] > 0) std::memcpy(all + at[rank_], mine, bytes[rank_]);
  if (ranks_ == 1) return;
  sent_ += bytes[rank_] * static_cast<uint64_t>(ranks_ - 1);
  received_ += at[ranks_] - bytes[rank_];
  // Each round, every rank's next chunk; a rank's chunk bounds what every
  // rank receives in a round to round_bytes_.
  const uint64_t chunk = Chunk(element, ranks_);
  const uint64_t rounds = Rounds(bytes[rank_], chunk);
  const auto part = [&](uint64_t n, uint64_t round) {
    const uint64_t begin = round * chunk;
    return n > begin ? std::min(chunk, n - begin) : uint64_t{0};
  };
  std::vector<char> buffer(std::min(at[ranks_], chunk * ranks_));
  std::vector<int> counts(ranks_), displs(ranks_);
  for (uint64_t round = 0; round < rounds; ++round) {
    int v = 0;
    for (int r = 0; r < ranks_; ++r) {
      counts[r] = static_cast<int>(part(bytes[r], round));
      displs[r] = v;
      v += counts[r];
    }
    MPI_Allgatherv(mine + std::min(bytes[rank_], round * chunk), counts[rank_],
                   MPI_BYTE, buffer.data(), counts.data(), displs.data(),
                   MPI_BYTE, comm_);
    for (int r = 0; r < ranks_; ++r) {
      if (r == rank_ || counts[r] == 0) continue;
      std::memcpy(all + at[r] + round * chunk, buffer.data() + displs[r],
                  static_cast<size_t>(counts[r]));
    }
  }
}

void Exchanger::BroadcastBytes(char* data, uint64_t bytes, uint64_t element) {
  if (ranks_ == 1 || bytes == 0) return;
  if (rank_ == 0) {
    sent_ += bytes * static_cast<uint64_t>(ranks_ - 1);
  } else {
    received_ += bytes;
  }
  const uint64_t chunk = Chunk(element, 1);
  const uint64_t rounds = (bytes + chunk - 1) / chunk;
  rounds_ += rounds;
  most_rounds_ = std::max(most_rounds_, rounds);
  for (uint64_t done = 0; done < bytes; done += chunk) {
    MPI_Bcast(data + done, static_cast<int>(std::min(chunk, bytes - done)),
              MPI_BYTE, 0, comm_);
  }
}

}  // namespace mimeo::mpi
