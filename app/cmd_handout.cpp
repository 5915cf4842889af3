#include "app/cmd_handout.h"

#include "ui/lessons/handout.h"
#include "ui/lessons/lessons.h"

#include <QApplication>
#include <QTimer>
#include <charconv>
#include <chrono>
#include <cstdlib>

namespace ntk::app {
namespace {

int whole_number(const Args& args, const std::string& key, int fallback) {
  const std::string text = args.value(key).value_or(std::to_string(fallback));
  int value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size())
    throw UsageError("--" + key + " takes a whole number (got '" + text + "')");
  return value;
}

int run(const Args& args, std::ostream& out, std::ostream& err) {
  const int lessons = int(ui::builtinLessons().size());
  const int lesson = whole_number(args, "lesson", 0);
  if (lesson < 1 || lesson > lessons) throw UsageError("--lesson takes 1 to " + std::to_string(lessons));
  const auto folder = args.value("out");
  if (!folder) throw UsageError("--out DIR is required (the folder for the PDFs)");
  const int timeout = whole_number(args, "timeout", 600);
  if (timeout < 1) throw UsageError("--timeout takes a number of seconds, 1 or more");

  qputenv("QT_QPA_PLATFORM", "offscreen");  // headless: the plots are drawn off screen
  static int argc = 1;
  static char name[] = "ntk-explorer";
  static char* argv[] = {name, nullptr};
  QApplication app(argc, argv);
  QApplication::setOrganizationName("ntk-explorer");
  QApplication::setApplicationName("ntk-explorer-handout");  // not the window's zoom or theme
  const QString dir = QString::fromStdString(*folder);
  // From inside the event loop: a folder refused at once must still end it.
  QTimer::singleShot(0, &app, [&] {
    ui::writeHandout(lesson, dir, [&](const QString& error) {
      if (!error.isEmpty()) {
        err << "ntk-explorer handout: " << error.toStdString() << '\n';
        QApplication::exit(exit_usage);
        return;
      }
      out << "wrote " << ui::handoutPath(dir, lesson).toStdString() << " and "
          << ui::answersPath(dir, lesson).toStdString() << '\n';
      QApplication::exit(exit_ok);
    });
  });
  // As --screenshot: a card still computing at the limit ends the run, writing nothing.
  QTimer::singleShot(std::chrono::seconds(timeout), &app, [&] {
    err << "ntk-explorer handout: gave up after " << timeout << " s with a card still computing; nothing written\n"
        << std::flush;
    std::_Exit(exit_usage);
  });
  return QApplication::exec();
}

}  // namespace

Command handout_command() {
  return {"handout",
          "Write a lesson as PDF handouts: a page per card with its plot, and an answer sheet",
          "handout --lesson N --out DIR [--timeout SECONDS]",
          {{"lesson", true, false, "the lesson, 1 to 7 (as in the window's Lessons menu)"},
           {"out", true, false, "folder for lesson-N.pdf and lesson-N-answers.pdf (created if needed)"},
           {"timeout", true, false, "give up, writing nothing, after this many seconds (default 600)"}},
          run};
}

}  // namespace ntk::app
