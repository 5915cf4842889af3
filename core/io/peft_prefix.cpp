#include "core/io/peft_prefix.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <stdexcept>
#include <string>

namespace ntk::core {
namespace {

// One key/value head of one layer: columns [key_col, key_col + head_dim) of the embeddings for
// the keys, [value_col, ...) for the values.
class CheckpointPrefix final : public PrefixSource {
 public:
  CheckpointPrefix(const TensorFile& file, const TensorInfo& embeddings, std::int64_t key_col, std::int64_t value_col,
                   std::int64_t head_dim)
      : m_file(file), m_embeddings(embeddings), m_key(key_col), m_value(value_col), m_dim(head_dim) {}
  Eigen::Index rows() const override { return tensor_rows(m_embeddings); }
  Eigen::Index dim() const override { return m_dim; }
  PrefixRows block(Eigen::Index begin, Eigen::Index count, PrefixScratch& scratch) const override {
    scratch.KP.resize(count, m_dim);
    scratch.VP.resize(count, m_dim);
    m_file.read(m_embeddings, begin, count, m_key, m_dim, scratch.KP);
    m_file.read(m_embeddings, begin, count, m_value, m_dim, scratch.VP);
    return {scratch.KP, scratch.VP};
  }

 private:
  const TensorFile& m_file;
  const TensorInfo& m_embeddings;
  std::int64_t m_key, m_value, m_dim;
};

}  // namespace

PeftPrefixCheckpoint::PeftPrefixCheckpoint(const std::filesystem::path& folder) {
  const std::filesystem::path dir = folder.filename() == "adapter_config.json" ? folder.parent_path() : folder;
  const std::filesystem::path config_path = dir / "adapter_config.json";
  const std::string config_name = config_path.string();
  std::ifstream in(config_path);
  if (!in)
    throw std::invalid_argument(config_name +
                                " cannot be read: give the folder PEFT's save_pretrained wrote (adapter_config.json "
                                "and adapter_model.safetensors)");
  nlohmann::json config;
  try {
    config = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw std::invalid_argument(config_name + " is not valid JSON (" + std::string(e.what()) + ")");
  }
  if (!config.is_object()) throw std::invalid_argument(config_name + " is not a JSON object");
  const std::string type = config.value("peft_type", std::string());
  if (type != "PREFIX_TUNING")
    throw std::invalid_argument(config_name + " describes a " +
                                (type.empty() ? "checkpoint without a peft_type" : type) +
                                " adapter; only prefix tuning (peft_type PREFIX_TUNING) has a prefix to read");
  const auto size = [&](const char* key) {
    if (!config.contains(key) || !config[key].is_number_integer() || config[key].get<std::int64_t>() < 1)
      throw std::invalid_argument(config_name + ": \"" + key + "\" must be a positive integer");
    return config[key].get<std::int64_t>();
  };
  m_config.virtual_tokens = size("num_virtual_tokens");
  m_config.layers = size("num_layers");
  m_config.heads = size("num_attention_heads");
  m_config.token_dim = size("token_dim");
  m_config.projection = config.value("prefix_projection", false);
  if (m_config.token_dim % m_config.heads != 0)
    throw std::invalid_argument(config_name + ": token_dim " + std::to_string(m_config.token_dim) +
                                " is not a multiple of num_attention_heads " + std::to_string(m_config.heads));
  m_config.head_dim = m_config.token_dim / m_config.heads;

  m_file = std::make_unique<TensorFile>(dir / "adapter_model.safetensors");
  m_embeddings = &m_file->tensor("prompt_embeddings");
  m_config.dtype = m_embeddings->dtype;
  const std::int64_t width = m_config.layers * 2 * m_config.token_dim;
  const auto& shape = m_embeddings->shape;
  if (shape.size() != 2 || shape[0] != m_config.virtual_tokens || shape[1] != width) {
    throw std::invalid_argument(
        "tensor 'prompt_embeddings' of " + m_file->path().string() + " has shape " + shape_text(shape) + ", but " +
        config_name + " gives [num_virtual_tokens, num_layers * 2 * token_dim] = [" +
        std::to_string(m_config.virtual_tokens) + ", " + std::to_string(width) + "]" +
        (shape.size() == 2 && shape[0] == m_config.virtual_tokens && shape[1] == m_config.token_dim
             ? " (this looks like the embedding before the projection MLP: save the adapter with PEFT's "
               "save_pretrained, which stores the projected prefix)"
             : ""));
  }
}

std::unique_ptr<PrefixSource> PeftPrefixCheckpoint::prefix(std::int64_t layer, std::int64_t head) const {
  if (layer < 0 || layer >= m_config.layers || head < 0 || head >= m_config.heads)
    throw std::invalid_argument("the checkpoint has layers 0 to " + std::to_string(m_config.layers - 1) +
                                " and key/value heads 0 to " + std::to_string(m_config.heads - 1) + " (got layer " +
                                std::to_string(layer) + ", head " + std::to_string(head) + ")");
  const std::int64_t hd = m_config.head_dim;
  const std::int64_t key_col = ((2 * layer) * m_config.heads + head) * hd;
  const std::int64_t value_col = ((2 * layer + 1) * m_config.heads + head) * hd;
  return std::make_unique<CheckpointPrefix>(*m_file, *m_embeddings, key_col, value_col, hd);
}

}  // namespace ntk::core
