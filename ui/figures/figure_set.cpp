#include "ui/figures/figure_set.h"

#include "ui/export/plot_actions.h"
#include "ui/look/plot_look.h"
#include "ui/panels/maps_tab.h"
#include "ui/panels/training_tab.h"
#include "ui/plots/attention_map_plot.h"
#include "ui/plots/kernel_plot.h"
#include "ui/plots/ntk_plots.h"
#include "ui/plots/output_plot.h"
#include "ui/plots/plot_helpers.h"
#include "ui/plots/scaling_plots.h"
#include "ui/status/status_text.h"

#include <QWidget>
#include <algorithm>
#include <initializer_list>

namespace ntk::ui {
FigureSet::FigureSet(QObject* parent)
    : QObject(parent),
      m_unplaced(std::make_unique<QWidget>()),
      m_controller(new ComputeController(this)),
      m_ntk(new NtkController(m_controller->comparingGate(), this)),
      m_maps(new MapsTab(m_unplaced.get())),
      m_outputs(new OutputPlot(m_unplaced.get())),
      m_kernelPlot(new KernelPlot(m_unplaced.get())),
      m_errorPlot(new ErrorScalingPlot(m_unplaced.get())),
      m_limitPlot(new LimitPlot(m_unplaced.get())),
      m_costPlot(new CostPlot(m_unplaced.get())),
      m_ntkPlot(new NtkPlot(m_unplaced.get())),
      m_trainingPlot(new TrainingPlot(m_unplaced.get())),
      m_trainingTab(new TrainingTab(m_ntk, m_trainingPlot, m_unplaced.get())) {
  const std::pair<QCustomPlot*, const char*> names[] = {{m_maps->exactMap(), "attention_exact"},
                                                        {m_maps->ntkMap(), "attention_ntk"},
                                                        {m_maps->differenceMap(), "attention_difference"},
                                                        {m_maps->rowPlot(), "attention_row"},
                                                        {m_outputs, "outputs"},
                                                        {m_errorPlot, "error_scaling"},
                                                        {m_limitPlot, "infinite_limit"},
                                                        {m_costPlot, "cost"},
                                                        {m_ntkPlot, "ntk_spectra"},
                                                        {m_trainingPlot, "training"},
                                                        {m_kernelPlot, "kernel"}};
  for (const auto& [plot, name] : names) {
    plot->setObjectName(name);
    followLook(plot);
    followLayout(plot);
    if (!qobject_cast<AttentionMapPlot*>(plot)) showValuesOnHover(plot);  // the maps say their cells
  }

  connect(m_controller, &ComputeController::resultReady, this,
          [this](quint64, ComparisonPtr r) { showResult(std::move(r)); });
  connect(m_controller, &ComputeController::scalingProgress, this, [this](quint64, ScalingPtr series) {
    m_series = std::move(series);
    for (ScalingPlot* plot : std::initializer_list<ScalingPlot*>{m_errorPlot, m_limitPlot, m_costPlot})
      plot->setSeries(m_series);
    emit changed();
  });
  connect(m_controller, &ComputeController::failed, this, [this](quint64, const QString& message) {
    m_refusal = message;
    m_comparisonStatus = tr("Not computed: %1").arg(message);
    emit changed();
  });
  connect(m_ntk, &NtkController::viewProgress, this, [this](const NtkResultPtr& result) {
    m_ntkResult = result;
    m_ntkPlot->setResult(result);
    m_trainingPlot->setLaw(result);
    updatePlotSettings();
    emit changed();
  });
  connect(m_ntk, &NtkController::trainingChanged, this, [this](TrainingPtr state) {
    m_training = state;
    updatePlotSettings();
    m_trainingTab->showState(std::move(state));
    emit changed();
    emit trainingShown();
  });
  connect(m_ntk, &NtkController::failed, this, [this](const QString& message) {
    m_ntkRefusal = message;
    m_trainingTab->showFailure(message);
    emit changed();
  });
}

FigureSet::~FigureSet() = default;

QList<QCustomPlot*> FigureSet::plots() const {
  return {m_maps->exactMap(), m_maps->ntkMap(), m_maps->differenceMap(),
          m_maps->rowPlot(),  m_outputs,        m_errorPlot,
          m_limitPlot,        m_costPlot,       m_ntkPlot,
          m_trainingPlot,     m_kernelPlot};
}

QCustomPlot* FigureSet::plot(const QString& name) const {
  for (QCustomPlot* p : plots())
    if (p->objectName() == name) return p;
  return nullptr;
}

void FigureSet::requestComparison(const core::Parameters& params, bool immediate, HeadPtr head) {
  m_refusal.clear();
  m_head = head;  // the controller shows only the latest request's result
  m_controller->request(params, immediate, std::move(head));
}

void FigureSet::requestNtk(const core::Parameters& params) {
  m_ntkRefusal.clear();
  m_ntkRequested = params;
  m_ntkCancelled = false;
  m_ntk->request(params);
}

bool FigureSet::ntkRunning() const {
  const bool viewDone = m_ntkResult && m_ntkResult->complete() &&
                        core::same_values(core::ntk_parameter_specs(), m_ntkResult->params, m_ntkRequested);
  return (!viewDone && m_ntkRefusal.isEmpty() && !m_ntkCancelled) || (m_training && m_training->playing);
}

void FigureSet::cancelNtk() {
  m_ntk->cancel();
  m_ntkCancelled = true;
  emit changed();
}

void FigureSet::cancel() {
  m_controller->cancel();
  m_comparisonStatus = tr("Cancelled; the plots show the previous result.");
  emit changed();
}

bool FigureSet::settled(const core::Parameters& comparison, const core::Parameters& ntk) const {
  return m_shown && core::same_values(core::parameter_specs(), m_shown->params, comparison) && m_series &&
         m_series->complete() && core::same_values(core::parameter_specs(), m_series->params, comparison) &&
         m_ntkResult && m_ntkResult->complete() &&
         core::same_values(core::ntk_parameter_specs(), m_ntkResult->params, ntk) && m_training &&
         !m_training->playing && core::same_values(core::ntk_parameter_specs(), m_training->params, ntk);
}

QString FigureSet::refusal() const {
  if (!m_refusal.isEmpty()) return m_refusal;
  return m_ntkRefusal.isEmpty() ? QString() : tr("the NTK view: %1").arg(m_ntkRefusal);
}

void FigureSet::pin(const ScalingPtr& series) {
  for (ScalingPlot* plot : std::initializer_list<ScalingPlot*>{m_errorPlot, m_limitPlot, m_costPlot})
    plot->setPinned(series);
}

void FigureSet::updatePlotSettings() {
  for (QCustomPlot* plot : plots()) {
    std::string line;
    if (plot == m_ntkPlot) {
      if (m_ntkResult) line = core::ntk_command_line(m_ntkResult->params, false);
    } else if (plot == m_trainingPlot) {
      if (m_training) line = core::ntk_command_line(m_training->params, true);
    } else if (m_shown) {
      line = m_head ? m_head->command_line(m_shown->params) : core::command_line(m_shown->params);
    }
    setPlotSettings(plot, QString::fromStdString(line));
  }
}

void FigureSet::showResult(ComparisonPtr result) {
  m_shown = std::move(result);
  updatePlotSettings();
  const core::Comparison& c = *m_shown;
  m_maps->showComparison(m_shown);
  m_outputs->setComparison(c);
  m_kernelPlot->setParameters(c.params);
  const auto slot = [](core::Precision p) { return p == core::Precision::float32 ? 1 : 0; };
  m_lastByPrecision[slot(c.params.precision)] = m_shown;
  const ComparisonPtr& other = m_lastByPrecision[1 - slot(c.params.precision)];
  m_comparisonStatus = ui::comparisonStatus(c, other.get());
  emit changed();
  emit resultShown();
}

}  // namespace ntk::ui
