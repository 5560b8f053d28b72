// The mimeo command: finds copied text in files. One file per subcommand
// (commands.h); what they share is in command.h.
#include <cstdio>

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
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  return exit_code;
}
