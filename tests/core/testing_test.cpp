// SPDX-License-Identifier: Apache-2.0
// The test helpers must be able to fail: each is shown a case it has to reject.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include <mlx/ops.h>
#include <mlx/random.h>

#include "robomlx/core/bench.h"
#include "robomlx/core/testing.h"
#include "support.h"

namespace robomlx {
namespace {

TEST(Allclose, ScaleAwareTolerance) {
  auto ref = mx::array({1000.f, 0.f, -3.f});
  EXPECT_TRUE(allclose_scaled(mx::array({1000.05f, 0.05f, -3.f}), ref, 1e-4).ok);  // 0.05 <= 1e-4 * 1000
  auto bad = allclose_scaled(mx::array({1000.f, 0.2f, -3.f}), ref, 1e-4);
  EXPECT_FALSE(bad.ok);
  EXPECT_EQ(bad.worst_index, 1);
  EXPECT_EQ(bad.mismatches, 1);
  EXPECT_FALSE(allclose_scaled(mx::array({1.f, 2.f}), ref, 1).ok);  // shape
  EXPECT_FALSE(allclose_scaled(mx::array({NAN, 0.f, -3.f}), ref, 1).ok);
  EXPECT_TRUE(exactly_equal(mx::array({1, 2}), mx::array({1, 2})).ok);
  EXPECT_FALSE(exactly_equal(mx::array({1, 2}), mx::array({1, 3})).ok);
}

TEST(GradCheck, AcceptsTrueGradientAndRejectsWrongOne) {
  auto x = mx::array({0.3f, -1.2f, 2.f, 0.7f});
  auto f = [](const std::vector<mx::array>& in) { return std::vector<mx::array>{mx::multiply(mx::sin(in[0]), in[0])}; };
  EXPECT_CLOSE(check_gradient(f, {x}, {0}));
  // stop_gradient on one factor makes the analytic gradient wrong: the check must notice.
  auto wrong = [](const std::vector<mx::array>& in) {
    return std::vector<mx::array>{mx::multiply(mx::sin(in[0]), mx::stop_gradient(in[0]))};
  };
  EXPECT_FALSE(check_gradient(wrong, {x}, {0}).ok);
  // Large inputs go through random projections.
  auto big = mx::random::normal({40, 40});
  EXPECT_CLOSE(check_gradient([](const std::vector<mx::array>& in) { return std::vector<mx::array>{mx::tanh(in[0])}; },
                              {big}, {0}));
  EXPECT_FALSE(check_gradient(
                   [](const std::vector<mx::array>& in) {
                     return std::vector<mx::array>{mx::multiply(in[0], mx::stop_gradient(in[0]))};
                   },
                   {big}, {0})
                   .ok);
}

TEST(GoldenRunner, ReportsPerCaseAndTotals) {
  auto dir = test::temp_dir();
  for (const char* name : {"b_case", "a_case", "c_case"}) {
    std::filesystem::create_directories(dir + "/" + name);
    std::ofstream(dir + "/" + name + "/case.json") << "{}";
  }
  std::filesystem::create_directories(dir + "/not_a_case");
  std::ostringstream out;
  auto results = run_golden_cases(dir, [](const std::string& d) {
    auto name = std::filesystem::path(d).filename().string();
    if (name == "c_case") throw std::runtime_error("boom");
    return GoldenCaseResult{name, name == "a_case", "detail"};
  }, out);
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(out.str(), "PASS a_case  detail\nFAIL b_case  detail\nFAIL c_case  error: boom\n1 passed, 2 failed\n");
}

TEST(Bench, PercentilesOfKnownSamples) {
  auto s = summarize_times({5, 1, 3, 2, 4});
  EXPECT_DOUBLE_EQ(s.median, 3);
  EXPECT_DOUBLE_EQ(s.min, 1);
  EXPECT_NEAR(s.p10, 1.4, 1e-12);
  EXPECT_NEAR(s.p90, 4.6, 1e-12);
}

TEST(Bench, GraphSizeCountsViewsAndKernelsByExactName) {
  auto a = mx::array(std::vector<float>(24, 1.0f).data(), {4, 6});  // no primitive: not a node
  auto part = mx::slice(a, {0, 0}, {2, 6});  // Slice: a view
  auto upd = mx::slice_update(a, mx::exp(part), mx::Shape{2, 0}, mx::Shape{4, 6});  // Exp, SliceUpdate: kernels
  auto out = mx::reshape(mx::add(upd, mx::copy(upd)), {24});  // Copy, Reshape: views; Add
  const auto g = graph_size(std::vector<mx::array>{out});
  EXPECT_EQ(g.nodes, 6);
  EXPECT_EQ(g.kernels, 3);
  mx::eval(upd);  // an evaluated array ends the walk
  EXPECT_EQ(graph_size(std::vector<mx::array>{out}).nodes, 3);
}

}  // namespace
}  // namespace robomlx
