// SPDX-License-Identifier: Apache-2.0
// The portable SGM on a GPU at a given size (scripts/gpu-probes/sgm-probe): which stage fails, if
// any (census, cost volume, aggregation over 4/8 paths, selection, each evaluated on its own), then
// the time (median of 7 after a warm-up, graph building included) and the kernels (graph nodes that
// launch work) of each stage (census, cost volume, aggregation, selection, median) and of the
// whole portable compute_disparity.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <functional>
#include <string>
#include <vector>

#include <mlx/mlx.h>

#include "robomlx/core/bench.h"
#include "robomlx/core/dispatch.h"
#include "robomlx/stereo/sgm.h"
#include "robomlx/stereo/sgm_internal.h"

namespace mx = mlx::core;
using namespace robomlx::stereo::detail;

namespace {
// Graph nodes that launch work (as `robomlx bench stereo` counts).
int kernels(const std::vector<mx::array>& outs) { return robomlx::graph_size(outs).kernels; }

void time_it(const char* name, const std::string& size, const std::function<std::vector<mx::array>()>& f) {
  std::vector<double> ms;
  for (int r = 0; r < 8; ++r) {
    mx::synchronize();
    const auto t0 = std::chrono::steady_clock::now();
    mx::eval(f());
    mx::synchronize();
    if (r > 0) ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  std::printf("time %-26s %s: %8.2f ms (min %.2f)  kernels %d\n", name, size.c_str(), ms[ms.size() / 2], ms[0],
              kernels(f()));
  std::fflush(stdout);
}
}  // namespace

int main(int argc, char** argv) {
  int W = argc > 1 ? atoi(argv[1]) : 672, H = argc > 2 ? atoi(argv[2]) : 376, D = argc > 3 ? atoi(argv[3]) : 64;
  auto s = mx::default_stream(mx::default_device());  // the GPU on a GPU build
  auto key = mx::random::key(1);
  auto left = mx::floor(mx::multiply(mx::random::uniform({H, W}, mx::float32, key), mx::array(255.0f)));
  auto right = mx::roll(left, 17, 1);  // some structure: a shifted copy
  mx::eval(left, right);
  CoreParams p;
  p.num_d = D;
  char size[64];
  std::snprintf(size, sizeof size, "%dx%d D=%d", W, H, D);
  auto run = [&](const char* name, auto f) {
    try {
      auto r = f();
      mx::eval(r);
      mx::synchronize(s);
      std::printf("ok   %s %s\n", name, size);
      return r;
    } catch (const std::exception& e) {
      std::printf("FAIL %s %s: %s\n", name, size, e.what());
      std::fflush(stdout);
      std::exit(1);
    }
  };
  run("census", [&] { return census_transform(left, 9, 7, s); });
  auto cost = run("cost_volume", [&] { return cost_volume(left, right, p, s); });
  for (int paths : {4, 8}) {
    CoreParams q = p;
    q.paths = paths;
    char name[32];
    std::snprintf(name, sizeof name, "aggregate %d paths", paths);
    run(name, [&] { return aggregate_paths(cost, q, s); });
  }
  auto sum = aggregate_paths(cost, p, s);
  run("select", [&] { return select_disparity(sum, p, s)[0]; });

  // Each stage timed on its own (inputs evaluated beforehand), then the whole: what the stages
  // leave out is the float conversion of the inputs and the graph glue between them.
  robomlx::ScopedImpl portable(robomlx::Impl::portable);
  time_it("census (both views)", size, [&] {
    return std::vector<mx::array>{census_transform(left, 9, 7, s), census_transform(right, 9, 7, s)};
  });
  time_it("cost volume", size, [&] { return std::vector<mx::array>{cost_volume(left, right, p, s)}; });
  time_it("aggregate 8 paths", size, [&] { return std::vector<mx::array>{aggregate_paths(cost, p, s)}; });
  mx::eval(sum);
  time_it("select (WTA, LR, subpixel)", size, [&] { return select_disparity(sum, p, s); });
  auto chosen = select_disparity(sum, p, s);
  mx::eval(chosen);
  time_it("median 3x3", size, [&] { return std::vector<mx::array>{median_filter(chosen[0], 3, s)}; });
  robomlx::stereo::SgmOptions o;
  o.num_disparities = D;
  time_it("compute_disparity portable", size, [&] {
    auto r = robomlx::stereo::compute_disparity(left, right, o, s);
    return std::vector<mx::array>{r.disparity, r.confidence};
  });
  return 0;
}
