#include "ui/plots/plot_helpers.h"

#include "core/pipeline/scaling.h"
#include "ui/look/plot_look.h"

#include <QToolTip>
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

// Where the curves of `rect` pass, in pixels: their points and every few pixels along their lines.
std::vector<QPointF> curvePixels(QCustomPlot* plot, QCPAxisRect* rect) {
  std::vector<QPointF> out;
  for (int i = 0; i < plot->graphCount(); ++i) {
    QCPGraph* graph = plot->graph(i);
    if (!graph->visible() || graph->keyAxis()->axisRect() != rect) continue;
    QPointF previous;
    bool have_previous = false;
    for (auto it = graph->data()->constBegin(); it != graph->data()->constEnd(); ++it) {
      const QPointF at = graph->coordsToPixels(it->key, it->value);
      if (!std::isfinite(at.x()) || !std::isfinite(at.y())) continue;
      if (have_previous && graph->lineStyle() != QCPGraph::lsNone) {
        const int steps = std::min(400, int(QLineF(previous, at).length() / 4));
        for (int k = 1; k < steps; ++k) out.push_back(previous + (at - previous) * (double(k) / steps));
      }
      out.push_back(at);
      previous = at;
      have_previous = true;
    }
  }
  return out;
}

// The place in `area` for a box of `size`, at least `inset` pixels from the edges, that covers
// the fewest of `points` and none of `taken`: the `preferred` place (a corner or the middle of an
// edge) when it is as empty as any, else a corner, else a place on a 7 x 7 grid across the panel.
QRectF emptiestPlace(const QRectF& area, QSizeF size, QSizeF inset, Qt::Alignment preferred,
                     const std::vector<QPointF>& points, const std::vector<QRectF>& taken) {
  const auto box = [&](double fx, double fy) {  // 0: left or top, 1: right or bottom
    const double x = area.left() + inset.width() + fx * (area.width() - 2 * inset.width() - size.width());
    const double y = area.top() + inset.height() + fy * (area.height() - 2 * inset.height() - size.height());
    return QRectF(QPointF(x, y), size);
  };
  std::vector<QRectF> candidates{box(preferred & Qt::AlignRight     ? 1
                                     : preferred & Qt::AlignHCenter ? 0.5
                                                                    : 0,
                                     preferred & Qt::AlignBottom    ? 1
                                     : preferred & Qt::AlignVCenter ? 0.5
                                                                    : 0)};
  for (const auto& [fx, fy] : {std::pair{1, 0}, std::pair{0, 0}, std::pair{1, 1}, std::pair{0, 1}})
    candidates.push_back(box(fx, fy));
  for (int i = 0; i <= 6; ++i)
    for (int j = 0; j <= 6; ++j) candidates.push_back(box(j / 6.0, i / 6.0));
  QRectF best = candidates.front();
  double best_cost = INFINITY;
  for (const QRectF& candidate : candidates) {
    const QRectF near = candidate.adjusted(-3, -3, 3, 3);
    double cost = 0;
    for (const QPointF& p : points) cost += near.contains(p);
    for (const QRectF& other : taken)
      if (other.intersects(candidate)) cost += 1e6;
    if (cost < best_cost) best = candidate, best_cost = cost;
  }
  return best;
}

// `text` with its lines broken between words so that none is wider than `width` (a word wider
// than that keeps its own line).
QString wrapped(const QString& text, const QFontMetricsF& metrics, double width) {
  QStringList lines;
  for (const QString& paragraph : text.split('\n')) {
    QString line;
    for (const QString& word : paragraph.split(' ')) {
      const QString longer = line.isEmpty() ? word : line + ' ' + word;
      if (!line.isEmpty() && metrics.horizontalAdvance(longer) > width) {
        lines << line;
        line = word;
      } else {
        line = longer;
      }
    }
    lines << line;
  }
  return lines.join('\n');
}

// The value axis's range as the plot set it, before placement widened it; a range placement did
// not set is the plot's new one.
QCPRange plottedRange(QCPAxis* axis) {
  const QPointF placed = axis->property("ntkPlacedRange").toPointF();
  if (axis->property("ntkPlacedRange").isValid() && placed == QPointF(axis->range().lower, axis->range().upper)) {
    const QPointF base = axis->property("ntkPlottedRange").toPointF();
    return QCPRange(base.x(), base.y());
  }
  axis->setProperty("ntkPlottedRange", QPointF(axis->range().lower, axis->range().upper));
  return axis->range();
}

// `base` grown at the top so that its data keep the lower (1 - share) of the axis.
void setRangeWithTopBand(QCPAxis* axis, const QCPRange& base, double share) {
  QCPRange range = base;
  if (share > 0) {
    const double grow = share / (1 - share);
    range.upper = isLog(axis) ? base.upper * std::pow(base.upper / base.lower, grow) : base.upper + base.size() * grow;
  }
  axis->setRange(range);
  axis->setProperty("ntkPlacedRange", QPointF(range.lower, range.upper));
}

// The text element under a panel that holds its notes.
QCPTextElement* footerOf(QCPAxisRect* rect) {
  return qobject_cast<QCPTextElement*>(rect->property("ntkFooter").value<QObject*>());
}

// `current`, the text of `object`, as the plot set it before any wrapping (`object` keeps both).
QString originalText(QObject* object, const QString& current) {
  const QVariant wrapped_text = object->property("ntkWrapped");
  return wrapped_text.isValid() && wrapped_text.toString() == current ? object->property("ntkText").toString()
                                                                      : current;
}

// Wraps the text `current` of `object` to `width` and sets it with `set`; true if it changed.
template <typename Set>
bool wrapToWidth(QObject* object, const QString& current, const QFont& font, double width, Set set) {
  const QString original = originalText(object, current);
  const QString text = wrapped(original, QFontMetricsF(font), std::max(40.0, width - 8));
  object->setProperty("ntkText", original);
  object->setProperty("ntkWrapped", text);
  if (text == current) return false;
  set(text);
  return true;
}

// Wraps every title, note and axis label of `plot` to the width it has; true if any changed.
bool wrapTexts(QCustomPlot* plot) {
  bool changed = false;
  for (QCPTextElement* element : plot->findChildren<QCPTextElement*>())
    changed |= wrapToWidth(element, element->text(), element->font(), element->rect().width(),
                           [element](const QString& text) { element->setText(text); });
  for (QCPAxisRect* rect : plot->axisRects())
    for (QCPAxis* axis : rect->axes()) {
      const bool across = axis->orientation() == Qt::Horizontal;  // a vertical axis's label runs up its height
      changed |= wrapToWidth(axis, axis->label(), axis->labelFont(), across ? rect->width() : rect->height(),
                             [axis](const QString& text) { axis->setLabel(text); });
    }
  return changed;
}

// Lays `plot` out again (as QCustomPlot::replot does), after text or margins changed size.
void relayout(QCustomPlot* plot) {
  for (const auto phase : {QCPLayoutElement::upPreparation, QCPLayoutElement::upMargins, QCPLayoutElement::upLayout})
    plot->plotLayout()->update(phase);
}

// Puts the legend of `rect` at `box` (pixels; it may lie outside the panel).
void setLegendBox(QCPAxisRect* rect, const QRectF& box) {
  const QRectF frame = rect->insetLayout()->rect();  // free insets are placed in ratios of this
  rect->insetLayout()->setInsetPlacement(0, QCPLayoutInset::ipFree);
  rect->insetLayout()->setInsetRect(
      0, QRectF((box.left() - frame.left()) / frame.width(), (box.top() - frame.top()) / frame.height(),
                box.width() / frame.width(), box.height() / frame.height()));
  rect->insetLayout()->update(QCPLayoutElement::upLayout);
}

// Places the legend of one panel (placeLegendsAndNotes); true when that changed the plot's layout
// (a new value range, or the legend moved under the axes), so that the other panels may have moved.
bool placeLegend(QCustomPlot* plot, QCPAxisRect* rect) {
  const QRectF area = rect->rect();
  QCPLegend* legend = legendOf(rect);
  if (area.width() < 20 || area.height() < 20 || !legend || !legend->visible() || legend->itemCount() == 0)
    return false;
  QCPAxis* value_axis = rect->axis(QCPAxis::atLeft);
  const QCPRange base = plottedRange(value_axis);
  const QMargins gap = rect->insetLayout()->margins();
  const QSizeF inset(std::max(4, gap.left()), std::max(4, gap.top()));  // off the frame by a few pixels
  // Entries are wrapped to fit the panel (from their own text each time).
  const double text_width = area.width() - 2 * gap.left() - legend->iconSize().width() - legend->iconTextPadding() -
                            4 * legend->margins().left();
  for (int i = 0; i < legend->itemCount(); ++i) {
    auto* item = qobject_cast<QCPPlottableLegendItem*>(legend->item(i));
    if (!item) continue;
    QCPAbstractPlottable* plottable = item->plottable();
    wrapToWidth(plottable, plottable->name(), item->font(), text_width + 8,
                [plottable](const QString& text) { plottable->setName(text); });
  }
  // Labels of points and marks are not covered either.
  const auto labels = [&] {
    std::vector<QRectF> boxes;
    for (int i = 0; i < plot->itemCount(); ++i)
      if (auto* text = qobject_cast<QCPItemText*>(plot->item(i)); text && text->clipAxisRect() == rect)
        boxes.push_back(QRectF(text->topLeft->pixelPosition(), text->bottomRight->pixelPosition()));
    return boxes;
  };
  const QSize size = legend->minimumOuterSizeHint();
  bool relaid = false;
  if (rect->property("ntkLegendBelow").toBool()) {  // under the axes' own margin (legendRoomBelow)
    const double below = rect->property("ntkAxisMargin").toInt() + gap.top();
    setLegendBox(rect, QRectF(QPointF(area.center().x() - size.width() / 2.0, area.bottom() + below), size));
    return false;
  }
  // Where the legend would cover data, a band above the data makes room: the value axis widened
  // upwards by the legend's height (at most half the panel).
  for (const double band : {0.0, size.height() + 2 * inset.height()}) {
    if (band > area.height() / 2 || (band > 0 && value_axis->rangeReversed())) break;
    const QCPRange before = value_axis->range();
    // In 32nds of the panel, so that a layout a pixel different keeps the range (and converges).
    setRangeWithTopBand(value_axis, base, std::ceil(band / area.height() * 32) / 32);
    if (value_axis->range() != before) {  // the new range's tick labels may take another width
      relayout(plot);
      relaid = true;
    }
    const QRectF now = rect->rect();
    const std::vector<QPointF> points = curvePixels(plot, rect);
    const QRectF box =
        emptiestPlace(now, size, inset, Qt::Alignment(legend->property("ntkCorner").toInt()), points, labels());
    setLegendBox(rect, box);
    if (std::none_of(points.begin(), points.end(),
                     [&](const QPointF& p) { return box.adjusted(-3, -3, 3, 3).contains(p); }))
      return relaid;
  }
  // No room inside: under the axes (until the plot's data change, so that the panel does not
  // flip between the two).
  setRangeWithTopBand(value_axis, base, 0);
  relayout(plot);
  rect->setProperty("ntkLegendBelow", true);
  return true;
}

// Makes room under the axes of every panel whose legend goes there: their bottom margin is what
// the axis needs plus the legend (both change with the fonts, so this runs at every layout).
void legendRoomBelow(QCustomPlot* plot) {
  std::vector<QCPAxisRect*> below;
  for (QCPAxisRect* rect : plot->axisRects())
    if (rect->property("ntkLegendBelow").toBool()) below.push_back(rect);
  if (below.empty()) return;
  for (QCPAxisRect* rect : below) rect->setMinimumMargins(QMargins());
  relayout(plot);
  for (QCPAxisRect* rect : below) {
    rect->setProperty("ntkAxisMargin", rect->margins().bottom());
    const int gap = rect->insetLayout()->margins().top();
    rect->setMinimumMargins(
        QMargins(0, 0, 0, rect->margins().bottom() + legendOf(rect)->minimumOuterSizeHint().height() + 2 * gap));
  }
  relayout(plot);
}

}  // namespace

void showValuesOnHover(QCustomPlot* plot) {
  plot->setMouseTracking(true);
  QObject::connect(plot, &QCustomPlot::mouseMove, plot, [plot](QMouseEvent* event) {
    const QPointF at = event->position();
    QCPGraph* nearest = nullptr;
    double nearest_distance = 12 * 12, key = 0, value = 0;  // within 12 pixels
    for (int i = 0; i < plot->graphCount(); ++i) {
      QCPGraph* graph = plot->graph(i);
      if (!graph->visible() || !graph->keyAxis()->axisRect()->rect().contains(at.toPoint())) continue;
      for (auto it = graph->data()->constBegin(); it != graph->data()->constEnd(); ++it) {
        const QPointF p = graph->coordsToPixels(it->key, it->value) - at;
        if (const double distance = QPointF::dotProduct(p, p); distance < nearest_distance)
          nearest = graph, nearest_distance = distance, key = it->key, value = it->value;
      }
    }
    if (!nearest) return QToolTip::hideText();
    const auto label = [](QCPAxis* axis) { return originalText(axis, axis->label()).simplified(); };
    const QString name = originalText(nearest, nearest->name()).simplified();
    QToolTip::showText(event->globalPosition().toPoint(),
                       QString("%1\n%2: %3\n%4: %5")
                           .arg(name.isEmpty() ? QObject::tr("(unnamed curve)") : name, label(nearest->keyAxis()))
                           .arg(key, 0, 'g', 6)
                           .arg(label(nearest->valueAxis()))
                           .arg(value, 0, 'g', 6),
                       plot);
  });
}

void followLayout(QCustomPlot* plot) {
  QObject::connect(plot, &QCustomPlot::afterLayout, plot, [plot] { placeLegendsAndNotes(plot); });
}

// A vertical mark's label goes beside its line at the top or the bottom of its panel, right or
// left of the line, wherever it covers the fewest curve points and stays inside the panel.
void placeMarkLabels(QCustomPlot* plot) {
  for (QCPItemText* text : plot->findChildren<QCPItemText*>()) {
    const QString label = text->property("ntkMarkLabel").toString();
    QCPAxisRect* rect = text->clipAxisRect();
    if (label.isEmpty() || !rect) continue;
    const QRectF area = rect->rect();
    const QSizeF size = QFontMetricsF(text->font()).size(0, " " + label);
    const double x = text->position->axisRect()->axis(QCPAxis::atBottom)->coordToPixel(text->position->coords().x());
    const std::vector<QPointF> points = curvePixels(plot, rect);
    double best_cost = INFINITY, best_ratio = 0.97;
    bool best_right = true;
    for (const double ratio : {0.97, 0.03})  // the bottom first, then the top
      for (const bool right : {true, false}) {
        const double y = area.top() + ratio * area.height();
        const QRectF box(right ? x : x - size.width(), ratio > 0.5 ? y - size.height() : y, size.width(),
                         size.height());
        double cost = area.contains(box) ? 0 : 1e6;
        for (const QPointF& p : points) cost += box.adjusted(-3, -3, 3, 3).contains(p);
        if (cost < best_cost) best_cost = cost, best_ratio = ratio, best_right = right;
      }
    text->position->setCoords(text->position->coords().x(), best_ratio);
    text->setPositionAlignment((best_right ? Qt::AlignLeft : Qt::AlignRight) |
                               (best_ratio > 0.5 ? Qt::AlignBottom : Qt::AlignTop));
    text->setText(best_right ? " " + label : label + " ");
  }
}

void placeLegendsAndNotes(QCustomPlot* plot) {
  placeMarkLabels(plot);
  if (wrapTexts(plot)) relayout(plot);  // titles, notes or labels changed height
  // Until a pass changes no layout (a second pass finds the ranges it set and changes nothing).
  for (int pass = 0; pass < 3; ++pass) {
    legendRoomBelow(plot);
    bool relaid = false;
    for (QCPAxisRect* rect : plot->axisRects()) relaid = placeLegend(plot, rect) || relaid;
    if (!relaid) break;
  }
}

QCPAxisRect* addPanel(QCustomPlot* plot, int row, int column, const QString& title, const QString& x, const QString& y,
                      bool log_x, bool log_y, Qt::Alignment legend_at) {
  const bool first = row == 0 && column == 0;
  QCPAxisRect* rect = first ? plot->axisRect() : new QCPAxisRect(plot);
  if (first) plot->plotLayout()->take(rect);
  plot->plotLayout()->addElement(3 * row, column,
                                 new QCPTextElement(plot, title, QFont(plot->font().family(), 11, QFont::Bold)));
  plot->plotLayout()->addElement(3 * row + 1, column, rect);
  auto* footer = new QCPTextElement(plot, QString(), plot->font());
  footer->setTextFlags(Qt::AlignLeft | Qt::AlignTop);
  footer->setMinimumSize(80, 0);  // wrapped to the panel's width: never widens it
  rect->setProperty("ntkFooter", QVariant::fromValue<QObject*>(footer));
  plot->plotLayout()->addElement(3 * row + 2, column, footer);
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
  legend->setProperty("ntkCorner", int(legend_at));
  plot->setAutoAddPlottableToLegend(false);
  return rect;
}

void setWholeNumberTicks(QCPAxis* axis) {
  QSharedPointer<QCPAxisTickerFixed> ticker(new QCPAxisTickerFixed);
  ticker->setTickStep(1);
  ticker->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
  axis->setTicker(ticker);
}

QCPLegend* legendOf(QCPAxisRect* rect) { return qobject_cast<QCPLegend*>(rect->insetLayout()->elementAt(0)); }

void clearPlot(QCustomPlot* plot) {
  for (QCPAxisRect* rect : plot->axisRects()) {
    if (QCPLegend* legend = legendOf(rect)) legend->clearItems();
    rect->setProperty("ntkLegendBelow", false);  // new data: the legend may fit inside again
    rect->setMinimumMargins(QMargins());
    if (QCPTextElement* footer = footerOf(rect)) footer->setText(QString());
  }
  plot->clearGraphs();
  plot->clearItems();
}

QCPGraph* addCurve(QCustomPlot* plot, QCPAxisRect* rect, const QString& name, const QPen& pen,
                   QCPScatterStyle::ScatterShape shape, const std::vector<double>& x, const std::vector<double>& y) {
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
  graph->setData(xs, ys);  // sorted by x here: a scatter's points come in any order
  if (!xs.isEmpty() && !name.isEmpty()) graph->addToLegend(legendOf(rect));
  return graph;
}

namespace {

// Replots a plot marked stale when it is shown (replotWhenShown).
class ReplotOnShow : public QObject {
 public:
  using QObject::QObject;

  bool eventFilter(QObject* watched, QEvent* event) override {
    if (event->type() == QEvent::Show && watched->property("ntkStale").toBool()) {
      watched->setProperty("ntkStale", false);
      static_cast<QCustomPlot*>(watched)->replot(QCustomPlot::rpQueuedReplot);
    }
    return false;
  }
};

}  // namespace

void replotWhenShown(QCustomPlot* plot) {
  if (plot->isVisible()) return plot->replot(QCustomPlot::rpQueuedReplot);
  plot->setProperty("ntkStale", true);
  if (plot->property("ntkReplotsOnShow").toBool()) return;
  plot->installEventFilter(new ReplotOnShow(plot));
  plot->setProperty("ntkReplotsOnShow", true);
}

QString superscript(const QString& text) {
  static const QString plain = "0123456789-+.", raised = "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺·";
  QString out;
  for (const QChar c : text) out += plain.contains(c) ? raised[plain.indexOf(c)] : c;
  return out;
}

void addPowerFit(QCustomPlot* plot, QCPAxisRect* rect, const std::vector<double>& x, const std::vector<double>& y,
                 const QString& quantity, const QString& variable) {
  const std::optional<core::LogLogFit> fit = core::fit_log_log(x, y);
  if (!fit || fit->points < 3) return;
  double lo = INFINITY, hi = 0;
  for (std::size_t i = 0; i < std::min(x.size(), y.size()); ++i)
    if (x[i] > 0 && y[i] > 0 && std::isfinite(x[i]) && std::isfinite(y[i]))
      lo = std::min(lo, x[i]), hi = std::max(hi, x[i]);
  const auto at = [&](double v) { return std::exp(fit->intercept + fit->slope * std::log(v)); };
  addCurve(plot, rect,
           QObject::tr("fit: %1 ∝ %2%3").arg(quantity, variable, superscript(QString::number(fit->slope, 'f', 2))),
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
  guide.reserve(xs.size());
  for (const double v : xs) guide.push_back(c[c.size() / 2] / std::sqrt(v));
  addCurve(plot, rect, QObject::tr("guide ∝ 1/√m"), QPen(Qt::black, 1, Qt::DashLine), QCPScatterStyle::ssNone, xs,
           guide);
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
  item->setFont(platformFont());  // the base the look scales (a new item's own is not)
  item->setClipAxisRect(rect);
  item->position->setAxisRect(rect);
  item->position->setAxes(rect->axis(QCPAxis::atBottom), rect->axis(QCPAxis::atLeft));
  item->position->setCoords(x, y);
  item->setPositionAlignment(alignment);
  item->setText(text);
}

void addNote(QCPAxisRect* rect, const QString& text) {
  QCPTextElement* footer = footerOf(rect);
  const QString notes = originalText(footer, footer->text());
  footer->setText(notes.isEmpty() ? text : notes + '\n' + text);  // wrapped at the next layout
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
  text->setFont(platformFont());
  text->setClipAxisRect(rect);
  text->position->setAxisRect(rect);
  text->position->setTypeX(QCPItemPosition::ptPlotCoords);
  text->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
  text->position->setAxes(rect->axis(QCPAxis::atBottom), rect->axis(QCPAxis::atLeft));
  text->position->setCoords(x, 0.97);
  text->setPositionAlignment(Qt::AlignLeft | Qt::AlignBottom);
  text->setText(" " + label);
  text->setProperty("ntkMarkLabel", label);  // placeMarkLabels finds it the emptiest corner by the line
}

}  // namespace ntk::ui
