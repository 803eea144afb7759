// A reader of tar archives (ustar, GNU and pax flavours; plain or gzipped),
// streaming, so an image-folder archive is read straight from its .tar.gz
// without unpacking it to disk. It yields regular files only: directories,
// links and devices are skipped, GNU long names ('L') and pax 'path' records
// rename the entry that follows, other pax and GNU records are skipped.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "runtime/data/file_stream.h"

namespace graphc::runtime::data {

struct TarEntry {
  std::string name;  // path inside the archive, without a leading "./"
  uint64_t size = 0;
};

class TarReader {
 public:
  explicit TarReader(const std::string& path);

  // The next regular file, or nullopt at the end-of-archive marker. A body
  // left unread is skipped. Throws graphc::Error naming the archive for a
  // corrupt header (bad checksum or size field) or an archive that ends early.
  std::optional<TarEntry> next();
  // The body of the entry next() just returned (once).
  std::string read_body();

  const std::string& path() const { return in_.path(); }

 private:
  void skip(uint64_t bytes, const std::string& what);
  std::string read_exactly(uint64_t bytes, const std::string& what);
  void skip_padding(uint64_t body_size, const std::string& what);

  FileStream in_;
  std::optional<TarEntry> current_;  // set until its body is read or skipped
};

}  // namespace graphc::runtime::data
