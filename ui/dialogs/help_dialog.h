#pragma once
// The help view: the formulas of both methods, what is reconstructed, a glossary and the keys
// (resources/help.html).

#include <QDialog>

class QTextBrowser;

namespace ntk::ui {

class HelpDialog : public QDialog {
  Q_OBJECT

 public:
  explicit HelpDialog(QWidget* parent = nullptr);
  /// The help text as shown (for tests).
  QString text() const;

 private:
  QTextBrowser* m_browser;
};

}  // namespace ntk::ui
