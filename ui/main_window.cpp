#include "ui/main_window.h"

#include "ui/export/export_bundle.h"
#include "ui/export/plot_actions.h"
#include "ui/lessons/lesson_panel.h"
#include "ui/lessons/spotlight.h"
#include "ui/look/window_look.h"
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

// The same values for every parameter of `table`.
bool same(std::span<const core::ParamSpec> table, const core::Parameters& a, const core::Parameters& b) {
  return std::all_of(table.begin(), table.end(), [&](const core::ParamSpec& s) { return s.get(a) == s.get(b); });
}

}  // namespace

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent),
      m_panel(new ParameterPanel),
      m_controller(new ComputeController(this)),
      m_maps(new MapsTab),
      m_outputs(new OutputPlot),
      m_kernelPlot(new KernelPlot),
      m_errorPlot(new ErrorScalingPlot),
      m_limitPlot(new LimitPlot),
      m_costPlot(new CostPlot),
      m_ntkPanel(new ParameterPanel(ntkPanelKind())),
      m_ntk(new NtkController(m_controller->comparingGate(), this)),
      m_ntkPlot(new NtkPlot),
      m_trainingPlot(new TrainingPlot),
      m_trainingTab(new TrainingTab(m_ntk, m_trainingPlot)),
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
      m_committed(m_panel->parameters()) {
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
  m_tabs->addTab(scrolled(m_maps), tr("&Attention maps"));
  m_tabs->addTab(scrolled(m_outputs), tr("&Outputs"));
  m_tabs->addTab(scrolled(m_errorPlot), tr("&Error scaling"));
  m_tabs->addTab(scrolled(m_limitPlot), tr("&Infinite limit"));
  m_tabs->addTab(scrolled(m_costPlot), tr("Co&st"));
  m_tabs->addTab(scrolled(m_ntkPlot), tr("&NTK"));
  m_tabs->addTab(scrolled(m_trainingTab), tr("&Training"));
  m_tabs->addTab(scrolled(m_kernelPlot), tr("&Kernel"));
  setCentralWidget(m_tabs);
  // The NTK and training tabs have their own settings: the dock shows the panel of the tab.
  connect(m_tabs, &QTabWidget::currentChanged, this, [this, dock](int) {
    const int tab = m_tabs->currentIndex();
    const bool ntk = tab == tabOf(m_tabs, m_ntkPlot) || tab == tabOf(m_tabs, m_trainingPlot);
    m_panels->setCurrentIndex(ntk ? 1 : 0);
    dock->setWindowTitle(ntk ? tr("NTK model") : tr("Parameters"));
    updateStatus();
  });
  const std::pair<QCustomPlot*, const char*> names[] = {{m_maps->exactMap(), "attention_exact"},
                                                        {m_maps->ntkMap(), "attention_ntk"},
                                                        {m_maps->differenceMap(), "attention_difference"},
                                                        {m_maps->rowPlot(), "attention_row"},
                                                        {m_outputs, "outputs"},
                                                        {m_errorPlot, "error_scaling"},
                                                        {m_limitPlot, "infinite_limit"},
                                                        {m_costPlot, "cost"},
                                                        {m_ntkPlot, "ntk_spectra"},
                                                        {m_trainingPlot, "training"},
                                                        {m_kernelPlot, "kernel"}};
  for (const auto& [plot, name] : names) {
    plot->setObjectName(name);
    addPlotActions(plot);
    followLook(plot);
    followLayout(plot);
    if (!qobject_cast<AttentionMapPlot*>(plot)) showValuesOnHover(plot);  // the maps say their cells
  }

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
  connect(m_controller, &ComputeController::progressChanged, m_progress,
          [this](quint64, int percent) { m_progress->setValue(percent); });
  connect(m_controller, &ComputeController::resultReady, this,
          [this](quint64, ComparisonPtr r) { showResult(std::move(r)); });
  connect(m_controller, &ComputeController::scalingProgress, this, [this](quint64, ScalingPtr series) {
    m_series = std::move(series);
    for (ScalingPlot* plot : std::initializer_list<ScalingPlot*>{m_errorPlot, m_limitPlot, m_costPlot})
      plot->setSeries(m_series);
    updateStatus();
  });
  connect(m_controller, &ComputeController::idle, this, [this] { setBusy(false); });
  connect(m_controller, &ComputeController::failed, this, [this](quint64, const QString& message) {
    m_refusal = message;
    m_comparisonStatus = tr("Not computed: %1").arg(message);
    updateStatus();
  });
  connect(m_cancel, &QPushButton::clicked, this, [this] {
    m_controller->cancel();
    setBusy(false);
    m_comparisonStatus = tr("Cancelled; the plots show the previous result.");
    updateStatus();
  });
  buildNtkWiring();
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
  if (!lesson) return m_spotlight->frame(nullptr);
  m_lessonDock->show();
  const LessonCard& c = lesson->cards[std::size_t(card)];
  if (apply) {
    const core::Parameters params = cardParameters(*lesson, card);
    if (!same(core::ntk_parameter_specs(), params, m_ntkPanel->parameters())) {
      m_ntkPanel->setParameters(params);
      requestNtk(params);
    }
    if (c.train) m_ntk->play();
    m_undo->clear();  // a card starts its own undo history: Ctrl+Z never leaves the card
    applyParameters(params);
  }
  for (QCustomPlot* plot : plots()) {
    if (plot->objectName() != c.plot) continue;
    m_tabs->setCurrentIndex(tabOf(m_tabs, plot));
    m_spotlight->frame(plot);
  }
}

void MainWindow::lockControls(bool lock) {
  const Lesson* lesson = m_lessons->lesson();
  m_panel->setLocked(lock, lesson ? lesson->free : QStringList{}, m_look.presenter);
  m_ntkPanel->setLocked(lock, lesson ? lesson->freeNtk : QStringList{}, m_look.presenter);
  // A scroll area does not pass its panel's new minimum width on by itself.
  for (VerticalScroll* scroll : m_panels->findChildren<VerticalScroll*>()) scroll->updateGeometry();
  fitPresenterDocks();
}

void MainWindow::inspectQuery(int row) {
  m_maps->inspect(row);
  m_tabs->setCurrentIndex(tabOf(m_tabs, m_maps));
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
  m_panel->setParameters(session->params);
  m_ntkPanel->setParameters(session->params);
  requestNtk(session->params);
  m_committed = session->params;
  m_undo->clear();
  m_lessons->open(session->view.lesson, session->view.card, false);
  m_tabs->setCurrentIndex(session->view.tab);
  m_maps->setColumns(session->view.map_sum ? MapsTab::Columns::sum : MapsTab::Columns::mean);
  m_sessionPath = path;
  rememberRecent(path);
  computeNow();
  return {};
}

QString MainWindow::saveSession(const QString& path) {
  SessionView view;
  view.tab = m_tabs->currentIndex();
  view.map_sum = m_maps->columns() == MapsTab::Columns::sum;
  if (const Lesson* lesson = m_lessons->lesson()) {
    view.lesson = lesson->number;
    view.card = m_lessons->card();
  }
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
  if (!m_shown) return tr("nothing computed yet");
  m_kernelPlot->drawn();  // both drawn only when shown otherwise
  m_maps->drawInspector();
  core::Parameters shown = m_shown->params;
  shown.ntk = m_ntkPanel->parameters().ntk;
  return ui::exportBundle(folder, plots(), shown);
}

QList<QCustomPlot*> MainWindow::plots() const {
  return {m_maps->exactMap(), m_maps->ntkMap(), m_maps->differenceMap(),
          m_maps->rowPlot(),  m_outputs,        m_errorPlot,
          m_limitPlot,        m_costPlot,       m_ntkPlot,
          m_trainingPlot,     m_kernelPlot};
}

void MainWindow::updatePlotSettings() {
  for (QCustomPlot* plot : plots()) {
    std::string line;
    if (plot == m_ntkPlot) {
      if (m_ntkResult) line = core::ntk_command_line(m_ntkResult->params, false);
    } else if (plot == m_trainingPlot) {
      if (m_training) line = core::ntk_command_line(m_training->params, true);
    } else if (m_shown) {
      line = core::command_line(m_shown->params);
    }
    setPlotSettings(plot, QString::fromStdString(line));
  }
}

bool MainWindow::settled() const {
  const core::Parameters& comparison = m_panel->parameters();
  const core::Parameters& ntk = m_ntkPanel->parameters();
  return m_shown && same(core::parameter_specs(), m_shown->params, comparison) && m_series && m_series->complete() &&
         same(core::parameter_specs(), m_series->params, comparison) && m_ntkResult && m_ntkResult->complete() &&
         same(core::ntk_parameter_specs(), m_ntkResult->params, ntk) && m_training && !m_training->playing &&
         same(core::ntk_parameter_specs(), m_training->params, ntk);
}

core::Parameters MainWindow::currentParameters() const {
  core::Parameters p = m_panel->parameters();
  p.ntk = m_ntkPanel->parameters().ntk;
  return p;
}

void MainWindow::buildNtkWiring() {
  connect(m_ntkPanel, &ParameterPanel::parametersChanged, m_ntk,
          [this](const core::Parameters& p, bool) { requestNtk(p); });
  connect(m_ntk, &NtkController::viewProgress, this, [this](NtkResultPtr result) {
    m_ntkResult = result;
    m_ntkPlot->setResult(result);
    m_trainingPlot->setLaw(result);
    updatePlotSettings();
    updateStatus();
  });
  connect(m_ntk, &NtkController::trainingChanged, this, [this](TrainingPtr state) {
    m_training = state;
    updatePlotSettings();
    m_trainingTab->showState(std::move(state));
    updateStatus();
    emit trainingShown();
  });
  connect(m_ntk, &NtkController::failed, this, [this](const QString& message) {
    m_ntkRefusal = message;
    m_trainingTab->showFailure(message);
    updateStatus();
  });
  requestNtk(m_ntkPanel->parameters());
}

void MainWindow::updateStatus() { m_metrics->setText(statusText()); }

QString MainWindow::statusText() const {
  const int tab = m_tabs->currentIndex();
  if (tab == tabOf(m_tabs, m_limitPlot))
    return m_shown && m_shown->limit_distance ? limitStatus(*m_shown, m_series.get()) : m_comparisonStatus;
  if (tab == tabOf(m_tabs, m_ntkPlot)) {
    if (!m_ntkRefusal.isEmpty()) return tr("The NTK view is not computed: %1").arg(m_ntkRefusal);
    if (!m_ntkResult || m_ntkResult->view.status != core::Status::ok) return tr("The NTK view is computing…");
    return ntkStatus(m_ntkResult->view);
  }
  if (tab == tabOf(m_tabs, m_trainingPlot)) return trainingStatus(m_training.get());
  return m_comparisonStatus;
}

QCustomPlot* MainWindow::currentPlot() const {
  QCustomPlot* first = nullptr;
  for (QCustomPlot* plot : plots()) {
    if (tabOf(m_tabs, plot) != m_tabs->currentIndex()) continue;
    if (plot->hasFocus()) return plot;
    if (!first) first = plot;
  }
  return first;
}

void MainWindow::pin(ScalingPtr series) {
  for (ScalingPlot* plot : std::initializer_list<ScalingPlot*>{m_errorPlot, m_limitPlot, m_costPlot})
    plot->setPinned(series);
}

void MainWindow::applyParameters(const core::Parameters& params) {
  m_panel->setParameters(params);
  m_committed = params;
  computeNow();
}

void MainWindow::computeNow() { requestComparison(m_panel->parameters(), true); }

void MainWindow::requestComparison(const core::Parameters& params, bool immediate) {
  setBusy(true);
  m_refusal.clear();
  m_controller->request(params, immediate);
}

void MainWindow::requestNtk(const core::Parameters& params) {
  m_ntkRefusal.clear();
  m_ntk->request(params);
}

QString MainWindow::refusal() const {
  if (!m_refusal.isEmpty()) return m_refusal;
  return m_ntkRefusal.isEmpty() ? QString() : tr("the NTK view: %1").arg(m_ntkRefusal);
}

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

void MainWindow::showResult(ComparisonPtr result) {
  m_shown = std::move(result);
  updatePlotSettings();
  const core::Comparison& c = *m_shown;
  m_maps->showComparison(m_shown);
  m_outputs->setComparison(c);
  m_kernelPlot->setParameters(c.params);
  const auto slot = [](core::Precision p) { return p == core::Precision::float32 ? 1 : 0; };
  m_lastByPrecision[slot(c.params.precision)] = m_shown;
  const ComparisonPtr& other = m_lastByPrecision[1 - slot(c.params.precision)];
  m_comparisonStatus = comparisonStatus(c, other.get());
  updateStatus();
  emit resultShown();
}

}  // namespace ntk::ui
