#pragma once
// One attention map (queries x keys) as a colour map: binned prefix columns, then the input
// columns, with the prefix/input boundary marked and the value under the mouse in a tooltip.

#include "core/kernels/attention_map.h"
#include "ui/export/plot_export.h"

#include <qcustomplot.h>

namespace ntk::ui {

class AttentionMapPlot : public QCustomPlot, public CsvSource {
  Q_OBJECT

 public:
  explicit AttentionMapPlot(const QString& title, QWidget* parent = nullptr);

  /// Shows `weights` (L x (bins + L)) with the colour range [lo, hi].
  void setMap(const Eigen::MatrixXd& weights, Eigen::Index prefix_bins, double keys_per_bin,
              QCPRange range, const QCPColorGradient& gradient, const QString& scale_label);
  const Eigen::MatrixXd& weights() const { return m_weights; }
  /// query,column,region,value: one line per cell (region: prefix bin or input key).
  QString csv() const override;

 private:
  void showValueAt(QMouseEvent* event);

  QCPColorMap* m_map;
  QCPColorScale* m_scale;
  QCPItemStraightLine* m_boundary;
  QCPTextElement* m_title;
  Eigen::MatrixXd m_weights;
  Eigen::Index m_prefixBins = 0;
  double m_keysPerBin = 1;
};

}  // namespace ntk::ui
