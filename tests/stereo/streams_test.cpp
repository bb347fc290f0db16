// SPDX-License-Identifier: Apache-2.0
// Every stereo op runs on the stream it is given and decides from that stream's device, not from
// the default device: on a GPU run the ops get an explicit CPU stream while the default device is
// the GPU, on a CPU-only run a second CPU stream (mx::new_stream). The graphs are walked: no op
// may sit on another stream.
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include <mlx/mlx.h>
#include <mlx/primitives.h>

#include "robomlx/core/dispatch.h"
#include "robomlx/stereo/depth_io.h"
#include "robomlx/stereo/disparity_to_depth.h"
#include "robomlx/stereo/disparity_to_points.h"
#include "robomlx/stereo/rectify.h"
#include "robomlx/stereo/sgm.h"
#include "robomlx/stereo/video.h"
#include "support.h"

namespace robomlx::stereo {
namespace {

// A CPU stream that is not the default device's default stream.
mx::Stream other_cpu_stream() {
  if (mx::default_device() == mx::Device::gpu) return mx::default_stream(mx::Device::cpu);
  static const mx::Stream s = mx::new_stream(mx::Device::cpu);  // tests run on one thread
  return s;
}

// The ops in the graphs of `outputs` (evaluated arrays and constants have none); adds a failure
// for every op on another stream than s.
int ops_on(const std::vector<mx::array>& outputs, mx::Stream s) {
  std::vector<mx::array> todo = outputs;
  std::set<std::uintptr_t> seen;
  int ops = 0;
  while (!todo.empty()) {
    const mx::array a = todo.back();
    todo.pop_back();
    if (!a.has_primitive() || !seen.insert(a.id()).second) continue;
    ++ops;
    if (a.primitive().stream() != s) ADD_FAILURE() << a.primitive().name() << " is on another stream";
    for (const auto& in : a.inputs()) todo.push_back(in);
  }
  return ops;
}

// Inputs are evaluated, so that the graphs hold the op's own work only.
mx::array evaluated(mx::array a) {
  mx::eval(a);
  return a;
}
mx::array texture(int h, int w) {
  return evaluated(mx::floor(mx::random::uniform(0, 256, {h, w}, mx::float32, mx::random::key(3))));
}

TEST(StereoStreams, SgmCpuTwinRunsOnTheGivenStream) {
  const mx::Stream s = other_cpu_stream();
  ASSERT_NE(s, mx::default_stream(mx::default_device()));
  const mx::array left = texture(24, 40), right = evaluated(mx::roll(left, -3, 1));
  SgmOptions o;
  o.num_disparities = 16;
  ImplTrace trace;
  const auto r = compute_disparity(left, right, o, s);
  EXPECT_EQ(trace.summary(), "stereo.sgm -> cpu");
  EXPECT_GT(ops_on({r.disparity, r.confidence}, s), 0);
  ASSERT_TRUE(r.disparity.has_primitive());
  EXPECT_EQ(std::string(r.disparity.primitive().name()), "stereo.sgm/cpu");  // the twin's host op, on s
  mx::eval(r.disparity);
}

// The portable path, pyramid, refinement, median and speckle filter included.
TEST(StereoStreams, SgmPortableGraphIsOnTheGivenStream) {
  const mx::Stream s = other_cpu_stream();
  const mx::array left = texture(24, 40), right = evaluated(mx::roll(left, -4, 1));
  SgmOptions o;
  o.num_disparities = 16;
  o.cost = "ad_census";
  o.pyramid_factor = 2;
  o.refinement_radius = 1;
  o.speckle_window = 4;
  const auto r = test::run_forced(Impl::portable, "stereo", [&] { return compute_disparity(left, right, o, s); });
  EXPECT_GT(ops_on({r.disparity, r.confidence}, s), 100);
}

TEST(StereoStreams, RemapRunsOnTheGivenStream) {
  const mx::Stream s = other_cpu_stream();
  const mx::array image = texture(8, 10);
  // Source coordinates shifted by half a pixel, some outside the image.
  const mx::array xs = mx::broadcast_to(mx::reshape(mx::arange(10, mx::float32), {1, 10, 1}), {8, 10, 1});
  const mx::array ys = mx::broadcast_to(mx::reshape(mx::arange(8, mx::float32), {8, 1, 1}), {8, 10, 1});
  const mx::array map = evaluated(mx::concatenate({xs + 0.5f, ys - 0.5f}, 2));
  {
    ImplTrace trace;
    const mx::array out = remap_bilinear(image, map, s);
    EXPECT_EQ(trace.summary(), "stereo.remap -> cpu");
    EXPECT_GT(ops_on({out}, s), 0);
  }
  const mx::array portable = test::run_forced(Impl::portable, "stereo.remap", [&] { return remap_bilinear(image, map, s); });
  EXPECT_GT(ops_on({portable}, s), 3);
  const RemapTable table = make_remap_table(map, 8, 10, s);
  EXPECT_GT(ops_on({remap_bilinear(image, table, s)}, s), 3);
  const StereoPair halves = split_side_by_side(image, s);
  EXPECT_EQ(ops_on({halves.left, halves.right}, s), 2);
}

TEST(StereoStreams, ConversionsAreOnTheGivenStream) {
  const mx::Stream s = other_cpu_stream();
  const mx::array disparity = evaluated(mx::subtract(mx::divide(texture(6, 8), mx::array(8.0f)), mx::array(4.0f)));
  const mx::array depth = evaluated(mx::multiply(disparity, mx::array(100.0f)));
  const mx::array kitti = evaluated(mx::astype(texture(6, 8), mx::uint16));
  const mx::array yuyv = evaluated(mx::astype(texture(6, 16), mx::uint8));
  const mx::array rgb = evaluated(mx::astype(mx::random::uniform(0, 256, {6, 8, 3}), mx::uint8));
  EXPECT_GT(ops_on({disparity_to_depth(disparity, 700.0, 120.0, DepthUnit::metre, s)}, s), 3);
  EXPECT_GT(ops_on({depth_to_mm16(depth, s)}, s), 3);
  RectifiedGeometry g;
  g.focal_px = 700;
  g.baseline_mm = 120;
  EXPECT_GT(ops_on({disparity_to_points(disparity, g, s)}, s), 10);
  EXPECT_GT(ops_on({disparity_to_kitti(disparity, s)}, s), 3);
  EXPECT_GT(ops_on({kitti_to_disparity(kitti, s)}, s), 2);
  EXPECT_GT(ops_on({colorize_disparity(disparity, 0.0f, 10.0f, s)}, s), 5);
  EXPECT_GT(ops_on({yuyv_to_rgb(yuyv, s)}, s), 10);
  EXPECT_GT(ops_on({yuyv_to_grey(yuyv, s)}, s), 3);
  EXPECT_GT(ops_on({rgb_to_grey(rgb, s)}, s), 5);
}

}  // namespace
}  // namespace robomlx::stereo
