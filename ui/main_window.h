#pragma once
// Wires the parameter panels, the lessons and the menus to the figures (ui/figures/figure_set.h)
// and shows them in tabs; nothing else.

#include "ui/figures/figure_set.h"
#include "ui/look/plot_look.h"

#include <QMainWindow>

class QLabel;
class QStackedWidget;
class QMenu;
class QProgressBar;
class QTabWidget;
class QCustomPlot;
class QUndoStack;
class QPushButton;
class QTimer;
class QDockWidget;
class QAction;

namespace ntk::ui {

class HeadsTab;
class ParameterPanel;
class LessonPanel;
class Spotlight;
struct Lesson;
struct LessonHead;

class MainWindow : public QMainWindow {
  Q_OBJECT

 public:
  explicit MainWindow(QWidget* parent = nullptr);

  ParameterPanel* parameterPanel() const { return m_panel; }
  ParameterPanel* ntkPanel() const { return m_ntkPanel; }
  LessonPanel* lessonPanel() const { return m_lessons; }
  /// The plot the open lesson card points at (null without a lesson).
  QWidget* spotlighted() const;
  /// The theme and presenter mode of the window and every plot (full screen is the F11
  /// action's business, so screenshots keep their size).
  void setLook(const PlotLook& look);
  PlotLook look() const { return m_look; }
  NtkController* ntkController() const { return m_figures->ntkController(); }
  /// Every tab has its complete result: the comparison, its scaling series, the NTK view and
  /// the training run (for screenshots and tests).
  bool settled() const;
  /// Opens a real model's capture and prefix (a PEFT folder when `checkpoint`, else a KV cache)
  /// in the Heads tab, compared with the current feature map, and shows the tab.
  void openHeads(const QString& activations, const QString& prefix, bool checkpoint);
  HeadsTab* headsTab() const { return m_heads; }
  /// Shows query head `head` of `layer` of the Heads tab's files in the other tabs: the
  /// comparison runs on that head's own queries, keys, values and prefix, the controls its arrays
  /// set (L, d, m, queries, d_v and the generated workload's) show its values and are locked, and a
  /// banner names the head. Returns why it cannot ("" when it is shown).
  QString openHead(qint64 layer, qint64 head);
  /// Back to the generated workload, with the sizes it had before the head was opened.
  void closeHead();
  /// The real head the other tabs show (null: the generated workload).
  HeadPtr shownHead() const { return m_head; }
  /// Why the current settings are not computed (the comparison's reason first, then the NTK
  /// view's), or empty while they compute or are shown.
  QString refusal() const;
  /// What the status line says on the open tab.
  QString statusText() const;
  /// The comparison's parameters with the NTK view's settings: what a session saves.
  core::Parameters currentParameters() const;
  ComputeController* controller() const { return m_figures->controller(); }
  /// The result on screen (null before the first one).
  ComparisonPtr shownResult() const { return m_figures->shownResult(); }
  /// The scaling series on screen, as far as computed (null before the first point).
  ScalingPtr shownSeries() const { return m_figures->shownSeries(); }
  /// The NTK view on screen, as far as computed (null before the first snapshot).
  NtkResultPtr ntkResult() const { return m_figures->ntkResult(); }
  /// Every plot, in the order of the tabs; each has an objectName that is its export file name.
  QList<QCustomPlot*> plots() const { return m_figures->plots(); }
  /// Opens the maps tab on query (or query bin) `row` in the query inspector.
  void inspectQuery(int row);
  /// The plot Copy and Export act on: the clicked one of the current tab, else its first.
  QCustomPlot* currentPlot() const;
  /// Keeps the shown scaling series as a grey overlay (null clears it).
  void pin(const ScalingPtr& series);
  /// Starts the computation of the current parameters.
  void computeNow();
  /// Writes every plot as PNG (2x scale), SVG, PDF and CSV, and the equivalent command line,
  /// into `folder`. Returns an empty string on success, else what went wrong.
  QString exportBundle(const QString& folder);
  /// Opens a .ntksession file; on failure keeps the current session and returns the reason.
  QString openSession(const QString& path);
  /// Saves the current parameters and view atomically; returns the reason on failure.
  QString saveSession(const QString& path);

 protected:
  void closeEvent(QCloseEvent* event) override;

 signals:
  void resultShown();
  void trainingShown();  ///< the training tab got a new state of the run

 private:
  void buildMenus();
  void buildViewMenu();
  void buildLessonMenu();
  void showCard(const Lesson* lesson, int card, bool apply);
  void lockControls(bool lock);
  void fitPresenterDocks();
  void commit(const core::Parameters& params);  ///< one undo step to `params`
  /// `target`, but while a lesson locks the panel, with the locked controls as they are: undo
  /// and redo change only what the card leaves free.
  core::Parameters keepLocked(const core::Parameters& target) const;
  /// The status line shows the numbers of the open tab: the comparison's errors on the attention
  /// tabs, the distance to the limit and its fitted slope, the NTK's spectra, training's loss.
  void updateStatus();
  /// Lessons > Write a handout: asks for the lesson (unless one is open) and the folder.
  void writeHandoutInteractively();
  void applyParameters(const core::Parameters& params);  ///< from undo/redo: show and compute
  void rememberRecent(const QString& path);
  void fillRecentMenu();
  void setBusy(bool busy);
  void requestComparison(const core::Parameters& params, bool immediate);
  void requestNtk(const core::Parameters& params);
  void dropHead();                     ///< forgets the shown head, without computing
  void showHead(const HeadPtr& head);  ///< compares `head` in every tab, its sizes locked
  /// A lesson card's head of the built-in tiny model, with `params` for all else (the Heads tab
  /// opens the model); false, said in the status bar, when the model cannot be opened.
  bool showTinyModelHead(const core::Parameters& params, const LessonHead& head);
  /// `params` with the sizes and generated-workload settings of `from` (what a head overrides).
  static core::Parameters withInputsOf(core::Parameters params, const core::Parameters& from);

  ParameterPanel* m_panel;
  FigureSet* m_figures;
  HeadsTab* m_heads;
  ParameterPanel* m_ntkPanel;
  QStackedWidget* m_panels;
  QDockWidget* m_parameterDock;
  QDockWidget* m_lessonDock;
  LessonPanel* m_lessons;
  Spotlight* m_spotlight;
  QAction* m_darkAction = nullptr;
  QAction* m_presenterAction = nullptr;
  PlotLook m_look;
  QLabel* m_metrics;
  QLabel* m_recomputing;
  QProgressBar* m_progress;
  QPushButton* m_cancel;
  QTimer* m_slowTimer;
  QTabWidget* m_tabs;
  QMenu* m_recentMenu = nullptr;
  QString m_sessionPath;
  QUndoStack* m_undo;
  core::Parameters m_committed;   ///< the parameters of the last undo step
  HeadPtr m_head;                 ///< the real head the other tabs show, if any
  core::Parameters m_beforeHead;  ///< the panel's parameters when it was opened
  bool m_headOfCard = false;      ///< m_head was opened by a lesson card (ending the lesson closes it)
  QWidget* m_headBanner;
  QLabel* m_headLabel;
};

}  // namespace ntk::ui
