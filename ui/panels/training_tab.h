#pragma once
// The training tab: play/pause, step and reset of the NTK controller's gradient-descent run,
// its status line, and the training plot.

#include "ui/compute/ntk_controller.h"

#include <QWidget>

class QLabel;
class QPushButton;

namespace ntk::ui {

class TrainingPlot;

class TrainingTab : public QWidget {
  Q_OBJECT

 public:
  TrainingTab(NtkController* controller, TrainingPlot* plot, QWidget* parent = nullptr);
  /// Shows a new state of the run.
  void showState(TrainingPtr state);
  /// Shows why the run could not start.
  void showFailure(const QString& message);
  /// Play when paused, pause when playing (the button and F6).
  void playOrPause();

 private:
  NtkController* m_controller;
  TrainingPlot* m_plot;
  QPushButton* m_play;
  QLabel* m_status;
  bool m_playing = false;
};

}  // namespace ntk::ui
