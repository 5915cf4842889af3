#pragma once
// Every plot the program draws and the computations behind them: parameters in, plots filled as
// results arrive. The window shows them in its tabs; a handout renders them off screen
// (ui/lessons/handout.h). Nothing here knows about tabs, docks, menus or the status bar.

#include "ui/compute/compute_controller.h"
#include "ui/compute/ntk_controller.h"

#include <QList>
#include <QObject>
#include <QString>
#include <memory>

class QCustomPlot;
class QWidget;

namespace ntk::ui {

class MapsTab;
class CostPlot;
class ErrorScalingPlot;
class LimitPlot;
class NtkPlot;
class OutputPlot;
class KernelPlot;
class TrainingPlot;
class TrainingTab;

class FigureSet : public QObject {
  Q_OBJECT

 public:
  /// The plots start without a parent widget: a window takes them into its tabs; those it does not
  /// take are deleted with the set.
  explicit FigureSet(QObject* parent = nullptr);
  ~FigureSet() override;

  MapsTab* maps() const { return m_maps; }
  OutputPlot* outputs() const { return m_outputs; }
  ErrorScalingPlot* errorPlot() const { return m_errorPlot; }
  LimitPlot* limitPlot() const { return m_limitPlot; }
  CostPlot* costPlot() const { return m_costPlot; }
  NtkPlot* ntkPlot() const { return m_ntkPlot; }
  TrainingPlot* trainingPlot() const { return m_trainingPlot; }
  TrainingTab* trainingTab() const { return m_trainingTab; }
  KernelPlot* kernelPlot() const { return m_kernelPlot; }
  ComputeController* controller() const { return m_controller; }
  NtkController* ntkController() const { return m_ntk; }

  /// Every plot, in the order of the window's tabs; each has an objectName that is its export
  /// file name and the name lesson cards point at.
  QList<QCustomPlot*> plots() const;
  /// The plot named `name` (null if none).
  QCustomPlot* plot(const QString& name) const;

  /// Computes the comparison (and its scaling series) of `params`; immediately, or after the
  /// debounce that a slider drag needs. With `head`, of that real head (ComputeController::request).
  void requestComparison(const core::Parameters& params, bool immediate, HeadPtr head = nullptr);
  /// Computes the NTK view and restarts the training run of `params`' NTK settings.
  void requestNtk(const core::Parameters& params);
  /// Stops the running comparison; the plots keep the previous result.
  void cancel();
  /// Whether the NTK view of the last requestNtk is still computing, or its training run plays.
  bool ntkRunning() const;
  /// Stops both (what they showed stays); ntkCancelled() until the next requestNtk.
  void cancelNtk();
  bool ntkCancelled() const { return m_ntkCancelled; }

  /// Every plot shows its complete result for these settings: the comparison and its scaling
  /// series for `comparison`, the NTK view and a finished training run for `ntk`'s settings.
  bool settled(const core::Parameters& comparison, const core::Parameters& ntk) const;
  /// Why the requested settings are not computed (the comparison's reason first, then the NTK
  /// view's), or empty while they compute or are shown.
  QString refusal() const;
  QString comparisonRefusal() const { return m_refusal; }
  QString ntkRefusal() const { return m_ntkRefusal; }

  ComparisonPtr shownResult() const { return m_shown; }
  ScalingPtr shownSeries() const { return m_series; }
  NtkResultPtr ntkResult() const { return m_ntkResult; }
  TrainingPtr training() const { return m_training; }
  /// What the attention tabs' status line says: the shown comparison's errors (beside the last
  /// result in the other precision), a refusal, or that the run was cancelled.
  QString comparisonStatus() const { return m_comparisonStatus; }
  /// Keeps `series` as a grey overlay on the scaling plots (null clears it).
  void pin(const ScalingPtr& series);

 signals:
  void resultShown();    ///< a new comparison is on the plots
  void trainingShown();  ///< the training plot got a new state of the run
  void changed();        ///< anything a status line quotes changed

 private:
  void showResult(ComparisonPtr result);
  /// Gives every plot the command line that reproduces what it shows (the export footer).
  void updatePlotSettings();

  // Deletes the plots no window took (declared first: destroyed after the plots' pointers).
  std::unique_ptr<QWidget> m_unplaced;
  ComputeController* m_controller;
  NtkController* m_ntk;
  MapsTab* m_maps;
  OutputPlot* m_outputs;
  KernelPlot* m_kernelPlot;
  ErrorScalingPlot* m_errorPlot;
  LimitPlot* m_limitPlot;
  CostPlot* m_costPlot;
  NtkPlot* m_ntkPlot;
  TrainingPlot* m_trainingPlot;
  TrainingTab* m_trainingTab;
  ComparisonPtr m_shown;
  HeadPtr m_head;                      ///< of the latest request: the shown result's, when it is a real head's
  ComparisonPtr m_lastByPrecision[2];  ///< the last result shown in float64 and in float32
  ScalingPtr m_series;
  NtkResultPtr m_ntkResult;
  TrainingPtr m_training;
  core::Parameters m_ntkRequested;  ///< of the last requestNtk
  bool m_ntkCancelled = false;
  QString m_comparisonStatus;
  QString m_refusal, m_ntkRefusal;
};

}  // namespace ntk::ui
