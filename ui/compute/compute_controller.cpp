#include "ui/compute/compute_controller.h"

#include "core/util/parallel.h"

#include <QMetaObject>
#include <algorithm>
#include <exception>
#include <stdexcept>

namespace ntk::ui {
namespace {

constexpr Eigen::Index map_bins = 256;  // prefix bins, and query bins, of the attention maps

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
  ++m_request;
  m_wake.notify_all();
  m_worker.join();
}

void ComputeController::request(const core::Parameters& params, bool immediate) {
  m_throttled = params;
  ++m_request;  // the scaling series of the shown result is out of date now
  if (immediate) {
    ++m_generation;  // so is the running comparison
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
  ++m_request;
}

void ComputeController::submit() {
  {
    std::lock_guard lock(m_mutex);
    m_pending = Job{m_generation.load(), m_request.load(), m_throttled};
  }
  m_wake.notify_all();
}

bool ComputeController::waiting() {
  std::lock_guard lock(m_mutex);
  return m_pending.has_value() || m_throttle.isActive();
}

void ComputeController::workerLoop() {
  // Leave one core to the GUI thread: an OpenMP team that waits for a member descheduled by a
  // repaint turns a millisecond into a scheduler time slice.
  core::set_thread_count(std::max(1, core::thread_count() - 1));
  for (;;) {
    Job job;
    {
      std::unique_lock lock(m_mutex);
      m_wake.wait(lock, [this] { return m_stop || m_pending.has_value(); });
      if (m_stop) return;
      job = std::move(*m_pending);
      m_pending.reset();
    }
    if (job.generation == m_generation.load()) run(job);
  }
}

void ComputeController::run(const Job& job) {
  ++m_started;
  const quint64 generation = job.generation;
  core::ComparisonOptions options;
  options.map_columns = map_bins;
  options.map_rows = map_bins;
  options.timing_runs = 1;  // a live result is not held back to time it again; the Cost plot's times are medians
  options.cache = &m_cache;
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
    auto result = std::make_shared<core::Comparison>(core::compare_methods(job.params, options));
    if (result->status == core::Status::cancelled || generation != m_generation.load()) return;
    QMetaObject::invokeMethod(this, [this, generation, result] {
      if (generation != m_generation.load()) return;
      emit resultReady(generation, result);
      if (!waiting()) emit idle();
    }, Qt::QueuedConnection);
    computeScaling(job, *result);
  } catch (const std::exception& e) {
    const QString message = QString::fromUtf8(e.what());
    QMetaObject::invokeMethod(this, [this, generation, message] {
      if (generation != m_generation.load()) return;
      emit failed(generation, message);
      if (!waiting()) emit idle();
    }, Qt::QueuedConnection);
  }
}

void ComputeController::computeScaling(const Job& job, const core::Comparison& shown) {
  // One OpenMP thread: the GUI thread keeps a core to draw on, and the timings do not wait on a
  // descheduled team member (on two cores that made small runs 50x slower).
  struct OneThread {
    int before = core::thread_count();
    OneThread() { core::set_thread_count(1); }
    ~OneThread() { core::set_thread_count(before); }
  } one_thread;
  const quint64 request = job.request;
  const auto current = [this, request](std::int64_t, std::int64_t) { return request == m_request.load(); };
  auto series = std::make_shared<ScalingSeries>();
  series->params = job.params;
  series->current = core::scaling_point(shown);
  std::vector<core::Parameters> plan;
  for (const Eigen::Index m : core::scaling_lengths(job.params)) {
    plan.push_back(job.params);
    plan.back().workload.m = m;
  }
  const std::size_t lengths = plan.size();
  for (const core::Parameters& variant : core::feature_variants(job.params)) plan.push_back(variant);
  series->planned = int(plan.size());
  const auto publish = [&] {
    ScalingPtr snapshot = std::make_shared<const ScalingSeries>(*series);
    QMetaObject::invokeMethod(this, [this, request, snapshot] {
      if (request == m_request.load()) emit scalingProgress(request, snapshot);
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
