#pragma once
// Rendering separate from dialogs: every plot to PNG (at a size and scale, so 300 dpi prints),
// SVG and PDF, and its data to CSV. Callable from tests and the command line.

#include "ui/look/plot_look.h"

#include <QImage>
#include <QString>
#include <QStringList>

class QCustomPlot;

namespace ntk::ui {

/// A plot that can give its data as CSV text (a header line, then one line per point or cell).
class CsvSource {
 public:
  virtual ~CsvSource() = default;
  virtual QString csv() const = 0;
};

/// Writes `plot` to `path`; the format follows the suffix: .png, .svg, .pdf, or .csv (the plot
/// must then be a CsvSource). width and height in pixels (0: the plot's own size); `scale`
/// multiplies the PNG's pixels (2 at 150 dpi gives 300 dpi). Returns an empty string on success,
/// else what went wrong. The file appears only when complete. Drawn with `look` (light unless
/// asked otherwise, whatever the screen shows); the plot on screen keeps its own. A `footer`
/// (the settings that reproduce the plot) is written under the plot in small grey text, adding
/// its height to the picture's.
QString exportPlot(QCustomPlot* plot, const QString& path, int width = 0, int height = 0, double scale = 1.0,
                   const PlotLook& look = {}, const QString& footer = {});

/// The plot drawn at width x height pixels times `scale` in `look`, with `footer` under it, as
/// exportPlot writes a PNG; the plot on screen keeps its own look.
QImage renderImage(QCustomPlot* plot, int width, int height, double scale, const PlotLook& look = {},
                   const QString& footer = {});

/// The plot at its own size in `look` (light unless asked otherwise), for the clipboard.
QImage plotImage(QCustomPlot* plot, const PlotLook& look = {});

/// The suffixes exportPlot understands.
QStringList exportFormats();

/// Empty when `path` can be written as a file of one of `formats`, else why not: an unknown
/// suffix, a directory in the way, a missing or read-only folder.
QString whyNotWritable(const QString& path, const QStringList& formats);

/// Saves `image` to `path` (its suffix gives the format) through a temporary file and a rename,
/// so no truncated image is left; returns an empty string or what went wrong and why.
QString saveImage(const QImage& image, const QString& path);

}  // namespace ntk::ui
