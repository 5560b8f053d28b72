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
  p.token_hash = shingle.token_hash;
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
  shingle.token_hash = token_hash;
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
          {"shingle.token_hash", static_cast<uint64_t>(token_hash)},
          {"minhash.num_perm", static_cast<uint64_t>(num_perm)},
          {"minhash.scheme", static_cast<uint64_t>(minhash_scheme)},
          {"minhash.seed", minhash_seed}};
}

std::optional<HashingParams> HashingParams::FromFields(
    absl::Span<const std::pair<std::string, uint64_t>> fields) {
  const auto names = HashingParams().Fields();
  constexpr size_t kTokenHash = 8;  // its place in Fields()
  if (fields.size() != names.size() && fields.size() + 1 != names.size()) {
    return std::nullopt;
  }
  std::vector<uint64_t> v(names.size());
  std::vector<bool> seen(names.size(), false);
  for (const auto& [name, value] : fields) {
    size_t i = 0;
    while (i < names.size() && names[i].first != name) ++i;
    if (i == names.size() || seen[i]) return std::nullopt;
    seen[i] = true;
    v[i] = value;
  }
  for (size_t i = 0; i < names.size(); ++i) {
    if (!seen[i] && i != kTokenHash) return std::nullopt;
  }
  if (!seen[kTokenHash]) {
    v[kTokenHash] = static_cast<uint64_t>(TokenHash::kXxh3);
  }
  // In Fields() order.
  HashingParams p;
  p.nfkc = v[0] != 0;
  p.case_fold = v[1] != 0;
  p.fold_whitespace = v[2] != 0;
  p.fold_punctuation = v[3] != 0;
  p.tokenizer_mode = static_cast<Tokenizer::Mode>(v[4]);
  p.char_ngram = static_cast<int>(v[5]);
  p.shingle_k = static_cast<int>(v[6]);
  p.shingle_seed = v[7];
  p.token_hash = static_cast<TokenHash>(v[kTokenHash]);
  p.num_perm = static_cast<int>(v[9]);
  p.minhash_scheme = static_cast<MinHashScheme>(v[10]);
  p.minhash_seed = v[11];
  // A value that did not fit its field reads back differently.
  const auto back = p.Fields();
  for (size_t i = 0; i < back.size(); ++i) {
    if (back[i].second != v[i]) return std::nullopt;
  }
  return p;
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
