#pragma once
// ntk-explorer lessons --check: recomputes, headless, every number the lesson cards quote and
// fails on any disagreement, so a card and the plot it points at cannot drift apart.

#include "app/commands.h"

namespace ntk::app {

Command lessons_command();

}  // namespace ntk::app
