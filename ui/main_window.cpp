#include "ui/main_window.h"

#include "ui/export/export_bundle.h"
#include "ui/export/plot_actions.h"
#include "ui/lessons/lesson_panel.h"
#include "ui/lessons/spotlight.h"
#include "ui/lessons/tiny_model.h"
#include "ui/look/window_look.h"
#include "ui/panels/heads_tab.h"
#include "ui/panels/maps_tab.h"
#include "ui/panels/parameter_panel.h"
#include "ui/panels/training_tab.h"
#include "ui/plots/attention_map_plot.h"
#include "ui/plots/kernel_plot.h"
#include "ui/plots/ntk_plots.h"
#include "ui/plots/output_plot.h"
#include "ui/plots/plot_helpers.h"
#include "ui/plots/scaling_plots.h"
#include "ui/session/recent_files.h"
#include "ui/session/session_file.h"
#include "ui/status/status_text.h"

#include <QAbstractSpinBox>
#include <QCloseEvent>
#include <QDockWidget>
#include <QHBoxLayout>
#include <QIcon>
#include <QKeyEvent>
#include <QLabel>
#include <QMenuBar>
#include <QProgressBar>
#include <QPushButton>
#include <QScreen>
#include <QScrollArea>
#include <QScrollBar>
#include <QSettings>
#include <QSignalBlocker>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTabWidget>
#include <QTimer>
#include <QUndoCommand>
#include <QUndoStack>
#include <QVBoxLayout>
#include <algorithm>

namespace ntk::ui {
namespace {

// One committed parameter change; undo and redo show the stored parameters and recompute.
class ParameterChange : public QUndoCommand {
 public:
  ParameterChange(core::Parameters before, core::Parameters after, std::function<void(const core::Parameters&)> apply)
      : QUndoCommand(QObject::tr("parameter change")),
        m_before(std::move(before)),
        m_after(std::move(after)),
        m_apply(std::move(apply)) {}
  void undo() override { m_apply(m_before); }
  void redo() override {
    if (m_pushed) m_apply(m_after);
    m_pushed = true;  // the first redo() is QUndoStack::push(): the change is already shown
  }

 private:
  core::Parameters m_before, m_after;
  std::function<void(const core::Parameters&)> m_apply;
  bool m_pushed = false;
};

// Leaves Ctrl+Z and Ctrl+Shift+Z to the window's Undo and Redo while a spin box of the panels has
// the focus (its line edit would otherwise take them as its own text undo, and the parameter
// change the student just made could not be undone from the keyboard).
class UndoKeysToWindow : public QObject {
 public:
  using QObject::QObject;
  bool eventFilter(QObject* watched, QEvent* event) override {
    if (event->type() == QEvent::ShortcutOverride) {
      const auto* key = static_cast<QKeyEvent*>(event);
      if (key->matches(QKeySequence::Undo) || key->matches(QKeySequence::Redo)) {
        event->ignore();  // not the widget's: the shortcut goes to the window's action
        return true;
      }
    }
    return QObject::eventFilter(watched, event);
  }
};

// As wide as its panel's widest row, in whatever font is current, up to a quarter of the screen
// (with presenter mode's text zoomed twice the rows would otherwise push the window past a
// 1920-pixel screen; past that width the panel scrolls sideways too).
class VerticalScroll : public QScrollArea {
 public:
  QSize minimumSizeHint() const override {
    const int width = widget()->minimumSizeHint().width() + verticalScrollBar()->sizeHint().width() + 2 * frameWidth();
    const int cap = screen() ? screen()->availableGeometry().width() / 4 : width;
    return {std::min(width, cap), QScrollArea::minimumSizeHint().height()};
  }
};

constexpr int slow_ms = 500;  // work longer than this shows progress and a cancel button

// A tab's page: `content` fills the tab, but never gets less than its minimum (where the titles,
// labels and notes of its plots still fit side by side); a smaller tab, say with presenter mode's
// text zoomed on a 1920 x 1080 screen, scrolls instead of overlapping them or widening the window.
QScrollArea* scrolled(QWidget* content) {
  auto* area = new QScrollArea;
  area->setWidget(content);
  area->setWidgetResizable(true);
  area->setFrameShape(QFrame::NoFrame);
  return area;
}

// The index of the tab that holds `widget` (itself a tab or inside one), -1 if none.
int tabOf(const QTabWidget* tabs, const QWidget* widget) {
  for (int i = 0; i < tabs->count(); ++i)
    if (tabs->widget(i) == widget || tabs->widget(i)->isAncestorOf(widget)) return i;
  return -1;
}

}  // namespace

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent),
      m_panel(new ParameterPanel),
      m_figures(new FigureSet(this)),
      m_heads(new HeadsTab),
      m_ntkPanel(new ParameterPanel(ntkPanelKind())),
      m_panels(new QStackedWidget),
      m_parameterDock(new QDockWidget(tr("Parameters"), this)),
      m_lessonDock(new QDockWidget(tr("Lesson"), this)),
      m_lessons(new LessonPanel),
      m_spotlight(new Spotlight(this)),  // moves onto the plot a card points at
      m_metrics(new QLabel),
      m_recomputing(new QLabel(tr("recomputing…"))),
      m_progress(new QProgressBar),
      m_cancel(new QPushButton(tr("Cancel"))),
      m_slowTimer(new QTimer(this)),
      m_undo(new QUndoStack(this)),
      m_committed(m_panel->parameters()),
      m_headBanner(new QWidget),
      m_headLabel(new QLabel) {
  setWindowTitle(tr("NTK-Attention Explorer"));
  setWindowIcon(QIcon(":/ntk-explorer.svg"));
  QDockWidget* dock = m_parameterDock;
  dock->setObjectName("parameters");
  for (ParameterPanel* panel : {m_panel, m_ntkPanel}) {
    auto* scroll = new VerticalScroll;
    scroll->setWidget(panel);
    scroll->setWidgetResizable(true);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAsNeeded);  // only past the cap of its width
    m_panels->addWidget(scroll);
  }
  dock->setWidget(m_panels);
  dock->setFeatures(QDockWidget::DockWidgetMovable);
  addDockWidget(Qt::LeftDockWidgetArea, dock);
  m_lessonDock->setObjectName("lesson");
  m_lessonDock->setWidget(m_lessons);
  m_lessonDock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetClosable);
  addDockWidget(Qt::RightDockWidgetArea, m_lessonDock);
  m_lessonDock->hide();
  connect(m_lessons, &LessonPanel::cardShown, this, &MainWindow::showCard);
  connect(m_lessons, &LessonPanel::lockChanged, this, &MainWindow::lockControls);

  m_tabs = new QTabWidget;
  m_tabs->addTab(scrolled(m_figures->maps()), tr("&Attention maps"));
  m_tabs->addTab(scrolled(m_figures->outputs()), tr("&Outputs"));
  m_tabs->addTab(scrolled(m_figures->errorPlot()), tr("&Error scaling"));
  m_tabs->addTab(scrolled(m_figures->limitPlot()), tr("&Infinite limit"));
  m_tabs->addTab(scrolled(m_figures->costPlot()), tr("Co&st"));
  m_tabs->addTab(scrolled(m_figures->ntkPlot()), tr("&NTK"));
  m_tabs->addTab(scrolled(m_figures->trainingTab()), tr("&Training"));
  m_tabs->addTab(scrolled(m_figures->kernelPlot()), tr("&Kernel"));
  m_tabs->addTab(scrolled(m_heads), tr("&Heads"));
  // Above the tabs while a real head is shown in them: which one, and the way back.
  auto* back = new QPushButton(tr("Back to the generated workload"));
  auto* bannerRow = new QHBoxLayout(m_headBanner);
  bannerRow->addWidget(m_headLabel, 1);
  bannerRow->addWidget(back);
  m_headLabel->setWordWrap(true);
  m_headLabel->setStyleSheet("font-weight: bold");
  m_headBanner->hide();
  connect(back, &QPushButton::clicked, this, &MainWindow::closeHead);
  auto* central = new QWidget;
  auto* column = new QVBoxLayout(central);
  column->setContentsMargins(0, 0, 0, 0);
  column->addWidget(m_headBanner);
  column->addWidget(m_tabs, 1);
  setCentralWidget(central);
  connect(m_heads, &HeadsTab::openHeadRequested, this, [this](qint64 layer, qint64 head) {
    const QString why = openHead(layer, head);
    if (!why.isEmpty()) QMessageBox::warning(this, tr("Cannot show the head"), why);
  });
  // The NTK and training tabs have their own settings: the dock shows the panel of the tab.
  connect(m_tabs, &QTabWidget::currentChanged, this, [this, dock](int) {
    const int tab = m_tabs->currentIndex();
    const bool ntk = tab == tabOf(m_tabs, m_figures->ntkPlot()) || tab == tabOf(m_tabs, m_figures->trainingPlot());
    m_panels->setCurrentIndex(ntk ? 1 : 0);
    dock->setWindowTitle(ntk ? tr("NTK model") : tr("Parameters"));
    updateStatus();
  });
  for (QCustomPlot* plot : plots()) addPlotActions(plot);
  addPlotActions(m_heads->plot());
  connect(m_heads, &HeadsTab::computed, this, &MainWindow::updateStatus);

  m_metrics->setTextInteractionFlags(Qt::TextSelectableByMouse);
  m_metrics->setMinimumWidth(1);  // a long status line is cut at the window's edge, never widens it
  statusBar()->addWidget(m_metrics, 1);
  m_recomputing->setStyleSheet("color: #b35806; font-weight: bold");
  statusBar()->addPermanentWidget(m_recomputing);
  statusBar()->addPermanentWidget(m_progress);
  statusBar()->addPermanentWidget(m_cancel);
  m_progress->setRange(0, 100);
  m_cancel->setToolTip(tr("Cancel the running computation (Esc)"));
  setBusy(false);
  m_slowTimer->setSingleShot(true);
  m_slowTimer->setInterval(slow_ms);
  connect(m_slowTimer, &QTimer::timeout, this, [this] {
    m_progress->show();
    m_cancel->show();
  });

  connect(m_panel, &ParameterPanel::parametersChanged, this, [this](const core::Parameters& p, bool immediate) {
    requestComparison(p, immediate);
    if (immediate) commit(p);  // a drag becomes one undo step when released
  });
  ComputeController* controller = m_figures->controller();
  connect(controller, &ComputeController::progressChanged, m_progress,
          [this](quint64, int percent) { m_progress->setValue(percent); });
  connect(controller, &ComputeController::idle, this, [this] { setBusy(false); });
  connect(m_figures, &FigureSet::changed, this, &MainWindow::updateStatus);
  connect(m_figures, &FigureSet::resultShown, this, &MainWindow::resultShown);
  connect(m_figures, &FigureSet::trainingShown, this, &MainWindow::trainingShown);
  connect(m_cancel, &QPushButton::clicked, this, [this] {
    m_figures->cancel();
    setBusy(false);
  });
  connect(m_ntkPanel, &ParameterPanel::parametersChanged, this,
          [this](const core::Parameters& p, bool) { requestNtk(p); });
  requestNtk(m_ntkPanel->parameters());
  buildMenus();
  auto* undoKeys = new UndoKeysToWindow(this);
  for (QWidget* panel : std::initializer_list<QWidget*>{m_panel, m_ntkPanel})
    for (QAbstractSpinBox* box : panel->findChildren<QAbstractSpinBox*>()) box->installEventFilter(undoKeys);
  resize(QSize(1500, 850).boundedTo(screen()->availableSize()));  // fits a 1280 x 720 screen at 150%
  restoreGeometry(QSettings().value("window/geometry").toByteArray());
  setLook({QSettings().value("view/dark", false).toBool(), false,
           std::clamp(QSettings().value("view/zoom", min_zoom).toDouble(), min_zoom, max_zoom)});
}

void MainWindow::commit(const core::Parameters& params) {
  m_undo->push(
      new ParameterChange(m_committed, params, [this](const core::Parameters& q) { applyParameters(keepLocked(q)); }));
  m_committed = params;
}

core::Parameters MainWindow::keepLocked(const core::Parameters& target) const {
  const Lesson* lesson = m_lessons->lesson();
  if (!lesson || !m_lessons->locking()) return target;
  core::Parameters out = m_panel->parameters();
  for (const core::ParamSpec& s : core::parameter_specs())
    if (lesson->free.contains(QString::fromUtf8(s.key.data(), qsizetype(s.key.size())))) s.set(out, s.get(target));
  return out;
}

void MainWindow::setLook(const PlotLook& look) {
  m_look = look;
  applyWindowLook(look);
  for (QCustomPlot* plot : plots()) setPlotLook(plot, look);
  menuBar()->setVisible(!look.presenter);
  lockControls(m_lessons->locking());
  for (const auto& [action, on] : {std::pair{m_darkAction, look.dark}, std::pair{m_presenterAction, look.presenter}}) {
    const QSignalBlocker quiet(action);
    action->setChecked(on);
  }
}

void MainWindow::fitPresenterDocks() {
  // The plots get the room: the parameter dock shrinks to the controls a lesson leaves shown.
  if (m_look.presenter)
    resizeDocks({m_parameterDock, m_lessonDock}, {0, 30 * fontMetrics().averageCharWidth()}, Qt::Horizontal);
}

void MainWindow::showCard(const Lesson* lesson, int card, bool apply) {
  if (!lesson) {
    if (m_headOfCard) closeHead();  // the lesson's head goes with it
    return m_spotlight->frame(nullptr);
  }
  m_lessonDock->show();
  const LessonCard& c = lesson->cards[std::size_t(card)];
  if (apply) {
    if (m_head) {  // a card describes a generated workload
      m_panel->setParameters(withInputsOf(m_panel->parameters(), m_beforeHead));
      dropHead();
    }
    const core::Parameters params = cardParameters(*lesson, card);
    if (!core::same_values(core::ntk_parameter_specs(), params, m_ntkPanel->parameters())) {
      m_ntkPanel->setParameters(params);
      requestNtk(params);
    }
    if (c.train) m_figures->ntkController()->play();
    m_undo->clear();  // a card starts its own undo history: Ctrl+Z never leaves the card
    if (!c.head || !showTinyModelHead(params, *c.head)) applyParameters(params);
  }
  for (QCustomPlot* plot : plots()) {
    if (plot->objectName() != c.plot) continue;
    m_tabs->setCurrentIndex(tabOf(m_tabs, plot));
    m_spotlight->frame(plot);
  }
}

bool MainWindow::showTinyModelHead(const core::Parameters& params, const LessonHead& head) {
  HeadPtr shown;
  TinyModelFiles model;
  try {
    model = builtinTinyModel();
    shown = std::make_shared<const core::HeadInputs>(tinyModelHead(head.layer, head.head));
  } catch (const std::exception& e) {
    statusBar()->showMessage(tr("This card's head is not shown: %1").arg(QString::fromStdString(e.what())));
    return false;
  }
  m_panel->setParameters(params);
  m_committed = params;
  if (m_heads->capture() != model.activations) openHeads(model.activations, model.checkpoint, true);
  showHead(shown);
  m_headOfCard = true;
  return true;
}

void MainWindow::lockControls(bool lock) {
  const Lesson* lesson = m_lessons->lesson();
  QStringList free;  // a lesson's free controls, less those a shown head's arrays set
  for (const core::ParamSpec& s : core::parameter_specs()) {
    const QString key = QString::fromUtf8(s.key.data(), qsizetype(s.key.size()));
    if ((!lock || (lesson && lesson->free.contains(key))) && !(m_head && core::set_by_inputs(s.key))) free << key;
  }
  m_panel->setLocked(lock || m_head, free, lock && m_look.presenter);
  m_ntkPanel->setLocked(lock, lesson ? lesson->freeNtk : QStringList{}, m_look.presenter);
  // A scroll area does not pass its panel's new minimum width on by itself.
  for (VerticalScroll* scroll : m_panels->findChildren<VerticalScroll*>()) scroll->updateGeometry();
  fitPresenterDocks();
}

void MainWindow::inspectQuery(int row) {
  m_figures->maps()->inspect(row);
  m_tabs->setCurrentIndex(tabOf(m_tabs, m_figures->maps()));
}

QWidget* MainWindow::spotlighted() const { return m_spotlight->target(); }

void MainWindow::closeEvent(QCloseEvent* event) {
  QSettings().setValue("window/geometry", saveGeometry());
  QMainWindow::closeEvent(event);
}

QString MainWindow::openSession(const QString& path) {
  QString error;
  const std::optional<Session> session = loadSession(path, &error);
  if (!session) return error;
  dropHead();
  m_panel->setParameters(session->params);
  m_ntkPanel->setParameters(session->params);
  requestNtk(session->params);
  m_committed = session->params;
  m_undo->clear();
  m_lessons->open(session->view.lesson, session->view.card, false);
  if (const std::optional<SessionHeads>& heads = session->view.heads) {
    if (isBuiltinTinyModel(heads->capture)) try {
        builtinTinyModel();  // copied out again if the cache was cleared
      } catch (const std::exception& e) {
        return QString::fromStdString(e.what());
      }
    openHeads(heads->capture, heads->prefix, heads->checkpoint);
    if (heads->shown_layer >= 0)
      if (const QString why = openHead(heads->shown_layer, heads->shown_head); !why.isEmpty()) return why;
  }
  m_tabs->setCurrentIndex(session->view.tab);
  m_figures->maps()->setColumns(session->view.map_sum ? MapsTab::Columns::sum : MapsTab::Columns::mean);
  m_sessionPath = path;
  rememberRecent(path);
  computeNow();
  return {};
}

QString MainWindow::saveSession(const QString& path) {
  SessionView view;
  view.tab = m_tabs->currentIndex();
  view.map_sum = m_figures->maps()->columns() == MapsTab::Columns::sum;
  if (const Lesson* lesson = m_lessons->lesson()) {
    view.lesson = lesson->number;
    view.card = m_lessons->card();
  }
  if (!m_heads->capture().isEmpty())
    view.heads = SessionHeads{m_heads->capture(), m_heads->prefix(), m_heads->prefixIsCheckpoint(),
                              m_head ? int(m_head->layer) : -1, m_head ? int(m_head->head) : -1};
  const QString error = ui::saveSession(path, {currentParameters(), view});
  if (error.isEmpty()) {
    m_sessionPath = path;
    rememberRecent(path);
  }
  return error;
}

void MainWindow::rememberRecent(const QString& path) {
  rememberRecentFile(path);
  fillRecentMenu();
}

void MainWindow::fillRecentMenu() {
  m_recentMenu->clear();
  for (const QString& path : recentFiles())
    m_recentMenu->addAction(path, this, [this, path] {
      const QString error = openSession(path);
      if (!error.isEmpty()) QMessageBox::warning(this, tr("Cannot open the session"), error);
    });
  m_recentMenu->setEnabled(!m_recentMenu->isEmpty());
}

QString MainWindow::exportBundle(const QString& folder) {
  if (!shownResult()) return tr("nothing computed yet");
  m_figures->kernelPlot()->drawn();  // both drawn only when shown otherwise
  m_figures->maps()->drawInspector();
  core::Parameters shown = shownResult()->params;
  shown.ntk = m_ntkPanel->parameters().ntk;
  return ui::exportBundle(folder, plots(), shown);
}

bool MainWindow::settled() const {
  return m_figures->settled(m_panel->parameters(), m_ntkPanel->parameters()) && !m_heads->busy();
}

void MainWindow::openHeads(const QString& activations, const QString& prefix, bool checkpoint) {
  m_heads->setParameters(m_panel->parameters());
  m_heads->open(activations, prefix, checkpoint);
  m_tabs->setCurrentIndex(tabOf(m_tabs, m_heads));
}

QString MainWindow::openHead(qint64 layer, qint64 head) {
  if (m_heads->capture().isEmpty()) return tr("No model is open in the Heads tab (File ▸ Open a model's heads…).");
  HeadPtr shown;
  try {
    shown = std::make_shared<const core::HeadInputs>(m_heads->headInputs(layer, head));
  } catch (const std::exception& e) {
    return QString::fromStdString(e.what());
  }
  showHead(shown);
  return {};
}

void MainWindow::showHead(const HeadPtr& shown) {
  if (!m_head) m_beforeHead = m_panel->parameters();
  m_headOfCard = false;
  m_undo->clear();  // its steps would carry the other inputs' sizes
  m_head = shown;
  m_panel->setParameters(m_head->parameters(m_panel->parameters()));
  m_committed = m_panel->parameters();
  m_headLabel->setText(tr("Showing %1: its own queries, keys, values and prefix. The sizes are the head's; the "
                          "feature map, degree, rank, precision and causal mask apply. The scaling series over m "
                          "and r, the NTK and training tabs need a generated workload.")
                           .arg(QString::fromStdString(m_head->label)));
  m_headBanner->show();
  lockControls(m_lessons->locking());
  m_tabs->setCurrentIndex(tabOf(m_tabs, m_figures->maps()));
  computeNow();
}

void MainWindow::closeHead() {
  if (!m_head) return;
  const core::Parameters generated = withInputsOf(m_panel->parameters(), m_beforeHead);
  dropHead();
  m_panel->setParameters(generated);
  m_committed = generated;
  computeNow();
}

void MainWindow::dropHead() {
  if (!m_head) return;
  m_head.reset();
  m_headOfCard = false;
  m_undo->clear();  // its steps carry the head's sizes
  m_headBanner->hide();
  lockControls(m_lessons->locking());
}

core::Parameters MainWindow::withInputsOf(core::Parameters params, const core::Parameters& from) {
  for (const core::ParamSpec& s : core::parameter_specs())
    if (core::set_by_inputs(s.key)) s.set(params, s.get(from));
  return params;
}

core::Parameters MainWindow::currentParameters() const {
  core::Parameters p = m_head ? withInputsOf(m_panel->parameters(), m_beforeHead) : m_panel->parameters();
  p.ntk = m_ntkPanel->parameters().ntk;
  return p;
}

void MainWindow::updateStatus() { m_metrics->setText(statusText()); }

QString MainWindow::statusText() const {
  const int tab = m_tabs->currentIndex();
  const ComparisonPtr shown = m_figures->shownResult();
  if (tab == tabOf(m_tabs, m_figures->limitPlot()))
    return shown && shown->limit_distance ? limitStatus(*shown, m_figures->shownSeries().get())
                                          : m_figures->comparisonStatus();
  if (tab == tabOf(m_tabs, m_figures->ntkPlot())) {
    const NtkResultPtr ntk = m_figures->ntkResult();
    if (!m_figures->ntkRefusal().isEmpty()) return tr("The NTK view is not computed: %1").arg(m_figures->ntkRefusal());
    if (m_figures->ntkCancelled() && !(ntk && ntk->complete()))
      return tr("The NTK view was cancelled; press F5 to compute it again.");
    if (!ntk || ntk->view.status != core::Status::ok) return tr("The NTK view is computing…");
    return ntkStatus(ntk->view);
  }
  if (tab == tabOf(m_tabs, m_figures->trainingPlot())) return trainingStatus(m_figures->training().get());
  return m_figures->comparisonStatus();
}

QCustomPlot* MainWindow::currentPlot() const {
  QCustomPlot* first = nullptr;
  QList<QCustomPlot*> candidates = plots();
  candidates << m_heads->plot();
  for (QCustomPlot* plot : candidates) {
    if (tabOf(m_tabs, plot) != m_tabs->currentIndex()) continue;
    if (plot->hasFocus()) return plot;
    if (!first) first = plot;
  }
  return first;
}

void MainWindow::pin(const ScalingPtr& series) { m_figures->pin(series); }

void MainWindow::applyParameters(const core::Parameters& params) {
  m_panel->setParameters(m_head ? m_head->parameters(params) : params);
  m_committed = params;
  computeNow();
}

void MainWindow::computeNow() {
  if (m_figures->ntkCancelled()) requestNtk(m_ntkPanel->parameters());
  requestComparison(m_panel->parameters(), true);
}

void MainWindow::requestComparison(const core::Parameters& params, bool immediate) {
  setBusy(true);
  m_heads->setParameters(params);
  if (m_head)
    m_figures->requestComparison(m_head->parameters(params), immediate, m_head);
  else
    m_figures->requestComparison(params, immediate);
}

void MainWindow::requestNtk(const core::Parameters& params) { m_figures->requestNtk(params); }

QString MainWindow::refusal() const { return m_figures->refusal(); }

void MainWindow::setBusy(bool busy) {
  m_recomputing->setVisible(busy);
  if (busy) {
    if (!m_slowTimer->isActive() && !m_progress->isVisible()) m_slowTimer->start();
    return;
  }
  m_slowTimer->stop();
  m_progress->hide();
  m_cancel->hide();
}

}  // namespace ntk::ui
