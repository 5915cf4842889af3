#pragma once
// The lesson dock: choose a lesson, read the card (what to notice, one question), go back and
// forth, and lock the controls the lesson does not free.

#include "ui/lessons/lessons.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QLabel;
class QPushButton;

namespace ntk::ui {

class LessonPanel : public QWidget {
  Q_OBJECT

 public:
  explicit LessonPanel(QWidget* parent = nullptr);

  /// Opens card `card` (0-based) of lesson `number` (1-based; 0 ends the lesson). Without
  /// `apply` the card is shown but its parameters are not set (a reopened session keeps its own).
  void open(int number, int card = 0, bool apply = true);
  void next();
  void previous();
  /// The open lesson, or nullptr in free exploration.
  const Lesson* lesson() const;
  int card() const { return m_card; }
  bool locking() const;

 signals:
  /// A card was opened (lesson null: free exploration); `apply`: set its parameters.
  void cardShown(const ntk::ui::Lesson* lesson, int card, bool apply);
  /// The lock was switched, or a lesson began or ended.
  void lockChanged(bool lock);

 private:
  void refresh();  ///< the texts and buttons of the open card

  QComboBox* m_choice;
  QLabel* m_heading;
  QLabel* m_text;
  QLabel* m_question;
  QPushButton* m_previous;
  QPushButton* m_next;
  QCheckBox* m_lock;
  int m_card = 0;
};

}  // namespace ntk::ui
