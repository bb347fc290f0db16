// SPDX-License-Identifier: Apache-2.0
// JPEG decoding through libjpeg(-turbo) (moved here from splat/: splat and vision share it).
// libjpeg reports fatal errors through error_exit, which
// must not return: we longjmp out of a helper that holds no C++ object with a destructor, then
// turn the message into a FormatError outside it.
#include <csetjmp>
#include <cstdio>
#include <vector>

#include <jpeglib.h>
#include <jerror.h>  // JWRN_JPEG_EOF; after jpeglib.h, which it needs

#include "robomlx/core/error.h"
#include "robomlx/core/io/image_probe.h"
#include "robomlx/core/io/jpeg.h"
#include "robomlx/core/io/ply_detail.h"
#include "robomlx/core/io/png.h"

namespace robomlx {

namespace {

struct JpegError {
  jpeg_error_mgr mgr;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
  bool truncated;
};

void on_error(j_common_ptr c) {
  auto* e = reinterpret_cast<JpegError*>(c->err);
  (*c->err->format_message)(c, e->message);
  std::longjmp(e->jump, 1);
}

// Warnings are silent (nothing reaches stderr), except that data ending early is remembered:
// libjpeg would otherwise hand back grey rows for the missing part.
void on_message(j_common_ptr c, int level) {
  if (level == -1 && c->err->msg_code == JWRN_JPEG_EOF) reinterpret_cast<JpegError*>(c->err)->truncated = true;
}

// Decodes into `out` (width * height * 3 bytes, allocated by the caller). Returns nullptr on
// success, else what went wrong (pointing into `err`, or a literal).
const char* decode_rgb(const unsigned char* data, unsigned long size, unsigned char* out, JDIMENSION width,
                       JDIMENSION height, JpegError& err) {
  jpeg_decompress_struct cinfo;
  cinfo.err = jpeg_std_error(&err.mgr);
  err.mgr.error_exit = on_error;
  err.mgr.emit_message = on_message;
  err.truncated = false;
  if (setjmp(err.jump)) {
    jpeg_destroy_decompress(&cinfo);
    return err.message;
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, data, size);
  jpeg_read_header(&cinfo, TRUE);
  if (cinfo.image_width != width || cinfo.image_height != height) {
    jpeg_destroy_decompress(&cinfo);
    return "the frame size libjpeg reads differs from the SOF header";
  }
  cinfo.out_color_space = JCS_RGB;
  jpeg_start_decompress(&cinfo);
  if (cinfo.output_components != 3) {
    jpeg_destroy_decompress(&cinfo);
    return "cannot be converted to RGB";
  }
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW row = out + std::size_t(cinfo.output_scanline) * width * 3;
    jpeg_read_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  return err.truncated ? "file truncated (the image data end early)" : nullptr;
}

}  // namespace

Image decode_jpeg(const void* data, std::size_t size, const std::string& name) {
  const ImageHeader h = probe_image_checked(data, size, name);
  if (h.format != "JPEG") throw FormatError(name, "not a JPEG (" + h.format + ")");
  if (h.width == 0 || h.height == 0) throw FormatError(name, "corrupt JPEG: empty frame");
  if (!jpeg_has_end(data, size)) throw FormatError(name, "corrupt JPEG: file truncated (no end-of-image marker)");
  Image img = Image::zeros(int(h.height), int(h.width), 3, mx::uint8);
  JpegError err{};
  const char* problem = decode_rgb(static_cast<const unsigned char*>(data), static_cast<unsigned long>(size),
                                   img.bytes.data(), JDIMENSION(h.width), JDIMENSION(h.height), err);
  if (problem) throw FormatError(name, std::string("corrupt JPEG: ") + problem);
  return img;
}

Image read_png_or_jpeg(const std::string& path) {
  const std::string bytes = detail::read_file_bytes(path);
  const ImageHeader h = probe_image_checked(bytes.data(), bytes.size(), path);
  if (h.format == "PNG") return decode_png(bytes.data(), bytes.size(), path);
  if (h.format == "JPEG") return decode_jpeg(bytes.data(), bytes.size(), path);
  throw FormatError(path, h.format + " images are not supported: PNG or JPEG");
}

}  // namespace robomlx
