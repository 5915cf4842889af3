#pragma once
// Runs comparisons on a JobRunner, "latest request wins" (after Qt's Mandelbrot example). A
// release, a typed value or a cancel stops the running comparison through its Progress callable
// and drops its result. A drag move runs at once when the worker is free and otherwise replaces
// the waiting request: the running comparison finishes and is shown, so plots follow a drag
// instead of being cancelled move after move, and a burst of moves runs at most two. A
// comparison runs on every core (the window has nothing to draw until it is done); after each
// result the same job goes on to the scaling series on one core (the window draws the result on
// the other), one point at a time, until any newer request arrives. The jobs share a
// core::LiveCache: while only m moves, a comparison draws and reduces only the prefix rows the
// cache lacks.

#include "core/params/parameters.h"
#include "core/pipeline/comparison.h"
#include "core/pipeline/heads.h"
#include "core/pipeline/scaling.h"
#include "core/util/parallel.h"
#include "ui/compute/job_runner.h"

#include <QObject>
#include <atomic>
#include <functional>
#include <memory>

namespace ntk::ui {

using ComparisonPtr = std::shared_ptr<const core::Comparison>;
/// A real model's head open in the window's tabs (null: the generated workload).
using HeadPtr = std::shared_ptr<const core::HeadInputs>;

/// The scaling series of one parameter set, as far as it has been computed.
struct ScalingSeries {
  core::Parameters params;
  core::ScalingPoint current;                  ///< the shown result itself
  std::vector<core::ScalingPoint> by_length;   ///< over core::scaling_plan(params).by_length
  std::vector<core::ScalingPoint> by_feature;  ///< over core::scaling_plan(params).by_feature
  int planned = 0;                             ///< points in both series when complete
  bool head = false;                           ///< of a real head: `current` alone, no series
  bool complete() const { return int(by_length.size() + by_feature.size()) == planned; }
};
using ScalingPtr = std::shared_ptr<const ScalingSeries>;

class ComputeController : public QObject {
  Q_OBJECT

 public:
  explicit ComputeController(QObject* parent = nullptr);

  /// Asks for a comparison with `params`. immediate = false (a drag) runs after the running one,
  /// replacing any request still waiting; immediate = true cancels the running one and runs at once.
  /// With `head`, the comparison is of that real head's arrays (`params` must carry its sizes:
  /// core::HeadInputs::parameters) and its scaling series is the shown point alone (the series
  /// over m and r draw generated workloads).
  void request(const core::Parameters& params, bool immediate, HeadPtr head = nullptr);
  /// Cancels whatever runs or waits.
  void cancel();

  /// Comparisons the worker has started so far (a burst of requests should start few).
  int started() const { return m_started.load(); }

  /// Closed while a comparison runs (not its scaling series): the NTK view's jobs wait at it, so
  /// comparisons get the cores.
  std::shared_ptr<HoldGate> comparingGate() const { return m_comparing; }

 signals:
  void progressChanged(quint64 generation, int percent);
  void resultReady(quint64 generation, ntk::ui::ComparisonPtr result);
  void failed(quint64 generation, QString message);
  /// Nothing runs or waits any more (the scaling series aside).
  void idle();
  /// A new point of the scaling series of the shown result (the series so far).
  void scalingProgress(quint64 generation, ntk::ui::ScalingPtr series);

 private:
  static constexpr std::size_t live_cache_bytes = std::size_t{256} << 20;

  void run(const core::Parameters& params, const HeadPtr& head, const JobRunner::Ticket& ticket);
  void computeScaling(const core::Parameters& params, const JobRunner::Ticket& ticket, const core::Comparison& shown,
                      bool point_only);
  bool waiting();  ///< a request is queued

  std::atomic<int> m_started{0};
  std::shared_ptr<HoldGate> m_comparing = std::make_shared<HoldGate>();
  /// The comparison's threads: all the program has (the window waits for it, and draws after).
  const int m_allThreads = core::thread_count();
  core::LiveCache m_cache{live_cache_bytes};  ///< touched only by the runner's jobs, one at a time
  JobRunner m_runner{0};                      ///< last member: destroyed (cancelled and joined) first
};

}  // namespace ntk::ui

Q_DECLARE_METATYPE(ntk::ui::ComparisonPtr)
Q_DECLARE_METATYPE(ntk::ui::ScalingPtr)
