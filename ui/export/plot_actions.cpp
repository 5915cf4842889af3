#include "ui/export/plot_actions.h"

#include "ui/dialogs/export_dialog.h"
#include "ui/export/plot_export.h"

#include <qcustomplot.h>
#include <QApplication>
#include <QClipboard>
#include <QDir>
#include <QMenu>
#include <QMessageBox>
#include <QMimeData>

namespace ntk::ui {

void copyPlot(QCustomPlot* plot) {
  auto* data = new QMimeData;
  data->setImageData(plotImage(plot));
  if (const auto* source = dynamic_cast<const CsvSource*>(plot)) {
    const QString csv = source->csv();
    data->setText(csv);
    data->setData("text/csv", csv.toUtf8());
  }
  QApplication::clipboard()->setMimeData(data);
}

void setPlotSettings(QCustomPlot* plot, const QString& settings) { plot->setProperty("ntkSettings", settings); }

QString plotSettings(const QCustomPlot* plot) { return plot->property("ntkSettings").toString(); }

void exportPlotInteractively(QCustomPlot* plot, QWidget* parent) {
  const QString name = plot->objectName().isEmpty() ? QString("plot") : plot->objectName();
  ExportDialog dialog(QDir::home().filePath(name + ".png"), plot->size(), plotLook(plot), plotSettings(plot), parent);
  if (dialog.exec() != QDialog::Accepted) return;
  const QString error = exportPlot(plot, dialog.path(), dialog.size().width(), dialog.size().height(), dialog.scale(),
                                   dialog.look(), dialog.footer());
  if (!error.isEmpty()) QMessageBox::warning(parent, QObject::tr("Export failed"), error);
}

void addPlotActions(QCustomPlot* plot) {
  plot->setFocusPolicy(Qt::ClickFocus);
  plot->setContextMenuPolicy(Qt::CustomContextMenu);
  QObject::connect(plot, &QWidget::customContextMenuRequested, plot, [plot](const QPoint& at) {
    QMenu menu(plot);
    menu.addAction(QObject::tr("&Copy image and data"), plot, [plot] { copyPlot(plot); });
    menu.addAction(QObject::tr("&Export…"), plot, [plot] { exportPlotInteractively(plot, plot->window()); });
    menu.exec(plot->mapToGlobal(at));
  });
}

}  // namespace ntk::ui
