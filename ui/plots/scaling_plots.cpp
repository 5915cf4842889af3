#include "ui/plots/scaling_plots.h"

#include <algorithm>
#include <cmath>

namespace ntk::ui {
namespace {

using Points = std::vector<core::ScalingPoint>;
using Field = std::function<double(const core::ScalingPoint&)>;

// Okabe-Ito colours: distinguishable with every common colour-vision deficiency.
const QColor exact_colour("#0072B2"), ntk_colour("#D55E00"), compress_colour("#009E73"),
    bound_colour("#CC79A7"), ghost_colour(160, 160, 160);

double by_m(const core::ScalingPoint& p) { return double(p.m); }
double by_r(const core::ScalingPoint& p) { return double(p.r); }
double max_abs(const core::ScalingPoint& p) { return p.max_abs; }
double bound(const core::ScalingPoint& p) { return p.bound.value_or(NAN); }
double limit(const core::ScalingPoint& p) { return p.limit_distance.value_or(NAN); }

QString describe(const core::Parameters& p) {
  QString map = core::to_string(p.feature.kind);
  if (p.feature.kind == core::FeatureKind::taylor) map += QString(" g=%1").arg(p.feature.degree);
  if (p.feature.kind == core::FeatureKind::favor) map += QString(" r=%1").arg(p.feature.features);
  return QString("%1, scale %2, L %3, d %4, m %5, seed %6")
      .arg(map).arg(p.workload.scale).arg(p.workload.L).arg(p.workload.d).arg(p.workload.m)
      .arg(p.workload.seed);
}

void makeLogLog(QCPAxisRect* rect, const QString& x, const QString& y) {
  for (QCPAxis* axis : {rect->axis(QCPAxis::atBottom), rect->axis(QCPAxis::atLeft)}) {
    axis->setScaleType(QCPAxis::stLogarithmic);
    axis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
    axis->setNumberFormat("eb");
    axis->setNumberPrecision(0);
  }
  rect->axis(QCPAxis::atBottom)->setLabel(x);
  rect->axis(QCPAxis::atLeft)->setLabel(y);
}

// A titled log-log panel at column `column`; the plot's first panel reuses the default rect.
QCPAxisRect* addPanel(QCustomPlot* plot, int column, const QString& title, const QString& x,
                      const QString& y, Qt::Alignment legend_at = Qt::AlignTop | Qt::AlignRight) {
  QCPAxisRect* rect = column == 0 ? plot->axisRect() : new QCPAxisRect(plot);
  if (column == 0) plot->plotLayout()->take(rect);
  plot->plotLayout()->addElement(0, column, new QCPTextElement(plot, title, QFont(plot->font().family(), 11, QFont::Bold)));
  plot->plotLayout()->addElement(1, column, rect);
  makeLogLog(rect, x, y);
  QCPLegend* legend = plot->legend;  // the default rect holds the default legend
  if (column > 0) {
    legend = new QCPLegend;
    rect->insetLayout()->addElement(legend, legend_at);
    legend->setLayer("legend");
  }
  if (column == 0) rect->insetLayout()->setInsetAlignment(0, legend_at);
  legend->setVisible(true);
  legend->setBrush(QColor(255, 255, 255, 215));
  return rect;
}

QCPLegend* legendOf(QCPAxisRect* rect) {
  return qobject_cast<QCPLegend*>(rect->insetLayout()->elementAt(0));
}

// Removes every graph and item. QCustomPlot only drops removed graphs from its default legend,
// so the extra panels' legends are emptied first.
void clearPlot(QCustomPlot* plot) {
  for (QCPAxisRect* rect : plot->axisRects()) legendOf(rect)->clearItems();
  plot->clearGraphs();
  plot->clearItems();
}

// A graph of field y against field x over `points` (only positive, finite pairs: log axes).
QCPGraph* addCurve(QCustomPlot* plot, QCPAxisRect* rect, const QString& name, const QPen& pen,
                   QCPScatterStyle::ScatterShape shape, const Points& points, const Field& x,
                   const Field& y) {
  QCPGraph* graph = plot->addGraph(rect->axis(QCPAxis::atBottom), rect->axis(QCPAxis::atLeft));
  graph->setName(name);
  graph->setPen(pen);
  graph->setScatterStyle(QCPScatterStyle(shape, pen.color(), pen.color(), 7));
  QVector<double> xs, ys;
  for (const core::ScalingPoint& p : points)
    if (x(p) > 0 && y(p) > 0 && std::isfinite(x(p)) && std::isfinite(y(p))) {
      xs.push_back(x(p));
      ys.push_back(y(p));
    }
  graph->setData(xs, ys, true);
  if (!xs.isEmpty()) graph->addToLegend(legendOf(rect));
  return graph;
}

QCPGraph* addGhost(QCustomPlot* plot, QCPAxisRect* rect, const ScalingPtr& pinned, const Points& points,
                   const Field& x, const Field& y, const QString& what) {
  return addCurve(plot, rect, QObject::tr("pinned %1: %2").arg(what, describe(pinned->params)),
                  QPen(ghost_colour, 2, Qt::DashLine), QCPScatterStyle::ssCircle, points, x, y);
}

void addCurrent(QCustomPlot* plot, QCPAxisRect* rect, const core::ScalingPoint& current,
                const Field& x, const Field& y) {
  QCPGraph* graph = addCurve(plot, rect, QObject::tr("shown result"), QPen(Qt::black), QCPScatterStyle::ssStar,
                             {current}, x, y);
  graph->setLineStyle(QCPGraph::lsNone);
  graph->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssStar, QPen(Qt::black, 2), Qt::NoBrush, 16));
}

// The least-squares line of log y on log x, drawn across the points' range and named by slope.
void addFit(QCustomPlot* plot, QCPAxisRect* rect, const Points& points, const Field& x,
            const Field& y, const QString& quantity, const QString& variable) {
  std::vector<double> xs, ys;
  for (const core::ScalingPoint& p : points) {
    xs.push_back(x(p));
    ys.push_back(y(p));
  }
  const std::optional<core::LogLogFit> fit = core::fit_log_log(xs, ys);
  if (!fit || fit->points < 3) return;
  const auto [lo, hi] = std::minmax_element(xs.begin(), xs.end());
  const auto at = [&](double v) { return std::exp(fit->intercept + fit->slope * std::log(v)); };
  QCPGraph* graph = plot->addGraph(rect->axis(QCPAxis::atBottom), rect->axis(QCPAxis::atLeft));
  graph->setPen(QPen(Qt::black, 1, Qt::DotLine));
  graph->setName(QObject::tr("fit: %1 ∝ %2^%3").arg(quantity, variable).arg(fit->slope, 0, 'f', 2));
  graph->setData({*lo, *hi}, {at(*lo), at(*hi)});
  graph->addToLegend(legendOf(rect));
}

// Both axes around every graph of the panel, with a factor-2 margin (log axes).
void fitRange(QCPAxisRect* rect) {
  bool any = false;
  QCPRange x, y;
  for (QCPGraph* graph : rect->graphs()) {
    bool found = false;
    const QCPRange gx = graph->getKeyRange(found, QCP::sdPositive);
    if (!found) continue;
    const QCPRange gy = graph->getValueRange(found, QCP::sdPositive);
    if (!found) continue;
    x = any ? QCPRange(std::min(x.lower, gx.lower), std::max(x.upper, gx.upper)) : gx;
    y = any ? QCPRange(std::min(y.lower, gy.lower), std::max(y.upper, gy.upper)) : gy;
    any = true;
  }
  if (!any) return;
  rect->axis(QCPAxis::atBottom)->setRange(x.lower / 1.5, x.upper * 2.5);  // room for labels
  rect->axis(QCPAxis::atLeft)->setRange(y.lower / 2, y.upper * 2);
}

void addText(QCustomPlot* plot, QCPAxisRect* rect, double x, double y, const QString& text,
             Qt::Alignment alignment) {
  auto* item = new QCPItemText(plot);
  item->setClipAxisRect(rect);
  item->position->setAxisRect(rect);
  item->position->setAxes(rect->axis(QCPAxis::atBottom), rect->axis(QCPAxis::atLeft));
  item->position->setCoords(x, y);
  item->setPositionAlignment(alignment);
  item->setText(text);
}

void addNote(QCustomPlot* plot, QCPAxisRect* rect, const QString& text) {
  auto* item = new QCPItemText(plot);
  item->setClipAxisRect(rect);
  item->position->setType(QCPItemPosition::ptAxisRectRatio);
  item->position->setAxisRect(rect);
  item->position->setCoords(0.02, 0.02);
  item->setPositionAlignment(Qt::AlignLeft | Qt::AlignTop);
  item->setText(text);
}

// A vertical line at the crossover of `a` over `b` (if any), labelled.
void markCrossover(QCustomPlot* plot, QCPAxisRect* rect, const Points& points, const Field& a,
                   const Field& b, const QString& label) {
  std::vector<double> x, ya, yb;
  for (const core::ScalingPoint& p : points) {
    x.push_back(double(p.m));
    ya.push_back(a(p));
    yb.push_back(b(p));
  }
  const std::optional<double> at = core::crossover(x, ya, yb);
  if (!at) return;
  auto* line = new QCPItemStraightLine(plot);
  line->setClipAxisRect(rect);
  for (QCPItemPosition* end : {line->point1, line->point2}) {
    end->setAxisRect(rect);
    end->setAxes(rect->axis(QCPAxis::atBottom), rect->axis(QCPAxis::atLeft));
  }
  line->point1->setCoords(*at, 1);
  line->point2->setCoords(*at, 10);
  line->setPen(QPen(Qt::darkGray, 1.5, Qt::DashDotLine));
  auto* text = new QCPItemText(plot);
  text->setClipAxisRect(rect);
  text->position->setAxisRect(rect);
  text->position->setTypeX(QCPItemPosition::ptPlotCoords);
  text->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
  text->position->setAxes(rect->axis(QCPAxis::atBottom), rect->axis(QCPAxis::atLeft));
  text->position->setCoords(*at, 0.97);
  text->setPositionAlignment(Qt::AlignLeft | Qt::AlignBottom);
  text->setText(" " + label.arg(*at, 0, 'g', 3));
}

}  // namespace

ScalingPlot::ScalingPlot(QWidget* parent) : QCustomPlot(parent) {
  setAutoAddPlottableToLegend(false);
}

void ScalingPlot::setSeries(ScalingPtr series) {
  m_series = std::move(series);
  redraw();
}

void ScalingPlot::setPinned(ScalingPtr pinned) {
  m_pinned = std::move(pinned);
  redraw();
}

QString ScalingPlot::csv() const {
  QString out =
      "series,m,r,degree,max_abs,rel_fro,taylor_bound,limit_distance,exact_s,ntk_s,compress_s,"
      "exact_bytes,ntk_bytes\n";
  const auto optional = [](const std::optional<double>& v) { return v ? QString::number(*v, 'g', 17) : QString(); };
  const auto rows = [&](const QString& name, const Points& points) {
    for (const core::ScalingPoint& p : points)
      out += QStringList{name, QString::number(p.m), QString::number(p.r), QString::number(p.degree),
                         QString::number(p.max_abs, 'g', 17), QString::number(p.rel_fro, 'g', 17),
                         optional(p.bound), optional(p.limit_distance),
                         QString::number(p.exact_seconds, 'g', 6), QString::number(p.ntk_seconds, 'g', 6),
                         QString::number(p.compress_seconds, 'g', 6), QString::number(p.exact_bytes, 'g', 17),
                         QString::number(p.ntk_bytes, 'g', 17)}
                 .join(',') + "\n";
  };
  for (const auto& [name, series] : {std::pair{QString(""), m_series}, std::pair{QString("pinned_"), m_pinned}}) {
    if (!series) continue;
    rows(name + "shown", {series->current});
    rows(name + "by_m", series->by_length);
    rows(name + "by_feature", series->by_feature);
  }
  return out;
}

ErrorScalingPlot::ErrorScalingPlot(QWidget* parent) : ScalingPlot(parent) {
  m_byLength = addPanel(this, 0, tr("NTK-Attention's error against prefix length m"),
                        tr("prefix length m"), tr("max-abs error ‖T − PrefixAttn‖∞"));
  m_byFeature = addPanel(this, 1, tr("…and against the feature dimension r"),
                         tr("feature dimension r"), tr("max-abs error ‖T − PrefixAttn‖∞"),
                         Qt::AlignBottom | Qt::AlignLeft);
}

void ErrorScalingPlot::redraw() {
  clearPlot(this);
  if (m_pinned) {
    addGhost(this, m_byLength, m_pinned, m_pinned->by_length, by_m, max_abs, tr("error"));
    addGhost(this, m_byFeature, m_pinned, m_pinned->by_feature, by_r, max_abs, tr("error"));
  }
  if (m_series) {
    const QPen pen(ntk_colour, 2);
    addCurve(this, m_byLength, tr("measured"), pen, QCPScatterStyle::ssDisc, m_series->by_length, by_m, max_abs);
    addCurve(this, m_byLength, tr("Taylor bound (worst case, where it applies)"), QPen(bound_colour, 2, Qt::DashLine),
             QCPScatterStyle::ssNone, m_series->by_length, by_m, bound);
    addFit(this, m_byLength, m_series->by_length, by_m, max_abs, tr("error"), "m");
    addCurrent(this, m_byLength, m_series->current, by_m, max_abs);
    addCurve(this, m_byFeature, tr("measured at m = %1").arg(m_series->params.workload.m), pen,
             QCPScatterStyle::ssDisc, m_series->by_feature, by_r, max_abs);
    addCurve(this, m_byFeature, tr("Taylor bound (worst case, where it applies)"), QPen(bound_colour, 2, Qt::DashLine),
             QCPScatterStyle::ssNone, m_series->by_feature, by_r, bound);
    addFit(this, m_byFeature, m_series->by_feature, by_r, max_abs, tr("error"), "r");
    addCurrent(this, m_byFeature, m_series->current, by_r, max_abs);
    for (const core::ScalingPoint& p : m_series->by_feature)
      if (p.degree > 0 && p.max_abs > 0 && std::isfinite(p.max_abs))
        addText(this, m_byFeature, double(p.r), p.max_abs, QString("  g=%1").arg(p.degree), Qt::AlignLeft | Qt::AlignBottom);
    if (m_series->params.feature.kind == core::FeatureKind::elu)
      addNote(this, m_byFeature, tr("ELU+1 has no size to vary: r = d."));
    if (!m_series->complete())
      addNote(this, m_byLength, tr("computing… %1 of %2 points")
                                    .arg(m_series->by_length.size() + m_series->by_feature.size())
                                    .arg(m_series->planned));
  }
  fitRange(m_byLength);
  fitRange(m_byFeature);
  replot(rpQueuedReplot);
}

LimitPlot::LimitPlot(QWidget* parent) : ScalingPlot(parent) {
  addPanel(this, 0, tr("Exact attention against its infinite-prefix limit"), tr("prefix length m"),
           tr("max-abs distance to the m → ∞ closed form"));
  m_title = qobject_cast<QCPTextElement*>(plotLayout()->element(0, 0));
}

void LimitPlot::redraw() {
  clearPlot(this);
  QCPAxisRect* rect = axisRect();
  if (m_pinned) addGhost(this, rect, m_pinned, m_pinned->by_length, by_m, limit, tr("distance"));
  if (m_series) {
    const Points& points = m_series->by_length;
    addCurve(this, rect, tr("measured"), QPen(exact_colour, 2), QCPScatterStyle::ssDisc, points, by_m, limit);
    // The guide c / sqrt(m), with c the median of distance * sqrt(m) over the points.
    std::vector<double> c;
    for (const core::ScalingPoint& p : points)
      if (p.limit_distance && *p.limit_distance > 0) c.push_back(*p.limit_distance * std::sqrt(double(p.m)));
    if (!c.empty()) {
      std::nth_element(c.begin(), c.begin() + c.size() / 2, c.end());
      const double scale = c[c.size() / 2];
      Points guide = points;
      for (core::ScalingPoint& p : guide) p.limit_distance = scale / std::sqrt(double(p.m));
      addCurve(this, rect, tr("guide ∝ 1/√m"), QPen(Qt::black, 1, Qt::DashLine), QCPScatterStyle::ssNone,
               guide, by_m, limit);
    }
    addFit(this, rect, points, by_m, limit, tr("distance"), "m");
    addCurrent(this, rect, m_series->current, by_m, limit);
    m_title->setText(m_series->params.workload.mode == core::WorkloadMode::direct
                         ? tr("Exact attention against its infinite-prefix limit (direct mode: the limit is 0, "
                              "so this is max |T|)")
                         : tr("Exact attention against its infinite-prefix limit σ² Q W_Kᵀ W_V / √d"));
  }
  fitRange(rect);
  replot(rpQueuedReplot);
}

CostPlot::CostPlot(QWidget* parent) : ScalingPlot(parent) {
  m_time = addPanel(this, 0, tr("Measured time per evaluation"), tr("prefix length m"), tr("seconds"));
  m_memory = addPanel(this, 1, tr("Memory each method keeps (from the array sizes)"), tr("prefix length m"),
                      tr("bytes"));
}

void CostPlot::redraw() {
  clearPlot(this);
  const Field exact_s = [](const core::ScalingPoint& p) { return p.exact_seconds; };
  const Field ntk_s = [](const core::ScalingPoint& p) { return p.ntk_seconds; };
  const Field compress_s = [](const core::ScalingPoint& p) { return p.compress_seconds; };
  const Field exact_b = [](const core::ScalingPoint& p) { return p.exact_bytes; };
  const Field ntk_b = [](const core::ScalingPoint& p) { return p.ntk_bytes; };
  if (m_pinned) {
    addGhost(this, m_time, m_pinned, m_pinned->by_length, by_m, exact_s, tr("exact"));
    addGhost(this, m_time, m_pinned, m_pinned->by_length, by_m, ntk_s, tr("NTK-Attention"));
  }
  if (m_series) {
    const Points& points = m_series->by_length;
    addCurve(this, m_time, tr("exact prefix attention"), QPen(exact_colour, 2), QCPScatterStyle::ssDisc, points, by_m, exact_s);
    addCurve(this, m_time, tr("NTK-Attention (Z, k given)"), QPen(ntk_colour, 2), QCPScatterStyle::ssSquare, points, by_m, ntk_s);
    addCurve(this, m_time, tr("computing Z, k from the prefix (once)"), QPen(compress_colour, 2, Qt::DashLine),
             QCPScatterStyle::ssTriangle, points, by_m, compress_s);
    markCrossover(this, m_time, points, exact_s, ntk_s, tr("exact slower from m ≈ %1"));
    addCurve(this, m_memory, tr("exact: K_P, V_P and the inputs"), QPen(exact_colour, 2), QCPScatterStyle::ssDisc,
             points, by_m, exact_b);
    addCurve(this, m_memory, tr("NTK-Attention: Z, k and the inputs"), QPen(ntk_colour, 2), QCPScatterStyle::ssSquare,
             points, by_m, ntk_b);
    markCrossover(this, m_memory, points, exact_b, ntk_b, tr("exact larger from m ≈ %1"));
    addNote(this, m_time, tr("one thread; medians of up to 5 runs when a run is under 20 ms"));
  }
  fitRange(m_time);
  fitRange(m_memory);
  replot(rpQueuedReplot);
}

}  // namespace ntk::ui
