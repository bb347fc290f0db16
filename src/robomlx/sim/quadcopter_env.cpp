// SPDX-License-Identifier: Apache-2.0
// The quadcopter on MLX: one compiled function steps every env (2 rigid-body substeps, dones,
// rewards, masked resets with fresh goals, body-frame observations).
#include "robomlx/sim/quadcopter_env.h"

#include <cmath>
#include <stdexcept>
#include <string>

#include <mlx/compile.h>
#include <mlx/ops.h>
#include <mlx/random.h>
#include <mlx/transforms.h>

namespace robomlx::sim {

namespace {

using Arrays = std::vector<mx::array>;
enum : int { kPx = 0, kQw = 3, kVx = 7, kWx = 10, kGx = 13, kState = 16 };

// Body-to-world rotation of a unit quaternion (w, x, y, z), as 9 arrays r[3 * row + col].
Arrays rotation(const Arrays& s) {
  const auto &w = s[kQw], &x = s[kQw + 1], &y = s[kQw + 2], &z = s[kQw + 3];
  return {1.0f - 2.0f * (y * y + z * z), 2.0f * (x * y - w * z),       2.0f * (x * z + w * y),
          2.0f * (x * y + w * z),       1.0f - 2.0f * (x * x + z * z), 2.0f * (y * z - w * x),
          2.0f * (x * z - w * y),       2.0f * (y * z + w * x),       1.0f - 2.0f * (x * x + y * y)};
}

// R^T u: a world vector in the body frame.
Arrays to_body(const Arrays& r, const mx::array& u0, const mx::array& u1, const mx::array& u2) {
  return {r[0] * u0 + r[3] * u1 + r[6] * u2, r[1] * u0 + r[4] * u1 + r[7] * u2, r[2] * u0 + r[5] * u1 + r[8] * u2};
}

// One MuJoCo-Euler step of the free body: accelerations at the current state, velocities first,
// then the position with the new linear velocity and the orientation with the new angular one
// (q <- q (x) (cos(|w| dt / 2), sin(|w| dt / 2) w / |w|), renormalised, as mju_quatIntegrate).
void physics_step(const QuadcopterParams& p, double dt, const mx::array& thrust, const Arrays& moment, Arrays& s) {
  const float h = float(dt), m = float(p.mass);
  const float I[3] = {float(p.inertia[0]), float(p.inertia[1]), float(p.inertia[2])};
  auto r = rotation(s);
  // Thrust along the body z axis: the rotation's third column in the world.
  s[kVx] = s[kVx] + h * (thrust * r[2] / m);
  s[kVx + 1] = s[kVx + 1] + h * (thrust * r[5] / m);
  s[kVx + 2] = s[kVx + 2] + h * (thrust * r[8] / m - float(p.gravity));
  // Euler's equations in the body frame: I w' = tau - w x (I w).
  const auto w0 = s[kWx], w1 = s[kWx + 1], w2 = s[kWx + 2];
  auto l0 = I[0] * w0, l1 = I[1] * w1, l2 = I[2] * w2;
  s[kWx] = w0 + h * (moment[0] - (w1 * l2 - w2 * l1)) / I[0];
  s[kWx + 1] = w1 + h * (moment[1] - (w2 * l0 - w0 * l2)) / I[1];
  s[kWx + 2] = w2 + h * (moment[2] - (w0 * l1 - w1 * l0)) / I[2];
  for (int k = 0; k < 3; ++k) s[kPx + k] = s[kPx + k] + h * s[kVx + k];
  const auto &a0 = s[kWx], &a1 = s[kWx + 1], &a2 = s[kWx + 2];
  auto norm = mx::sqrt(a0 * a0 + a1 * a1 + a2 * a2);
  auto half = 0.5f * h * norm;
  auto sc = mx::where(norm > 1e-12f, mx::sin(half) / mx::maximum(norm, mx::array(1e-12f)), mx::array(0.5f * h));
  auto dw = mx::cos(half), dx = sc * a0, dy = sc * a1, dz = sc * a2;
  const auto qw = s[kQw], qx = s[kQw + 1], qy = s[kQw + 2], qz = s[kQw + 3];
  auto nw = qw * dw - qx * dx - qy * dy - qz * dz;
  auto nx = qw * dx + qx * dw + qy * dz - qz * dy;
  auto ny = qw * dy - qx * dz + qy * dw + qz * dx;
  auto nz = qw * dz + qx * dy - qy * dx + qz * dw;
  auto inv = mx::rsqrt(nw * nw + nx * nx + ny * ny + nz * nz);
  s[kQw] = nw * inv, s[kQw + 1] = nx * inv, s[kQw + 2] = ny * inv, s[kQw + 3] = nz * inv;
}

mx::array observe(const Arrays& s) {
  auto r = rotation(s);
  auto v = to_body(r, s[kVx], s[kVx + 1], s[kVx + 2]);
  auto zero = mx::zeros_like(s[kPx]);
  auto g = to_body(r, zero, zero, mx::full_like(s[kPx], -1.0f));
  auto d = to_body(r, s[kGx] - s[kPx], s[kGx + 1] - s[kPx + 1], s[kGx + 2] - s[kPx + 2]);
  return mx::stack({v[0], v[1], v[2], s[kWx], s[kWx + 1], s[kWx + 2], g[0], g[1], g[2], d[0], d[1], d[2]}, 1);
}

// Fresh envs where `mask`: at rest at the start pose, with goals from `u` ([3, N] in [0, 1)).
void reset_where(const QuadcopterParams& p, const mx::array& mask, const mx::array& u, Arrays& s) {
  auto zero = mx::zeros_like(s[kPx]);
  for (int k = 0; k < kState; ++k) {
    mx::array fresh = zero;
    if (k == kPx + 2) fresh = mx::full_like(zero, float(p.start_height));
    if (k == kQw) fresh = mx::ones_like(zero);
    if (k == kGx || k == kGx + 1) fresh = float(2 * p.goal_xy) * mx::take(u, k - kGx, 0) - float(p.goal_xy);
    if (k == kGx + 2) fresh = float(p.goal_z_low) + float(p.goal_z_high - p.goal_z_low) * mx::take(u, 2, 0);
    s[k] = mx::where(mask, fresh, s[k]);
  }
}

class QuadcopterMlx final : public SimBackend {
 public:
  QuadcopterMlx(int n, std::uint64_t seed, const QuadcopterParams& params)
      : spec_(quadcopter_spec()), p_(params), n_(n), key_(mx::random::key(seed)) {
    const int max_len = spec_.max_episode_length();
    const double dt = spec_.physics_dt, step_dt = spec_.step_dt();
    const int decimation = spec_.decimation;
    const QuadcopterParams p = p_;
    // inputs: the 16 state arrays, episode_length, actions [N, 4], key.
    step_fn_ = mx::compile([p, dt, step_dt, decimation, max_len](const Arrays& in) -> Arrays {
      Arrays s(in.begin(), in.begin() + kState);
      auto len = in[kState];
      auto a = mx::clip(in[kState + 1], mx::array(-1.0f), mx::array(1.0f));
      auto thrust = float(p.thrust_to_weight * p.mass * p.gravity / 2) * (mx::take(a, 0, 1) + 1.0f);
      Arrays moment = {float(p.moment_scale) * mx::take(a, 1, 1), float(p.moment_scale) * mx::take(a, 2, 1),
                       float(p.moment_scale) * mx::take(a, 3, 1)};
      for (int k = 0; k < decimation; ++k) physics_step(p, dt, thrust, moment, s);
      len = len + 1;
      const auto& z = s[kPx + 2];
      auto terminated = mx::logical_or(z < float(p.min_height), z > float(p.max_height));
      auto truncated = len >= max_len - 1;
      auto speed2 = s[kVx] * s[kVx] + s[kVx + 1] * s[kVx + 1] + s[kVx + 2] * s[kVx + 2];
      auto spin2 = s[kWx] * s[kWx] + s[kWx + 1] * s[kWx + 1] + s[kWx + 2] * s[kWx + 2];
      auto e0 = s[kGx] - s[kPx], e1 = s[kGx + 1] - s[kPx + 1], e2 = s[kGx + 2] - s[kPx + 2];
      auto dist = mx::sqrt(e0 * e0 + e1 * e1 + e2 * e2);
      auto reward = float(step_dt) * (float(p.lin_vel_scale) * speed2 + float(p.ang_vel_scale) * spin2 +
                                      float(p.distance_scale) * (1.0f - mx::tanh(dist / float(p.distance_width))));
      auto done = mx::logical_or(terminated, truncated);
      reset_where(p, done, mx::random::uniform({3, int(z.size())}, mx::float32, in[kState + 2]), s);
      len = mx::where(done, mx::zeros_like(len), len);
      Arrays out = s;
      out.insert(out.end(), {len, observe(s), reward, terminated, truncated});
      return out;
    });
    s_.assign(kState, mx::zeros({n_}, mx::float32));
    len_ = mx::zeros({n_}, mx::int32);
    reset({});
  }

  const TaskSpec& spec() const override { return spec_; }
  std::string backend_name() const override { return "mlx"; }
  int num_envs() const override { return n_; }

  void reset(const std::vector<int>& env_ids) override {
    auto m = reset_mask(env_ids, n_);
    reset_where(p_, m, mx::random::uniform({3, n_}, mx::float32, next_key()), s_);
    len_ = env_ids.empty() ? mx::random::randint(0, spec_.max_episode_length(), {n_}, mx::int32, next_key())
                           : mx::where(m, mx::zeros({n_}, mx::int32), len_);
    mx::eval(s_);
    mx::eval(len_);
  }

  StepResult step(const mx::array& actions) override {
    if (actions.ndim() != 2 || actions.shape(0) != n_ || actions.shape(1) != 4) {
      throw std::invalid_argument("[sim.step] quadcopter actions must be [" + std::to_string(n_) + ", 4]");
    }
    Arrays in = s_;
    in.insert(in.end(), {len_, mx::astype(actions, mx::float32), next_key()});
    auto out = step_fn_(in);
    for (int i = 0; i < kState; ++i) s_[i] = out[i];
    len_ = out[kState];
    return {out[kState + 1], out[kState + 2], out[kState + 3], out[kState + 4]};
  }

  mx::array observations() override { return observe(s_); }
  mx::array state() override { return mx::stack(s_, 1); }
  void set_state(const mx::array& state) override {
    if (state.ndim() != 2 || state.shape(0) != n_ || state.shape(1) != kState) {
      throw std::invalid_argument("[sim.state] quadcopter state must be [" + std::to_string(n_) + ", 16]");
    }
    auto s = mx::astype(state, mx::float32);
    for (int i = 0; i < kState; ++i) s_[i] = mx::take(s, i, 1);
    mx::eval(s_);
  }
  mx::array episode_length() override { return len_; }

 private:
  mx::array next_key() {
    auto pair = mx::random::split(key_);
    key_ = pair.first;
    return pair.second;
  }

  TaskSpec spec_;
  QuadcopterParams p_;
  int n_;
  mx::array key_;
  Arrays s_;
  mx::array len_ = mx::array(0);
  std::function<Arrays(const Arrays&)> step_fn_;
};

}  // namespace

TaskSpec quadcopter_spec() {
  TaskSpec s;
  s.id = "Isaac-Quadcopter-Direct-v0";
  s.name = "quadcopter";
  s.obs_dim = 12;
  s.action_dim = 4;
  s.state_dim = 16;
  s.physics_dt = 1.0 / 100.0;
  s.decimation = 2;
  s.episode_length_s = 10.0;
  s.max_return = 499 * 0.02 * 15.0;  // at the goal and at rest for the 499 steps before the time-out
  s.randomize_episode_start = true;
  return s;
}

std::unique_ptr<SimBackend> make_quadcopter_mlx(int num_envs, std::uint64_t seed, const QuadcopterParams& params) {
  return std::make_unique<QuadcopterMlx>(num_envs, seed, params);
}

}  // namespace robomlx::sim
