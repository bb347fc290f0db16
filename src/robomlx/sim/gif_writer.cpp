// SPDX-License-Identifier: Apache-2.0
#include "robomlx/sim/gif_writer.h"

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <unordered_map>

#include "robomlx/core/io/atomic_file.h"

namespace robomlx::sim {

namespace {

using Bytes = std::vector<unsigned char>;

void put16(Bytes& out, int v) {
  out.push_back(static_cast<unsigned char>(v & 0xff));
  out.push_back(static_cast<unsigned char>((v >> 8) & 0xff));
}

// LSB-first code packer; the packed stream leaves in sub-blocks of at most 255 bytes.
class BitSink {
 public:
  void put(int code, int bits) {
    acc_ |= std::uint32_t(code) << n_;
    n_ += bits;
    while (n_ >= 8) {
      bytes_.push_back(static_cast<unsigned char>(acc_ & 0xff));
      acc_ >>= 8;
      n_ -= 8;
    }
  }
  void finish(Bytes& out) {
    if (n_ > 0) bytes_.push_back(static_cast<unsigned char>(acc_ & 0xff));
    for (std::size_t i = 0; i < bytes_.size(); i += 255) {
      const std::size_t n = std::min<std::size_t>(255, bytes_.size() - i);
      out.push_back(static_cast<unsigned char>(n));
      out.insert(out.end(), bytes_.begin() + std::ptrdiff_t(i), bytes_.begin() + std::ptrdiff_t(i + n));
    }
    out.push_back(0);
  }

 private:
  std::uint32_t acc_ = 0;
  int n_ = 0;
  Bytes bytes_;
};

// Variable-width LZW with 8-bit roots: clear 256, end 257. The decoder adds a table entry one code
// after the encoder does, so the encoder widens its codes when its next free entry passes
// 2^width (the decoder widens when its own reaches it); a full table (4096) is cleared.
void lzw(const std::vector<std::uint8_t>& idx, Bytes& out) {
  constexpr int kClear = 256, kEnd = 257, kMax = 4096;
  out.push_back(8);  // minimum code size
  BitSink bits;
  std::unordered_map<std::uint32_t, int> table;
  int width = 9, next = 258;
  bits.put(kClear, width);
  int cur = idx[0];
  for (std::size_t i = 1; i < idx.size(); ++i) {
    const std::uint32_t key = (std::uint32_t(cur) << 8) | idx[i];
    if (auto it = table.find(key); it != table.end()) {
      cur = it->second;
      continue;
    }
    bits.put(cur, width);
    if (next < kMax) {
      table.emplace(key, next++);
      if (next > (1 << width) && width < 12) ++width;
    } else {
      bits.put(kClear, width);
      table.clear();
      width = 9, next = 258;
    }
    cur = idx[i];
  }
  bits.put(cur, width);
  bits.put(kEnd, width);
  bits.finish(out);
}

}  // namespace

std::vector<unsigned char> encode_gif(const std::vector<Image>& frames, int delay_cs) {
  if (frames.empty()) throw std::invalid_argument("[sim.gif] no frames");
  const int w = frames[0].width, h = frames[0].height;
  if (w < 1 || h < 1 || w > 65535 || h > 65535) throw std::invalid_argument("[sim.gif] frame size out of range");
  std::map<std::uint32_t, int> palette;  // RGB -> index, in colour order (deterministic files)
  for (const auto& f : frames) {
    if (f.width != w || f.height != h || f.channels != 3 || f.dtype != mx::uint8)
      throw std::invalid_argument("[sim.gif] frames must all be uint8 RGB of " + std::to_string(w) + "x" + std::to_string(h));
    const auto* p = f.data<std::uint8_t>();
    for (std::size_t i = 0; i < f.num_samples(); i += 3) palette.emplace((p[i] << 16) | (p[i + 1] << 8) | p[i + 2], 0);
  }
  if (palette.size() > 256) throw std::invalid_argument("[sim.gif] more than 256 colours in the frames");
  int k = 0;
  for (auto& [rgb, index] : palette) index = k++;
  Bytes out = {'G', 'I', 'F', '8', '9', 'a'};
  put16(out, w), put16(out, h);
  out.push_back(0xf7);  // global colour table of 2^(7+1) entries, 8-bit colour resolution
  out.push_back(0), out.push_back(0);
  std::vector<unsigned char> table(256 * 3, 0);
  for (const auto& [rgb, index] : palette) {
    table[3 * index] = (rgb >> 16) & 0xff, table[3 * index + 1] = (rgb >> 8) & 0xff, table[3 * index + 2] = rgb & 0xff;
  }
  out.insert(out.end(), table.begin(), table.end());
  // NETSCAPE2.0 application extension: loop forever.
  const char loop[] = "\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00";
  out.insert(out.end(), loop, loop + sizeof(loop) - 1);
  std::vector<std::uint8_t> idx(std::size_t(w) * h);
  for (const auto& f : frames) {
    out.insert(out.end(), {0x21, 0xf9, 0x04, 0x00});  // graphic control: no transparency
    put16(out, delay_cs);
    out.insert(out.end(), {0x00, 0x00});
    out.push_back(0x2c);  // image descriptor at (0, 0), full size, no local table
    put16(out, 0), put16(out, 0), put16(out, w), put16(out, h);
    out.push_back(0);
    const auto* p = f.data<std::uint8_t>();
    std::uint32_t last = 0xffffffff;  // runs of one colour skip the map look-up
    int last_index = 0;
    for (std::size_t i = 0; i < idx.size(); ++i) {
      const std::uint32_t rgb = (p[3 * i] << 16) | (p[3 * i + 1] << 8) | p[3 * i + 2];
      if (rgb != last) last = rgb, last_index = palette.at(rgb);
      idx[i] = std::uint8_t(last_index);
    }
    lzw(idx, out);
  }
  out.push_back(0x3b);
  return out;
}

void write_gif(const std::string& path, const std::vector<Image>& frames, int delay_cs) {
  const auto bytes = encode_gif(frames, delay_cs);
  write_file_atomically(path, std::string(bytes.begin(), bytes.end()));
}

}  // namespace robomlx::sim
