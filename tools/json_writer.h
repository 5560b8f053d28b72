// A JSON writer that appends straight to a string: what the JSONL output
// needs, a few hundred thousand small objects, without building a document
// tree first. Strings come out as valid UTF-8 (RepairUtf8) with the
// escapes RFC 8259 requires; doubles in their shortest round-trip form,
// with ".0" on whole numbers so that they read back as numbers with a
// fraction. The caller writes well-formed JSON: the writer places commas
// and colons but does not check nesting.
//
//   JsonWriter w;
//   w.BeginObject();
//   w.Key("id"); w.String(id);
//   w.Key("score"); w.Double(0.5);
//   w.EndObject();
//   fputs(w.str().c_str(), out);
#ifndef MIMEO_TOOLS_JSON_WRITER_H_
#define MIMEO_TOOLS_JSON_WRITER_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace mimeo::cli {

class JsonWriter {
 public:
  void BeginObject() { Open('{'); }
  void EndObject() { Close('}'); }
  void BeginArray() { Open('['); }
  void EndArray() { Close(']'); }
  // An object's key; the value written next belongs to it.
  void Key(std::string_view key);
  void String(std::string_view s);
  void Uint(uint64_t v);
  void Double(double v);
  void Bool(bool v);
  void Null();

  const std::string& str() const { return out_; }
  // Empties the text for the next line, keeping its capacity.
  void Clear() {
    out_.clear();
    first_ = true;
  }

 private:
  void Open(char c);
  void Close(char c);
  // A comma before every value but the first in its container.
  void Separate();

  std::string out_;
  // No value written yet in the innermost container (or after a key).
  bool first_ = true;
};

// `s` as a JSON string literal, quotes included.
std::string JsonString(std::string_view s);

}  // namespace mimeo::cli

#endif  // MIMEO_TOOLS_JSON_WRITER_H_
