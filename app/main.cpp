// ntk-explorer: the program's entry point: the window, or a headless subcommand.

#include "app/cli.h"
#include "app/gui.h"

#include <iostream>
#include <malloc.h>

int main(int argc, char** argv) {
  // Keep freed blocks of up to 32 MB (feature matrices, score chunks) in the heap instead of
  // returning them to the kernel: a recomputation then reuses pages instead of faulting them
  // in again, which on virtual machines costs more than the arithmetic.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  std::ios::sync_with_stdio(false);
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (ntk::app::wants_gui(args)) return ntk::app::run_gui(argc, argv);
  return ntk::app::run_cli(args, std::cout, std::cerr);
}
