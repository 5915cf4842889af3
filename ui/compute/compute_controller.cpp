#include "ui/compute/compute_controller.h"

#include "core/util/parallel.h"

#include <QMetaObject>
#include <exception>
#include <stdexcept>

namespace ntk::ui {
namespace {

constexpr Eigen::Index map_bins = 256;  // prefix bins, and query bins, of the attention maps

}  // namespace

ComputeController::ComputeController(QObject* parent) : QObject(parent) {
  qRegisterMetaType<ComparisonPtr>();
  qRegisterMetaType<ScalingPtr>();
}

void ComputeController::request(const core::Parameters& params, bool immediate, HeadPtr head) {
  JobRunner::Job job = [this, params, head = std::move(head)](const JobRunner::Ticket& ticket) {
    run(params, head, ticket);
  };
  if (immediate)
    m_runner.replace(std::move(job));
  else
    m_runner.queue(std::move(job));
}

void ComputeController::cancel() { m_runner.cancel(); }

bool ComputeController::waiting() { return m_runner.waiting(); }

void ComputeController::run(const core::Parameters& params, const HeadPtr& head, const JobRunner::Ticket& ticket) {
  ++m_started;
  const quint64 generation = ticket.generation;
  core::ComparisonOptions options;
  options.map_columns = map_bins;
  options.map_rows = map_bins;
  options.timing_runs = 1;  // a live result is not held back to time it again; the Cost plot's times are medians
  options.cache = head ? nullptr : &m_cache;  // the cache holds folds of seeded prefixes only
  int last_percent = -1;
  options.progress = [&](std::int64_t done, std::int64_t total) {
    const int percent = total > 0 ? int(100 * done / total) : 100;
    if (percent != last_percent) {
      last_percent = percent;
      QMetaObject::invokeMethod(
          this, [this, generation, percent] { emit progressChanged(generation, percent); }, Qt::QueuedConnection);
    }
    return ticket.alive();
  };
  try {
    auto result = [&] {
      const HoldGate::Hold comparing(*m_comparing);
      const core::ThreadCountScope all_cores(m_allThreads);
      return std::make_shared<core::Comparison>(
          head ? core::compare_methods(head->Q, head->K, head->V, *head->prefix, params, options)
               : core::compare_methods(params, options));
    }();
    if (result->status == core::Status::cancelled || !ticket.alive()) return;
    QMetaObject::invokeMethod(
        this,
        [this, generation, result] {
          if (!m_runner.alive(generation)) return;
          emit resultReady(generation, result);
          if (!waiting()) emit idle();
        },
        Qt::QueuedConnection);
    computeScaling(params, ticket, *result, head != nullptr);
  } catch (const std::exception& e) {
    const QString message = QString::fromUtf8(e.what());
    QMetaObject::invokeMethod(
        this,
        [this, generation, message] {
          if (!m_runner.alive(generation)) return;
          emit failed(generation, message);
          if (!waiting()) emit idle();
        },
        Qt::QueuedConnection);
  }
}

void ComputeController::computeScaling(const core::Parameters& params, const JobRunner::Ticket& ticket,
                                       const core::Comparison& shown, bool point_only) {
  // One thread: the GUI thread keeps a core to draw the result on, and the timings do not wait on
  // a descheduled team member (on two cores that made small runs 50x slower).
  const core::ThreadCountScope one_thread(1);
  const quint64 generation = ticket.generation;
  const auto current = [&ticket](std::int64_t, std::int64_t) { return ticket.current(); };
  auto series = std::make_shared<ScalingSeries>();
  series->params = params;
  series->current = core::scaling_point(shown);
  series->head = point_only;
  const core::ScalingPlan plan = point_only ? core::ScalingPlan{} : core::scaling_plan(params);
  series->planned = int(plan.size());
  const auto publish = [&] {
    ScalingPtr snapshot = std::make_shared<const ScalingSeries>(*series);
    QMetaObject::invokeMethod(
        this,
        [this, generation, snapshot] {
          if (m_runner.current(generation)) emit scalingProgress(generation, snapshot);
        },
        Qt::QueuedConnection);
  };
  publish();  // the current point at once
  core::ScalingRunOptions options;
  options.progress = current;
  options.point = [&](core::ScalingSeriesKind kind, const core::ScalingPoint& point) {
    (kind == core::ScalingSeriesKind::by_length ? series->by_length : series->by_feature).push_back(point);
    publish();
  };
  options.left_out = [&] {
    --series->planned;  // e.g. over the memory budget
    publish();
  };
  core::run_scaling(plan, options);
}

}  // namespace ntk::ui
