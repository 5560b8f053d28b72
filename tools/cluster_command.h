// `mimeo cluster`: clusters of near-duplicate documents.
#ifndef MIMEO_TOOLS_CLUSTER_COMMAND_H_
#define MIMEO_TOOLS_CLUSTER_COMMAND_H_

#include "CLI/CLI.hpp"

namespace mimeo::cli {

// Registers the subcommand on `app`; `exit_code` is set when it runs.
void AddClusterCommand(CLI::App& app, int& exit_code);

}  // namespace mimeo::cli

#endif  // MIMEO_TOOLS_CLUSTER_COMMAND_H_
