// Helpers for the data-layer tests: every test writes its own small files
// (IDX, CIFAR batches, JPEG/PNG images, tar and gzip archives, CSV) into a
// temporary directory, so the loaders are tested on bytes whose content the
// test knows, and hostile variants are one edit away.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <string>
#include <vector>

namespace graphc::runtime::data::testing {

// A fresh directory, removed with everything in it at the end of the test.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  // path() / relative as a string, creating the parent folders.
  std::string file(const std::string& relative) const;

 private:
  std::filesystem::path path_;
};

void write_bytes(const std::string& path, const std::string& bytes);
std::string read_bytes(const std::string& path);

std::string gzip(const std::string& bytes);

// An IDX file of unsigned bytes.
std::string idx_u8(const std::vector<uint32_t>& dims, const std::vector<uint8_t>& values);

// A JPEG of quality 100 (4:4:4 chroma), from HWC pixels; channels 1 or 3.
std::string encode_jpeg(int width, int height, int channels, const std::vector<uint8_t>& hwc);

// A PNG from HWC pixels (color type 0 grey, 2 RGB, 6 RGBA or 3 palette with
// hwc holding indices), rows filtered with filter type row % 5 so that every
// filter appears.
std::string encode_png(int width, int height, int color_type, const std::vector<uint8_t>& hwc,
                       const std::vector<uint8_t>& palette_rgb = {});

// Test images: pixel (y, x) of channel c is pattern_value(c, y, x).
uint8_t pattern_value(int c, int y, int x);
std::vector<uint8_t> pattern_hwc(int width, int height, int channels, int seed);

struct TarMember {
  std::string name;
  std::string body;
  char type = '0';             // '0' file, '5' directory
  bool gnu_long_name = false;  // store the name in a GNU 'L' record
  bool pax_name = false;       // store the name in a pax 'x' record
};
// A ustar archive of the members, ended by two zero blocks.
std::string tar_archive(const std::vector<TarMember>& members);

// Expects fn to throw graphc::Error whose message contains every part.
void expect_error(const std::function<void()>& fn, std::initializer_list<std::string> parts);

}  // namespace graphc::runtime::data::testing
