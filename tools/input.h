// Reading documents for the command line: files, directory trees, JSONL
// dumps (plain, gzip or zstd) and standard input, in batches.
//
// What becomes a document, and its id:
//   * a directory is walked recursively in sorted order; it yields .txt,
//     .md, .html/.htm, mail (.eml, .mbox, .mbx) and JSONL files (.jsonl,
//     .ndjson, optionally .gz or .zst after), and the messages of a
//     Maildir (the files in its cur/ and new/ folders, whatever their
//     names). A file's id is its path relative to the directory.
//     With include patterns (InputOptions::include), a walk yields the
//     files that match one instead, whatever their extension: HTML and
//     JSONL by their names as above, any other (extensionless ones such as
//     */copyright too) as text. Files and folders matching an exclude
//     pattern are passed by either way. Without include patterns, the
//     files of other names are counted and named by what they end in
//     (InputCounts::passed_by_note, a warning unless quiet).
//   * a file named on the command line is read whatever its extension (as
//     HTML when it ends in .html/.htm, as JSONL when it ends in .jsonl or
//     .ndjson, before any .gz/.zst); its id is the path as given.
//   * a gzip or zstd file that would be read as text (by its name) is
//     read as JSONL when its first non-blank byte, decompressed, is '{',
//     with a warning that name and content disagree.
//   * with `id_prefix`, every id starts with it: "day2/" + "a.txt".
//   * "-" is standard input: JSONL when its first non-blank byte is '{',
//     otherwise one text document with id "-".
//   * a JSONL line is one document: its text is the string field
//     `text_field`; its id is the field `id_field` (a string, or a number
//     written in decimal), or "FILE:LINE" when the line has none.
//   * an mbox file (named .mbox or .mbx, or any text file that starts like
//     one: LooksLikeMbox in mail_text.h, as a list archive's monthly
//     "2024-March.txt" does) is one document per message, with id
//     "FILE:LINE" of its "From " line. Messages are split at "From " lines
//     that follow a blank line (or start the file); ">From " in a body is
//     unquoted.
// Its date: a JSONL line's `date_field`; a mail message's Date: header,
// or an HTML page's publication time in its <head> (HtmlPage::date in
// html_text.h), when the line has no date field, or for files.
// Its source (Document::source, for telling a template from a reprint):
//   * with `source_field`, a JSONL line's string field of that name, or a
//     mail message's header of that name (e.g. List-Id, or From for
//     telling a sender's signature from text other senders copy);
//   * with `source_folders`, a file's first folder in its id (the top
//     folder under the directory named, or the first folder of the path
//     as given), and a JSONL line's too when it has no source field;
//   * without either, a mail message's List-Id header; a JSONL line's
//     URL's host ("news.example.com" of
//     "https://www.News.example.com:8080/a?b"; "www." dropped), from its
//     string field "url", or "url" inside an object "metadata" or "meta"
//     (as crawl dumps carry it): each site a source; and an HTML page's
//     (a file, or a JSONL line's text without a URL) site as its <head>
//     names it (HtmlPage::site in html_text.h: the host of its canonical
//     link), so a directory of saved pages knows its sites as a mail
//     archive its lists (a page syndicated from another site may name
//     that site: --source-folders then tells a folder of pages per site
//     apart);
//   * otherwise none: every document is of the one unnamed source.
// Compressed files are recognised by their first bytes, not their names.
//
// Which texts are HTML or mail (InputOptions::text_format):
//   * a file named .html/.htm always is HTML, one named .eml, .mbox or
//     .mbx always mail, whatever the format;
//   * kAuto (default): a JSONL text field, and standard input read as one
//     text, are HTML when LooksLikeHtml (html_text.h) says so, else mail
//     when LooksLikeMail (mail_text.h) does (a message with its headers, a
//     MIME body, a quoted-printable body); other files (.txt, .md, any
//     other name: a Maildir's files) are mail when they look like mail
//     (or an mbox, above), else plain text;
//   * kHtml: every text is HTML: JSONL fields, standard input, and files
//     of any name but mail's;
//   * kMail: every text is mail: JSONL fields, standard input, and files
//     of any name but HTML's;
//   * kText: JSONL fields, standard input and files of other names are
//     plain text, even when they hold markup or mail headers.
// HTML is turned into its visible text (html_text.h), mail into its
// decoded body (mail_text.h): passages' byte offsets then count in that
// text, not in the markup or the message, wherever it came from.
//
// Bad input never stops the run unless `strict` is set; each problem is a
// warning naming the file (and line), and is counted:
//   * a binary file (a NUL byte in its first 8 KiB) is skipped;
//   * an unreadable, corrupt or truncated file is skipped (a JSONL file
//     keeps the lines read before the damage);
//   * a malformed JSONL line (not JSON, not an object, no string text
//     field, longer than the document limit) is skipped;
//   * invalid UTF-8 in a JSONL line is repaired (U+FFFD) and counted; in a
//     text file it is left for the engine, which repairs and counts it;
//   * a document over the size limit is skipped;
//   * a document whose id is one to skip (InputReader::SkipIds()) is
//     passed by (counted apart, as skipped_existing, with no warning);
//   * an id seen before is renamed "FILE:LINE" (JSONL), or the file is
//     skipped when the same file is named twice (a link to a file read
//     before: the warning names both). A file a walk finds both as itself
//     and through links is read under its own path, wherever the links
//     sort (a manual whose translations link to the pages they lack:
//     "en/x.html", not "da/x.html"); links to a file the walk does not
//     find itself, the first of them in order;
//   * a date that cannot be read is dropped (the document is kept).
// A path that does not exist is always fatal (NotFound, naming it).
// With `strict`, the first problem is fatal instead (InvalidArgument or
// DataLoss, naming the file and line); a text over the limit once decoded
// is found when its batch is converted, after the batch is read.
//
// With `remember_texts`, the reader notes where each document came from,
// so that InputTexts can read its text again when passages are shown,
// instead of every text staying in memory:
//   * a text file is read again;
//   * a JSONL line of a plain (uncompressed) file is read again at its
//     offset and parsed;
//   * a text that cannot be found again cheaply (standard input, a line of
//     a compressed file, HTML, whose parsing costs more than aligning it,
//     and mail) is written, as it is read, to a spill file: an
//     unlinked temporary file in $TMPDIR (else /tmp) that disappears with
//     the process, whatever way it ends.
#ifndef MIMEO_TOOLS_INPUT_H_
#define MIMEO_TOOLS_INPUT_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "mimeo/document.h"

namespace mimeo::cli {

class ByteStream;

// How texts that are not .html/.htm or mail files are read (see above).
enum class TextFormat {
  kAuto,  // HTML or mail when it looks like it
  kText,  // as it is
  kHtml,  // always HTML
  kMail,  // always mail
};

struct InputOptions {
  std::string text_field = "text";
  std::string id_field = "id";
  // JSONL field holding the publication date: seconds since 1970 as a
  // number, or a string "2024-03-01" or "2024-03-01T12:00:00Z" (RFC 3339).
  // Empty (default): documents carry no date.
  std::string date_field;
  // JSONL field holding the document's source (a site, an outlet, a list);
  // for mail, the header. Empty (default): the line's URL's host, a
  // message's List-Id (see above).
  std::string source_field;
  // A file's first folder is its source (see above). Default off.
  bool source_folders = false;
  // Directory walks: shell patterns (fnmatch) choosing the files read. A
  // pattern with a '/' is matched against the path under the directory
  // named ("2024/*.txt"), one without against the file or folder name
  // alone ("copyright", "*.txt"); '*' matches '/' too. With `include` not
  // empty, a walk reads the files matching one of them, whatever their
  // extension, instead of those of the known extensions; a file or folder
  // (and all in it) matching one of `exclude` is passed by. Files named
  // on the command line are read whatever these say. Default: none.
  std::vector<std::string> include;
  std::vector<std::string> exclude;
  // Put before every document's id (see above). Default: none.
  std::string id_prefix;
  // Which texts are read as HTML or mail; default kAuto (see above).
  TextFormat text_format = TextFormat::kAuto;
  bool strict = false;
  // No warnings on stderr (they are still counted).
  bool quiet = false;
  uint64_t max_document_bytes = uint64_t{256} << 20;
  // Note where each document came from (see above and InputTexts).
  bool remember_texts = false;
  // Set Document::text_at on every document whose text is an exact byte
  // range of a file that can be read again: a whole uncompressed file
  // read as plain text, or a plain (uncompressed) JSONL line read as plain
  // text whose text field holds no escape, so that its bytes are in the
  // line as they are. Not for standard input, compressed files, HTML or
  // mail (the text is converted), or a JSONL text with escapes or repaired
  // UTF-8: those documents carry no reference. Paths are made absolute.
  bool reference_texts = false;
  // Keep each JSONL document's line as it came (InputReader::lines()).
  bool keep_lines = false;
  // Threads that turn HTML and mail into text; 0: those of the calling
  // task arena (all cores outside one).
  uint32_t threads = 0;
};

struct InputCounts {
  uint64_t files = 0;      // files and streams opened
  uint64_t documents = 0;  // documents returned
  uint64_t text_bytes = 0;
  uint64_t skipped_binary = 0;
  uint64_t skipped_unreadable = 0;  // unreadable, corrupt or truncated
  uint64_t skipped_too_large = 0;
  uint64_t skipped_duplicate = 0;  // the same file named twice
  uint64_t skipped_existing = 0;   // SkipIds(); not in skipped()
  uint64_t malformed_lines = 0;
  uint64_t renamed_ids = 0;
  uint64_t repaired_lines = 0;  // JSONL lines with invalid UTF-8
  uint64_t bad_dates = 0;
  uint64_t html_documents = 0;  // read as HTML (files, fields, stdin)
  uint64_t mail_documents = 0;  // read as mail (files, messages, fields)
  uint64_t referenced_texts = 0;  // given a text_at (reference_texts)
  // Files a directory walk passed by for their names (not .txt, .md,
  // HTML, mail or JSONL, and no include pattern given), and a note naming
  // what the most of them end in and the pattern that reads them, one
  // per directory ("'/usr/include': 8786 files passed by for their names
  // (.h 8062, .hpp 302, no extension 202, .def 58, ...): ... --include
  // '*.h' reads those as text instead ..."; empty when none).
  // InputReader::Open() also prints it as a warning, unless quiet.
  uint64_t passed_by = 0;
  std::string passed_by_note;

  uint64_t skipped() const {
    return skipped_binary + skipped_unreadable + skipped_too_large +
           skipped_duplicate + malformed_lines;
  }
};

// The texts of the documents an InputReader returned, found again on
// demand: the n-th document returned (counting from 0) is DocId n, as in
// an Engine that receives them all in order. For
// Engine::Options::text_source; the engine checks every text it gets
// back, so a file changed since it was read is reported, not misaligned.
class InputTexts : public TextSource {
 public:
  ~InputTexts() override;
  // Errors name the file: gone, unreadable, or (spill file) unreadable.
  absl::StatusOr<std::string> Text(DocId doc,
                                   const std::string& id) const override;
  // Documents noted, and the bytes written to the spill file.
  size_t size() const;
  uint64_t spilled_bytes() const { return spill_bytes_; }

 private:
  friend class InputReader;
  struct Location;
  explicit InputTexts(const InputOptions& options);
  // Notes the next document: found again in source `source` (whole file)
  // or at [offset, offset + length) of it (JSONL line).
  void NoteFile(uint32_t source);
  void NoteLine(uint32_t source, uint64_t offset, uint64_t length);
  // Writes the text to the spill file and notes it there.
  absl::Status Spill(std::string_view text);
  // A descriptor of source `source`'s file for reading lines again: kept
  // open after the first call (*keep true), for up to kKeptFiles files,
  // or opened for this read alone (*keep false: the caller closes it).
  // -1 with errno set when it cannot be opened.
  int LineFile(uint32_t source, bool* keep) const;

  // JSONL files whose descriptors are kept open. A copy run reads a line
  // again for every pair it aligns: opening the file each time cost about
  // a tenth of a run's CPU time (bench/README.md, "Copy mode at scale").
  static constexpr size_t kKeptFiles = 64;

  InputOptions options_;
  std::vector<std::string> paths_;  // per source
  std::vector<Location> where_;     // per document read
  mutable std::mutex kept_mu_;
  mutable absl::flat_hash_map<uint32_t, int> kept_fds_;  // source -> fd
  int spill_fd_ = -1;
  uint64_t spill_bytes_ = 0;
};

class InputReader {
 public:
  // Lists the inputs, walking directories (tree_walk.h), and stat()s every
  // file, on all threads (options.threads): its size for total_bytes()
  // and for reading it ahead. NotFound names a missing path;
  // PermissionDenied a directory that cannot be walked.
  static absl::StatusOr<std::unique_ptr<InputReader>> Open(
      const std::vector<std::string>& paths, const InputOptions& options);
  ~InputReader();

  // Documents whose id (with id_prefix) is in `ids` are passed by, counted
  // in counts().skipped_existing: for adding to an index without repeating
  // what it holds. A file is then not even opened. Call before Next().
  void SkipIds(absl::flat_hash_set<std::string> ids) {
    skip_ids_ = std::move(ids);
  }

  // Reading a share of the input, one of `parts` (mimeo-mpi reads one
  // share per process, and the shares together are the whole input). Call
  // before Next(). Each source is cut into pieces: a plain (uncompressed)
  // JSONL file into `parts` byte ranges of about equal size, each moved
  // forward to the next line start, piece p being share p's; every other
  // source is one piece, the share's whose number a stable hash of its
  // path gives (so every process agrees without a word). Share `part`
  // then reads its pieces alone, in source order: the n-th document of the
  // whole input is the n-th of the pieces in (source, share) order.
  // Returns, for each JSONL file so cut, in source order, the lines of this
  // share's range; the lines before it (the sum over the shares before
  // this one) must be given to SetLinesBefore() before Next(), so that
  // "FILE:LINE" ids and warnings count lines in the whole file. Fails,
  // naming the file, when a JSONL file cannot be opened or read to find
  // its range. Standard input cannot be shared (InvalidArgument).
  absl::StatusOr<std::vector<uint64_t>> Share(uint32_t part, uint32_t parts);
  // See Share(): one count per JSONL file cut, in the same order.
  absl::Status SetLinesBefore(const std::vector<uint64_t>& lines);
  // The sources (files, standard input) listed, and the documents returned
  // so far from each, in order.
  size_t num_sources() const { return documents_per_source_.size(); }
  const std::vector<uint64_t>& documents_per_source() const {
    return documents_per_source_;
  }

  // Replaces `out` with the next documents, about `batch_bytes` of text at
  // most (at least one document). False when the input is exhausted.
  absl::StatusOr<bool> Next(std::vector<Document>& out, uint64_t batch_bytes);

  // With options.keep_lines, one entry per document of the last Next(),
  // in order: the JSONL line it came from, byte for byte (without its
  // line break), or "" for a document that is a whole file.
  const std::vector<std::string>& lines() const { return lines_; }

  // Size of the input files, for a progress bar; 0 when unknown (stdin).
  uint64_t total_bytes() const { return total_bytes_; }
  // Bytes of the input files consumed so far.
  uint64_t consumed_bytes() const;
  const InputCounts& counts() const { return counts_; }
  const InputOptions& options() const { return options_; }
  // With options.remember_texts, the texts of the documents read so far,
  // to read again; null otherwise. Shared: it outlives the reader.
  std::shared_ptr<const InputTexts> texts() const { return texts_; }

 private:
  struct Source;
  struct Jsonl;
  struct Mbox;
  struct Pending;
  explicit InputReader(const InputOptions& options);

  // Reads documents into pending_ until about `batch_bytes` of text are
  // read or the input ends.
  absl::Status Read(uint64_t batch_bytes);
  // Queues a document read, adding its size to `bytes`.
  void Queue(Pending p, uint64_t& bytes);
  // Converts the pending documents (HTML, mail) on all threads, then in
  // order checks their size, notes where their texts are found again,
  // counts them and moves them to `out`.
  absl::Status Finish(std::vector<Document>& out);

  // Warns (or, strict, fails) about a problem with a file or line.
  absl::Status Problem(absl::Status problem, uint64_t& counter);
  // Opens a source (unless `opened` already is), or null when it is skipped:
  // named twice, or unreadable.
  absl::StatusOr<std::unique_ptr<ByteStream>> OpenOnce(
      const Source& s, std::unique_ptr<ByteStream> opened);
  // Whether a source is read for the first time: false, with a warning,
  // when the same file was named before.
  absl::StatusOr<bool> FirstTime(const Source& s);
  // Each reader of a kind of source queues what it reads (Queue()) and
  // adds its size to `bytes`.
  absl::Status ReadFile(const Source& s, std::unique_ptr<ByteStream> opened,
                        uint64_t& bytes);
  // A file Prefetch() read whole: its bytes are its text (or an mbox).
  struct Prefetched;
  absl::Status ReadAheadFile(Source& s, Prefetched& pre, uint64_t& bytes);
  // A file's text, read whole (`plain`: not decompressed), becomes a
  // document, unless it looks binary.
  absl::Status QueueFile(const Source& s, std::string text, bool plain,
                         uint64_t& bytes);
  // Whether a text file that starts like an mbox is read as one.
  bool MboxByLook() const {
    return options_.text_format == TextFormat::kAuto ||
           options_.text_format == TextFormat::kMail;
  }
  absl::Status OpenJsonl(const Source& s, std::unique_ptr<ByteStream> opened);
  // Reads lines of the open JSONL source; false at its end.
  absl::StatusOr<bool> ReadJsonl(uint64_t batch_bytes, uint64_t& bytes);
  absl::Status ParseLine(std::string_view line, uint64_t& bytes);
  // Opens a source read line by line (Jsonl, Mbox: a source, its stream
  // and lines) into `into`, which stays null when the source is skipped.
  template <typename LineSource>
  absl::Status OpenLines(const Source& s, std::unique_ptr<ByteStream> opened,
                         std::unique_ptr<LineSource>& into);
  // Reads messages of the open mbox source; false at its end.
  absl::StatusOr<bool> ReadMbox(uint64_t batch_bytes, uint64_t& bytes);
  // The message read so far becomes a document (or a warning).
  absl::Status EndMessage(uint64_t& bytes);
  // With a source field, a mail message's header of that name.
  void MailSource(std::string_view message, Document& doc) const;
  std::string UniqueId(std::string id, const std::string& fallback);
  // Whether a document of this id (before id_prefix) is one to skip;
  // counts it when it is.
  bool SkipId(const std::string& id);
  // Opens a source to be read as text, and reads it as JSONL instead when
  // it is compressed JSONL (see above); null when it is skipped.
  absl::StatusOr<std::unique_ptr<ByteStream>> OpenText(Source& s);
  // Reads the small files among the sources from `first` on (a window of
  // them) on all threads, for Read() to take instead of opening them one
  // after another: on a tree of small files the system calls of opening
  // and reading each cost more than preparing its text. An open, one read
  // and a close a file: its size, device and inode are those the stat()
  // of Open() found. Files it cannot read, large or compressed ones, and
  // files changed since they were listed are left to OpenOnce() as
  // before, so that every message and skip stays the same.
  void Prefetch(size_t first);
  // What Prefetch() read of `s` and is not taken yet, or null.
  Prefetched* ReadAhead(const Source& s);

  // What Prefetch() read of sources_[i], for i in [prefetch_begin_,
  // prefetch_end_): `read` when the whole file is in `bytes` (and not yet
  // taken).
  struct Prefetched {
    bool read = false;
    std::string bytes;
  };
  std::vector<Prefetched> prefetched_;
  size_t prefetch_begin_ = 0, prefetch_end_ = 0;

  InputOptions options_;
  std::vector<Source> sources_;
  size_t next_source_ = 0;
  std::unique_ptr<Jsonl> jsonl_;  // the JSONL source being read
  std::unique_ptr<Mbox> mbox_;    // the mbox source being read
  std::vector<Pending> pending_;  // read, not yet converted (Next())
  uint64_t total_bytes_ = 0;
  uint64_t finished_bytes_ = 0;  // consumed bytes of finished sources
  absl::flat_hash_set<std::string> ids_;
  absl::flat_hash_set<std::string> skip_ids_;
  std::vector<uint64_t> documents_per_source_;
  // Share(): this share's part, or 0 of 1 (the whole input).
  uint32_t part_ = 0;
  uint32_t parts_ = 1;
  // (device, inode) of each file read, to the source it was read as.
  absl::flat_hash_map<std::pair<uint64_t, uint64_t>, uint32_t> files_seen_;
  // (device, inode) of each file a walk found as itself, to the first
  // source naming it so, where the walks found links to files as well
  // (empty otherwise): a link to one of them is not read.
  absl::flat_hash_map<std::pair<uint64_t, uint64_t>, uint32_t> not_links_;
  absl::flat_hash_set<std::string> files_read_;  // by name, when not stat'ed
  uint64_t warnings_ = 0;
  InputCounts counts_;
  std::shared_ptr<InputTexts> texts_;
  std::vector<std::string> lines_;  // options_.keep_lines
};

}  // namespace mimeo::cli

#endif  // MIMEO_TOOLS_INPUT_H_
