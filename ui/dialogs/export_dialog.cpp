#include "ui/dialogs/export_dialog.h"

#include "ui/export/plot_export.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>

namespace ntk::ui {

ExportDialog::ExportDialog(const QString& suggestedPath, QSize size, const PlotLook& shown, const QString& footer,
                           QWidget* parent)
    : QDialog(parent),
      m_path(new QLineEdit(suggestedPath)),
      m_width(new QSpinBox),
      m_height(new QSpinBox),
      m_scale(new QComboBox),
      m_look(new QComboBox),
      m_footer(new QCheckBox(tr("Add the settings under the plot"))),
      m_shown(shown),
      m_footerText(footer) {
  setWindowTitle(tr("Export plot"));
  auto* browse = new QPushButton(tr("&Browse…"));
  connect(browse, &QPushButton::clicked, this, [this] {
    const QString path = QFileDialog::getSaveFileName(this, tr("Export plot"), m_path->text(),
                                                      tr("PNG image (*.png);;SVG drawing (*.svg);;PDF (*.pdf);;"
                                                         "Data as CSV (*.csv)"));
    if (!path.isEmpty()) m_path->setText(path);
  });
  auto* file = new QHBoxLayout;
  file->addWidget(m_path, 1);
  file->addWidget(browse);
  for (QSpinBox* box : {m_width, m_height}) {
    box->setRange(200, 8000);
    box->setSuffix(tr(" px"));
  }
  m_width->setValue(size.width());
  m_height->setValue(size.height());
  m_scale->addItem(tr("1× (96 dpi)"), 1.0);
  m_scale->addItem(tr("2× (192 dpi)"), 2.0);
  m_scale->addItem(tr("3.125× (300 dpi)"), 3.125);
  m_scale->setCurrentIndex(2);
  m_scale->setToolTip(tr("PNG only: multiplies the pixels, so lines and text keep their size"));
  m_look->addItem(tr("Light (for print and slides)"));
  m_look->addItem(tr("As on screen"));
  m_look->setToolTip(tr("The theme and presenter sizes of the window, or the light default"));
  auto* form = new QFormLayout(this);
  // A row whose field is a layout gets no buddy, so its "&" would show: the label is made here.
  auto* fileLabel = new QLabel(tr("&File (.png, .svg, .pdf or .csv):"));
  fileLabel->setBuddy(m_path);
  form->addRow(fileLabel, file);
  form->addRow(tr("&Width:"), m_width);
  form->addRow(tr("&Height:"), m_height);
  form->addRow(tr("PNG &scale:"), m_scale);
  form->addRow(tr("&Look:"), m_look);
  m_footer->setToolTip(footer.isEmpty() ? tr("Nothing computed yet") : tr("A line under the plot: %1").arg(footer));
  m_footer->setEnabled(!footer.isEmpty());
  form->addRow(tr("F&ooter:"), m_footer);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
  connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  form->addRow(buttons);
}

QString ExportDialog::path() const { return m_path->text(); }
QSize ExportDialog::size() const { return {m_width->value(), m_height->value()}; }
double ExportDialog::scale() const { return m_scale->currentData().toDouble(); }
PlotLook ExportDialog::look() const { return m_look->currentIndex() == 1 ? m_shown : PlotLook{}; }
QString ExportDialog::footer() const { return m_footer->isChecked() ? m_footerText : QString(); }

}  // namespace ntk::ui
