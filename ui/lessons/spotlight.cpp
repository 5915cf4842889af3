#include "ui/lessons/spotlight.h"

#include "ui/plots/plot_helpers.h"

#include <QEvent>
#include <QPainter>

namespace ntk::ui {

Spotlight::Spotlight(QWidget* parent) : QWidget(parent) {
  setAttribute(Qt::WA_TransparentForMouseEvents);
  setAttribute(Qt::WA_NoSystemBackground);
  hide();
}

void Spotlight::frame(QWidget* target) {
  if (m_target) m_target->removeEventFilter(this);
  m_target = target;
  if (!target) return hide();
  setParent(target);
  target->installEventFilter(this);
  setGeometry(target->rect());
  raise();
  show();
}

bool Spotlight::eventFilter(QObject* watched, QEvent* event) {
  if (watched == m_target && event->type() == QEvent::Resize) setGeometry(m_target->rect());
  return QWidget::eventFilter(watched, event);
}

void Spotlight::paintEvent(QPaintEvent*) {
  QPainter painter(this);
  painter.setRenderHint(QPainter::Antialiasing);
  const int width = 6;
  painter.setPen(QPen(palette::orange, width));
  painter.drawRoundedRect(QRectF(rect()).adjusted(width / 2.0, width / 2.0, -width / 2.0, -width / 2.0), 8, 8);
}

}  // namespace ntk::ui
