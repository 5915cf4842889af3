#pragma once
// Outputs of the two methods: every entry of NTK-Attention's T against exact attention's (on
// the diagonal when they agree), and the max-abs error of each query row.

#include "core/pipeline/comparison.h"

#include <qcustomplot.h>

namespace ntk::ui {

class OutputPlot : public QCustomPlot {
  Q_OBJECT

 public:
  explicit OutputPlot(QWidget* parent = nullptr);
  void setComparison(const core::Comparison& c);

 private:
  QCPAxisRect* m_rowRect;
  QCPGraph* m_scatter;
  QCPGraph* m_diagonal;
  QCPGraph* m_rowError;
};

}  // namespace ntk::ui
