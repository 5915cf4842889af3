#include "ui/export/plot_export.h"

#include "ui/session/session_file.h"

#include <qcustomplot.h>
#include <QApplication>
#include <QBuffer>
#include <QFileInfo>
#include <QPdfWriter>
#include <QSvgGenerator>
#include <cmath>

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

// The settings footer's font, and where it goes under a plot `width` pixels wide whose bottom is `top`.
QFont footerFont() {
  QFont font = QApplication::font();
  font.setPixelSize(11);
  return font;
}

QRect footerRect(const QString& footer, int top, int width) {
  if (footer.isEmpty()) return {};
  const QRect text =
      QFontMetrics(footerFont()).boundingRect(QRect(8, 0, width - 16, 1 << 20), Qt::TextWordWrap, footer);
  return {8, top + 4, width - 16, text.height() + 6};
}

// The height of a picture of a plot `height` pixels tall with `footer` under it.
int withFooter(const QString& footer, int width, int height) {
  return footer.isEmpty() ? height : footerRect(footer, height, width).bottom() + 1;
}

// Draws `plot` at width x height and `footer` under it (wrapped), on `painter` from (0, 0), in
// `look`'s colours.
void paint(QCustomPlot* plot, QCPPainter& painter, int width, int height, const QString& footer, const PlotLook& look) {
  plot->toPainter(&painter, width, height);
  if (footer.isEmpty()) return;
  const QRect rect = footerRect(footer, height, width);
  painter.fillRect(QRect(0, height, width, rect.bottom() + 1 - height), lookBackground(look));
  painter.setFont(footerFont());
  painter.setPen(lookForeground(look));
  painter.drawText(rect, Qt::TextWordWrap, footer);
}

// The plot as it looks now at width x height times `scale`, `footer` under it in `look`'s colours.
QImage image_of(QCustomPlot* plot, int width, int height, double scale, const PlotLook& look, const QString& footer) {
  QImage image(QSize(width, withFooter(footer, width, height)) * scale, QImage::Format_ARGB32);
  image.fill(lookBackground(look));
  {
    QCPPainter painter(&image);
    if (scale > 1) painter.setMode(QCPPainter::pmNonCosmetic);  // lines as thick as on screen
    painter.scale(scale, scale);
    paint(plot, painter, width, height, footer, look);
  }
  const int dots_per_meter = int(std::lround(96 * scale / 0.0254));
  image.setDotsPerMeterX(dots_per_meter);
  image.setDotsPerMeterY(dots_per_meter);
  return image;
}

QString render(QCustomPlot* plot, const QString& path, const QString& suffix, int width, int height, double scale,
               const QString& footer, const PlotLook& look) {
  if (width <= 0) width = plot->width();
  if (height <= 0) height = plot->height();
  const int total = withFooter(footer, width, height);
  if (suffix == "png") return saveImage(image_of(plot, width, height, scale, look, footer), path);
  if (suffix == "pdf")
    return via_temporary(path, [&](const QString& p) {
      QPdfWriter pdf(p);
      pdf.setResolution(96);  // a plot pixel is a device pixel, and fonts size as on screen
      pdf.setPageLayout(QPageLayout(QPageSize(QSizeF(width, total) * 0.75, QPageSize::Point, {}, QPageSize::ExactMatch),
                                    QPageLayout::Portrait, QMarginsF()));
      pdf.setTitle(QFileInfo(path).completeBaseName());
      QCPPainter painter(&pdf);
      painter.setMode(QCPPainter::pmVectorized);
      paint(plot, painter, width, height, footer, look);
      return painter.end();
    });
  if (suffix == "svg")
    return via_temporary(path, [&](const QString& p) {
      QSvgGenerator svg;
      svg.setFileName(p);
      svg.setSize(QSize(width, total));
      svg.setViewBox(QRect(0, 0, width, total));
      svg.setTitle(QFileInfo(path).completeBaseName());
      QCPPainter painter(&svg);
      paint(plot, painter, width, height, footer, look);
      return painter.end();
    });
  return QObject::tr("unknown format '%1'; use one of %2").arg(suffix, exportFormats().join(", "));
}

}  // namespace

QStringList exportFormats() { return {"png", "svg", "pdf", "csv"}; }

QImage renderImage(QCustomPlot* plot, int width, int height, double scale, const PlotLook& look,
                   const QString& footer) {
  applyLook(plot, look);
  const QImage image = image_of(plot, width, height, scale, look, footer);
  applyLook(plot, plotLook(plot));
  return image;
}

QImage plotImage(QCustomPlot* plot, const PlotLook& look) {
  return renderImage(plot, plot->width(), plot->height(), 1, look);
}

QString whyNotWritable(const QString& path, const QStringList& formats) {
  const QFileInfo info(path);
  if (!formats.contains(info.suffix().toLower()))
    return QObject::tr("cannot write %1: unknown format '%2' (use %3)").arg(path, info.suffix(), formats.join(", "));
  if (info.isDir()) return QObject::tr("cannot write %1: it is a directory").arg(path);
  if (info.exists() && !info.isFile()) return QObject::tr("cannot write %1: it is not a regular file").arg(path);
  const QFileInfo folder(info.absolutePath());
  if (!folder.isDir()) return QObject::tr("cannot write %1: the folder %2 does not exist").arg(path, folder.filePath());
  if (!folder.isWritable())
    return QObject::tr("cannot write %1: permission denied (the folder %2 is read-only)").arg(path, folder.filePath());
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
  if (!image.save(&buffer, format.constData()))
    return QObject::tr("cannot encode the picture as %1").arg(QString(format));
  return writeFileAtomic(path, bytes);
}

QString exportPlot(QCustomPlot* plot, const QString& path, int width, int height, double scale, const PlotLook& look,
                   const QString& footer) {
  const QString suffix = QFileInfo(path).suffix().toLower();
  if (const QString why = whyNotWritable(path, exportFormats()); !why.isEmpty()) return why;
  if (suffix == "csv") {
    const auto* source = dynamic_cast<const CsvSource*>(plot);
    if (!source) return QObject::tr("this plot has no data to export as CSV");
    return writeFileAtomic(path, source->csv().toUtf8());
  }
  applyLook(plot, look);
  const QString error = render(plot, path, suffix, width, height, scale, footer, look);
  applyLook(plot, plotLook(plot));
  return error;
}

}  // namespace ntk::ui
