// The parameters that decide every hash value mimeo keeps: how text is
// normalized, tokenized and shingled, and how shingles are MinHashed.
//
// Two sketches are comparable only when these agree. A snapshot file holds
// them in its header; Engine::Load() compares them with its options and
// refuses a file whose parameters differ, naming the first that does; a
// SketchedBatch carries them so that Commit() refuses another engine's
// batch. Everything else (thresholds, LSH banding, boilerplate rules,
// winnowing, which the engine redoes on load) may change from run to run.
//
// This is the one place that lists them: writing, reading, comparing and
// explaining go through Fields() and Difference().
#ifndef MIMEO_HASHING_PARAMS_H_
#define MIMEO_HASHING_PARAMS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/types/span.h"
#include "mimeo/minhash.h"
#include "mimeo/normalize.h"
#include "mimeo/shingle.h"
#include "mimeo/tokenize.h"

namespace mimeo {

struct HashingParams {
  // Defaults: those of the stages' options.
  // Normalizer::Options.
  bool nfkc = Normalizer::Options{}.nfkc;
  bool case_fold = Normalizer::Options{}.case_fold;
  bool fold_whitespace = Normalizer::Options{}.fold_whitespace;
  bool fold_punctuation = Normalizer::Options{}.fold_punctuation;
  // Tokenizer::Options; char_ngram is 0 in word mode, where it is unused.
  Tokenizer::Mode tokenizer_mode = Tokenizer::Options{}.mode;
  int char_ngram = 0;
  // Shingler::Options.
  int shingle_k = Shingler::Options{}.k;
  uint64_t shingle_seed = Shingler::Options{}.seed;
  TokenHash token_hash = Shingler::Options{}.token_hash;
  // MinHasher::Options.
  int num_perm = MinHasher::Options{}.num_perm;
  MinHashScheme minhash_scheme = MinHasher::Options{}.scheme;
  uint64_t minhash_seed = MinHasher::Options{}.seed;

  // The parameters of these stage options.
  static HashingParams Of(const Normalizer::Options& normalize,
                          const Tokenizer::Options& tokenize,
                          const Shingler::Options& shingle,
                          const MinHasher::Options& minhash);
  // Sets these parameters in the stage options, leaving their other
  // fields (a normalizer's offsets, say) as they are.
  void ApplyTo(Normalizer::Options& normalize, Tokenizer::Options& tokenize,
               Shingler::Options& shingle, MinHasher::Options& minhash) const;

  // Every parameter as (name, value), in a fixed order: "normalize.nfkc",
  // "normalize.case_fold", "normalize.fold_whitespace",
  // "normalize.fold_punctuation", "tokenize.mode", "tokenize.char_ngram",
  // "shingle.k", "shingle.seed", "shingle.token_hash", "minhash.num_perm",
  // "minhash.scheme", "minhash.seed". Enums are their numeric values.
  std::vector<std::pair<std::string_view, uint64_t>> Fields() const;

  // The parameters Fields() gave, read back: every name must be there, once,
  // and no other; nullopt otherwise, or when a value does not fit its field.
  // The one exception is "shingle.token_hash", which lists written before
  // it existed lack: they mean TokenHash::kXxh3, the only hash of then.
  static std::optional<HashingParams> FromFields(
      absl::Span<const std::pair<std::string, uint64_t>> fields);

  // The first parameter that differs, as "shingle.k is 5 in <mine> but 4
  // in <theirs>", or "" when all agree.
  std::string Difference(const HashingParams& theirs, std::string_view mine,
                         std::string_view theirs_name) const;

  bool operator==(const HashingParams&) const = default;
};

}  // namespace mimeo

#endif  // MIMEO_HASHING_PARAMS_H_
