// The menus of the main window: every action has a shortcut, and the shortcuts keep working
// when presenter mode hides the menu bar.

#include "ui/main_window.h"

#include "ui/dialogs/help_dialog.h"
#include "ui/export/plot_actions.h"
#include "ui/lessons/handout.h"
#include "ui/lessons/lesson_panel.h"
#include "ui/panels/heads_tab.h"
#include "ui/panels/parameter_panel.h"
#include "ui/panels/training_tab.h"

#include <QCoreApplication>
#include <QDockWidget>
#include <QFileDialog>
#include <QInputDialog>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QProcess>
#include <QProgressDialog>
#include <QPushButton>
#include <QSettings>
#include <QStatusBar>
#include <QTabWidget>
#include <QUndoStack>
#include <algorithm>

namespace ntk::ui {

void MainWindow::buildMenus() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  const QString filter = tr("NTK-Attention sessions (*.ntksession)");
  file->addAction(tr("&Open session…"), QKeySequence::Open, this, [this, filter] {
    const QString path = QFileDialog::getOpenFileName(this, tr("Open session"), QString(), filter);
    if (path.isEmpty()) return;
    const QString error = openSession(path);
    if (!error.isEmpty())
      QMessageBox::warning(this, tr("Cannot open the session"), error + tr("\n\nThe current session is unchanged."));
  });
  // A real model's heads (the Heads tab): the capture first, then its prefix.
  const auto open_heads = [this](bool checkpoint) {
    const QString capture = QFileDialog::getOpenFileName(this, tr("The captured queries, keys and values"), QString(),
                                                         tr("Captured attention (*.safetensors *.npz)"));
    if (capture.isEmpty()) return;
    const QString prefix =
        checkpoint
            ? QFileDialog::getExistingDirectory(this, tr("The PEFT prefix-tuning folder (adapter_config.json)"))
            : QFileDialog::getOpenFileName(this, tr("The KV cache"), QString(), tr("KV cache (*.safetensors *.npz)"));
    if (!prefix.isEmpty()) openHeads(capture, prefix, checkpoint);
  };
  file->addAction(tr("Open a model's &heads (PEFT checkpoint)…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O), this,
                  [open_heads] { open_heads(true); });
  file->addAction(tr("Open a model's heads (&KV cache)…"), QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_O), this,
                  [open_heads] { open_heads(false); });
  m_recentMenu = file->addMenu(tr("Open &recent"));
  m_recentMenu->setObjectName("recent");
  fillRecentMenu();
  auto save_as = [this, filter] {
    QString path = QFileDialog::getSaveFileName(this, tr("Save session"), m_sessionPath, filter);
    if (path.isEmpty()) return;
    if (!path.endsWith(".ntksession")) path += ".ntksession";
    const QString error = saveSession(path);
    if (!error.isEmpty()) QMessageBox::warning(this, tr("Cannot save the session"), error);
  };
  file->addAction(tr("&Save session"), QKeySequence::Save, this, [this, save_as] {
    if (m_sessionPath.isEmpty()) return save_as();
    const QString error = saveSession(m_sessionPath);
    if (!error.isEmpty()) QMessageBox::warning(this, tr("Cannot save the session"), error);
  });
  // SaveAs and Quit have no standard key on some platforms (the offscreen one among them).
  file->addAction(tr("Save session &as…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S), this, save_as);
  file->addSeparator();
  QAction* bundle = file->addAction(tr("Export &bundle…"), this, [this] {
    const QString folder = QFileDialog::getExistingDirectory(this, tr("Export every plot into"));
    if (folder.isEmpty()) return;
    const QString error = exportBundle(folder);
    if (!error.isEmpty())
      QMessageBox::warning(this, tr("Export failed"), error);
    else
      statusBar()->showMessage(tr("Exported every plot to %1").arg(folder), 5000);
  });
  bundle->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_E));
  file->addSeparator();
  QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
  quit->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Q));
  QMenu* edit = menuBar()->addMenu(tr("&Edit"));
  QAction* undo = m_undo->createUndoAction(this, tr("&Undo"));
  undo->setShortcuts(QKeySequence::Undo);
  QAction* redo = m_undo->createRedoAction(this, tr("&Redo"));
  redo->setShortcuts(QKeySequence::Redo);  // Ctrl+Shift+Z and Ctrl+Y
  edit->addAction(undo);
  edit->addAction(redo);
  edit->addSeparator();
  edit->addAction(tr("&Copy plot (image and CSV)"), QKeySequence::Copy, this, [this] { copyPlot(currentPlot()); });
  edit->addAction(tr("&Export plot…"), QKeySequence(Qt::CTRL | Qt::Key_E), this,
                  [this] { exportPlotInteractively(currentPlot(), this); });
  QMenu* compute = menuBar()->addMenu(tr("&Compute"));
  compute->addAction(tr("&Recompute"), QKeySequence(Qt::Key_F5), this, &MainWindow::computeNow);
  compute->addAction(tr("&Cancel"), QKeySequence(Qt::Key_Escape), this, [this] {  // every running job
    if (m_recomputing->isVisible()) m_cancel->click();
    if (m_figures->ntkRunning()) m_figures->cancelNtk();
    m_heads->cancel();
  });
  compute->addSeparator();
  compute->addAction(tr("&Pin the scaling curves"), QKeySequence(Qt::CTRL | Qt::Key_P), this, [this] {
    pin(shownSeries());
    statusBar()->showMessage(tr("Pinned: the scaling plots keep these curves in grey"), 4000);
  });
  compute->addAction(tr("C&lear the pin"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_P), this,
                     [this] { pin(nullptr); });
  QMenu* training = menuBar()->addMenu(tr("&Training"));
  training->addAction(tr("&Play or pause"), QKeySequence(Qt::Key_F6), m_figures->trainingTab(),
                      &TrainingTab::playOrPause);
  training->addAction(tr("&Step"), QKeySequence(Qt::Key_F7), ntkController(), &NtkController::step);
  training->addAction(tr("&Reset"), QKeySequence(Qt::Key_F8), ntkController(), &NtkController::reset);
  buildViewMenu();
  buildLessonMenu();
  QMenu* help = menuBar()->addMenu(tr("&Help"));
  help->addAction(tr("&Contents"), QKeySequence(Qt::Key_F1), this, [this] {
    auto* dialog = new HelpDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->show();
  });
  // Shortcuts keep working in presenter mode, where the menu bar is hidden.
  for (QAction* menu : menuBar()->actions())
    for (QAction* action : menu->menu()->actions())
      if (!action->isSeparator() && !action->menu()) addAction(action);
}

void MainWindow::buildViewMenu() {
  QMenu* view = menuBar()->addMenu(tr("&View"));
  for (int i = 0; i < m_tabs->count(); ++i)
    view->addAction(m_tabs->tabText(i).remove('&'), QKeySequence(Qt::CTRL | Qt::Key(Qt::Key_1 + i)), this,
                    [this, i] { m_tabs->setCurrentIndex(i); });
  view->addSeparator();
  view->addAction(tr("Go to the &prefix length"), QKeySequence(Qt::CTRL | Qt::Key_L), this,
                  [this] { m_panel->control("m")->setFocus(); });
  view->addSeparator();
  m_darkAction = view->addAction(tr("&Dark theme"));
  m_darkAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_D));
  m_presenterAction = view->addAction(tr("P&resenter mode (large, high contrast, full screen)"));
  m_presenterAction->setShortcut(QKeySequence(Qt::Key_F11));
  for (QAction* action : {m_darkAction, m_presenterAction}) {
    action->setCheckable(true);
    connect(action, &QAction::triggered, this, [this] {
      setLook({m_darkAction->isChecked(), m_presenterAction->isChecked(), m_look.zoom});
      QSettings().setValue("view/dark", m_look.dark);
    });
  }
  connect(m_presenterAction, &QAction::triggered, this, [this](bool on) { on ? showFullScreen() : showNormal(); });
  // Text sizes beyond presenter mode's, for the back of a large room; kept between runs.
  const auto zoom = [this](double to) {
    PlotLook look = m_look;
    look.zoom = std::clamp(to, min_zoom, max_zoom);
    setLook(look);
    QSettings().setValue("view/zoom", m_look.zoom);
  };
  QAction* in = view->addAction(tr("Zoom &in (larger text)"), this, [this, zoom] { zoom(m_look.zoom + zoom_step); });
  in->setShortcuts(QKeySequence::keyBindings(QKeySequence::ZoomIn) << QKeySequence(Qt::CTRL | Qt::Key_Equal));
  view->addAction(tr("Zoom &out"), QKeySequence::ZoomOut, this, [this, zoom] { zoom(m_look.zoom - zoom_step); });
  view->addAction(tr("&Normal size"), QKeySequence(Qt::CTRL | Qt::Key_0), this, [zoom] { zoom(min_zoom); });
}

void MainWindow::buildLessonMenu() {
  QMenu* menu = menuBar()->addMenu(tr("&Lessons"));
  for (const Lesson& lesson : builtinLessons())
    menu->addAction(tr("&%1. %2").arg(lesson.number).arg(lesson.title),
                    QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key(Qt::Key_0 + lesson.number)), this,
                    [this, n = lesson.number] { m_lessons->open(n); });
  menu->addSeparator();
  menu->addAction(tr("&Next card"), QKeySequence(Qt::Key_PageDown), m_lessons, &LessonPanel::next);
  menu->addAction(tr("&Previous card"), QKeySequence(Qt::Key_PageUp), m_lessons, &LessonPanel::previous);
  menu->addAction(tr("&End the lesson"), QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_0), this,
                  [this] { m_lessons->open(0); });
  QAction* panel = m_lessonDock->toggleViewAction();
  panel->setText(tr("Show the lesson &panel"));
  panel->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_K));
  menu->addAction(panel);
  menu->addSeparator();
  menu->addAction(tr("Write a &handout…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_H), this,
                  &MainWindow::writeHandoutInteractively);
}

// The handout is written by `ntk-explorer handout` in its own process, so the cards it goes
// through never disturb this window's settings, and this window stays free while it works.
void MainWindow::writeHandoutInteractively() {
  int lesson = m_lessons->lesson() ? m_lessons->lesson()->number : 0;
  if (lesson == 0) {
    QStringList titles;
    for (const Lesson& l : builtinLessons()) titles << tr("%1. %2").arg(l.number).arg(l.title);
    bool chosen = false;
    const QString title = QInputDialog::getItem(this, tr("Write a handout"), tr("Lesson:"), titles, 0, false, &chosen);
    if (!chosen) return;
    lesson = int(titles.indexOf(title)) + 1;
  }
  const QString folder =
      QFileDialog::getExistingDirectory(this, tr("Folder for the handout of lesson %1").arg(lesson), QDir::homePath());
  if (folder.isEmpty()) return;
  auto* process = new QProcess(this);
  auto* progress = new QProgressDialog(tr("Writing the handout of lesson %1: every card is computed…").arg(lesson),
                                       tr("Cancel"), 0, 0, this);
  progress->setWindowModality(Qt::WindowModal);
  progress->setMinimumDuration(0);
  connect(progress, &QProgressDialog::canceled, process, &QProcess::kill);
  const auto report = [this, process, progress, folder, lesson](const QString& failure) {
    progress->deleteLater();
    process->deleteLater();
    if (failure.isEmpty())
      statusBar()->showMessage(tr("Wrote %1 and %2").arg(handoutPath(folder, lesson), answersPath(folder, lesson)),
                               15000);
    else if (!progress->wasCanceled())
      QMessageBox::warning(this, tr("No handout written"), failure);
  };
  connect(process, &QProcess::finished, this, [process, report](int code, QProcess::ExitStatus status) {
    if (status == QProcess::NormalExit && code == 0) return report({});
    QStringList said;  // the program's own message, without the platform's warnings
    for (const QString& line : QString::fromUtf8(process->readAllStandardError()).split('\n'))
      if (line.startsWith("ntk-explorer")) said << line;
    report(said.isEmpty() ? tr("ntk-explorer handout stopped (exit %1)").arg(code) : said.join('\n'));
  });
  connect(process, &QProcess::errorOccurred, this, [process, report](QProcess::ProcessError error) {
    if (error == QProcess::FailedToStart)
      report(tr("cannot start %1: %2").arg(process->program(), process->errorString()));
  });
  process->start(QCoreApplication::applicationFilePath(),
                 {"handout", "--lesson", QString::number(lesson), "--out", folder});
}

}  // namespace ntk::ui
