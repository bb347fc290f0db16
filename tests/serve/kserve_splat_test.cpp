// SPDX-License-Identifier: Apache-2.0
// splat.render.<scene> over KServe v2: the donut scene of ../shared/data/splat rendered through the
// server (binary tensors in and out) equals the rasterizer called directly, to the bit (same code,
// same device); metadata lists the scene; bad cameras and parameters get 400 with the reason.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>

#include <mlx/mlx.h>
#include <nlohmann/json.hpp>

#include "live_server.h"
#include "robomlx/serve/kserve_splat.h"
#include "robomlx/splat/gaussian_ply.h"
#include "robomlx/splat/rasterize.h"
#include "robomlx/splat/render_view.h"
#include "support.h"

namespace robomlx::serve {
namespace {

using nlohmann::json;
using test::LiveServer;
namespace mx = mlx::core;

std::string donut() { return robomlx::test::shared_dir() + "/data/splat/donut/fused.ply"; }

struct Scenes {  // registered for one test, forgotten after it
  Scenes() { clear_splat_scenes(); }
  ~Scenes() { clear_splat_scenes(); }
};

std::string bytes_of(const std::vector<float>& v) { return {reinterpret_cast<const char*>(v.data()), v.size() * 4}; }

TEST(KServeSplat, RenderMatchesTheRasterizer) {
  if (!std::filesystem::exists(donut())) GTEST_SKIP() << "no " << donut();
  Scenes guard;
  ASSERT_EQ(add_splat_scene(donut()), "splat.render.fused");
  SchedulerOptions so;
  so.warmup = true;  // the warm-up renders the scene once (splat_example_request)
  LiveServer s(so, {});
  ASSERT_TRUE(s.ready) << s.scheduler->load_error();
  // A camera 3 units from the donut, rotated 30 degrees about y, off-centre principal point.
  const float c = std::cos(0.5236f), sn = std::sin(0.5236f);
  const std::vector<float> view = {c, 0, -sn, 0.1f, 0, 1, 0, -0.05f, sn, 0, c, 3.0f, 0, 0, 0, 1};
  const std::vector<float> K = {90, 92, 41.5f, 30.25f};
  const int W = 80, H = 64;
  json header = {{"inputs",
                  {{{"name", "viewmat"}, {"datatype", "FP32"}, {"shape", {4, 4}}, {"parameters", {{"binary_data_size", 64}}}},
                   {{"name", "intrinsics"}, {"datatype", "FP32"}, {"shape", {4}}, {"parameters", {{"binary_data_size", 16}}}}}},
                 {"parameters", {{"width", W}, {"height", H}, {"background", "0.25,0.5,1"}, {"binary_data_output", true}}}};
  const std::string h = header.dump();
  auto r = s.client().Post("/v2/models/splat.render.fused/infer",
                           {{"Inference-Header-Content-Length", std::to_string(h.size())}}, h + bytes_of(view) + bytes_of(K),
                           "application/octet-stream");
  ASSERT_EQ(r->status, 200) << r->body;
  const std::size_t n = std::stoul(r->get_header_value("Inference-Header-Content-Length"));
  const json reply = json::parse(r->body.substr(0, n));
  ASSERT_EQ(reply["outputs"].size(), 3u);
  EXPECT_EQ(reply["outputs"][0]["shape"], json({3, H, W}));
  EXPECT_EQ(reply["outputs"][1]["shape"], json({H, W}));

  const auto scene = splat::read_gaussian_ply(donut());
  splat::RasterSettings settings;
  settings.camera.width = W, settings.camera.height = H;
  settings.camera.fx = 90, settings.camera.fy = 92, settings.camera.cx = 41.5, settings.camera.cy = 30.25;
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j) settings.camera.rotation[i * 3 + j] = view[i * 4 + j];
    settings.camera.translation[i] = view[i * 4 + 3];
  }
  settings.camera.sh_degree = scene.sh_degree;
  settings.background = {0.25f, 0.5f, 1.0f};
  const auto out = splat::rasterize(splat::scene_raster_inputs(scene), settings);
  auto direct = mx::concatenate({mx::flatten(out.color), mx::flatten(out.alpha), mx::flatten(out.inv_depth)});
  mx::eval(direct);
  ASSERT_EQ(r->body.size() - n, direct.nbytes());
  EXPECT_EQ(std::memcmp(r->body.data() + n, direct.data<float>(), direct.nbytes()), 0);
  // The donut covers part of the image and the background shows elsewhere.
  const float* alpha = direct.data<float>() + 3 * H * W;
  EXPECT_GT(*std::max_element(alpha, alpha + H * W), 0.9f);
  EXPECT_LT(*std::min_element(alpha, alpha + H * W), 0.1f);
}

TEST(KServeSplat, MetadataAndErrors) {
  if (!std::filesystem::exists(donut())) GTEST_SKIP() << "no " << donut();
  Scenes guard;
  add_splat_scene(donut());
  EXPECT_THROW(add_splat_scene(donut()), std::invalid_argument);  // the same name twice
  EXPECT_THROW(add_splat_scene("/nonexistent/scene.ply"), std::invalid_argument);
  SchedulerOptions so;
  so.warmup = false;
  LiveServer s(so, {});
  ASSERT_TRUE(s.ready);
  auto c = s.client();
  const json meta = json::parse(c.Get("/v2/models/splat.render.fused")->body);
  EXPECT_EQ(meta["inputs"][0]["name"], "viewmat");
  EXPECT_EQ(meta["outputs"][0]["name"], "color");
  EXPECT_EQ(c.Get("/v2/models/splat.render.fused/ready")->status, 200);
  const std::string cam = R"({"name":"viewmat","datatype":"FP32","shape":[4,4],"data":[1,0,0,0,0,1,0,0,0,0,1,3,0,0,0,1]})";
  const std::string K = R"({"name":"intrinsics","datatype":"FP32","shape":[4],"data":[50,50,16,16]})";
  struct Bad {
    std::string body, reason;
  };
  const std::vector<Bad> bad = {
      {"{\"inputs\":[" + cam + "," + K + "]}", "missing parameter 'width'"},
      {"{\"inputs\":[" + K + "],\"parameters\":{\"width\":32,\"height\":32}}", "missing input 'viewmat'"},
      {"{\"inputs\":[" + cam + "," + K + "],\"parameters\":{\"width\":32,\"height\":32,\"fov\":1}}", "unknown parameter 'fov'"},
      {"{\"inputs\":[" + cam + "," + K + "],\"parameters\":{\"width\":0,\"height\":32}}", "'width' must be an integer"},
      {"{\"inputs\":[" + cam + "," + K + "],\"parameters\":{\"width\":32,\"height\":32,\"background\":\"1,2\"}}", "background"},
      {"{\"inputs\":[" + cam + "," + K + "],\"parameters\":{\"width\":32,\"height\":32,\"sh_degree\":4}}", "sh_degree"},
      {R"({"inputs":[{"name":"viewmat","datatype":"FP32","shape":[4,4],"data":[2,0,0,0,0,1,0,0,0,0,1,3,0,0,0,1]},)" + K +
           R"(],"parameters":{"width":32,"height":32}})",
       "rotation"},
      {R"({"inputs":[{"name":"viewmat","datatype":"FP32","shape":[4,4],"data":[1,0,0,0,0,1,0,0,0,0,1,3,0,0,1,1]},)" + K +
           R"(],"parameters":{"width":32,"height":32}})",
       "0 0 0 1"},
  };
  for (const auto& b : bad) {
    auto r = c.Post("/v2/models/splat.render.fused/infer", b.body, "application/json");
    EXPECT_EQ(r->status, 400) << b.body << " -> " << r->body;
    EXPECT_NE(r->body.find(b.reason), std::string::npos) << b.reason << " not in " << r->body;
  }
}

}  // namespace
}  // namespace robomlx::serve
