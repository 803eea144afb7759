// Broken and hostile safetensors files, each crafted byte by byte: the
// reader must refuse every one with a message that names the file and the
// fault, and never read outside the bytes it was given.
#include <gtest/gtest.h>

#include <string>

#include "ir/error.h"
#include "runtime/checkpoint/safetensors.h"

namespace graphc::runtime {
namespace {

const std::string kSource = "bad.safetensors";

std::string le64(uint64_t n) {
  std::string out;
  for (int byte = 0; byte < 8; ++byte) out.push_back(static_cast<char>((n >> (8 * byte)) & 0xff));
  return out;
}

std::string file_of(const std::string& header, const std::string& data) { return le64(header.size()) + header + data; }

// The error message for reading `bytes`, or "(accepted)".
std::string rejection(const std::string& bytes) {
  try {
    parse_safetensors(bytes, kSource);
  } catch (const Error& e) {
    return e.what();
  }
  return "(accepted)";
}

void expect_rejected(const std::string& bytes, const std::string& fault) {
  EXPECT_EQ(rejection(bytes), kSource + ": " + fault);
}

TEST(SafetensorsHostile, TooShortForTheLengthField) {
  expect_rejected("", "too short for a safetensors file (0 bytes; the header length alone takes 8)");
  expect_rejected(std::string("\x10\0\0\0\0", 5),
                  "too short for a safetensors file (5 bytes; the header length alone takes 8)");
}

TEST(SafetensorsHostile, HeaderLengthAbsurdOrPastTheEnd) {
  expect_rejected(le64(uint64_t{1} << 40) + "{}",
                  "header length 1099511627776 is absurd (the limit is 100000000 bytes); not a safetensors file?");
  expect_rejected(
      le64(~uint64_t{0}),
      "header length 18446744073709551615 is absurd (the limit is 100000000 bytes); not a safetensors file?");
  expect_rejected(le64(64) + "{}      ", "header length 64 is larger than the rest of the file (8 bytes); truncated?");
}

TEST(SafetensorsHostile, HeaderNotJsonOrNotAnObject) {
  std::string why = rejection(file_of(R"({"a":{"dtype":)", ""));
  EXPECT_EQ(why.rfind(kSource + ": header is not valid JSON (", 0), 0u) << why;
  why = rejection(file_of(std::string("{\"a\0\":1}", 8), ""));
  EXPECT_EQ(why.rfind(kSource + ": header is not valid JSON (", 0), 0u) << why;
  why = rejection(file_of("{\"\xff\":{}}", ""));  // not UTF-8
  EXPECT_EQ(why.rfind(kSource + ": header is not valid JSON (", 0), 0u) << why;
  expect_rejected(file_of("[1, 2]  ", ""), "header is JSON but not an object (it is array)");
  expect_rejected(file_of("\"x\"", ""), "header is JSON but not an object (it is string)");
}

TEST(SafetensorsHostile, DuplicateNamesAndKeys) {
  expect_rejected(file_of(R"({"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},)"
                          R"("w":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}})",
                          "ab"),
                  "tensor 'w' appears twice in the header");
  expect_rejected(file_of(R"({"w":{"dtype":"U8","dtype":"F32","shape":[1],"data_offsets":[0,1]}})", "a"),
                  "key 'dtype' appears twice in one object of the header");
}

TEST(SafetensorsHostile, UnknownOrUnsupportedDtype) {
  expect_rejected(file_of(R"({"w":{"dtype":"Q7","shape":[1],"data_offsets":[0,1]}})", "a"),
                  "tensor 'w' has dtype 'Q7', not one graphc reads (F32, F64, F16, BF16, I32, I64, U8, BOOL)");
  expect_rejected(file_of(R"({"w":{"dtype":"I8","shape":[1],"data_offsets":[0,1]}})", "a"),
                  "tensor 'w' has dtype 'I8', not one graphc reads (F32, F64, F16, BF16, I32, I64, U8, BOOL)");
  expect_rejected(file_of(R"({"w":{"dtype":4,"shape":[1],"data_offsets":[0,1]}})", "a"),
                  "tensor 'w' has a dtype that is not a string");
}

TEST(SafetensorsHostile, MalformedTensorEntries) {
  expect_rejected(file_of(R"({"w":[0,4]})", "abcd"), "tensor 'w' is described by a JSON array, not an object");
  expect_rejected(file_of(R"({"w":{"dtype":"U8","shape":[1]}})", "a"), "tensor 'w' has no 'data_offsets'");
  expect_rejected(file_of(R"({"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1],"strides":[1]}})", "a"),
                  "tensor 'w' has unknown field 'strides'");
  expect_rejected(file_of(R"({"w":{"dtype":"U8","shape":[-1],"data_offsets":[0,1]}})", "a"),
                  "tensor 'w' has shape [-1]; dimensions must be integers >= 0");
  expect_rejected(file_of(R"({"w":{"dtype":"U8","shape":[1.0],"data_offsets":[0,1]}})", "a"),
                  "tensor 'w' has shape [1.0]; dimensions must be integers >= 0");
  expect_rejected(file_of(R"({"w":{"dtype":"U8","shape":3,"data_offsets":[0,1]}})", "a"),
                  "tensor 'w' has a shape that is not a list");
  expect_rejected(file_of(R"({"w":{"dtype":"U8","shape":[1],"data_offsets":[0]}})", "a"),
                  "tensor 'w' has data_offsets [0]; expected [begin, end] with integers >= 0");
  expect_rejected(file_of(R"({"w":{"dtype":"U8","shape":[1],"data_offsets":[0,"1"]}})", "a"),
                  "tensor 'w' has data_offsets [0,\"1\"]; expected [begin, end] with integers >= 0");
}

TEST(SafetensorsHostile, ShapeAndOffsetsDisagree) {
  expect_rejected(file_of(R"({"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,12]}})", std::string(12, 'x')),
                  "tensor 'w': F32 [2,2] needs 16 bytes but data_offsets [0,12] hold 12");
  expect_rejected(file_of(R"({"w":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,4]}})", "xxxx"),
                  "tensor 'w' has shape [4611686018427387904,4] whose byte count overflows 64 bits");
}

TEST(SafetensorsHostile, OffsetsOutOfRange) {
  expect_rejected(file_of(R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", std::string(8, 'x')),
                  "tensor 'w' has data_offsets [0,16] past the end of the data section (8 bytes)");
  expect_rejected(file_of(R"({"w":{"dtype":"F32","shape":[0],"data_offsets":[8,4]}})", std::string(8, 'x')),
                  "tensor 'w' has data_offsets [8,4] that end before they begin");
  expect_rejected(
      file_of(R"({"w":{"dtype":"U8","shape":[1],"data_offsets":[18446744073709551615,18446744073709551615]}})", "x"),
      "tensor 'w' has data_offsets [18446744073709551615,18446744073709551615] past the end of the data section (1 "
      "bytes)");
}

TEST(SafetensorsHostile, OverlapsGapsAndTrailingBytes) {
  expect_rejected(file_of(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                          R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                          std::string(12, 'x')),
                  "tensor 'b' (bytes 4..12) overlaps tensor 'a'");
  expect_rejected(file_of(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                          R"("b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})",
                          std::string(12, 'x')),
                  "gap of 4 unused bytes between tensor 'a' and tensor 'b'");
  expect_rejected(file_of(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", std::string(8, 'x')),
                  "gap of 4 unused bytes at the start of the data section, before tensor 'a'");
  expect_rejected(file_of(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", std::string(7, 'x')),
                  "3 trailing bytes after the last tensor (the data section has 7 bytes, the tensors cover 4)");
  expect_rejected(file_of("{}      ", "x"),
                  "1 trailing bytes after the last tensor (the data section has 1 bytes, "
                  "the tensors cover 0)");
}

TEST(SafetensorsHostile, MetadataMustMapStringsToStrings) {
  expect_rejected(file_of(R"({"__metadata__":{"epoch":3}})", ""),
                  "__metadata__ entry 'epoch' is not a string (it is number)");
  expect_rejected(file_of(R"({"__metadata__":{"a":null}})", ""), "__metadata__ entry 'a' is not a string (it is null)");
  expect_rejected(file_of(R"({"__metadata__":["a"]})", ""), "__metadata__ is not an object (it is array)");
}

TEST(SafetensorsHostile, WellFormedNeighboursAreAccepted) {
  // The rules above are not over-eager: zero-size tensors may share an
  // offset, whitespace may pad the header, and header key order is free.
  std::string ok = file_of(R"( {"b":{"data_offsets":[0,0],"shape":[0],"dtype":"F32"},)"
                           R"("a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},)"
                           R"("c":{"dtype":"I32","shape":[0,5],"data_offsets":[2,2]}})"
                           "\n\t  ",
                           "xy");
  EXPECT_EQ(rejection(ok), "(accepted)");
}

}  // namespace
}  // namespace graphc::runtime
