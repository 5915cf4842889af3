#include "ui/panels/maps_tab.h"

#include "ui/plots/attention_map_plot.h"
#include "ui/plots/color_maps.h"

#include <QComboBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <algorithm>

namespace ntk::ui {

Eigen::VectorXd keysPerColumn(const core::AttentionMap& map, Eigen::Index m, Eigen::Index L) {
  Eigen::VectorXd keys = Eigen::VectorXd::Zero(map.prefix_bins + map.query_bins);
  const auto width = Eigen::Index(map.keys_per_bin);
  for (Eigen::Index b = 0; b < map.prefix_bins; ++b) keys(b) = double(std::min(width, m - b * width));
  for (Eigen::Index i = 0; i < L; ++i) keys(map.prefix_bins + i * map.query_bins / L) += 1;
  return keys;
}

MapsTab::MapsTab(QWidget* parent)
    : QWidget(parent),
      m_exact(new AttentionMapPlot(tr("Exact softmax"))),
      m_ntk(new AttentionMapPlot(tr("NTK-Attention"))),
      m_difference(new AttentionMapPlot(tr("NTK − exact"))),
      m_columns(new QComboBox),
      m_caption(new QLabel) {
  m_columns->addItem(tr("mean weight per key"));
  m_columns->addItem(tr("total weight of the bin"));
  m_columns->setObjectName("map_columns");
  m_columns->setToolTip(tr("A binned column holds many keys: show their mean weight (a bin compares with a "
                           "single key) or their total (the share of attention the bin gets)"));
  connect(m_columns, &QComboBox::currentIndexChanged, this, &MapsTab::draw);
  auto* label = new QLabel(tr("A &binned column shows the"));
  label->setBuddy(m_columns);
  auto* choice = new QHBoxLayout;
  choice->addWidget(label);
  choice->addWidget(m_columns);
  choice->addStretch(1);
  auto* grid = new QGridLayout(this);
  grid->addWidget(m_exact, 0, 0);
  grid->addWidget(m_ntk, 0, 1);
  grid->addWidget(m_difference, 0, 2);
  grid->addLayout(choice, 1, 0, 1, 3);
  m_caption->setWordWrap(true);
  m_caption->setMinimumWidth(1);  // wraps under the maps instead of widening the window
  grid->addWidget(m_caption, 2, 0, 1, 3);
  grid->setRowStretch(0, 1);
}

MapsTab::Columns MapsTab::columns() const { return m_columns->currentIndex() == 1 ? Columns::sum : Columns::mean; }
void MapsTab::setColumns(Columns columns) { m_columns->setCurrentIndex(columns == Columns::sum ? 1 : 0); }
QString MapsTab::caption() const { return m_caption->text(); }

void MapsTab::showComparison(ComparisonPtr result) {
  if (!result || !result->exact_map || !result->ntk_map) return;
  m_result = std::move(result);
  draw();
}

void MapsTab::draw() {
  if (!m_result) return;
  const core::Comparison& c = *m_result;
  const core::AttentionMap& exact = *c.exact_map;
  const bool mean = columns() == Columns::mean;
  const Eigen::VectorXd keys = keysPerColumn(exact, c.params.workload.m, c.params.workload.L);
  const auto shown = [&](const Eigen::MatrixXd& weights) -> Eigen::MatrixXd {
    if (!mean) return weights;
    return weights * keys.cwiseInverse().asDiagonal();
  };
  const Eigen::MatrixXd exact_shown = shown(exact.weights), ntk_shown = shown(c.ntk_map->weights);
  const Eigen::MatrixXd diff = ntk_shown - exact_shown;
  const double top = std::max(exact_shown.maxCoeff(), ntk_shown.maxCoeff());
  const double largest = diff.cwiseAbs().maxCoeff();
  const double span = std::max({largest, difference_floor * top, 1e-300});
  const QString unit = mean ? tr("weight per key") : tr("attention weight");
  m_exact->setMap(exact_shown, exact, keys, QCPRange(0, top), viridis(), unit);
  m_ntk->setMap(ntk_shown, *c.ntk_map, keys, QCPRange(0, top), viridis(), unit);
  m_difference->setMap(diff, *c.ntk_map, keys, QCPRange(-span, span), purple_orange(), tr("signed difference"));

  const bool binned = exact.keys_per_bin > 1 || exact.queries_per_bin > 1;
  m_columns->setEnabled(binned);
  QString text = exact.prefix_bins == 0
                     ? tr("No prefix (m = 0): every column is one of the L input keys, and both methods are plain "
                          "softmax attention.")
                 : exact.keys_per_bin > 1
                     ? (mean ? tr("The prefix (left of the dashed line) is binned, %1 keys a column; a column shows "
                                  "their mean weight, so a prefix column compares with an input column key for key.")
                             : tr("The prefix (left of the dashed line) is binned, %1 keys a column; a column shows "
                                  "their total weight, so it is up to %1 times brighter than one input key's."))
                           .arg(exact.keys_per_bin, 0, 'g', 4)
                     : tr("Every prefix key has its own column (left of the dashed line).");
  if (exact.queries_per_bin > 1)
    text += tr(" The L = %1 queries are binned too: a row is the mean weight row of %2 queries, and an input "
               "column holds %2 keys.")
                .arg(c.params.workload.L)
                .arg(exact.queries_per_bin, 0, 'g', 4);
  text += tr(" Exact and NTK-Attention share one colour scale.");
  text += largest >= difference_floor * top
              ? tr(" The difference spans ±%1, its largest entry.").arg(span, 0, 'e', 2)
              : tr(" The difference spans ±%1, a millionth of the largest weight: its largest entry, %2, is below "
                   "that, so rounding noise stays blank.")
                    .arg(span, 0, 'e', 2)
                    .arg(largest, 0, 'e', 1);
  m_caption->setText(text);
}

}  // namespace ntk::ui
