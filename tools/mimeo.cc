// The mimeo command: finds copied text in files. One file per subcommand
// (commands.h); what they share is in command.h.
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "CLI/CLI.hpp"
#include "command.h"
#include "commands.h"
#include "mimeo/version.h"

int main(int argc, char** argv) {
  mimeo::cli::InstallSignalCleanup();
  CLI::App app{
      "mimeo finds copied text: near-duplicate documents, and documents "
      "that reuse passages of another.\nResults go to stdout (or -o FILE), "
      "progress, warnings and the summary to stderr.\nExit codes: 0 done, "
      "1 the run failed, 2 a usage error or a missing path."};
  app.require_subcommand(1);
  app.set_version_flag("--version", "mimeo " MIMEO_VERSION_STRING,
                       "Print the version and exit");
  app.footer(
      "Examples:\n"
      "  mimeo cluster ~/articles\n"
      "  mimeo pairs ~/articles --format html -o pairs.html\n"
      "  mimeo dedup dump.jsonl.zst -o decisions.jsonl --kept kept.jsonl.zst\n"
      "  mimeo compare wire.txt reprint.txt\n"
      "  mimeo index create archive.mimeo ~/archive\n"
      "Run mimeo SUBCOMMAND --help for each one's options.");
  int exit_code = 0;
  mimeo::cli::AddClusterCommand(app, exit_code);
  mimeo::cli::AddPairsCommand(app, exit_code);
  mimeo::cli::AddDedupCommand(app, exit_code);
  mimeo::cli::AddCompareCommand(app, exit_code);
  mimeo::cli::AddIndexCommand(app, exit_code);
  app.add_subcommand("version", "Print the version (as --version does)")
      ->callback([] { std::printf("mimeo %s\n", MIMEO_VERSION_STRING); });
  int rc;
  try {
    app.parse(argc, argv);
    rc = exit_code;
  } catch (const CLI::ParseError& e) {
    rc = app.exit(e) == 0 ? 0 : 2;
  }
  // What went to stdout (help, a check's verdict, results) must have
  // reached it: a full disk or a closed pipe is a failed run.
  errno = 0;
  const bool flushed = std::fflush(stdout) == 0;
  if (!flushed || std::ferror(stdout)) {
    // errno is the flush's; an earlier failed write left only the flag.
    std::fprintf(stderr, "mimeo: cannot write to standard output%s%s\n",
                 !flushed && errno != 0 ? ": " : "",
                 !flushed && errno != 0 ? std::strerror(errno) : "");
    return rc == 0 ? 1 : rc;
  }
  return rc;
}
