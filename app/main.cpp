// ntk-explorer: the program's entry point. Until the window exists every job is headless.

#include "app/cli.h"

#include <iostream>

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  return ntk::app::run_cli(std::vector<std::string>(argv + 1, argv + argc), std::cout, std::cerr);
}
