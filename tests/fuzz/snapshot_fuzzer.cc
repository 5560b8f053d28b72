// Fuzz target: loading a snapshot (Engine::Load, snapshot.cc) from any
// bytes.
//
// Input: the file. Its checksums are recomputed first, as anyone can (XXH3
// is not keyed), so that mutations reach the payload parser instead of
// stopping at a checksum mismatch: the magic is set, payload_bytes is the
// size after the 128-byte header, and both checksums are those of the bytes.
// Then ReadSnapshotInfo and, with the parameters it found, Load; a loaded
// engine is queried, clustered, saved and loaded again, which must give
// the same documents.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>

#include "fuzz_util.h"
#include "mimeo/engine.h"
#include "xxhash.h"

namespace {

// Offsets in the header (SnapshotHeader in snapshot.cc).
constexpr size_t kHeaderBytes = 128;
constexpr size_t kPayloadBytesAt = 80;
constexpr size_t kPayloadChecksumAt = 88;
constexpr size_t kHeaderChecksumAt = 120;

void Put64(std::string& s, size_t at, uint64_t v) {
  std::memcpy(s.data() + at, &v, sizeof(v));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string file(reinterpret_cast<const char*>(data), size);
  if (file.size() >= kHeaderBytes) {
    std::memcpy(file.data(), "MIMEOSNP", 8);
    Put64(file, kPayloadBytesAt, file.size() - kHeaderBytes);
    Put64(file, kPayloadChecksumAt,
          XXH3_64bits(file.data() + kHeaderBytes, file.size() - kHeaderBytes));
    Put64(file, kHeaderChecksumAt, XXH3_64bits(file.data(), kHeaderChecksumAt));
  }
  const mimeo::fuzz::ScratchDir& scratch = mimeo::fuzz::Scratch();
  const std::string path = scratch.Write("in.mimeo", file);

  auto info = mimeo::Engine::ReadSnapshotInfo(path);
  if (!info.ok()) return 0;
  mimeo::Engine::Options o = info->options;
  o.threads = 1;
  auto engine = mimeo::Engine::Load(path, o);
  if (!engine.ok()) return 0;
  mimeo::Engine& e = **engine;
  FUZZ_CHECK(e.stats().documents == info->num_live);

  FUZZ_CHECK(e.Query("the quick brown fox jumps over the lazy dog").ok());
  FUZZ_CHECK(e.Cluster().ok());
  const std::string again = scratch.Path("again.mimeo");
  FUZZ_CHECK(e.Save(again).ok());
  auto reloaded = mimeo::Engine::Load(again, o);
  FUZZ_CHECK(reloaded.ok());
  FUZZ_CHECK((*reloaded)->stats().documents == e.stats().documents);
  return 0;
}
