#include "tests/ui/parts.h"

#include <QApplication>
#include <QStandardPaths>

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  QStandardPaths::setTestModeEnabled(true);  // QSettings in a test folder, not the user's
  int failed = 0;
  for (int (*run)(int, char**) : {runStatusTextTests, runRecentFilesTests, runSessionFileTests, runExportBundleTests})
    failed += run(argc, argv);
  return failed;
}
