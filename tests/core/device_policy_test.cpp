// SPDX-License-Identifier: Apache-2.0
// auto's device policy with faked capabilities: CUDA present, Metal present, CPU only.
#include <gtest/gtest.h>

#include "robomlx/core/device_policy.h"

namespace robomlx {
namespace {

constexpr Workload kAll[] = {Workload::general, Workload::depth_filters, Workload::stereo_matching,
                             Workload::sparse_ops, Workload::training};

TEST(DevicePolicy, CudaGpuRunsEveryWorkload) {
  for (Workload w : kAll) {
    auto pick = auto_device(w, {.cuda_gpu = true});
    EXPECT_EQ(pick.device.type, mx::Device::gpu) << to_string(w);
  }
}

TEST(DevicePolicy, MetalGpuRunsRecursiveWorkOnTheCpuTwinsAndDenseWorkOnTheGpu) {
  Capabilities mac{.metal_gpu = true, .unified_memory = true};
  for (Workload w : {Workload::depth_filters, Workload::stereo_matching, Workload::sparse_ops}) {
    auto pick = auto_device(w, mac);
    EXPECT_EQ(pick.device.type, mx::Device::cpu) << to_string(w);
    EXPECT_NE(pick.why.find("no Metal twins"), std::string::npos) << pick.why;
  }
  for (Workload w : {Workload::general, Workload::training}) {
    EXPECT_EQ(auto_device(w, mac).device.type, mx::Device::gpu) << to_string(w);
  }
}

TEST(DevicePolicy, NoGpuMeansCpu) {
  for (Workload w : kAll) {
    auto pick = auto_device(w, {});
    EXPECT_EQ(pick.device.type, mx::Device::cpu);
    EXPECT_EQ(pick.why, "no usable GPU");
  }
}

TEST(DevicePolicy, ExplicitChoicesAreNeverOverridden) {
  EXPECT_EQ(resolve_device_for(DeviceChoice::Cpu, Workload::training).type, mx::Device::cpu);
  if (gpu_usable()) EXPECT_EQ(resolve_device_for(DeviceChoice::Gpu, Workload::depth_filters).type, mx::Device::gpu);
  // This machine: auto follows the table for its own capabilities.
  EXPECT_EQ(resolve_device_for(DeviceChoice::Auto, Workload::depth_filters).type,
            auto_device(Workload::depth_filters, probe_capabilities()).device.type);
}

}  // namespace
}  // namespace robomlx
