#include "ui/dialogs/help_dialog.h"

#include <QDialogButtonBox>
#include <QFile>
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
  resize(760, 820);
}

QString HelpDialog::text() const { return m_browser->toPlainText(); }

}  // namespace ntk::ui
