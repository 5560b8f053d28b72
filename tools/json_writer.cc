#include "json_writer.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "utf8.h"

namespace mimeo::cli {
namespace {

void AppendEscaped(std::string_view s, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  size_t run = 0;  // start of the bytes not yet copied
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.substr(run, i - run));
    run = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        out += "\\u00";
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 15]);
    }
  }
  out.append(s.substr(run));
  out.push_back('"');
}

void AppendString(std::string_view s, std::string& out) {
  const bool ascii = std::all_of(s.begin(), s.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x80;
  });
  if (ascii) {
    AppendEscaped(s, out);
  } else {
    AppendEscaped(RepairUtf8(s), out);
  }
}

}  // namespace

void JsonWriter::Separate() {
  if (!first_) out_.push_back(',');
  first_ = false;
}

void JsonWriter::Open(char c) {
  Separate();
  out_.push_back(c);
  first_ = true;
}

void JsonWriter::Close(char c) {
  out_.push_back(c);
  first_ = false;
}

void JsonWriter::Key(std::string_view key) {
  Separate();
  AppendString(key, out_);
  out_.push_back(':');
  first_ = true;
}

void JsonWriter::String(std::string_view s) {
  Separate();
  AppendString(s, out_);
}

void JsonWriter::Uint(uint64_t v) {
  Separate();
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out_.append(buf, r.ptr);
}

void JsonWriter::Double(double v) {
  Separate();
  // JSON has no NaN or infinity.
  if (!std::isfinite(v)) {
    out_ += "null";
    return;
  }
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  const std::string_view digits(buf, r.ptr - buf);
  out_.append(digits);
  if (digits.find_first_of(".e") == std::string_view::npos) out_ += ".0";
}

void JsonWriter::Bool(bool v) {
  Separate();
  out_ += v ? "true" : "false";
}

void JsonWriter::Null() {
  Separate();
  out_ += "null";
}

std::string JsonString(std::string_view s) {
  std::string out;
  AppendString(s, out);
  return out;
}

}  // namespace mimeo::cli
