#pragma once
// Outputs of the two methods: every entry of NTK-Attention's T against exact attention's (on
// the diagonal when they agree), and the max-abs error of each query row.

#include "core/pipeline/comparison.h"
#include "ui/export/plot_export.h"

#include <qcustomplot.h>

namespace ntk::ui {

class OutputPlot : public QCustomPlot, public CsvSource {
  Q_OBJECT

 public:
  explicit OutputPlot(QWidget* parent = nullptr);
  void setComparison(const core::Comparison& c);
  /// row,column,exact,ntk_attention,row_max_abs_error: one line per output entry.
  QString csv() const override;

 private:
  QCPAxisRect* m_rowRect;
  QCPGraph* m_scatter;
  QCPGraph* m_diagonal;
  QCPGraph* m_rowError;
  Eigen::MatrixXd m_exact, m_approx;
  Eigen::VectorXd m_rowErrors;
};

}  // namespace ntk::ui
