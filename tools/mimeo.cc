// The mimeo command: finds copied text in files. One file per subcommand.
#include "CLI/CLI.hpp"
#include "cluster_command.h"

int main(int argc, char** argv) {
  CLI::App app{
      "mimeo finds copied text: near-duplicate documents and the versions "
      "and reprints of one text.\nResults go to stdout, progress and "
      "warnings to stderr."};
  app.require_subcommand(1);
  int exit_code = 0;
  mimeo::cli::AddClusterCommand(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  return exit_code;
}
