// Writing safetensors files: the layout and header text follow the reference
// implementation (safetensors/src/tensor.rs, `prepare`) so that files are
// deterministic and aligned.
#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "ir/error.h"
#include "ir/shape.h"
#include "runtime/checkpoint/safetensors.h"
#include "runtime/checkpoint/safetensors_format.h"
#include "runtime/file_io.h"

namespace graphc::runtime {

namespace {

namespace fmt = safetensors_format;

// Widest dtype first, then by name: every tensor starts at a multiple of
// its element size once the header is padded to a multiple of 8.
std::vector<const NamedTensor*> layout_order(const SafeTensors& file) {
  std::vector<const NamedTensor*> order;
  for (const NamedTensor& t : file.tensors) order.push_back(&t);
  std::sort(order.begin(), order.end(), [](const NamedTensor* a, const NamedTensor* b) {
    int ra = fmt::layout_rank(a->dtype), rb = fmt::layout_rank(b->dtype);
    if (ra != rb) return ra > rb;
    return a->name < b->name;
  });
  return order;
}

void check_writable(const NamedTensor& t) {
  if (t.name == fmt::kMetadataKey) throw Error(cat("tensor name '", t.name, "' is reserved by safetensors"));
  for (int64_t d : t.shape)
    if (d < 0) throw Error(cat("tensor '", t.name, "' has negative dimension ", d, " (shapes must be static)"));
  std::optional<uint64_t> want = fmt::byte_count(t.dtype, t.shape);
  if (!want || t.bytes.size() != *want)
    throw Error(cat("tensor '", t.name, "' has ", t.bytes.size(), " bytes; ", fmt::safetensors_dtype_name(t.dtype), " ",
                    dims_str(t.shape), " needs ", want ? std::to_string(*want) : "more than 2^64"));
}

std::string header_text(const SafeTensors& file, const std::vector<const NamedTensor*>& order) {
  // ordered_json keeps insertion order: "__metadata__" first, then the
  // tensors in data order, each as {"dtype", "shape", "data_offsets"}.
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!file.metadata.empty()) {
    nlohmann::ordered_json metadata = nlohmann::ordered_json::object();
    for (const auto& [key, value] : file.metadata) metadata[key] = value;
    header[std::string(fmt::kMetadataKey)] = std::move(metadata);
  }
  uint64_t offset = 0;
  for (const NamedTensor* t : order) {
    nlohmann::ordered_json info = nlohmann::ordered_json::object();
    info["dtype"] = fmt::safetensors_dtype_name(t->dtype);
    info["shape"] = t->shape;
    info["data_offsets"] = {offset, offset + t->bytes.size()};
    offset += t->bytes.size();
    header[t->name] = std::move(info);
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const nlohmann::json::exception& e) {
    throw Error(
        cat("cannot write a safetensors header: a tensor name or metadata entry is not UTF-8 (", e.what(), ")"));
  }
  text.append((8 - text.size() % 8) % 8, ' ');
  return text;
}

}  // namespace

std::string serialize_safetensors(const SafeTensors& file) {
  std::set<std::string_view> names;
  for (const NamedTensor& t : file.tensors) {
    check_writable(t);
    if (!names.insert(t.name).second) throw Error(cat("tensor '", t.name, "' appears twice"));
  }
  std::vector<const NamedTensor*> order = layout_order(file);
  std::string header = header_text(file, order);

  size_t data_bytes = 0;
  for (const NamedTensor* t : order) data_bytes += t->bytes.size();
  std::string out;
  out.reserve(8 + header.size() + data_bytes);
  uint64_t header_len = header.size();
  for (int byte = 0; byte < 8; ++byte) out.push_back(static_cast<char>((header_len >> (8 * byte)) & 0xff));
  out += header;
  for (const NamedTensor* t : order) out.append(reinterpret_cast<const char*>(t->bytes.data()), t->bytes.size());
  return out;
}

void save_safetensors(const std::string& path, const SafeTensors& file) {
  std::string bytes;
  try {
    bytes = serialize_safetensors(file);
  } catch (const Error& e) {
    throw Error(cat("cannot save ", path, ": ", e.what()));
  }
  write_file_atomic(path, bytes);
}

}  // namespace graphc::runtime
