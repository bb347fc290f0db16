// SPDX-License-Identifier: Apache-2.0
// `robomlx splat render`: a 3DGS PLY seen from cameras (a COLMAP model or capture folder, a
// transforms.json, graphdeco's cameras.json: splat/camera_source.h) or from synthetic cameras
// orbiting the scene (splat/orbit_cameras.h), written as 8-bit RGB PNGs (splat/render_view.h).
//   --view i --out FILE.png      one camera (the default when the source has only one)
//   --all --out FOLDER           every camera, as FOLDER/view_000.png, view_001.png, ...
//   --write-cameras FILE         the cameras used as a transforms.json, file_path pointing at the
//                                rendered PNGs (relative to FILE's folder): an orbit becomes a
//                                posed capture, a COLMAP model becomes a transforms.json
// Outputs are staged and appear only when every view rendered (core/io/output_stage.h).
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "command.h"
#include "splat_args.h"
#include "robomlx/core/check.h"
#include "robomlx/core/device.h"
#include "robomlx/core/error.h"
#include "robomlx/core/image.h"
#include "robomlx/core/io/output_stage.h"
#include "robomlx/core/io/png.h"
#include "robomlx/splat/camera_source.h"
#include "robomlx/splat/gaussian_ply.h"
#include "robomlx/splat/orbit_cameras.h"
#include "robomlx/splat/render_view.h"
#include "robomlx/splat/transforms_json.h"

namespace robomlx::cli {

namespace {

namespace fs = std::filesystem;
namespace splat = robomlx::splat;
constexpr const char* kTag = "splat.render";

struct RenderArgs {
  std::string ply, cameras, out, write_cameras;
  int view = 0;
  bool all = false;
  std::string background = "0,0,0";
  int sh_degree = -1;
  int orbit = 0;
  double radius = 0, fov = 50;
  std::string elevation = "30";
  int width = 640, height = 480;
  std::string up = "0,0,1", center;
  CLI::Option *view_opt = nullptr, *orbit_opt = nullptr;
  std::vector<CLI::Option*> orbit_only;  // given without --orbit: refused (a flag given is a flag used)
};

std::vector<double> parse_numbers(const std::string& text, const std::string& option) {
  std::vector<double> v;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    const std::string part = text.substr(start, end - start);
    double x = 0;
    auto [ptr, ec] = std::from_chars(part.data(), part.data() + part.size(), x);
    if (part.empty() || ec != std::errc() || ptr != part.data() + part.size() || !std::isfinite(x)) {
      fail_argument(kTag, option + " must be comma-separated finite numbers, got '" + text + "'");
    }
    v.push_back(x);
    start = end + 1;
  }
  return v;
}

std::vector<splat::Camera> build_cameras(const RenderArgs& a, const splat::GaussianScene& scene, std::string& from) {
  if (a.orbit == 0) {
    splat::CameraSource src = splat::read_camera_source(a.cameras);
    from = src.kind + " " + src.file;
    if (src.cameras.empty()) throw FormatError(kTag, src.file, "holds no cameras");
    return std::move(src.cameras);
  }
  splat::OrbitOptions o;
  o.count = a.orbit;
  o.radius = a.radius;
  o.elevations_deg = parse_numbers(a.elevation, "--elevation");
  o.up = parse_triple(kTag, a.up, "--up");
  o.center = a.center.empty() ? splat::scene_centroid(scene) : parse_triple(kTag, a.center, "--center");
  o.width = a.width, o.height = a.height;
  o.fov_x_deg = a.fov;
  from = "an orbit of " + std::to_string(a.orbit * o.elevations_deg.size()) + " cameras around (" + std::to_string(o.center[0]) + ", " +
         std::to_string(o.center[1]) + ", " + std::to_string(o.center[2]) + ")";
  return splat::orbit_cameras(o);
}

void check_flags(const RenderArgs& a) {
  if (a.cameras.empty() == (a.orbit == 0)) fail_argument(kTag, "give either --cameras C or --orbit N (not both)");
  if (a.orbit != 0) {
    if (!(a.radius > 0 && std::isfinite(a.radius))) fail_argument(kTag, "--orbit needs --radius R, a finite number > 0");
  } else {
    for (const CLI::Option* o : a.orbit_only)
      if (o->count() > 0) fail_argument(kTag, o->get_name() + " only applies with --orbit N");
  }
  if (a.out.empty() && a.write_cameras.empty()) fail_argument(kTag, "nothing to write: give --out and/or --write-cameras");
  if (a.view_opt->count() > 0 && a.all) fail_argument(kTag, "use either --view i or --all, not both");
  if (!a.out.empty() && !a.all) {
    std::string ext = fs::path(a.out).extension().string();
    for (char& c : ext) c = char(std::tolower(static_cast<unsigned char>(c)));
    if (ext != ".png") fail_argument(kTag, "--out of one view must be a .png file (use --all for a folder), got '" + a.out + "'");
  }
}

void run_splat_render(const GlobalOptions& global, const RenderArgs& a) {
  check_flags(a);
  const auto bg = parse_triple(kTag, a.background, "--background");
  splat::RenderViewOptions options;
  options.background = {float(bg[0]), float(bg[1]), float(bg[2])};
  options.sh_degree = a.sh_degree;
  // Outputs first (README output policy): checked now, staged, moved into place at the end.
  OutputStage stage;
  const std::string out_staged = a.out.empty() ? "" : a.all ? stage.folder(a.out, "--out") : stage.file(a.out, "--out");
  const std::string cams_staged = a.write_cameras.empty() ? "" : stage.file(a.write_cameras, "--write-cameras");
  const mx::Device device = apply_device(global, Workload::general);
  const splat::GaussianScene scene = splat::read_gaussian_ply(a.ply);
  options.validate(scene);
  std::string from;
  std::vector<splat::Camera> cameras = build_cameras(a, scene, from);
  const int n = int(cameras.size());
  if (!a.all) {
    if (a.view_opt->count() == 0 && n > 1) {
      fail_argument(kTag, from + " has " + std::to_string(n) + " cameras: choose one with --view i (0.." +
                              std::to_string(n - 1) + ") or render all with --all");
    }
    if (a.view < 0 || a.view >= n) {
      fail_argument(kTag, from + ": view " + std::to_string(a.view) + " out of range 0.." + std::to_string(n - 1));
    }
    cameras = {cameras[a.view]};
  }
  const auto t0 = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < cameras.size() && !a.out.empty(); ++i) {
    char name[32];
    std::snprintf(name, sizeof(name), "view_%03zu.png", i);
    const auto t = std::chrono::steady_clock::now();
    write_png(a.all ? out_staged + "/" + name : out_staged, Image::from_array(splat::render_view(scene, cameras[i], options)));
    cameras[i].image_path = a.all ? (fs::path(a.out) / name).string() : a.out;
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
    std::printf("%s: camera '%s' %dx%d, %.2f s\n", (a.all ? std::string(name) : a.out).c_str(), cameras[i].name.c_str(),
                cameras[i].width, cameras[i].height, s);
    std::fflush(stdout);
  }
  if (!cams_staged.empty()) {
    // The staged file sits in the target's folder, so file_path is relative to the right place.
    splat::write_transforms_json(cams_staged, cameras);
  }
  stage.commit();
  const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("rendered %zu view(s) of %d Gaussians from %s on %s in %.1f s%s%s%s%s\n", a.out.empty() ? 0 : cameras.size(),
              scene.size(), from.c_str(), describe_device(device).c_str(), total, a.out.empty() ? "" : " -> ",
              a.out.c_str(), a.write_cameras.empty() ? "" : "; cameras -> ", a.write_cameras.c_str());
}

void add_splat_render(CLI::App& app, GlobalOptions& global) {
  auto a = std::make_shared<RenderArgs>();
  auto* splat_cmd = ensure_subcommand(app, "splat", "3D Gaussian splatting: render, train, parity");
  auto* cmd = splat_cmd->add_subcommand("render", "Render a 3DGS PLY from capture cameras or an orbit to PNG images");
  cmd->add_option("--ply", a->ply, "The scene: a 3DGS PLY (graphdeco's layout)")->required();
  cmd->add_option("--cameras", a->cameras,
                  "Cameras: a COLMAP model folder, a capture folder (sparse/0/ or transforms.json), a transforms.json "
                  "or a graphdeco cameras.json");
  a->view_opt = cmd->add_option("--view", a->view, "Render camera i only (0-based, in the source's order) to --out FILE.png");
  cmd->add_flag("--all", a->all, "Render every camera to --out FOLDER/view_000.png, view_001.png, ...");
  cmd->add_option("--out", a->out, "A .png file (one view) or a folder (--all); appears only when the run succeeds");
  cmd->add_option("--background", a->background, "Background colour r,g,b in [0, 1] (default 0,0,0)");
  cmd->add_option("--sh-degree", a->sh_degree, "Spherical-harmonic degree to render (default: the scene's)");
  a->orbit_opt = cmd->add_option("--orbit", a->orbit, "Instead of --cameras: N cameras on a circle around the scene (per --elevation), looking at it")
                     ->check(CLI::Range(1, 10000));
  a->orbit_only = {
      cmd->add_option("--radius", a->radius, "--orbit: distance of the cameras to the centre (scene units)"),
      cmd->add_option("--elevation", a->elevation, "--orbit: degrees above the plane perpendicular to --up (default 30); "
                    "several (20,50) make one ring of N cameras each"),
      cmd->add_option("--up", a->up, "--orbit: world up x,y,z (default 0,0,1)"),
      cmd->add_option("--center", a->center, "--orbit: the point looked at x,y,z (default: mean of the Gaussian centres)"),
      cmd->add_option("--width", a->width, "--orbit: image width (default 640)"),
      cmd->add_option("--height", a->height, "--orbit: image height (default 480)"),
      cmd->add_option("--fov", a->fov, "--orbit: horizontal field of view in degrees (default 50)")};
  cmd->add_option("--write-cameras", a->write_cameras,
                  "Also write the cameras used as a transforms.json (file_path: the rendered PNGs, relative to its folder)");
  cmd->callback([&global, a] { run_splat_render(global, *a); });
}

}  // namespace

ROBOMLX_COMMAND(splat_render, add_splat_render);

}  // namespace robomlx::cli
