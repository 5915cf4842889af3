#include "ui/plots/output_plot.h"

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

void OutputPlot::setComparison(const core::Comparison& c) {
  const Eigen::MatrixXd& exact = c.exact.T;
  const Eigen::MatrixXd& approx = c.approx.T;
  QVector<double> x, y;
  for (Eigen::Index i = 0; i < exact.size(); ++i)
    if (std::isfinite(approx.data()[i])) {
      x.push_back(exact.data()[i]);
      y.push_back(approx.data()[i]);
    }
  m_scatter->setData(x, y);
  const double lo = exact.size() ? exact.minCoeff() : 0, hi = exact.size() ? exact.maxCoeff() : 1;
  m_diagonal->setData({lo, hi}, {lo, hi});
  xAxis->setRange(lo, hi);
  yAxis->setRange(lo, hi);
  QVector<double> rows, errors;
  for (Eigen::Index i = 0; i < c.errors.row_max_abs.size(); ++i) {
    rows.push_back(double(i));
    errors.push_back(std::max(c.errors.row_max_abs(i), 1e-18));  // log axis: show exact zeros at 1e-18
  }
  m_rowError->setData(rows, errors);
  m_rowError->rescaleAxes();
  replot(QCustomPlot::rpQueuedReplot);
}

}  // namespace ntk::ui
