#include "ui/look/window_look.h"

#include <QApplication>
#include <QFont>
#include <QPalette>
#include <QStyle>
#include <QStyleFactory>

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

}  // namespace

void applyWindowLook(const PlotLook& look) {
  // Fusion is the one style that draws any palette as given.
  if (QApplication::style()->name() != "fusion") QApplication::setStyle(QStyleFactory::create("Fusion"));
  QApplication::setPalette(look.dark ? darkPalette() : QApplication::style()->standardPalette());
  QFont font = platformFont();
  if (look.presenter) {
    const double size = font.pointSizeF() > 0 ? font.pointSizeF() : 10;
    font.setPointSizeF(size * 1.5);
  }
  QApplication::setFont(font);
}

}  // namespace ntk::ui
