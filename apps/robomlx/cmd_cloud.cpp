// SPDX-License-Identifier: Apache-2.0
// `robomlx cloud stats --input X.ply|X.npy [--colors C.npy] [--preview out.png] [--centres out.ply]
// [--json stats.json]`: loads a point cloud (3DGS PLYs included), prints its statistics and
// optionally writes a preview image, the points as a plain PLY, and the statistics as JSON.
#include <cstdio>
#include <iostream>

#include "command.h"
#include "robomlx/core/device.h"
#include "robomlx/core/io/atomic_file.h"
#include "robomlx/core/io/output_stage.h"
#include "robomlx/core/io/ply.h"
#include "robomlx/core/io/png.h"
#include "robomlx/core/point_cloud.h"

namespace robomlx::cli {

namespace {
struct CloudStatsArgs {
  std::string input;
  std::string colors;
  std::string preview;
  std::string centres;
  std::string json;
  std::string view = "auto";
  std::string non_finite = "reject";
  bool ascii = false;
  PointCloudStatsOptions stats;
  PreviewOptions preview_options;
};

std::string triple(const std::array<double, 3>& v) {
  char buf[128];
  std::snprintf(buf, sizeof(buf), "%.6g %.6g %.6g", v[0], v[1], v[2]);
  return buf;
}

void run_cloud_stats(const GlobalOptions& global, CloudStatsArgs& args) {
  args.stats.validate();
  args.preview_options.view = parse_preview_view(args.view);
  args.preview_options.validate();
  // All outputs are declared (paths checked) first and appear together only when all were written.
  OutputStage stage;
  const std::string preview = args.preview.empty() ? "" : stage.file(args.preview, "--preview");
  const std::string centres = args.centres.empty() ? "" : stage.file(args.centres, "--centres");
  const std::string json = args.json.empty() ? "" : stage.file(args.json, "--json");
  mx::Device device = apply_device(global);
  PointCloudLoadOptions load;
  load.non_finite = parse_non_finite_policy(args.non_finite);
  PointCloud cloud = load_point_cloud(args.input, args.colors, load);
  PointCloudStats s = compute_stats(cloud, args.stats);
  std::cout << "input     " << args.input << " on " << describe_device(device) << "\n"
            << "points    " << s.count << (cloud.colors ? " (with colours)" : "") << (cloud.normals ? " (with normals)" : "")
            << "\n";
  if (cloud.dropped_non_finite > 0) {
    std::cout << "dropped   " << cloud.dropped_non_finite << " points holding NaN or infinite values (--non-finite drop)\n";
  }
  std::cout << "centroid  " << triple(s.centroid) << "\n"
            << "bbox min  " << triple(s.bbox_min) << "\n"
            << "bbox max  " << triple(s.bbox_max) << "\n"
            << "std       " << triple(s.std_dev) << "\n";
  if (s.spacing_samples > 0) {
    std::cout << "spacing   " << s.mean_spacing << " (mean nearest-neighbour distance of " << s.spacing_samples
              << " sampled points)\n";
  }
  std::vector<std::string> written;
  if (!preview.empty()) {
    write_png(preview, render_preview(cloud, args.preview_options));
    written.push_back(args.preview);
  }
  if (!centres.empty()) {
    PlyPoints pts;
    pts.positions = cloud.positions;
    pts.colors = cloud.colors;
    pts.normals = cloud.normals;
    write_ply_points(centres, pts, args.ascii ? PlyFormat::Ascii : PlyFormat::BinaryLittleEndian);
    written.push_back(args.centres);
  }
  if (!json.empty()) {
    write_file_atomically(json, s.to_json());
    written.push_back(args.json);
  }
  stage.commit();
  for (const auto& p : written) std::cout << "wrote " << p << "\n";
}

void add_cloud(CLI::App& app, GlobalOptions& global) {
  auto* cloud = ensure_subcommand(app, "cloud", "Point clouds (PLY, NPY): statistics and previews");
  auto args = std::make_shared<CloudStatsArgs>();
  auto* cmd = cloud->add_subcommand("stats", "Print point-cloud statistics; optionally write a preview, points, JSON");
  cmd->add_option("--input", args->input, "Point cloud: .ply (3DGS files too) or [N, 3] float .npy")->required();
  cmd->add_option("--colors", args->colors, "[N, 3] uint8 .npy colours for .npy positions");
  cmd->add_option("--preview", args->preview, "Write an orthographic preview PNG here");
  cmd->add_option("--centres", args->centres, "Write the points (x y z [rgb] [normals]) as a PLY here");
  cmd->add_flag("--ascii", args->ascii, "Write --centres as ASCII PLY (default binary little-endian)");
  cmd->add_option("--json", args->json, "Write the statistics as JSON here");
  cmd->add_option("--view", args->view, "Preview view: auto (along the thinnest axis), top, front, side");
  cmd->add_option("--width", args->preview_options.width, "Preview width in pixels");
  cmd->add_option("--height", args->preview_options.height, "Preview height in pixels");
  cmd->add_option("--point-size", args->preview_options.point_size, "Preview splat size in pixels");
  cmd->add_option("--non-finite", args->non_finite,
                  "Points with NaN or infinite values: reject (default: exit 3 naming the row) or drop (and count them)")
      ->check(CLI::IsMember({"reject", "drop"}));
  cmd->add_option("--spacing-samples", args->stats.spacing_samples,
                  "Points sampled for the mean nearest-neighbour spacing (0: skip)");
  cmd->callback([&global, args] { run_cloud_stats(global, *args); });
}
}  // namespace

ROBOMLX_COMMAND(cloud, add_cloud);

}  // namespace robomlx::cli
