#include "ui/look/plot_look.h"

#include <qcustomplot.h>
#include <QApplication>
#include <cmath>

Q_DECLARE_METATYPE(QCPScatterStyle)

namespace ntk::ui {
namespace {

constexpr double presenter_font = 1.5, presenter_line = 2.0, presenter_marker = 1.6;
constexpr double presenter_legend_font = 1.25;  // legends and notes sit inside the panels: they grow less

// What `object` looked like before the first styling: stored once, returned ever after.
template <typename T>
T base(QObject* object, const char* name, const T& current) {
  const QVariant stored = object->property(name);
  if (stored.isValid()) return stored.value<T>();
  object->setProperty(name, QVariant::fromValue(current));
  return current;
}

// Dark: greys turn around (black lines become light) and colours brighten; white stays (it is
// drawn on colour maps). Light keeps the plot's own colours.
QColor tone(QColor c, const PlotLook& look) {
  if (!look.dark || c == Qt::white || c.alpha() == 0) return c;
  if (c.red() == c.green() && c.green() == c.blue()) {
    const int v = 255 - int(0.6 * c.red());
    return QColor(v, v, v, c.alpha());
  }
  return c.lighter(125);
}

QPen tonePen(QPen pen, const PlotLook& look) {
  pen.setColor(tone(pen.color(), look));
  if (look.presenter) pen.setWidthF(std::max(2.5, std::max(1.0, pen.widthF()) * presenter_line));
  return pen;
}

QFont sized(QFont font, const PlotLook& look, bool bold_in_presenter = false, double factor = presenter_font) {
  const double scale = look.zoom * (look.presenter ? factor : 1.0);
  if (font.pointSizeF() > 0)
    font.setPointSizeF(font.pointSizeF() * scale);
  else if (font.pixelSize() > 0)
    font.setPixelSize(int(std::lround(font.pixelSize() * scale)));
  if (bold_in_presenter && look.presenter) font.setWeight(QFont::DemiBold);
  return font;
}

void styleAxis(QCPAxis* axis, const PlotLook& look) {
  const QColor fg = lookForeground(look);
  QPen line(fg, look.presenter ? 2 : 1);
  axis->setBasePen(line);
  axis->setTickPen(line);
  axis->setSubTickPen(line);
  axis->setLabelColor(fg);
  axis->setTickLabelColor(fg);
  axis->setLabelFont(sized(base(axis, "ntkLabelFont", axis->labelFont()), look, true));
  axis->setTickLabelFont(sized(base(axis, "ntkTickFont", axis->tickLabelFont()), look));
  const int grey = look.presenter ? 185 : 205;  // presenter: solid and a little darker, for a projector
  const QColor grid = look.dark ? QColor(80, 80, 88) : QColor(grey, grey, grey);
  axis->grid()->setPen(QPen(grid, 1, look.presenter ? Qt::SolidLine : Qt::DotLine));
  axis->grid()->setSubGridPen(Qt::NoPen);
  axis->grid()->setZeroLinePen(QPen(grid, 1));
}

void styleLegend(QCPLegend* legend, const PlotLook& look) {
  QColor fill = lookBackground(look);
  fill.setAlpha(215);
  legend->setBrush(fill);
  legend->setBorderPen(QPen(lookForeground(look), 1));
  legend->setTextColor(lookForeground(look));
  legend->setFont(sized(base(legend, "ntkFont", legend->font()), look, false, presenter_legend_font));
  legend->setIconSize((look.presenter ? QSize(48, 22) : QSize(32, 18)) * look.zoom);
}

void styleGraph(QCPGraph* graph, const PlotLook& look) {
  graph->setPen(tonePen(base(graph, "ntkPen", graph->pen()), look));
  QCPScatterStyle scatter = base(graph, "ntkScatter", graph->scatterStyle());
  if (scatter.shape() == QCPScatterStyle::ssNone) return;
  if (scatter.isPenDefined()) scatter.setPen(tonePen(scatter.pen(), look));
  if (scatter.brush().style() != Qt::NoBrush) scatter.setBrush(tone(scatter.brush().color(), look));
  scatter.setSize(scatter.size() * look.zoom * (look.presenter ? presenter_marker : 1.0));
  graph->setScatterStyle(scatter);
}

void styleItem(QCPAbstractItem* item, const PlotLook& look) {
  if (auto* text = qobject_cast<QCPItemText*>(item)) {
    text->setColor(tone(base(text, "ntkColor", text->color()), look));
    text->setFont(sized(base(text, "ntkFont", text->font()), look, false, presenter_legend_font));
  } else if (auto* line = qobject_cast<QCPItemStraightLine*>(item)) {
    line->setPen(tonePen(base(line, "ntkPen", line->pen()), look));
  } else if (auto* segment = qobject_cast<QCPItemLine*>(item)) {
    segment->setPen(tonePen(base(segment, "ntkPen", segment->pen()), look));
  }
}

}  // namespace

double textScale(const PlotLook& look) { return look.zoom * (look.presenter ? presenter_font : 1.0); }

QColor lookBackground(const PlotLook& look) { return look.dark ? QColor(27, 27, 31) : QColor(Qt::white); }
QColor lookForeground(const PlotLook& look) { return look.dark ? QColor(238, 238, 238) : QColor(Qt::black); }

void applyLook(QCustomPlot* plot, const PlotLook& look) {
  plot->setBackground(lookBackground(look));
  for (QCPAxis* axis : plot->findChildren<QCPAxis*>()) styleAxis(axis, look);
  for (QCPLegend* legend : plot->findChildren<QCPLegend*>()) styleLegend(legend, look);
  for (QCPAbstractLegendItem* entry : plot->findChildren<QCPAbstractLegendItem*>()) {
    // An entry starts with its legend's current font; its base is its legend's.
    entry->setTextColor(lookForeground(look));
    const QFont legend_base = entry->parentLegend()->property("ntkFont").value<QFont>();
    entry->setFont(sized(legend_base, look, false, presenter_legend_font));
  }
  for (QCPTextElement* title : plot->findChildren<QCPTextElement*>()) {
    title->setTextColor(lookForeground(look));
    title->setFont(sized(base(title, "ntkFont", title->font()), look));
    // A title never sets the plot's minimum width (presenter fonts would widen the window past
    // the screen); the height still follows the font.
    title->setMinimumSize(80, 0);
  }
  for (QCPGraph* graph : plot->findChildren<QCPGraph*>()) styleGraph(graph, look);
  for (QCPAbstractItem* item : plot->findChildren<QCPAbstractItem*>()) styleItem(item, look);
  // Every panel keeps room for its data at any text size: a tab too small for that scrolls (the
  // window's tabs) instead of squeezing panels under their own titles, labels and legends.
  for (QCPAxisRect* rect : plot->axisRects()) {
    const double line = QFontMetricsF(rect->axis(QCPAxis::atBottom)->tickLabelFont()).height();
    rect->setMinimumSize(int(12 * line), int(7 * line));
  }
}

QFont platformFont() {
  static const QFont font = QApplication::font();
  return font;
}

void followLook(QCustomPlot* plot) {
  plot->setFont(platformFont());
  QObject::connect(plot, &QCustomPlot::beforeReplot, plot, [plot] { applyLook(plot, plotLook(plot)); });
}

PlotLook plotLook(const QCustomPlot* plot) {
  const QVariant zoom = plot->property("ntkZoom");
  return {plot->property("ntkDark").toBool(), plot->property("ntkPresenter").toBool(),
          zoom.isValid() ? zoom.toDouble() : 1.0};
}

void setPlotLook(QCustomPlot* plot, const PlotLook& look) {
  plot->setProperty("ntkDark", look.dark);
  plot->setProperty("ntkPresenter", look.presenter);
  plot->setProperty("ntkZoom", look.zoom);
  plot->replot(QCustomPlot::rpQueuedReplot);
}

}  // namespace ntk::ui
