#include "ui/panels/training_tab.h"

#include "ui/plots/ntk_plots.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

namespace ntk::ui {

TrainingTab::TrainingTab(NtkController* controller, TrainingPlot* plot, QWidget* parent)
    : QWidget(parent),
      m_controller(controller),
      m_plot(plot),
      m_play(new QPushButton(tr("Play"))),
      m_status(new QLabel) {
  auto* step = new QPushButton(tr("Step"));
  auto* reset = new QPushButton(tr("Reset"));
  m_play->setToolTip(tr("Run gradient descent up to the set number of steps, or pause it (F6)"));
  step->setToolTip(tr("One gradient-descent step (F7)"));
  reset->setToolTip(tr("Back to the initial keys W(0) (F8)"));
  connect(m_play, &QPushButton::clicked, this, &TrainingTab::playOrPause);
  connect(step, &QPushButton::clicked, controller, &NtkController::step);
  connect(reset, &QPushButton::clicked, controller, &NtkController::reset);
  auto* bar = new QHBoxLayout;
  for (QWidget* w : std::initializer_list<QWidget*>{m_play, step, reset}) bar->addWidget(w);
  m_status->setWordWrap(true);  // wraps beside the buttons instead of widening the window
  m_status->setMinimumWidth(1);
  bar->addWidget(m_status, 1);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(bar);
  layout->addWidget(plot, 1);
}

void TrainingTab::playOrPause() { m_playing ? m_controller->pause() : m_controller->play(); }

void TrainingTab::showState(TrainingPtr state) {
  m_playing = state->playing;
  m_play->setText(m_playing ? tr("Pause") : tr("Play"));
  const core::TrainStep& last = state->curve.steps.back();
  m_status->setText(tr("step %1 of %2   loss %3   η = %4   η m λₘᵢₙ(H*) = %5")
                        .arg(last.step)
                        .arg(state->params.ntk.steps)
                        .arg(last.loss, 0, 'e', 3)
                        .arg(state->eta, 0, 'g', 3)
                        .arg(state->eta * double(state->curve.m) * state->lambda_star, 0, 'g', 3));
  m_plot->setState(std::move(state));
}

void TrainingTab::showFailure(const QString& message) { m_status->setText(tr("Not computed: %1").arg(message)); }

}  // namespace ntk::ui
