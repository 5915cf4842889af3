#include "ui/plots/attention_map_plot.h"

#include "ui/plots/plot_helpers.h"

#include <QToolTip>
#include <algorithm>

namespace ntk::ui {

AttentionMapPlot::AttentionMapPlot(const QString& title, QWidget* parent) : QCustomPlot(parent) {
  plotLayout()->insertRow(0);
  m_title = new QCPTextElement(this, title, QFont(font().family(), font().pointSize() + 1, QFont::Bold));
  m_title->setTextFlags(Qt::AlignLeft | Qt::AlignVCenter);  // a narrow map: runs on over its scale
  plotLayout()->addElement(0, 0, m_title);
  m_map = new QCPColorMap(xAxis, yAxis);
  m_scale = new QCPColorScale(this);
  plotLayout()->addElement(1, 1, m_scale);
  m_map->setColorScale(m_scale);
  auto* group = new QCPMarginGroup(this);
  axisRect()->setMarginGroup(QCP::msBottom | QCP::msTop, group);
  m_scale->setMarginGroup(QCP::msBottom | QCP::msTop, group);
  yAxis->setLabel(tr("query"));
  yAxis->setRangeReversed(true);
  for (QCPAxis* axis : {xAxis, yAxis}) setWholeNumberTicks(axis);  // rows and columns are counted
  xAxis->ticker()->setTickCount(2);                                // a narrow map keeps its labels apart
  m_boundary = new QCPItemStraightLine(this);
  m_boundary->setPen(QPen(Qt::white, 2, Qt::DashLine));
  setMouseTracking(true);
  connect(this, &QCustomPlot::mouseMove, this, &AttentionMapPlot::showValueAt);
  connect(this, &QCustomPlot::mousePress, this, [this](QMouseEvent* event) {
    const int row = int(std::lround(yAxis->pixelToCoord(event->position().y())));
    if (event->button() == Qt::LeftButton && row >= 0 && row < m_values.rows()) emit rowClicked(row);
  });
}

void AttentionMapPlot::setMap(const Eigen::MatrixXd& values, const core::AttentionMap& layout,
                              const Eigen::VectorXd& keys, QCPRange range, const QCPColorGradient& gradient,
                              const QString& unit) {
  m_values = values;
  m_keys = keys;
  m_unit = unit;
  m_prefixBins = layout.prefix_bins;
  m_keysPerBin = layout.keys_per_bin;
  m_queriesPerBin = layout.queries_per_bin;
  m_inputsPerBin = layout.inputs_per_bin;
  const Eigen::Index prefix_bins = m_prefixBins;
  const int rows = int(values.rows()), cols = int(values.cols());
  // QCustomPlot draws a cell as wide as the distance between cell centres, so a single row (one
  // query: decoding) or column would have no extent: it is drawn as two half cells instead.
  const auto cells = [](int n) { return n == 1 ? 2 : n; };
  const auto centres = [](int n) { return n == 1 ? QCPRange(-0.25, 0.25) : QCPRange(0, n - 1); };
  m_map->data()->setSize(cells(cols), cells(rows));
  m_map->data()->setRange(centres(cols), centres(rows));
  for (int i = 0; i < cells(rows); ++i)
    for (int j = 0; j < cells(cols); ++j)
      m_map->data()->setCell(j, i, values(std::min(i, rows - 1), std::min(j, cols - 1)));
  m_map->setGradient(gradient);
  m_map->setInterpolate(false);
  m_map->setDataRange(range);
  m_scale->axis()->setLabel(unit);
  xAxis->setRange(-0.5, cols - 0.5);
  yAxis->setRange(-0.5, rows - 0.5);
  m_boundary->point1->setCoords(double(prefix_bins) - 0.5, 0);
  m_boundary->point2->setCoords(double(prefix_bins) - 0.5, 1);
  m_boundary->setVisible(prefix_bins > 0);
  // How many keys a bin holds is in the caption under the maps.
  const QString input = m_inputsPerBin > 1 ? tr("input bins") : tr("input");
  xAxis->setLabel(prefix_bins == 0   ? (m_inputsPerBin > 1 ? tr("input key bins") : tr("input keys"))
                  : m_keysPerBin > 1 ? tr("prefix bins | %1").arg(input)
                                     : tr("prefix keys | %1").arg(input));
  yAxis->setLabel(m_queriesPerBin > 1 ? tr("query bin") : tr("query"));
  replotWhenShown(this);
}

QString AttentionMapPlot::csv() const {
  QString out = "query,column,region,keys,value\n";
  for (Eigen::Index i = 0; i < m_values.rows(); ++i)
    for (Eigen::Index j = 0; j < m_values.cols(); ++j)
      out += QString("%1,%2,%3,%4,%5\n")
                 .arg(i)
                 .arg(j < m_prefixBins ? j : j - m_prefixBins)
                 .arg(j < m_prefixBins     ? "prefix_bin"
                      : m_inputsPerBin > 1 ? "input_bin"
                                           : "input")
                 .arg(m_keys(j), 0, 'g', 17)
                 .arg(m_values(i, j), 0, 'g', 17);
  return out;
}

void AttentionMapPlot::showValueAt(QMouseEvent* event) {
  const int col = int(std::lround(xAxis->pixelToCoord(event->position().x())));
  const int row = int(std::lround(yAxis->pixelToCoord(event->position().y())));
  if (row < 0 || col < 0 || row >= m_values.rows() || col >= m_values.cols()) return QToolTip::hideText();
  // Bin b of a binned axis holds the indices i with floor(i / per_bin) == b (core::AttentionMap).
  const auto span = [](int bin, double per_bin) {
    return tr("%1 to %2").arg(qint64(std::ceil(bin * per_bin))).arg(qint64(std::ceil((bin + 1) * per_bin)) - 1);
  };
  const int input = col - int(m_prefixBins);
  const QString where = col < m_prefixBins   ? tr("prefix bin %1 (keys %2)").arg(col).arg(span(col, m_keysPerBin))
                        : m_inputsPerBin > 1 ? tr("input bin %1 (keys %2)").arg(input).arg(span(input, m_inputsPerBin))
                                             : tr("input key %1").arg(input);
  const QString who =
      m_queriesPerBin > 1 ? tr("queries %1 (mean)").arg(span(row, m_queriesPerBin)) : tr("query %1").arg(row);
  QToolTip::showText(event->globalPosition().toPoint(),
                     tr("%1, %2\n%3 %4").arg(who, where, m_unit).arg(m_values(row, col), 0, 'g', 5), this);
}

}  // namespace ntk::ui
