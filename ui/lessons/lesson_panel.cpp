#include "ui/lessons/lesson_panel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

namespace ntk::ui {

LessonPanel::LessonPanel(QWidget* parent)
    : QWidget(parent),
      m_choice(new QComboBox),
      m_heading(new QLabel),
      m_text(new QLabel),
      m_question(new QLabel),
      m_previous(new QPushButton(tr("◀ &Back"))),
      m_next(new QPushButton(tr("&Next ▶"))),
      m_lock(new QCheckBox(tr("Loc&k the other controls"))) {
  m_choice->addItem(tr("Free exploration (no lesson)"));
  for (const Lesson& lesson : builtinLessons()) m_choice->addItem(tr("%1. %2").arg(lesson.number).arg(lesson.title));
  m_choice->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
  m_choice->setMinimumContentsLength(16);
  m_choice->setToolTip(tr("A lesson is a preset and a few cards; each card sets the parameters and points at a plot"));
  m_previous->setToolTip(tr("The previous card (Page Up)"));
  m_next->setToolTip(tr("The next card (Page Down)"));
  m_lock->setChecked(true);
  m_lock->setToolTip(tr("Students can change only what the lesson is about; presenter mode hides the rest"));
  for (QLabel* label : {m_heading, m_text, m_question}) {
    label->setWordWrap(true);
    label->setTextFormat(Qt::RichText);
  }
  m_question->setFrameShape(QFrame::StyledPanel);
  m_question->setMargin(6);
  auto* buttons = new QHBoxLayout;
  buttons->addWidget(m_previous);
  buttons->addWidget(m_next);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(m_choice);
  layout->addWidget(m_heading);
  layout->addWidget(m_text);
  layout->addWidget(m_question);
  layout->addLayout(buttons);
  layout->addWidget(m_lock);
  layout->addStretch(1);
  connect(m_choice, &QComboBox::activated, this, [this](int index) { open(index); });
  connect(m_previous, &QPushButton::clicked, this, &LessonPanel::previous);
  connect(m_next, &QPushButton::clicked, this, &LessonPanel::next);
  connect(m_lock, &QCheckBox::toggled, this, [this] { emit lockChanged(locking()); });
  refresh();
}

const Lesson* LessonPanel::lesson() const {
  const int index = m_choice->currentIndex();
  return index > 0 ? &builtinLessons()[std::size_t(index - 1)] : nullptr;
}

bool LessonPanel::locking() const { return lesson() && m_lock->isChecked(); }

void LessonPanel::open(int number, int card, bool apply) {
  m_choice->setCurrentIndex(std::clamp(number, 0, int(builtinLessons().size())));
  m_card = lesson() ? std::clamp(card, 0, int(lesson()->cards.size()) - 1) : 0;
  refresh();
  emit cardShown(lesson(), m_card, apply);
  emit lockChanged(locking());
}

void LessonPanel::next() {
  if (lesson() && m_card + 1 < int(lesson()->cards.size())) open(lesson()->number, m_card + 1);
}

void LessonPanel::previous() {
  if (lesson() && m_card > 0) open(lesson()->number, m_card - 1);
}

void LessonPanel::refresh() {
  const Lesson* l = lesson();
  m_question->setVisible(l);
  m_previous->setEnabled(l && m_card > 0);
  m_next->setEnabled(l && m_card + 1 < int(l->cards.size()));
  m_lock->setEnabled(l);
  if (!l) {
    m_heading->setText(tr("<b>Free exploration.</b>"));
    m_text->setText(
        tr("Choose a lesson above for a guided path through the ideas: eight lessons, from "
           "a prefix as extra keys to the NTK regime and a real trained prefix."));
    return;
  }
  const LessonCard& c = l->cards[std::size_t(m_card)];
  m_heading->setText(tr("<b>Lesson %1, card %2 of %3</b><br><big><b>%4</b></big>")
                         .arg(l->number)
                         .arg(m_card + 1)
                         .arg(l->cards.size())
                         .arg(c.title));
  m_text->setText(c.text);
  m_question->setText(tr("<b>Question.</b> %1").arg(c.question));
}

}  // namespace ntk::ui
