#pragma once
// Building blocks of the plots that show curves (scaling, NTK, training): titled panels with
// their own legend, curves that skip what a log axis cannot show, least-squares power-law fits.

#include <qcustomplot.h>
#include <vector>

namespace ntk::ui {

/// Okabe-Ito colours: distinguishable with every common colour-vision deficiency.
namespace palette {
inline const QColor blue("#0072B2"), vermillion("#D55E00"), green("#009E73"), pink("#CC79A7"), orange("#E69F00"),
    sky("#56B4E9"), ghost(160, 160, 160);
}

/// A titled panel at (row, column) of the plot's layout (rows of panels take three layout rows:
/// the title, the axes, then the notes); the first panel reuses the plot's default axis rect and
/// legend.
QCPAxisRect* addPanel(QCustomPlot* plot, int row, int column, const QString& title, const QString& x, const QString& y,
                      bool log_x, bool log_y, Qt::Alignment legend_at = Qt::AlignTop | Qt::AlignRight);

/// Ticks at whole numbers only, for an axis that counts (rows, columns).
void setWholeNumberTicks(QCPAxis* axis);

/// The legend inside `rect` (every panel has one).
QCPLegend* legendOf(QCPAxisRect* rect);

/// Removes every graph and item; empties the extra panels' legends first (QCustomPlot only
/// drops removed graphs from its default legend).
void clearPlot(QCustomPlot* plot);

/// A curve through the points (x[i], y[i]) that are finite and, on log axes, positive, in any
/// order (the graph sorts them by x).
/// Named curves with points get a legend entry.
QCPGraph* addCurve(QCustomPlot* plot, QCPAxisRect* rect, const QString& name, const QPen& pen,
                   QCPScatterStyle::ScatterShape shape, const std::vector<double>& x, const std::vector<double>& y);

/// Replots `plot` (queued) if it is shown, else once it is next shown: a result drawn into a tab
/// nobody is looking at costs the GUI thread nothing until the tab opens. Exports lay a plot out
/// and draw it themselves, so they never see a stale one.
void replotWhenShown(QCustomPlot* plot);

/// `text` raised: digits, signs and the decimal point as superscripts ("-0.45" -> "⁻⁰·⁴⁵"), for
/// exponents in plot text, which QCustomPlot draws as plain text.
QString superscript(const QString& text);

/// The least-squares line of log y on log x across the points' range, named
/// "fit: <quantity> ∝ <variable>^slope"; nothing with fewer than 3 usable points.
void addPowerFit(QCustomPlot* plot, QCPAxisRect* rect, const std::vector<double>& x, const std::vector<double>& y,
                 const QString& quantity, const QString& variable);

/// The guide c / sqrt(x) across the points' range, c the median of y sqrt(x), as a dashed line.
void addInverseSqrtGuide(QCustomPlot* plot, QCPAxisRect* rect, const std::vector<double>& x,
                         const std::vector<double>& y);

/// Both axes around every graph of the panel, with margins (factors on log axes).
void fitRange(QCPAxisRect* rect);

/// Wraps every title and note of `plot` to its width, and moves each panel's legend to the corner
/// (or middle of an edge) of the panel where it covers the fewest points and lines of its curves
/// and no labels (the place asked for wins ties), widening the value axis upwards to make an
/// empty band when there is none.
void placeLegendsAndNotes(QCustomPlot* plot);
/// Makes `plot` call placeLegendsAndNotes after every layout, so it follows the data and fonts.
void followLayout(QCustomPlot* plot);
/// Shows the curve, x and y of the data point nearest the mouse (within 12 pixels) in a tooltip.
void showValuesOnHover(QCustomPlot* plot);

/// Text at plot coordinates.
void addText(QCustomPlot* plot, QCPAxisRect* rect, double x, double y, const QString& text, Qt::Alignment alignment);
/// A note under the panel (outside its axes, so it never covers data), wrapped to its width;
/// clearPlot removes it.
void addNote(QCPAxisRect* rect, const QString& text);

/// A vertical dashed line at x, labelled at the panel's bottom.
void addVerticalMark(QCustomPlot* plot, QCPAxisRect* rect, double x, const QString& label);

}  // namespace ntk::ui
