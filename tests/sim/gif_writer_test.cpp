// SPDX-License-Identifier: Apache-2.0
// The GIF writer against a decoder written here from the GIF89a specification (LZW with the
// decoder's own table and code-width rules): frames come back pixel for pixel, including one
// whose table fills past 4096 entries and is cleared mid-frame. And the 2D drawings of sim play.
#include <cstdint>
#include <map>
#include <random>
#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>

#include "robomlx/core/error.h"
#include "robomlx/sim/gif_writer.h"
#include "robomlx/sim/mujoco_env.h"
#include "robomlx/sim/sim_render.h"
#include "robomlx/sim/sim_tasks.h"

namespace robomlx::sim {
namespace {

using Bytes = std::vector<unsigned char>;

struct Decoded {
  int width = 0, height = 0;
  std::vector<std::vector<std::uint32_t>> frames;  // RGB per pixel
};

std::vector<std::uint8_t> lzw_decode(const Bytes& data, int min_size, std::size_t count) {
  std::size_t bit = 0;
  auto read = [&](int n) {
    int v = 0;
    for (int i = 0; i < n; ++i, ++bit) v |= ((data.at(bit / 8) >> (bit % 8)) & 1) << i;
    return v;
  };
  const int clear = 1 << min_size, end = clear + 1;
  std::vector<std::vector<std::uint8_t>> table;
  int width = min_size + 1, prev = -1;
  std::vector<std::uint8_t> out;
  auto reset = [&] {
    table.assign(std::size_t(clear) + 2, {});
    for (int i = 0; i < clear; ++i) table[i] = {std::uint8_t(i)};
    width = min_size + 1, prev = -1;
  };
  reset();
  while (true) {
    const int code = read(width);
    if (code == clear) { reset(); continue; }
    if (code == end) break;
    std::vector<std::uint8_t> entry;
    if (code < int(table.size())) {
      entry = table[code];
    } else if (code == int(table.size()) && prev >= 0) {  // the KwKwK case
      entry = table[prev];
      entry.push_back(table[prev][0]);
    } else {
      throw std::runtime_error("bad LZW code");
    }
    out.insert(out.end(), entry.begin(), entry.end());
    if (prev >= 0 && table.size() < 4096) {
      auto grown = table[prev];
      grown.push_back(entry[0]);
      table.push_back(grown);
      if (int(table.size()) == (1 << width) && width < 12) ++width;
    }
    prev = code;
  }
  if (out.size() != count) throw std::runtime_error("wrong pixel count");
  return out;
}

Decoded decode(const Bytes& g) {
  if (g.size() < 13 || std::string(g.begin(), g.begin() + 6) != "GIF89a") throw std::runtime_error("not GIF89a");
  Decoded d;
  d.width = g[6] | (g[7] << 8), d.height = g[8] | (g[9] << 8);
  const int packed = g[10];
  std::size_t p = 13;
  std::vector<std::uint32_t> palette;
  if (packed & 0x80) {
    const int n = 1 << ((packed & 7) + 1);
    for (int i = 0; i < n; ++i, p += 3) palette.push_back((g[p] << 16) | (g[p + 1] << 8) | g[p + 2]);
  }
  auto sub_blocks = [&](Bytes* into) {
    while (int n = g.at(p++)) {
      if (into) into->insert(into->end(), g.begin() + std::ptrdiff_t(p), g.begin() + std::ptrdiff_t(p + n));
      p += n;
    }
  };
  while (true) {
    const int tag = g.at(p++);
    if (tag == 0x3b) break;
    if (tag == 0x21) { ++p; sub_blocks(nullptr); continue; }
    if (tag != 0x2c) throw std::runtime_error("unexpected block");
    const int w = g[p + 4] | (g[p + 5] << 8), h = g[p + 6] | (g[p + 7] << 8);
    p += 9;
    const int min_size = g.at(p++);
    Bytes data;
    sub_blocks(&data);
    auto idx = lzw_decode(data, min_size, std::size_t(w) * h);
    std::vector<std::uint32_t> rgb;
    for (auto i : idx) rgb.push_back(palette.at(i));
    d.frames.push_back(rgb);
  }
  return d;
}

Image noise_frame(int w, int h, int colours, unsigned seed) {
  Image im = Image::zeros(h, w, 3, mx::uint8);
  std::mt19937 rng(seed);
  for (std::size_t i = 0; i < im.num_samples(); i += 3) {
    const int c = int(rng() % colours);
    im.bytes[i] = std::uint8_t(c * 7), im.bytes[i + 1] = std::uint8_t(255 - c), im.bytes[i + 2] = std::uint8_t(c * 3);
  }
  return im;
}

TEST(SimGif, FramesRoundTripThroughAnIndependentDecoder) {
  // Frame 0: noise of 200 colours (the table fills and is cleared several times); frame 1: runs.
  std::vector<Image> frames = {noise_frame(97, 61, 200, 1), noise_frame(97, 61, 3, 2)};
  for (std::size_t i = 0; i < frames[1].num_samples(); ++i) frames[1].bytes[i] = std::uint8_t(i / 900 * 40);
  const auto g = encode_gif(frames, 2);
  auto d = decode(g);
  ASSERT_EQ(d.width, 97);
  ASSERT_EQ(d.height, 61);
  ASSERT_EQ(d.frames.size(), 2u);
  for (std::size_t f = 0; f < 2; ++f) {
    const auto* px = frames[f].data<std::uint8_t>();
    for (std::size_t i = 0; i < d.frames[f].size(); ++i)
      ASSERT_EQ(d.frames[f][i], std::uint32_t((px[3 * i] << 16) | (px[3 * i + 1] << 8) | px[3 * i + 2])) << f << " " << i;
  }
  EXPECT_THROW(encode_gif({}, 2), std::invalid_argument);
  EXPECT_THROW(encode_gif({noise_frame(64, 64, 256, 3), noise_frame(8, 8, 2, 1)}, 2), std::invalid_argument);
  Image many = Image::zeros(20, 20, 3, mx::uint8);
  for (std::size_t i = 0; i < 400; ++i) many.bytes[3 * i] = std::uint8_t(i), many.bytes[3 * i + 1] = std::uint8_t(i >> 8);  // 400 colours
  EXPECT_THROW(encode_gif({many}, 2), std::invalid_argument);
}

// The pole leans the way the angle says: a positive cartpole angle puts pole pixels right of the cart.
TEST(SimGif, CartpoleDrawingLeansWithTheAngle) {
  const auto& spec = find_task("cartpole").spec;
  auto count_right = [&](float angle) {
    const float s[4] = {0, angle, 0, 0};
    auto im = render_frame(spec, s);
    int left = 0, right = 0;
    for (int y = 0; y < im.height; ++y)
      for (int x = 0; x < im.width; ++x)
        if (im.at<std::uint8_t>(y, x, 0) == 200 && im.at<std::uint8_t>(y, x, 1) == 120) (x > im.width / 2 + 10 ? right : left) += (x < im.width / 2 - 10 || x > im.width / 2 + 10);
    return right - left;
  };
  EXPECT_GT(count_right(0.5f), 20);
  EXPECT_LT(count_right(-0.5f), -20);
  const auto g = encode_gif({render_frame(spec, std::vector<float>(4, 0.0f).data())}, 2);
  EXPECT_EQ(decode(g).frames.size(), 1u);
}

// MuJoCo robots are drawn from their capsules: the ant's torso and legs, none of the floor.
TEST(SimGif, AntIsDrawnFromItsCapsules) {
  if (!mujoco_built()) GTEST_SKIP() << "this build has no mujoco backend";
  auto env = make_env("ant", {1, 1, "mujoco", ""});
  const auto caps = env->capsules(0);
  ASSERT_EQ(caps.size() % 7, 0u);
  EXPECT_EQ(caps.size() / 7, 13u);  // torso sphere + 4 legs x (aux, leg, ankle) capsules
  auto im = render_frame(env->spec(), std::vector<float>(29, 0.0f).data(), caps);
  int body = 0;
  for (int y = 0; y < im.height; ++y)
    for (int x = 0; x < im.width; ++x) body += im.at<std::uint8_t>(y, x, 2) == 180;
  EXPECT_GT(body, 300);
  EXPECT_THROW(render_frame(env->spec(), std::vector<float>(29, 0.0f).data()), UnsupportedFeatureError);
}

}  // namespace
}  // namespace robomlx::sim
