#include "app/gui.h"

#include "app/cli_args.h"
#include "ui/export/plot_export.h"
#include "ui/lessons/lesson_panel.h"
#include "ui/main_window.h"
#include "ui/panels/parameter_panel.h"

#include <QApplication>
#include <QSize>
#include <QTimer>
#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <optional>

namespace ntk::app {
namespace {

constexpr const char* usage =
    "ntk-explorer: the window takes [--open FILE.ntksession] [--lesson N [--step K]] [--presenter]\n"
    "  [--theme light|dark] [--zoom 1-2] [--inspect-query I] [--screenshot OUT.png [--timeout SECONDS]];\n"
    "  run 'ntk-explorer --help' for the headless commands\n";

struct WindowOptions {
  std::string session, screenshot, theme, zoom;
  int lesson = 0, step = 1;  // 1-based; lesson 0: none
  int timeout = 120;         // seconds a screenshot run may take
  int query = -1;            // the query inspector's row; -1: not asked
  bool presenter = false;
};

bool have_display() {
  for (const char* var : {"QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY"}) {
    const char* value = std::getenv(var);
    if (value && *value) return true;
  }
  return false;
}

std::optional<int> whole_number(const std::string& text) {
  int value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<double> zoom_factor(const std::string& text) {
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || !(value >= ui::min_zoom && value <= ui::max_zoom))
    return std::nullopt;
  return value;
}

// The options, or nullopt after saying on stderr what is wrong.
std::optional<WindowOptions> parse(const std::vector<std::string>& args) {
  WindowOptions o;
  bool stepped = false, timed = false, inspected = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& flag = args[i];
    if (flag == "--presenter") {
      o.presenter = true;
      continue;
    }
    std::string* text = flag == "--open"         ? &o.session
                        : flag == "--screenshot" ? &o.screenshot
                        : flag == "--theme"      ? &o.theme
                        : flag == "--zoom"       ? &o.zoom
                                                 : nullptr;
    const bool number = flag == "--lesson" || flag == "--step" || flag == "--timeout" || flag == "--inspect-query";
    if ((!text && !number) || i + 1 >= args.size()) {
      std::cerr << (text || number ? "ntk-explorer: " + flag + " needs a value\n"
                                   : "ntk-explorer: unknown option " + flag + "\n")
                << usage;
      return std::nullopt;
    }
    const std::string& value = args[++i];
    if (text) {
      if (value.empty()) {  // `--open ""` was silently ignored
        std::cerr << "ntk-explorer: " << flag << " needs a value, not an empty one\n" << usage;
        return std::nullopt;
      }
      *text = value;
      continue;
    }
    const std::optional<int> n = whole_number(value);
    (flag == "--lesson"    ? o.lesson
     : flag == "--step"    ? o.step
     : flag == "--timeout" ? o.timeout
                           : o.query) = n.value_or(-1);
    inspected = inspected || flag == "--inspect-query";
    stepped = stepped || flag == "--step";
    timed = timed || flag == "--timeout";
  }
  const int lessons = int(ui::builtinLessons().size());
  if (o.lesson < 0 || o.lesson > lessons || (stepped && o.lesson == 0)) {
    std::cerr << "ntk-explorer: --lesson takes 1 to " << lessons << (stepped ? " (and --step needs it)" : "") << '\n';
    return std::nullopt;
  }
  const int cards = o.lesson ? int(ui::builtinLessons()[std::size_t(o.lesson - 1)].cards.size()) : 1;
  if (o.step < 1 || o.step > cards) {
    std::cerr << "ntk-explorer: lesson " << o.lesson << " has steps 1 to " << cards << '\n';
    return std::nullopt;
  }
  if (timed && o.screenshot.empty()) {
    std::cerr << "ntk-explorer: --timeout limits a --screenshot run; give --screenshot OUT.png too\n";
    return std::nullopt;
  }
  if (o.timeout < 1 || o.timeout > 86400) {
    std::cerr << "ntk-explorer: --timeout takes whole seconds from 1 to 86400\n";
    return std::nullopt;
  }
  if (inspected && o.query < 0) {
    std::cerr << "ntk-explorer: --inspect-query takes a query row from 0 to L - 1, like --inspect-query 5\n";
    return std::nullopt;
  }
  if (!o.zoom.empty() && !zoom_factor(o.zoom)) {
    std::cerr << "ntk-explorer: --zoom takes a text zoom from " << ui::min_zoom << " to " << ui::max_zoom
              << " (presenter mode multiplies it by 1.5), like --zoom 1.5\n";
    return std::nullopt;
  }
  if (!o.theme.empty() && o.theme != "light" && o.theme != "dark") {
    std::cerr << "ntk-explorer: --theme takes light or dark\n";
    return std::nullopt;
  }
  return o;
}

}  // namespace

bool wants_gui(const std::vector<std::string>& args) {
  static const std::string window_options[] = {"--screenshot", "--open", "--lesson",  "--step",         "--presenter",
                                               "--theme",      "--zoom", "--timeout", "--inspect-query"};
  return args.empty() ||
         std::find(std::begin(window_options), std::end(window_options), args.front()) != std::end(window_options);
}

int run_gui(int argc, char** argv) {
  const std::optional<WindowOptions> options = parse({argv + 1, argv + argc});
  if (!options) return exit_usage;
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
  const WindowOptions& o = *options;
  if (!o.theme.empty() || o.presenter || !o.zoom.empty())
    window.setLook({o.theme.empty() ? window.look().dark : o.theme == "dark", o.presenter,
                    o.zoom.empty() ? window.look().zoom : *zoom_factor(o.zoom)});
  if (o.presenter && o.screenshot.empty()) window.showFullScreen();
  // The offscreen platform's screen is 800 x 600: render at a projector's or a desktop's size.
  else if (!o.screenshot.empty() && QGuiApplication::platformName() == "offscreen")
    window.resize(o.presenter ? QSize(1920, 1080) : QSize(1500, 850));
  if (!window.isVisible()) window.show();
  if (!o.session.empty()) {
    const QString error = window.openSession(QString::fromStdString(o.session));
    if (!error.isEmpty()) {
      std::cerr << "ntk-explorer: " << error.toStdString() << '\n';
      return exit_usage;
    }
  }
  if (o.lesson) window.lessonPanel()->open(o.lesson, o.step - 1);
  if (o.query >= 0) {
    const long long L = window.parameterPanel()->parameters().workload.L;
    if (o.query >= L) {
      std::cerr << "ntk-explorer: --inspect-query " << o.query << " is past the last query: L = " << L << ", so 0 to "
                << L - 1 << '\n';
      return exit_usage;
    }
    window.inspectQuery(o.query);
  }
  if (!o.screenshot.empty()) {
    // Say at once, not after the computation, when the picture cannot be written there.
    if (const QString why = ui::whyNotWritable(QString::fromStdString(o.screenshot), {"png", "jpg", "bmp"});
        !why.isEmpty()) {
      std::cerr << "ntk-explorer: " << why.toStdString() << '\n';
      return exit_usage;
    }
    // Once every tab has its complete result, so whichever tab is open shows all its points; or
    // once the settings are refused, drawn with the refusal on screen, and exit 2.
    auto* poll = new QTimer(&window);
    QObject::connect(poll, &QTimer::timeout, &window, [&, poll] {
      const QString refusal = window.refusal();
      if (!window.settled() && refusal.isEmpty()) return;
      poll->stop();
      QTimer::singleShot(200, &window, [&, refusal] {
        const QString error = ui::saveImage(window.grab().toImage(), QString::fromStdString(o.screenshot));
        if (!error.isEmpty()) std::cerr << "ntk-explorer: " << error.toStdString() << '\n';
        if (!refusal.isEmpty())
          std::cerr << "ntk-explorer: not computed: " << refusal.toStdString()
                    << (error.isEmpty() ? "\n(the picture shows the window with this refusal)\n" : "\n");
        QApplication::exit(error.isEmpty() && refusal.isEmpty() ? exit_ok : exit_usage);
      });
    });
    poll->start(100);
    // A watchdog: a run that is still computing at the limit ends without a picture. _Exit,
    // because a worker deep in one long solve would hold up an orderly shutdown.
    QTimer::singleShot(std::chrono::seconds(o.timeout), &window, [&] {
      std::cerr << "ntk-explorer: --screenshot gave up after " << o.timeout
                << " s with the window still computing; nothing written. Give a longer --timeout, or\n"
                   "smaller settings (the headless commands show progress: ntk-explorer --help)\n"
                << std::flush;
      std::_Exit(exit_usage);
    });
  }
  window.computeNow();
  return QApplication::exec();
}

}  // namespace ntk::app
