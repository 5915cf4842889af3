#include "app/gui.h"

#include "app/cli_args.h"
#include "ui/export/plot_export.h"
#include "ui/lessons/lesson_panel.h"
#include "ui/main_window.h"
#include "ui/panels/heads_tab.h"
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

const std::string usage = std::string("ntk-explorer: the window takes ") + window_synopsis +
                          ";\n  run 'ntk-explorer --help' for the headless commands\n";

// The window's options, parsed by the commands' parser (Args).
const std::vector<OptionSpec>& window_options() {
  static const std::vector<OptionSpec> options = {{"open", true, false, "a saved session"},
                                                  {"lesson", true, false, "a lesson"},
                                                  {"step", true, false, "the lesson's card"},
                                                  {"presenter", false, false, "presenter mode"},
                                                  {"theme", true, false, "light or dark"},
                                                  {"zoom", true, false, "the text zoom"},
                                                  {"inspect-query", true, false, "the query inspector's row"},
                                                  {"heads", true, false, "a capture to open in the Heads tab"},
                                                  {"checkpoint", true, false, "its prefix: a PEFT folder"},
                                                  {"cache", true, false, "its prefix: a KV cache"},
                                                  {"screenshot", true, false, "a picture to write"},
                                                  {"timeout", true, false, "seconds a screenshot run may take"}};
  return options;
}

struct WindowOptions {
  std::string session, screenshot, theme, zoom;
  std::string heads, checkpoint, cache;  // the Heads tab's capture and prefix
  int lesson = 0, step = 1;              // 1-based; lesson 0: none
  int timeout = 120;                     // seconds a screenshot run may take
  int query = -1;                        // the query inspector's row; -1: not asked
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
  std::optional<Args> parsed;
  try {
    parsed.emplace(args, window_options());
  } catch (const UsageError& e) {
    std::cerr << "ntk-explorer: " << e.what() << '\n' << usage;
    return std::nullopt;
  }
  if (!parsed->positional().empty()) {
    std::cerr << "ntk-explorer: unexpected argument '" << parsed->positional().front() << "'\n" << usage;
    return std::nullopt;
  }
  WindowOptions o;
  for (const auto& [name, text] :
       {std::pair{"open", &o.session}, std::pair{"screenshot", &o.screenshot}, std::pair{"theme", &o.theme},
        std::pair{"zoom", &o.zoom}, std::pair{"heads", &o.heads}, std::pair{"checkpoint", &o.checkpoint},
        std::pair{"cache", &o.cache}}) {
    const std::optional<std::string> value = parsed->value(name);
    if (value) *text = *value;  // never empty: Args refuses an empty value
  }
  for (const auto& [name, number] : {std::pair{"lesson", &o.lesson}, std::pair{"step", &o.step},
                                     std::pair{"timeout", &o.timeout}, std::pair{"inspect-query", &o.query}})
    if (const std::optional<std::string> value = parsed->value(name)) *number = whole_number(*value).value_or(-1);
  const std::string presenter = parsed->value("presenter").value_or("false");
  o.presenter = presenter == "true" || presenter == "1" || presenter == "on";
  const bool stepped = parsed->has("step"), timed = parsed->has("timeout"), inspected = parsed->has("inspect-query");
  const int lessons = int(ui::builtinLessons().size());
  if (o.lesson < 0 || o.lesson > lessons || (stepped && o.lesson == 0)) {
    std::cerr << "ntk-explorer: --lesson takes 1 to " << lessons << (stepped ? " (and --step needs it)" : "") << '\n';
    return std::nullopt;
  }
  const int cards = o.lesson ? ui::cardCount(o.lesson) : 1;
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
  if (!o.heads.empty() && o.checkpoint.empty() == o.cache.empty()) {
    std::cerr << "ntk-explorer: --heads needs its prefix, one of --checkpoint DIR (a PEFT prefix-tuning folder) "
                 "or --cache FILE.safetensors|.npz (a KV cache)\n";
    return std::nullopt;
  }
  if (o.heads.empty() && !(o.checkpoint.empty() && o.cache.empty())) {
    std::cerr
        << "ntk-explorer: --checkpoint and --cache give the prefix of --heads FILE.safetensors|.npz (the capture)\n";
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
  if (args.empty()) return true;
  const std::string& first = args.front();
  return std::any_of(window_options().begin(), window_options().end(), [&](const OptionSpec& o) {
    return first == "--" + o.name || first.rfind("--" + o.name + "=", 0) == 0;
  });
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
  if (!o.heads.empty())
    window.openHeads(QString::fromStdString(o.heads),
                     QString::fromStdString(o.checkpoint.empty() ? o.cache : o.checkpoint), !o.checkpoint.empty());
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
      const QString heads = window.headsTab()->failure();  // --heads files that could not be compared
      const QString refusal = heads.isEmpty() ? window.refusal() : heads;
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
