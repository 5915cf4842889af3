#pragma once
// Attention inputs captured from a real model, and a saved KV cache, as .safetensors files or
// .npz archives (np.savez, np.savez_compressed; core::TensorFile) with one tensor per layer and role, in the layout of
// a Hugging Face attention module (heads first, then tokens, then the head's dimension; a leading batch dimension of 1
// is allowed):
//   layers.<l>.queries  [heads, n, d]       the queries of the last n tokens, after any rotary
//                                           embedding, before the 1/sqrt(d) scaling
//   layers.<l>.keys     [kv_heads, L, d]    the input's keys (a KV cache's keys: L = its length)
//   layers.<l>.values   [kv_heads, L, d_v]
// Under grouped-query attention kv_heads divides heads and query head h reads key/value head
// h / (heads / kv_heads), as Hugging Face's repeat_kv does. The file is memory-mapped: queries,
// keys and values are read per head, and a KV cache used as a prefix streams block by block.

#include "core/io/safetensors.h"
#include "core/workload/workload.h"

#include <Eigen/Core>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace ntk::core {

/// The sizes of one layer of a capture.
struct CapturedLayer {
  std::int64_t heads = 0, kv_heads = 0;  ///< query heads, key/value heads
  std::int64_t queries = 0;              ///< n (0 in a file of keys and values only)
  std::int64_t tokens = 0;               ///< L
  std::int64_t dim = 0, value_dim = 0;   ///< d, d_v
};

class CapturedAttention {
 public:
  /// Reads and checks `path`: layers 0, 1, ... each with keys and values (and queries unless
  /// `keys_and_values_only`), every shape consistent within its layer. Throws
  /// std::invalid_argument naming the file, the tensor and what is wrong.
  explicit CapturedAttention(const std::filesystem::path& path, bool keys_and_values_only = false);

  const TensorFile& file() const { return *m_file; }
  std::int64_t layers() const { return std::int64_t(m_layers.size()); }
  const CapturedLayer& layer(std::int64_t l) const;
  /// The key/value head that query head `head` of a layer reads (grouped-query attention).
  std::int64_t kv_head(std::int64_t layer, std::int64_t head) const;

  /// n x d, L x d, L x d_v: the arrays of one head (queries: a query head; keys and values: a
  /// key/value head), read from the file.
  Eigen::MatrixXd queries(std::int64_t layer, std::int64_t head) const;
  Eigen::MatrixXd keys(std::int64_t layer, std::int64_t kv_head) const;
  Eigen::MatrixXd values(std::int64_t layer, std::int64_t kv_head) const;

  /// The keys and values of a key/value head as a prefix (a KV cache of L = m tokens), streamed
  /// from the file. This object must outlive it.
  std::unique_ptr<PrefixSource> prefix(std::int64_t layer, std::int64_t kv_head) const;

 private:
  struct Tensors {
    const TensorInfo *queries = nullptr, *keys = nullptr, *values = nullptr;
  };
  Eigen::MatrixXd head_matrix(const TensorInfo& t, std::int64_t head, std::int64_t rows, std::int64_t cols) const;
  void check_head(std::int64_t layer, std::int64_t head, std::int64_t heads) const;

  std::unique_ptr<TensorFile> m_file;
  std::vector<CapturedLayer> m_layers;
  std::vector<Tensors> m_tensors;
};

/// The tensor name of a layer's role ("queries", "keys", "values"): "layers.<l>.<role>".
std::string captured_tensor_name(std::int64_t layer, const char* role);

/// Rows [row0, row0 + rows) x [0, cols) of head `head` of a [heads, tokens, cols] (or
/// [1, heads, tokens, cols]) tensor, into `out`.
void read_head_rows(const TensorFile& file, const TensorInfo& t, std::int64_t head, std::int64_t row0,
                    std::int64_t rows, std::int64_t cols, Eigen::Ref<Eigen::MatrixXd> out);

}  // namespace ntk::core
