// ntk-explorer: the program's entry point: the window, or a headless subcommand.

#include "app/cli.h"
#include "app/cmd_handout.h"
#include "app/cmd_lessons.h"
#include "app/gui.h"
#include "app/progress_printer.h"
#include "core/util/memory.h"

#include <iostream>

int main(int argc, char** argv) {
  ntk::core::keep_freed_memory();
  std::ios::sync_with_stdio(false);
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (ntk::app::wants_gui(args)) return ntk::app::run_gui(argc, argv);
  ntk::app::install_interrupt_handler();  // first, so no signal finds the default action
  const ntk::app::Command extra[] = {ntk::app::lessons_command(), ntk::app::handout_command()};
  return ntk::app::run_cli(args, std::cout, std::cerr, extra);
}
