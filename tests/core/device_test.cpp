// SPDX-License-Identifier: Apache-2.0
#include <cstdlib>

#include <mlx/device.h>
#include <mlx/stream.h>

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
  ImplTrace trace;
  EXPECT_EQ(choose_impl("t", cpu, {}), Impl::portable);
  EXPECT_EQ(choose_impl("t", cpu, {.cpu = true}), Impl::cpu);
  EXPECT_EQ(choose_impl("t", cpu, {.cuda = true}), Impl::portable);  // a CUDA twin never runs on a CPU stream
  {
    ScopedImpl force(Impl::portable);
    EXPECT_EQ(choose_impl("t", cpu, {.cpu = true}), Impl::portable);
  }
  EXPECT_EQ(choose_impl("t", cpu, {.cpu = true}), Impl::cpu);
  EXPECT_EQ(trace.count(Impl::cpu, "t"), 2);
  EXPECT_EQ(trace.count(Impl::portable), 3);
  EXPECT_EQ(trace.summary(), "t -> portable, t -> cpu, t -> portable, t -> portable, t -> cpu");
}

TEST(Dispatch, ForcedTwinThatCannotRunThrowsInsteadOfFallingBack) {
  mx::Device cpu(mx::Device::cpu);
  ScopedImpl force(Impl::cuda);
  EXPECT_THROW_MSG(choose_impl("sys.op", cpu, {.cpu = true, .cuda = true}), UnsupportedBackendError,
                   "[sys.op] forced implementation 'cuda' cannot run: the CUDA twin needs a CUDA GPU stream");
  EXPECT_THROW_MSG(choose_impl("sys.op", cpu, {.cpu = true}), UnsupportedBackendError, "the op has no CUDA twin");
  // The preview (planning) never throws: a forced twin that does not fit previews as portable.
  EXPECT_EQ(preview_impl("sys.op", cpu, {.cpu = true}), Impl::portable);
}

TEST(Dispatch, ForcingCanTargetOneTagPrefix) {
  mx::Device cpu(mx::Device::cpu);
  ScopedImpl force(Impl::portable, "depth.spatial");
  ImplTrace trace;
  EXPECT_EQ(choose_impl("depth.spatial", cpu, {.cpu = true}), Impl::portable);
  EXPECT_EQ(choose_impl("depth.temporal", cpu, {.cpu = true}), Impl::cpu);  // not forced
  EXPECT_TRUE(trace.ran(Impl::portable, "depth.spatial"));
  EXPECT_FALSE(trace.ran(Impl::portable, "depth.temporal"));
}

// ROBOMLX_IMPL: a bare implementation for every op, or per tag prefix (the longest match wins);
// a ScopedImpl still overrides it; a bad value names the expected forms.
TEST(Dispatch, EnvironmentForcesAllOpsOrOneTagPrefix) {
  mx::Device cpu(mx::Device::cpu);
  ::setenv("ROBOMLX_IMPL", "portable", 1);
  EXPECT_EQ(choose_impl("depth.spatial", cpu, {.cpu = true}), Impl::portable);
  EXPECT_EQ(forced_impl(), Impl::portable);
  ::setenv("ROBOMLX_IMPL", "depth=portable,depth.spatial=cpu", 1);
  EXPECT_EQ(choose_impl("depth.spatial", cpu, {.cpu = true}), Impl::cpu);
  EXPECT_EQ(choose_impl("depth.temporal", cpu, {.cpu = true}), Impl::portable);
  EXPECT_EQ(choose_impl("splat.bin", cpu, {.cpu = true}), Impl::cpu);  // not named: the default choice
  EXPECT_FALSE(forced_impl().has_value());
  ::setenv("ROBOMLX_IMPL", "cpu,splat.bin=portable", 1);
  EXPECT_EQ(choose_impl("splat.bin", cpu, {.cpu = true}), Impl::portable);
  EXPECT_EQ(choose_impl("splat.blend", cpu, {.cpu = true}), Impl::cpu);
  {
    ScopedImpl force(Impl::cpu, "splat.bin");
    EXPECT_EQ(choose_impl("splat.bin", cpu, {.cpu = true}), Impl::cpu);
  }
  ::setenv("ROBOMLX_IMPL", "splat.bin=fast", 1);
  EXPECT_THROW_MSG(choose_impl("splat.bin", cpu, {.cpu = true}), std::invalid_argument,
                   "ROBOMLX_IMPL must be portable, cpu, cuda or metal, or a comma-separated list of <op tag prefix>=");
  ::unsetenv("ROBOMLX_IMPL");
  EXPECT_EQ(choose_impl("splat.bin", cpu, {.cpu = true}), Impl::cpu);
}

TEST(Dispatch, OpStreamFollowsMlxRuleForStreamOrDevice) {
  auto explicit_cpu = mx::new_stream(mx::Device::cpu);
  EXPECT_EQ(op_stream(explicit_cpu), explicit_cpu);
  EXPECT_EQ(op_stream(mx::Device::cpu), mx::default_stream(mx::Device::cpu));
  EXPECT_EQ(op_stream({}), mx::default_stream(mx::default_device()));
}

}  // namespace
}  // namespace robomlx
