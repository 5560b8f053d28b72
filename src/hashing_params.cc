#include "mimeo/hashing_params.h"

#include "absl/strings/str_format.h"

namespace mimeo {

HashingParams HashingParams::Of(const Normalizer::Options& normalize,
                                const Tokenizer::Options& tokenize,
                                const Shingler::Options& shingle,
                                const MinHasher::Options& minhash) {
  HashingParams p;
  p.nfkc = normalize.nfkc;
  p.case_fold = normalize.case_fold;
  p.fold_whitespace = normalize.fold_whitespace;
  p.fold_punctuation = normalize.fold_punctuation;
  p.tokenizer_mode = tokenize.mode;
  p.char_ngram =
      tokenize.mode == Tokenizer::Mode::kCharNgrams ? tokenize.char_ngram : 0;
  p.shingle_k = shingle.k;
  p.shingle_seed = shingle.seed;
  p.num_perm = minhash.num_perm;
  p.minhash_scheme = minhash.scheme;
  p.minhash_seed = minhash.seed;
  return p;
}

void HashingParams::ApplyTo(Normalizer::Options& normalize,
                            Tokenizer::Options& tokenize,
                            Shingler::Options& shingle,
                            MinHasher::Options& minhash) const {
  normalize.nfkc = nfkc;
  normalize.case_fold = case_fold;
  normalize.fold_whitespace = fold_whitespace;
  normalize.fold_punctuation = fold_punctuation;
  tokenize.mode = tokenizer_mode;
  if (char_ngram != 0) tokenize.char_ngram = char_ngram;
  shingle.k = shingle_k;
  shingle.seed = shingle_seed;
  minhash.num_perm = num_perm;
  minhash.scheme = minhash_scheme;
  minhash.seed = minhash_seed;
}

std::vector<std::pair<std::string_view, uint64_t>> HashingParams::Fields()
    const {
  return {{"normalize.nfkc", nfkc},
          {"normalize.case_fold", case_fold},
          {"normalize.fold_whitespace", fold_whitespace},
          {"normalize.fold_punctuation", fold_punctuation},
          {"tokenize.mode", static_cast<uint64_t>(tokenizer_mode)},
          {"tokenize.char_ngram", static_cast<uint64_t>(char_ngram)},
          {"shingle.k", static_cast<uint64_t>(shingle_k)},
          {"shingle.seed", shingle_seed},
          {"minhash.num_perm", static_cast<uint64_t>(num_perm)},
          {"minhash.scheme", static_cast<uint64_t>(minhash_scheme)},
          {"minhash.seed", minhash_seed}};
}

std::string HashingParams::Difference(const HashingParams& theirs,
                                      std::string_view mine,
                                      std::string_view theirs_name) const {
  const auto a = Fields();
  const auto b = theirs.Fields();
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].second != b[i].second) {
      return absl::StrFormat("%s is %d in %s but %d in %s", a[i].first,
                             a[i].second, mine, b[i].second, theirs_name);
    }
  }
  return "";
}

}  // namespace mimeo
