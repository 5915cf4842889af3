#pragma once
// The attention maps tab: exact softmax, NTK-Attention and their difference side by side, with a
// choice of what a binned column shows (the mean weight per key, so that a bin of 16 prefix keys
// compares with one input key, or the bin's total weight) and a caption that says how the maps
// were binned and scaled.

#include "ui/compute/compute_controller.h"
#include "ui/export/plot_export.h"

#include <qcustomplot.h>
#include <QWidget>

class QComboBox;
class QLabel;

namespace ntk::ui {

class AttentionMapPlot;

/// The query inspector: one row of the maps, exact against NTK-Attention, over the binned prefix
/// and input keys, with that query's output error in the title.
class QueryRowPlot : public QCustomPlot, public CsvSource {
 public:
  QueryRowPlot();
  /// column,region,keys,exact,ntk_attention: one line per column of the row shown.
  QString csv() const override;

 private:
  friend class MapsTab;
  QCPAxisRect* m_rect;
  // What csv() writes, kept as numbers (formatted only when exported).
  std::vector<double> m_exact, m_ntk;
  Eigen::VectorXd m_keys;
  Eigen::Index m_prefixBins = 0;
  bool m_inputBinned = false;
};

/// How many keys each column of `map` holds (prefix bins, then input bins), for a workload with a
/// prefix of `m` keys and `L` inputs (core::AttentionMap's binning).
Eigen::VectorXd keysPerColumn(const core::AttentionMap& map, Eigen::Index m, Eigen::Index L);

class MapsTab : public QWidget {
  Q_OBJECT

 public:
  enum class Columns { mean, sum };

  explicit MapsTab(QWidget* parent = nullptr);
  AttentionMapPlot* exactMap() const { return m_exact; }
  AttentionMapPlot* ntkMap() const { return m_ntk; }
  AttentionMapPlot* differenceMap() const { return m_difference; }
  QueryRowPlot* rowPlot() const { return m_row; }

  /// Shows the inspector (hidden until then) on row `row` of the maps (a query, or a query bin
  /// when they are binned; clamped to the rows there are). A click on a map row does the same.
  void inspect(int row);
  int inspected() const { return m_inspected; }
  /// Draws the inspector's row, shown or not (an export bundle writes it either way).
  void drawInspector();

  /// Draws the maps of `result` (nothing when it has none).
  void showComparison(ComparisonPtr result);
  Columns columns() const;
  void setColumns(Columns columns);
  QString caption() const;

 private:
  void draw();

  AttentionMapPlot* m_exact;
  AttentionMapPlot* m_ntk;
  AttentionMapPlot* m_difference;
  QueryRowPlot* m_row;
  int m_inspected = 0;
  QComboBox* m_columns;
  QLabel* m_caption;
  ComparisonPtr m_result;
  Eigen::VectorXd m_keys;  ///< keys per column of the maps drawn (keysPerColumn)
};

/// The difference map's colour scale spans at least this share of the largest weight, so that
/// differences at rounding level (m = 0, where both methods are softmax) show blank, not as noise.
inline constexpr double difference_floor = 1e-6;

}  // namespace ntk::ui
