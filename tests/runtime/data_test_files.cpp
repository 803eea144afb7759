// The writers are independent of the readers under test: JPEGs come from
// libjpeg's compressor, PNG rows are filtered here, tar headers are laid out
// field by field from the POSIX ustar description.
#include "data_test_files.h"

// clang-format off
#include <cstdio>
#include <jpeglib.h>
// clang-format on
#include <unistd.h>
#include <zlib.h>

#include <atomic>
#include <cstring>
#include <fstream>
#include <sstream>

#include "ir/error.h"

namespace graphc::runtime::data::testing {
namespace fs = std::filesystem;

TempDir::TempDir() {
  static std::atomic<int> counter{0};
  path_ =
      fs::temp_directory_path() / ("graphc_data_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
  fs::remove_all(path_);
  fs::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ignored;
  fs::remove_all(path_, ignored);
}

std::string TempDir::file(const std::string& relative) const {
  fs::path p = path_ / relative;
  fs::create_directories(p.parent_path());
  return p.string();
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << path;
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string gzip(const std::string& bytes) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&z, bytes.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  z.avail_in = static_cast<uInt>(bytes.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::string idx_u8(const std::vector<uint32_t>& dims, const std::vector<uint8_t>& values) {
  std::string out = {0, 0, 0x08, static_cast<char>(dims.size())};
  for (uint32_t d : dims)
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((d >> shift) & 0xff));
  out.append(values.begin(), values.end());
  return out;
}

std::string encode_jpeg(int width, int height, int channels, const std::vector<uint8_t>& hwc) {
  jpeg_compress_struct cinfo;
  jpeg_error_mgr err;
  cinfo.err = jpeg_std_error(&err);
  jpeg_create_compress(&cinfo);
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest(&cinfo, &buffer, &size);
  cinfo.image_width = static_cast<JDIMENSION>(width);
  cinfo.image_height = static_cast<JDIMENSION>(height);
  cinfo.input_components = channels;
  cinfo.in_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, 100, TRUE);
  for (int i = 0; i < cinfo.num_components; ++i)
    cinfo.comp_info[i].h_samp_factor = cinfo.comp_info[i].v_samp_factor = 1;
  jpeg_start_compress(&cinfo, TRUE);
  while (cinfo.next_scanline < cinfo.image_height) {
    JSAMPROW row = const_cast<unsigned char*>(hwc.data()) + size_t{cinfo.next_scanline} * width * channels;
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  std::string out(reinterpret_cast<char*>(buffer), size);
  free(buffer);
  return out;
}

namespace {
void put_be32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
}

void put_chunk(std::string& png, const char* type, const std::string& data) {
  put_be32(png, static_cast<uint32_t>(data.size()));
  std::string typed = std::string(type, 4) + data;
  png += typed;
  put_be32(png, static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(typed.data()), typed.size())));
}

int paeth(int a, int b, int c) {
  int p = a + b - c, pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
  if (pa <= pb && pa <= pc) return a;
  return pb <= pc ? b : c;
}
}  // namespace

std::string encode_png(int width, int height, int color_type, const std::vector<uint8_t>& hwc,
                       const std::vector<uint8_t>& palette_rgb) {
  const int samples = color_type == 0 ? 1 : color_type == 2 ? 3 : color_type == 6 ? 4 : 1;
  const size_t stride = static_cast<size_t>(width * samples);
  std::string raw;
  for (int y = 0; y < height; ++y) {
    const int filter = y % 5;
    raw.push_back(static_cast<char>(filter));
    const uint8_t* cur = hwc.data() + y * stride;
    const uint8_t* up = y > 0 ? cur - stride : nullptr;
    for (size_t i = 0; i < stride; ++i) {
      const int left = i >= static_cast<size_t>(samples) ? cur[i - samples] : 0;
      const int above = up ? up[i] : 0;
      const int upper_left = up && i >= static_cast<size_t>(samples) ? up[i - samples] : 0;
      const int predictor = filter == 0   ? 0
                            : filter == 1 ? left
                            : filter == 2 ? above
                            : filter == 3 ? (left + above) / 2
                                          : paeth(left, above, upper_left);
      raw.push_back(static_cast<char>(static_cast<uint8_t>(cur[i] - predictor)));
    }
  }
  uLongf compressed_size = compressBound(raw.size());
  std::string compressed(compressed_size, '\0');
  compress(reinterpret_cast<Bytef*>(compressed.data()), &compressed_size, reinterpret_cast<const Bytef*>(raw.data()),
           raw.size());
  compressed.resize(compressed_size);

  std::string png = "\x89PNG\r\n\x1a\n";
  std::string ihdr;
  put_be32(ihdr, static_cast<uint32_t>(width));
  put_be32(ihdr, static_cast<uint32_t>(height));
  ihdr += {8, static_cast<char>(color_type), 0, 0, 0};
  put_chunk(png, "IHDR", ihdr);
  if (color_type == 3) put_chunk(png, "PLTE", std::string(palette_rgb.begin(), palette_rgb.end()));
  // Split the pixel data over two IDAT chunks, as encoders do for large images.
  const size_t half = compressed.size() / 2;
  put_chunk(png, "IDAT", compressed.substr(0, half));
  put_chunk(png, "IDAT", compressed.substr(half));
  put_chunk(png, "IEND", "");
  return png;
}

uint8_t pattern_value(int c, int y, int x) { return static_cast<uint8_t>(40 + 60 * c + 7 * y + 3 * x); }

std::vector<uint8_t> pattern_hwc(int width, int height, int channels, int seed) {
  std::vector<uint8_t> hwc(static_cast<size_t>(width * height * channels));
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x)
      for (int c = 0; c < channels; ++c)
        hwc[(y * width + x) * channels + c] = static_cast<uint8_t>(pattern_value(c, y, x) + seed);
  return hwc;
}

namespace {
constexpr size_t kBlock = 512;

void put_octal(std::string& header, size_t at, size_t width, uint64_t value) {
  std::string digits(width - 1, '0');
  for (size_t i = width - 1; i-- > 0; value /= 8) digits[i] = static_cast<char>('0' + value % 8);
  std::memcpy(header.data() + at, digits.data(), digits.size());
  header[at + width - 1] = '\0';
}

std::string header_block(const std::string& name, uint64_t size, char type) {
  std::string h(kBlock, '\0');
  std::memcpy(h.data(), name.data(), std::min<size_t>(name.size(), 100));
  put_octal(h, 100, 8, type == '5' ? 0755 : 0644);
  put_octal(h, 108, 8, 0);
  put_octal(h, 116, 8, 0);
  put_octal(h, 124, 12, size);
  put_octal(h, 136, 12, 0);
  h[156] = type;
  std::memcpy(h.data() + 257,
              "ustar\0"
              "00",
              8);
  std::memset(h.data() + 148, ' ', 8);
  unsigned sum = 0;
  for (unsigned char c : h) sum += c;
  put_octal(h, 148, 7, sum);  // six digits, NUL, then the space already there
  return h;
}

void append_entry(std::string& tar, const std::string& name, const std::string& body, char type) {
  tar += header_block(name, body.size(), type);
  tar += body;
  tar.append((kBlock - body.size() % kBlock) % kBlock, '\0');
}
}  // namespace

std::string tar_archive(const std::vector<TarMember>& members) {
  std::string tar;
  for (const TarMember& m : members) {
    std::string short_name = m.name;
    if (m.gnu_long_name) {
      append_entry(tar, "././@LongLink", m.name + '\0', 'L');
      short_name = m.name.substr(0, 99);
    } else if (m.pax_name) {
      // "LEN path=NAME\n", LEN counting the whole record, its own digits too.
      const std::string record = " path=" + m.name + "\n";
      size_t total = record.size() + 1;
      while (std::to_string(total).size() + record.size() != total)
        total = std::to_string(total).size() + record.size();
      append_entry(tar, "PaxHeader/x", std::to_string(total) + record, 'x');
      short_name = "truncated-by-pax";
    }
    append_entry(tar, short_name, m.body, m.type);
  }
  tar.append(2 * kBlock, '\0');
  return tar;
}

void expect_error(const std::function<void()>& fn, std::initializer_list<std::string> parts) {
  try {
    fn();
    ADD_FAILURE() << "expected graphc::Error mentioning " << *parts.begin();
  } catch (const Error& e) {
    const std::string message = e.what();
    for (const std::string& part : parts)
      EXPECT_NE(message.find(part), std::string::npos) << message << "\n  lacks: " << part;
  }
}

}  // namespace graphc::runtime::data::testing
