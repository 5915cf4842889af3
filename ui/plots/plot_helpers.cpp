#include "ui/plots/plot_helpers.h"

#include "core/pipeline/scaling.h"

#include <algorithm>
#include <cmath>

namespace ntk::ui {
namespace {

bool isLog(const QCPAxis* axis) { return axis->scaleType() == QCPAxis::stLogarithmic; }

void setLog(QCPAxis* axis) {
  axis->setScaleType(QCPAxis::stLogarithmic);
  axis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
  axis->setNumberFormat("eb");
  axis->setNumberPrecision(0);
}

}  // namespace

QCPAxisRect* addPanel(QCustomPlot* plot, int row, int column, const QString& title, const QString& x,
                      const QString& y, bool log_x, bool log_y, Qt::Alignment legend_at) {
  const bool first = row == 0 && column == 0;
  QCPAxisRect* rect = first ? plot->axisRect() : new QCPAxisRect(plot);
  if (first) plot->plotLayout()->take(rect);
  plot->plotLayout()->addElement(2 * row, column,
                                 new QCPTextElement(plot, title, QFont(plot->font().family(), 11, QFont::Bold)));
  plot->plotLayout()->addElement(2 * row + 1, column, rect);
  if (log_x) setLog(rect->axis(QCPAxis::atBottom));
  if (log_y) setLog(rect->axis(QCPAxis::atLeft));
  rect->axis(QCPAxis::atBottom)->setLabel(x);
  rect->axis(QCPAxis::atLeft)->setLabel(y);
  QCPLegend* legend = plot->legend;  // the default rect holds the default legend
  if (!first) {
    legend = new QCPLegend;
    rect->insetLayout()->addElement(legend, legend_at);
    legend->setLayer("legend");
  } else {
    rect->insetLayout()->setInsetAlignment(0, legend_at);
  }
  legend->setVisible(true);
  legend->setBrush(QColor(255, 255, 255, 215));
  plot->setAutoAddPlottableToLegend(false);
  return rect;
}

QCPLegend* legendOf(QCPAxisRect* rect) { return qobject_cast<QCPLegend*>(rect->insetLayout()->elementAt(0)); }

void clearPlot(QCustomPlot* plot) {
  for (QCPAxisRect* rect : plot->axisRects())
    if (QCPLegend* legend = legendOf(rect)) legend->clearItems();
  plot->clearGraphs();
  plot->clearItems();
}

QCPGraph* addCurve(QCustomPlot* plot, QCPAxisRect* rect, const QString& name, const QPen& pen,
                   QCPScatterStyle::ScatterShape shape, const std::vector<double>& x,
                   const std::vector<double>& y) {
  QCPAxis* keys = rect->axis(QCPAxis::atBottom);
  QCPAxis* values = rect->axis(QCPAxis::atLeft);
  QCPGraph* graph = plot->addGraph(keys, values);
  graph->setName(name);
  graph->setPen(pen);
  graph->setScatterStyle(QCPScatterStyle(shape, pen.color(), pen.color(), 7));
  QVector<double> xs, ys;
  for (std::size_t i = 0; i < std::min(x.size(), y.size()); ++i) {
    if (!std::isfinite(x[i]) || !std::isfinite(y[i])) continue;
    if ((isLog(keys) && x[i] <= 0) || (isLog(values) && y[i] <= 0)) continue;
    xs.push_back(x[i]);
    ys.push_back(y[i]);
  }
  graph->setData(xs, ys, true);
  if (!xs.isEmpty() && !name.isEmpty()) graph->addToLegend(legendOf(rect));
  return graph;
}

void addPowerFit(QCustomPlot* plot, QCPAxisRect* rect, const std::vector<double>& x,
                 const std::vector<double>& y, const QString& quantity, const QString& variable) {
  const std::optional<core::LogLogFit> fit = core::fit_log_log(x, y);
  if (!fit || fit->points < 3) return;
  double lo = INFINITY, hi = 0;
  for (std::size_t i = 0; i < std::min(x.size(), y.size()); ++i)
    if (x[i] > 0 && y[i] > 0 && std::isfinite(x[i]) && std::isfinite(y[i])) lo = std::min(lo, x[i]), hi = std::max(hi, x[i]);
  const auto at = [&](double v) { return std::exp(fit->intercept + fit->slope * std::log(v)); };
  addCurve(plot, rect, QObject::tr("fit: %1 ∝ %2^%3").arg(quantity, variable).arg(fit->slope, 0, 'f', 2),
           QPen(Qt::black, 1, Qt::DotLine), QCPScatterStyle::ssNone, {lo, hi}, {at(lo), at(hi)});
}

void addInverseSqrtGuide(QCustomPlot* plot, QCPAxisRect* rect, const std::vector<double>& x,
                         const std::vector<double>& y) {
  std::vector<double> c, xs;
  for (std::size_t i = 0; i < std::min(x.size(), y.size()); ++i)
    if (x[i] > 0 && y[i] > 0 && std::isfinite(y[i])) {
      c.push_back(y[i] * std::sqrt(x[i]));
      xs.push_back(x[i]);
    }
  if (c.empty()) return;
  std::nth_element(c.begin(), c.begin() + std::ptrdiff_t(c.size() / 2), c.end());
  std::vector<double> guide;
  for (const double v : xs) guide.push_back(c[c.size() / 2] / std::sqrt(v));
  addCurve(plot, rect, QObject::tr("guide ∝ 1/√m"), QPen(Qt::black, 1, Qt::DashLine), QCPScatterStyle::ssNone, xs, guide);
}

void fitRange(QCPAxisRect* rect) {
  bool any = false;
  QCPRange x, y;
  for (QCPGraph* graph : rect->graphs()) {
    bool found = false;
    const QCP::SignDomain kd = isLog(rect->axis(QCPAxis::atBottom)) ? QCP::sdPositive : QCP::sdBoth;
    const QCP::SignDomain vd = isLog(rect->axis(QCPAxis::atLeft)) ? QCP::sdPositive : QCP::sdBoth;
    const QCPRange gx = graph->getKeyRange(found, kd);
    if (!found) continue;
    const QCPRange gy = graph->getValueRange(found, vd);
    if (!found) continue;
    x = any ? QCPRange(std::min(x.lower, gx.lower), std::max(x.upper, gx.upper)) : gx;
    y = any ? QCPRange(std::min(y.lower, gy.lower), std::max(y.upper, gy.upper)) : gy;
    any = true;
  }
  if (!any) return;
  const auto widen = [](QCPAxis* axis, QCPRange r, double low_factor, double high_factor) {
    if (isLog(axis)) {
      // At least two decades: narrower, the log ticker falls back to linear ticks whose
      // one-digit labels repeat (10^-2, 10^-2, 2·10^-2).
      const double short_by = std::max(1.0, 100 / (r.upper * high_factor / (r.lower / low_factor)));
      return axis->setRange(r.lower / low_factor / std::sqrt(short_by), r.upper * high_factor * std::sqrt(short_by));
    }
    const double pad = std::max(r.size(), std::abs(r.upper) * 1e-3 + 1e-300) * 0.06;
    axis->setRange(r.lower - pad, r.upper + pad);
  };
  widen(rect->axis(QCPAxis::atBottom), x, 1.5, 2.5);  // room for labels right of the points
  widen(rect->axis(QCPAxis::atLeft), y, 2, 2);
}

void addText(QCustomPlot* plot, QCPAxisRect* rect, double x, double y, const QString& text, Qt::Alignment alignment) {
  auto* item = new QCPItemText(plot);
  item->setClipAxisRect(rect);
  item->position->setAxisRect(rect);
  item->position->setAxes(rect->axis(QCPAxis::atBottom), rect->axis(QCPAxis::atLeft));
  item->position->setCoords(x, y);
  item->setPositionAlignment(alignment);
  item->setText(text);
}

void addNote(QCustomPlot* plot, QCPAxisRect* rect, const QString& text, Qt::Alignment corner) {
  auto* item = new QCPItemText(plot);
  item->setClipAxisRect(rect);
  item->position->setType(QCPItemPosition::ptAxisRectRatio);
  item->position->setAxisRect(rect);
  item->position->setCoords(corner & Qt::AlignRight ? 0.98 : 0.02, corner & Qt::AlignBottom ? 0.98 : 0.02);
  item->setPositionAlignment(corner);
  item->setTextAlignment(Qt::AlignLeft);
  item->setText(text);
}

void addVerticalMark(QCustomPlot* plot, QCPAxisRect* rect, double x, const QString& label) {
  auto* line = new QCPItemStraightLine(plot);
  line->setClipAxisRect(rect);
  for (QCPItemPosition* end : {line->point1, line->point2}) {
    end->setAxisRect(rect);
    end->setAxes(rect->axis(QCPAxis::atBottom), rect->axis(QCPAxis::atLeft));
  }
  line->point1->setCoords(x, 1);
  line->point2->setCoords(x, 10);
  line->setPen(QPen(Qt::darkGray, 1.5, Qt::DashDotLine));
  auto* text = new QCPItemText(plot);
  text->setClipAxisRect(rect);
  text->position->setAxisRect(rect);
  text->position->setTypeX(QCPItemPosition::ptPlotCoords);
  text->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
  text->position->setAxes(rect->axis(QCPAxis::atBottom), rect->axis(QCPAxis::atLeft));
  text->position->setCoords(x, 0.97);
  text->setPositionAlignment(Qt::AlignLeft | Qt::AlignBottom);
  text->setText(" " + label);
}

}  // namespace ntk::ui
