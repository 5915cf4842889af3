#include "ui/panels/maps_tab.h"

#include "ui/plots/attention_map_plot.h"
#include "ui/plots/color_maps.h"
#include "ui/plots/plot_helpers.h"

#include <QComboBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <algorithm>

namespace ntk::ui {

Eigen::VectorXd keysPerColumn(const core::AttentionMap& map, Eigen::Index m, Eigen::Index L) {
  Eigen::VectorXd keys = Eigen::VectorXd::Zero(map.prefix_bins + map.input_bins);
  const auto width = Eigen::Index(map.keys_per_bin);
  for (Eigen::Index b = 0; b < map.prefix_bins; ++b) keys(b) = double(std::min(width, m - b * width));
  for (Eigen::Index i = 0; i < L; ++i) keys(map.prefix_bins + i * map.input_bins / L) += 1;
  return keys;
}

QueryRowPlot::QueryRowPlot() {
  m_rect = addPanel(this, 0, 0, tr("A query's attention row (click a row of a map)"), tr("prefix bins | input keys"),
                    tr("weight"), false, false);
  setWholeNumberTicks(m_rect->axis(QCPAxis::atBottom));  // columns are counted
}

QString QueryRowPlot::csv() const {
  QString out = "column,region,keys,exact,ntk_attention\n";
  for (std::size_t j = 0; j < m_exact.size(); ++j) {
    const auto column = Eigen::Index(j);
    out += QString("%1,%2,%3,%4,%5\n")
               .arg(column < m_prefixBins ? column : column - m_prefixBins)
               .arg(column < m_prefixBins ? "prefix_bin"
                    : m_inputBinned       ? "input_bin"
                                          : "input")
               .arg(m_keys(column), 0, 'g', 17)
               .arg(m_exact[j], 0, 'g', 17)
               .arg(m_ntk[j], 0, 'g', 17);
  }
  return out;
}

MapsTab::MapsTab(QWidget* parent)
    : QWidget(parent),
      m_exact(new AttentionMapPlot(tr("Exact softmax"))),
      m_ntk(new AttentionMapPlot(tr("NTK-Attention"))),
      m_difference(new AttentionMapPlot(tr("NTK − exact"))),
      m_row(new QueryRowPlot),
      m_columns(new QComboBox),
      m_caption(new QLabel) {
  m_columns->addItem(tr("mean weight per key"));
  m_columns->addItem(tr("total weight of the bin"));
  m_columns->setObjectName("map_columns");
  m_columns->setToolTip(
      tr("A binned column holds many keys: show their mean weight (a bin compares with a "
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
  grid->addWidget(m_row, 1, 0, 1, 3);
  grid->addLayout(choice, 2, 0, 1, 3);
  m_caption->setWordWrap(true);
  m_caption->setMinimumWidth(1);  // wraps under the maps instead of widening the window
  grid->addWidget(m_caption, 3, 0, 1, 3);
  grid->setRowStretch(0, 3);
  grid->setRowStretch(1, 2);
  for (AttentionMapPlot* map : {m_exact, m_ntk, m_difference})
    connect(map, &AttentionMapPlot::rowClicked, this, &MapsTab::inspect);
  m_row->hide();  // until a row is asked for: the maps keep the room, and a drag draws three plots, not four
}

void MapsTab::inspect(int row) {
  m_inspected = std::max(0, row);
  m_row->show();
  draw();
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
  m_keys = keysPerColumn(exact, c.params.workload.m, c.params.workload.L);
  const Eigen::VectorXd& keys = m_keys;
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
  if (!m_row->isHidden()) drawInspector();

  const bool binned = exact.keys_per_bin > 1 || exact.inputs_per_bin > 1;
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
  if (exact.queries_per_bin > 1 || exact.inputs_per_bin > 1)
    text += tr(" The n = %1 queries and L = %2 input keys are binned too: a row is the mean weight row of %3 "
               "queries, and an input column holds %4 keys.")
                .arg(c.exact.T.rows())
                .arg(c.params.workload.L)
                .arg(exact.queries_per_bin, 0, 'g', 4)
                .arg(exact.inputs_per_bin, 0, 'g', 4);
  text += tr(" Exact and NTK-Attention share one colour scale; click a row to inspect that query.");
  text += largest >= difference_floor * top
              ? tr(" The difference spans ±%1, its largest entry.").arg(span, 0, 'e', 2)
              : tr(" The difference spans ±%1, a millionth of the largest weight: its largest entry, %2, is below "
                   "that, so rounding noise stays blank.")
                    .arg(span, 0, 'e', 2)
                    .arg(largest, 0, 'e', 1);
  m_caption->setText(text);
}

void MapsTab::drawInspector() {
  if (!m_result) return;
  const core::Comparison& c = *m_result;
  const Eigen::MatrixXd& exact = m_exact->values();
  const Eigen::MatrixXd& ntk = m_ntk->values();
  const core::AttentionMap& layout = *c.exact_map;
  m_inspected = std::min<int>(m_inspected, int(exact.rows()) - 1);
  const int row = m_inspected;
  // The output error of the query, or the largest of the queries in the bin.
  const Eigen::Index n = c.exact.T.rows();
  double error = 0;
  for (Eigen::Index i = 0; i < n; ++i)
    if (i * layout.query_bins / n == row && i < c.errors.row_max_abs.size())
      error = std::max(error, c.errors.row_max_abs(i));
  clearPlot(m_row);
  std::vector<double> column(std::size_t(exact.cols()));
  for (std::size_t j = 0; j < column.size(); ++j) column[j] = double(j);
  m_row->m_exact.resize(column.size());
  m_row->m_ntk.resize(column.size());
  for (Eigen::Index j = 0; j < exact.cols(); ++j) {
    m_row->m_exact[std::size_t(j)] = exact(row, j);
    m_row->m_ntk[std::size_t(j)] = ntk(row, j);
  }
  m_row->m_keys = m_keys;
  m_row->m_prefixBins = layout.prefix_bins;
  m_row->m_inputBinned = layout.inputs_per_bin > 1;
  const QString who = layout.queries_per_bin > 1 ? tr("query bin %1").arg(row) : tr("query %1").arg(row);
  addCurve(m_row, m_row->m_rect, tr("exact softmax, %1").arg(who), QPen(palette::blue, 2), QCPScatterStyle::ssDisc,
           column, m_row->m_exact);
  addCurve(m_row, m_row->m_rect, tr("NTK-Attention"), QPen(palette::vermillion, 1.5), QCPScatterStyle::ssNone, column,
           m_row->m_ntk);
  if (layout.prefix_bins > 0) addVerticalMark(m_row, m_row->m_rect, double(layout.prefix_bins) - 0.5, tr("input keys"));
  m_row->m_rect->axis(QCPAxis::atLeft)->setLabel(columns() == Columns::mean ? tr("weight per key") : tr("weight"));
  addNote(m_row->m_rect, tr("%1: output error ‖T − PrefixAttn‖∞ over its row %2 (click another row of a map to "
                            "inspect it).")
                             .arg(who)
                             .arg(error, 0, 'e', 2));
  fitRange(m_row->m_rect);
  m_row->replot(QCustomPlot::rpQueuedReplot);
}

}  // namespace ntk::ui
