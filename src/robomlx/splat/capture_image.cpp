// SPDX-License-Identifier: Apache-2.0
#include "robomlx/splat/capture_image.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "robomlx/core/io/jpeg.h"
#include "robomlx/core/io/ply_detail.h"
#include "robomlx/splat/splat_error_internal.h"

namespace robomlx::splat {

namespace {
constexpr const char* kTag = "splat.images";

// Opens an image file, with this system's words for a missing file and a folder.
std::FILE* open_image(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) detail::fail_format(kTag, path, "is a folder, expected an image file");
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) {
    const int err = errno;
    detail::fail_format(kTag, path, err == ENOENT ? std::string("image file is missing")
                                                  : std::string("cannot open image: ") + std::strerror(err));
  }
  return f;
}

// The first `limit` bytes of a file (all of it when smaller); `whole` says whether that is all.
std::string read_prefix(const std::string& path, std::size_t limit, bool& whole) {
  std::FILE* f = open_image(path);
  std::string out(limit, '\0');
  const std::size_t got = std::fread(out.data(), 1, limit, f);
  whole = got < limit || std::fgetc(f) == EOF;
  std::fclose(f);
  out.resize(got);
  return out;
}

void require_png_or_jpeg(const ImageHeader& h, const std::string& path) {
  if (h.format != "PNG" && h.format != "JPEG") {
    detail::fail_format(kTag, path, h.format + " images are not supported: PNG or JPEG");
  }
}

}  // namespace

ImageHeader probe_capture_image(const std::string& path) {
  return detail::with_tag(kTag, [&] {
    bool whole = false;
    std::string bytes = read_prefix(path, 64 * 1024, whole);
    ImageHeader h;
    try {
      h = probe_image_checked(bytes.data(), bytes.size(), path);
    } catch (const InputLimitError&) {
      throw;
    } catch (const FormatError&) {
      if (whole) throw;
      // A JPEG's frame header may sit behind large EXIF/XMP segments: look at the whole file.
      bytes = robomlx::detail::read_file_bytes(path);
      h = probe_image_checked(bytes.data(), bytes.size(), path);
    }
    require_png_or_jpeg(h, path);
    return h;
  });
}

Image read_capture_image(const std::string& path) {
  return detail::with_tag(kTag, [&] {
    std::fclose(open_image(path));  // the missing / folder messages of this system
    return read_png_or_jpeg(path);
  });
}

Image decode_capture_jpeg(const void* data, std::size_t size, const std::string& name) {
  return detail::with_tag(kTag, [&] { return decode_jpeg(data, size, name); });
}

}  // namespace robomlx::splat
