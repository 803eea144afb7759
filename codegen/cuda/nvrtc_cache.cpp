// Entry layout (one file per key, named by the key's 64-bit FNV-1a in hex):
//
//   graphc-nvrtc-cache 1 <key bytes> <cubin bytes> <ptx bytes> <checksum>\n
//   <key><cubin><ptx>
//
// The header is decimal lengths and a 16-digit hex FNV-1a of key+cubin+ptx;
// it is parsed and then printed back, and only an exact match is accepted.
#include "codegen/cuda/nvrtc_cache.h"

#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "ir/error.h"

namespace graphc::codegen::cuda {

namespace {

constexpr const char* kFormat = "graphc-nvrtc-cache 1";
constexpr size_t kLongestHeader = 128;

uint64_t fnv1a(std::initializer_list<std::string_view> parts) {
  uint64_t hash = 0xcbf29ce484222325ull;
  for (std::string_view part : parts) {
    for (unsigned char c : part) {
      hash ^= c;
      hash *= 0x100000001b3ull;
    }
  }
  return hash;
}

std::string hex(uint64_t value) {
  char text[17];
  std::snprintf(text, sizeof text, "%016" PRIx64, value);
  return text;
}

std::string header(size_t key_bytes, const CudaBinary& binary, uint64_t checksum) {
  return cat(kFormat, " ", key_bytes, " ", binary.cubin.size(), " ", binary.ptx.size(), " ", hex(checksum), "\n");
}

bool is_elf(const std::string& image) {
  return image.size() >= 4 && image.compare(0, 4,
                                            "\x7f"
                                            "ELF") == 0;
}

bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t written = ::write(fd, bytes.data(), bytes.size());
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(written));
  }
  return true;
}

// Parses and validates a whole entry; false on any mismatch.
bool parse_entry(const std::string& entry, const std::string& key, CudaBinary& binary) {
  size_t newline = entry.find('\n');
  if (newline == std::string::npos || newline >= kLongestHeader) return false;
  std::istringstream fields(entry.substr(0, newline));
  std::string magic, version, checksum_text;
  size_t key_bytes = 0, cubin_bytes = 0, ptx_bytes = 0;
  if (!(fields >> magic >> version >> key_bytes >> cubin_bytes >> ptx_bytes >> checksum_text)) return false;
  size_t payload = entry.size() - (newline + 1);
  // Each length is checked against what is there before adding, so hostile
  // numbers cannot overflow the sum.
  if (key_bytes > payload || cubin_bytes > payload - key_bytes || ptx_bytes != payload - key_bytes - cubin_bytes)
    return false;
  std::string_view body(entry.data() + newline + 1, payload);
  std::string_view stored_key = body.substr(0, key_bytes);
  std::string_view cubin = body.substr(key_bytes, cubin_bytes);
  std::string_view ptx = body.substr(key_bytes + cubin_bytes);
  if (stored_key != key) return false;
  uint64_t checksum = fnv1a({stored_key, cubin, ptx});
  CudaBinary candidate{std::string(cubin), std::string(ptx)};
  if (entry.compare(0, newline + 1, header(key_bytes, candidate, checksum)) != 0) return false;
  if (!is_elf(candidate.cubin)) return false;
  binary = std::move(candidate);
  return true;
}

}  // namespace

std::string NvrtcCache::entry_path(const std::string& key) const {
  return (std::filesystem::path(dir_) / (hex(fnv1a({key})) + ".nvrtc")).string();
}

CacheLookup NvrtcCache::lookup(const std::string& key, CudaBinary& binary) const {
  if (dir_.empty()) return CacheLookup::kMiss;
  std::string path = entry_path(key);
  std::error_code error;
  if (!std::filesystem::exists(path, error)) return error ? CacheLookup::kRejected : CacheLookup::kMiss;
  std::ifstream in(path, std::ios::binary);
  if (!in) return CacheLookup::kRejected;
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (in.bad()) return CacheLookup::kRejected;
  return parse_entry(bytes.str(), key, binary) ? CacheLookup::kHit : CacheLookup::kRejected;
}

bool NvrtcCache::store(const std::string& key, const CudaBinary& binary) const {
  if (dir_.empty()) return false;
  std::error_code error;
  std::filesystem::create_directories(dir_, error);
  if (error) return false;
  std::string path = entry_path(key);
  std::string temporary = path + ".tmp.XXXXXX";
  int fd = ::mkstemp(temporary.data());
  if (fd < 0) return false;
  std::string head = header(key.size(), binary, fnv1a({key, binary.cubin, binary.ptx}));
  bool written = write_all(fd, head) && write_all(fd, key) && write_all(fd, binary.cubin) && write_all(fd, binary.ptx);
  // No fsync: a torn entry after a crash fails validation and is recompiled.
  if (::close(fd) != 0) written = false;
  if (!written || ::rename(temporary.c_str(), path.c_str()) != 0) {
    ::unlink(temporary.c_str());
    return false;
  }
  return true;
}

std::string default_nvrtc_cache_dir() {
  auto variable = [](const char* name) -> std::string {
    const char* value = std::getenv(name);
    return value != nullptr ? value : "";
  };
  if (std::string dir = variable("GRAPHC_CACHE_DIR"); !dir.empty())
    return (std::filesystem::path(dir) / "nvrtc").string();
  // The XDG spec says a relative XDG_CACHE_HOME is invalid and to be ignored.
  if (std::string xdg = variable("XDG_CACHE_HOME"); !xdg.empty() && xdg[0] == '/')
    return (std::filesystem::path(xdg) / "graphc" / "nvrtc").string();
  if (std::string home = variable("HOME"); !home.empty())
    return (std::filesystem::path(home) / ".cache" / "graphc" / "nvrtc").string();
  return "";
}

}  // namespace graphc::codegen::cuda
