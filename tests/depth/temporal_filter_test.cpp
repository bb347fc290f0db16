// SPDX-License-Identifier: Apache-2.0
// Temporal filter: option errors, a hand-computed pixel history, state resets, twins against the
// portable path, and parity with librealsense's 8-frame sequences (golden temporal_*).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <mlx/ops.h>
#include <mlx/transforms.h>
#include <nlohmann/json.hpp>

#include "robomlx/core/dispatch.h"
#include "robomlx/core/io/pnm.h"
#include "robomlx/depth/block.h"
#include "robomlx/depth/temporal_filter.h"
#include "robomlx/depth/temporal_filter_twins.h"
#include "depth_test_util.h"
#include "support.h"

namespace robomlx::depth {
namespace {

namespace fs = std::filesystem;

mx::array load_frame(const fs::path& dir, const nlohmann::json& entry) {
  auto path = (dir / entry.at("file").get<std::string>()).string();
  if (entry.at("kind") == "z16") return read_pnm(path).to_array_2d();
  int h = entry.at("height"), w = entry.at("width");
  auto values = read_raw_f32(path, static_cast<size_t>(h) * w);
  return mx::array(values.data(), {h, w}, mx::float32);
}

using namespace test_util;

// The filter over a sequence on stream s (the implementation is whatever the caller forces).
std::vector<mx::array> run_sequence(const std::vector<mx::array>& frames, const TemporalFilterOptions& o, mx::Stream s) {
  TemporalFilter filter(o);
  std::vector<mx::array> out;
  for (const auto& f : frames) {
    out.push_back(filter.process(f, s));
    mx::eval(out.back());
  }
  return out;
}

class TemporalImpl : public test::ImplTest {
 protected:
  std::string forced_tag() const override { return "depth.temporal"; }
};

class TemporalTwin : public TemporalImpl {
 protected:
  // The twin and the portable path on the twin's stream, bit for bit, frame by frame.
  std::vector<mx::array> expect_equal(const std::vector<mx::array>& frames, const TemporalFilterOptions& o) {
    auto want = with_portable([&] { return run_sequence(frames, o, stream()); });
    auto got = run_sequence(frames, o, stream());
    for (size_t t = 0; t < frames.size(); ++t) EXPECT_CLOSE(exactly_equal(got[t], want[t]));
    return want;
  }
};

// Frames with per-pixel flicker (random holes), small noise and occasional jumps.
std::vector<mx::array> synthetic_sequence(int h, int w, int n, bool disparity, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(0, 1);
  std::normal_distribution<float> noise(0, 8);
  std::vector<mx::array> frames;
  for (int t = 0; t < n; ++t) {
    std::vector<uint16_t> z(static_cast<size_t>(h) * w);
    for (int i = 0; i < h * w; ++i) {
      float base = 900 + 7 * (i % w) + (u(rng) < 0.1f ? 60 : 0);
      z[i] = u(rng) < 0.3f ? 0 : static_cast<uint16_t>(base + noise(rng));
    }
    auto f = mx::array(z.data(), {h, w}, mx::uint16);
    if (disparity) {
      auto zf = mx::astype(f, mx::float32);
      f = mx::where(mx::greater(zf, mx::array(0.0f)), mx::divide(mx::array(40000.0f), zf), mx::array(0.0f));
    }
    frames.push_back(f);
  }
  return frames;
}

TEST(TemporalFilter, RejectsBadOptionsAndInputs) {
  auto f = mx::zeros({2, 2}, mx::uint16);
  auto st = temporal_initial_state({2, 2}, mx::uint16);
  EXPECT_THROW_MSG(temporal_filter_step(f, st, {.alpha = 1.5f}), std::invalid_argument,
                   "[depth.temporal] filter_smooth_alpha must be in [0, 1], got 1.5");
  EXPECT_THROW_MSG(temporal_filter_step(f, st, {.delta = 101}), std::invalid_argument,
                   "[depth.temporal] filter_smooth_delta must be in [1, 100], got 101");
  EXPECT_THROW_MSG(temporal_filter_step(f, st, {.persistence = 9}), std::invalid_argument,
                   "[depth.temporal] holes_fill must be in [0, 8], got 9");
  EXPECT_THROW_MSG(temporal_filter_step(mx::zeros({3, 2}, mx::uint16), st), std::invalid_argument,
                   "[depth.temporal] state must match the frame");
  EXPECT_THROW_MSG(temporal_filter_step(mx::zeros({2, 2}, mx::float32), st), std::invalid_argument,
                   "[depth.temporal] state must match the frame");
  EXPECT_THROW_MSG(TemporalFilter().process(mx::zeros({2, 2}, mx::int32)), std::invalid_argument,
                   "[depth.temporal] frame");
  auto block = make_block("temporal");
  EXPECT_EQ(block->get_option("holes_fill"), 3);
  EXPECT_EQ(block->get_option("filter_smooth_alpha"), 0.4f);
  EXPECT_EQ(block->options().at("filter_smooth_delta").max, 100);
  EXPECT_THROW_MSG(block->set_option("filter_smooth_alpha", -0.5f), std::invalid_argument,
                   "[depth.temporal] filter_smooth_alpha must be in [0, 1], got -0.5");
  EXPECT_THROW_MSG(block->set_option("holes_fill", 1.5f), std::invalid_argument, "must be an integer");
  EXPECT_THROW_MSG(block->set_option("persistency", 1), std::invalid_argument, "unknown option 'persistency'");
}

// Pixel 0: 100, 110 (blend -> 105), then holes filled while 2 of the last 4 frames were valid.
// Pixel 1: always a hole. Pixel 2: 100, 101 (100.5 truncates to 100), 130 (jump restarts the
// history), then a hole with only 1 of the last 4 valid stays a hole.
TEST_P(TemporalImpl, PixelHistoryByHand) {
  std::vector<std::vector<uint16_t>> in = {{100, 0, 100}, {110, 0, 101}, {0, 0, 130}, {0, 0, 0}, {0, 0, 0}, {0, 0, 0}};
  std::vector<std::vector<uint16_t>> want = {{100, 0, 100}, {105, 0, 100}, {105, 0, 130},
                                             {105, 0, 0},   {105, 0, 0},   {0, 0, 0}};
  std::vector<mx::array> frames;
  for (auto& f : in) frames.push_back(mx::array(f.data(), {1, 3}, mx::uint16));
  auto out = run_sequence(frames, {.alpha = 0.5f, .delta = 20, .persistence = 3}, stream());
  for (size_t t = 0; t < out.size(); ++t) {
    SCOPED_TRACE("frame " + std::to_string(t));
    EXPECT_CLOSE(exactly_equal(out[t], mx::array(want[t].data(), {1, 3}, mx::uint16)));
  }
}

INSTANTIATE_TEST_SUITE_P(Impls, TemporalImpl, kEveryImpl, impl_name);

TEST(TemporalFilter, ResetsOnOptionAndShapeChange) {
  std::vector<uint16_t> a = {100, 100}, hole = {0, 0};
  auto fa = mx::array(a.data(), {1, 2}, mx::uint16), fh = mx::array(hole.data(), {1, 2}, mx::uint16);
  TemporalFilter filter({.persistence = 8});
  filter.process(fa);
  EXPECT_CLOSE(exactly_equal(filter.process(fh), fa));  // always-on persistence fills
  filter.set_options({.delta = 30, .persistence = 8});
  EXPECT_CLOSE(exactly_equal(filter.process(fh), fh));  // history cleared
  filter.process(fa);
  filter.process(mx::zeros({2, 2}, mx::uint16));        // new resolution: fresh state
  EXPECT_CLOSE(exactly_equal(filter.process(fh), fh));
  auto block = make_block("temporal");
  block->set_option("holes_fill", 8);
  Frame f;
  f.data = fa;
  block->process(f);
  block->set_option("filter_smooth_alpha", 0.5f);
  f.data = fh;
  EXPECT_CLOSE(exactly_equal(block->process(f).data, fh));
}

TEST_P(TemporalTwin, MatchesPortable) {
  for (bool disparity : {false, true}) {
    for (int persistence = 0; persistence <= 8; ++persistence) {
      SCOPED_TRACE("disparity=" + std::to_string(disparity) + " persistence=" + std::to_string(persistence));
      auto frames = synthetic_sequence(17, 23, 12, disparity, 3 + persistence);
      TemporalFilterOptions o{.alpha = 0.37f, .delta = disparity ? 3 : 20, .persistence = persistence};
      auto want = expect_equal(frames, o);
      EXPECT_FALSE(exactly_equal(want.back(), frames.back()).ok);
    }
  }
}

// The portable path tests history bits where the twins read persistence_table: every mode, phase
// and history, on a row of holes with a last value each (filled exactly where the table says so).
TEST(TemporalFilter, PortablePersistenceMatchesTheTable) {
  std::vector<uint8_t> histories(256);
  for (int h = 0; h < 256; ++h) histories[h] = static_cast<uint8_t>(h);
  const auto history = mx::array(histories.data(), {1, 256}, mx::uint8);
  const auto frame = mx::zeros({1, 256}, mx::uint16), last = mx::full({1, 256}, 700, mx::uint16);
  for (int persistence = 0; persistence <= 8; ++persistence) {
    for (int phase = 0; phase < 8; ++phase) {
      const auto table = detail::persistence_table(persistence, phase);
      auto out = detail::temporal_filter_portable(frame, last, history, {.persistence = persistence}, phase,
                                                  mx::default_stream(mx::default_device()))[0];
      out = mx::astype(out, mx::int32);
      mx::eval(out);
      for (int h = 0; h < 256; ++h)
        ASSERT_EQ(out.data<int>()[h], table[h] ? 700 : 0) << "persistence " << persistence << " phase " << phase << " history " << h;
    }
  }
}

// Widths off the CUDA kernel's 32-thread blocks.
TEST_P(TemporalTwin, KernelSizes) {
  for (bool disparity : {false, true}) {
    auto frames = synthetic_sequence(31, 45, 10, disparity, 11);
    expect_equal(frames, {.alpha = 0.4f, .delta = disparity ? 3 : 20, .persistence = 3});
  }
}

// Every lane width of the twin's float loop against the generic loop, bit for bit: every tail length
// up to 40 and a 1283-pixel row, each pixel one of the cases (hole or not, -0, NaN, +-inf, last
// value or not, changes at and around delta, every history byte), for every persistence and phase.
TEST(TemporalRows, EveryWidthEqualsTheGenericLoop) {
  using detail::CpuIsa;
  std::mt19937 rng(21);
  std::uniform_real_distribution<float> value(0.0f, 40.0f);
  std::uniform_int_distribution<int> byte(0, 255), pick(0, 9);
  const float specials[] = {0.0f, -0.0f, NAN, INFINITY, -INFINITY, 3.0f};
  for (int persistence = 0; persistence <= 8; ++persistence) {
    for (int phase = 0; phase < 8; ++phase) {
      detail::TemporalRowParams q;
      q.alpha = 0.37f, q.keep = 1.0f - q.alpha, q.delta = 3.0f;
      q.mask = static_cast<uint8_t>(1u << phase);
      q.table = detail::persistence_table(persistence, phase);
      for (int n = 0; n <= 1283; n = n < 40 ? n + 1 : n + 1283) {
        std::vector<float> c(n), l(n);
        std::vector<uint8_t> h(n);
        for (int i = 0; i < n; ++i) {
          const int kind = pick(rng);
          c[i] = kind < 3 ? 0.0f : kind == 3 ? specials[byte(rng) % 6] : value(rng);
          l[i] = kind == 4 || kind == 0 ? 0.0f : kind == 5 ? specials[byte(rng) % 6] : value(rng);
          if (kind == 6) l[i] = c[i] + (byte(rng) % 2 ? 3.0f : -2.99f);  // at and just inside delta
          h[i] = static_cast<uint8_t>(byte(rng));
        }
        std::vector<float> want_o(n), want_l(n), got_o(n), got_l(n);
        std::vector<uint8_t> want_h(n), got_h(n);
        detail::temporal_filter_row(c.data(), l.data(), h.data(), want_o.data(), want_l.data(), want_h.data(), n, q,
                                    CpuIsa::generic);
        for (CpuIsa isa : {CpuIsa::sse2, CpuIsa::avx2}) {
          std::fill(got_o.begin(), got_o.end(), 7.0f), std::fill(got_l.begin(), got_l.end(), 7.0f);
          std::fill(got_h.begin(), got_h.end(), uint8_t(7));
          detail::temporal_filter_row(c.data(), l.data(), h.data(), got_o.data(), got_l.data(), got_h.data(), n, q, isa);
          const std::string where = "n " + std::to_string(n) + " isa " + std::to_string(int(isa)) + " persistence " +
                                    std::to_string(persistence) + " phase " + std::to_string(phase);
          ASSERT_EQ(0, std::memcmp(got_o.data(), want_o.data(), n * sizeof(float))) << where;
          ASSERT_EQ(0, std::memcmp(got_l.data(), want_l.data(), n * sizeof(float))) << where;
          ASSERT_EQ(got_h, want_h) << where;
        }
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Impls, TemporalTwin, kTwins, impl_name);

class TemporalGolden : public ::testing::TestWithParam<ImplCase> {};

TEST_P(TemporalGolden, MatchesLibrealsense) {
  const auto& [impl, name] = GetParam();
  ROBOMLX_STREAM_OR_SKIP(s, impl);
  auto dir = fs::path(test::shared_dir()) / "golden/realsense" / name;
  ASSERT_TRUE(fs::exists(dir / "case.json")) << "golden case missing: " << dir;
  std::ifstream file(dir / "case.json");
  auto spec = nlohmann::json::parse(file);
  TemporalFilterOptions o;
  for (const auto& opt : spec.at("options_set_in_order")) {
    std::string name = opt.at("option");
    double v = opt.at("value_readback");
    if (name == "RS2_OPTION_FILTER_SMOOTH_ALPHA") o.alpha = static_cast<float>(v);
    if (name == "RS2_OPTION_FILTER_SMOOTH_DELTA") o.delta = static_cast<int>(v);
    if (name == "RS2_OPTION_HOLES_FILL") o.persistence = static_cast<int>(v);
  }
  std::vector<mx::array> inputs, expected;
  for (const auto& e : spec.at("inputs")) inputs.push_back(load_frame(dir, e));
  for (const auto& e : spec.at("outputs")) expected.push_back(load_frame(dir, e));
  ASSERT_EQ(inputs.size(), 8u);
  ASSERT_EQ(expected.size(), 8u);
  auto out = test::run_forced(impl, "depth.temporal", [&] { return run_sequence(inputs, o, s); });
  for (size_t t = 0; t < out.size(); ++t) {
    SCOPED_TRACE("frame " + std::to_string(t));
    EXPECT_CLOSE(exactly_equal(out[t], expected[t]));  // bit-exact, float frames included
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, TemporalGolden,
                         ::testing::Combine(kEveryImpl, ::testing::Values("temporal_synth106x60_depth_a0.2_d20_p0", "temporal_synth106x60_depth_a0.2_d20_p1",
                                           "temporal_synth106x60_depth_a0.2_d20_p8", "temporal_synth106x60_depth_a0.4_d20_p1",
                                           "temporal_synth106x60_depth_a0.4_d20_p3", "temporal_synth106x60_depth_a0.4_d20_p8",
                                           "temporal_synth106x60_disparity_a0.2_d20_p0",
                                           "temporal_synth106x60_disparity_a0.2_d20_p1",
                                           "temporal_synth106x60_disparity_a0.2_d20_p8",
                                           "temporal_synth106x60_disparity_a0.4_d20_p0",
                                           "temporal_synth106x60_disparity_a0.4_d20_p1",
                                           "temporal_synth106x60_disparity_a0.4_d20_p3")),
                         impl_case_name);

}  // namespace
}  // namespace robomlx::depth
