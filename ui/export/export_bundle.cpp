#include "ui/export/export_bundle.h"

#include "core/io/provenance.h"
#include "core/util/parallel.h"
#include "ui/export/plot_export.h"
#include "ui/session/session_file.h"

#include <qcustomplot.h>

#include <QCoreApplication>
#include <QDir>
#include <string>
#include <vector>

namespace ntk::ui {

QString exportBundle(const QString& folder, const QList<QCustomPlot*>& plots, const core::Parameters& shown) {
  if (!QDir().mkpath(folder)) return QObject::tr("cannot create %1").arg(folder);
  const QDir dir(folder);
  for (QCustomPlot* plot : plots) {
    for (const QString& format : exportFormats()) {
      // Hidden tabs have no size of their own: export at a fixed, legible size.
      const int width = plot->axisRectCount() > 1 ? 1500 : 900;
      const QString error =
          exportPlot(plot, dir.filePath(plot->objectName() + "." + format), width, 700, format == "png" ? 2.0 : 1.0);
      if (!error.isEmpty()) return error;
    }
  }
  if (const QString error = saveSession(dir.filePath("session.ntksession"), {shown, {}}); !error.isEmpty())
    return error;
  const auto write = [&](const QString& name, const std::string& text) {
    return writeFileAtomic(dir.filePath(name), QByteArray::fromStdString(text));
  };
  if (const QString error = write("command.txt", core::command_line(shown) + "\n"); !error.isEmpty()) return error;
  // Provenance: this program's command line; the equivalent computation is command.txt.
  std::vector<std::string> arguments;
  for (const QString& a : QCoreApplication::arguments()) arguments.push_back(a.toStdString());
  return write("provenance.json", core::provenance_json({arguments, {}, core::thread_count(), "float64"}));
}

}  // namespace ntk::ui
