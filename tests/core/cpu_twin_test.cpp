// SPDX-License-Identifier: Apache-2.0
// cpu_twin_outputs: a CPU twin runs at once on evaluated inputs and stays in MLX's graph on lazy
// ones, with the same numbers either way (a plain loop is the reference).
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include <gtest/gtest.h>
#include <mlx/mlx.h>

#include "robomlx/core/cpu_twin_internal.h"
#include "support.h"

namespace robomlx {
namespace {

// out[i] = 2 a[i] + b[i], and counts its runs.
class AxpyTwin : public CpuTwinPrimitive {
 public:
  AxpyTwin(mx::Stream s, std::shared_ptr<std::atomic<int>> runs) : CpuTwinPrimitive(s), runs_(std::move(runs)) {}
  Task task() const override {
    return [runs = runs_](const std::vector<mx::array>& in, std::vector<mx::array>& out) {
      ++*runs;
      const float *a = in[0].data<float>(), *b = in[1].data<float>();
      float* o = out[0].data<float>();
      for (std::size_t i = 0; i < in[0].size(); ++i) o[i] = 2.0f * a[i] + b[i];
    };
  }
  const char* name() const override { return "AxpyTwin"; }

 private:
  std::shared_ptr<std::atomic<int>> runs_;
};

std::vector<float> reference(const mx::array& a, const mx::array& b) {
  std::vector<float> r(a.size());
  for (std::size_t i = 0; i < r.size(); ++i) r[i] = 2.0f * a.data<float>()[i] + b.data<float>()[i];
  return r;
}

void expect_values(const mx::array& out, const std::vector<float>& want) {
  ASSERT_EQ(out.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) EXPECT_EQ(out.data<float>()[i], want[i]) << i;
}

TEST(CpuTwin, EvaluatedInputsRunAtOnce) {
  const mx::Stream s = mx::default_stream(mx::Device::cpu);
  auto a = mx::random::normal({64, 33}, mx::float32, mx::random::key(1), s), b = mx::random::normal({64, 33}, mx::float32, mx::random::key(2), s);
  mx::eval(a, b);
  auto runs = std::make_shared<std::atomic<int>>(0);
  auto out = cpu_twin_outputs({{64, 33}}, {mx::float32}, std::make_shared<AxpyTwin>(s, runs),
                              {twin_input(a, s), twin_input(b, s)})[0];
  EXPECT_EQ(runs->load(), 1);  // before any eval
  EXPECT_EQ(out.status(), mx::array::Status::available);
  EXPECT_FALSE(out.has_primitive());
  mx::eval(out);
  EXPECT_EQ(runs->load(), 1);
  expect_values(out, reference(a, b));
}

TEST(CpuTwin, LazyOrStridedInputsStayInTheGraph) {
  const mx::Stream s = mx::default_stream(mx::Device::cpu);
  auto a = mx::random::normal({33, 64}, mx::float32, mx::random::key(3), s), b = mx::random::normal({64, 33}, mx::float32, mx::random::key(4), s);
  mx::eval(a, b);
  // A transposed view (not row-contiguous) and an unevaluated sum: both go through MLX's eval.
  const auto at = mx::transpose(a, {1, 0}, s);
  const auto lazy_b = mx::add(b, mx::array(1.0f), s);
  auto runs = std::make_shared<std::atomic<int>>(0);
  auto out = cpu_twin_outputs({{64, 33}}, {mx::float32}, std::make_shared<AxpyTwin>(s, runs),
                              {twin_input(at, s), twin_input(lazy_b, s)})[0];
  EXPECT_EQ(runs->load(), 0);
  EXPECT_TRUE(out.has_primitive());
  mx::eval(out);
  EXPECT_EQ(runs->load(), 1);
  const auto a_rows = mx::contiguous(at, false, s), b1 = lazy_b;
  mx::eval(a_rows, b1);
  expect_values(out, reference(a_rows, b1));
}

}  // namespace
}  // namespace robomlx
