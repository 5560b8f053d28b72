// The subcommands of the mimeo command, one file each.
#ifndef MIMEO_TOOLS_COMMANDS_H_
#define MIMEO_TOOLS_COMMANDS_H_

#include "CLI/CLI.hpp"

namespace mimeo::cli {

// Each registers its subcommand on `app`; `exit_code` is set when it runs.
void AddClusterCommand(CLI::App& app, int& exit_code);  // cluster_command.cc
void AddPairsCommand(CLI::App& app, int& exit_code);    // pairs_command.cc
void AddDedupCommand(CLI::App& app, int& exit_code);    // dedup_command.cc
void AddCompareCommand(CLI::App& app, int& exit_code);  // compare_command.cc
void AddIndexCommand(CLI::App& app, int& exit_code);    // index_command.cc

}  // namespace mimeo::cli

#endif  // MIMEO_TOOLS_COMMANDS_H_
