// The unit of input, and the identifiers documents go by inside mimeo.
#ifndef MIMEO_DOCUMENT_H_
#define MIMEO_DOCUMENT_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"

namespace mimeo {

// A document as callers hand it to the Engine.
struct Document {
  // The caller's name for it: a path, a URL, a database key. Unique within
  // an Engine; at most 64 KiB.
  std::string id;
  // The text, any bytes: invalid UTF-8 is repaired and counted, not refused.
  std::string text;
  // When it was published, if known: any increasing number, such as seconds
  // since 1970. Used to name the likely origin of a copy family.
  std::optional<int64_t> date;
  // Where it comes from, if known: a site, an outlet, a mailing list, a
  // folder. Text that many documents of few sources hold is their template;
  // text that many sources hold is a story they reprinted (PassageJudge).
  // Documents without one count as one source together. At most 64 KiB.
  std::string source;
};

// A dense number the index stages use for a document. The Engine numbers
// documents 0, 1, 2, ... in the order they were added; a caller using a
// stage directly chooses its own.
using DocId = uint32_t;

// Where an Engine that does not keep texts in memory finds them again
// (Engine::Options::text_source): the files they were read from, a
// database, a spill file. The engine asks only when it must cut passages
// out of a text, and checks that the text it gets back is the one it was
// given (a 64-bit hash taken on Add), so a file edited since is reported,
// never aligned wrongly.
class TextSource {
 public:
  virtual ~TextSource() = default;
  // The text of document `doc`, added under `id`, byte for byte as it was
  // added. Called from several threads at once. An error (a file gone or
  // unreadable) is passed on to the caller of Query(), SharedCopy(),
  // text() or Save() with the id in front.
  virtual absl::StatusOr<std::string> Text(DocId doc,
                                           const std::string& id) const = 0;
};

}  // namespace mimeo

#endif  // MIMEO_DOCUMENT_H_
