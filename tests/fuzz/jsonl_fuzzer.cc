// Fuzz target: reading JSONL documents and mbox files (input.h) from any
// bytes.
//
// Input: a byte of options (bits 0-1: text format auto, text, HTML or
// mail; bit 2: strict; bit 3: the file is named in.mbox, read as mail
// messages, instead of in.jsonl), then the file. Reads every document, remembering the
// texts, with a "date" field and a 4 KiB document limit. Checks that ids
// are unique and not empty, that no text is over the limit, that every
// text can be read again as it was (InputTexts), and that the counts add
// up.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_util.h"
#include "input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using mimeo::cli::InputReader;
  if (size == 0) return 0;
  mimeo::cli::InputOptions o;
  o.text_format = static_cast<mimeo::cli::TextFormat>(data[0] & 3);
  o.strict = (data[0] & 4) != 0;
  o.quiet = true;
  o.date_field = "date";
  o.max_document_bytes = 4096;
  o.remember_texts = true;
  const std::string path = mimeo::fuzz::Scratch().Write(
      (data[0] & 8) != 0 ? "in.mbox" : "in.jsonl",
      std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1));

  absl::StatusOr<std::unique_ptr<InputReader>> reader =
      InputReader::Open({path}, o);
  FUZZ_CHECK(reader.ok());
  std::vector<mimeo::Document> all;
  std::vector<mimeo::Document> batch;
  bool stopped = false;
  for (;;) {
    absl::StatusOr<bool> more = (*reader)->Next(batch, 1024);
    if (!more.ok()) {
      // Only strict reading stops at a problem, and the batch it was
      // reading is lost.
      FUZZ_CHECK(o.strict);
      stopped = true;
      break;
    }
    if (!*more) break;
    for (mimeo::Document& d : batch) all.push_back(std::move(d));
  }
  const mimeo::cli::InputCounts& c = (*reader)->counts();
  FUZZ_CHECK(stopped ? c.documents >= all.size() : c.documents == all.size());
  std::set<std::string> ids;
  for (size_t n = 0; n < all.size(); ++n) {
    const mimeo::Document& d = all[n];
    FUZZ_CHECK(!d.id.empty());
    FUZZ_CHECK(ids.insert(d.id).second);
    FUZZ_CHECK(d.text.size() <= o.max_document_bytes);
    absl::StatusOr<std::string> again =
        (*reader)->texts()->Text(static_cast<mimeo::DocId>(n), d.id);
    FUZZ_CHECK(again.ok());
    FUZZ_CHECK(*again == d.text);
  }
  return 0;
}
