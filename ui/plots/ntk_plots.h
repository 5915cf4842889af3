#pragma once
// The NTK view's plots (method.md section 8; the model is the standard stylized form, the
// paper's exact network could not be checked): spectra, lambda_min and the concentration of
// H(W)/m around H* against the width m; and a gradient-descent run: loss with the NTK's
// predicted rates (infinite- and finite-width), lambda_min over time, weight movement, and loss against compute.

#include "ui/compute/ntk_controller.h"
#include "ui/export/plot_export.h"

#include <qcustomplot.h>

namespace ntk::ui {

class NtkPlot : public QCustomPlot, public CsvSource {
  Q_OBJECT

 public:
  explicit NtkPlot(QWidget* parent = nullptr);
  void setResult(NtkResultPtr result);
  /// series,x,y: limit_eigenvalue / empirical_eigenvalue (x = rank, descending),
  /// lambda_min and distance (x = m).
  QString csv() const override;

 private:
  QCPAxisRect* m_spectrum;
  QCPAxisRect* m_lambda;
  QCPAxisRect* m_distance;
  NtkResultPtr m_result;
};

class TrainingPlot : public QCustomPlot, public CsvSource {
  Q_OBJECT

 public:
  explicit TrainingPlot(QWidget* parent = nullptr);
  void setState(TrainingPtr state);
  void setLaw(NtkResultPtr result);
  /// series,step,loss,lambda_min,weight_movement,compute,predicted_loss_infinite_width,
  /// predicted_loss_finite_width: the run, then the loss-against-compute runs (series law_m=M).
  QString csv() const override;

 private:
  void redraw();

  QCPAxisRect* m_loss;
  QCPAxisRect* m_lambda;
  QCPAxisRect* m_movement;
  QCPAxisRect* m_compute;
  TrainingPtr m_state;
  NtkResultPtr m_law;
};

}  // namespace ntk::ui
