#include "ui/lessons/handout.h"

#include "ui/export/plot_actions.h"
#include "ui/export/plot_export.h"
#include "ui/figures/figure_set.h"
#include "ui/lessons/lessons.h"
#include "ui/lessons/tiny_model.h"
#include "ui/session/session_file.h"

#include <qcustomplot.h>
#include <QAbstractTextDocumentLayout>
#include <QApplication>
#include <QBuffer>
#include <QDir>
#include <QPainter>
#include <QPdfWriter>
#include <QTextDocument>
#include <QTimer>
#include <memory>

namespace ntk::ui {
namespace {

constexpr int dpi = 300;
constexpr double margin_mm = 18;

// A PDF of A4 pages held in memory until it is complete.
struct Pdf {
  QByteArray bytes;
  QBuffer buffer{&bytes};
  QPdfWriter writer{&buffer};
  explicit Pdf(const QString& title) {
    buffer.open(QIODevice::WriteOnly);
    writer.setResolution(dpi);
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize::A4), QPageLayout::Portrait,
                                     QMarginsF(margin_mm, margin_mm, margin_mm, margin_mm), QPageLayout::Millimeter));
    writer.setTitle(title);
    writer.setCreator(QStringLiteral("NTK-Attention Explorer"));
  }
};

// `html` laid out `width` device pixels wide for `device`, in the application's font at 11 pt.
std::unique_ptr<QTextDocument> document(const QString& html, QPaintDevice* device, double width) {
  auto doc = std::make_unique<QTextDocument>();
  doc->documentLayout()->setPaintDevice(device);
  QFont font = QApplication::font();
  font.setPointSizeF(11);
  doc->setDefaultFont(font);
  doc->setDocumentMargin(0);
  doc->setTextWidth(width);
  doc->setHtml(html);
  return doc;
}

// Draws `doc` with its top left at `at`; returns its height.
double draw(QPainter& painter, QTextDocument& doc, QPointF at) {
  painter.save();
  painter.translate(at);
  doc.drawContents(&painter);
  painter.restore();
  return doc.size().height();
}

// The settings line of the plot a card points at, and the window command that opens the card.
QString footerHtml(const Lesson& lesson, int card, const QString& settings) {
  return QObject::tr(
             "<p style='color:#555'>Lesson %1, card %2 of %3. In the window: <tt>ntk-explorer --lesson %1 "
             "--step %2</tt>. Headless: <tt>%4</tt></p>")
      .arg(lesson.number)
      .arg(card + 1)
      .arg(lesson.cards.size())
      .arg(settings.toHtmlEscaped());
}

// One run through a lesson's cards, computed and drawn off screen by figures of its own; deletes
// itself when done.
class HandoutRun : public QObject {
 public:
  HandoutRun(const Lesson& lesson, const QString& folder, std::function<void(const QString&)> done)
      : m_lesson(lesson),
        m_folder(folder),
        m_done(std::move(done)),
        m_pages(QObject::tr("Lesson %1: %2").arg(lesson.number).arg(lesson.title)) {
    m_painter.begin(&m_pages.writer);
    connect(&m_poll, &QTimer::timeout, this, &HandoutRun::poll);
    openCard();
  }

 private:
  void openCard() {
    const LessonCard& card = m_lesson.cards[std::size_t(m_card)];
    m_params = cardParameters(m_lesson, m_card);
    m_figures.requestNtk(m_params);
    if (card.train) m_figures.ntkController()->play();
    HeadPtr head;
    if (card.head) {
      try {
        head = std::make_shared<const core::HeadInputs>(tinyModelHead(card.head->layer, card.head->head));
      } catch (const std::exception& e) {  // said once the event loop runs (this may be the constructor)
        const QString why = QObject::tr("lesson %1, card %2: %3").arg(m_lesson.number).arg(m_card + 1).arg(e.what());
        QTimer::singleShot(0, this, [this, why] { finish(why); });
        return;
      }
      m_params = head->parameters(m_params);  // what the shown comparison is settled on
    }
    m_figures.requestComparison(m_params, true, head);
    m_poll.start(100);
  }

  void poll() {
    const QString refusal = m_figures.refusal();
    if (!refusal.isEmpty())
      return finish(
          QObject::tr("lesson %1, card %2 is not computed: %3").arg(m_lesson.number).arg(m_card + 1).arg(refusal));
    if (!m_figures.settled(m_params, m_params)) return;
    m_poll.stop();
    QTimer::singleShot(200, this, [this] {  // the layouts of the last result settle
      drawPage();
      if (++m_card < int(m_lesson.cards.size())) {
        m_pages.writer.newPage();
        return openCard();
      }
      finish({});
    });
  }

  void drawPage() {
    const LessonCard& card = m_lesson.cards[std::size_t(m_card)];
    QPdfWriter& pdf = m_pages.writer;
    const double width = pdf.width(), height = pdf.height();
    double y = 0;
    auto header = document(QObject::tr("<p style='color:#555'>NTK-Attention Explorer · Lesson %1: %2</p>"
                                       "<h2>%3</h2><p>%4</p>")
                               .arg(m_lesson.number)
                               .arg(m_lesson.title.toHtmlEscaped(), card.title.toHtmlEscaped(), card.text),
                           &pdf, width);
    auto question = document(QObject::tr("<p><b>Question.</b> %1</p>").arg(card.question), &pdf, width);
    QCustomPlot* plot = m_figures.plot(card.plot);
    auto footer = document(footerHtml(m_lesson, m_card, plot ? plotSettings(plot) : QString()), &pdf, width);
    y += draw(m_painter, *header, {0, y}) + 0.02 * height;
    // The plot fills the width, as tall as what is left allows (at most 0.65 of the width).
    const double room = height - y - question->size().height() - footer->size().height() - 0.06 * height;
    if (plot) {
      const double plot_height = std::min(0.65 * width, room);
      const int pixels = 720;  // the plot's width in screen pixels: its text is then legible on paper
      const QImage image = renderImage(plot, pixels, int(pixels * plot_height / width),
                                       width / pixels);  // print resolution: a device pixel per image pixel
      m_painter.drawImage(QRectF(0, y, width, plot_height), image);
      y += plot_height + 0.02 * height;
    }
    draw(m_painter, *question, {0, y});
    draw(m_painter, *footer, {0, height - footer->size().height()});
  }

  QString writeAnswers() {
    Pdf answers(QObject::tr("Lesson %1: answers").arg(m_lesson.number));
    QString html = QObject::tr(
                       "<p style='color:#555'>NTK-Attention Explorer · for the teacher</p>"
                       "<h2>Lesson %1: %2. Answers</h2>")
                       .arg(m_lesson.number)
                       .arg(m_lesson.title.toHtmlEscaped());
    for (std::size_t i = 0; i < m_lesson.cards.size(); ++i) {
      const LessonCard& card = m_lesson.cards[i];
      html += QObject::tr("<h3>Card %1: %2</h3><p><b>Question.</b> %3</p><p><b>Answer.</b> %4</p>")
                  .arg(i + 1)
                  .arg(card.title.toHtmlEscaped(), card.question,
                       card.answer.isEmpty() ? QObject::tr("(this card has no answer stored with it)") : card.answer);
    }
    auto doc = document(html, &answers.writer, answers.writer.width());
    doc->print(&answers.writer);
    return writeFileAtomic(answersPath(m_folder, m_lesson.number), answers.bytes);
  }

  void finish(const QString& failure) {
    m_poll.stop();
    m_painter.end();
    QString error = failure;
    if (error.isEmpty()) error = writeFileAtomic(handoutPath(m_folder, m_lesson.number), m_pages.bytes);
    if (error.isEmpty()) error = writeAnswers();
    const auto done = m_done;
    deleteLater();
    done(error);
  }

  FigureSet m_figures;
  core::Parameters m_params;  ///< of the open card
  const Lesson& m_lesson;
  QString m_folder;
  std::function<void(const QString&)> m_done;
  Pdf m_pages;
  QPainter m_painter;
  QTimer m_poll;
  int m_card = 0;
};

}  // namespace

QString handoutPath(const QString& folder, int lesson) {
  return QDir(folder).filePath(QString("lesson-%1.pdf").arg(lesson));
}

QString answersPath(const QString& folder, int lesson) {
  return QDir(folder).filePath(QString("lesson-%1-answers.pdf").arg(lesson));
}

void writeHandout(int lesson, const QString& folder, std::function<void(const QString&)> done) {
  const std::vector<Lesson>& lessons = builtinLessons();
  if (lesson < 1 || lesson > int(lessons.size()))
    return done(QObject::tr("there are lessons 1 to %1, not %2").arg(lessons.size()).arg(lesson));
  // Said at once, not after every card is computed.
  if (!QDir().mkpath(folder)) return done(QObject::tr("cannot create the folder %1").arg(folder));
  if (const QString why = whyNotWritable(handoutPath(folder, lesson), {"pdf"}); !why.isEmpty()) return done(why);
  new HandoutRun(lessons[std::size_t(lesson - 1)], folder, std::move(done));
}

}  // namespace ntk::ui
