#include "ui/plots/kernel_plot.h"

#include "ui/plots/plot_helpers.h"

#include <algorithm>
#include <cmath>

namespace ntk::ui {

KernelPlot::KernelPlot(QWidget* parent) : QCustomPlot(parent) {
  m_kernel = addPanel(this, 0, 0, tr("The kernel: exp(t) against φ(q)·φ(κ)"), tr("score t = ⟨q, κ⟩ / √d"),
                      tr("weight of a key"), false, true, Qt::AlignTop | Qt::AlignLeft);
  m_histogram = addPanel(this, 0, 1, tr("The workload's scores"), tr("score t = ⟨q, κ⟩ / √d"),
                         tr("pairs (query, prefix key)"), false, false);
}

void KernelPlot::setParameters(const core::Parameters& params) {
  m_pending = params;
  if (isVisible()) drawn();
}

void KernelPlot::showEvent(QShowEvent* event) {
  QCustomPlot::showEvent(event);
  drawn();
}

void KernelPlot::drawn() {
  if (!m_pending) return;
  const core::Parameters params = *m_pending;
  m_pending.reset();
  m_samples = core::kernel_samples(params.workload, core::FeatureMap(params.feature, params.workload.d));
  clearPlot(this);
  const Eigen::VectorXd& t = m_samples.scores;
  if (t.size() == 0) return replotWhenShown(this);
  const double low = t.minCoeff(), high = t.maxCoeff(), span = std::max(high - low, 1e-9);
  std::vector<double> grid, exact;
  for (int i = 0; i <= 200; ++i) {
    grid.push_back(low + span * i / 200);
    exact.push_back(std::exp(grid.back()));
  }
  addCurve(this, m_kernel, tr("exp(t): exact attention"), QPen(palette::blue, 2), QCPScatterStyle::ssNone, grid, exact);
  addCurve(this, m_kernel, tr("φ(q)·φ(κ): NTK-Attention (%1)").arg(core::to_string(params.feature.kind)),
           QPen(palette::vermillion, 1), QCPScatterStyle::ssDisc, std::vector<double>(t.data(), t.data() + t.size()),
           std::vector<double>(m_samples.features.data(), m_samples.features.data() + m_samples.features.size()))
      ->setLineStyle(QCPGraph::lsNone);
  const Eigen::ArrayXd gap = (m_samples.features.array() / t.array().exp() - 1).abs();
  std::vector<double> sorted(gap.begin(), gap.end());
  std::nth_element(sorted.begin(), sorted.begin() + long(sorted.size() / 2), sorted.end());
  const auto percent = [](double share) {
    return share > 10 ? tr("more than 10-fold") : QString::number(share * 100, 'g', 3) + "%";
  };
  const auto off_axis = (m_samples.features.array() <= 0).count();
  addNote(m_kernel, tr("%1 pairs of the workload's queries and prefix keys (entry scale B = %2). Exact attention "
                       "weighs a key by exp(t), NTK-Attention by φ(q)·φ(κ); they part where |t| is large, and B sets "
                       "how far t spreads: here |t| ≤ %3, and φ(q)·φ(κ) is off exp(t) by up to %4 (median %5).")
                            .arg(t.size())
                            .arg(params.workload.scale)
                            .arg(std::max(std::abs(low), std::abs(high)), 0, 'g', 3)
                            .arg(percent(gap.maxCoeff()), percent(sorted[sorted.size() / 2])) +
                        (off_axis ? tr(" %1 pairs have φ(q)·φ(κ) ≤ 0, below the log axis.").arg(off_axis) : QString()));
  // The histogram of t in 30 bins, drawn as steps.
  constexpr int bins = 30;
  std::vector<double> centre(bins), count(bins, 0.0);
  for (int b = 0; b < bins; ++b) centre[std::size_t(b)] = low + span * (b + 0.5) / bins;
  for (const double value : t) count[std::size_t(std::min(bins - 1, int((value - low) / span * bins)))] += 1;
  addCurve(this, m_histogram, tr("pairs per bin of t"), QPen(palette::green, 2), QCPScatterStyle::ssNone, centre, count)
      ->setLineStyle(QCPGraph::lsStepCenter);
  fitRange(m_kernel);
  fitRange(m_histogram);
  replotWhenShown(this);
}

QString KernelPlot::csv() const {
  QString out = "score,exp_score,feature_kernel\n";
  for (Eigen::Index i = 0; i < m_samples.scores.size(); ++i)
    out += QString("%1,%2,%3\n")
               .arg(m_samples.scores(i), 0, 'g', 17)
               .arg(std::exp(m_samples.scores(i)), 0, 'g', 17)
               .arg(m_samples.features(i), 0, 'g', 17);
  return out;
}

}  // namespace ntk::ui
