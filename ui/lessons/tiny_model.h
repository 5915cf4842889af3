#pragma once
// The small transformer examples/tiny_model trains and prefix-tunes (its --quick output, kept in
// tests/data/tiny_model), built into the program so that a lesson can show a real prefix on any
// machine: its captured queries, keys and values and its PEFT prefix-tuning checkpoint.

#include "core/pipeline/heads.h"

#include <QString>

namespace ntk::ui {

struct TinyModelFiles {
  QString activations;  ///< the capture (.safetensors)
  QString checkpoint;   ///< the PEFT checkpoint's folder
};

/// The built-in model as files (the readers map files): copied out of the program into
/// $XDG_CACHE_HOME/ntk-explorer/tiny_model-VERSION (else the temporary folder) when missing or
/// changed, each file through a temporary name and a rename (compared byte for byte on the first
/// call of a process; later calls only check that the files are still there). Throws std::runtime_error naming the
/// folder when neither can be written.
TinyModelFiles builtinTinyModel();

/// Whether `capture` names the built-in model's capture (a session that showed one of its heads
/// has the files copied out again before it opens them).
bool isBuiltinTinyModel(const QString& capture);

/// Query head `head` of layer `layer` of the built-in model with its key/value head's prefix
/// (core::head_inputs: std::invalid_argument for a layer or head it does not have).
core::HeadInputs tinyModelHead(qint64 layer, qint64 head);

}  // namespace ntk::ui
