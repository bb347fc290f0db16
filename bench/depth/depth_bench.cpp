// SPDX-License-Identifier: Apache-2.0
// `robomlx bench depth`: every processing block, the standard chain, the colorizer and the point
// cloud at 848x480 and 1280x720 (frame already on the device), plus host<->device transfer costs.
// Input: the golden synthetic 848x480 frame (planes, sphere, boxes, holes, noise), nearest-
// resized to 1280x720. Reference: librealsense 2.56.5 on one core of this machine class at
// 1280x720 (ms/frame); ratio_vs_librealsense = librealsense_ms / ours (> 1 = faster).
// impl "auto" = whatever twin each block's dispatcher picks; the chain also runs all-portable.
// "chain+colorizer+pointcloud" evaluates the chain, the colorizer and the point cloud of the chain's
// output in one eval (issue 3's GPU target); the "full-res" variant colorizes and deprojects the
// input frame instead. The align rows re-project into / re-sample a colour frame (the golden real
// colour image, nearest-resized) of the same size with a D435-like colour focal and extrinsics.
// ROBOMLX_BENCH_DEPTH_INPUTS=<dir> writes the exact inputs and one output of every "auto" row there
// (see DumpDir) so that scripts/depth_cpu_peer.py times librealsense on the same pixels and checks it.
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>

#include <mlx/mlx.h>
#include <mlx/primitives.h>

#include "robomlx/core/bench.h"
#include "robomlx/core/dispatch.h"
#include "robomlx/core/image.h"
#include "robomlx/core/io/pnm.h"
#include "robomlx/depth/align.h"
#include "robomlx/depth/block.h"
#include "robomlx/depth/pipeline.h"
#include "robomlx/depth/temporal_filter.h"
#include "robomlx/depth/depth_to_points.h"
#include "robomlx/depth/fused_internal.h"
#include "robomlx/depth/line_scan_internal.h"
#include "depth_bench_inputs.h"

namespace robomlx::depth {

namespace {

// librealsense ms/frame at 1280x720, one core (task brief).
const std::map<std::string, double> kLibrealsense720 = {
    {"chain", 9.61}, {"spatial", 3.00}, {"spatial_full", 13.6}, {"decimation", 4.95}, {"colorizer", 5.36}, {"pointcloud", 0.82}};

std::string shared_dir() {
  if (const char* s = std::getenv("ROBOMLX_SHARED_DIR")) return s;
  for (std::string c : {"../shared", "../../shared", "../../../shared", "/work/shared"})
    if (std::filesystem::exists(c + "/golden/realsense/inputs/synth848_seq0.pgm")) return c;
  return "../shared";
}

Frame make_frame(const Image& im, float fx, float baseline_mm) {
  Frame f;
  f.data = im.to_array_2d();
  mx::eval(f.data);
  f.intrinsics.width = im.width;
  f.intrinsics.height = im.height;
  f.intrinsics.fx = f.intrinsics.fy = fx;
  f.intrinsics.ppx = im.width / 2.f;
  f.intrinsics.ppy = im.height / 2.f;
  f.intrinsics.model = Distortion::brown_conrady;
  f.baseline_mm = baseline_mm;
  return f;
}

void reference(BenchResult& r, const std::string& key, bool is720) {
  auto it = kLibrealsense720.find(key);
  if (!is720 || it == kLibrealsense720.end()) return;
  r.metrics["librealsense_ms"] = it->second;
  r.metrics["ratio_vs_librealsense"] = it->second / r.median_ms;
}

// The graph behind one call of fn, including the parts the portable paths evaluate at their host
// syncs (detail::portable_syncs: the spatial filter's check, hole filling's), the syncs, and the
// spatial refinement's sweeps.
void add_graph_size(BenchResult& r, const std::function<std::vector<mx::array>()>& fn) {
  GraphSize total;
  int syncs = 0;
  const long sweeps_before = detail::refine_counts().sweeps;
  detail::portable_syncs().probe = [&](const std::vector<mx::array>& evaluated) {
    const auto g = graph_size(evaluated);
    total.nodes += g.nodes;
    total.kernels += g.kernels;
    ++syncs;
  };
  const auto g = graph_size(fn());
  detail::portable_syncs().probe = nullptr;
  r.metrics["graph_nodes"] = total.nodes + g.nodes;
  r.metrics["graph_kernels"] = total.kernels + g.kernels;
  r.metrics["host_syncs"] = syncs;
  if (const long sweeps = detail::refine_counts().sweeps - sweeps_before; sweeps > 0) r.metrics["refine_sweeps"] = sweeps;
}

Frame eval_frame(Frame f) {
  mx::eval(f.data);
  return f;
}

void depth_suite(BenchContext& ctx) {
  std::string path = shared_dir() + "/golden/realsense/inputs/synth848_seq0.pgm";
  Image base;
  try {
    base = read_pnm(path);
  } catch (const std::exception& e) {
    std::cout << "note: depth suite needs " << path << " (set ROBOMLX_SHARED_DIR): " << e.what() << "\n";
    return;
  }
  struct Size {
    int w, h;
    float fx, baseline;
  };
  std::vector<Size> sizes = ctx.quick ? std::vector<Size>{{424, 240, 210.94f, 50}}
                                      : std::vector<Size>{{848, 480, 421.88f, 50}, {1280, 720, 636.8f, 95}};
  const mx::Device dev = ctx.device();  // every op runs on the device the results report
  DumpDir dump;
  if (const char* d = std::getenv("ROBOMLX_BENCH_DEPTH_INPUTS")) dump.dir = d;
  const std::string color_path = shared_dir() + "/golden/realsense/inputs/real_color_640x480.ppm";
  const Image color_base = read_pnm(color_path);
  const Extrinsics to_color = d435_depth_to_color();
  for (const auto& s : sizes) {
    const bool is720 = s.w == 1280;
    const std::string tag = " " + std::to_string(s.w) + "x" + std::to_string(s.h);
    Image im = (s.w == base.width && s.h == base.height) ? base : resize_nearest(base, s.w, s.h);
    Frame depth = make_frame(im, s.fx, s.baseline);
    // Colour: same size, a D435's colour-to-depth focal ratio (613.2 / 390.4 in the golden frameset).
    const Image color_im = resize_nearest(color_base, s.w, s.h);
    Frame color;
    color.data = color_im.to_array();
    mx::eval(color.data);
    color.format = FrameFormat::rgb8;
    color.intrinsics = depth.intrinsics;
    color.intrinsics.fx = color.intrinsics.fy = s.fx * 1.57f;
    dump.stem = std::to_string(s.w) + "x" + std::to_string(s.h);
    dump.write_inputs(im, color_im, depth, color, to_color);

    ctx.run("upload host->device Z16" + tag, [&] { return std::vector<mx::array>{im.to_array_2d()}; });
    ctx.run_host("download device->host Z16" + tag, [&] { Image::from_array(depth.data); }, "portable");

    auto single = [&](const std::string& block, const std::string& label, const Frame& in, const std::string& ref) {
      auto b = make_block(block);
      auto& r = ctx.run(label + tag, [&] { return std::vector<mx::array>{b->process(in, dev).data}; }, "auto");
      reference(r, ref, is720);
      dump.output(label, [&] {
        auto fresh = make_block(block);
        fresh->process(in, dev), fresh->process(in, dev);
        return std::vector<mx::array>{fresh->process(in, dev).data};
      });
    };
    single("decimation", "decimation(2)", depth, "decimation");
    Frame dec = eval_frame(make_block("decimation")->process(depth, dev));
    single("threshold", "threshold", depth, "");
    single("depth2disparity", "depth2disparity (dec2)", dec, "");
    Frame disp = eval_frame(make_block("depth2disparity")->process(dec, dev));
    single("spatial", "spatial disparity (dec2)", disp, "spatial");
    single("spatial", "spatial depth full-res", depth, "spatial_full");
    single("temporal", "temporal disparity (dec2)", disp, "");
    single("disparity2depth", "disparity2depth (dec2)", disp, "");
    single("hole_filling", "hole_filling(1) (dec2)", dec, "");
    single("colorizer", "colorizer", depth, "colorizer");

    for (bool mapped : {false, true}) {
      Pointcloud pc;
      if (mapped) pc.map_to(color.intrinsics, to_color);  // texture coordinates + occlusion removal
      const std::string label = mapped ? "pointcloud mapped to color" : "pointcloud";
      auto fn = [&] {
        auto res = pc.calculate(depth, dev);
        return std::vector<mx::array>{res.vertices, res.texcoords};
      };
      auto& pr = ctx.run(label + tag, fn, "auto");
      if (!mapped) reference(pr, "pointcloud", is720);
      dump.output(label, fn);
    }
    for (AlignTo to : {AlignTo::color, AlignTo::depth}) {
      const std::string label = to == AlignTo::color ? "align depth to color" : "align color to depth";
      Align align(to);
      auto fn = [&] { return std::vector<mx::array>{align.process(depth, color, to_color, dev).data}; };
      ctx.run(label + tag, fn, "auto");
      dump.output(label, fn);
    }

    Pipeline chain(ChainSpec::standard());
    auto& cr = ctx.run("standard chain" + tag, [&] { return std::vector<mx::array>{chain.process(depth, dev).data}; }, "auto");
    reference(cr, "chain", is720);
    dump.output("standard chain", [&] {
      Pipeline fresh(ChainSpec::standard());
      fresh.process(depth, dev), fresh.process(depth, dev);
      return std::vector<mx::array>{fresh.process(depth, dev).data};
    });
    dump.finish();
    double auto_ms = cr.median_ms;
    {
      // Issue 3's GPU target in one number: the standard chain, then the colorizer and the point
      // cloud of its output, all in one eval (frame already on the device).
      Pipeline full(ChainSpec::standard());
      auto colorizer = make_block("colorizer");
      Pointcloud cloud;
      ctx.run("chain+colorizer+pointcloud" + tag, [&] {
        const Frame f = full.process(depth, dev);
        const auto pts = cloud.calculate(f, dev);
        return std::vector<mx::array>{f.data, colorizer->process(f, dev).data, pts.vertices, pts.texcoords};
      }, "auto");
      // Variant: colorizer and point cloud of the full-resolution frame (as the per-block rows).
      Pipeline full2(ChainSpec::standard());
      auto colorizer2 = make_block("colorizer");
      Pointcloud cloud2;
      ctx.run("chain+colorizer+pointcloud full-res" + tag, [&] {
        const auto pts = cloud2.calculate(depth, dev);
        return std::vector<mx::array>{full2.process(depth, dev).data, colorizer2->process(depth, dev).data, pts.vertices,
                                      pts.texcoords};
      }, "auto");
    }
    {
      ScopedImpl portable(Impl::portable);  // every block on its MLX-ops path
      // The chain's blocks one by one on their portable paths, with the size of each graph. The
      // chain's own graph is cut by the temporal filter's eval of its state: its row gets the sum.
      std::map<std::string, double> chain_graph;
      auto block_portable = [&](const std::string& block, const std::string& label, const Frame& in) {
        auto b = make_block(block);
        auto fn = [&] { return std::vector<mx::array>{b->process(in, dev).data}; };
        auto& r = ctx.run(label + tag, fn);
        if (r.samples == 0) return;
        // The temporal block evaluates its new state as it returns (async_eval), and with it the
        // output, which comes from the same kernel: its graph is the step's, all three outputs.
        const auto state = temporal_initial_state(in.data.shape(), in.data.dtype(), dev);
        mx::eval(state.last, state.history);
        auto step = [&] {
          const auto st = temporal_filter_step(in.data, state, {}, dev);
          return std::vector<mx::array>{st.output, st.state.last, st.state.history};
        };
        if (block == "temporal") add_graph_size(r, step);
        else add_graph_size(r, fn);
        for (const char* k : {"graph_nodes", "graph_kernels", "host_syncs"})
          if (r.metrics.count(k)) chain_graph[k] += r.metrics[k];
      };
      block_portable("decimation", "decimation(2)", depth);
      block_portable("depth2disparity", "depth2disparity (dec2)", dec);
      block_portable("spatial", "spatial disparity (dec2)", disp);
      block_portable("temporal", "temporal disparity (dec2)", disp);
      block_portable("disparity2depth", "disparity2depth (dec2)", disp);
      block_portable("hole_filling", "hole_filling(1) (dec2)", dec);
      Pipeline pchain(ChainSpec::standard());
      auto& prr = ctx.run("standard chain" + tag, [&] { return std::vector<mx::array>{pchain.process(depth, dev).data}; });
      reference(prr, "chain", is720);
      prr.metrics["auto_speedup"] = prr.median_ms / auto_ms;
      if (prr.samples > 0 && chain_graph.size() >= 2)
        for (const auto& [k, v] : chain_graph) prr.metrics[k + "_sum_of_blocks"] = v;
    }
  }
}

}  // namespace

ROBOMLX_BENCH_SUITE(depth, "RealSense blocks, standard chain, colorizer, point cloud at 848x480 and 1280x720", depth_suite);

}  // namespace robomlx::depth
