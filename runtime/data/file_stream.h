// Sequential reading of a data file that may or may not be gzip-compressed
// (zlib's gz* functions pass plain files through), so every loader accepts
// `x` and `x.gz` alike and streams through archives larger than it needs to
// keep. Errors name the file: missing, unreadable, a corrupt gzip stream, or
// data that ends before the format says it should.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace graphc::runtime::data {

class FileStream {
 public:
  explicit FileStream(std::string path);
  ~FileStream();
  FileStream(const FileStream&) = delete;
  FileStream& operator=(const FileStream&) = delete;

  // Reads up to n bytes; fewer only at the end of the data. `what` names the
  // data for the message when the gzip stream turns out corrupt or cut off.
  size_t read_some(void* dst, size_t n, std::string_view what = "data");
  // Reads exactly n bytes or throws "<path>: truncated ... while reading <what>".
  void read_exact(void* dst, size_t n, std::string_view what);
  // Everything left, decompressed.
  std::string read_rest();

  const std::string& path() const { return path_; }
  uint64_t offset() const { return offset_; }  // decompressed bytes read so far

 private:
  [[noreturn]] void throw_stream_error(std::string_view what);

  std::string path_;
  void* gz_ = nullptr;  // gzFile, kept opaque so users need not include zlib.h
  uint64_t offset_ = 0;
};

}  // namespace graphc::runtime::data
