// The bytes of a safetensors file, checked against the format by hand and
// against files written by the reference implementation (the byte vectors
// of safetensors/src/tensor.rs's own tests, and a header laid out as
// `safetensors.torch.save_file` lays it out).
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "runtime/checkpoint/safetensors.h"

namespace graphc::runtime {
namespace {

std::string bytes_of(const std::vector<int>& values) {
  std::string s;
  for (int v : values) s.push_back(static_cast<char>(v));
  return s;
}

// u64 little-endian length, header, data.
std::string file_of(const std::string& header, const std::string& data) {
  std::string out;
  for (int byte = 0; byte < 8; ++byte) out.push_back(static_cast<char>((header.size() >> (8 * byte)) & 0xff));
  return out + header + data;
}

template <typename T>
std::string raw(const std::vector<T>& values) {
  return std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T));
}

TEST(SafetensorsLayout, TwoTensorsByHand) {
  SafeTensors file;
  file.tensors.push_back(make_tensor<float>("b", {2}, std::vector<float>{1.0f, 2.0f}));
  file.tensors.push_back(make_tensor<int64_t>("a", {}, std::vector<int64_t>{7}));
  std::string bytes = serialize_safetensors(file);

  // I64 comes before F32 (wider first), so "a" holds bytes 0..8, "b" 8..16.
  std::string header =
      R"({"a":{"dtype":"I64","shape":[],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})";
  ASSERT_EQ(header.size(), 107u);  // padded with 5 spaces to 112, a multiple of 8
  ASSERT_EQ(bytes.size(), 8u + 112u + 16u);
  EXPECT_EQ(bytes.substr(0, 8), bytes_of({112, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(bytes.substr(8, 112), header + "     ");
  // 7 as i64, then 1.0f = 0x3f800000 and 2.0f = 0x40000000, little-endian.
  EXPECT_EQ(bytes.substr(120), bytes_of({7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80, 0x3f, 0, 0, 0, 0x40}));
}

TEST(SafetensorsLayout, MatchesTheReferenceImplementationsTestVectors) {
  std::vector<float> values{0, 1, 2, 3, 4, 5};
  // safetensors tensor.rs test_serialization: "attn.0" F32 [1,2,3]; the
  // 64-byte header needs no padding.
  SafeTensors attn;
  attn.tensors.push_back(make_tensor<float>("attn.0", {1, 2, 3}, values));
  std::string expected = bytes_of(
      {64,  0,  0,   0,  0,   0,  0,   0,   123, 34,  97,  116, 116, 110, 46,  48, 34, 58, 123, 34, 100, 116, 121, 112,
       101, 34, 58,  34, 70,  51, 50,  34,  44,  34,  115, 104, 97,  112, 101, 34, 58, 91, 49,  44, 50,  44,  51,  93,
       44,  34, 100, 97, 116, 97, 95,  111, 102, 102, 115, 101, 116, 115, 34,  58, 91, 48, 44,  50, 52,  93,  125, 125,
       0,   0,  0,   0,  0,   0,  128, 63,  0,   0,   0,   64,  0,   0,   64,  64, 0,  0,  128, 64, 0,   0,   160, 64});
  EXPECT_EQ(serialize_safetensors(attn), expected);

  // test_serialization_forced_alignement: "attn0" F32 [1,1,2,3]; the header
  // is padded with 7 spaces so the f32 data starts 8-aligned.
  SafeTensors attn0;
  attn0.tensors.push_back(make_tensor<float>("attn0", {1, 1, 2, 3}, values));
  std::string expected0 =
      bytes_of({72,  0,   0,   0,  0,  0,  0,  0,  123, 34,  97, 116, 116, 110, 48,  34,  58,  123, 34,  100, 116,
                121, 112, 101, 34, 58, 34, 70, 51, 50,  34,  44, 34,  115, 104, 97,  112, 101, 34,  58,  91,  49,
                44,  49,  44,  50, 44, 51, 93, 44, 34,  100, 97, 116, 97,  95,  111, 102, 102, 115, 101, 116, 115,
                34,  58,  91,  48, 44, 50, 52, 93, 125, 125, 32, 32,  32,  32,  32,  32,  32,  0,   0,   0,   0,
                0,   0,   128, 63, 0,  0,  0,  64, 0,   0,   64, 64,  0,   0,   128, 64,  0,   0,   160, 64});
  EXPECT_EQ(serialize_safetensors(attn0), expected0);

  // test_empty: no tensors, with and without metadata.
  EXPECT_EQ(serialize_safetensors(SafeTensors{}), bytes_of({8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32}));
  SafeTensors framework;
  framework.metadata["framework"] = "pt";
  std::string expected_meta = bytes_of({40,  0,   0,   0,  0,  0,  0,   0,   123, 34,  95,  95,  109, 101, 116, 97,
                                        100, 97,  116, 97, 95, 95, 34,  58,  123, 34,  102, 114, 97,  109, 101, 119,
                                        111, 114, 107, 34, 58, 34, 112, 116, 34,  125, 125, 32,  32,  32,  32,  32});
  EXPECT_EQ(serialize_safetensors(framework), expected_meta);

  // And the reader takes each of them back (the padding spaces included).
  for (const std::string& bytes : {expected, expected0}) {
    SafeTensors back = parse_safetensors(bytes, "reference.safetensors");
    ASSERT_EQ(back.tensors.size(), 1u);
    EXPECT_EQ(back.tensors[0].bytes.size(), 24u);
    EXPECT_EQ(back.tensors[0].numel(), 6);
  }
  EXPECT_EQ(parse_safetensors(expected_meta, "m").metadata, (std::map<std::string, std::string>{{"framework", "pt"}}));
}

// A state_dict as `safetensors.torch.save_file(sd, path, metadata={"format":
// "pt"})` writes it: "__metadata__" first, tensors by decreasing dtype
// alignment then by name, header padded with spaces to a multiple of 8.
TEST(SafetensorsLayout, ReadsAFileLaidOutLikeTorchSaveFile) {
  std::string header = R"({"__metadata__":{"format":"pt"},)"
                       R"("bn.num_batches_tracked":{"dtype":"I64","shape":[],"data_offsets":[0,8]},)"
                       R"("fc.bias":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},)"
                       R"("fc.weight":{"dtype":"F32","shape":[2,3],"data_offsets":[16,40]},)"
                       R"("mask":{"dtype":"BOOL","shape":[3],"data_offsets":[40,43]}})";
  header.append((8 - header.size() % 8) % 8, ' ');
  ASSERT_EQ(header.size() % 8, 0u);
  std::string data = raw(std::vector<int64_t>{12}) + raw(std::vector<float>{0.5f, -0.5f}) +
                     raw(std::vector<float>{1, 2, 3, 4, 5, 6}) + bytes_of({1, 0, 1});
  std::string bytes = file_of(header, data);

  SafeTensors file = parse_safetensors(bytes, "torch.safetensors");
  EXPECT_EQ(file.metadata, (std::map<std::string, std::string>{{"format", "pt"}}));
  ASSERT_EQ(file.tensors.size(), 4u);
  EXPECT_EQ(file.tensors[0].name, "bn.num_batches_tracked");  // data order
  EXPECT_EQ(tensor_values<int64_t>(file, "bn.num_batches_tracked", {}), std::vector<int64_t>{12});
  EXPECT_EQ(tensor_values<float>(file, "fc.bias", {2}), (std::vector<float>{0.5f, -0.5f}));
  EXPECT_EQ(tensor_values<float>(file, "fc.weight", {2, 3}), (std::vector<float>{1, 2, 3, 4, 5, 6}));
  const NamedTensor& mask = file.at("mask");
  EXPECT_EQ(mask.dtype, DType::boolean);
  EXPECT_EQ(mask.bytes, (std::vector<uint8_t>{1, 0, 1}));

  // Written back, the same content gives the same bytes.
  EXPECT_EQ(serialize_safetensors(file), bytes);
}

}  // namespace
}  // namespace graphc::runtime
