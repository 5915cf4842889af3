#include "core/io/captured_attention.h"

#include <stdexcept>
#include <string>

namespace ntk::core {
namespace {

// [heads, tokens, cols] or [1, heads, tokens, cols]: {heads, tokens, cols}; else throws.
struct HeadShape {
  std::int64_t heads = 0, tokens = 0, cols = 0;
};

HeadShape head_shape(const TensorFile& file, const TensorInfo& t) {
  const auto& s = t.shape;
  if (s.size() == 3) return {s[0], s[1], s[2]};
  if (s.size() == 4 && s[0] == 1) return {s[1], s[2], s[3]};
  throw std::invalid_argument("tensor '" + t.name + "' of " + file.path().string() + " has shape " + shape_text(s) +
                              "; a captured tensor is [heads, tokens, head_dim] (or [1, heads, tokens, head_dim], "
                              "a batch of one)");
}

// One key/value head's keys and values, streamed.
class CachePrefix final : public PrefixSource {
 public:
  CachePrefix(const TensorFile& file, const TensorInfo& keys, const TensorInfo& values, std::int64_t head,
              const CapturedLayer& sizes)
      : m_file(file), m_keys(keys), m_values(values), m_head(head), m_sizes(sizes) {}
  Eigen::Index rows() const override { return m_sizes.tokens; }
  Eigen::Index dim() const override { return m_sizes.dim; }
  Eigen::Index value_dim() const override { return m_sizes.value_dim; }
  PrefixRows block(Eigen::Index begin, Eigen::Index count, PrefixScratch& scratch) const override {
    scratch.KP.resize(count, m_sizes.dim);
    scratch.VP.resize(count, m_sizes.value_dim);
    read_head_rows(m_file, m_keys, m_head, begin, count, m_sizes.dim, scratch.KP);
    read_head_rows(m_file, m_values, m_head, begin, count, m_sizes.value_dim, scratch.VP);
    return {scratch.KP, scratch.VP};
  }

 private:
  const TensorFile& m_file;
  const TensorInfo &m_keys, &m_values;
  std::int64_t m_head;
  CapturedLayer m_sizes;
};

}  // namespace

std::string captured_tensor_name(std::int64_t layer, const char* role) {
  return "layers." + std::to_string(layer) + "." + role;
}

void read_head_rows(const TensorFile& file, const TensorInfo& t, std::int64_t head, std::int64_t row0,
                    std::int64_t rows, std::int64_t cols, Eigen::Ref<Eigen::MatrixXd> out) {
  const HeadShape s = head_shape(file, t);
  if (head < 0 || head >= s.heads || row0 < 0 || rows < 0 || row0 + rows > s.tokens || cols != s.cols)
    throw std::invalid_argument("rows " + std::to_string(row0) + " to " + std::to_string(row0 + rows) + " of head " +
                                std::to_string(head) + " are outside tensor '" + t.name + "' " + shape_text(t.shape));
  // As read() sees the tensor: row `head` of [heads, tokens * cols], or the one row of a batch.
  const bool batched = t.shape.size() == 4;
  const std::int64_t row = batched ? 0 : head;
  const std::int64_t first = (batched ? head * s.tokens * s.cols : 0) + row0 * s.cols;
  Eigen::MatrixXd flat(1, rows * cols);
  file.read(t, row, 1, first, rows * cols, flat);
  out =
      Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(flat.data(), rows, cols);
}

CapturedAttention::CapturedAttention(const std::filesystem::path& path, bool keys_and_values_only)
    : m_file(std::make_unique<TensorFile>(path)) {
  const std::string file = path.string();
  for (std::int64_t l = 0; m_file->has(captured_tensor_name(l, "keys")); ++l) {
    Tensors t;
    t.keys = &m_file->tensor(captured_tensor_name(l, "keys"));
    t.values = &m_file->tensor(captured_tensor_name(l, "values"));
    const HeadShape k = head_shape(*m_file, *t.keys), v = head_shape(*m_file, *t.values);
    CapturedLayer sizes{0, k.heads, 0, k.tokens, k.cols, v.cols};
    if (v.heads != k.heads || v.tokens != k.tokens)
      throw std::invalid_argument(file + ": '" + t.values->name + "' " + shape_text(t.values->shape) + " and '" +
                                  t.keys->name + "' " + shape_text(t.keys->shape) +
                                  " must have the same heads and tokens");
    if (!keys_and_values_only) {
      t.queries = &m_file->tensor(captured_tensor_name(l, "queries"));
      const HeadShape q = head_shape(*m_file, *t.queries);
      sizes.heads = q.heads;
      sizes.queries = q.tokens;
      if (q.cols != k.cols)
        throw std::invalid_argument(file + ": '" + t.queries->name + "' " + shape_text(t.queries->shape) + " and '" +
                                    t.keys->name + "' " + shape_text(t.keys->shape) +
                                    " must have the same head dimension");
      if (q.heads % k.heads != 0)
        throw std::invalid_argument(file + ": layer " + std::to_string(l) + " has " + std::to_string(q.heads) +
                                    " query heads and " + std::to_string(k.heads) +
                                    " key/value heads; grouped-query attention needs the second to divide the first");
    }
    m_layers.push_back(sizes);
    m_tensors.push_back(t);
  }
  if (m_layers.empty())
    throw std::invalid_argument(file + " has no tensor '" + captured_tensor_name(0, "keys") +
                                "': a capture holds layers.<l>.queries, layers.<l>.keys and layers.<l>.values for "
                                "l = 0, 1, ... (docs/real-models.md)");
}

const CapturedLayer& CapturedAttention::layer(std::int64_t l) const {
  if (l < 0 || l >= layers())
    throw std::invalid_argument(m_file->path().string() + " has layers 0 to " + std::to_string(layers() - 1) +
                                " (got " + std::to_string(l) + ")");
  return m_layers[std::size_t(l)];
}

void CapturedAttention::check_head(std::int64_t l, std::int64_t head, std::int64_t heads) const {
  if (head < 0 || head >= heads)
    throw std::invalid_argument("layer " + std::to_string(l) + " of " + m_file->path().string() + " has heads 0 to " +
                                std::to_string(heads - 1) + " (got " + std::to_string(head) + ")");
}

std::int64_t CapturedAttention::kv_head(std::int64_t l, std::int64_t head) const {
  const CapturedLayer& s = layer(l);
  check_head(l, head, s.heads);
  return head / (s.heads / s.kv_heads);
}

Eigen::MatrixXd CapturedAttention::head_matrix(const TensorInfo& t, std::int64_t head, std::int64_t rows,
                                               std::int64_t cols) const {
  Eigen::MatrixXd out(rows, cols);
  read_head_rows(*m_file, t, head, 0, rows, cols, out);
  return out;
}

Eigen::MatrixXd CapturedAttention::queries(std::int64_t l, std::int64_t head) const {
  const CapturedLayer& s = layer(l);
  const TensorInfo* t = m_tensors[std::size_t(l)].queries;
  if (!t) throw std::invalid_argument(m_file->path().string() + " was read as keys and values only");
  check_head(l, head, s.heads);
  return head_matrix(*t, head, s.queries, s.dim);
}

Eigen::MatrixXd CapturedAttention::keys(std::int64_t l, std::int64_t g) const {
  const CapturedLayer& s = layer(l);
  check_head(l, g, s.kv_heads);
  return head_matrix(*m_tensors[std::size_t(l)].keys, g, s.tokens, s.dim);
}

Eigen::MatrixXd CapturedAttention::values(std::int64_t l, std::int64_t g) const {
  const CapturedLayer& s = layer(l);
  check_head(l, g, s.kv_heads);
  return head_matrix(*m_tensors[std::size_t(l)].values, g, s.tokens, s.value_dim);
}

std::unique_ptr<PrefixSource> CapturedAttention::prefix(std::int64_t l, std::int64_t g) const {
  const CapturedLayer& s = layer(l);
  check_head(l, g, s.kv_heads);
  const Tensors& t = m_tensors[std::size_t(l)];
  return std::make_unique<CachePrefix>(*m_file, *t.keys, *t.values, g, s);
}

}  // namespace ntk::core
