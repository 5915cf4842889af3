#pragma once
// Where and how large to export one plot: the file (its suffix picks PNG, SVG, PDF or CSV), the
// size in pixels, for PNG the scale (2 at 150 dpi gives 300 dpi), the look and, as an option, a
// footer with the settings that reproduce the plot.

#include "ui/look/plot_look.h"

#include <QDialog>

class QCheckBox;
class QComboBox;
class QLineEdit;
class QSpinBox;

namespace ntk::ui {

class ExportDialog : public QDialog {
  Q_OBJECT

 public:
  /// `footer`: the settings line the Footer option adds (empty: the option is off and disabled).
  ExportDialog(const QString& suggestedPath, QSize size, const PlotLook& shown, const QString& footer = {},
               QWidget* parent = nullptr);

  QString path() const;
  QSize size() const;
  double scale() const;
  /// Light (the default, for print and slides) or the look on screen.
  PlotLook look() const;
  /// The footer to write under the plot, or empty.
  QString footer() const;

 private:
  QLineEdit* m_path;
  QSpinBox* m_width;
  QSpinBox* m_height;
  QComboBox* m_scale;
  QComboBox* m_look;
  QCheckBox* m_footer;
  PlotLook m_shown;
  QString m_footerText;
};

}  // namespace ntk::ui
