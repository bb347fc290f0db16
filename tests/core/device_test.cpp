// SPDX-License-Identifier: Apache-2.0
#include <cstdlib>

#include <mlx/device.h>

#include "robomlx/core/device.h"
#include "robomlx/core/dispatch.h"
#include "robomlx/core/error.h"
#include "support.h"

namespace robomlx {
namespace {

TEST(Device, ParsesChoicesCaseInsensitively) {
  EXPECT_EQ(parse_device_choice("AUTO"), DeviceChoice::Auto);
  EXPECT_EQ(parse_device_choice("cpu"), DeviceChoice::Cpu);
  EXPECT_EQ(parse_device_choice("Gpu"), DeviceChoice::Gpu);
  EXPECT_THROW_MSG(parse_device_choice("tpu"), std::invalid_argument, "got 'tpu'");
}

TEST(Device, EnvironmentChoice) {
  ::setenv("ROBOMLX_DEVICE", "cpu", 1);
  EXPECT_EQ(device_choice_from_env(), DeviceChoice::Cpu);
  ::setenv("ROBOMLX_DEVICE", "bogus", 1);
  EXPECT_THROW_MSG(device_choice_from_env(), std::invalid_argument, "ROBOMLX_DEVICE");
  ::unsetenv("ROBOMLX_DEVICE");
  EXPECT_EQ(device_choice_from_env(), DeviceChoice::Auto);
}

TEST(Device, AutoFollowsUsableGpuAndGpuFailsWithoutOne) {
  auto report = probe_backends();
  EXPECT_EQ(report.gpu_count > 0, gpu_usable());
  auto autod = resolve_device(DeviceChoice::Auto);
  EXPECT_EQ(autod.type == mx::Device::gpu, gpu_usable());
  EXPECT_EQ(resolve_device(DeviceChoice::Cpu).type, mx::Device::cpu);
  if (gpu_usable()) {
    EXPECT_EQ(resolve_device(DeviceChoice::Gpu).type, mx::Device::gpu);
  } else {
    EXPECT_THROW_MSG(resolve_device(DeviceChoice::Gpu), UnsupportedBackendError, "no usable GPU");
  }
}

TEST(Dispatch, PicksTwinByDeviceAndHonoursForcing) {
  mx::Device cpu(mx::Device::cpu);
  EXPECT_EQ(choose_impl("t", cpu, {}), Impl::portable);
  EXPECT_EQ(choose_impl("t", cpu, {.cpu = true}), Impl::cpu);
  EXPECT_EQ(choose_impl("t", cpu, {.cuda = true}), Impl::portable);  // a CUDA twin never runs on a CPU stream
  {
    ScopedImpl force(Impl::portable);
    EXPECT_EQ(choose_impl("t", cpu, {.cpu = true}), Impl::portable);
  }
  {
    ScopedImpl force(Impl::cuda);  // forced twin the op lacks on this device -> portable
    EXPECT_EQ(choose_impl("t", cpu, {.cpu = true}), Impl::portable);
  }
  EXPECT_EQ(choose_impl("t", cpu, {.cpu = true}), Impl::cpu);
}

}  // namespace
}  // namespace robomlx
