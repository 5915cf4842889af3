#pragma once
// The window: `ntk-explorer [--open S] [--lesson N [--step K]] [--presenter] [--theme T]
// [--screenshot OUT.png]`. Without a display it says so and points to the headless commands
// instead of aborting inside Qt.

#include <string>
#include <vector>

namespace ntk::app {

/// The window's options as the program's --help, its man page and the window's own errors show them.
inline constexpr const char* window_synopsis =
    "[--open FILE.ntksession] [--lesson N [--step K]] [--presenter] [--theme light|dark] [--zoom 1-2] "
    "[--inspect-query I] [--heads FILE.safetensors (--checkpoint DIR|--cache FILE.safetensors)] "
    "[--screenshot OUT.png [--timeout S]]";

/// True for the arguments that start the window rather than a headless subcommand.
bool wants_gui(const std::vector<std::string>& args);

int run_gui(int argc, char** argv);

}  // namespace ntk::app
