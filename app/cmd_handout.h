#pragma once
// ntk-explorer handout --lesson N --out DIR: a lesson as PDF handouts (a page per card with its
// plot, and an answer sheet), rendered off screen by the window's own code.

#include "app/commands.h"

namespace ntk::app {

Command handout_command();

}  // namespace ntk::app
