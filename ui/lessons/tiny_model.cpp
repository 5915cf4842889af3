#include "ui/lessons/tiny_model.h"

#include "core/io/captured_attention.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>
#include <QStandardPaths>
#include <algorithm>
#include <iterator>
#include <mutex>
#include <stdexcept>
#include <string>

namespace ntk::ui {
namespace {

// The resource files (ui/CMakeLists.txt), relative to :/tiny_model.
constexpr const char* files[] = {"activations.safetensors", "checkpoint/adapter_model.safetensors",
                                 "checkpoint/adapter_config.json"};

QString folderUnder(const QString& base) { return base + "/ntk-explorer/tiny_model-" NTK_VERSION; }

// Copies every file into `folder` unless it holds the same bytes already; false when it cannot.
bool copyOut(const QString& folder) {
  for (const char* name : files) {
    QFile resource(QStringLiteral(":/tiny_model/") + name);
    if (!resource.open(QIODevice::ReadOnly)) return false;
    const QByteArray bytes = resource.readAll();
    const QString path = folder + '/' + name;
    if (QFile held(path); held.open(QIODevice::ReadOnly) && held.readAll() == bytes) continue;
    if (!QDir().mkpath(QFileInfo(path).path())) return false;
    QSaveFile out(path);  // a temporary name, renamed when complete
    if (!out.open(QIODevice::WriteOnly) || out.write(bytes) != bytes.size() || !out.commit()) return false;
  }
  return true;
}

}  // namespace

TinyModelFiles builtinTinyModel() {
  // The folder this process copied (or found) the files in: while they are all there, they are
  // not read and compared again on every call.
  static std::mutex copying;
  static QString copied;
  const std::lock_guard lock(copying);
  const auto whole = [](const QString& folder) {
    return std::all_of(std::begin(files), std::end(files),
                       [&](const char* name) { return QFileInfo::exists(folder + '/' + name); });
  };
  const auto in = [](const QString& folder) -> TinyModelFiles {
    return {folder + "/activations.safetensors", folder + "/checkpoint"};
  };
  if (!copied.isEmpty() && whole(copied)) return in(copied);
  const QString cache = QStandardPaths::writableLocation(QStandardPaths::GenericCacheLocation);
  for (const QString& base : {cache, QDir::tempPath()}) {
    if (base.isEmpty()) continue;
    const QString folder = folderUnder(base);
    if (copyOut(folder)) return in(copied = folder);
  }
  throw std::runtime_error(("cannot write the built-in tiny model to " + folderUnder(cache) + " or " +
                            folderUnder(QDir::tempPath()) + "; make one of them writable")
                               .toStdString());
}

bool isBuiltinTinyModel(const QString& capture) {
  for (const QString& base : {QStandardPaths::writableLocation(QStandardPaths::GenericCacheLocation), QDir::tempPath()})
    if (!base.isEmpty() && capture == folderUnder(base) + "/activations.safetensors") return true;
  return false;
}

core::HeadInputs tinyModelHead(qint64 layer, qint64 head) {
  const TinyModelFiles model = builtinTinyModel();
  const core::CapturedAttention inputs(model.activations.toStdString());
  core::HeadInputs h = core::head_inputs(core::open_peft_prefix(model.checkpoint.toStdString()), inputs, layer, head);
  h.label = "layer " + std::to_string(layer) + " head " + std::to_string(head) +
            " of the built-in tiny model (examples/tiny_model)";
  return h;
}

}  // namespace ntk::ui
