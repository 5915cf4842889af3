#include "ui/session/recent_files.h"

#include <QFileInfo>
#include <QSettings>

namespace ntk::ui {

QStringList recentFiles() { return QSettings().value("recentFiles").toStringList(); }

void rememberRecentFile(const QString& path) {
  const QString absolute = QFileInfo(path).absoluteFilePath();
  QStringList recent = recentFiles();
  recent.removeAll(absolute);
  recent.prepend(absolute);
  QSettings().setValue("recentFiles", recent.mid(0, recent_files_kept));
}

}  // namespace ntk::ui
