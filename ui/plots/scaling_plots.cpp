#include "ui/plots/scaling_plots.h"

#include "ui/plots/plot_helpers.h"

#include <algorithm>
#include <cmath>

namespace ntk::ui {
namespace {

using Points = std::vector<core::ScalingPoint>;
using Field = std::function<double(const core::ScalingPoint&)>;

double by_m(const core::ScalingPoint& p) { return double(p.m); }
double by_r(const core::ScalingPoint& p) { return double(p.r); }
double max_abs(const core::ScalingPoint& p) { return p.max_abs; }
double bound(const core::ScalingPoint& p) { return p.bound.value_or(NAN); }
double limit(const core::ScalingPoint& p) { return p.limit_distance.value_or(NAN); }

// Why the Taylor bound ends part way along the m series, or is missing from all of it: it holds
// only while eps < 1, and beta, the largest score over the prefix keys, grows with m.
QString boundNote(const Points& points) {
  const auto bounded = std::count_if(points.begin(), points.end(), [](const auto& p) { return p.bound.has_value(); });
  if (points.empty() || points.front().degree == 0 || bounded == Eigen::Index(points.size())) return {};
  const QString rule = QObject::tr(
      "The Taylor bound holds only while ε = eᵝ βᵍ⁺¹/(g+1)! < 1, "
      "β = max |⟨q, κ⟩|/√d over the prefix keys, which grows with m");
  if (bounded == 0) return rule + QObject::tr(": ε ≥ 1 at every m here.");
  Eigen::Index last = 0;
  for (const core::ScalingPoint& p : points)
    if (p.bound) last = std::max(last, p.m);
  return rule + QObject::tr("; so it grows, and ends after m = %1.").arg(last);
}

std::vector<double> column(const Points& points, const Field& field) {
  std::vector<double> out;
  for (const core::ScalingPoint& p : points) out.push_back(field(p));
  return out;
}

QString describe(const core::Parameters& p) {
  QString map = core::to_string(p.feature.kind);
  if (p.feature.kind == core::FeatureKind::taylor) map += QString(" g=%1").arg(p.feature.degree);
  if (p.feature.kind == core::FeatureKind::favor) map += QString(" r=%1").arg(p.feature.features);
  return QString("%1, scale %2, L %3, d %4, m %5, seed %6")
      .arg(map)
      .arg(p.workload.scale)
      .arg(p.workload.L)
      .arg(p.workload.d)
      .arg(p.workload.m)
      .arg(p.workload.seed);
}

QCPGraph* curve(QCustomPlot* plot, QCPAxisRect* rect, const QString& name, const QPen& pen,
                QCPScatterStyle::ScatterShape shape, const Points& points, const Field& x, const Field& y) {
  return addCurve(plot, rect, name, pen, shape, column(points, x), column(points, y));
}

void addGhost(QCustomPlot* plot, QCPAxisRect* rect, const ScalingPtr& pinned, const Points& points, const Field& x,
              const Field& y, const QString& what) {
  curve(plot, rect, QObject::tr("pinned %1: %2").arg(what, describe(pinned->params)),
        QPen(palette::ghost, 2, Qt::DashLine), QCPScatterStyle::ssCircle, points, x, y);
}

void addCurrent(QCustomPlot* plot, QCPAxisRect* rect, const core::ScalingPoint& current, const Field& x,
                const Field& y) {
  QCPGraph* graph =
      curve(plot, rect, QObject::tr("shown result"), QPen(Qt::black), QCPScatterStyle::ssStar, {current}, x, y);
  graph->setLineStyle(QCPGraph::lsNone);
  graph->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssStar, QPen(Qt::black, 2), Qt::NoBrush, 16));
}

void addFit(QCustomPlot* plot, QCPAxisRect* rect, const Points& points, const Field& x, const Field& y,
            const QString& quantity, const QString& variable) {
  addPowerFit(plot, rect, column(points, x), column(points, y), quantity, variable);
}

// A vertical line where `a` overtakes `b` over the points' m (if it does), labelled.
void markCrossover(QCustomPlot* plot, QCPAxisRect* rect, const Points& points, const Field& a, const Field& b,
                   const QString& label) {
  const std::optional<double> at = core::crossover(column(points, by_m), column(points, a), column(points, b));
  if (at) addVerticalMark(plot, rect, *at, label.arg(*at, 0, 'f', 0));  // "m ≈ 9737", not 9.74e+03
}

// What one head trains against m (core::head_parameter_counts): the prefix's keys and values
// grow with m, NTK-Attention's Z and k and LoRA's factors do not; the m from which the prefix
// trains more than NTK-Attention is marked.
void addParameterCounts(QCustomPlot* plot, QCPAxisRect* rect, const Points& points) {
  const Field prefix = [](const core::ScalingPoint& p) { return p.prefix_parameters; };
  const Field ntk = [](const core::ScalingPoint& p) { return p.ntk_parameters; };
  const Field lora = [](const core::ScalingPoint& p) { return p.lora_parameters; };
  curve(plot, rect, QObject::tr("prefix: keys and values, m (d + dᵥ)"), QPen(palette::blue, 2), QCPScatterStyle::ssDisc,
        points, by_m, prefix);
  curve(plot, rect, QObject::tr("NTK-Attention: Z and k, r dᵥ + r"), QPen(palette::vermillion, 2),
        QCPScatterStyle::ssSquare, points, by_m, ntk);
  curve(plot, rect, QObject::tr("LoRA, rank %1, on W_Q and W_V").arg(core::default_lora_rank),
        QPen(palette::green, 2, Qt::DashLine), QCPScatterStyle::ssNone, points, by_m, lora);
  addNote(rect, QObject::tr("The paper trains P (m × d) through frozen projections; PEFT trains the keys and "
                            "values themselves, counted here. LoRA: PEFT's default rank, the model width = d."));
  if (points.empty()) return;
  const double at = points.front().ntk_break_even_m;
  if (at >= double(points.front().m) && at <= double(points.back().m))
    addVerticalMark(plot, rect, at, QObject::tr("prefix trains more from m = %1").arg(at, 0, 'f', 0));
}

}  // namespace

ScalingPlot::ScalingPlot(QWidget* parent) : QCustomPlot(parent) {}

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
      "exact_bytes,ntk_bytes,prefix_parameters,ntk_parameters,lora_parameters\n";
  const auto optional = [](const std::optional<double>& v) { return v ? QString::number(*v, 'g', 17) : QString(); };
  const auto rows = [&](const QString& name, const Points& points) {
    for (const core::ScalingPoint& p : points)
      out += QStringList{name,
                         QString::number(p.m),
                         QString::number(p.r),
                         QString::number(p.degree),
                         QString::number(p.max_abs, 'g', 17),
                         QString::number(p.rel_fro, 'g', 17),
                         optional(p.bound),
                         optional(p.limit_distance),
                         QString::number(p.exact_seconds, 'g', 6),
                         QString::number(p.ntk_seconds, 'g', 6),
                         QString::number(p.compress_seconds, 'g', 6),
                         QString::number(p.exact_bytes, 'g', 17),
                         QString::number(p.ntk_bytes, 'g', 17),
                         QString::number(p.prefix_parameters, 'g', 17),
                         QString::number(p.ntk_parameters, 'g', 17),
                         QString::number(p.lora_parameters, 'g', 17)}
                 .join(',') +
             "\n";
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
  m_byLength = addPanel(this, 0, 0, tr("NTK-Attention's error against m"), tr("prefix length m"),
                        tr("max-abs error ‖T − PrefixAttn‖∞"), true, true);
  m_byFeature = addPanel(this, 0, 1, tr("…and against the feature dimension r"), tr("feature dimension r"),
                         tr("max-abs error ‖T − PrefixAttn‖∞"), true, true, Qt::AlignBottom | Qt::AlignLeft);
}

void ErrorScalingPlot::redraw() {
  clearPlot(this);
  if (m_pinned) {
    addGhost(this, m_byLength, m_pinned, m_pinned->by_length, by_m, max_abs, tr("error"));
    addGhost(this, m_byFeature, m_pinned, m_pinned->by_feature, by_r, max_abs, tr("error"));
  }
  if (m_series) {
    const QPen pen(palette::vermillion, 2);
    curve(this, m_byLength, tr("measured"), pen, QCPScatterStyle::ssDisc, m_series->by_length, by_m, max_abs);
    curve(this, m_byLength, tr("Taylor bound (worst case)"), QPen(palette::pink, 2, Qt::DashLine),
          QCPScatterStyle::ssNone, m_series->by_length, by_m, bound);
    addFit(this, m_byLength, m_series->by_length, by_m, max_abs, tr("error"), "m");
    addCurrent(this, m_byLength, m_series->current, by_m, max_abs);
    curve(this, m_byFeature, tr("measured at m = %1").arg(m_series->params.workload.m), pen, QCPScatterStyle::ssDisc,
          m_series->by_feature, by_r, max_abs);
    curve(this, m_byFeature, tr("Taylor bound (worst case)"), QPen(palette::pink, 2, Qt::DashLine),
          QCPScatterStyle::ssNone, m_series->by_feature, by_r, bound);
    addFit(this, m_byFeature, m_series->by_feature, by_r, max_abs, tr("error"), "r");
    addCurrent(this, m_byFeature, m_series->current, by_r, max_abs);
    for (const core::ScalingPoint& p : m_series->by_feature)
      if (p.degree > 0 && p.max_abs > 0 && std::isfinite(p.max_abs))
        addText(this, m_byFeature, double(p.r), p.max_abs, QString("  g=%1").arg(p.degree),
                Qt::AlignLeft | Qt::AlignBottom);
    if (m_series->params.feature.kind == core::FeatureKind::elu)
      addNote(m_byFeature, tr("ELU+1 has no size to vary: r = d."));
    if (const std::string cut = core::feature_variants_cut(m_series->params); !cut.empty())
      addNote(m_byFeature, tr("Not computed: %1.").arg(QString::fromStdString(cut)));
    if (const QString why = boundNote(m_series->by_length); !why.isEmpty()) addNote(m_byLength, why);
    if (!m_series->complete())
      addNote(m_byLength, tr("computing… %1 of %2 points")
                              .arg(m_series->by_length.size() + m_series->by_feature.size())
                              .arg(m_series->planned));
  }
  fitRange(m_byLength);
  fitRange(m_byFeature);
  replotWhenShown(this);
}

LimitPlot::LimitPlot(QWidget* parent) : ScalingPlot(parent) {
  addPanel(this, 0, 0, tr("Exact attention against its m → ∞ limit"), tr("prefix length m"),
           tr("max-abs distance to the m → ∞ closed form"), true, true);
  m_title = qobject_cast<QCPTextElement*>(plotLayout()->element(0, 0));
}

void LimitPlot::redraw() {
  clearPlot(this);
  QCPAxisRect* rect = axisRect();
  if (m_pinned) addGhost(this, rect, m_pinned, m_pinned->by_length, by_m, limit, tr("distance"));
  if (m_series) {
    const Points& points = m_series->by_length;
    curve(this, rect, tr("measured"), QPen(palette::blue, 2), QCPScatterStyle::ssDisc, points, by_m, limit);
    addInverseSqrtGuide(this, rect, column(points, by_m), column(points, limit));
    addFit(this, rect, points, by_m, limit, tr("distance"), "m");
    addCurrent(this, rect, m_series->current, by_m, limit);
    m_title->setText(m_series->params.workload.mode == core::WorkloadMode::direct
                         ? tr("Exact attention against its infinite-prefix limit (direct mode: the limit is 0, "
                              "so this is max |T|)")
                         : tr("Exact attention against its infinite-prefix limit σ² Q Wₖᵀ Wᵥ / √d"));
  }
  fitRange(rect);
  replotWhenShown(this);
}

CostPlot::CostPlot(QWidget* parent) : ScalingPlot(parent) {
  m_time = addPanel(this, 0, 0, tr("Time per evaluation (measured)"), tr("prefix length m"), tr("seconds"), true, true);
  m_memory =
      addPanel(this, 0, 1, tr("Memory kept (from the array sizes)"), tr("prefix length m"), tr("bytes"), true, true);
  m_parameters = addPanel(this, 1, 0, tr("Trainable parameters of one head (counted)"), tr("prefix length m"),
                          tr("parameters"), true, true);
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
    // A real head has no series over m (it would draw generated workloads): its one point, and
    // its counts over the lengths a series would have.
    const bool head_alone = m_series->head;
    const Points points = head_alone ? Points{m_series->current} : m_series->by_length;
    curve(this, m_time, tr("exact prefix attention"), QPen(palette::blue, 2), QCPScatterStyle::ssDisc, points, by_m,
          exact_s);
    curve(this, m_time, tr("NTK-Attention (Z, k given)"), QPen(palette::vermillion, 2), QCPScatterStyle::ssSquare,
          points, by_m, ntk_s);
    curve(this, m_time, tr("computing Z, k from the prefix (once)"), QPen(palette::green, 2, Qt::DashLine),
          QCPScatterStyle::ssTriangle, points, by_m, compress_s);
    markCrossover(this, m_time, points, exact_s, ntk_s, tr("exact slower from m ≈ %1"));
    curve(this, m_memory, tr("exact: Kₚ, Vₚ and the inputs"), QPen(palette::blue, 2), QCPScatterStyle::ssDisc, points,
          by_m, exact_b);
    curve(this, m_memory, tr("NTK-Attention: Z, k and the inputs"), QPen(palette::vermillion, 2),
          QCPScatterStyle::ssSquare, points, by_m, ntk_b);
    markCrossover(this, m_memory, points, exact_b, ntk_b, tr("exact larger from m ≈ %1"));
    addNote(m_time, head_alone ? tr("the shown head's one comparison, on every thread; medians of up to 5 runs "
                                    "when a run is under 20 ms")
                               : tr("one thread; medians of up to 5 runs when a run is under 20 ms"));
    addParameterCounts(
        this, m_parameters,
        head_alone ? core::counted_points(m_series->params, core::scaling_lengths(m_series->params)) : points);
  }
  fitRange(m_time);
  fitRange(m_memory);
  fitRange(m_parameters);
  replotWhenShown(this);
}

}  // namespace ntk::ui
