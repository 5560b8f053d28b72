// The unit of input, and the identifiers documents go by inside mimeo.
#ifndef MIMEO_DOCUMENT_H_
#define MIMEO_DOCUMENT_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"

namespace mimeo {

// Where a document's text can be read again byte for byte: `length` bytes
// at `offset` of the file `path` are exactly Document::text. An index on
// disk (Engine::Open()) that keeps texts stores this instead of the
// compressed text (Document::text_at), and reads the range back whenever
// it needs the text, checking it against the text's hash: a file changed,
// moved or removed since is an error naming the file and the document,
// never a wrong passage.
struct TextReference {
  std::string path;  // absolute, so that any working directory finds it
  uint64_t offset = 0;
  uint64_t length = 0;
};

// A document as callers hand it to the Engine.
struct Document {
  // The caller's name for it: a path, a URL, a database key. Unique within
  // an Engine; at most 64 KiB.
  std::string id;
  // The text, any bytes: invalid UTF-8 is repaired and counted, not refused.
  std::string text;
  // When it was published, if known: seconds since 1970 (what the command
  // reads). Used to name the likely origin of a copy family, and by the
  // copy judge to tell a burst of reprints from a template
  // (PassageJudge::Options::burst_seconds): other increasing numbers name
  // origins as well, and, counted in days, leave only the judge's "an
  // eighth of the collection's span"; in milliseconds its week is ten
  // minutes.
  std::optional<int64_t> date;
  // Where it comes from, if known: a site, an outlet, a mailing list, a
  // folder. Text that many documents of few sources hold is their template;
  // text that many sources hold is a story they reprinted (PassageJudge).
  // Documents without one count as one source together. At most 64 KiB.
  std::string source;
  // Set when the caller keeps the original and `text` is an exact range of
  // a file (TextReference): an on-disk index stores the reference rather
  // than the text. Ignored by an in-memory engine and by an index that
  // keeps no texts. The engine does not read the range on Add; `text` is
  // still required, and what is indexed.
  std::optional<TextReference> text_at;
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
