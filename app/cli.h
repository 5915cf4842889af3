#pragma once
// The headless program: `ntk-explorer SUBCOMMAND [options]`. Exit codes: 0 success, 2 bad usage
// or bad input (the message says what to do), 3 numerical failure, 130 interrupted.

#include "app/commands.h"

#include <ostream>
#include <span>
#include <string>
#include <vector>

namespace ntk::app {

/// Runs the command line given without the program name; writes results to `out` and
/// messages and progress to `err`. `extra` adds commands that live outside this library (the
/// program's `lessons`, which needs the window's lesson files).
int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
            std::span<const Command> extra = {});

}  // namespace ntk::app
