// zlib's gzread: transparent for plain files, inflates gzip members, and
// reports a cut-off stream as Z_BUF_ERROR after a short read, which is how
// truncated .gz files are told apart from a clean end of data.
#include "runtime/data/file_stream.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "ir/error.h"

namespace graphc::runtime::data {
namespace {
gzFile as_gz(void* p) { return static_cast<gzFile>(p); }
constexpr size_t kMaxChunk = size_t{1} << 30;  // gzread takes an unsigned length
}  // namespace

FileStream::FileStream(std::string path) : path_(std::move(path)) {
  errno = 0;
  gz_ = gzopen(path_.c_str(), "rb");
  if (!gz_) {
    const char* reason = errno != 0 ? std::strerror(errno) : "out of memory";
    throw Error(cat("cannot open ", path_, ": ", reason));
  }
  gzbuffer(as_gz(gz_), 256 * 1024);
}

FileStream::~FileStream() { gzclose(as_gz(gz_)); }

void FileStream::throw_stream_error(std::string_view what) {
  int code = Z_OK;
  const char* message = gzerror(as_gz(gz_), &code);
  if (code == Z_ERRNO) throw Error(cat(path_, ": read error while reading ", what, ": ", message));
  if (code == Z_BUF_ERROR)
    throw Error(cat(path_, ": truncated gzip stream (it ends after ", offset_, " decompressed bytes, while reading ",
                    what, ")"));
  throw Error(
      cat(path_, ": corrupt gzip stream (", message, ") after ", offset_, " decompressed bytes, while reading ", what));
}

size_t FileStream::read_some(void* dst, size_t n, std::string_view what) {
  size_t done = 0;
  auto* out = static_cast<char*>(dst);
  while (done < n) {
    const auto chunk = static_cast<unsigned>(std::min(n - done, kMaxChunk));
    int got = gzread(as_gz(gz_), out + done, chunk);
    if (got < 0) throw_stream_error(what);
    done += static_cast<size_t>(got);
    offset_ += static_cast<uint64_t>(got);
    if (static_cast<unsigned>(got) < chunk) {
      int code = Z_OK;
      gzerror(as_gz(gz_), &code);
      if (code != Z_OK) throw_stream_error(what);
      break;
    }
  }
  return done;
}

void FileStream::read_exact(void* dst, size_t n, std::string_view what) {
  size_t got = read_some(dst, n, what);
  if (got < n)
    throw Error(cat(path_, ": truncated: the data ends after ", offset_, " bytes, ", n - got,
                    " bytes short while reading ", what));
}

std::string FileStream::read_rest() {
  std::string all;
  constexpr size_t kStep = size_t{1} << 20;
  for (;;) {
    size_t old = all.size();
    all.resize(old + kStep);
    size_t got = read_some(all.data() + old, kStep);
    all.resize(old + got);
    if (got < kStep) return all;
  }
}

}  // namespace graphc::runtime::data
