#pragma once
// The NTK view's work off the GUI thread: the kernels, spectra and concentration series of a
// setting (latest request wins), and a gradient-descent run the user plays, pauses, steps and
// resets. Each has its own JobRunner (one thread each), so a long series never holds up training.

#include "core/ntk/gradient_descent.h"
#include "core/ntk/ntk_view.h"
#include "core/params/parameters.h"
#include "ui/compute/job_runner.h"

#include <QObject>
#include <memory>
#include <vector>

namespace ntk::ui {

/// A training curve: the steps of one run.
struct TrainingCurve {
  Eigen::Index m = 0;
  std::vector<core::TrainStep> steps;
};

/// What the NTK and training tabs show of one setting, as far as computed.
struct NtkResult {
  core::Parameters params;
  core::NtkView view;
  std::vector<core::NtkWidthPoint> widths;  ///< over core::ntk_widths(params.ntk.model)
  std::vector<TrainingCurve> law;           ///< loss against compute at m / 4, m and 4 m
  int planned = 0;                          ///< widths plus law runs when complete
  bool complete() const { return int(widths.size() + law.size()) == planned; }
};
using NtkResultPtr = std::shared_ptr<const NtkResult>;

/// The live run.
struct TrainingState {
  core::Parameters params;
  TrainingCurve curve;
  double eta = 0, lambda_star = 0;
  bool playing = false;
  core::Status status = core::Status::ok;
};
using TrainingPtr = std::shared_ptr<const TrainingState>;

class NtkController : public QObject {
  Q_OBJECT

 public:
  /// `hold`: while it is closed (a comparison runs: ComputeController::comparingGate), the NTK
  /// jobs wait at their next progress check, so the two never compete for the cores.
  explicit NtkController(const std::shared_ptr<HoldGate>& hold = {}, QObject* parent = nullptr);

  /// Computes the view of `params` (cancelling an older request) and resets the run to step 0.
  void request(const core::Parameters& params);
  void play();   ///< steps until params.ntk.steps, publishing the curve as it grows
  void pause();  ///< stops after the current step; the run keeps its state
  void step();   ///< one step
  void reset();  ///< back to step 0
  /// Stops the view's series where it is (what it published stays) and pauses the run.
  void cancel();

 signals:
  void viewProgress(ntk::ui::NtkResultPtr result);
  void trainingChanged(ntk::ui::TrainingPtr state);
  void failed(QString message);  ///< the current setting cannot be computed (the reason)

 private:
  void computeView(const core::Parameters& params, quint64 setting, quint64 view_run, const JobRunner::Ticket& ticket);
  /// Runs `emitter` on the GUI thread unless a newer request has replaced `setting` by then.
  void post(quint64 setting, std::function<void()> emitter);
  void publish(bool playing);
  /// Worker side: a fresh run of `params` unless the run already belongs to `setting` (`force`:
  /// always, and publish it); false if the setting cannot be trained (reported through
  /// failed()). A reset that a play or step replaced before it ran is done here, so they never
  /// act on an older setting.
  bool restart(const core::Parameters& params, quint64 setting, bool force);
  void runSteps(int count, const JobRunner::Ticket& ticket);

  // Touched only by jobs of m_training (one at a time, on its worker).
  std::unique_ptr<core::PrefixTrainer> m_trainer;
  TrainingState m_state;
  quint64 m_trainedSetting = 0;
  quint64 m_setting = 0;      ///< GUI thread: counts requests; what a worker posts is tagged with one
  quint64 m_viewRun = 0;      ///< GUI thread: counts view jobs and cancels; a snapshot of an older one is dropped
  core::Parameters m_params;  ///< GUI thread: the setting of the last request
  JobRunner m_view;
  JobRunner m_training;
};

}  // namespace ntk::ui

Q_DECLARE_METATYPE(ntk::ui::NtkResultPtr)
Q_DECLARE_METATYPE(ntk::ui::TrainingPtr)
