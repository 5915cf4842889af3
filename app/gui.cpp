#include "app/gui.h"

#include "app/cli_args.h"
#include "ui/main_window.h"

#include <QApplication>
#include <QTimer>
#include <cstdlib>
#include <iostream>

namespace ntk::app {
namespace {

bool have_display() {
  for (const char* var : {"QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY"}) {
    const char* value = std::getenv(var);
    if (value && *value) return true;
  }
  return false;
}

}  // namespace

bool wants_gui(const std::vector<std::string>& args) {
  return args.empty() || args.front() == "--screenshot" || args.front() == "--open";
}

int run_gui(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  std::string screenshot, session;
  for (std::size_t i = 0; i < args.size(); i += 2) {
    if ((args[i] != "--screenshot" && args[i] != "--open") || i + 1 >= args.size()) {
      std::cerr << "ntk-explorer: the window takes [--open FILE.ntksession] [--screenshot OUT.png];\n"
                   "run 'ntk-explorer --help' for the headless commands\n";
      return exit_usage;
    }
    (args[i] == "--open" ? session : screenshot) = args[i + 1];
  }
  if (!have_display()) {
    std::cerr << "ntk-explorer: no display (DISPLAY, WAYLAND_DISPLAY and QT_QPA_PLATFORM are unset),\n"
                 "so the window cannot open. Every computation also runs headless:\n"
                 "  ntk-explorer compare      the error table of the default workload\n"
                 "  ntk-explorer --help       all commands\n"
                 "or render the window off screen: QT_QPA_PLATFORM=offscreen ntk-explorer --screenshot OUT.png\n";
    return exit_usage;
  }
  QApplication app(argc, argv);
  QApplication::setApplicationName("NTK-Attention Explorer");
  QApplication::setOrganizationName("ntk-explorer");
  ui::MainWindow window;
  window.show();
  if (!session.empty()) {
    const QString error = window.openSession(QString::fromStdString(session));
    if (!error.isEmpty()) {
      std::cerr << "ntk-explorer: " << error.toStdString() << '\n';
      return exit_usage;
    }
  }
  if (!screenshot.empty()) {
    // Once every tab has its complete result, so whichever tab is open shows all its points.
    auto* poll = new QTimer(&window);
    QObject::connect(poll, &QTimer::timeout, &window, [&, poll] {
      if (!window.settled()) return;
      poll->stop();
      QTimer::singleShot(200, &window, [&] {
        const bool ok = window.grab().save(QString::fromStdString(screenshot));
        if (!ok) std::cerr << "ntk-explorer: cannot write " << screenshot << '\n';
        QApplication::exit(ok ? exit_ok : exit_usage);
      });
    });
    poll->start(100);
  }
  window.computeNow();
  return QApplication::exec();
}

}  // namespace ntk::app
