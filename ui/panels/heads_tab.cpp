#include "ui/panels/heads_tab.h"

#include "core/io/captured_attention.h"
#include "ui/plots/color_maps.h"
#include "ui/plots/plot_helpers.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>
#include <cmath>
#include <limits>

namespace ntk::ui {
namespace {

struct MeasureInfo {
  HeadMeasure measure;
  const char* label;
  bool log;  ///< spans decades: a logarithmic colour scale
};

constexpr MeasureInfo measures[] = {
    {HeadMeasure::rel_fro, QT_TRANSLATE_NOOP("HeadsTab", "relative error ‖T − PrefixAttn‖_F / ‖PrefixAttn‖_F"), true},
    {HeadMeasure::max_abs, QT_TRANSLATE_NOOP("HeadsTab", "max-abs error ‖T − PrefixAttn‖∞"), true},
    {HeadMeasure::prefix_mass, QT_TRANSLATE_NOOP("HeadsTab", "the prefix's share of attention (exact)"), false},
    {HeadMeasure::anisotropy, QT_TRANSLATE_NOOP("HeadsTab", "prefix keys' anisotropy (1: isotropic)"), false},
    {HeadMeasure::outlier, QT_TRANSLATE_NOOP("HeadsTab", "prefix keys' largest outlier (|entry| / RMS)"), false},
};

const MeasureInfo& info(HeadMeasure measure) {
  for (const MeasureInfo& m : measures)
    if (m.measure == measure) return m;
  return measures[0];
}

double measured(const core::HeadResult& h, HeadMeasure measure) {
  const core::Comparison& c = h.comparison;
  switch (measure) {
    case HeadMeasure::rel_fro:
      return c.errors.rel_fro;
    case HeadMeasure::max_abs:
      return c.errors.max_abs;
    case HeadMeasure::prefix_mass:
      return c.exact.prefix_mass.size() ? c.exact.prefix_mass.mean() : NAN;
    case HeadMeasure::anisotropy:
      return h.keys.anisotropy;
    case HeadMeasure::outlier:
      return h.keys.outlier;
  }
  return NAN;
}

}  // namespace

HeadsPlot::HeadsPlot(QWidget* parent) : QCustomPlot(parent) {
  plotLayout()->insertRow(0);
  m_title = new QCPTextElement(this, tr("Open a capture and its prefix (File ▸ Open a model's heads…)"),
                               QFont(font().family(), font().pointSize() + 1, QFont::Bold));
  plotLayout()->addElement(0, 0, m_title);
  m_map = new QCPColorMap(xAxis, yAxis);
  m_scale = new QCPColorScale(this);
  plotLayout()->addElement(1, 1, m_scale);
  m_map->setColorScale(m_scale);
  m_map->setInterpolate(false);
  auto* group = new QCPMarginGroup(this);
  axisRect()->setMarginGroup(QCP::msBottom | QCP::msTop, group);
  m_scale->setMarginGroup(QCP::msBottom | QCP::msTop, group);
  xAxis->setLabel(tr("query head"));
  yAxis->setLabel(tr("layer"));
  yAxis->setRangeReversed(true);
  for (QCPAxis* axis : {xAxis, yAxis}) setWholeNumberTicks(axis);
  connect(this, &QCustomPlot::mousePress, this, [this](QMouseEvent* event) {
    if (!m_report || event->button() != Qt::LeftButton) return;
    const qint64 head = std::lround(xAxis->pixelToCoord(event->position().x()));
    const qint64 layer = std::lround(yAxis->pixelToCoord(event->position().y()));
    for (std::size_t i = 0; i < m_report->heads.size(); ++i)
      if (m_report->heads[i].layer == layer && m_report->heads[i].head == head) emit headClicked(int(i));
  });
}

void HeadsPlot::setReport(HeadsPtr report, HeadMeasure measure) {
  m_report = std::move(report);
  clearItems();
  qint64 layers = 0, heads = 0;
  if (m_report)
    for (const core::HeadResult& h : m_report->heads) {
      layers = std::max<qint64>(layers, h.layer + 1);
      heads = std::max<qint64>(heads, h.head + 1);
    }
  m_values = Eigen::MatrixXd::Constant(layers, heads, NAN);
  if (m_report)
    for (const core::HeadResult& h : m_report->heads) m_values(h.layer, h.head) = measured(h, measure);
  const MeasureInfo& shown = info(measure);
  // A single layer or head is drawn as two half cells (QCustomPlot gives one cell no extent).
  const auto cells = [](qint64 n) { return n == 1 ? 2 : int(n); };
  const auto centres = [](qint64 n) { return n == 1 ? QCPRange(-0.25, 0.25) : QCPRange(0, double(n - 1)); };
  m_map->data()->setSize(cells(heads), cells(layers));
  m_map->data()->setRange(centres(heads), centres(layers));
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (int i = 0; i < cells(layers); ++i)
    for (int j = 0; j < cells(heads); ++j) {
      const double v = m_values(std::min<qint64>(i, layers - 1), std::min<qint64>(j, heads - 1));
      m_map->data()->setCell(j, i, v);
      if (std::isfinite(v) && (!shown.log || v > 0)) {
        lo = std::min(lo, v);
        hi = std::max(hi, v);
      }
    }
  if (!(lo <= hi)) lo = hi = shown.log ? 1 : 0;
  if (lo == hi) {
    lo = shown.log ? lo / 2 : lo - 0.5;
    hi = shown.log ? hi * 2 : hi + 0.5;
  }
  m_scale->setDataScaleType(shown.log ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
  if (shown.log)
    m_scale->axis()->setTicker(QSharedPointer<QCPAxisTickerLog>::create());
  else
    m_scale->axis()->setTicker(QSharedPointer<QCPAxisTicker>::create());
  m_map->setGradient(viridis());
  m_map->setDataRange(QCPRange(lo, hi));
  m_scale->axis()->setLabel(tr(shown.label));
  // The value of every cell, while they are few enough to read.
  if (layers * heads <= 256)
    for (qint64 l = 0; l < layers; ++l)
      for (qint64 h = 0; h < heads; ++h) {
        if (!std::isfinite(m_values(l, h))) continue;
        auto* text = new QCPItemText(this);
        text->position->setCoords(double(h), double(l));
        text->setText(QString::number(m_values(l, h), 'g', 3));
        const double t =
            shown.log ? std::log(m_values(l, h) / lo) / std::log(hi / lo) : (m_values(l, h) - lo) / (hi - lo);
        text->setColor(t > 0.6 ? Qt::black : Qt::white);  // readable on viridis' dark and light ends
      }
  xAxis->setRange(-0.5, double(std::max<qint64>(heads, 1)) - 0.5);
  yAxis->setRange(-0.5, double(std::max<qint64>(layers, 1)) - 0.5);
  if (m_report && !m_report->heads.empty()) {
    const core::Parameters& p = m_report->heads.front().comparison.params;
    QString map = core::to_string(p.feature.kind);
    if (p.feature.kind == core::FeatureKind::taylor) map += tr(" degree %1").arg(p.feature.degree);
    m_title->setText(tr("NTK-Attention against the prefix, every layer and query head (%1)").arg(map));
  }
  replotWhenShown(this);
}

QString HeadsPlot::csv() const {
  return QString::fromStdString(core::heads_csv(m_report ? *m_report : core::HeadsReport{}));
}

double HeadsPlot::value(qint64 layer, qint64 head) const {
  if (layer < 0 || head < 0 || layer >= m_values.rows() || head >= m_values.cols()) return NAN;
  return m_values(layer, head);
}

HeadsTab::HeadsTab(QWidget* parent)
    : QWidget(parent),
      m_plot(new HeadsPlot),
      m_measure(new QComboBox),
      m_tolerance(new QDoubleSpinBox),
      m_files(new QLabel),
      m_status(new QLabel),
      m_summary(new QLabel),
      m_head(new QLabel),
      m_open(new QPushButton(tr("Show this head in every tab"))) {
  m_plot->setObjectName("heads");
  for (const MeasureInfo& m : measures) m_measure->addItem(tr(m.label), int(m.measure));
  m_tolerance->setDecimals(4);
  m_tolerance->setRange(0.0001, 1);
  m_tolerance->setSingleStep(0.01);
  m_tolerance->setValue(0.01);
  auto* controls = new QHBoxLayout;
  controls->addWidget(new QLabel(tr("Colour by")));
  controls->addWidget(m_measure, 1);
  controls->addWidget(new QLabel(tr("Replaceable within relative error")));
  controls->addWidget(m_tolerance);
  for (QLabel* label : {m_files, m_status, m_summary, m_head}) {
    label->setWordWrap(true);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
  }
  m_files->setText(
      tr("No model open. File ▸ Open a model's heads… takes a capture (layers.<l>.queries, keys, "
         "values in a .safetensors or .npz file) and its prefix: a PEFT prefix-tuning folder or a KV cache "
         "(docs/real-models.md; tests/data/tiny_model has one)."));
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(m_files);
  layout->addLayout(controls);
  layout->addWidget(m_plot, 1);
  layout->addWidget(m_status);
  layout->addWidget(m_summary);
  layout->addWidget(m_head);
  layout->addWidget(m_open, 0, Qt::AlignLeft);
  m_open->setEnabled(false);
  m_open->setToolTip(tr("The attention maps, outputs, errors and cost of the chosen head, with its own arrays"));
  connect(m_open, &QPushButton::clicked, this, [this] {
    if (!m_report || m_chosen < 0) return;
    const core::HeadResult& h = m_report->heads[std::size_t(m_chosen)];
    emit openHeadRequested(h.layer, h.head);
  });
  m_plot->setMinimumHeight(320);
  connect(m_measure, &QComboBox::currentIndexChanged, this,
          [this] { m_plot->setReport(m_report, HeadMeasure(m_measure->currentData().toInt())); });
  connect(m_tolerance, &QDoubleSpinBox::valueChanged, this, &HeadsTab::showSummary);
  connect(m_plot, &HeadsPlot::headClicked, this, &HeadsTab::chooseHead);
  m_plot->setReport(nullptr, HeadMeasure::rel_fro);
}

void HeadsTab::open(const QString& activations, const QString& prefix, bool checkpoint) {
  m_opened.reset();  // of the files before
  m_activations = activations;
  m_prefix = prefix;
  m_checkpoint = checkpoint;
  m_files->setText(tr("Capture %1; prefix %2 (%3).")
                       .arg(QFileInfo(activations).fileName(), QFileInfo(prefix).fileName(),
                            checkpoint ? tr("a PEFT prefix-tuning checkpoint") : tr("a KV cache")));
  compute();
}

void HeadsTab::setParameters(const core::Parameters& params) {
  const auto options = [](const core::Parameters& p) { return std::tie(p.feature, p.rank, p.precision, p.causal); };
  const bool changed = !(options(params) == options(m_params));
  m_params = params;
  if (changed && !m_activations.isEmpty()) compute();
}

void HeadsTab::compute() {
  m_busy = true;
  m_failure.clear();
  m_status->setText(tr("Comparing every head…"));
  const std::string activations = m_activations.toStdString(), prefix = m_prefix.toStdString();
  const bool checkpoint = m_checkpoint;
  const core::Parameters params = m_params;
  m_runner.replace([this, activations, prefix, checkpoint, params](const JobRunner::Ticket& ticket) {
    core::HeadsReport report;
    std::shared_ptr<OpenFiles> opened;
    QString failure;
    try {
      opened = std::make_shared<OpenFiles>(
          OpenFiles{std::make_shared<const core::CapturedAttention>(activations),
                    checkpoint ? core::open_peft_prefix(prefix) : core::open_kv_cache(prefix)});
      core::HeadsOptions options;
      options.progress = [this, ticket](std::int64_t done, std::int64_t total) {
        if (!ticket.alive()) return false;
        QMetaObject::invokeMethod(
            this, [this, done, total] { m_status->setText(tr("Comparing every head… %1 of %2").arg(done).arg(total)); },
            Qt::QueuedConnection);
        return true;
      };
      report = core::compare_heads(opened->layers, *opened->inputs, params, options);
    } catch (const std::exception& e) {
      failure = QString::fromStdString(e.what());
    }
    if (!ticket.current() || report.status == core::Status::cancelled) return;
    auto shown = std::make_shared<const core::HeadsReport>(std::move(report));
    QMetaObject::invokeMethod(
        this,
        [this, shown, opened, failure] {
          m_busy = false;
          m_failure = failure;
          if (failure.isEmpty()) {
            m_report = shown;
            m_opened = opened;
            m_status->setText(tr("%1 heads compared.").arg(shown->heads.size()));
          } else {
            m_report.reset();
            m_opened.reset();
            m_status->setText(tr("Not computed: %1").arg(failure));
          }
          m_plot->setReport(m_report, HeadMeasure(m_measure->currentData().toInt()));
          m_head->clear();
          m_chosen = -1;
          m_open->setEnabled(false);
          showSummary();
          emit computed();
        },
        Qt::QueuedConnection);
  });
}

void HeadsTab::cancel() {
  if (!m_busy) return;
  m_runner.cancel();
  m_busy = false;
  m_status->setText(
      tr("Cancelled; the map shows the last report. Change a setting or open the files again to "
         "compare every head."));
  emit computed();
}

core::HeadInputs HeadsTab::headInputs(qint64 layer, qint64 head) const {
  if (m_opened) return core::head_inputs(m_opened->layers, *m_opened->inputs, layer, head);
  const core::CapturedAttention inputs(m_activations.toStdString());
  const std::string prefix = m_prefix.toStdString();
  return core::head_inputs(m_checkpoint ? core::open_peft_prefix(prefix) : core::open_kv_cache(prefix), inputs, layer,
                           head);
}

void HeadsTab::showSummary() {
  if (!m_report || m_report->heads.empty()) {
    m_summary->clear();
    return;
  }
  const double tolerance = m_tolerance->value();
  const core::ReplacementSummary s = core::replacement_summary(*m_report, tolerance);
  const core::ParameterCounts counts = core::model_parameter_counts(*m_report);
  const core::NtkParameterCount& ntk = core::ntk_count(counts, m_report->heads.front().comparison.params.feature);
  m_summary->setText(
      tr("Within relative error %1: %2 of %3 query heads; NTK-Attention could replace %4 of %5 key/value heads "
         "(every query head reading one within it), %6 prefix parameters for %7.\n"
         "The whole model trains: the prefix %8 (m = %9), NTK-Attention %10 (r = %11; fewer than the prefix from m "
         "= %12), LoRA rank %13 on W_Q and W_V %14 (taking d_model = heads × d).")
          .arg(tolerance)
          .arg(s.within)
          .arg(s.heads)
          .arg(s.replaceable)
          .arg(s.kv_heads)
          .arg(s.prefix_parameters, 0, 'f', 0)
          .arg(s.ntk_parameters, 0, 'f', 0)
          .arg(counts.prefix, 0, 'f', 0)
          .arg(counts.m)
          .arg(ntk.parameters, 0, 'f', 0)
          .arg(ntk.r)
          .arg(ntk.break_even_m, 0, 'f', 0)
          .arg(counts.lora_rank)
          .arg(counts.lora, 0, 'f', 0));
}

void HeadsTab::chooseHead(int index) {
  if (!m_report || index < 0 || index >= int(m_report->heads.size())) return;
  m_chosen = index;
  m_open->setEnabled(true);
  const core::HeadResult& h = m_report->heads[std::size_t(index)];
  const core::Comparison& c = h.comparison;
  const core::WorkloadSpec& w = c.params.workload;
  m_head->setText(tr("Layer %1, query head %2 (key/value head %3): n = %4 queries over L = %5 input keys and "
                     "m = %6 prefix keys, d = %7, d_v = %8, r = %9. Relative error %10, max-abs %11; the prefix "
                     "takes %12 of exact attention and %13 of NTK-Attention's; its keys' anisotropy %14, largest "
                     "outlier %15 (column %16).")
                      .arg(h.layer)
                      .arg(h.head)
                      .arg(h.kv_head)
                      .arg(core::query_count(w))
                      .arg(w.L)
                      .arg(w.m)
                      .arg(w.d)
                      .arg(core::value_width(w))
                      .arg(c.r)
                      .arg(c.errors.rel_fro, 0, 'g', 3)
                      .arg(c.errors.max_abs, 0, 'g', 3)
                      .arg(c.exact.prefix_mass.mean(), 0, 'f', 3)
                      .arg(c.approx.prefix_share.mean(), 0, 'f', 3)
                      .arg(h.keys.anisotropy, 0, 'f', 2)
                      .arg(h.keys.outlier, 0, 'f', 2)
                      .arg(h.keys.outlier_dim));
}

QString HeadsTab::headText() const { return m_head->text(); }
QString HeadsTab::summaryText() const { return m_summary->text(); }

}  // namespace ntk::ui
