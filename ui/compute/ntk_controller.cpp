#include "ui/compute/ntk_controller.h"

#include "core/kernels/cost_model.h"

#include <QMetaObject>
#include <chrono>
#include <cmath>
#include <stdexcept>

namespace ntk::ui {
namespace {

constexpr auto publish_every = std::chrono::milliseconds(40);  // a growing curve redraws at 25 Hz

}  // namespace

NtkController::NtkController(const std::shared_ptr<HoldGate>& hold, QObject* parent)
    : QObject(parent), m_view(1, hold), m_training(1, hold) {
  qRegisterMetaType<NtkResultPtr>();
  qRegisterMetaType<TrainingPtr>();
}

void NtkController::request(const core::Parameters& params) {
  m_params = params;
  ++m_setting;
  m_view.replace([this, params, setting = m_setting, run = ++m_viewRun](const JobRunner::Ticket& ticket) {
    computeView(params, setting, run, ticket);
  });
  reset();
}

void NtkController::post(quint64 setting, std::function<void()> emitter) {
  // Queued: by the time it runs on the GUI thread a newer request may have replaced `setting`.
  QMetaObject::invokeMethod(
      this,
      [this, setting, emitter = std::move(emitter)] {
        if (setting == m_setting) emitter();
      },
      Qt::QueuedConnection);
}

void NtkController::computeView(const core::Parameters& params, quint64 setting, quint64 view_run,
                                const JobRunner::Ticket& ticket) {
  auto result = std::make_shared<NtkResult>();
  result->params = params;
  const core::NtkSpec& spec = params.ntk.model;
  const auto emitSnapshot = [&] {
    NtkResultPtr snapshot = std::make_shared<const NtkResult>(*result);
    post(setting, [this, snapshot, view_run] {
      if (view_run == m_viewRun) emit viewProgress(snapshot);  // not after a cancel
    });
  };
  try {
    core::check_ntk_memory(spec, core::default_memory_budget_bytes, core::NtkWork::training);
    const core::Progress whileAlive = [&](std::int64_t, std::int64_t) { return ticket.alive(); };
    result->view = core::ntk_view(spec, whileAlive);
    const std::vector<Eigen::Index> widths = core::ntk_widths(spec);
    std::vector<Eigen::Index> law;
    for (const Eigen::Index m : {spec.m / 4, spec.m, 4 * spec.m})
      if (m >= 1) law.push_back(m);
    result->planned = int(widths.size() + law.size());
    if (!ticket.alive()) return;
    emitSnapshot();
    for (const Eigen::Index m : widths) {
      result->widths.push_back(core::ntk_width_point(spec, m, whileAlive));
      if (result->widths.back().status == core::Status::cancelled) return;
      emitSnapshot();
    }
    for (const Eigen::Index m : law) {
      core::NtkSpec at = spec;
      at.m = m;
      core::GradientDescentOptions options;
      options.eta = params.ntk.eta;
      options.steps = params.ntk.steps;
      options.spectrum_every = params.ntk.steps + 1;  // the loss is all this curve needs
      options.progress = whileAlive;
      const core::GradientDescentRun run = core::train_prefix_keys(core::make_problem(at), spec.sigma, options);
      if (run.status == core::Status::cancelled) return;
      result->law.push_back({m, run.steps});
      emitSnapshot();
    }
  } catch (const std::exception& e) {
    const QString message = QString::fromUtf8(e.what());
    post(setting, [this, message] { emit failed(message); });
  }
}

void NtkController::publish(bool playing) {
  m_state.playing = playing;
  TrainingPtr snapshot = std::make_shared<const TrainingState>(m_state);
  post(m_trainedSetting, [this, snapshot] { emit trainingChanged(snapshot); });
}

bool NtkController::restart(const core::Parameters& params, quint64 setting, bool force) {
  if (!force && m_trainedSetting == setting) return bool(m_trainer);
  m_trainedSetting = setting;
  try {
    core::check_ntk_memory(params.ntk.model, core::default_memory_budget_bytes, core::NtkWork::training);
    m_trainer = std::make_unique<core::PrefixTrainer>(core::make_problem(params.ntk.model), params.ntk.model.sigma,
                                                      params.ntk.eta);
  } catch (const std::exception& e) {
    m_trainer.reset();
    const QString message = QString::fromUtf8(e.what());
    post(setting, [this, message] { emit failed(message); });
    return false;
  }
  m_state = {
      params,          {params.ntk.model.m, {m_trainer->current()}}, m_trainer->eta(), m_trainer->lambda_star(), false,
      core::Status::ok};
  if (force) publish(false);  // a play or step publishes when it has run
  return true;
}

void NtkController::reset() {
  m_training.replace(
      [this, params = m_params, setting = m_setting](const JobRunner::Ticket&) { restart(params, setting, true); });
}

void NtkController::runSteps(int count, const JobRunner::Ticket& ticket) {
  if (!m_trainer) return;
  auto last = std::chrono::steady_clock::now();
  for (int i = 0; i < count && ticket.alive() && m_state.status == core::Status::ok; ++i) {
    m_state.curve.steps.push_back(m_trainer->advance());
    if (!std::isfinite(m_state.curve.steps.back().loss)) m_state.status = core::Status::not_finite;
    if (std::chrono::steady_clock::now() - last > publish_every) {
      publish(true);
      last = std::chrono::steady_clock::now();
    }
  }
  publish(false);
}

void NtkController::play() {
  m_training.replace([this, params = m_params, setting = m_setting](const JobRunner::Ticket& ticket) {
    if (restart(params, setting, false)) runSteps(m_state.params.ntk.steps - m_trainer->current().step, ticket);
  });
}

void NtkController::cancel() {
  m_view.cancel();
  ++m_viewRun;
  pause();
}

void NtkController::pause() {
  m_training.replace([this, params = m_params, setting = m_setting](const JobRunner::Ticket&) {
    if (restart(params, setting, false)) publish(false);
  });
}

void NtkController::step() {
  m_training.replace([this, params = m_params, setting = m_setting](const JobRunner::Ticket& ticket) {
    if (restart(params, setting, false)) runSteps(1, ticket);
  });
}

}  // namespace ntk::ui
