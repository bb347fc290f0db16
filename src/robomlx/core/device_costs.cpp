// SPDX-License-Identifier: Apache-2.0
// The cost table behind `--device auto` (device_policy.h). Each row is one benchmark row from
// `robomlx bench`, copied with the file it comes from; a path without a row is never picked.
// The GPU rows of the portable path come from an H100 running the MLX-ops path with every twin
// disabled, the closest proxy here for an Apple GPU (which has no robomlx twins it may pick);
// the CPU rows from a 2-core x86 VM, a lower bound for an Apple CPU. docs/auto-device.md.
#include "robomlx/core/device_policy.h"

namespace robomlx {

namespace {
constexpr const char* kChain = "standard chain 1280x720";
constexpr const char* kSgm = "sgm census 8-path 1280x720 D=128";
constexpr const char* kMvmr = "mvmr upstream T=16896 K=125 C=128 M=256";
constexpr const char* kH100 = "H100";
constexpr const char* kVm = "2-core x86 VM";

constexpr PathCost kTable[] = {
    {Workload::depth_filters, Path::cuda_twins, 0.372, kChain, kH100, "docs/results/2026-12-07-h100-portable/bench-depth.json"},
    {Workload::depth_filters, Path::portable_gpu, 4.55, kChain, kH100, "docs/results/2026-12-07-h100-portable-chain/bench-depth-gpu.json"},
    {Workload::depth_filters, Path::cpu_twins, 3.07, kChain, kVm, "docs/results/2026-11-25-cpu/depth.json"},
    {Workload::stereo_matching, Path::cuda_twins, 3.13, kSgm, kH100, "docs/results/2026-11-25-h100/stereo.json"},
    {Workload::stereo_matching, Path::cpu_twins, 99.4, kSgm, kVm, "docs/results/2026-11-25-cpu/stereo.json"},
    {Workload::sparse_ops, Path::cuda_twins, 0.183, kMvmr, kH100, "docs/results/2026-11-26-h100/sparse.json"},
    {Workload::sparse_ops, Path::portable_gpu, 1.535, kMvmr, kH100, "docs/results/2026-11-26-h100/sparse.json"},
    {Workload::sparse_ops, Path::cpu_twins, 44.3, kMvmr, kVm, "docs/results/2026-12-06-cpu/sparse-new-2.json"},
};
}  // namespace

std::span<const PathCost> cost_table() { return kTable; }

}  // namespace robomlx
