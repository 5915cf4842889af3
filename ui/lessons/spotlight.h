#pragma once
// A thick frame drawn over the plot a lesson card points at. It lets every click through and
// follows its target's size.

#include <QPointer>
#include <QWidget>

namespace ntk::ui {

class Spotlight : public QWidget {
  Q_OBJECT

 public:
  explicit Spotlight(QWidget* parent = nullptr);

  /// Frames `target` (nullptr hides the frame).
  void frame(QWidget* target);
  QWidget* target() const { return m_target; }

 protected:
  bool eventFilter(QObject* watched, QEvent* event) override;
  void paintEvent(QPaintEvent* event) override;

 private:
  QPointer<QWidget> m_target;
};

}  // namespace ntk::ui
