// The trainers' embedded CUDA module: compressed at graphc time, expanded to
// the same bytes when --device cuda loads it; a damaged blob is an error
// that says so, and bytes that were never compressed pass as they are.
#include <gtest/gtest.h>

#include <string>

#include "ir/error.h"
#include "runtime/embedded_blob.h"

namespace graphc::runtime {
namespace {

std::string sample_bytes() {
  std::string s;
  for (int i = 0; i < 100000; ++i) s += static_cast<char>((i * 7919) % 251);
  s += std::string(50000, '\0');  // a cubin's zero padding, a PTX's repeated lines
  return s;
}

TEST(EmbeddedBlob, ExpandsToTheBytesItCompressed) {
  const std::string bytes = sample_bytes();
  const std::string blob = compress_blob(bytes);
  EXPECT_LT(blob.size(), bytes.size());
  EXPECT_EQ(blob.substr(0, 8), "GRAPHCZ1");
  EXPECT_EQ(expand_blob(blob, "the cubin"), bytes);
  EXPECT_EQ(expand_blob(compress_blob(""), "the PTX"), "");
}

TEST(EmbeddedBlob, UncompressedBytesPassAsTheyAre) {
  EXPECT_EQ(expand_blob("graphc-host-module:/tmp/kernels.so", "the cubin"), "graphc-host-module:/tmp/kernels.so");
  EXPECT_EQ(expand_blob("", "the cubin"), "");
}

TEST(EmbeddedBlob, ADamagedBlobIsAnErrorNamingIt) {
  std::string blob = compress_blob(sample_bytes());
  blob[blob.size() / 2] ^= 0x5a;
  try {
    expand_blob(blob, "the trainer's embedded cubin");
    ADD_FAILURE() << "a damaged blob expanded";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("the trainer's embedded cubin is damaged"), std::string::npos) << e.what();
  }
  blob = compress_blob(sample_bytes());
  blob.resize(blob.size() - 10);
  EXPECT_THROW(expand_blob(blob, "the PTX"), Error);
}

}  // namespace
}  // namespace graphc::runtime
