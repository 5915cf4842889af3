#pragma once
// What a user can do with any plot: copy it (image, and its data as CSV text) and export it
// with a chosen size; offered on the plot's right-click menu and by the window's shortcuts.

#include <QString>

class QCustomPlot;
class QWidget;

namespace ntk::ui {

/// Puts `plot` on the clipboard as an image and, when it has data, as CSV text.
void copyPlot(QCustomPlot* plot);

/// The settings that reproduce what `plot` shows (a command line), kept with the plot for the
/// export's footer option; empty until set.
void setPlotSettings(QCustomPlot* plot, const QString& settings);
QString plotSettings(const QCustomPlot* plot);

/// Asks for the file, size, scale, look and footer, writes the plot, and reports a failure in a
/// message box.
void exportPlotInteractively(QCustomPlot* plot, QWidget* parent);

/// Gives `plot` a right-click menu with copy and export, and click focus (so the window's
/// shortcuts know which plot of a tab is meant).
void addPlotActions(QCustomPlot* plot);

}  // namespace ntk::ui
