// Writing and reading back safetensors content: every dtype, scalars, empty
// tensors, metadata; deterministic bytes; typed access and its errors; what
// the writer refuses.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <functional>

#include "ir/error.h"
#include "runtime/checkpoint/safetensors.h"

namespace graphc::runtime {
namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

NamedTensor raw_tensor(std::string name, DType dtype, std::vector<int64_t> shape, std::vector<uint8_t> bytes) {
  return NamedTensor{std::move(name), dtype, std::move(shape), std::move(bytes)};
}

SafeTensors sample() {
  SafeTensors file;
  file.tensors.push_back(
      make_tensor<float>("fc1.weight", {2, 3}, std::vector<float>{1.5f, -2, 0, 1e-30f, 3e38f, -0.0f}));
  file.tensors.push_back(make_tensor<double>("running_var", {2}, std::vector<double>{0.1, 1e300}));
  file.tensors.push_back(make_tensor<int32_t>("labels", {4}, std::vector<int32_t>{0, -1, 2147483647, 9}));
  file.tensors.push_back(make_tensor<int64_t>("step", {}, std::vector<int64_t>{int64_t{1} << 40}));
  file.tensors.push_back(make_tensor<uint8_t>("pixels", {1, 3}, std::vector<uint8_t>{0, 128, 255}));
  file.tensors.push_back(raw_tensor("mask", DType::boolean, {2}, {1, 0}));
  file.tensors.push_back(raw_tensor("half", DType::f16, {1}, {0x00, 0x3c}));             // 1.0
  file.tensors.push_back(raw_tensor("brain", DType::bf16, {2}, {0x80, 0x3f, 0, 0xc0}));  // 1.0, -2.0
  file.tensors.push_back(make_tensor<float>("empty", {0, 3}, std::vector<float>{}));
  file.metadata = {{"epoch", "3"}, {"graph_hash", "9f2c"}, {"note", "quote \" and \n newline"}};
  return file;
}

void expect_same_content(const SafeTensors& a, const SafeTensors& b) {
  EXPECT_EQ(a.metadata, b.metadata);
  ASSERT_EQ(a.tensors.size(), b.tensors.size());
  for (const NamedTensor& t : a.tensors) {
    const NamedTensor* u = b.find(t.name);
    ASSERT_NE(u, nullptr) << t.name;
    EXPECT_EQ(u->dtype, t.dtype) << t.name;
    EXPECT_EQ(u->shape, t.shape) << t.name;
    EXPECT_EQ(u->bytes, t.bytes) << t.name;
  }
}

TEST(SafetensorsRoundTrip, EveryDtypeScalarsEmptyTensorsAndMetadata) {
  SafeTensors file = sample();
  SafeTensors back = parse_safetensors(serialize_safetensors(file), "sample");
  expect_same_content(file, back);
  EXPECT_EQ(back.source, "sample");
  EXPECT_EQ(tensor_values<double>(back, "running_var", {2}), (std::vector<double>{0.1, 1e300}));
  EXPECT_EQ(tensor_values<int64_t>(back, "step", {}), std::vector<int64_t>{int64_t{1} << 40});
  EXPECT_TRUE(tensor_values<float>(back, "empty", {0, 3}).empty());
}

TEST(SafetensorsRoundTrip, EmptyMetadataAndNoTensors) {
  SafeTensors file;
  file.tensors.push_back(make_tensor<float>("w", {1}, std::vector<float>{2}));
  std::string bytes = serialize_safetensors(file);
  EXPECT_EQ(bytes.find("__metadata__"), std::string::npos);  // as the reference writes metadata=None
  expect_same_content(file, parse_safetensors(bytes, "w"));
  expect_same_content(SafeTensors{}, parse_safetensors(serialize_safetensors(SafeTensors{}), "none"));
}

TEST(SafetensorsRoundTrip, SameContentGivesSameBytesWhateverTheOrder) {
  SafeTensors file = sample();
  std::string bytes = serialize_safetensors(file);
  std::reverse(file.tensors.begin(), file.tensors.end());
  EXPECT_EQ(serialize_safetensors(file), bytes);
  EXPECT_EQ(serialize_safetensors(parse_safetensors(bytes, "again")), bytes);
}

TEST(SafetensorsRoundTrip, EveryTensorIsAlignedToItsElementSize) {
  std::string bytes = serialize_safetensors(sample());
  uint64_t header_len = 0;
  for (int byte = 7; byte >= 0; --byte) header_len = (header_len << 8) | static_cast<uint8_t>(bytes[byte]);
  EXPECT_EQ(header_len % 8, 0u);
  // Wider dtypes first: every tensor begins at a multiple of its size.
  SafeTensors back = parse_safetensors(bytes, "aligned");
  uint64_t offset = 0;
  for (const NamedTensor& t : back.tensors) {
    EXPECT_EQ(offset % dtype_size(t.dtype), 0u) << t.name;
    offset += t.bytes.size();
  }
}

TEST(SafetensorsRoundTrip, SaveAndLoadThroughAFile) {
  std::string path =
      (std::filesystem::temp_directory_path() / ("graphc_safetensors_" + std::to_string(getpid()) + ".safetensors"))
          .string();
  save_safetensors(path, sample());
  SafeTensors back = load_safetensors(path);
  expect_same_content(sample(), back);
  EXPECT_EQ(back.source, path);
  std::filesystem::remove(path);
  EXPECT_NE(error_of([&] { load_safetensors(path); }).find("cannot open " + path), std::string::npos);
}

TEST(SafetensorsAccess, MissingNameWrongDtypeOrShapeAreNamed) {
  SafeTensors file = parse_safetensors(serialize_safetensors(sample()), "ckpt.safetensors");
  EXPECT_EQ(error_of([&] {
              tensor_values<float>(file, "fc2.weight", {2, 3});
            }),
            "ckpt.safetensors: no tensor named 'fc2.weight' (it has 9 tensors)");
  EXPECT_EQ(error_of([&] { tensor_values<float>(file, "running_var", {2}); }),
            "ckpt.safetensors: tensor 'running_var' is F64 [2], expected F32 [2]");
  EXPECT_EQ(error_of([&] {
              tensor_values<float>(file, "fc1.weight", {3, 2});
            }),
            "ckpt.safetensors: tensor 'fc1.weight' is F32 [2,3], expected F32 [3,2]");
  EXPECT_EQ(error_of([&] { tensor_values<int64_t>(file, "step", {1}); }),
            "ckpt.safetensors: tensor 'step' is I64 [], expected I64 [1]");
  EXPECT_EQ(tensor_values<float>(file, "fc1.weight", {2, 3}), (std::vector<float>{1.5f, -2, 0, 1e-30f, 3e38f, -0.0f}));
}

TEST(SafetensorsWriter, RefusesContentThatCannotBeWritten) {
  SafeTensors twice;
  twice.tensors.push_back(make_tensor<float>("w", {1}, std::vector<float>{1}));
  twice.tensors.push_back(make_tensor<float>("w", {1}, std::vector<float>{2}));
  EXPECT_EQ(error_of([&] { serialize_safetensors(twice); }), "tensor 'w' appears twice");

  SafeTensors reserved;
  reserved.tensors.push_back(make_tensor<float>("__metadata__", {1}, std::vector<float>{1}));
  EXPECT_EQ(error_of([&] { serialize_safetensors(reserved); }),
            "tensor name '__metadata__' is reserved by safetensors");

  SafeTensors short_bytes;
  short_bytes.tensors.push_back(raw_tensor("w", DType::f32, {2, 2}, std::vector<uint8_t>(12)));
  EXPECT_EQ(error_of([&] { serialize_safetensors(short_bytes); }), "tensor 'w' has 12 bytes; F32 [2,2] needs 16");

  SafeTensors batch;
  batch.tensors.push_back(raw_tensor("x", DType::f32, {-1, 2}, {}));
  EXPECT_EQ(error_of([&] { serialize_safetensors(batch); }),
            "tensor 'x' has negative dimension -1 (shapes must be static)");

  SafeTensors bad_utf8;
  bad_utf8.metadata["k"] = "\xff\xfe";
  EXPECT_NE(error_of([&] { serialize_safetensors(bad_utf8); }).find("not UTF-8"), std::string::npos);

  EXPECT_EQ(error_of([&] { save_safetensors("/nonexistent/x.safetensors", twice); }),
            "cannot save /nonexistent/x.safetensors: tensor 'w' appears twice");
}

}  // namespace
}  // namespace graphc::runtime
