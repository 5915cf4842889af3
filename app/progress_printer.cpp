#include "app/progress_printer.h"

#include "core/io/temporary_files.h"

#include <sys/time.h>
#include <unistd.h>
#include <csignal>
#include <iostream>

namespace ntk::app {

std::atomic<bool> interrupted{false};

namespace {

// Removes the temporary files in flight and ends the process: async-signal-safe calls only.
extern "C" void end_now(int) {
  core::remove_tracked_temporaries();
  constexpr char message[] = "\ninterrupted: stopped at once, temporary files removed\n";
  [[maybe_unused]] const auto written = ::write(STDERR_FILENO, message, sizeof message - 1);
  ::_exit(130);
}

// The first signal asks the running loop to stop; a second one, or 0.8 s with no answer (a
// computation that does not look at the flag), ends the process. setitimer is not on POSIX's
// async-signal-safe list, but on Linux it is a bare system call.
extern "C" void on_interrupt(int signal) {
  if (interrupted.exchange(true)) end_now(signal);
  const itimerval grace{{0, 0}, {0, 800'000}};
  ::setitimer(ITIMER_REAL, &grace, nullptr);
}

}  // namespace

void install_interrupt_handler() {
  std::signal(SIGALRM, end_now);
  std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);
}

core::Progress stderr_progress(std::ostream& err, std::string label) {
  const bool terminal = &err == &std::cerr && isatty(STDERR_FILENO);
  return [&err, label = std::move(label), terminal, last = std::int64_t{-1}](std::int64_t done,
                                                                             std::int64_t total) mutable {
    if (terminal && total > 0) {
      const std::int64_t percent = done * 100 / total;
      if (percent != last) err << '\r' << label << ": " << percent << "% " << std::flush;
      last = percent;
    }
    return !interrupted.load();
  };
}

}  // namespace ntk::app
