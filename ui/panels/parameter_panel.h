#pragma once
// The controls, built from a parameter table (core/params/parameters.h): the comparison's, with
// the resulting r, parameter counts, memory and FLOPs of both methods beside them, or the NTK
// view's. Impossible settings are refused in place with the reason.

#include "core/params/parameters.h"

#include <QStringList>
#include <QWidget>
#include <vector>

class QFormLayout;
class QLabel;
class QSlider;
class QDoubleSpinBox;

namespace ntk::ui {

/// What a panel edits: its table, how m is read (for the logarithmic slider), how a setting is
/// checked (throws std::invalid_argument with the reason), and the summary under the controls.
struct PanelKind {
  std::span<const core::ParamSpec> table;
  Eigen::Index (*prefix_length)(const core::Parameters&);
  void (*check)(const core::Parameters&);
  QString (*summary)(const core::Parameters&);
  bool seed_shortcut;  ///< Ctrl+N draws a new seed (one panel only: shortcuts must be unique)
};
PanelKind comparisonPanelKind();
PanelKind ntkPanelKind();

class ParameterPanel : public QWidget {
  Q_OBJECT

 public:
  explicit ParameterPanel(const PanelKind& kind = comparisonPanelKind(), QWidget* parent = nullptr);

  /// The parameters the controls show (the last valid ones).
  const core::Parameters& parameters() const { return m_params; }
  /// Shows `params` without emitting parametersChanged.
  void setParameters(const core::Parameters& params);
  /// The control of a parameter key (for tests and keyboard focus); nullptr if unknown.
  QWidget* control(const QString& key) const;
  /// With `locked`, enables only the controls of the `free` keys (a lesson's), and with `hide`
  /// (presenter mode) shows only them; else every control is enabled and shown.
  void setLocked(bool locked, const QStringList& free = {}, bool hide = false);

 signals:
  /// immediate = false while a slider is dragged (the controller lets the running one finish).
  void parametersChanged(const ntk::core::Parameters& params, bool immediate);

 private:
  struct Control {
    const core::ParamSpec* spec;
    QWidget* widget;
    int row;  ///< in the form
  };

  void build();
  void onEdited(bool immediate);
  void onSliderMoved(int position);
  void newSeed();
  QString text(const Control& c) const;
  void show(const Control& c, const core::Parameters& p);
  void updateSummary();

  PanelKind m_kind;
  std::vector<Control> m_controls;
  core::Parameters m_params;
  QSlider* m_mSlider = nullptr;
  QDoubleSpinBox* m_mBox = nullptr;
  QWidget* m_seedButton = nullptr;
  QFormLayout* m_form = nullptr;
  QLabel* m_summary = nullptr;
  QLabel* m_error = nullptr;
  bool m_updating = false;
};

}  // namespace ntk::ui
