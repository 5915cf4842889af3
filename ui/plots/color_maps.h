#pragma once
// Perceptually uniform and colour-blind-safe colour scales for QCustomPlot.

#include <qcustomplot.h>

namespace ntk::ui {

/// Viridis (matplotlib), sampled at nine stops.
QCPColorGradient viridis();
/// Purple-white-orange (ColorBrewer PuOr): diverging and colour-blind safe, for signed differences.
QCPColorGradient purple_orange();

}  // namespace ntk::ui
