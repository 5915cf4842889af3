#pragma once
// How the plots look: light or dark, and the presenter's large fonts and thick lines. A plot
// keeps its own colours and sizes as the base; the look is applied on top of them before every
// replot, so the plot code never needs to know the theme. Exports use the light look unless
// asked otherwise.

#include <QColor>
#include <QFont>

class QCustomPlot;

namespace ntk::ui {

struct PlotLook {
  bool dark = false;
  bool presenter = false;  ///< large fonts, thick lines, high contrast (a projector at the back of a room)
  double zoom = 1.0;       ///< every text size times this (View > Zoom, Ctrl+plus), on top of presenter's 1.5
  bool operator==(const PlotLook&) const = default;
};

/// The zoom's range and step (Ctrl+plus and Ctrl+minus move one step).
inline constexpr double min_zoom = 1.0, max_zoom = 2.0, zoom_step = 0.25;
/// How much larger than the platform's the widgets' text is: the zoom, times 1.5 in presenter mode.
double textScale(const PlotLook& look);

/// The application font as the platform set it, before any presenter enlargement (captured on
/// the first call, which the window makes before changing the font).
QFont platformFont();

QColor lookBackground(const PlotLook& look);
QColor lookForeground(const PlotLook& look);

/// Makes `plot` restyle itself with its look before every replot (call once per plot, right after
/// constructing it). The plot keeps the platform font, so parts added later start from it too.
void followLook(QCustomPlot* plot);
/// The look `plot` follows (light by default) and setting it (replots).
PlotLook plotLook(const QCustomPlot* plot);
void setPlotLook(QCustomPlot* plot, const PlotLook& look);

/// Restyles every part of `plot` now, from the base colours, pens and fonts each part had when
/// it was first styled (so a part must get its own style before its first replot).
void applyLook(QCustomPlot* plot, const PlotLook& look);

}  // namespace ntk::ui
