// Reading safetensors files that may be truncated, corrupt or hostile: the
// header length is bounded before anything is allocated, the header is
// parsed strictly (duplicate keys are errors, not "last one wins"), and the
// tensors must tile the data section exactly, as the reference reader
// requires (safetensors/src/tensor.rs, `validate`).
#include <algorithm>
#include <limits>
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
using nlohmann::json;

// Where a tensor's bytes are, before they are copied out.
struct TensorEntry {
  NamedTensor tensor;  // bytes still empty
  uint64_t begin = 0;
  uint64_t end = 0;
};

class Reader {
 public:
  Reader(std::string_view bytes, const std::string& source) : bytes_(bytes), source_(source) {}

  SafeTensors read() {
    uint64_t header_len = read_header_length();
    json header = parse_header(bytes_.substr(8, header_len));
    std::string_view data = bytes_.substr(8 + header_len);

    SafeTensors file;
    file.source = source_;
    std::vector<TensorEntry> entries;
    for (const auto& [key, value] : header.items()) {
      if (key == fmt::kMetadataKey)
        file.metadata = read_metadata(value);
      else
        entries.push_back(read_entry(key, value, data.size()));
    }
    check_tiling(entries, data.size());
    for (TensorEntry& e : entries) {
      const auto* first = reinterpret_cast<const uint8_t*>(data.data() + e.begin);
      e.tensor.bytes.assign(first, first + (e.end - e.begin));
      file.tensors.push_back(std::move(e.tensor));
    }
    return file;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const { throw Error(cat(source_, ": ", what)); }

  uint64_t read_header_length() const {
    if (bytes_.size() < 8)
      fail(cat("too short for a safetensors file (", bytes_.size(), " bytes; the header length alone takes 8)"));
    uint64_t n = 0;
    for (int byte = 7; byte >= 0; --byte) n = (n << 8) | static_cast<uint8_t>(bytes_[static_cast<size_t>(byte)]);
    if (n > fmt::kMaxHeaderBytes)
      fail(cat("header length ", n, " is absurd (the limit is ", fmt::kMaxHeaderBytes,
               " bytes); not a safetensors file?"));
    if (n > bytes_.size() - 8)
      fail(
          cat("header length ", n, " is larger than the rest of the file (", bytes_.size() - 8, " bytes); truncated?"));
    return n;
  }

  json parse_header(std::string_view text) const {
    // nlohmann keeps the last of two equal keys silently; a stack of the
    // keys seen in each open object catches them instead.
    std::vector<std::set<std::string>> open_objects;
    std::string duplicate;
    int duplicate_depth = 0;
    auto watch_keys = [&](int depth, json::parse_event_t event, json& parsed) {
      if (event == json::parse_event_t::object_start) open_objects.emplace_back();
      if (event == json::parse_event_t::object_end) open_objects.pop_back();
      if (event == json::parse_event_t::key && duplicate.empty() &&
          !open_objects.back().insert(parsed.get<std::string>()).second) {
        duplicate = parsed.get<std::string>();
        duplicate_depth = depth;
      }
      return true;
    };
    json header;
    try {
      header = json::parse(text.begin(), text.end(), watch_keys);
    } catch (const json::parse_error& e) {
      fail(cat("header is not valid JSON (", e.what(), ")"));
    }
    if (!duplicate.empty()) {
      if (duplicate_depth == 1) fail(cat("tensor '", duplicate, "' appears twice in the header"));
      fail(cat("key '", duplicate, "' appears twice in one object of the header"));
    }
    if (!header.is_object()) fail(cat("header is JSON but not an object (it is ", header.type_name(), ")"));
    return header;
  }

  std::map<std::string, std::string> read_metadata(const json& value) const {
    if (!value.is_object()) fail(cat(fmt::kMetadataKey, " is not an object (it is ", value.type_name(), ")"));
    std::map<std::string, std::string> metadata;
    for (const auto& [key, v] : value.items()) {
      if (!v.is_string())
        fail(cat(fmt::kMetadataKey, " entry '", key, "' is not a string (it is ", v.type_name(), ")"));
      metadata[key] = v.get<std::string>();
    }
    return metadata;
  }

  TensorEntry read_entry(const std::string& name, const json& info, uint64_t data_size) const {
    std::string where = cat("tensor '", name, "'");
    if (!info.is_object()) fail(cat(where, " is described by a JSON ", info.type_name(), ", not an object"));
    for (const auto& [key, v] : info.items())
      if (key != "dtype" && key != "shape" && key != "data_offsets") fail(cat(where, " has unknown field '", key, "'"));
    for (const char* key : {"dtype", "shape", "data_offsets"})
      if (!info.contains(key)) fail(cat(where, " has no '", key, "'"));

    TensorEntry e;
    e.tensor.name = name;
    const json& dtype = info["dtype"];
    if (!dtype.is_string()) fail(cat(where, " has a dtype that is not a string"));
    std::optional<DType> parsed = fmt::parse_safetensors_dtype(dtype.get<std::string>());
    if (!parsed)
      fail(cat(where, " has dtype '", dtype.get<std::string>(),
               "', not one graphc reads (F32, F64, F16, BF16, I32, I64, U8, BOOL)"));
    e.tensor.dtype = *parsed;

    const json& shape = info["shape"];
    if (!shape.is_array()) fail(cat(where, " has a shape that is not a list"));
    for (const json& d : shape) {
      if (!d.is_number_unsigned() || d.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        fail(cat(where, " has shape ", shape.dump(), "; dimensions must be integers >= 0"));
      e.tensor.shape.push_back(d.get<int64_t>());
    }

    const json& offsets = info["data_offsets"];
    if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
        !offsets[1].is_number_unsigned())
      fail(cat(where, " has data_offsets ", offsets.dump(), "; expected [begin, end] with integers >= 0"));
    e.begin = offsets[0].get<uint64_t>();
    e.end = offsets[1].get<uint64_t>();
    if (e.begin > e.end) fail(cat(where, " has data_offsets ", offsets.dump(), " that end before they begin"));
    if (e.end > data_size)
      fail(cat(where, " has data_offsets ", offsets.dump(), " past the end of the data section (", data_size,
               " bytes)"));

    std::optional<uint64_t> want = fmt::byte_count(e.tensor.dtype, e.tensor.shape);
    if (!want) fail(cat(where, " has shape ", dims_str(e.tensor.shape), " whose byte count overflows 64 bits"));
    if (*want != e.end - e.begin)
      fail(cat(where, ": ", dtype.get<std::string>(), " ", dims_str(e.tensor.shape), " needs ", *want,
               " bytes but data_offsets ", offsets.dump(), " hold ", e.end - e.begin));
    return e;
  }

  // Sorted by offset, each tensor must begin where the previous one ends,
  // the first at 0 and the last ending at the end of the file.
  void check_tiling(std::vector<TensorEntry>& entries, uint64_t data_size) const {
    std::sort(entries.begin(), entries.end(), [](const TensorEntry& a, const TensorEntry& b) {
      return std::tie(a.begin, a.end) < std::tie(b.begin, b.end);
    });
    uint64_t covered = 0;
    const std::string* previous = nullptr;
    for (const TensorEntry& e : entries) {
      const std::string& name = e.tensor.name;
      if (e.begin < covered)
        fail(cat("tensor '", name, "' (bytes ", e.begin, "..", e.end, ") overlaps tensor '", *previous, "'"));
      if (e.begin > covered && previous)
        fail(cat("gap of ", e.begin - covered, " unused bytes between tensor '", *previous, "' and tensor '", name,
                 "'"));
      if (e.begin > covered)
        fail(cat("gap of ", e.begin, " unused bytes at the start of the data section, before tensor '", name, "'"));
      covered = e.end;
      previous = &name;
    }
    if (covered != data_size)
      fail(cat(data_size - covered, " trailing bytes after the last tensor (the data section has ", data_size,
               " bytes, the tensors cover ", covered, ")"));
  }

  std::string_view bytes_;
  const std::string& source_;
};

}  // namespace

SafeTensors parse_safetensors(std::string_view bytes, const std::string& source) {
  return Reader(bytes, source).read();
}

SafeTensors load_safetensors(const std::string& path) { return parse_safetensors(read_file(path), path); }

}  // namespace graphc::runtime
