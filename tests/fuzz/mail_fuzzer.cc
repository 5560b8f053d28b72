// Fuzz target: mail to text (mail_text.h) on any bytes.
//
// Input: the message. Runs LooksLikeMail, LooksLikeMbox, MailHeader and
// MailToText, documented to take anything. Checks that the text is at most
// three times the message's size plus a little (decoding shrinks; only a
// charset turned into UTF-8 grows, by three bytes a byte at most), and that
// a text that is not mail comes back as it is, but for its line ends.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_util.h"
#include "mail_text.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view message(reinterpret_cast<const char*>(data), size);
  const bool mail = mimeo::cli::LooksLikeMail(message);
  (void)mimeo::cli::LooksLikeMbox(message);
  (void)mimeo::cli::MailHeader(message, "Date");
  const mimeo::cli::MailText text = mimeo::cli::MailToText(message);
  FUZZ_CHECK(text.text.size() <= 3 * size + 16);
  if (!mail) {
    std::string plain;
    for (size_t i = 0; i < size; ++i) {
      if (message[i] == '\r' && i + 1 < size && message[i + 1] == '\n') {
        continue;
      }
      plain.push_back(message[i]);
    }
    FUZZ_CHECK(text.text == plain);
    FUZZ_CHECK(!text.had_headers);
  }
  return 0;
}
