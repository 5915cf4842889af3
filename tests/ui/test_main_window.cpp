// The window on the offscreen platform: controls round-trip through parameters, a burst of
// changes ends with the plots of the last setting, and the window renders non-empty plots.

#include "core/io/captured_attention.h"
#include "core/io/peft_prefix.h"
#include "core/pipeline/heads.h"
#include "tests/core/params/param_values.h"
#include "ui/dialogs/export_dialog.h"
#include "ui/dialogs/help_dialog.h"
#include "ui/export/plot_actions.h"
#include "ui/export/plot_export.h"
#include "ui/look/plot_look.h"
#include "ui/main_window.h"
#include "ui/panels/heads_tab.h"
#include "ui/panels/maps_tab.h"
#include "ui/panels/parameter_panel.h"
#include "ui/plots/attention_map_plot.h"
#include "ui/plots/kernel_plot.h"
#include "ui/plots/output_plot.h"
#include "ui/session/session_file.h"

#include <qcustomplot.h>
#include <sys/mount.h>
#include <unistd.h>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QMenuBar>
#include <QMimeData>
#include <QPushButton>
#include <QSet>
#include <QSignalSpy>
#include <QSlider>
#include <QStatusBar>
#include <QStyleFactory>
#include <QStyleOptionSlider>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTextBrowser>
#include <QToolTip>
#include <QUndoStack>
#include <QtTest>
#include <algorithm>
#include <memory>

using ntk::ui::MainWindow;

// Opens the tab that holds `widget` (a tab's page is a scroll area around it).
void showTabOf(MainWindow& w, QWidget* widget) {
  auto* tabs = w.findChild<QTabWidget*>();
  for (int i = 0; i < tabs->count(); ++i)
    if (tabs->widget(i)->isAncestorOf(widget)) tabs->setCurrentIndex(i);
}

class MainWindowTest : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

  void controlsRoundTripThroughParameters() {
    MainWindow w;
    ntk::core::Parameters p = ntk::core::default_parameters();
    p.workload.m = 777;
    p.workload.scale = 0.25;
    p.feature.kind = ntk::core::FeatureKind::favor;
    p.feature.features = 64;
    p.causal = true;
    w.parameterPanel()->setParameters(p);
    for (const ntk::core::ParamSpec& s : ntk::core::parameter_specs())
      QCOMPARE(s.get(w.parameterPanel()->parameters()), s.get(p));
    auto* m = qobject_cast<QDoubleSpinBox*>(w.parameterPanel()->control("m"));
    QVERIFY(m);
    QCOMPARE(m->value(), 777.0);
  }

  // The window's face of the parameter table: each parameter of both panels has a control of its
  // type and range, and every value other than the default is shown by it and read back.
  void everyParameterOfTheTableHasAControlThatHoldsEachValue() {
    MainWindow w;
    const ntk::core::Parameters defaults = ntk::core::default_parameters();
    for (const auto& [table, panel] : {std::pair{ntk::core::parameter_specs(), w.parameterPanel()},
                                       std::pair{ntk::core::ntk_parameter_specs(), w.ntkPanel()}}) {
      for (const ntk::core::ParamSpec& s : table) {
        QWidget* control = panel->control(QString::fromUtf8(s.key.data(), qsizetype(s.key.size())));
        QVERIFY2(control, s.key.data());
        if (auto* spin = qobject_cast<QDoubleSpinBox*>(control)) {
          QCOMPARE(spin->minimum(), s.min);
          QCOMPARE(spin->maximum(), s.max);
        } else if (auto* combo = qobject_cast<QComboBox*>(control)) {
          QCOMPARE(combo->count(), int(s.choices.size()));
        } else {
          QVERIFY(qobject_cast<QCheckBox*>(control) && s.type == ntk::core::ParamType::flag);
        }
        for (const std::string& value : ntk::test::other_values(s, defaults)) {
          ntk::core::Parameters p = defaults;
          s.set(p, value);
          panel->setParameters(p);
          QCOMPARE(s.get(panel->parameters()), value);
        }
      }
    }
  }

  void impossibleSettingIsRefusedInPlace() {
    MainWindow w;
    QSignalSpy changed(w.parameterPanel(), &ntk::ui::ParameterPanel::parametersChanged);
    auto* rank = qobject_cast<QDoubleSpinBox*>(w.parameterPanel()->control("rank"));
    rank->setValue(100);  // > min(r, d) = 16
    QCOMPARE(changed.count(), 0);
    QCOMPARE(w.parameterPanel()->parameters().rank, 0);
  }

  void burstOfChangesEndsWithTheLastSetting() {
    MainWindow w;
    w.show();
    auto* m = qobject_cast<QDoubleSpinBox*>(w.parameterPanel()->control("m"));
    for (int i = 1; i <= 200; ++i) m->setValue(100 + i);
    QTRY_VERIFY_WITH_TIMEOUT(w.shownResult() && w.shownResult()->params.workload.m == 300, 120000);
    // Nothing newer is pending: the shown result stays that of the last setting.
    QTest::qWait(300);
    QCOMPARE(w.shownResult()->params.workload.m, 300);
  }

  void windowRendersNonEmptyPlots() {
    MainWindow w;
    w.resize(1400, 800);
    w.show();
    QSignalSpy shown(&w, &MainWindow::resultShown);
    w.computeNow();
    QVERIFY(shown.wait(20000));
    QTest::qWait(100);
    const QImage image = w.grab().toImage();
    QSet<QRgb> colours;
    for (int y = 0; y < image.height(); y += 4)
      for (int x = 0; x < image.width(); x += 4) colours.insert(image.pixel(x, y));
    QVERIFY2(colours.size() > 200, qPrintable(QString("only %1 colours").arg(colours.size())));
  }

  void exportBundleWritesEveryFormat() {
    MainWindow w;
    w.show();
    QSignalSpy shown(&w, &MainWindow::resultShown);
    w.computeNow();
    QVERIFY(shown.wait(20000));
    QTRY_VERIFY_WITH_TIMEOUT(w.settled(), 120000);
    QTemporaryDir dir;
    QCOMPARE(w.exportBundle(dir.path()), QString());
    QCOMPARE(w.plots().size(), 11);
    for (QCustomPlot* plot : w.plots()) {
      const QString base = dir.filePath(plot->objectName());
      QImage png(base + ".png");
      QVERIFY2(!png.isNull(), qPrintable(base));
      QCOMPARE(png.width(), plot->axisRectCount() > 1 ? 3000 : 1800);  // 1500 or 900 px at scale 2
      QFile svg(base + ".svg");
      QVERIFY(svg.open(QIODevice::ReadOnly));
      QVERIFY(svg.readAll().contains("<svg"));
      QFile pdf(base + ".pdf");
      QVERIFY(pdf.open(QIODevice::ReadOnly));
      QVERIFY(pdf.read(5) == "%PDF-");
      QFile csv(base + ".csv");
      QVERIFY(csv.open(QIODevice::ReadOnly | QIODevice::Text));
      const QStringList lines = QString::fromUtf8(csv.readAll()).split('\n', Qt::SkipEmptyParts);
      QVERIFY2(lines.size() > 10, qPrintable(base));
      const int width = int(lines.front().count(','));
      for (const QString& line : lines) QCOMPARE(int(line.count(',')), width);
    }
    QVERIFY(QFile::exists(dir.filePath("session.ntksession")));
    QFile command(dir.filePath("command.txt"));
    QVERIFY(command.open(QIODevice::ReadOnly));
    QCOMPARE(command.readAll(), QByteArray("ntk-explorer compare\n"));
    QFile provenance(dir.filePath("provenance.json"));  // issue 10, item 5
    QVERIFY(provenance.open(QIODevice::ReadOnly));
    const QByteArray p = provenance.readAll();
    for (const char* key : {"\"version\": \"" NTK_VERSION "\"", "\"commit\"", "\"command_line\"", "\"threads\"",
                            "\"precision\": \"float64\"", "\"date\""})
      QVERIFY2(p.contains(key), key);
    QVERIFY(!QFile::exists(dir.filePath("outputs.png.partial")));

    // The footer option (issue 13, item 5): the settings that reproduce the plot, under it.
    QCustomPlot* outputs = w.findChild<QCustomPlot*>("outputs");
    const QString settings = ntk::ui::plotSettings(outputs);
    QCOMPARE(settings, QString("ntk-explorer compare"));  // the default workload: no option differs
    QCOMPARE(ntk::ui::plotSettings(w.findChild<QCustomPlot*>("ntk_spectra")),
             QString::fromStdString(ntk::core::ntk_command_line(w.currentParameters(), false)));
    QCOMPARE(ntk::ui::plotSettings(w.findChild<QCustomPlot*>("training")),
             QString::fromStdString(ntk::core::ntk_command_line(w.currentParameters(), true)));
    const QString footer = "ntk-explorer compare --L 16 --m 16 --match 4";
    for (const QString format : {"png", "svg", "pdf"}) {
      const QString plain = dir.filePath("plain." + format), footed = dir.filePath("footed." + format);
      QCOMPARE(ntk::ui::exportPlot(outputs, plain, 900, 700), QString());
      QCOMPARE(ntk::ui::exportPlot(outputs, footed, 900, 700, 1.0, {}, footer), QString());
      QVERIFY(QFileInfo(footed).size() > QFileInfo(plain).size());
    }
    const QImage plainImage(dir.filePath("plain.png")), footedImage(dir.filePath("footed.png"));
    QCOMPARE(plainImage.size(), QSize(900, 700));
    QCOMPARE(footedImage.width(), 900);
    QVERIFY(footedImage.height() > 710);  // a line of text added under the plot, not squeezed into it
    QCOMPARE(footedImage.copy(0, 0, 900, 700), plainImage);  // the plot itself unchanged
    QFile svg(dir.filePath("footed.svg"));
    QVERIFY(svg.open(QIODevice::ReadOnly));
    QVERIFY(svg.readAll().contains(footer.toUtf8()));
  }

  void scalingSeriesFillsThePlotsAndPinOverlays() {
    MainWindow w;
    ntk::core::Parameters p = ntk::core::default_parameters();
    p.workload.m = 1024;
    p.workload.mode = ntk::core::WorkloadMode::projection;
    w.parameterPanel()->setParameters(p);
    w.computeNow();
    QTRY_VERIFY_WITH_TIMEOUT(w.shownSeries() && w.shownSeries()->complete(), 120000);
    const ntk::ui::ScalingSeries& series = *w.shownSeries();
    QCOMPARE(series.params.workload.m, 1024);
    QCOMPARE(series.current.m, 1024);
    QCOMPARE(series.by_length.size(), ntk::core::scaling_lengths(p).size());
    QCOMPARE(series.by_feature.size(), ntk::core::feature_variants(p).size());
    for (const char* name : {"error_scaling", "infinite_limit", "cost", "ntk_spectra", "training"}) {
      QCustomPlot* plot = w.findChild<QCustomPlot*>(name);
      int points = 0;
      for (int i = 0; i < plot->graphCount(); ++i) points += plot->graph(i)->dataCount();
      QVERIFY2(points >= int(series.by_length.size()), qPrintable(plot->objectName()));
    }
    // What each method trains against m (issue 26): the prefix's keys and values m (d + d_v), in
    // the plot and its CSV.
    QCustomPlot* cost = w.findChild<QCustomPlot*>("cost");
    QCPGraph* prefix = nullptr;
    for (int i = 0; i < cost->graphCount(); ++i)
      if (cost->graph(i)->name().startsWith("prefix: keys and values")) prefix = cost->graph(i);
    QVERIFY(prefix);
    QCOMPARE(prefix->dataCount(), int(series.by_length.size()));
    for (int i = 0; i < prefix->dataCount(); ++i)
      QCOMPARE(prefix->data()->at(i)->value, double(series.by_length[std::size_t(i)].m) * (16 + 16));
    const QString costCsv = dynamic_cast<ntk::ui::CsvSource*>(cost)->csv();
    QVERIFY(costCsv.section('\n', 0, 0).endsWith(",prefix_parameters,ntk_parameters,lora_parameters"));
    // Pin, then change a parameter: the pinned curves stay, in the CSV too.
    w.pin(w.shownSeries());
    p.feature.degree = 4;
    w.parameterPanel()->setParameters(p);
    w.computeNow();
    QTRY_VERIFY_WITH_TIMEOUT(w.shownSeries()->params.feature.degree == 4 && w.shownSeries()->complete(), 120000);
    const auto* error = dynamic_cast<ntk::ui::CsvSource*>(w.findChild<QCustomPlot*>("error_scaling"));
    QVERIFY(error->csv().contains("\npinned_by_m,"));
    QVERIFY(error->csv().contains("\nby_m,"));
  }

  // Issue 13: on the default workload the Taylor bound vanished after m = 128, and g = 6 was
  // missing from error-against-r, both without a word.
  void errorScalingSaysWhereTheBoundEndsAndWhatIsNotComputed() {
    MainWindow w;
    w.computeNow();
    QTRY_VERIFY_WITH_TIMEOUT(w.shownSeries() && w.shownSeries()->complete(), 120000);
    const ntk::ui::ScalingSeries& series = *w.shownSeries();
    QCustomPlot* plot = w.findChild<QCustomPlot*>("error_scaling");
    QCOMPARE(plot->objectName(), QString("error_scaling"));
    plot->replot();
    QStringList notes;  // under the panels
    for (QCPTextElement* text : plot->findChildren<QCPTextElement*>()) notes << text->text().simplified();
    qint64 last_bounded = 0, unbounded = 0;
    for (const ntk::core::ScalingPoint& point : series.by_length)
      point.bound ? last_bounded = std::max<qint64>(last_bounded, point.m) : ++unbounded;
    QVERIFY(last_bounded > 0 && unbounded > 0);  // the default workload has both
    QVERIFY2(notes.join("|").contains(QString("ends after m = %1.").arg(last_bounded)), qPrintable(notes.join("|")));
    QVERIFY2(notes.join("|").contains("Not computed: g = 6 needs r = 74613 features"), qPrintable(notes.join("|")));
    // Hovering a point of a line plot says its curve and values.
    w.show();
    showTabOf(w, plot);
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    plot->replot();
    QCPGraph* measured = plot->graph(0);
    QCOMPARE(measured->name(), QString("measured"));
    const auto point = measured->data()->at(3);
    const QPointF at = measured->coordsToPixels(point->key, point->value) + QPointF(2, 1);
    QMouseEvent move(QEvent::MouseMove, at, plot->mapToGlobal(at), Qt::NoButton, Qt::NoButton, Qt::NoModifier);
    QApplication::sendEvent(plot, &move);
    QTRY_VERIFY(QToolTip::isVisible());
    QCOMPARE(QToolTip::text(), QString("measured\nprefix length m: %1\nmax-abs error ‖T − PrefixAttn‖∞: %2")
                                   .arg(point->key, 0, 'g', 6)
                                   .arg(point->value, 0, 'g', 6));
  }

  // Issue 13, item 4: the kernel view shows exp(t) against phi(q).phi(kappa) on the workload's
  // own scores, with their histogram; a larger entry scale spreads the scores.
  // Issue 12 (the GUI thread never blocked long): a result is drawn only into the tab in view; a
  // plot on another tab is drawn once, when its tab opens, and shows the newest result.
  void aResultDrawsOnlyTheTabInView() {
    MainWindow w;
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    w.computeNow();
    QTRY_VERIFY_WITH_TIMEOUT(w.settled(), 120000);
    auto* outputs = w.findChild<QCustomPlot*>("outputs");
    auto* maps = w.findChild<QCustomPlot*>("attention_exact");
    showTabOf(w, outputs);  // laid out once, so that showing it again is no resize (which replots)
    QTest::qWait(100);
    showTabOf(w, maps);
    QSignalSpy hidden(outputs, &QCustomPlot::afterReplot), shown(maps, &QCustomPlot::afterReplot);
    ntk::core::Parameters p = w.parameterPanel()->parameters();
    p.workload.seed = 7;
    w.parameterPanel()->setParameters(p);
    w.computeNow();
    QTRY_VERIFY_WITH_TIMEOUT(w.shownResult() && w.shownResult()->params.workload.seed == 7, 120000);
    QTRY_VERIFY(shown.count() > 0);
    QTest::qWait(100);
    QCOMPARE(hidden.count(), 0);
    showTabOf(w, outputs);
    QTRY_COMPARE(hidden.count(), 1);
  }

  void kernelViewShowsTheMapsKernelOnTheWorkloadsScores() {
    MainWindow w;
    w.show();
    auto* plot = w.findChild<ntk::ui::KernelPlot*>("kernel");
    QVERIFY(plot);
    showTabOf(w, plot);
    w.computeNow();
    QTRY_VERIFY_WITH_TIMEOUT(plot->samples().scores.size() == 32 * 64, 120000);
    const ntk::core::Parameters p = w.shownResult()->params;
    const ntk::core::KernelSamples expected =
        ntk::core::kernel_samples(p.workload, ntk::core::FeatureMap(p.feature, p.workload.d));
    QVERIFY(plot->samples().scores == expected.scores);
    QVERIFY(plot->samples().features == expected.features);
    // Every pair is a dot, held in order of t: a graph told its keys are sorted when they are
    // not drops the dots its binary searches skip (the tails, issue 27 item 2).
    QCPGraph* pairsGraph = plot->graph(1);
    QCOMPARE(pairsGraph->data()->size(), int((expected.features.array() > 0).count()));
    QVERIFY(std::is_sorted(pairsGraph->data()->constBegin(), pairsGraph->data()->constEnd(),
                           [](const QCPGraphData& a, const QCPGraphData& b) { return a.key < b.key; }));
    QCPGraph* histogram = plot->graph(plot->graphCount() - 1);
    double pairs = 0;
    for (auto it = histogram->data()->constBegin(); it != histogram->data()->constEnd(); ++it) pairs += it->value;
    QCOMPARE(pairs, 2048.0);
    QVERIFY(plot->csv().startsWith("score,exp_score,feature_kernel\n"));
    const double spread = plot->samples().scores.cwiseAbs().maxCoeff();
    ntk::core::Parameters wider = p;
    wider.workload.scale = 2;
    w.parameterPanel()->setParameters(wider);
    w.computeNow();
    QTRY_VERIFY_WITH_TIMEOUT(w.shownResult()->params.workload.scale == 2.0, 120000);
    QTRY_VERIFY(plot->samples().scores.cwiseAbs().maxCoeff() > 10 * spread);  // t grows like B^2
  }

  // Issue 27 item 3: the outputs scatter's axes hold both methods' values (NTK-Attention's
  // worst outputs were off the plot: both axes took exact attention's range).
  void outputScatterShowsBothMethodsValues() {
    ntk::core::Comparison c;
    c.exact.T = (Eigen::MatrixXd(2, 2) << 0.1, 0.2, 0.3, 0.4).finished();
    c.approx.T = (Eigen::MatrixXd(2, 2) << 0.1, -0.5, 0.3, 2.6).finished();
    c.errors.row_max_abs = (Eigen::VectorXd(2) << 0.7, 2.2).finished();
    ntk::ui::OutputPlot plot;
    plot.setComparison(c);
    for (const QCPAxis* axis : {plot.xAxis, plot.yAxis}) {
      QVERIFY2(axis->range().lower < -0.5 && axis->range().upper > 2.6,
               qPrintable(QString("axis %1 to %2").arg(axis->range().lower).arg(axis->range().upper)));
    }
  }

  // Issue 13, item 4: the query inspector shows the clicked map row, exact against
  // NTK-Attention, with that query's output error.
  void clickingAMapRowInspectsThatQuery() {
    MainWindow w;
    w.resize(1500, 850);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QSignalSpy shown(&w, &MainWindow::resultShown);
    w.computeNow();
    QVERIFY(shown.wait(20000));
    auto* tab = w.findChild<ntk::ui::MapsTab*>();
    auto* map = static_cast<ntk::ui::AttentionMapPlot*>(w.findChild<QCustomPlot*>("attention_ntk"));
    map->replot();
    const QPoint at(int(map->xAxis->coordToPixel(3)), int(map->yAxis->coordToPixel(5)));
    QTest::mouseClick(map, Qt::LeftButton, {}, at);
    QCOMPARE(tab->inspected(), 5);
    QCustomPlot* row = w.findChild<QCustomPlot*>("attention_row");
    QVERIFY(row);
    const ntk::core::Comparison& c = *w.shownResult();
    QCOMPARE(row->graph(0)->dataCount(), int(c.exact_map->weights.cols()));
    const Eigen::MatrixXd& exact =
        static_cast<ntk::ui::AttentionMapPlot*>(w.findChild<QCustomPlot*>("attention_exact"))->values();
    for (int j : {0, 100, int(exact.cols()) - 1}) {
      QCOMPARE(row->graph(0)->data()->at(j)->value, exact(5, j));
      QCOMPARE(row->graph(1)->data()->at(j)->value, map->values()(5, j));
    }
    const QString notes = row->findChildren<QCPTextElement*>().last()->text().simplified();
    QVERIFY2(
        notes.contains(
            QString("query 5: output error ‖T − PrefixAttn‖∞ over its row %1").arg(c.errors.row_max_abs(5), 0, 'e', 2)),
        qPrintable(notes));
    QVERIFY(dynamic_cast<ntk::ui::CsvSource*>(row)->csv().startsWith("column,region,keys,exact,ntk_attention\n"));
    w.inspectQuery(1000);  // past the last row: the last
    QCOMPARE(tab->inspected(), int(exact.rows()) - 1);
  }

  void copyPutsTheImageAndTheDataOnTheClipboard() {
    MainWindow w;
    w.show();
    QSignalSpy shown(&w, &MainWindow::resultShown);
    w.computeNow();
    QVERIFY(shown.wait(20000));
    ntk::ui::copyPlot(w.currentPlot());
    const QMimeData* data = QGuiApplication::clipboard()->mimeData();
    QVERIFY(data);
    QVERIFY(data->hasImage());
    QVERIFY(!qvariant_cast<QImage>(data->imageData()).isNull());
    QVERIFY(data->text().startsWith("query,column,region,keys,value\n"));
  }

  void everyMenuActionHasAShortcut() {
    MainWindow w;
    QStringList missing;
    std::function<void(QMenu*)> visit = [&](QMenu* menu) {
      if (menu->objectName() == "recent") return;  // file names, reached with the arrow keys
      for (QAction* action : menu->actions()) {
        if (action->menu())
          visit(action->menu());
        else if (!action->isSeparator() && action->shortcut().isEmpty())
          missing << action->text();
      }
    };
    for (QAction* top : w.menuBar()->actions()) visit(top->menu());
    QVERIFY2(missing.isEmpty(), qPrintable(missing.join(", ")));
  }

  void ntkTabShowsSpectraAndConcentration() {
    MainWindow w;
    w.computeNow();
    QTRY_VERIFY_WITH_TIMEOUT(w.settled(), 120000);
    QCustomPlot* ntk = w.findChild<QCustomPlot*>("ntk_spectra");
    QCOMPARE(ntk->objectName(), QString("ntk_spectra"));
    int points = 0;
    for (int i = 0; i < ntk->graphCount(); ++i) points += ntk->graph(i)->dataCount();
    QVERIFY2(points > 2 * 128, qPrintable(QString::number(points)));  // two spectra of n d = 128 and more
    const QStringList lines = dynamic_cast<ntk::ui::CsvSource*>(ntk)->csv().split('\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.front(), QString("series,x,y"));
    QCOMPARE(lines.filter("limit_eigenvalue,").size(), 128);
    QVERIFY(lines.filter("distance,").size() >= 5);
  }

  // Issue 27, finding 15: Esc stopped only the comparison; a long NTK series ran on. It now stops
  // every running job: the NTK view's series (its status says so; F5 computes it again) and the
  // Heads tab's comparison.
  void escapeCancelsEveryRunningJob() {
    MainWindow w;
    w.show();
    QAction* escape = nullptr;
    for (QAction* a : w.findChildren<QAction*>())
      if (a->shortcut() == QKeySequence(Qt::Key_Escape)) escape = a;
    QVERIFY(escape);
    ntk::core::Parameters p = w.ntkPanel()->parameters();
    p.ntk.model.n = 32;
    p.ntk.model.d = 8;
    w.ntkPanel()->setParameters(p);
    qobject_cast<QDoubleSpinBox*>(w.ntkPanel()->control("m"))->setValue(65536);  // a series of seconds
    QTRY_VERIFY_WITH_TIMEOUT(
        w.ntkResult() && w.ntkResult()->params.ntk.model.m == 65536 && !w.ntkResult()->widths.empty(), 120000);
    QVERIFY(!w.ntkResult()->complete());
    escape->trigger();
    const std::size_t widths = w.ntkResult()->widths.size();
    QTest::qWait(3000);
    QCOMPARE(w.ntkResult()->widths.size(), widths);  // stopped where it was
    auto* tabs = w.findChild<QTabWidget*>();
    tabs->setCurrentIndex(5);  // the NTK tab
    QVERIFY2(w.statusText().contains("cancelled"), qPrintable(w.statusText()));
    w.computeNow();  // F5
    QVERIFY(!w.statusText().contains("cancelled"));
    // The Heads tab's comparison.
    const QString dir = QStringLiteral(NTK_TEST_DATA_DIR "/tiny_model");
    w.openHeads(dir + "/activations.safetensors", dir + "/checkpoint", true);
    QVERIFY(w.headsTab()->busy());
    escape->trigger();
    QVERIFY(!w.headsTab()->busy());
    QTest::qWait(2000);
    QVERIFY(!w.headsTab()->report());  // its job stopped before posting one
  }

  void trainingPlaysPausesStepsAndResets() {
    MainWindow w;
    ntk::core::Parameters p = w.ntkPanel()->parameters();
    p.ntk.steps = 60;
    w.ntkPanel()->setParameters(p);
    QSignalSpy shown(&w, &MainWindow::trainingShown);
    ntk::ui::TrainingPtr state;
    connect(w.ntkController(), &ntk::ui::NtkController::trainingChanged, this,
            [&](ntk::ui::TrainingPtr s) { state = std::move(s); });
    w.ntkController()->request(p);
    QTRY_VERIFY_WITH_TIMEOUT(state && state->curve.steps.size() == 1, 120000);
    // Before any step the loss panel already shows both predictions over the whole run.
    const auto prediction = [&]() -> QCPGraph* {
      QCustomPlot* plot = w.findChild<QCustomPlot*>("training");
      for (int i = 0; i < plot->graphCount(); ++i)
        if (plot->graph(i)->name().simplified().startsWith("infinite-width prediction")) return plot->graph(i);
      return nullptr;
    };
    QTRY_VERIFY(prediction() && prediction()->dataCount() == 61);
    QCOMPARE(prediction()->data()->at(60)->key, 60.0);
    w.ntkController()->step();
    QTRY_VERIFY_WITH_TIMEOUT(state->curve.steps.back().step == 1, 120000);
    QCOMPARE(prediction()->data()->at(1)->value, state->curve.steps[1].predicted_loss_infinite);  // the run's own
    w.ntkController()->play();
    QTRY_VERIFY_WITH_TIMEOUT(state->curve.steps.back().step == 60 && !state->playing, 120000);
    QVERIFY(state->curve.steps.back().loss < state->curve.steps.front().loss);
    w.ntkController()->reset();
    QTRY_VERIFY_WITH_TIMEOUT(state->curve.steps.size() == 1, 120000);
    // A long run paused early stops where it is and keeps its steps.
    p.ntk.steps = 1000000;
    w.ntkPanel()->setParameters(p);
    w.ntkController()->request(p);
    QTRY_VERIFY_WITH_TIMEOUT(state->params.ntk.steps == 1000000, 120000);
    w.ntkController()->play();
    QTRY_VERIFY_WITH_TIMEOUT(state->playing, 120000);
    w.ntkController()->pause();
    QTRY_VERIFY_WITH_TIMEOUT(!state->playing, 120000);
    const int reached = state->curve.steps.back().step;
    QVERIFY(reached > 0 && reached < 1000000);
    QTest::qWait(200);
    QCOMPARE(state->curve.steps.back().step, reached);
    QVERIFY(shown.count() > 3);
  }

  // Issue 13: the status line showed the attention workload's r and error on every tab (on the
  // limit tab students read NTK-Attention's error as the distance to the limit). Each tab now
  // says its own numbers.
  void theStatusLineFitsTheTab() {
    MainWindow w;
    ntk::core::Parameters p = ntk::core::default_parameters();  // small: quick under the sanitizers
    p.workload.L = 16;
    p.workload.d = 8;
    p.workload.m = 256;
    p.ntk.model.n = 8;
    p.ntk.model.d = 2;
    p.ntk.model.m = 64;
    w.parameterPanel()->setParameters(p);
    w.ntkPanel()->setParameters(p);
    w.ntkController()->request(p);
    w.computeNow();
    QTRY_VERIFY_WITH_TIMEOUT(w.settled(), 120000);
    auto* tabs = w.findChild<QTabWidget*>();
    QVERIFY(tabs);
    const auto on = [&](int tab) {
      tabs->setCurrentIndex(tab);
      return w.statusText();
    };
    QVERIFY2(on(0).contains("max-abs error"), qPrintable(on(0)));
    const QString limit = on(3);
    QVERIFY2(limit.contains("limit") && limit.contains("fitted: distance ∝ m⁻") && !limit.contains("max-abs error"),
             qPrintable(limit));
    const QString ntk = on(5);
    QVERIFY2(ntk.contains("λₘᵢₙ(H(W)/m)") && ntk.contains("condition of H*") && !ntk.contains("r = "), qPrintable(ntk));
    QVERIFY2(on(6).contains("step 0:") && on(6).contains("loss"), qPrintable(on(6)));
    w.ntkController()->step();
    QTRY_VERIFY_WITH_TIMEOUT(on(6).contains("step 1:"), 120000);
    QVERIFY2(on(6).contains("contraction per step"), qPrintable(on(6)));
    QCOMPARE(w.findChild<QStatusBar*>()->findChildren<QLabel*>().constFirst()->text(), on(6));
  }

  void helpViewRendersTheFormulasAndWhatIsReconstructed() {
    ntk::ui::HelpDialog help;
    help.show();
    const QString text = help.text();
    for (const char* says : {"Algorithm 1", "Algorithm 2", "standard stylized form", "could not be checked", "Glossary",
                             "Bounded entries", "F6, F7, F8", "Lessons and presenter mode", "F11"})
      QVERIFY2(text.contains(says), says);
    const QImage image = help.grab().toImage();
    QSet<QRgb> colours;
    for (int y = 0; y < image.height(); y += 3)
      for (int x = 0; x < image.width(); x += 3) colours.insert(image.pixel(x, y));
    QVERIFY(colours.size() > 20);  // text was drawn
  }

  void theZoomGrowsEveryTextAndControl() {
    MainWindow w;
    w.show();
    w.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&w));
    const double base = ntk::ui::platformFont().pointSizeF();
    const int indicator =
        std::unique_ptr<QStyle>(QStyleFactory::create("Fusion"))->pixelMetric(QStyle::PM_IndicatorWidth);
    w.setLook({false, true, 1.0});
    QTest::keyClick(&w, Qt::Key_Plus, Qt::ControlModifier);   // Ctrl+plus: one step up
    QTest::keyClick(&w, Qt::Key_Equal, Qt::ControlModifier);  // Ctrl+= (plus without Shift): another
    QCOMPARE(w.look().zoom, 1.5);
    const double scale = 1.5 * 1.5;  // presenter mode times the zoom
    QCOMPARE(QApplication::font().pointSizeF(), base * scale);
    QCOMPARE(QToolTip::font().pointSizeF(), base * scale);
    QCOMPARE(QApplication::style()->pixelMetric(QStyle::PM_IndicatorWidth), int(std::lround(indicator * scale)));
    ntk::ui::HelpDialog help;  // its text follows the application's font (it had its own 11 pt)
    QCOMPARE(help.findChild<QTextBrowser*>()->font().pointSizeF(), base * scale);
    for (QCustomPlot* plot : w.plots()) {
      plot->replot();  // the base font each part had before any look is kept as a property
      const QFont unscaled = plot->xAxis->property("ntkTickFont").value<QFont>();
      QCOMPARE(plot->xAxis->tickLabelFont().pointSizeF(), unscaled.pointSizeF() * scale);
    }
    QTest::keyClick(&w, Qt::Key_Minus, Qt::ControlModifier);
    QCOMPARE(w.look().zoom, 1.25);
    for (int i = 0; i < 10; ++i) QTest::keyClick(&w, Qt::Key_Plus, Qt::ControlModifier);
    QCOMPARE(w.look().zoom, ntk::ui::max_zoom);
    QTest::keyClick(&w, Qt::Key_0, Qt::ControlModifier);
    QCOMPARE(w.look().zoom, 1.0);
    w.setLook({});
    QCOMPARE(QApplication::font().pointSizeF(), base);
    QCOMPARE(QApplication::style()->pixelMetric(QStyle::PM_IndicatorWidth), indicator);
  }

  void shiftSlowsTheMSliderToFineSteps() {
    MainWindow w;
    w.resize(1400, 800);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    w.setLook({false, true, 1.0});  // presenter mode: the narrowest slider, the worst case
    QTest::qWait(200);              // its layout settled
    auto* slider = w.parameterPanel()->findChild<QSlider*>("m_slider");
    QStyleOptionSlider option;
    option.initFrom(slider);
    option.orientation = Qt::Horizontal;
    option.minimum = slider->minimum();
    option.maximum = slider->maximum();
    option.sliderPosition = slider->sliderPosition();
    const QPoint handle =
        slider->style()->subControlRect(QStyle::CC_Slider, &option, QStyle::SC_SliderHandle, slider).center();
    const auto move = [&](int x, Qt::KeyboardModifiers modifiers) {
      QMouseEvent event(QEvent::MouseMove, QPointF(x, handle.y()), slider->mapToGlobal(QPointF(x, handle.y())),
                        Qt::NoButton, Qt::LeftButton, modifiers);
      QApplication::sendEvent(slider, &event);
    };
    QTest::mousePress(slider, Qt::LeftButton, {}, handle);
    QVERIFY(slider->isSliderDown());
    const int start = slider->sliderPosition();
    move(handle.x() + 8, Qt::NoModifier);
    const int coarse = slider->sliderPosition() - start;
    move(handle.x() + 16, Qt::ShiftModifier);  // 8 more pixels with Shift: a sixteenth as far, no jump
    const int fine = slider->sliderPosition() - start - coarse;
    QTest::mouseRelease(slider, Qt::LeftButton, {}, QPoint(handle.x() + 16, handle.y()));
    QVERIFY2(coarse >= 16, qPrintable(QString::number(coarse)));  // a coarse pixel is at least 2 positions
    QVERIFY2(std::abs(fine - coarse / 16) <= 1, qPrintable(QString("%1 %2").arg(fine).arg(coarse)));
    // A fine pixel moves m by a factor 2^(fine / 8 / 64): 2% at most (a coarse one here is 28%).
    QVERIFY2(std::exp2(double(fine) / 8 / 64) < 1.02, qPrintable(QString::number(fine)));
    // Keys: an arrow moves an eighth of an octave, Shift+arrow one position.
    slider->setFocus();
    const int before = slider->value();
    QTest::keyClick(slider, Qt::Key_Right);
    QCOMPARE(slider->value(), before + 8);
    QTest::keyClick(slider, Qt::Key_Right, Qt::ShiftModifier);
    QCOMPARE(slider->value(), before + 9);
    const double m = std::exp2(double(before + 9) / 64);
    QCOMPARE(double(w.parameterPanel()->parameters().workload.m), std::round(m));
    w.setLook({});  // the look is the application's: later tests start from the normal one
  }

  // Issue 26: decoding (one query over the prefix and the input) gave a map of one row, which
  // QCustomPlot drew with no height: the maps were empty.
  void aDecodingMapShowsItsOneQueryRowOverEveryInputKey() {
    MainWindow w;
    w.show();
    ntk::core::Parameters p = w.parameterPanel()->parameters();
    p.workload.queries = 1;
    p.workload.dv = 24;
    p.causal = true;
    w.parameterPanel()->setParameters(p);
    w.computeNow();
    QTRY_VERIFY_WITH_TIMEOUT(w.shownResult() && w.shownResult()->params.workload.queries == 1, 60000);
    const ntk::core::Comparison& c = *w.shownResult();
    QCOMPARE(c.exact.T.rows(), Eigen::Index(1));
    QCOMPARE(c.approx.T.cols(), Eigen::Index(24));
    QCOMPARE(c.exact_map->query_bins, Eigen::Index(1));
    QCOMPARE(c.exact_map->input_bins, c.params.workload.L);
    const Eigen::VectorXd keys = ntk::ui::keysPerColumn(*c.exact_map, c.params.workload.m, c.params.workload.L);
    QCOMPARE(keys.tail(c.exact_map->input_bins).sum(), double(c.params.workload.L));
    for (QCustomPlot* plot : w.plots()) {
      const QString name = plot->objectName();
      if (name != "attention_exact" && name != "attention_ntk" && name != "attention_difference") continue;
      const auto* map = qobject_cast<QCPColorMap*>(plot->plottable(0));
      QVERIFY(map);
      QCOMPARE(map->data()->valueSize(), 2);  // drawn as two half cells: one row of height 1
      QCOMPARE(map->data()->valueRange().size(), 0.5);
    }
  }

  // Issue 26: a real model's every layer and head in the Heads tab, the numbers of `heads`
  // (core::compare_heads); a click shows one head; the window's feature map applies.
  void theHeadsTabShowsEveryHeadOfARealModel() {
    MainWindow w;
    w.show();
    const QString dir = QStringLiteral(NTK_TEST_DATA_DIR "/tiny_model");
    w.openHeads(dir + "/activations.safetensors", dir + "/checkpoint", true);
    ntk::ui::HeadsTab* tab = w.headsTab();
    QTRY_VERIFY_WITH_TIMEOUT(tab->report() && !tab->busy(), 600000);
    QCOMPARE(w.findChild<QTabWidget*>()->currentIndex(), ntk::ui::session_tabs - 1);
    const ntk::core::PeftPrefixCheckpoint checkpoint((dir + "/checkpoint").toStdString());
    const ntk::core::CapturedAttention inputs((dir + "/activations.safetensors").toStdString());
    const ntk::core::Parameters p = w.parameterPanel()->parameters();
    const ntk::core::HeadsReport expected = ntk::core::compare_heads(ntk::core::prefix_layers(checkpoint), inputs, p);
    QCOMPARE(tab->report()->heads.size(), std::size_t(16));
    for (const ntk::core::HeadResult& h : expected.heads)
      QCOMPARE(tab->plot()->value(h.layer, h.head), h.comparison.errors.rel_fro);
    QCOMPARE(tab->plot()->csv(), QString::fromStdString(ntk::core::heads_csv(expected)));
    QVERIFY2(tab->summaryText().contains("the prefix 16384 (m = 32)"), qPrintable(tab->summaryText()));
    // A click on the cell of layer 2, head 1.
    ntk::ui::HeadsPlot* plot = tab->plot();
    plot->replot(QCustomPlot::rpImmediateRefresh);
    const QPoint at(int(plot->xAxis->coordToPixel(1)), int(plot->yAxis->coordToPixel(2)));
    QTest::mouseClick(plot, Qt::LeftButton, Qt::NoModifier, at);
    QVERIFY2(tab->headText().startsWith("Layer 2, query head 1 (key/value head 0)"), qPrintable(tab->headText()));
    // Another degree in the parameter panel compares every head again.
    ntk::core::Parameters q = p;
    q.feature.degree = 1;
    w.parameterPanel()->setParameters(q);
    w.computeNow();
    QTRY_VERIFY_WITH_TIMEOUT(
        tab->report() && !tab->busy() && tab->report()->heads.front().comparison.params.feature.degree == 1, 600000);
    // A prefix that does not fit the capture is refused with both files named.
    w.openHeads(dir + "/activations.safetensors", QStringLiteral(NTK_TEST_DATA_DIR "/peft_prefix"), true);
    QTRY_VERIFY_WITH_TIMEOUT(!tab->busy(), 600000);
    QVERIFY(!tab->report());
    QVERIFY2(tab->failure().contains("disagree") || tab->failure().contains("plain"), qPrintable(tab->failure()));
  }

  // Issue 26 item 3: a head of the Heads tab opens in every other tab, with its own arrays; its
  // sizes lock, the feature map still applies, a session keeps it and the way back restores the
  // generated workload.
  // A head is opened from the files the Heads tab's job already read (an .npz KV cache is
  // unpacked there, off the GUI thread): with the files gone from the disk, the head still opens;
  // before any report the files are opened there and then.
  void aHeadOpensFromTheFilesTheHeadsTabAlreadyRead() {
    QTemporaryDir folder;
    const QString from = QStringLiteral(NTK_TEST_DATA_DIR "/tiny_model");
    QVERIFY(QDir().mkpath(folder.filePath("checkpoint")));
    for (const QString name :
         {"activations.safetensors", "checkpoint/adapter_model.safetensors", "checkpoint/adapter_config.json"})
      QVERIFY(QFile::copy(from + "/" + name, folder.filePath(name)));
    MainWindow w;
    w.show();
    w.openHeads(folder.filePath("activations.safetensors"), folder.filePath("checkpoint"), true);
    QTRY_VERIFY_WITH_TIMEOUT(w.headsTab()->report() && !w.headsTab()->busy(), 600000);
    QVERIFY(folder.remove());
    QCOMPARE(w.openHead(3, 2), QString());
    QVERIFY(w.shownHead() && w.shownHead()->layer == 3 && w.shownHead()->head == 2);
    MainWindow other;
    other.openHeads(folder.filePath("activations.safetensors"), folder.filePath("checkpoint"), true);
    QVERIFY(other.openHead(3, 2).contains("activations.safetensors"));  // no report yet: opened now, and gone
  }

  void aHeadOfTheHeadsTabOpensInTheOtherTabs() {
    MainWindow w;
    w.show();
    const QString dir = QStringLiteral(NTK_TEST_DATA_DIR "/tiny_model");
    const ntk::core::Parameters generated = w.parameterPanel()->parameters();
    w.openHeads(dir + "/activations.safetensors", dir + "/checkpoint", true);
    ntk::ui::HeadsTab* tab = w.headsTab();
    QTRY_VERIFY_WITH_TIMEOUT(tab->report() && !tab->busy(), 600000);
    ntk::ui::HeadsPlot* plot = tab->plot();
    plot->replot(QCustomPlot::rpImmediateRefresh);
    QTest::mouseClick(plot, Qt::LeftButton, Qt::NoModifier,
                      QPoint(int(plot->xAxis->coordToPixel(1)), int(plot->yAxis->coordToPixel(2))));
    QPushButton* open = nullptr;
    for (QPushButton* b : tab->findChildren<QPushButton*>())
      if (b->text() == "Show this head in every tab") open = b;
    QVERIFY(open && open->isEnabled());
    QTest::mouseClick(open, Qt::LeftButton);
    QVERIFY(w.shownHead());
    QCOMPARE(w.shownHead()->layer, qint64(2));
    QCOMPARE(w.shownHead()->head, qint64(1));
    const auto expected = [&](int degree) {
      ntk::core::Parameters p = generated;
      p.feature.degree = degree;
      const ntk::core::CapturedAttention inputs((dir + "/activations.safetensors").toStdString());
      const ntk::core::HeadsReport report =
          ntk::core::compare_heads(ntk::core::open_peft_prefix((dir + "/checkpoint").toStdString()), inputs, p);
      for (const ntk::core::HeadResult& h : report.heads)
        if (h.layer == 2 && h.head == 1) return h.comparison;
      return ntk::core::Comparison{};
    };
    const auto shows = [&](const ntk::core::Comparison& c) {
      const ntk::ui::ComparisonPtr r = w.shownResult();
      return w.settled() && r && r->params.workload.m == 32 && r->params.feature.degree == c.params.feature.degree &&
             (r->exact.T - c.exact.T).cwiseAbs().maxCoeff() <= 1e-12 &&
             (r->approx.T - c.approx.T).cwiseAbs().maxCoeff() <= 1e-12 && r->errors.rel_fro == c.errors.rel_fro;
    };
    const ntk::core::Comparison two = expected(generated.feature.degree);
    QTRY_VERIFY_WITH_TIMEOUT(shows(two), 600000);
    QCOMPARE(w.findChild<QTabWidget*>()->currentIndex(), 0);  // the attention maps
    QVERIFY(w.shownResult()->exact_map && w.shownResult()->exact_map->prefix_bins == 32);
    QVERIFY(!w.parameterPanel()->control("m")->isEnabled());
    QVERIFY(!w.parameterPanel()->control("scale")->isEnabled());
    QVERIFY(w.parameterPanel()->control("degree")->isEnabled());
    QCOMPARE(w.parameterPanel()->parameters().workload.d, Eigen::Index(32));
    // The feature map applies to the head.
    ntk::core::Parameters q = w.parameterPanel()->parameters();
    q.feature.degree = 1;
    w.parameterPanel()->setParameters(q);
    w.computeNow();
    QTRY_VERIFY_WITH_TIMEOUT(shows(expected(1)), 600000);
    // A session keeps the shown head and the generated workload's sizes.
    QTemporaryDir folder;
    const QString path = folder.filePath("head.ntksession");
    QCOMPARE(w.saveSession(path), QString());
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QJsonObject json = QJsonDocument::fromJson(file.readAll()).object();
    QCOMPARE(json["view"]["heads"]["shown"].toObject(), (QJsonObject{{"layer", 2}, {"head", 1}}));
    QCOMPARE(json["parameters"]["m"].toString(), QString::number(generated.workload.m));
    MainWindow reopened;
    QCOMPARE(reopened.openSession(path), QString());
    QVERIFY(reopened.shownHead() && reopened.shownHead()->layer == 2 && reopened.shownHead()->head == 1);
    QCOMPARE(reopened.parameterPanel()->parameters().workload.m, Eigen::Index(32));
    // A head the capture does not have is refused, and the shown one stays.
    QVERIFY(w.openHead(7, 0).contains("no layer 7"));
    QVERIFY(w.shownHead() && w.shownHead()->layer == 2);
    // Back to the generated workload; the undo steps taken on the head (its sizes) are gone.
    qobject_cast<QDoubleSpinBox*>(w.parameterPanel()->control("degree"))->setValue(3);
    QVERIFY(w.findChild<QUndoStack*>()->canUndo());
    w.closeHead();
    QVERIFY(!w.shownHead());
    QVERIFY(!w.findChild<QUndoStack*>()->canUndo());
    QVERIFY(w.parameterPanel()->control("m")->isEnabled());
    QCOMPARE(w.parameterPanel()->parameters().workload.m, generated.workload.m);
    QCOMPARE(w.parameterPanel()->parameters().feature.degree, 3);  // the feature map stays
    QTRY_VERIFY_WITH_TIMEOUT(w.settled() && w.shownResult()->params.workload.m == generated.workload.m, 600000);
  }

  // Issue 13: a prefix column summed 16 keys against one key per input column (a 16:1
  // brightness artefact), and at m = 0 the difference map autoscaled to +-4e-17 of noise.
  void mapColumnsCompareKeyForKeyAndTheDifferenceHasAFloor() {
    MainWindow w;
    w.show();
    QSignalSpy shown(&w, &MainWindow::resultShown);
    w.computeNow();
    QVERIFY(shown.wait(20000));
    const auto plot = [&](const char* name) {
      for (QCustomPlot* p : w.plots())
        if (p->objectName() == name) return static_cast<ntk::ui::AttentionMapPlot*>(p);
      return static_cast<ntk::ui::AttentionMapPlot*>(nullptr);
    };
    auto* tab = w.findChild<ntk::ui::MapsTab*>();
    const ntk::core::Comparison& c = *w.shownResult();
    QCOMPARE(c.exact_map->keys_per_bin, 16.0);  // m = 4096 in 256 bins
    const Eigen::VectorXd keys = ntk::ui::keysPerColumn(*c.exact_map, c.params.workload.m, c.params.workload.L);
    QCOMPARE(keys.head(c.exact_map->prefix_bins).sum(), double(c.params.workload.m));
    QCOMPARE(keys.tail(c.exact_map->query_bins).sum(), double(c.params.workload.L));
    // Mean per key (the default): a column is its bin's total over its keys, so the rows, weighted
    // by the keys, still sum to one.
    QCOMPARE(tab->columns(), ntk::ui::MapsTab::Columns::mean);
    const Eigen::MatrixXd& mean = plot("attention_exact")->values();
    QVERIFY((mean * keys - Eigen::VectorXd::Ones(mean.rows())).cwiseAbs().maxCoeff() < 1e-12);
    QVERIFY((mean.array().rowwise() * keys.transpose().array() - c.exact_map->weights.array()).abs().maxCoeff() <
            1e-15);
    QVERIFY(tab->caption().contains("mean weight"));
    tab->setColumns(ntk::ui::MapsTab::Columns::sum);
    QVERIFY(plot("attention_exact")->values() == c.exact_map->weights);
    QVERIFY(plot("attention_ntk")->values() == c.ntk_map->weights);
    QVERIFY(tab->caption().contains("up to 16 times brighter"));
    // The difference map spans its largest entry when that is above the floor...
    const auto span = [&] {
      return static_cast<QCPColorMap*>(plot("attention_difference")->plottable(0))->dataRange().upper;
    };
    const Eigen::MatrixXd diff = c.ntk_map->weights - c.exact_map->weights;
    QCOMPARE(span(), diff.cwiseAbs().maxCoeff());
    // ... and a millionth of the largest weight at m = 0, where both are softmax.
    ntk::core::Parameters p = c.params;
    p.workload.m = 0;
    w.parameterPanel()->setParameters(p);
    w.computeNow();
    QTRY_VERIFY_WITH_TIMEOUT(w.shownResult()->params.workload.m == 0, 120000);
    const ntk::core::Comparison& none = *w.shownResult();
    const double top = std::max(none.exact_map->weights.maxCoeff(), none.ntk_map->weights.maxCoeff());
    QVERIFY((none.ntk_map->weights - none.exact_map->weights).cwiseAbs().maxCoeff() < 1e-12 * top);
    QCOMPARE(span(), ntk::ui::difference_floor * top);
    QVERIFY(tab->caption().contains("rounding noise stays blank"));
    // Rows and columns are counted: the ticks are whole numbers (they were 2.5, 7.5, 12.5).
    plot("attention_exact")->replot();
    for (QCPAxis* axis : {plot("attention_exact")->xAxis, plot("attention_exact")->yAxis})
      for (const double tick : axis->tickVector()) QCOMPARE(tick, std::round(tick));
    // The choice is part of the session.
    QTemporaryDir dir;
    QCOMPARE(w.saveSession(dir.filePath("maps.ntksession")), QString());
    MainWindow reopened;
    QCOMPARE(reopened.openSession(dir.filePath("maps.ntksession")), QString());
    QCOMPARE(reopened.findChild<ntk::ui::MapsTab*>()->columns(), ntk::ui::MapsTab::Columns::sum);
  }

  void undoAndRedoOfParameterChanges() {
    MainWindow w;
    auto* m = qobject_cast<QDoubleSpinBox*>(w.parameterPanel()->control("m"));
    auto* degree = qobject_cast<QDoubleSpinBox*>(w.parameterPanel()->control("degree"));
    m->setValue(500);
    degree->setValue(3);
    auto* undo = w.findChild<QUndoStack*>();
    QVERIFY(undo);
    QCOMPARE(undo->count(), 2);
    undo->undo();
    QCOMPARE(w.parameterPanel()->parameters().feature.degree, 2);
    QCOMPARE(w.parameterPanel()->parameters().workload.m, 500);
    undo->undo();
    QCOMPARE(w.parameterPanel()->parameters().workload.m, 4096);
    QCOMPARE(m->value(), 4096.0);
    undo->redo();
    undo->redo();
    QCOMPARE(w.parameterPanel()->parameters().workload.m, 500);
    QCOMPARE(w.parameterPanel()->parameters().feature.degree, 3);
    QTRY_VERIFY_WITH_TIMEOUT(w.shownResult() && w.shownResult()->params.feature.degree == 3, 120000);
  }

  // Issue 11: a session whose settings the workers refuse left --screenshot waiting forever for
  // results; the window now says why it computes nothing, and refusal() tells the screenshot.
  void refusedSessionSettingsAreARefusalNotAWait() {
    QTemporaryDir dir;
    QFile f(dir.filePath("big.ntksession"));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(R"({"format": "ntk-explorer session", "schema_version": 1,
               "parameters": {"d": 64, "feature": "taylor", "degree": 4}, "ntk": {"n": 2000, "m": 65536}})");
    f.close();
    MainWindow w;
    QCOMPARE(w.openSession(f.fileName()), QString());
    QTRY_VERIFY_WITH_TIMEOUT(w.refusal().contains("memory budget"), 120000);
    QVERIFY(!w.settled());
    // A valid setting clears it.
    w.openSession(f.fileName());
    ntk::core::Parameters ok = ntk::core::default_parameters();
    w.parameterPanel()->setParameters(ok);
    w.ntkPanel()->setParameters(ok);
    w.computeNow();
    emit w.ntkPanel()->parametersChanged(ok, true);
    QTRY_VERIFY_WITH_TIMEOUT(w.refusal().isEmpty() && w.settled(), 120000);
  }

  // Issue 11: on a full disk the session was replaced by a 0-byte file while the window said it
  // was saved. A 16 KB tmpfs (root only) is filled up between two saves.
  void savingOnAFullDiskKeepsTheOldSession() {
    if (geteuid() != 0) QSKIP("mounting a small tmpfs needs root");
    QTemporaryDir dir;
    const QByteArray mountPoint = dir.path().toLocal8Bit();
    if (mount("tmpfs", mountPoint.constData(), "tmpfs", 0, "size=16k") != 0) QSKIP("cannot mount a tmpfs here");
    const QString path = dir.filePath("class.ntksession");
    MainWindow w;
    QCOMPARE(w.saveSession(path), QString());
    QFile saved(path);
    QVERIFY(saved.open(QIODevice::ReadOnly));
    const QByteArray before = saved.readAll();
    saved.close();
    {
      QFile filler(dir.filePath("filler"));
      QVERIFY(filler.open(QIODevice::WriteOnly));
      filler.write(QByteArray(64 * 1024, 'x'));  // fails part way: the disk is full
    }
    ntk::core::Parameters p = ntk::core::default_parameters();
    p.workload.m = 777;
    w.parameterPanel()->setParameters(p);
    const QString error = w.saveSession(path);
    QVERIFY2(error.contains("old file is kept") || error.contains("No space"), qPrintable(error));
    QVERIFY(saved.open(QIODevice::ReadOnly));
    QCOMPARE(saved.readAll(), before);
    saved.close();
    QVERIFY(QDir(dir.path()).entryList({"*.partial", "*.ntksession.*"}, QDir::Files).isEmpty());
    umount(mountPoint.constData());
  }

  // Issue 13: a session saved under a relative path was remembered relative, and the recent
  // menu failed when the program was started from another folder.
  void recentFilesAreRememberedWithAbsolutePaths() {
    QTemporaryDir dir;
    const QString before = QDir::currentPath();
    QVERIFY(QDir::setCurrent(dir.path()));
    {
      MainWindow w;
      QCOMPARE(w.saveSession("relative.ntksession"), QString());
    }
    QVERIFY(QDir::setCurrent(before));
    const QStringList recent = QSettings().value("recentFiles").toStringList();
    QVERIFY(!recent.isEmpty());
    QCOMPARE(recent.first(), QDir(dir.path()).absoluteFilePath("relative.ntksession"));
    MainWindow w;
    QCOMPARE(w.openSession(recent.first()), QString());
  }

  // Issue 13: the export dialog showed "&File" with its ampersand: every label with a mnemonic
  // has a buddy, so "&" marks the shortcut key and is not drawn.
  void exportDialogLabelsHaveTheirMnemonics() {
    ntk::ui::ExportDialog dialog("plot.png", QSize(800, 600), {});
    for (const QLabel* label : dialog.findChildren<QLabel*>())
      if (label->text().contains('&')) QVERIFY2(label->buddy(), qPrintable(label->text()));
  }

  void sessionsRoundTripAndBadFilesKeepTheCurrentSession() {
    QTemporaryDir dir;
    const QString path = dir.filePath("a.ntksession");
    ntk::core::Parameters p = ntk::core::default_parameters();
    p.workload.m = 1234;
    p.feature.degree = 3;
    p.causal = true;
    p.ntk.model.n = 12;
    p.ntk.model.sigma = 0.5;
    {
      MainWindow w;
      w.parameterPanel()->setParameters(p);
      w.ntkPanel()->setParameters(p);
      QCOMPARE(w.findChild<QTabWidget*>()->count(), ntk::ui::session_tabs);  // what sessions check
      w.openHeads("capture.safetensors", "kv.safetensors", false);           // the Heads tab's files are kept too
      w.findChild<QTabWidget*>()->setCurrentIndex(ntk::ui::session_tabs - 1);
      QCOMPARE(w.saveSession(path), QString());
    }
    MainWindow w;
    QCOMPARE(w.openSession(path), QString());
    QCOMPARE(w.findChild<QTabWidget*>()->currentIndex(), ntk::ui::session_tabs - 1);
    QCOMPARE(w.headsTab()->capture(), QString("capture.safetensors"));
    QCOMPARE(w.headsTab()->prefix(), QString("kv.safetensors"));
    QVERIFY(!w.headsTab()->prefixIsCheckpoint());
    QTRY_VERIFY_WITH_TIMEOUT(!w.headsTab()->busy(), 60000);
    QVERIFY2(w.headsTab()->failure().contains("capture.safetensors"), qPrintable(w.headsTab()->failure()));
    for (const ntk::core::ParamSpec& s : ntk::core::parameter_specs())
      QCOMPARE(s.get(w.parameterPanel()->parameters()), s.get(p));
    for (const ntk::core::ParamSpec& s : ntk::core::ntk_parameter_specs())
      QCOMPARE(s.get(w.currentParameters()), s.get(p));

    auto write = [&](const QString& name, const QByteArray& text) {
      QFile f(dir.filePath(name));
      f.open(QIODevice::WriteOnly);
      f.write(text);
      return dir.filePath(name);
    };
    const struct {
      const char* name;
      QByteArray text;
      const char* says;
    } bad[] = {
        {"garbage.ntksession", "not json at all", "not a session file"},
        {"newer.ntksession", R"({"format": "ntk-explorer session", "schema_version": 99, "parameters": {}})", "newer"},
        {"value.ntksession", R"({"format": "ntk-explorer session", "schema_version": 1, "parameters": {"L": "0"}})",
         "--L must be"},
        {"key.ntksession", R"({"format": "ntk-explorer session", "schema_version": 1, "parameters": {"bogus": "1"}})",
         "unknown parameter"},
        // Regressions from issue 11: wrong-typed sections loaded as defaults; an array root said
        // "no error occurred".
        {"string.ntksession", R"({"format": "ntk-explorer session", "schema_version": 1, "parameters": "x"})",
         "must be an object"},
        {"list.ntksession", R"({"format": "ntk-explorer session", "schema_version": 1, "ntk": []})",
         "must be an object"},
        {"number.ntksession", R"({"format": "ntk-explorer session", "schema_version": 1, "parameters": 5})",
         "must be an object"},
        {"null.ntksession", R"({"format": "ntk-explorer session", "schema_version": 1, "parameters": null})",
         "must be an object"},
        {"array.ntksession", R"([1, 2])", "root is not a JSON object"},
        {"view.ntksession", R"({"format": "ntk-explorer session", "schema_version": 1, "view": null})",
         "\"view\" must be an object"},
        // Issue 28: a lesson past the last opened lesson 7, a bad tab the first; 1e308 for the scale
        // was refused as "past 2^53" (a rule for integers).
        {"lesson.ntksession", R"({"format": "ntk-explorer session", "schema_version": 1, "view": {"lesson": 99}})",
         "\"lesson\" must be a lesson"},
        {"card.ntksession",
         R"({"format": "ntk-explorer session", "schema_version": 1, "view": {"lesson": 1, "card": 40}})",
         "\"card\" must be a card"},
        {"tab.ntksession", R"({"format": "ntk-explorer session", "schema_version": 1, "view": {"tab": 9}})",
         "\"tab\" must be a tab"},
        {"half.ntksession", R"({"format": "ntk-explorer session", "schema_version": 1, "view": {"tab": 1.5}})",
         "\"tab\" must be a tab"},
        {"heads.ntksession",
         R"({"format": "ntk-explorer session", "schema_version": 1, "view": {"heads": {"capture": 3, "prefix": "p"}}})",
         "\"heads\" must be {\"capture\": PATH"},
        {"columns.ntksession",
         R"({"format": "ntk-explorer session", "schema_version": 1, "view": {"map_columns": "banana"}})",
         "\"map_columns\" must be"},
        {"scale.ntksession",
         R"({"format": "ntk-explorer session", "schema_version": 1, "parameters": {"scale": 1e308}})",
         "--scale must be"},
        // 2^53 + 1 arrives from the JSON parser as 2^53: refused, not rounded.
        {"seed.ntksession",
         R"({"format": "ntk-explorer session", "schema_version": 1, "parameters": {"seed": 9007199254740993}})",
         "past 2^53"},
    };
    for (const auto& b : bad) {
      const QString error = w.openSession(write(b.name, b.text));
      QVERIFY2(error.contains(b.says), qPrintable(error));
      QCOMPARE(w.parameterPanel()->parameters().workload.m, 1234);  // unchanged
    }
    QVERIFY(w.openSession(dir.filePath("missing.ntksession")).contains("cannot open"));
    // Special files are refused before any read (/dev/zero aborted with bad_alloc, a FIFO blocked).
    QVERIFY2(w.openSession("/dev/zero").contains("not a regular file"), qPrintable(w.openSession("/dev/zero")));
    QVERIFY(w.openSession(dir.path()).contains("not a regular file"));
    QCOMPARE(w.parameterPanel()->parameters().workload.m, 1234);
  }
};

QTEST_MAIN(MainWindowTest)
#include "test_main_window.moc"
