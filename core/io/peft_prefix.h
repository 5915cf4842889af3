#pragma once
// A PEFT prefix-tuning checkpoint (the folder `save_pretrained` writes: adapter_config.json and
// adapter_model.safetensors), read as the prefix of each layer and key/value head. PEFT saves one
// tensor, "prompt_embeddings", of shape [num_virtual_tokens, num_layers * 2 * token_dim] (with
// prefix_projection its projection MLP has been applied before saving, so both layouts store the
// same thing). PEFT views it as [m, num_layers * 2, num_attention_heads, token_dim /
// num_attention_heads]: layer l's keys are block 2 l, its values block 2 l + 1, and head h is the
// h-th slice of each (under grouped-query attention PEFT has already set num_attention_heads to the
// model's key/value heads and token_dim to their width). The prefix of one head is streamed from
// the memory-mapped file.

#include "core/io/safetensors.h"
#include "core/workload/workload.h"

#include <Eigen/Core>
#include <cstdint>
#include <filesystem>
#include <memory>

namespace ntk::core {

struct PeftPrefixConfig {
  std::int64_t virtual_tokens = 0;  ///< m
  std::int64_t layers = 0;
  std::int64_t heads = 0;      ///< key/value heads of the prefix (num_attention_heads)
  std::int64_t token_dim = 0;  ///< heads x head_dim
  std::int64_t head_dim = 0;   ///< token_dim / heads
  bool projection = false;     ///< prefix_projection (already applied in the saved tensor)
  TensorDtype dtype = TensorDtype::f32;
};

class PeftPrefixCheckpoint {
 public:
  /// Reads and checks `folder` (or the path of its adapter_config.json): a prefix-tuning config
  /// whose sizes are consistent, and a "prompt_embeddings" tensor of the shape they give.
  /// Throws std::invalid_argument naming the file, the key or the tensor and what is wrong.
  explicit PeftPrefixCheckpoint(const std::filesystem::path& folder);

  const PeftPrefixConfig& config() const { return m_config; }
  const TensorFile& file() const { return *m_file; }

  /// The prefix of `layer` and key/value `head` (0-based): m keys and values of head_dim columns,
  /// read from the file block by block. The checkpoint must outlive it.
  std::unique_ptr<PrefixSource> prefix(std::int64_t layer, std::int64_t head) const;

 private:
  PeftPrefixConfig m_config;
  std::unique_ptr<TensorFile> m_file;
  const TensorInfo* m_embeddings = nullptr;
};

}  // namespace ntk::core
