#pragma once
// The widgets' side of the look: the Fusion style with a light or dark palette, and the text
// (application font and tooltips) and the fixed-size parts of the widgets grown by the zoom and
// presenter mode. The plots follow through PlotLook (plot_look.h).

#include "ui/look/plot_look.h"

namespace ntk::ui {

/// Sets the application's palette and font for `look` (the first call remembers the font the
/// platform gave, so leaving presenter mode or the zoom returns to it).
void applyWindowLook(const PlotLook& look);

}  // namespace ntk::ui
