#include "ui/panels/parameter_panel.h"

#include "core/kernels/cost_model.h"
#include "core/ntk/ntk_view.h"
#include "core/pipeline/budget.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QMouseEvent>
#include <QPushButton>
#include <QRandomGenerator>
#include <QSlider>
#include <QStyle>
#include <QStyleOptionSlider>
#include <algorithm>
#include <cmath>
#include <limits>

namespace ntk::ui {
namespace {

constexpr int slider_steps_per_octave = 64;
constexpr int slider_octaves = 24;      // m from 1 to 2^24 on the slider; more by typing
constexpr double fine_drag = 1.0 / 16;  // with Shift held, a drag moves the slider 16 times slower

// The m slider: a drag moves it by how far the mouse moved (not to where the mouse is), so
// holding Shift mid-drag slows it down to fine steps without a jump; arrow keys move an eighth
// of an octave, Shift+arrow one position (about 1%), Page Up/Down an octave.
class PrefixSlider : public QSlider {
 public:
  PrefixSlider() : QSlider(Qt::Horizontal) {
    setRange(0, slider_octaves * slider_steps_per_octave);
    setSingleStep(slider_steps_per_octave / 8);
    setPageStep(slider_steps_per_octave);
  }

 protected:
  void mousePressEvent(QMouseEvent* event) override {
    QSlider::mousePressEvent(event);
    m_lastX = event->position().x();
    m_exact = sliderPosition();
    // The speed is fixed for the whole drag: the panel may reflow while m changes.
    QStyleOptionSlider option;
    initStyleOption(&option);
    const int handle = style()->pixelMetric(QStyle::PM_SliderLength, &option, this);
    m_perPixel = double(maximum() - minimum()) / std::max(1, width() - handle);
  }
  void mouseMoveEvent(QMouseEvent* event) override {
    if (!isSliderDown()) return QSlider::mouseMoveEvent(event);
    const double speed = event->modifiers() & Qt::ShiftModifier ? fine_drag : 1.0;
    m_exact = std::clamp(m_exact + (event->position().x() - m_lastX) * m_perPixel * speed, double(minimum()),
                         double(maximum()));
    m_lastX = event->position().x();
    setSliderPosition(int(std::lround(m_exact)));
  }
  void keyPressEvent(QKeyEvent* event) override {
    const int direction = event->key() == Qt::Key_Right || event->key() == Qt::Key_Up    ? 1
                          : event->key() == Qt::Key_Left || event->key() == Qt::Key_Down ? -1
                                                                                         : 0;
    if (direction && event->modifiers() & Qt::ShiftModifier) return setValue(value() + direction);
    QSlider::keyPressEvent(event);
  }

 private:
  double m_lastX = 0, m_exact = 0, m_perPixel = 1;
};

// A real parameter's box: shows up to six significant digits ("0.5", "1e-06") instead of a
// fixed number of decimals, which would round a range's small end (scale's 1e-6) to 0.
class RealBox : public QDoubleSpinBox {
 public:
  RealBox() { setDecimals(std::numeric_limits<double>::max_digits10); }

 protected:
  QString textFromValue(double value) const override { return locale().toString(value, 'g', 6); }
  double valueFromText(const QString& text) const override { return locale().toDouble(text); }
  QValidator::State validate(QString& text, int&) const override {
    bool ok = false;
    const double v = locale().toDouble(text, &ok);
    return ok && v >= minimum() && v <= maximum() ? QValidator::Acceptable : QValidator::Intermediate;
  }
};

int slider_position(Eigen::Index m) {
  return m < 1 ? 0 : int(std::lround(std::log2(double(m)) * slider_steps_per_octave));
}

QString human(double v, const char* unit) {
  const char* prefixes[] = {"", "k", "M", "G", "T", "P"};
  int i = 0;
  while (std::abs(v) >= 1000 && i < 5) v /= 1000, ++i;
  return QString::number(v, 'g', 3) + " " + prefixes[i] + unit;
}

QString comparisonSummary(const core::Parameters& p) {
  const auto r = core::feature_dimension(p);
  const core::CostEstimate c = core::estimate_cost(core::comparison_sizes(p));
  return QObject::tr(
             "<b>r = %1</b> features<br>"
             "parameters: prefix m d = %2, NTK-Attention %3 = %4<br>"
             "memory: exact %5, NTK-Attention %6<br>"
             "FLOPs per evaluation: exact %7, NTK-Attention %8")
      .arg(r)
      .arg(human(c.exact.parameters, ""))
      .arg(p.rank > 0 ? "r s + s d_v + r" : "r d_v + r")
      .arg(human(c.ntk.parameters, ""))
      .arg(human(c.exact.bytes, "B"), human(c.ntk.bytes, "B"))
      .arg(human(c.exact.flops, "FLOP"), human(c.ntk.flops, "FLOP"));
}

void checkComparison(const core::Parameters& p) {
  core::validate(p);
  core::check_memory_budget(core::comparison_sizes(p), core::default_memory_budget_bytes);
}

QString ntkSummary(const core::Parameters& p) {
  const core::NtkSpec& s = p.ntk.model;
  return QObject::tr(
             "The standard stylized form (method.md section 8): the paper's exact network could not be "
             "checked.<br>trainable numbers N = m d = %1; kernel H: %2 x %2")
      .arg(human(double(s.m * s.d), ""))
      .arg(s.n * s.d);
}

void checkNtk(const core::Parameters& p) {
  core::check_ntk_memory(p.ntk.model, core::default_memory_budget_bytes, core::NtkWork::training);
}

}  // namespace

PanelKind comparisonPanelKind() {
  return {core::parameter_specs(), [](const core::Parameters& p) { return p.workload.m; }, checkComparison,
          comparisonSummary, true};
}

PanelKind ntkPanelKind() {
  return {core::ntk_parameter_specs(), [](const core::Parameters& p) { return p.ntk.model.m; }, checkNtk, ntkSummary,
          false};
}

ParameterPanel::ParameterPanel(const PanelKind& kind, QWidget* parent)
    : QWidget(parent), m_kind(kind), m_params(core::default_parameters()) {
  build();
  setParameters(m_params);
}

void ParameterPanel::build() {
  auto* form = m_form = new QFormLayout(this);
  for (const core::ParamSpec& spec : m_kind.table) {
    QWidget* widget = nullptr;
    const QString tip = QString::fromUtf8(spec.help.data(), qsizetype(spec.help.size()));
    switch (spec.type) {
      case core::ParamType::choice: {
        auto* box = new QComboBox;
        for (auto c : spec.choices) box->addItem(QString::fromUtf8(c.data(), qsizetype(c.size())));
        connect(box, &QComboBox::currentIndexChanged, this, [this] { onEdited(true); });
        widget = box;
        break;
      }
      case core::ParamType::flag: {
        auto* box = new QCheckBox;
        connect(box, &QCheckBox::toggled, this, [this] { onEdited(true); });
        widget = box;
        break;
      }
      case core::ParamType::integer:
      case core::ParamType::real: {
        QDoubleSpinBox* box = spec.type == core::ParamType::integer ? new QDoubleSpinBox : new RealBox;
        if (spec.type == core::ParamType::integer) box->setDecimals(0);
        box->setRange(spec.min, spec.max);
        if (!spec.minimum_means.empty())
          box->setSpecialValueText(QString::fromUtf8(spec.minimum_means.data(), qsizetype(spec.minimum_means.size())));
        box->setSingleStep(spec.type == core::ParamType::integer ? 1 : 0.05);
        box->setKeyboardTracking(false);  // typing 4096 is one change, not four
        box->setMinimumWidth(100);        // not as wide as the largest value (2^53 for a seed)
        connect(box, &QDoubleSpinBox::valueChanged, this, [this] { onEdited(true); });
        widget = box;
        break;
      }
    }
    widget->setToolTip(tip);
    widget->setObjectName(QString::fromUtf8(spec.key.data(), qsizetype(spec.key.size())));
    m_controls.push_back({&spec, widget, form->rowCount()});
    const QString label = QString::fromUtf8(spec.label.data(), qsizetype(spec.label.size()));
    if (spec.key == "m") {
      m_mBox = static_cast<QDoubleSpinBox*>(widget);
      m_mSlider = new PrefixSlider;
      m_mSlider->setToolTip(tip + tr(" (logarithmic: 1 to 2²⁴, type larger values; hold Shift while dragging, "
                                     "or with the arrow keys, for fine steps)"));
      m_mSlider->setObjectName("m_slider");
      m_mSlider->setMinimumWidth(90);  // a narrow dock still leaves a slider to drag
      connect(m_mSlider, &QSlider::valueChanged, this, &ParameterPanel::onSliderMoved);
      connect(m_mSlider, &QSlider::sliderReleased, this, [this] { onEdited(true); });
      auto* row = new QHBoxLayout;
      row->addWidget(m_mSlider, 1);
      row->addWidget(widget);
      form->addRow(label, row);
    } else if (spec.key == "seed") {
      auto* button = new QPushButton(tr("New seed"));
      m_seedButton = button;
      button->setToolTip(m_kind.seed_shortcut ? tr("Draw a new random seed (Ctrl+N)") : tr("Draw a new random seed"));
      if (m_kind.seed_shortcut) button->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_N));
      connect(button, &QPushButton::clicked, this, &ParameterPanel::newSeed);
      auto* row = new QHBoxLayout;
      row->addWidget(widget, 1);
      row->addWidget(button);
      form->addRow(label, row);
    } else {
      form->addRow(label, widget);
    }
  }
  m_summary = new QLabel;
  m_summary->setWordWrap(true);
  m_summary->setMinimumWidth(1);  // wraps to the controls' width instead of widening the dock
  m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
  form->addRow(m_summary);
  m_error = new QLabel;
  m_error->setWordWrap(true);
  m_error->setMinimumWidth(1);
  m_error->setStyleSheet("color: #b2182b; font-weight: bold");
  form->addRow(m_error);
}

QWidget* ParameterPanel::control(const QString& key) const {
  for (const Control& c : m_controls)
    if (c.widget->objectName() == key) return c.widget;
  return nullptr;
}

void ParameterPanel::setLocked(bool locked, const QStringList& free, bool hide) {
  for (const Control& c : m_controls) {
    const QString key = c.widget->objectName();
    const bool enabled = !locked || free.contains(key);
    c.widget->setEnabled(enabled);
    m_form->setRowVisible(c.row, enabled || !hide);
    if (key == "m") m_mSlider->setEnabled(enabled);
    if (key == "seed") m_seedButton->setEnabled(enabled);
  }
}

QString ParameterPanel::text(const Control& c) const {
  if (auto* combo = qobject_cast<QComboBox*>(c.widget)) return combo->currentText();
  if (auto* check = qobject_cast<QCheckBox*>(c.widget)) return check->isChecked() ? "true" : "false";
  const auto* spin = static_cast<QDoubleSpinBox*>(c.widget);
  return c.spec->type == core::ParamType::integer ? QString::number(spin->value(), 'f', 0)
                                                  : QString::number(spin->value(), 'g', 12);
}

void ParameterPanel::show(const Control& c, const core::Parameters& p) {
  const QString value = QString::fromStdString(c.spec->get(p));
  if (auto* combo = qobject_cast<QComboBox*>(c.widget))
    combo->setCurrentText(value);
  else if (auto* check = qobject_cast<QCheckBox*>(c.widget))
    check->setChecked(value == "true");
  else
    static_cast<QDoubleSpinBox*>(c.widget)->setValue(value.toDouble());
}

void ParameterPanel::setParameters(const core::Parameters& params) {
  m_updating = true;
  m_params = params;
  for (const Control& c : m_controls) show(c, params);
  m_mSlider->setValue(slider_position(m_kind.prefix_length(params)));
  m_updating = false;
  m_error->clear();
  updateSummary();
}

void ParameterPanel::onSliderMoved(int position) {
  if (m_updating) return;
  const double m = std::round(std::exp2(double(position) / slider_steps_per_octave));
  if (m == m_mBox->value()) return;  // fine positions at small m round to the same length
  m_updating = true;
  m_mBox->setValue(m);
  m_updating = false;
  onEdited(!m_mSlider->isSliderDown());
}

void ParameterPanel::newSeed() {
  for (const Control& c : m_controls)
    if (c.spec->key == "seed")
      static_cast<QDoubleSpinBox*>(c.widget)->setValue(QRandomGenerator::global()->bounded(1000000));
}

void ParameterPanel::onEdited(bool immediate) {
  if (m_updating) return;
  core::Parameters candidate = m_params;
  try {
    for (const Control& c : m_controls) c.spec->set(candidate, text(c).toStdString());
    m_kind.check(candidate);
  } catch (const std::invalid_argument& e) {
    m_error->setText(tr("Not computed: %1").arg(QString::fromUtf8(e.what())));
    return;
  }
  m_error->clear();
  m_params = candidate;
  if (!m_mSlider->isSliderDown()) {
    m_updating = true;
    m_mSlider->setValue(slider_position(m_kind.prefix_length(m_params)));
    m_updating = false;
  }
  updateSummary();
  emit parametersChanged(m_params, immediate);
}

void ParameterPanel::updateSummary() { m_summary->setText(m_kind.summary(m_params)); }

}  // namespace ntk::ui
