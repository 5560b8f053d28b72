// Progress of a long call: which phase it is in, and how far along.
//
// Engine::Cluster(), Engine::SharedCopy() and the pair streams
// (pair_stream.h) take a ProgressHook and report each phase of their work
// through it, so that a caller can draw a bar with an estimate of the time
// left for every phase, not only for reading:
//
//   engine->Cluster([](std::string_view phase, uint64_t done,
//                      uint64_t total) {
//     std::fprintf(stderr, "\r%.*s %llu/%llu", int(phase.size()),
//                  phase.data(), (unsigned long long)done,
//                  (unsigned long long)total);
//   });
//
// The contract a hook can rely on:
//   * it is called on the thread that made the call, never on two threads
//     at once, and not while a parallel loop is running (between blocks of
//     work), so it needs no lock of its own and costs nothing per item;
//   * phases come one after the other, each announced first with done 0
//     and ended with done == total; within a phase `total` stays the same
//     and `done` never decreases (a phase with nothing to do is one
//     call, 0 of 0);
//   * the phase names are the kProgress* constants below, so that a caller
//     may word them its own way.
// A hook must not call back into the engine that reports to it with a
// write (Add, Remove): the engine holds its shared lock meanwhile.
#ifndef MIMEO_PROGRESS_H_
#define MIMEO_PROGRESS_H_

#include <cstdint>
#include <functional>
#include <string_view>

namespace mimeo {

// (phase, done, total): see above. An empty hook reports nothing.
using ProgressHook =
    std::function<void(std::string_view phase, uint64_t done, uint64_t total)>;

// Near-duplicates (Cluster(), NearDuplicatePairs()): the LSH join (one
// step: 0 of 1, then 1 of 1), verifying candidate pairs (counted in
// pairs), grouping the verified pairs into clusters (one step; Cluster()
// only).
inline constexpr std::string_view kProgressLshJoin = "joining LSH bands";
inline constexpr std::string_view kProgressVerify = "verifying candidates";
inline constexpr std::string_view kProgressCluster = "clustering";
// Shared copy (SharedCopy(), SharedCopyPairs()): aligning each document
// with the earlier ones sharing fingerprints with it (counted in
// documents), handing the pairs over in order (counted in pairs: the
// sorted runs merged, pair_stream.h), grouping passages into families and
// clusters (one step; SharedCopy() only).
inline constexpr std::string_view kProgressAlign = "aligning documents";
inline constexpr std::string_view kProgressMerge = "handing over pairs";
inline constexpr std::string_view kProgressFamilies = "grouping copy families";

}  // namespace mimeo

#endif  // MIMEO_PROGRESS_H_
