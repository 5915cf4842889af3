#include "ui/look/window_look.h"

#include <QApplication>
#include <QFont>
#include <QPalette>
#include <QProxyStyle>
#include <QStyleFactory>
#include <QToolTip>
#include <cmath>

namespace ntk::ui {
namespace {

QPalette darkPalette() {
  const QColor window(43, 43, 48), base(27, 27, 31), text(238, 238, 238), accent(86, 180, 233);
  QPalette p;
  p.setColor(QPalette::Window, window);
  p.setColor(QPalette::WindowText, text);
  p.setColor(QPalette::Base, base);
  p.setColor(QPalette::AlternateBase, window);
  p.setColor(QPalette::ToolTipBase, base);
  p.setColor(QPalette::ToolTipText, text);
  p.setColor(QPalette::PlaceholderText, QColor(150, 150, 150));
  p.setColor(QPalette::Text, text);
  p.setColor(QPalette::Button, window);
  p.setColor(QPalette::ButtonText, text);
  p.setColor(QPalette::BrightText, Qt::white);
  p.setColor(QPalette::Link, accent);
  p.setColor(QPalette::Highlight, QColor(0, 114, 178));
  p.setColor(QPalette::HighlightedText, Qt::white);
  for (const QPalette::ColorRole role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText})
    p.setColor(QPalette::Disabled, role, QColor(125, 125, 125));
  return p;
}

// Fusion (the one style that draws any palette as given) with its fixed-size parts, check boxes,
// radio buttons, slider handles, scroll bars and small icons, grown with the text.
class ScaledStyle : public QProxyStyle {
 public:
  explicit ScaledStyle(double scale) : QProxyStyle(QStyleFactory::create("Fusion")), m_scale(scale) {}
  double scale() const { return m_scale; }

  int pixelMetric(PixelMetric metric, const QStyleOption* option, const QWidget* widget) const override {
    const int size = QProxyStyle::pixelMetric(metric, option, widget);
    switch (metric) {
      case PM_IndicatorWidth:
      case PM_IndicatorHeight:
      case PM_ExclusiveIndicatorWidth:
      case PM_ExclusiveIndicatorHeight:
      case PM_SliderThickness:
      case PM_SliderLength:
      case PM_ScrollBarExtent:
      case PM_SmallIconSize:
        return int(std::lround(size * m_scale));
      default:
        return size;
    }
  }

 private:
  double m_scale;
};

}  // namespace

void applyWindowLook(const PlotLook& look) {
  const double scale = textScale(look);
  const auto* style = dynamic_cast<const ScaledStyle*>(QApplication::style());
  if (!style || style->scale() != scale) QApplication::setStyle(new ScaledStyle(scale));
  QApplication::setPalette(look.dark ? darkPalette() : QApplication::style()->standardPalette());
  QFont font = platformFont();
  font.setPointSizeF((font.pointSizeF() > 0 ? font.pointSizeF() : 10) * scale);
  QApplication::setFont(font);
  QToolTip::setFont(font);  // tooltips keep a font of their own otherwise
}

}  // namespace ntk::ui
