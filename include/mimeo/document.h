// The unit of input, and the identifiers documents go by inside mimeo.
#ifndef MIMEO_DOCUMENT_H_
#define MIMEO_DOCUMENT_H_

#include <cstdint>
#include <optional>
#include <string>

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
};

// A dense number the index stages use for a document. The Engine numbers
// documents 0, 1, 2, ... in the order they were added; a caller using a
// stage directly chooses its own.
using DocId = uint32_t;

}  // namespace mimeo

#endif  // MIMEO_DOCUMENT_H_
