#pragma once
// The kernel view: exp(t), which exact attention weighs a key by, against <phi(q), phi(kappa)>,
// which NTK-Attention uses instead, on pairs of the workload's own queries and prefix keys, with
// the histogram of their scores t. Where the scores spread (a larger entry scale B), phi departs
// from exp: that is where NTK-Attention's error comes from.

#include "core/kernels/kernel_samples.h"
#include "core/params/parameters.h"
#include "ui/export/plot_export.h"

#include <qcustomplot.h>
#include <optional>

namespace ntk::ui {

class KernelPlot : public QCustomPlot, public CsvSource {
  Q_OBJECT

 public:
  explicit KernelPlot(QWidget* parent = nullptr);
  /// Shows the kernel of `params`' feature map on its workload: at once when the plot is shown,
  /// else when it is next shown or drawn() (a result while another tab is open costs nothing).
  void setParameters(const core::Parameters& params);
  /// Computes and draws what setParameters left for later (before an export of a hidden plot).
  void drawn();
  const core::KernelSamples& samples() const { return m_samples; }
  /// score,exp_score,feature_kernel: one line per sampled pair.
  QString csv() const override;

 protected:
  void showEvent(QShowEvent* event) override;

 private:
  QCPAxisRect* m_kernel;
  QCPAxisRect* m_histogram;
  std::optional<core::Parameters> m_pending;  ///< set but not drawn yet
  core::KernelSamples m_samples;
};

}  // namespace ntk::ui
