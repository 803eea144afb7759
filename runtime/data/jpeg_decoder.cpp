// libjpeg reports errors through a callback that must not return. We leave
// it with longjmp back to decode_rows(), whose frame holds only trivially
// destructible locals (so skipping it is well defined), and turn the saved
// message into an exception once outside.
#include "runtime/data/jpeg_decoder.h"

// clang-format off
#include <csetjmp>
#include <cstdio>
#include <jpeglib.h>
// clang-format on

#include <cstring>

#include "ir/error.h"

namespace graphc::runtime::data {

struct JpegState {
  jpeg_decompress_struct cinfo;
  jpeg_error_mgr error_manager;
  std::jmp_buf on_error;
  char message[JMSG_LENGTH_MAX];
};

namespace {
JpegState* state_of(j_common_ptr cinfo) { return static_cast<JpegState*>(cinfo->client_data); }

extern "C" void jump_on_error(j_common_ptr cinfo) {
  JpegState* s = state_of(cinfo);
  (*cinfo->err->format_message)(cinfo, s->message);
  std::longjmp(s->on_error, 1);
}

// msg_level -1 is a warning about corrupt data; higher levels are trace output.
extern "C" void jump_on_warning(j_common_ptr cinfo, int msg_level) {
  if (msg_level < 0) jump_on_error(cinfo);
}

// Row pointers for one scanline batch; libjpeg-turbo decodes up to
// rec_outbuf_height (at most 4) rows per call.
constexpr int kRowsPerCall = 4;

// Both return false with s->message set when libjpeg failed.
bool read_header(JpegState* s, std::string_view bytes, int wanted_channels) {
  if (setjmp(s->on_error)) return false;
  jpeg_mem_src(&s->cinfo, reinterpret_cast<const unsigned char*>(bytes.data()),
               static_cast<unsigned long>(bytes.size()));
  jpeg_read_header(&s->cinfo, TRUE);
  int channels = wanted_channels;
  if (channels == 0) channels = s->cinfo.jpeg_color_space == JCS_GRAYSCALE ? 1 : 3;
  s->cinfo.out_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_calc_output_dimensions(&s->cinfo);
  return true;
}

// Writes interleaved HWC rows into hwc, sized by the caller from the header.
bool decode_rows(JpegState* s, unsigned char* hwc) {
  if (setjmp(s->on_error)) return false;
  jpeg_start_decompress(&s->cinfo);
  const size_t row_bytes = size_t{s->cinfo.output_width} * static_cast<size_t>(s->cinfo.output_components);
  while (s->cinfo.output_scanline < s->cinfo.output_height) {
    JSAMPROW rows[kRowsPerCall];
    for (int r = 0; r < kRowsPerCall; ++r) {
      unsigned line = s->cinfo.output_scanline + static_cast<unsigned>(r);
      if (line >= s->cinfo.output_height) line = s->cinfo.output_height - 1;
      rows[r] = hwc + line * row_bytes;
    }
    jpeg_read_scanlines(&s->cinfo, rows, kRowsPerCall);
  }
  jpeg_finish_decompress(&s->cinfo);
  return true;
}
}  // namespace

JpegDecoder::JpegDecoder() : state_(new JpegState{}) {
  state_->cinfo.err = jpeg_std_error(&state_->error_manager);
  state_->error_manager.error_exit = jump_on_error;
  state_->error_manager.emit_message = jump_on_warning;
  state_->cinfo.client_data = state_;
  jpeg_create_decompress(&state_->cinfo);
}

JpegDecoder::~JpegDecoder() {
  jpeg_destroy_decompress(&state_->cinfo);
  delete state_;
}

ImageShape JpegDecoder::decode(std::string_view bytes, int wanted_channels, std::vector<uint8_t>& chw,
                               const std::string& name) {
  GRAPHC_ASSERT(wanted_channels == 0 || wanted_channels == 1 || wanted_channels == 3, "channels ", wanted_channels);
  auto failure = [&] {
    jpeg_abort_decompress(&state_->cinfo);  // makes the decompressor reusable
    return Error(cat(name, ": corrupt or unsupported JPEG (", state_->message, ")"));
  };
  if (!read_header(state_, bytes, wanted_channels)) throw failure();
  ImageShape shape{state_->cinfo.output_components, state_->cinfo.output_height, state_->cinfo.output_width};
  if (shape.height * shape.width > kMaxImagePixels) {
    jpeg_abort_decompress(&state_->cinfo);
    throw Error(cat(name, ": JPEG of ", shape.width, "x", shape.height, " pixels is too large"));
  }
  std::vector<uint8_t> hwc(static_cast<size_t>(shape.numel()));
  if (!decode_rows(state_, hwc.data())) throw failure();

  // HWC -> CHW.
  chw.resize(hwc.size());
  const int64_t plane = shape.height * shape.width;
  if (shape.channels == 1) {
    std::memcpy(chw.data(), hwc.data(), hwc.size());
  } else {
    for (int64_t p = 0; p < plane; ++p)
      for (int64_t c = 0; c < shape.channels; ++c) chw[c * plane + p] = hwc[p * shape.channels + c];
  }
  return shape;
}

}  // namespace graphc::runtime::data
