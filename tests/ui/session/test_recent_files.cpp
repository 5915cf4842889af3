#include "tests/ui/parts.h"
#include "ui/session/recent_files.h"

#include <QtTest>

class RecentFilesTest : public QObject {
  Q_OBJECT

 private slots:
  void theNewestComeFirstOnceAbsoluteAndAtMostEight() {
    QSettings().remove("recentFiles");
    QTemporaryDir dir;
    const QString before = QDir::currentPath();
    QVERIFY(QDir::setCurrent(dir.path()));
    for (int i = 0; i < 10; ++i) ntk::ui::rememberRecentFile(QString("s%1.ntksession").arg(i));
    ntk::ui::rememberRecentFile("s5.ntksession");  // again: moves to the front, once
    QVERIFY(QDir::setCurrent(before));
    const QStringList recent = ntk::ui::recentFiles();
    QCOMPARE(recent.size(), ntk::ui::recent_files_kept);
    const QDir d(dir.path());
    QCOMPARE(recent.first(), d.absoluteFilePath("s5.ntksession"));
    QCOMPARE(recent.count(d.absoluteFilePath("s5.ntksession")), 1);
    QCOMPARE(recent.at(1), d.absoluteFilePath("s9.ntksession"));
    QVERIFY(!recent.contains(d.absoluteFilePath("s1.ntksession")));  // the oldest are dropped
  }
};

int runRecentFilesTests(int argc, char** argv) {
  RecentFilesTest test;
  return QTest::qExec(&test, argc, argv);
}

#include "test_recent_files.moc"
