#pragma once
// Where and how large to export one plot: the file (its suffix picks PNG, SVG, PDF or CSV), the
// size in pixels and, for PNG, the scale (2 at 150 dpi gives 300 dpi).

#include "ui/look/plot_look.h"

#include <QDialog>

class QComboBox;
class QLineEdit;
class QSpinBox;

namespace ntk::ui {

class ExportDialog : public QDialog {
  Q_OBJECT

 public:
  ExportDialog(const QString& suggestedPath, QSize size, const PlotLook& shown, QWidget* parent = nullptr);

  QString path() const;
  QSize size() const;
  double scale() const;
  /// Light (the default, for print and slides) or the look on screen.
  PlotLook look() const;

 private:
  QLineEdit* m_path;
  QSpinBox* m_width;
  QSpinBox* m_height;
  QComboBox* m_scale;
  QComboBox* m_look;
  PlotLook m_shown;
};

}  // namespace ntk::ui
