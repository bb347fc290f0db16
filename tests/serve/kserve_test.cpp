// SPDX-License-Identifier: Apache-2.0
// KServe v2 over loopback against the library called directly: depth.standard_chain on the
// real D435 frame of ../shared/data/realsense (binary tensor data extension) and on a small
// synthetic frame (JSON tensors), stereo.sgm with binary inputs; UINT16 outputs must be equal,
// FP32 outputs equal to the bit (same code, same device). Plus metadata, readiness and errors.
#include <gtest/gtest.h>

#include <cstring>

#include <mlx/mlx.h>
#include <nlohmann/json.hpp>

#include "live_server.h"
#include "robomlx/depth/pipeline.h"
#include "robomlx/depth/recording.h"
#include "robomlx/serve/kserve_pipelines.h"
#include "robomlx/stereo/sgm.h"
#include "support.h"

namespace robomlx::serve {
namespace {

using nlohmann::json;
using test::LiveServer;
namespace mx = mlx::core;

SchedulerOptions quick() {
  SchedulerOptions o;
  o.warmup = false;
  return o;
}

template <typename T>
std::vector<T> host(mx::array a) {
  a = mx::contiguous(a);
  mx::eval(a);
  return std::vector<T>(a.data<T>(), a.data<T>() + a.size());
}

// The binary extension's reply: JSON header, then the outputs' bytes in order.
struct BinaryReply {
  json header;
  std::string data;
};
BinaryReply split(const httplib::Result& r) {
  EXPECT_TRUE(r->has_header("Inference-Header-Content-Length"));
  const std::size_t n = std::stoul(r->get_header_value("Inference-Header-Content-Length"));
  return {json::parse(r->body.substr(0, n)), r->body.substr(n)};
}

depth::Frame direct_chain(const depth::Frame& in) {
  depth::Pipeline p(depth::ChainSpec::standard());
  return p.process(in);
}

TEST(KServe, StandardChainOnTheRealSenseFrameMatchesTheLibrary) {
  const std::string bag = robomlx::test::shared_dir() + "/data/realsense/single_depth_color_640x480.bag";
  const depth::Recording rec = depth::read_recording(bag);
  ASSERT_FALSE(rec.depth.empty()) << bag;
  const depth::Frame& f = rec.depth[0];
  const std::vector<std::uint16_t> z = host<std::uint16_t>(f.data);
  LiveServer s(quick(), {});
  ASSERT_TRUE(s.ready);
  json header = {{"id", "frame-170"},
                 {"parameters",
                  {{"fx", f.intrinsics.fx}, {"fy", f.intrinsics.fy}, {"ppx", f.intrinsics.ppx}, {"ppy", f.intrinsics.ppy},
                   {"depth_units", f.depth_units}, {"baseline_mm", f.baseline_mm}}},
                 {"inputs", {{{"name", "depth"}, {"datatype", "UINT16"}, {"shape", {f.height(), f.width()}},
                              {"parameters", {{"binary_data_size", z.size() * 2}}}}}},
                 {"outputs", {{{"name", "depth"}, {"parameters", {{"binary_data", true}}}}}}};
  const std::string h = header.dump();
  std::string body = h + std::string(reinterpret_cast<const char*>(z.data()), z.size() * 2);
  auto c = s.client();
  httplib::Headers hs = {{"Inference-Header-Content-Length", std::to_string(h.size())}};
  auto r = c.Post("/v2/models/depth.standard_chain/infer", hs, body, "application/octet-stream");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body.substr(0, 300);
  const BinaryReply reply = split(r);
  EXPECT_EQ(reply.header["id"], "frame-170");
  EXPECT_EQ(reply.header["model_name"], "depth.standard_chain");
  const json& out = reply.header["outputs"][0];
  EXPECT_EQ(out["datatype"], "UINT16");

  depth::Frame in = f;
  const depth::Frame expect = direct_chain(in);
  EXPECT_EQ(out["shape"], json::array({expect.height(), expect.width()}));
  const std::vector<std::uint16_t> want = host<std::uint16_t>(expect.data);
  ASSERT_EQ(reply.data.size(), want.size() * 2);
  std::vector<std::uint16_t> got(want.size());
  std::memcpy(got.data(), reply.data.data(), reply.data.size());
  std::size_t differ = 0, nonzero = 0;
  for (std::size_t i = 0; i < want.size(); ++i) differ += got[i] != want[i], nonzero += want[i] != 0;
  EXPECT_EQ(differ, 0u);
  EXPECT_GT(nonzero, want.size() / 2) << "the chain produced an empty frame";
}

TEST(KServe, JsonTensorsOnASyntheticFrame) {
  LiveServer s(quick(), {});
  ASSERT_TRUE(s.ready);
  const InferRequest ex = example_request("depth.standard_chain", 24, 32);
  std::vector<std::uint16_t> z(24 * 32);
  std::memcpy(z.data(), ex.inputs[0].bytes.data(), z.size() * 2);
  json nested = json::array();  // nested rows: the protocol allows either form
  for (int y = 0; y < 24; ++y) nested.push_back(std::vector<std::uint16_t>(z.begin() + y * 32, z.begin() + (y + 1) * 32));
  const json body = {{"parameters", {{"fx", 390.0}, {"baseline_mm", 50.0}}},
                     {"inputs", {{{"name", "depth"}, {"datatype", "UINT16"}, {"shape", {24, 32}}, {"data", nested}}}}};
  auto r = s.client().Post("/v2/models/depth.standard_chain/infer", body.dump(), "application/json");
  ASSERT_EQ(r->status, 200) << r->body;
  const json j = json::parse(r->body);
  depth::Frame f;
  f.data = mx::array(z.begin(), {24, 32}, mx::uint16);
  f.intrinsics.width = 32;
  f.intrinsics.height = 24;
  f.intrinsics.fx = f.intrinsics.fy = 390;
  f.intrinsics.ppx = 15.5f;
  f.intrinsics.ppy = 11.5f;
  f.baseline_mm = 50;
  const std::vector<std::uint16_t> want = host<std::uint16_t>(direct_chain(f).data);
  EXPECT_EQ(j["outputs"][0]["data"].get<std::vector<std::uint16_t>>(), want);
}

TEST(KServe, SgmWithBinaryInputsMatchesTheLibrary) {
  LiveServer s(quick(), {});
  ASSERT_TRUE(s.ready);
  const InferRequest ex = example_request("stereo.sgm", 20, 48);
  json header = {{"inputs", json::array()},
                 {"parameters", {{"num_disparities", 16}, {"paths", 4}, {"subpixel", true}, {"binary_data_output", true}}}};
  std::string data;
  for (const auto& t : ex.inputs) {
    header["inputs"].push_back({{"name", t.name}, {"datatype", "UINT8"}, {"shape", {20, 48}},
                                {"parameters", {{"binary_data_size", t.bytes.size()}}}});
    data += t.bytes;
  }
  const std::string h = header.dump();
  auto r = s.client().Post("/v2/models/stereo.sgm/infer", {{"Inference-Header-Content-Length", std::to_string(h.size())}},
                           h + data, "application/octet-stream");
  ASSERT_EQ(r->status, 200) << r->body;
  const BinaryReply reply = split(r);
  ASSERT_EQ(reply.header["outputs"].size(), 2u);
  stereo::SgmOptions o;
  o.num_disparities = 16;
  o.paths = 4;
  auto to = [&](const std::string& b) {
    return mx::array(reinterpret_cast<const std::uint8_t*>(b.data()), {20, 48}, mx::uint8);
  };
  const auto d = stereo::compute_disparity(to(ex.inputs[0].bytes), to(ex.inputs[1].bytes), o);
  const std::vector<float> disp = host<float>(d.disparity), conf = host<float>(d.confidence);
  ASSERT_EQ(reply.data.size(), (disp.size() + conf.size()) * 4);
  EXPECT_EQ(std::memcmp(reply.data.data(), disp.data(), disp.size() * 4), 0);
  EXPECT_EQ(std::memcmp(reply.data.data() + disp.size() * 4, conf.data(), conf.size() * 4), 0);
}

TEST(KServe, HealthMetadataAndErrors) {
  LiveServer s(quick(), {});
  ASSERT_TRUE(s.ready);
  auto c = s.client();
  EXPECT_EQ(c.Get("/v2/health/live")->status, 200);
  EXPECT_EQ(c.Get("/v2/health/ready")->status, 200);
  EXPECT_EQ(c.Get("/v2/models/stereo.sgm/ready")->status, 200);
  EXPECT_EQ(c.Get("/v2/models/nope/ready")->status, 404);
  const json meta = json::parse(c.Get("/v2/models/stereo.sgm")->body);
  EXPECT_EQ(meta["name"], "stereo.sgm");
  EXPECT_EQ(meta["inputs"][0]["name"], "left");
  EXPECT_EQ(json::parse(c.Get("/v2")->body)["extensions"][0], "binary_tensor_data");
  struct Bad {
    std::string body;
    int status;
  };
  const std::vector<Bad> bad = {
      {R"({"inputs":[{"name":"depth","datatype":"UINT16","shape":[2,2],"data":[1,2,3]}],"parameters":{"fx":1,"baseline_mm":1}})", 400},
      {R"({"inputs":[{"name":"depth","datatype":"UINT16","shape":[2,2],"data":[1,2,3,70000]}],"parameters":{"fx":1,"baseline_mm":1}})", 400},
      {R"({"inputs":[{"name":"depth","datatype":"FP32","shape":[2,2],"data":[1,2,3,4]}],"parameters":{"fx":1,"baseline_mm":1}})", 400},
      {R"({"inputs":[{"name":"depth","datatype":"UINT16","shape":[2,2],"data":[1,2,3,4]}]})", 400},
      {R"({"inputs":"x"})", 400},
      {"not json", 400},
      // Found by fuzz/kserve_fuzz.cpp and its OpenAI twin: wrong JSON types that nlohmann's value()
      // threw on (answered 500), and a number beyond double.
      {R"({"inputs":[{"name":"depth","datatype":"UINT16","shape":[2,2],"data":[1,2,3,4]}],"parameters":{"fx":1,"baseline_mm":1},"outputs":[{"name":"depth","parameters":{"binary_data":"yes"}}]})", 400},
      {R"({"inputs":[{"name":"depth","datatype":"UINT16","shape":[2,2],"data":[1,2,3,4e999]}]})", 400},
  };
  for (const auto& b : bad) {
    auto r = c.Post("/v2/models/depth.standard_chain/infer", b.body, "application/json");
    EXPECT_EQ(r->status, b.status) << b.body << " -> " << r->body;
    EXPECT_TRUE(json::parse(r->body).contains("error")) << r->body;
  }
  EXPECT_EQ(c.Post("/v2/models/nope/infer", "{}", "application/json")->status, 404);
  // A binary size that the body does not hold.
  const std::string h = R"({"inputs":[{"name":"depth","datatype":"UINT16","shape":[2,2],"parameters":{"binary_data_size":8}}]})";
  auto r = c.Post("/v2/models/depth.standard_chain/infer", {{"Inference-Header-Content-Length", std::to_string(h.size())}},
                  h + "1234", "application/octet-stream");
  EXPECT_EQ(r->status, 400);
}

}  // namespace
}  // namespace robomlx::serve
