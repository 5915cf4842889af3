#pragma once
// The Heads tab: every layer and query head of a real model (docs/real-models.md) as a layers x
// heads map of one measure (NTK-Attention's relative or max-abs error, the prefix's share of
// attention, how far the prefix keys are from Gaussian), computed off the GUI thread from a
// capture of queries, keys and values and a prefix (a PEFT checkpoint or a KV cache) with the
// window's feature map, degree, rank, precision and causal mask; which key/value heads
// NTK-Attention could replace at a tolerance and what the whole model would train. A click on a
// cell shows that head's numbers, and a button opens that head in the window's other tabs.

#include "core/pipeline/heads.h"
#include "ui/compute/job_runner.h"
#include "ui/export/plot_export.h"

#include <qcustomplot.h>
#include <QWidget>
#include <memory>

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QPushButton;

namespace ntk::ui {

using HeadsPtr = std::shared_ptr<const core::HeadsReport>;

/// What the map colours each head by.
enum class HeadMeasure { rel_fro, max_abs, prefix_mass, anisotropy, outlier };

class HeadsPlot : public QCustomPlot, public CsvSource {
  Q_OBJECT

 public:
  explicit HeadsPlot(QWidget* parent = nullptr);
  /// Shows `measure` of every head of `report` (null: nothing).
  void setReport(HeadsPtr report, HeadMeasure measure);
  /// The per-head CSV of `heads --csv` (core::heads_csv); a header alone before anything is open.
  QString csv() const override;
  /// The value shown in the cell of (layer, head); NaN where no head was compared.
  double value(qint64 layer, qint64 head) const;

 signals:
  /// The cell of report()->heads[index] was clicked.
  void headClicked(int index);

 private:
  HeadsPtr m_report;
  Eigen::MatrixXd m_values;  ///< layers x heads
  QCPColorMap* m_map;
  QCPColorScale* m_scale;
  QCPTextElement* m_title;
};

class HeadsTab : public QWidget {
  Q_OBJECT

 public:
  explicit HeadsTab(QWidget* parent = nullptr);
  HeadsPlot* plot() const { return m_plot; }
  /// Opens a capture and its prefix (a PEFT folder when `checkpoint`, else a KV cache file) and
  /// compares every head, with the options of the last setParameters.
  void open(const QString& activations, const QString& prefix, bool checkpoint);
  /// The window's parameters: when their feature map, rank, precision or causal mask differ from
  /// those of the shown report, the open files are compared again.
  void setParameters(const core::Parameters& params);
  /// The open files ("" before any) and whether the prefix is a PEFT folder (else a KV cache).
  QString capture() const { return m_activations; }
  QString prefix() const { return m_prefix; }
  bool prefixIsCheckpoint() const { return m_checkpoint; }
  /// The shown report (null before one arrives) and why the last one failed ("" if it did not).
  HeadsPtr report() const { return m_report; }
  /// Query head `head` of `layer` of the open files (core::head_inputs): from the capture and
  /// prefix the last report was computed on, already opened off the GUI thread (an .npz archive
  /// unpacked), else opened here. Throws std::invalid_argument as core::head_inputs does.
  core::HeadInputs headInputs(qint64 layer, qint64 head) const;
  QString failure() const { return m_failure; }
  bool busy() const { return m_busy; }
  /// Stops a running comparison of the heads (the map keeps the last report).
  void cancel();
  /// Shows the numbers of report()->heads[index] under the map, and offers to open it.
  void chooseHead(int index);
  /// The chosen head's index in report()->heads, -1 before a click.
  int chosenHead() const { return m_chosen; }
  QString headText() const;
  QString summaryText() const;

 signals:
  /// A report arrived, or the files could not be compared (failure()).
  void computed();
  /// "Show this head in every tab" was pressed for (layer, head) of the open files.
  void openHeadRequested(qint64 layer, qint64 head);

 private:
  void compute();
  void showSummary();

  core::Parameters m_params;
  QString m_activations, m_prefix;
  bool m_checkpoint = true;
  HeadsPtr m_report;
  /// The files m_report was computed on, as opened by its job.
  struct OpenFiles {
    std::shared_ptr<const core::CapturedAttention> inputs;
    core::PrefixLayers layers;
  };
  std::shared_ptr<const OpenFiles> m_opened;
  QString m_failure;
  bool m_busy = false;
  HeadsPlot* m_plot;
  QComboBox* m_measure;
  QDoubleSpinBox* m_tolerance;
  QLabel* m_files;
  QLabel* m_status;
  QLabel* m_summary;
  QLabel* m_head;
  QPushButton* m_open;
  int m_chosen = -1;
  JobRunner m_runner{0};  ///< last member: destroyed (cancelled and joined) first
};

}  // namespace ntk::ui
