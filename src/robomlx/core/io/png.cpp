// SPDX-License-Identifier: Apache-2.0
#include "robomlx/core/io/png.h"

#include <csetjmp>
#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

#include <png.h>

#include "robomlx/core/check.h"
#include "robomlx/core/error.h"
#include "robomlx/core/input_policy.h"
#include "robomlx/core/io/atomic_file.h"

namespace robomlx {

namespace {

struct ErrorState {
  std::jmp_buf jump;
  char message[256] = "unknown libpng error";
};

void on_error(png_structp png, png_const_charp msg) {
  auto* state = static_cast<ErrorState*>(png_get_error_ptr(png));
  std::snprintf(state->message, sizeof state->message, "%s", msg);
  std::longjmp(state->jump, 1);
}
void on_warning(png_structp, png_const_charp) {}

struct MemorySource {
  const unsigned char* data;
  std::size_t size;
  std::size_t pos;
};

void read_from_memory(png_structp png, png_bytep out, png_size_t n) {
  auto* src = static_cast<MemorySource*>(png_get_io_ptr(png));
  if (n > src->size - src->pos) png_error(png, "file truncated (unexpected end of data)");
  std::memcpy(out, src->data + src->pos, n);
  src->pos += n;
}

void write_to_vector(png_structp png, png_bytep data, png_size_t n) {
  auto* out = static_cast<std::vector<unsigned char>*>(png_get_io_ptr(png));
  out->insert(out->end(), data, data + n);
}
void flush_nothing(png_structp) {}

}  // namespace

Image decode_png(const void* data, std::size_t size, const std::string& name) {
  if (size < 8 || png_sig_cmp(static_cast<png_const_bytep>(data), 0, 8) != 0) {
    throw FormatError(name, "not a PNG file (bad signature)");
  }
  ErrorState state;
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &state, on_error, on_warning);
  png_infop info = png ? png_create_info_struct(png) : nullptr;
  if (png == nullptr || info == nullptr) {
    png_destroy_read_struct(&png, &info, nullptr);
    throw std::runtime_error(name + ": cannot initialise libpng");
  }
  MemorySource src{static_cast<const unsigned char*>(data), size, 0};
  Image image;
  std::vector<png_bytep> rows;
  if (setjmp(state.jump) != 0) {
    png_destroy_read_struct(&png, &info, nullptr);
    throw FormatError(name, std::string("corrupt PNG: ") + state.message);
  }
  png_set_read_fn(png, &src, read_from_memory);
  png_set_user_limits(png, 0x7fffffffu, 0x7fffffffu);  // PNG's own maximum: the pixel cap decides
  png_read_info(png, info);
  // The size policy, from the header, before anything is allocated for the pixels.
  const std::uint64_t header_w = png_get_image_width(png, info), header_h = png_get_image_height(png, info);
  if (header_w * header_h > input_cap(InputCap::pixels)) {
    png_destroy_read_struct(&png, &info, nullptr);
    check_image_size(header_w, header_h, name, "PNG image");
  }
  int bit_depth = png_get_bit_depth(png, info);
  int color_type = png_get_color_type(png, info);
  if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
  if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
  if (bit_depth == 16) png_set_swap(png);  // PNG is big-endian; Image holds native (little-endian) samples
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  const int height = static_cast<int>(png_get_image_height(png, info));
  const int width = static_cast<int>(png_get_image_width(png, info));
  const int channels = png_get_channels(png, info);
  const int depth = png_get_bit_depth(png, info);
  image = Image::zeros(height, width, channels, depth == 16 ? mx::uint16 : mx::uint8);
  rows.resize(height);
  const std::size_t stride = std::size_t(width) * channels * image.sample_size();
  for (int y = 0; y < height; ++y) rows[y] = image.bytes.data() + y * stride;
  png_read_image(png, rows.data());
  png_read_end(png, nullptr);
  png_destroy_read_struct(&png, &info, nullptr);
  return image;
}

Image read_png(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FormatError(path, "cannot open file");
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return decode_png(bytes.data(), bytes.size(), path);
}

void write_png(const std::string& path, const Image& image) {
  if (image.dtype != mx::uint8 && image.dtype != mx::uint16) {
    fail_argument("core.png", "PNG needs uint8 or uint16 samples, got " + dtype_name(image.dtype) + " for " + path);
  }
  static const int kColorTypes[] = {PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA, PNG_COLOR_TYPE_RGB,
                                    PNG_COLOR_TYPE_RGB_ALPHA};
  if (image.channels < 1 || image.channels > 4) {
    fail_argument("core.png", "PNG needs 1 to 4 channels, got " + std::to_string(image.channels) + " for " + path);
  }
  if (image.empty()) fail_argument("core.png", "cannot write an empty image to " + path);
  ErrorState state;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &state, on_error, on_warning);
  png_infop info = png ? png_create_info_struct(png) : nullptr;
  if (png == nullptr || info == nullptr) {
    png_destroy_write_struct(&png, &info);
    throw std::runtime_error(path + ": cannot initialise libpng");
  }
  std::vector<unsigned char> encoded;
  std::vector<png_bytep> rows(image.height);
  const bool sixteen = image.dtype == mx::uint16;
  const std::size_t stride = std::size_t(image.width) * image.channels * image.sample_size();
  for (int y = 0; y < image.height; ++y) rows[y] = const_cast<png_bytep>(image.bytes.data() + y * stride);
  if (setjmp(state.jump) != 0) {
    png_destroy_write_struct(&png, &info);
    throw std::runtime_error(path + ": PNG encoding failed: " + state.message);
  }
  png_set_write_fn(png, &encoded, write_to_vector, flush_nothing);
  png_set_IHDR(png, info, image.width, image.height, sixteen ? 16 : 8, kColorTypes[image.channels - 1],
               PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_set_compression_level(png, 3);  // outputs are written per frame: favour speed over size
  png_write_info(png, info);
  if (sixteen) png_set_swap(png);
  png_write_image(png, rows.data());
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  write_file_atomically(path, std::string_view(reinterpret_cast<const char*>(encoded.data()), encoded.size()));
}

}  // namespace robomlx
