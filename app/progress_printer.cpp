#include "app/progress_printer.h"

#include <csignal>
#include <iostream>
#include <unistd.h>

namespace ntk::app {

std::atomic<bool> interrupted{false};

namespace {
extern "C" void on_interrupt(int) { interrupted.store(true); }
}  // namespace

void install_interrupt_handler() {
  std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);
}

core::Progress stderr_progress(std::ostream& err, std::string label) {
  const bool terminal = &err == &std::cerr && isatty(STDERR_FILENO);
  return [&err, label = std::move(label), terminal, last = std::int64_t{-1}](
             std::int64_t done, std::int64_t total) mutable {
    if (terminal && total > 0) {
      const std::int64_t percent = done * 100 / total;
      if (percent != last) err << '\r' << label << ": " << percent << "% " << std::flush;
      last = percent;
    }
    return !interrupted.load();
  };
}

}  // namespace ntk::app
