#include "ui/export/plot_export.h"

#include "ui/session/session_file.h"

#include <QBuffer>
#include <QFileInfo>
#include <QSvgGenerator>
#include <cmath>
#include <qcustomplot.h>

namespace ntk::ui {
namespace {

// QCustomPlot writes the file itself; render beside it and rename, so no half file is left.
template <typename Write>
QString via_temporary(const QString& path, Write write) {
  const QString temp = path + ".partial";
  if (!write(temp)) {
    QFile::remove(temp);
    const QString why = whyNotWritable(path, exportFormats() + QStringList{"jpg", "bmp"});
    return why.isEmpty() ? QObject::tr("cannot write %1 (the disk may be full)").arg(path) : why;
  }
  QFile::remove(path);
  if (!QFile::rename(temp, path)) return QObject::tr("cannot replace %1").arg(path);
  return {};
}

QString render(QCustomPlot* plot, const QString& path, const QString& suffix, int width, int height,
               double scale) {
  if (width <= 0) width = plot->width();
  if (height <= 0) height = plot->height();
  if (suffix == "png") {
    QImage image = plot->toPixmap(width, height, scale).toImage();
    const int dots_per_meter = int(std::lround(96 * scale / 0.0254));
    image.setDotsPerMeterX(dots_per_meter);
    image.setDotsPerMeterY(dots_per_meter);
    return saveImage(image, path);
  }
  if (suffix == "pdf")
    return via_temporary(path, [&](const QString& p) { return plot->savePdf(p, width, height); });
  if (suffix == "svg")
    return via_temporary(path, [&](const QString& p) {
      QSvgGenerator svg;
      svg.setFileName(p);
      svg.setSize(QSize(width, height));
      svg.setViewBox(QRect(0, 0, width, height));
      svg.setTitle(QFileInfo(path).completeBaseName());
      QCPPainter painter(&svg);
      plot->toPainter(&painter, width, height);
      return painter.end();
    });
  return QObject::tr("unknown format '%1'; use one of %2").arg(suffix, exportFormats().join(", "));
}

}  // namespace

QStringList exportFormats() { return {"png", "svg", "pdf", "csv"}; }

QImage plotImage(QCustomPlot* plot, const PlotLook& look) {
  applyLook(plot, look);
  const QImage image = plot->toPixmap().toImage();
  applyLook(plot, plotLook(plot));
  return image;
}

QString whyNotWritable(const QString& path, const QStringList& formats) {
  const QFileInfo info(path);
  if (!formats.contains(info.suffix().toLower()))
    return QObject::tr("cannot write %1: unknown format '%2' (use %3)").arg(path, info.suffix(), formats.join(", "));
  if (info.isDir()) return QObject::tr("cannot write %1: it is a directory").arg(path);
  if (info.exists() && !info.isFile()) return QObject::tr("cannot write %1: it is not a regular file").arg(path);
  const QFileInfo folder(info.absolutePath());
  if (!folder.isDir()) return QObject::tr("cannot write %1: the folder %2 does not exist").arg(path, folder.filePath());
  if (!folder.isWritable()) return QObject::tr("cannot write %1: permission denied (the folder %2 is read-only)").arg(path, folder.filePath());
  return {};
}

QString saveImage(const QImage& image, const QString& path) {
  if (const QString why = whyNotWritable(path, {"png", "jpg", "bmp"}); !why.isEmpty()) return why;
  // Encoded in memory, then written by writeFileAtomic: Qt's PNG writer, writing the file
  // itself, leaks its row buffer when libpng fails on a full disk, and cannot say why.
  const QByteArray format = QFileInfo(path).suffix().toLower().toLatin1();
  QByteArray bytes;
  QBuffer buffer(&bytes);
  buffer.open(QIODevice::WriteOnly);
  if (!image.save(&buffer, format.constData())) return QObject::tr("cannot encode the picture as %1").arg(QString(format));
  return writeFileAtomic(path, bytes);
}

QString exportPlot(QCustomPlot* plot, const QString& path, int width, int height, double scale,
                   const PlotLook& look) {
  const QString suffix = QFileInfo(path).suffix().toLower();
  if (const QString why = whyNotWritable(path, exportFormats()); !why.isEmpty()) return why;
  if (suffix == "csv") {
    const auto* source = dynamic_cast<const CsvSource*>(plot);
    if (!source) return QObject::tr("this plot has no data to export as CSV");
    return writeFileAtomic(path, source->csv().toUtf8());
  }
  applyLook(plot, look);
  const QString error = render(plot, path, suffix, width, height, scale);
  applyLook(plot, plotLook(plot));
  return error;
}

}  // namespace ntk::ui
