#pragma once
// Progress on stderr for the headless commands: a percentage line redrawn in place on a
// terminal, nothing when stderr is a file or a pipe.

#include "core/util/progress.h"

#include <atomic>
#include <ostream>
#include <string>

namespace ntk::app {

/// Set by SIGINT / SIGTERM once install_interrupt_handler() has run.
extern std::atomic<bool> interrupted;
/// SIGINT and SIGTERM set `interrupted`; a second signal, or 0.8 s without the command
/// returning, removes the temporary files in flight and exits with 130.
void install_interrupt_handler();

/// A Progress that prints "label: N%" to `err` on a terminal and returns false once interrupted.
core::Progress stderr_progress(std::ostream& err, std::string label);

}  // namespace ntk::app
