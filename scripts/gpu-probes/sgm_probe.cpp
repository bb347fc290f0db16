// SPDX-License-Identifier: Apache-2.0
// Which stage of the portable SGM fails on a GPU at a given size (scripts/gpu-probes/sgm-probe).
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <mlx/mlx.h>
#include "robomlx/stereo/sgm_internal.h"
namespace mx = mlx::core;
using namespace robomlx::stereo::detail;
int main(int argc, char** argv) {
  int W = argc > 1 ? atoi(argv[1]) : 672, H = argc > 2 ? atoi(argv[2]) : 376, D = argc > 3 ? atoi(argv[3]) : 64;
  auto s = mx::default_stream(mx::Device::gpu);
  auto left = mx::floor(mx::multiply(mx::random::uniform({H, W}), mx::array(255.0f)));
  auto right = mx::floor(mx::multiply(mx::random::uniform({H, W}), mx::array(255.0f)));
  mx::eval(left, right);
  CoreParams p;
  p.num_d = D;
  auto run = [&](const char* name, auto f) {
    try {
      auto r = f();
      mx::eval(r);
      mx::synchronize(s);
      std::printf("ok   %s %dx%d D=%d\n", name, W, H, D);
      return r;
    } catch (const std::exception& e) {
      std::printf("FAIL %s %dx%d D=%d: %s\n", name, W, H, D, e.what());
      std::fflush(stdout);
      std::exit(1);
    }
  };
  run("census", [&] { return census_transform(left, 9, 7, s); });
  auto cost = run("cost_volume", [&] { return cost_volume(left, right, p, s); });
  for (int paths : {2, 4, 8}) {
    CoreParams q = p;
    q.paths = paths;
    char name[32];
    std::snprintf(name, sizeof name, "aggregate %d paths", paths);
    run(name, [&] { return aggregate_paths(cost, q, s); });
  }
  auto sum = aggregate_paths(cost, p, s);
  run("select", [&] { return select_disparity(sum, p, s)[0]; });
  return 0;
}
