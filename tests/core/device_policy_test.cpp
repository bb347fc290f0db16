// SPDX-License-Identifier: Apache-2.0
// auto's device policy with faked capabilities (CUDA present, Metal present, CPU only) and faked
// cost tables, plus the shipped table's own decisions.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "robomlx/core/device_policy.h"

namespace robomlx {
namespace {

constexpr Workload kAll[] = {Workload::general, Workload::depth_filters, Workload::stereo_matching,
                             Workload::sparse_ops, Workload::training};
constexpr Workload kTabled[] = {Workload::depth_filters, Workload::stereo_matching, Workload::sparse_ops};
const Capabilities kCuda{.cuda_gpu = true};
const Capabilities kMac{.metal_gpu = true, .unified_memory = true};
const Capabilities kMacVerified{.metal_gpu = true, .unified_memory = true, .metal_twins_verified = true};

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

TEST(DevicePolicy, CudaGpuRunsEveryWorkload) {
  for (Workload w : kAll) {
    auto pick = auto_device(w, kCuda);
    EXPECT_EQ(pick.device.type, mx::Device::gpu) << to_string(w) << ": " << pick.why;
  }
  EXPECT_TRUE(contains(auto_device(Workload::depth_filters, kCuda).why, "CUDA twins"));
}

TEST(DevicePolicy, NoGpuMeansCpu) {
  for (Workload w : kAll) {
    auto pick = auto_device(w, {});
    EXPECT_EQ(pick.device.type, mx::Device::cpu);
    EXPECT_EQ(pick.why, "no usable GPU");
  }
}

TEST(DevicePolicy, DenseWorkStaysOnAnyGpu) {
  for (Workload w : {Workload::general, Workload::training}) {
    EXPECT_EQ(auto_device(w, kMac).device.type, mx::Device::gpu) << to_string(w);
    EXPECT_EQ(auto_device(w, kCuda).device.type, mx::Device::gpu) << to_string(w);
  }
}

TEST(DevicePolicy, PathsFollowCapabilities) {
  using V = std::vector<Path>;
  EXPECT_EQ(available_paths(Workload::depth_filters, {}), V{Path::cpu_twins});
  EXPECT_EQ(available_paths(Workload::depth_filters, kCuda), (V{Path::cuda_twins, Path::portable_gpu, Path::cpu_twins}));
  EXPECT_EQ(available_paths(Workload::depth_filters, kMac), (V{Path::portable_gpu, Path::cpu_twins}));
  EXPECT_EQ(available_paths(Workload::depth_filters, kMacVerified),
            (V{Path::metal_twins, Path::portable_gpu, Path::cpu_twins}));
  EXPECT_FALSE(has_metal_twins(Workload::depth_filters, kMac));
  EXPECT_FALSE(has_metal_twins(Workload::general, kMacVerified));
}

// A fake table: the cheapest available path wins, and the reason names both sides and the source.
TEST(DevicePolicy, CheapestMeasuredPathWins) {
  const PathCost gpu_faster[] = {
      {Workload::depth_filters, Path::portable_gpu, 2.0, "case", "m1", "a.json"},
      {Workload::depth_filters, Path::cpu_twins, 3.0, "case", "m2", "b.json"},
  };
  auto pick = auto_device(Workload::depth_filters, kMac, gpu_faster);
  EXPECT_EQ(pick.device.type, mx::Device::gpu);
  EXPECT_TRUE(contains(pick.why, "portable path on the GPU 2 ms (m1, a.json)")) << pick.why;
  EXPECT_TRUE(contains(pick.why, "beats CPU twins 3 ms (m2, b.json)")) << pick.why;

  const PathCost cpu_faster[] = {
      {Workload::depth_filters, Path::portable_gpu, 4.0, "case", "m1", "a.json"},
      {Workload::depth_filters, Path::cpu_twins, 3.0, "case", "m2", "b.json"},
  };
  EXPECT_EQ(auto_device(Workload::depth_filters, kMac, cpu_faster).device.type, mx::Device::cpu);
}

TEST(DevicePolicy, UnverifiedOrUnmeasuredPathsAreNotPicked) {
  const PathCost table[] = {
      {Workload::stereo_matching, Path::metal_twins, 0.5, "case", "mac", "c.json"},
      {Workload::stereo_matching, Path::cpu_twins, 3.0, "case", "m2", "b.json"},
  };
  // Unverified Metal twins are not a path, however cheap their row.
  auto pick = auto_device(Workload::stereo_matching, kMac, table);
  EXPECT_EQ(pick.device.type, mx::Device::cpu);
  EXPECT_TRUE(contains(pick.why, "not measured, not picked: portable path on the GPU")) << pick.why;
  // Verified (ROBOMLX_METAL_TWINS=1) and measured, they win.
  EXPECT_EQ(auto_device(Workload::stereo_matching, kMacVerified, table).device.type, mx::Device::gpu);
}

// The shipped table's decisions, one per machine kind; each row must name a docs/results file.
TEST(DevicePolicy, ShippedTableDecisions) {
  std::set<std::pair<int, int>> seen;
  for (const auto& c : cost_table()) {
    EXPECT_TRUE(contains(c.source, "docs/results/")) << c.source;
    EXPECT_GT(c.ms, 0.0);
    EXPECT_TRUE(seen.insert({static_cast<int>(c.workload), static_cast<int>(c.path)}).second) << "duplicate row";
  }
  for (Workload w : kTabled) EXPECT_EQ(auto_device(w, kCuda).device.type, mx::Device::gpu) << to_string(w);
  // On a Mac without verified Metal twins the recursive work runs the CPU twins; sparse ops,
  // gathers and matmuls that MLX's own kernels do well, run the portable path on the GPU.
  EXPECT_EQ(auto_device(Workload::depth_filters, kMac).device.type, mx::Device::cpu);
  EXPECT_EQ(auto_device(Workload::stereo_matching, kMac).device.type, mx::Device::cpu);
  EXPECT_EQ(auto_device(Workload::sparse_ops, kMac).device.type, mx::Device::gpu);
}

TEST(DevicePolicy, ExplicitChoicesAreNeverOverridden) {
  EXPECT_EQ(resolve_device_for(DeviceChoice::Cpu, Workload::training).type, mx::Device::cpu);
  if (gpu_usable()) {
    EXPECT_EQ(resolve_device_for(DeviceChoice::Gpu, Workload::depth_filters).type, mx::Device::gpu);
  }
  // This machine: auto follows the table for its own capabilities.
  EXPECT_EQ(resolve_device_for(DeviceChoice::Auto, Workload::depth_filters).type,
            auto_device(Workload::depth_filters, probe_capabilities()).device.type);
}

}  // namespace
}  // namespace robomlx
