// SPDX-License-Identifier: Apache-2.0
// Chunk decompression for the bag reader: roslz4 (LZ4 frame format) and bzip2.
// Output grows as data is actually produced (never pre-sized from the header alone), and may not
// exceed the chunk's declared size.
#include <bzlib.h>
#include <lz4frame.h>

#include <algorithm>
#include <memory>

#include "robomlx/core/error.h"
#include "robomlx/depth/bag.h"

namespace robomlx::depth {

namespace {

constexpr std::size_t kGrowStep = std::size_t(1) << 20;

[[noreturn]] void fail(const std::string& name, const std::string& where, const std::string& what) {
  throw FormatError(name, where + "field 'data': " + what);
}

std::string lz4_frame(std::string_view in, std::size_t expected, const std::string& name, const std::string& where) {
  LZ4F_dctx* raw = nullptr;
  if (LZ4F_isError(LZ4F_createDecompressionContext(&raw, LZ4F_VERSION))) fail(name, where, "lz4 context failed");
  std::unique_ptr<LZ4F_dctx, decltype(&LZ4F_freeDecompressionContext)> ctx(raw, LZ4F_freeDecompressionContext);
  std::string out;
  std::size_t produced = 0, consumed = 0;
  size_t hint = 1;
  while (consumed < in.size() && hint != 0) {
    if (produced == out.size()) {
      if (out.size() >= expected) fail(name, where, "lz4 data decompresses to more than the declared " + std::to_string(expected) + " bytes");
      out.resize(std::min(expected, out.size() + kGrowStep));
    }
    size_t dst = out.size() - produced;
    size_t src = in.size() - consumed;
    hint = LZ4F_decompress(ctx.get(), out.data() + produced, &dst, in.data() + consumed, &src, nullptr);
    if (LZ4F_isError(hint)) fail(name, where, std::string("corrupt lz4 data: ") + LZ4F_getErrorName(hint));
    produced += dst;
    consumed += src;
    if (dst == 0 && src == 0 && produced < out.size()) fail(name, where, "lz4 stream stalled");
  }
  if (hint != 0) fail(name, where, "truncated lz4 frame (" + std::to_string(produced) + " of " + std::to_string(expected) + " bytes)");
  if (produced != expected)
    fail(name, where, "lz4 data decompresses to " + std::to_string(produced) + " bytes, declared " + std::to_string(expected));
  out.resize(produced);
  return out;
}

std::string bz2(std::string_view in, std::size_t expected, const std::string& name, const std::string& where) {
  bz_stream s{};
  if (BZ2_bzDecompressInit(&s, 0, 0) != BZ_OK) fail(name, where, "bz2 init failed");
  std::unique_ptr<bz_stream, int (*)(bz_stream*)> guard(&s, BZ2_bzDecompressEnd);
  std::string out;
  s.next_in = const_cast<char*>(in.data());
  s.avail_in = static_cast<unsigned>(in.size());
  int rc = BZ_OK;
  while (rc != BZ_STREAM_END) {
    std::size_t produced = out.size() - s.avail_out;
    if (s.avail_out == 0) {
      if (out.size() >= expected) fail(name, where, "bz2 data decompresses to more than the declared " + std::to_string(expected) + " bytes");
      out.resize(std::min(expected, out.size() + kGrowStep));
      s.avail_out = static_cast<unsigned>(out.size() - produced);
    }
    s.next_out = out.data() + produced;
    unsigned before_in = s.avail_in, before_out = s.avail_out;
    rc = BZ2_bzDecompress(&s);
    if (rc != BZ_OK && rc != BZ_STREAM_END) fail(name, where, "corrupt bz2 data (code " + std::to_string(rc) + ")");
    if (rc == BZ_OK && s.avail_in == 0 && s.avail_out != 0) fail(name, where, "truncated bz2 stream");
    if (rc == BZ_OK && before_in == s.avail_in && before_out == s.avail_out) fail(name, where, "bz2 stream stalled");
  }
  std::size_t produced = out.size() - s.avail_out;
  if (produced != expected)
    fail(name, where, "bz2 data decompresses to " + std::to_string(produced) + " bytes, declared " + std::to_string(expected));
  out.resize(produced);
  return out;
}

}  // namespace

std::string decompress_chunk(std::string_view compression, std::string_view data, std::uint64_t expected_size,
                             const std::string& name, const std::string& where) {
  if (expected_size > kMaxChunkSize)
    throw FormatError(name, where + "field 'size': declared uncompressed size " + std::to_string(expected_size) +
                                " exceeds the " + std::to_string(kMaxChunkSize) + "-byte limit");
  if (compression == "lz4") return lz4_frame(data, expected_size, name, where);
  if (compression == "bz2") return bz2(data, expected_size, name, where);
  throw FormatError(name, where + "field 'compression': unsupported '" + std::string(compression) +
                              "' (expected none, lz4 or bz2)");
}

}  // namespace robomlx::depth
