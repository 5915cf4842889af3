#pragma once
// The plots of the scaling series (issue 3, plots 3 to 5): NTK-Attention's error against m and
// against the feature size, exact attention's distance to its infinite-prefix limit, and the
// cost of both methods. Each draws the series as its points arrive, marks the shown result, and
// can overlay a pinned series as a grey ghost.

#include "ui/compute/compute_controller.h"
#include "ui/export/plot_export.h"

#include <qcustomplot.h>

namespace ntk::ui {

class ScalingPlot : public QCustomPlot, public CsvSource {
  Q_OBJECT

 public:
  /// Shows `series` (null: nothing yet).
  void setSeries(ScalingPtr series);
  /// Overlays `pinned` in grey (null: no overlay).
  void setPinned(ScalingPtr pinned);
  /// series,m,r,degree,max_abs,rel_fro,taylor_bound,limit_distance,exact_s,ntk_s,compress_s,
  /// exact_bytes,ntk_bytes,prefix_parameters,ntk_parameters,lora_parameters: one line per point of
  /// the series (and of the pinned one).
  QString csv() const override;

 protected:
  explicit ScalingPlot(QWidget* parent);
  virtual void redraw() = 0;

  ScalingPtr m_series, m_pinned;
};

/// Max-abs error against m (log-log) and against the feature dimension r, with fitted slopes,
/// the Taylor bound where it applies, and the shown result marked.
class ErrorScalingPlot : public ScalingPlot {
  Q_OBJECT
 public:
  explicit ErrorScalingPlot(QWidget* parent = nullptr);

 private:
  void redraw() override;
  QCPAxisRect* m_byLength;
  QCPAxisRect* m_byFeature;
};

/// Exact attention's max-abs distance to the m -> infinity closed form against m, with a
/// 1/sqrt(m) guide (method.md section 6).
class LimitPlot : public ScalingPlot {
  Q_OBJECT
 public:
  explicit LimitPlot(QWidget* parent = nullptr);

 private:
  void redraw() override;
  QCPTextElement* m_title;
};

/// Measured time, the memory each method keeps and what each trains against m (the prefix, its
/// NTK-Attention and LoRA of PEFT's default rank, for one head), with the crossovers marked.
class CostPlot : public ScalingPlot {
  Q_OBJECT
 public:
  explicit CostPlot(QWidget* parent = nullptr);

 private:
  void redraw() override;
  QCPAxisRect* m_time;
  QCPAxisRect* m_memory;
  QCPAxisRect* m_parameters;
};

}  // namespace ntk::ui
