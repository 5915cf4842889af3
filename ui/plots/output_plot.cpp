#include "ui/plots/output_plot.h"

#include "ui/plots/plot_helpers.h"

#include <algorithm>
#include <cmath>

namespace ntk::ui {

OutputPlot::OutputPlot(QWidget* parent) : QCustomPlot(parent) {
  xAxis->setLabel(tr("exact prefix attention T (every entry)"));
  yAxis->setLabel(tr("NTK-Attention T"));
  m_diagonal = addGraph();
  m_diagonal->setPen(QPen(QColor("#999999"), 1, Qt::DashLine));
  m_diagonal->setName(tr("agreement"));
  m_scatter = addGraph();
  m_scatter->setLineStyle(QCPGraph::lsNone);
  m_scatter->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, QColor("#3b528b"), 4));
  m_scatter->setName(tr("entries"));

  m_rowRect = new QCPAxisRect(this);
  plotLayout()->addElement(0, 1, m_rowRect);
  m_rowRect->axis(QCPAxis::atBottom)->setLabel(tr("query row"));
  m_rowRect->axis(QCPAxis::atLeft)->setLabel(tr("max-abs error of the row"));
  m_rowRect->axis(QCPAxis::atLeft)->setScaleType(QCPAxis::stLogarithmic);
  m_rowRect->axis(QCPAxis::atLeft)->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
  m_rowError = addGraph(m_rowRect->axis(QCPAxis::atBottom), m_rowRect->axis(QCPAxis::atLeft));
  m_rowError->setPen(QPen(QColor("#b35806"), 2));
  m_rowError->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, 4));
}

QString OutputPlot::csv() const {
  QString out = "row,column,exact,ntk_attention,row_max_abs_error\n";
  for (Eigen::Index i = 0; i < m_exact.rows(); ++i)
    for (Eigen::Index j = 0; j < m_exact.cols(); ++j)
      out += QString("%1,%2,%3,%4,%5\n")
                 .arg(i)
                 .arg(j)
                 .arg(m_exact(i, j), 0, 'g', 17)
                 .arg(m_approx(i, j), 0, 'g', 17)
                 .arg(m_rowErrors(i), 0, 'g', 17);
  return out;
}

void OutputPlot::setComparison(const core::Comparison& c) {
  m_exact = c.exact.T;
  m_approx = c.approx.T;
  m_rowErrors = c.errors.row_max_abs;
  const Eigen::MatrixXd& exact = m_exact;
  const Eigen::MatrixXd& approx = m_approx;
  QVector<double> x, y;
  for (Eigen::Index i = 0; i < exact.size(); ++i)
    if (std::isfinite(approx.data()[i])) {
      x.push_back(exact.data()[i]);
      y.push_back(approx.data()[i]);
    }
  m_scatter->setData(x, y);
  // Both axes span both methods' values (NTK-Attention's worst outputs lie outside exact
  // attention's range), with a margin so that the end dots are whole.
  double lo = exact.size() ? exact.minCoeff() : 0, hi = exact.size() ? exact.maxCoeff() : 1;
  for (const double v : y) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  m_diagonal->setData({lo, hi}, {lo, hi});
  const double margin = 0.03 * std::max(hi - lo, 1e-12);
  xAxis->setRange(lo - margin, hi + margin);
  yAxis->setRange(lo - margin, hi + margin);
  QVector<double> rows, errors;
  for (Eigen::Index i = 0; i < c.errors.row_max_abs.size(); ++i) {
    rows.push_back(double(i));
    errors.push_back(std::max(c.errors.row_max_abs(i), 1e-18));  // log axis: show exact zeros at 1e-18
  }
  m_rowError->setData(rows, errors);
  m_rowError->rescaleAxes();
  QCPAxis* error_axis = m_rowRect->axis(QCPAxis::atLeft);
  error_axis->setRange(error_axis->range().lower / 2, error_axis->range().upper * 2);  // margins
  m_rowRect->axis(QCPAxis::atBottom)->setRange(-0.5, double(rows.size()) - 0.5);
  replotWhenShown(this);
}

}  // namespace ntk::ui
