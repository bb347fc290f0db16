// SPDX-License-Identifier: Apache-2.0
// Streams: every depth op runs on the stream it is given, and that stream's device (not the
// default device) picks the implementation. The graph walk (test_util::graph_streams) sees every
// op of a lazy result, so one op that forgot its stream shows up as a second stream.
#include <algorithm>
#include <functional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "depth_test_util.h"
#include "robomlx/core/dispatch.h"
#include "robomlx/depth/align.h"
#include "robomlx/depth/block.h"
#include "robomlx/depth/colorizer.h"
#include "robomlx/depth/decimation.h"
#include "robomlx/depth/depth_to_points.h"
#include "robomlx/depth/disparity.h"
#include "robomlx/depth/format_convert.h"
#include "robomlx/depth/hole_filling.h"
#include "robomlx/depth/pipeline.h"
#include "robomlx/depth/spatial_filter.h"
#include "robomlx/depth/temporal_filter.h"
#include "robomlx/depth/threshold.h"
#include "support.h"

namespace robomlx::depth {
namespace {

using namespace test_util;

// The depth frame every op starts from (host data, so the walk ends there), with a baseline.
Frame depth_frame() {
  Frame f = z16_frame(random_depth(24, 36, 5, 0.2, 300, 5000), 24, 36);
  f.intrinsics.fx = f.intrinsics.fy = 30;
  return f;
}

Frame disparity_frame() {
  Frame f = depth_frame();
  std::vector<float> d(24 * 36);
  for (std::size_t i = 0; i < d.size(); ++i) d[i] = i % 5 == 0 ? 0.0f : 100.0f + float(i % 97);
  f.data = mx::array(d.data(), {24, 36}, mx::float32);
  f.format = FrameFormat::disparity32;
  return f;
}

mx::array bytes(int h, int w, int c) {
  std::vector<std::uint8_t> v(std::size_t(h) * w * c);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = std::uint8_t(i * 37 % 251);
  return c == 1 ? mx::array(v.data(), {h, w}, mx::uint8) : mx::array(v.data(), {h, w, c}, mx::uint8);
}

Frame color_frame() {
  Frame c;
  c.data = bytes(28, 40, 3);
  c.format = FrameFormat::rgb8;
  c.intrinsics.width = 40, c.intrinsics.height = 28, c.intrinsics.fx = 36, c.intrinsics.fy = 35;
  c.intrinsics.ppx = 19.5f, c.intrinsics.ppy = 13.7f;
  return c;
}

Extrinsics extrinsics() {
  Extrinsics e;
  e.translation = {0.015f, 0.0005f, 0.0006f};
  e.rotation = {0.9999f, 0.0103f, -0.0129f, -0.0103f, 0.99995f, 0, 0.0129f, 0.0002f, 0.9999f};
  return e;
}

struct OpCase {
  std::string name;
  std::string tag;  // dispatch tag of its twins; empty: portable only
  std::function<std::vector<mx::array>(mx::Stream)> run;
};

// Every op of the depth system, with inputs reaching each branch of its portable path.
std::vector<OpCase> every_op() {
  std::vector<OpCase> ops;
  ops.push_back({"decimation", "depth.decimation", [](mx::Stream s) {
                   const Frame f = depth_frame();
                   return std::vector<mx::array>{decimate(f, {2}, s).data, decimate(f, {3}, s).data, decimate(f, {5}, s).data};
                 }});
  ops.push_back({"decimation video", "", [](mx::Stream s) {
                   return std::vector<mx::array>{decimate_video(bytes(20, 30, 3), 3, s), decimate_video(bytes(20, 30, 1), 2, s)};
                 }});
  ops.push_back({"depth2disparity", "depth.depth2disparity",
                 [](mx::Stream s) { return std::vector<mx::array>{depth_to_disparity(depth_frame(), s).data}; }});
  ops.push_back({"disparity2depth", "depth.disparity2depth",
                 [](mx::Stream s) { return std::vector<mx::array>{disparity_to_depth(disparity_frame(), s).data}; }});
  ops.push_back({"units", "", [](mx::Stream s) { return std::vector<mx::array>{units_transform(depth_frame(), s).data}; }});
  ops.push_back({"threshold", "depth.threshold", [](mx::Stream s) { return std::vector<mx::array>{threshold(depth_frame(), {}, s).data}; }});
  ops.push_back({"colorizer", "depth.colorizer", [](mx::Stream s) {
                   return std::vector<mx::array>{colorize(depth_frame(), {0, true, 0, 6}, s).data,
                                                 colorize(depth_frame(), {2, false, 0.3f, 4}, s).data,
                                                 colorize(disparity_frame(), {9, false, 0.3f, 4}, s).data};
                 }});
  ops.push_back({"pointcloud", "depth.pointcloud", [](mx::Stream s) {
                   Pointcloud bare, mapped;
                   mapped.map_to(color_frame().intrinsics, extrinsics());  // occlusion removal on
                   const auto a = bare.calculate(depth_frame(), s), b = mapped.calculate(depth_frame(), s);
                   return std::vector<mx::array>{a.vertices, a.texcoords, b.vertices, b.texcoords};
                 }});
  ops.push_back({"pointcloud distorted", "", [](mx::Stream s) {
                   Intrinsics tex = color_frame().intrinsics;
                   tex.model = Distortion::brown_conrady;
                   tex.coeffs = {0.1f, -0.05f, 0.001f, -0.002f, 0.01f};  // no twin: portable
                   Pointcloud pc;
                   pc.map_to(tex, extrinsics());
                   const auto r = pc.calculate(depth_frame(), s);
                   return std::vector<mx::array>{r.vertices, r.texcoords};
                 }});
  ops.push_back({"camera models", "", [](mx::Stream s) {
                   std::vector<mx::array> out;
                   Intrinsics in = depth_frame().intrinsics;
                   for (auto [model, k] : {std::pair{Distortion::inverse_brown_conrady, std::array<float, 5>{-0.05f, 0.02f, 0.0015f, 0.001f, 0}},
                                           std::pair{Distortion::kannala_brandt4, std::array<float, 5>{-0.01f, 0.02f, -0.005f, 0.001f, 0}},
                                           std::pair{Distortion::ftheta, std::array<float, 5>{0.9f, 0, 0, 0, 0}}}) {
                     in.model = model, in.coeffs = k;
                     const auto rays = deproject_rays(in, 6, 8, 0.5f, s);
                     const auto pts = mx::concatenate({rays, mx::ones({6, 8, 1}, mx::float32, s)}, -1, s);
                     out.push_back(project_points(transform_points(pts, extrinsics(), s), in, s));
                   }
                   return out;
                 }});
  ops.push_back({"align", "depth.align", [](mx::Stream s) {
                   std::vector<mx::array> out;
                   for (AlignTo to : {AlignTo::color, AlignTo::depth}) {
                     for (AlignMode mode : {AlignMode::sse, AlignMode::scalar}) {
                       out.push_back(Align(to, mode).process(depth_frame(), color_frame(), extrinsics(), s).data);
                     }
                   }
                   return out;
                 }});
  ops.push_back({"format conversion", "", [](mx::Stream s) {
                   auto [l8, r8] = split_y8i(bytes(4, 6, 2), s);
                   auto [l12, r12] = split_y12i(bytes(4, 6, 3), s);
                   return std::vector<mx::array>{convert_yuv(bytes(4, 12, 1), PackedYuv::yuy2, FrameFormat::rgba8, s),
                                                 convert_yuv_scalar(bytes(4, 12, 1), PackedYuv::uyvy, FrameFormat::bgr8, s),
                                                 convert_yuv(bytes(4, 12, 1), PackedYuv::yuy2, FrameFormat::y8, s),
                                                 l8, r8, l12, r12};
                 }});
  ops.push_back({"spatial", "depth.spatial", [](mx::Stream s) {
                   return std::vector<mx::array>{spatial_filter(depth_frame().data, {.holes_fill = 2}, s),
                                                 spatial_filter(disparity_frame().data, {.holes_fill = 3}, s)};
                 }});
  ops.push_back({"temporal", "depth.temporal", [](mx::Stream s) {
                   const auto f = depth_frame().data;
                   const auto step = temporal_filter_step(f, temporal_initial_state(f.shape(), f.dtype(), s), {}, s);
                   return std::vector<mx::array>{step.output, step.state.last, step.state.history};
                 }});
  ops.push_back({"hole filling", "depth.hole_filling", [](mx::Stream s) {
                   std::vector<mx::array> out;
                   for (int mode = 0; mode < 3; ++mode) out.push_back(hole_filling(disparity_frame().data, {.mode = mode}, s));
                   return out;
                 }});
  ops.push_back({"standard chain", "", [](mx::Stream s) {
                   Pipeline p(ChainSpec::standard());
                   return std::vector<mx::array>{p.process(depth_frame(), s).data};
                 }});
  return ops;
}

std::string describe(const std::set<std::pair<int, int>>& streams) {
  std::string out;
  for (auto [device, index] : streams) {
    out += (device == static_cast<int>(mx::Device::cpu) ? " cpu:" : " gpu:") + std::to_string(index);
  }
  return out;
}

// The request of issue 11: an op on an explicit, non-default CPU stream (on the GPU run: while
// the default device is the GPU) runs its CPU twin there, unforced; a block passes its stream on.
TEST(DepthStreams, CpuTwinRunsOnTheCallersStreamNotTheDefaultDevice) {
  const mx::Stream s = mx::new_stream(mx::Device::cpu);
  ASSERT_FALSE(s == mx::default_stream(mx::default_device())) << "the test needs a stream the default is not";
  const Frame in = depth_frame();
  ImplTrace trace;
  const Frame out = decimate(in, {2}, s);
  ASSERT_TRUE(out.data.has_primitive());
  EXPECT_EQ(out.data.primitive().stream(), s);
  EXPECT_EQ(trace.count(Impl::cpu, "depth.decimation"), 1) << trace.summary();
  const Frame filtered = make_block("spatial")->process(out, s);
  EXPECT_EQ(filtered.data.primitive().stream(), s);
  EXPECT_EQ(trace.count(Impl::cpu, "depth.spatial"), 1) << trace.summary();
  EXPECT_EQ(graph_streams({filtered.data}), (std::set{stream_key(s)})) << describe(graph_streams({filtered.data}));
  // Same numbers as the default device's run.
  const Frame again = make_block("spatial")->process(decimate(in, {2}));
  EXPECT_EQ(to_vector<std::uint16_t>(filtered.data), to_vector<std::uint16_t>(again.data));
}

// Each portable path and each twin keeps all of its ops on the given stream: a new stream of the
// CPU, or of the GPU on a GPU run.
class DepthStreamImpl : public ::testing::TestWithParam<std::tuple<Impl, mx::Device::DeviceType>> {};

TEST_P(DepthStreamImpl, EveryOpStaysOnItsStream) {
  const auto [impl, device] = GetParam();
  if (device == mx::Device::gpu && !mx::is_available(mx::Device(mx::Device::gpu))) GTEST_SKIP() << "no GPU here";
  if (impl == Impl::cuda && !is_cuda_device(mx::Device::gpu)) GTEST_SKIP() << test::skip_reason(impl);
  const mx::Stream s = mx::new_stream(device);
  int checked = 0;
  for (const auto& op : every_op()) {
    if (impl != Impl::portable && op.tag.empty()) continue;
    if ((op.tag == "depth.align" || op.tag == "depth.threshold") && impl == Impl::cuda) continue;  // no CUDA twin
    SCOPED_TRACE(op.name);
    ScopedImpl force(impl, op.tag);  // portable: every op; a twin: this op's tag
    ImplTrace trace;
    const auto out = op.run(s);
    const auto want = std::set{stream_key(s)};
    const auto got = graph_streams(out);
    EXPECT_TRUE(std::includes(want.begin(), want.end(), got.begin(), got.end()) && got.count(stream_key(s)))
        << "streams:" << describe(got);
    if (!op.tag.empty()) {
      EXPECT_TRUE(trace.ran(impl, op.tag)) << trace.summary();
    }
    mx::eval(out);
    ++checked;
  }
  EXPECT_EQ(checked, impl == Impl::portable ? 16 : impl == Impl::cpu ? 10 : 8);
}

INSTANTIATE_TEST_SUITE_P(Streams, DepthStreamImpl,
                         ::testing::Values(std::tuple{Impl::portable, mx::Device::cpu}, std::tuple{Impl::cpu, mx::Device::cpu},
                                           std::tuple{Impl::portable, mx::Device::gpu}, std::tuple{Impl::cuda, mx::Device::gpu}),
                         [](const auto& info) {
                           return std::string(to_string(std::get<0>(info.param))) +
                                  (std::get<1>(info.param) == mx::Device::cpu ? "_on_cpu" : "_on_gpu");
                         });

}  // namespace
}  // namespace robomlx::depth
