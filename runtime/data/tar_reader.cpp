// The tar format in brief: 512-byte headers, each followed by the entry's
// body padded to a multiple of 512; two zero blocks end the archive. A header
// is validated by its checksum (the byte sum with the checksum field read as
// spaces), which is what tells a corrupt or non-tar file from a real one.
#include "runtime/data/tar_reader.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "ir/error.h"

namespace graphc::runtime::data {
namespace {
constexpr size_t kBlock = 512;
using Header = std::array<unsigned char, kBlock>;

// Field offsets and widths of the ustar header.
constexpr size_t kNameAt = 0, kNameLen = 100;
constexpr size_t kSizeAt = 124, kSizeLen = 12;
constexpr size_t kChecksumAt = 148, kChecksumLen = 8;
constexpr size_t kTypeAt = 156;
constexpr size_t kMagicAt = 257;
constexpr size_t kPrefixAt = 345, kPrefixLen = 155;

// Bodies are handled in slices so a forged size cannot force a giant buffer.
constexpr uint64_t kSlice = uint64_t{1} << 20;

std::string field_string(const Header& h, size_t at, size_t len) {
  const auto* begin = reinterpret_cast<const char*>(h.data() + at);
  return std::string(begin, strnlen(begin, len));
}

bool is_zero_block(const Header& h) {
  return std::all_of(h.begin(), h.end(), [](unsigned char c) { return c == 0; });
}

// Octal digits, optionally space/NUL padded; or GNU base-256 when the first
// byte has its high bit set (sizes of 8 GiB and more). nullopt if malformed.
std::optional<uint64_t> parse_number(const Header& h, size_t at, size_t len) {
  if (h[at] & 0x80) {
    uint64_t value = h[at] & 0x3f;
    for (size_t i = 1; i < len; ++i) {
      if (value >> 55) return std::nullopt;
      value = (value << 8) | h[at + i];
    }
    return value;
  }
  size_t i = 0;
  while (i < len && h[at + i] == ' ') ++i;
  uint64_t value = 0;
  bool any = false;
  for (; i < len && h[at + i] >= '0' && h[at + i] <= '7'; ++i) {
    value = value * 8 + (h[at + i] - '0');
    any = true;
  }
  for (; i < len; ++i)
    if (h[at + i] != ' ' && h[at + i] != 0) return std::nullopt;
  if (!any) return std::nullopt;
  return value;
}

bool checksum_matches(const Header& h) {
  std::optional<uint64_t> stored = parse_number(h, kChecksumAt, kChecksumLen);
  if (!stored) return false;
  uint64_t sum = 0;
  for (size_t i = 0; i < kBlock; ++i)
    sum += (i >= kChecksumAt && i < kChecksumAt + kChecksumLen) ? uint64_t{' '} : uint64_t{h[i]};
  return sum == *stored;
}

std::string strip_dot_slash(std::string name) {
  while (name.starts_with("./")) name.erase(0, 2);
  return name;
}

// The value of the "path" record in a pax extended header ("LEN path=VALUE\n"
// records), or "" when it has none.
std::string pax_path(const std::string& records) {
  size_t pos = 0;
  std::string path;
  while (pos < records.size()) {
    size_t space = records.find(' ', pos);
    if (space == std::string::npos) break;
    size_t len = 0;
    for (size_t i = pos; i < space; ++i) {
      if (records[i] < '0' || records[i] > '9') return path;
      len = len * 10 + static_cast<size_t>(records[i] - '0');
      if (len > records.size()) return path;
    }
    if (len == 0 || pos + len > records.size()) break;
    std::string_view record(records.data() + space + 1, pos + len - space - 1);
    if (record.ends_with('\n')) record.remove_suffix(1);
    if (record.starts_with("path=")) path = std::string(record.substr(5));
    pos += len;
  }
  return path;
}
}  // namespace

TarReader::TarReader(const std::string& path) : in_(path) {}

void TarReader::skip(uint64_t bytes, const std::string& what) {
  char scratch[64 * 1024];
  while (bytes > 0) {
    const size_t step = static_cast<size_t>(std::min<uint64_t>(bytes, sizeof scratch));
    in_.read_exact(scratch, step, what);
    bytes -= step;
  }
}

std::string TarReader::read_exactly(uint64_t bytes, const std::string& what) {
  std::string out;
  while (out.size() < bytes) {
    const size_t old = out.size();
    const size_t step = static_cast<size_t>(std::min<uint64_t>(bytes - old, kSlice));
    out.resize(old + step);
    in_.read_exact(out.data() + old, step, what);
  }
  return out;
}

void TarReader::skip_padding(uint64_t body_size, const std::string& what) {
  skip((kBlock - body_size % kBlock) % kBlock, what);
}

std::optional<TarEntry> TarReader::next() {
  if (current_) {
    const std::string what = "the body of " + current_->name;
    skip(current_->size, what);
    skip_padding(current_->size, what);
    current_.reset();
  }
  std::string long_name;  // from a GNU 'L' or pax 'x' record, for the next entry
  for (;;) {
    const uint64_t header_offset = in_.offset();
    Header h;
    const size_t got = in_.read_some(h.data(), kBlock, "a tar header");
    if (got < kBlock)
      throw Error(cat(path(), ": truncated tar archive: it ends at byte ", header_offset + got,
                      " without the end-of-archive marker"));
    if (is_zero_block(h)) return std::nullopt;  // the second zero block and record padding need not be read
    if (!checksum_matches(h))
      throw Error(cat(path(), ": corrupt tar header at byte ", header_offset,
                      " (checksum mismatch; not a tar archive, or damaged)"));
    std::optional<uint64_t> size = parse_number(h, kSizeAt, kSizeLen);
    if (!size) throw Error(cat(path(), ": corrupt tar header at byte ", header_offset, " (bad size field)"));

    std::string name = field_string(h, kNameAt, kNameLen);
    const bool posix_ustar = std::memcmp(h.data() + kMagicAt, "ustar\0", 6) == 0;
    if (posix_ustar) {
      std::string prefix = field_string(h, kPrefixAt, kPrefixLen);
      if (!prefix.empty()) name = prefix + "/" + name;
    }
    if (!long_name.empty()) name = long_name;
    const char type = static_cast<char>(h[kTypeAt]);
    const std::string what = "the body of " + name;

    if (type == 'L' || type == 'x') {  // names the next entry
      std::string body = read_exactly(*size, what);
      skip_padding(*size, what);
      if (type == 'L') {
        body.resize(strnlen(body.data(), body.size()));
        long_name = body;
      } else if (std::string p = pax_path(body); !p.empty()) {
        long_name = p;
      }
      continue;
    }
    if (type == '0' || type == '\0' || type == '7') {  // regular (7: contiguous, read as regular)
      current_ = TarEntry{strip_dot_slash(name), *size};
      return current_;
    }
    // Directories, links, devices, global pax and other GNU records carry
    // nothing a data set needs; their bodies (usually empty) are skipped.
    skip(*size, what);
    skip_padding(*size, what);
    long_name.clear();
  }
}

std::string TarReader::read_body() {
  GRAPHC_ASSERT(current_.has_value(), "read_body without a current tar entry");
  const std::string what = "the body of " + current_->name;
  std::string body = read_exactly(current_->size, what);
  skip_padding(current_->size, what);
  current_.reset();
  return body;
}

}  // namespace graphc::runtime::data
