// Checkpoints and weight files in the safetensors format
// (https://github.com/huggingface/safetensors), so PyTorch users can open
// what graphc writes (`safetensors.torch.load_file`) and graphc can read
// what they write (`safetensors.torch.save_file`):
//
//   u64 little-endian N | N bytes of JSON header | data section
//   header: {"__metadata__": {"key": "value", ...},
//            "fc1.weight": {"dtype": "F32", "shape": [128, 784],
//                           "data_offsets": [begin, end]}, ...}
//
// Offsets are relative to the data section; the tensors tile it exactly (no
// gap, no overlap, nothing after the last); data is row-major little-endian.
// The reader trusts nothing in a file: every rule above is checked and a
// broken or hostile file is a graphc::Error naming the file and the fault.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ir/dtype.h"

namespace graphc::runtime {

struct NamedTensor {
  std::string name;
  DType dtype = DType::f32;
  std::vector<int64_t> shape;  // static dims, each >= 0; {} is a scalar
  std::vector<uint8_t> bytes;  // numel * dtype_size bytes, row-major, little-endian

  int64_t numel() const;
};

struct SafeTensors {
  std::vector<NamedTensor> tensors;
  std::map<std::string, std::string> metadata;  // "__metadata__"
  std::string source;                           // the file it came from, for messages ("" if built in memory)

  const NamedTensor* find(std::string_view name) const;
  // Throws graphc::Error naming the source and the missing tensor.
  const NamedTensor& at(std::string_view name) const;
};

// The file's bytes. Tensors are laid out as the reference implementation
// lays them out (by dtype alignment, widest first, then by name), and the
// header is padded with spaces to a multiple of 8, so every tensor is
// aligned, equal content gives equal bytes, and a file PyTorch writes for
// the same tensors is byte-for-byte the same (when metadata has at most one
// entry; the reference writes several in hash order). Empty metadata writes
// no "__metadata__" entry. Throws graphc::Error for content that cannot be
// written: duplicate or reserved names, names or metadata that are not
// UTF-8, negative dims, byte counts that do not match dtype and shape.
std::string serialize_safetensors(const SafeTensors& file);
// Writes atomically (temporary file, then rename): the previous file stays
// intact if anything fails.
void save_safetensors(const std::string& path, const SafeTensors& file);

// Tensors come back in data-section order. `source` names the bytes in
// error messages.
SafeTensors parse_safetensors(std::string_view bytes, const std::string& source);
SafeTensors load_safetensors(const std::string& path);

// Typed access, for T in float, double, int32_t, int64_t, uint8_t.
template <typename T>
NamedTensor make_tensor(std::string name, std::vector<int64_t> shape, std::span<const T> values);
// The values of tensor `name`, which must have T's dtype and exactly
// `expected_shape`; otherwise a graphc::Error naming the file, the tensor,
// and what was expected against what was found.
template <typename T>
std::vector<T> tensor_values(const SafeTensors& file, std::string_view name,
                             const std::vector<int64_t>& expected_shape);

}  // namespace graphc::runtime
