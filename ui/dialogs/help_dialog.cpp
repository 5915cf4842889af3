#include "ui/dialogs/help_dialog.h"

#include <QDialogButtonBox>
#include <QFile>
#include <QFontMetrics>
#include <QScreen>
#include <QTextBrowser>
#include <QVBoxLayout>

namespace ntk::ui {

HelpDialog::HelpDialog(QWidget* parent) : QDialog(parent), m_browser(new QTextBrowser) {
  setWindowTitle(tr("NTK-Attention Explorer help"));
  QFile file(":/help.html");
  file.open(QIODevice::ReadOnly);
  m_browser->setHtml(QString::fromUtf8(file.readAll()));
  m_browser->setOpenExternalLinks(true);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::close);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(m_browser);
  layout->addWidget(buttons);
  // The text follows the application's font (and so the zoom); so does the first size.
  const QFontMetrics metrics(font());
  const QSize wanted(80 * metrics.averageCharWidth(), 50 * metrics.lineSpacing());
  resize(screen() ? wanted.boundedTo(screen()->availableSize() * 9 / 10) : wanted);
}

QString HelpDialog::text() const { return m_browser->toPlainText(); }

}  // namespace ntk::ui
