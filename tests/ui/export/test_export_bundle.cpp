#include "tests/ui/parts.h"
#include "ui/export/export_bundle.h"
#include "ui/plots/output_plot.h"
#include "ui/session/session_file.h"

#include <qcustomplot.h>

#include <QtTest>

class ExportBundleTest : public QObject {
  Q_OBJECT

 private slots:
  void theFolderHoldsEveryPlotAndWhatReproducesThem() {
    QTemporaryDir dir;
    ntk::core::Comparison c;
    c.exact.T = Eigen::MatrixXd::Ones(2, 2);
    c.approx.T = Eigen::MatrixXd::Zero(2, 2);
    c.errors.row_max_abs = Eigen::VectorXd::Ones(2);
    ntk::ui::OutputPlot plot;
    plot.setObjectName("outputs");
    plot.setComparison(c);
    ntk::core::Parameters shown = ntk::core::default_parameters();
    shown.workload.m = 777;
    shown.ntk.model.n = 9;
    const QString folder = dir.filePath("bundle/inner");  // made when missing
    QCOMPARE(ntk::ui::exportBundle(folder, {&plot}, shown), QString());
    const QDir out(folder);
    for (const char* name : {"outputs.png", "outputs.svg", "outputs.pdf", "outputs.csv", "session.ntksession",
                             "command.txt", "provenance.json"})
      QVERIFY2(QFileInfo(out.filePath(name)).size() > 0, name);
    QFile command(out.filePath("command.txt"));
    QVERIFY(command.open(QIODevice::ReadOnly));
    QCOMPARE(command.readAll().toStdString(), ntk::core::command_line(shown) + "\n");
    QString error;
    const std::optional<ntk::ui::Session> session = ntk::ui::loadSession(out.filePath("session.ntksession"), &error);
    QVERIFY2(session, qPrintable(error));
    QVERIFY(session->params == shown);
  }

  void aFolderThatCannotBeMadeIsSaid() {
    QTemporaryDir dir;
    QFile file(dir.filePath("plain"));
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.close();
    ntk::ui::OutputPlot plot;
    const QString error = ntk::ui::exportBundle(dir.filePath("plain/below"), {&plot}, ntk::core::default_parameters());
    QVERIFY2(error.contains("cannot create"), qPrintable(error));
  }
};

int runExportBundleTests(int argc, char** argv) {
  ExportBundleTest test;
  return QTest::qExec(&test, argc, argv);
}

#include "test_export_bundle.moc"
