// SPDX-License-Identifier: Apache-2.0
// `robomlx info`: versions, backends compiled in, usable devices, the device auto picks,
// memory counters and threads.
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>

#include <mlx/memory.h>
#include <mlx/version.h>

#include "command.h"
#include "robomlx/core/bench.h"
#include "robomlx/core/blas_info.h"
#include "robomlx/core/cpu_isa.h"
#include "robomlx/core/parallel.h"
#include "robomlx/core/device.h"
#include "robomlx/core/version.h"

namespace robomlx::cli {

namespace {
std::string mib(std::size_t bytes) { return std::to_string(bytes / (1024 * 1024)) + " MiB"; }

void run_info(const GlobalOptions& global) {
  auto report = probe_backends();
  std::cout << "robomlx " << kVersion << "\n";
  std::cout << "MLX " << mx::version() << "\n";
  std::cout << "backends: cpu" << (report.cuda_compiled ? ", cuda" : "") << (report.metal_compiled ? ", metal" : "")
            << " compiled in\n";
  std::cout << "devices usable: cpu";
  for (int i = 0; i < report.gpu_count; ++i) std::cout << ", " << describe_device(mx::Device(mx::Device::gpu, i));
  std::cout << "\n";
  std::cout << "gpu: " << report.summary() << "\n";
  if (report.metal_compiled) {  // docs/kernels.md: the Metal twins have not run on Apple hardware yet
    const char* env = std::getenv("ROBOMLX_METAL_TWINS");
    std::cout << "metal twins: unverified; "
              << (env && std::string(env) == "1" ? "chosen automatically (ROBOMLX_METAL_TWINS=1)"
                                                 : "run only when forced (ROBOMLX_METAL_TWINS=1 lets auto pick them)")
              << "\n";
  }
  auto caps = probe_capabilities();
  for (Workload w : {Workload::general, Workload::depth_filters, Workload::stereo_matching, Workload::sparse_ops,
                     Workload::training}) {
    auto pick = auto_device(w, caps);
    std::cout << "auto picks for " << to_string(w) << ": " << describe_device(pick.device) << " (" << pick.why << ")\n";
  }
  auto selected = apply_device(global);
  std::cout << "selected: " << describe_device(selected) << "\n";
  std::cout << "memory: active " << mib(mx::get_active_memory()) << ", peak " << mib(mx::get_peak_memory())
            << ", cache " << mib(mx::get_cache_memory()) << ", limit " << mib(mx::get_memory_limit()) << "\n";
  std::cout << "threads: " << std::thread::hardware_concurrency() << " hardware, " << usable_cpus()
            << " usable by robomlx's CPU twins (affinity, ROBOMLX_NUM_THREADS); MLX runs one worker thread per CPU stream\n";
#if defined(__x86_64__) && defined(__GNUC__)
  const char* widest = __builtin_cpu_supports("avx512bw") ? "avx512" : __builtin_cpu_supports("avx2") ? "avx2" : "sse2";
  const char* isa_names[] = {"generic", "sse2", "avx2", "avx512"};
  std::cout << "cpu simd: " << widest << " on this CPU; hand-written kernels up to "
            << isa_names[static_cast<int>(cpu_isa_cap())] << " (ROBOMLX_CPU_ISA caps it)\n";
#endif
  auto blas = blas_provider();
  std::cout << "cpu blas: " << (blas.empty() ? "none loaded" : blas) << "\n";
  std::cout << "machine: " << machine_description() << "\n";
}

void add_info(CLI::App& app, GlobalOptions& global) {
  auto* cmd = app.add_subcommand("info", "Show versions, backends, devices and memory");
  cmd->callback([&global] { run_info(global); });
}
}  // namespace

ROBOMLX_COMMAND(info, add_info);

}  // namespace robomlx::cli
