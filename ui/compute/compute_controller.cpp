#include "ui/compute/compute_controller.h"

#include "core/util/parallel.h"

#include <QMetaObject>
#include <algorithm>
#include <exception>
#include <stdexcept>

namespace ntk::ui {
namespace {

constexpr Eigen::Index map_columns = 256;  // prefix bins of the attention maps

}  // namespace

ComputeController::ComputeController(QObject* parent) : QObject(parent) {
  qRegisterMetaType<ComparisonPtr>();
  qRegisterMetaType<ScalingPtr>();
  m_throttle.setSingleShot(true);
  m_throttle.setInterval(throttle_ms);
  connect(&m_throttle, &QTimer::timeout, this, &ComputeController::submit);
  m_worker = std::thread([this] { workerLoop(); });
}

ComputeController::~ComputeController() {
  {
    std::lock_guard lock(m_mutex);
    m_stop = true;
    m_pending.reset();
  }
  ++m_generation;  // the running job sees a newer generation and stops
  m_wake.notify_all();
  m_worker.join();
}

void ComputeController::request(const core::Parameters& params, bool immediate) {
  m_throttled = params;
  ++m_generation;  // cancel the running job now; its result would be stale anyway
  if (immediate) {
    m_throttle.stop();
    submit();
  } else if (!m_throttle.isActive()) {
    m_throttle.start();
  }
}

void ComputeController::cancel() {
  m_throttle.stop();
  {
    std::lock_guard lock(m_mutex);
    m_pending.reset();
  }
  ++m_generation;
}

void ComputeController::submit() {
  {
    std::lock_guard lock(m_mutex);
    m_pending.emplace(m_generation.load(), m_throttled);
  }
  m_wake.notify_all();
}

void ComputeController::workerLoop() {
  // Leave one core to the GUI thread: an OpenMP team that waits for a member descheduled by a
  // repaint turns a millisecond into a scheduler time slice.
  core::set_thread_count(std::max(1, core::thread_count() - 1));
  for (;;) {
    std::pair<quint64, core::Parameters> job;
    {
      std::unique_lock lock(m_mutex);
      m_wake.wait(lock, [this] { return m_stop || m_pending.has_value(); });
      if (m_stop) return;
      job = std::move(*m_pending);
      m_pending.reset();
    }
    const quint64 generation = job.first;
    if (generation != m_generation.load()) continue;  // superseded while waiting
    QMetaObject::invokeMethod(this, [this, generation] { emit started(generation); }, Qt::QueuedConnection);
    core::ComparisonOptions options;
    options.map_columns = map_columns;
    int last_percent = -1;
    options.progress = [&](std::int64_t done, std::int64_t total) {
      const int percent = total > 0 ? int(100 * done / total) : 100;
      if (percent != last_percent) {
        last_percent = percent;
        QMetaObject::invokeMethod(this, [this, generation, percent] { emit progressChanged(generation, percent); },
                                  Qt::QueuedConnection);
      }
      return generation == m_generation.load();
    };
    try {
      auto result = std::make_shared<core::Comparison>(core::compare_methods(job.second, options));
      if (result->status == core::Status::cancelled || generation != m_generation.load()) continue;
      QMetaObject::invokeMethod(this, [this, generation, result] {
        if (generation == m_generation.load()) emit resultReady(generation, result);
        emit idle();
      }, Qt::QueuedConnection);
      computeScaling(generation, *result);
    } catch (const std::exception& e) {
      const QString message = QString::fromUtf8(e.what());
      QMetaObject::invokeMethod(this, [this, generation, message] {
        if (generation == m_generation.load()) emit failed(generation, message);
        emit idle();
      }, Qt::QueuedConnection);
    }
  }
}

void ComputeController::computeScaling(quint64 generation, const core::Comparison& shown) {
  // One OpenMP thread: the GUI thread keeps a core to draw on, and the timings do not wait on a
  // descheduled team member (on two cores that made small runs 50x slower).
  struct OneThread {
    int before = core::thread_count();
    OneThread() { core::set_thread_count(1); }
    ~OneThread() { core::set_thread_count(before); }
  } one_thread;
  const auto current = [this, generation](std::int64_t, std::int64_t) { return generation == m_generation.load(); };
  const core::Parameters& params = shown.params;
  auto series = std::make_shared<ScalingSeries>();
  series->params = params;
  series->current = core::scaling_point(shown);
  std::vector<core::Parameters> plan;
  for (const Eigen::Index m : core::scaling_lengths(params)) {
    plan.push_back(params);
    plan.back().workload.m = m;
  }
  const std::size_t lengths = plan.size();
  for (const core::Parameters& variant : core::feature_variants(params)) plan.push_back(variant);
  series->planned = int(plan.size());
  const auto publish = [&] {
    ScalingPtr snapshot = std::make_shared<const ScalingSeries>(*series);
    QMetaObject::invokeMethod(this, [this, generation, snapshot] {
      if (generation == m_generation.load()) emit scalingProgress(generation, snapshot);
    }, Qt::QueuedConnection);
  };
  publish();  // the current point at once
  for (std::size_t i = 0; i < plan.size(); ++i) {
    if (!current(0, 0)) return;
    try {
      const core::ScalingPoint point = core::scaling_point(plan[i], current);
      if (point.status == core::Status::cancelled) return;
      (i < lengths ? series->by_length : series->by_feature).push_back(point);
    } catch (const std::invalid_argument&) {
      --series->planned;  // e.g. over the memory budget: this point is left out
    }
    publish();
  }
}

}  // namespace ntk::ui
