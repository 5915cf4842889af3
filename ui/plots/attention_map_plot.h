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

  /// Shows `values`, laid out as `layout`'s (query bins x (prefix bins + query bins)), whose
  /// columns hold `keys` keys each, with the colour range `range`; `unit` names the values.
  void setMap(const Eigen::MatrixXd& values, const core::AttentionMap& layout, const Eigen::VectorXd& keys,
              QCPRange range, const QCPColorGradient& gradient, const QString& unit);
  const Eigen::MatrixXd& values() const { return m_values; }
  /// query,column,region,keys,value: one line per cell. query is the row (a query bin when the
  /// queries are binned); region is prefix_bin, input (one key) or input_bin; keys is how many
  /// keys the column holds; value is as shown (the unit is the colour scale's label).
  QString csv() const override;

 signals:
  /// A row of the map was clicked (a query, or a query bin when the queries are binned).
  void rowClicked(int row);

 private:
  void showValueAt(QMouseEvent* event);

  QCPColorMap* m_map;
  QCPColorScale* m_scale;
  QCPItemStraightLine* m_boundary;
  QCPTextElement* m_title;
  Eigen::MatrixXd m_values;
  Eigen::VectorXd m_keys;
  QString m_unit;
  Eigen::Index m_prefixBins = 0;
  double m_keysPerBin = 1;
  double m_queriesPerBin = 1;
  double m_inputsPerBin = 1;
};

}  // namespace ntk::ui
