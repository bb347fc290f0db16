// SPDX-License-Identifier: Apache-2.0
// The cart double pendulum on MLX: one compiled function steps every env (2 physics substeps,
// dones, both agents' rewards, masked resets, observations).
#include "robomlx/sim/cart_double_pendulum_env.h"

#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

#include <mlx/compile.h>
#include <mlx/ops.h>
#include <mlx/random.h>
#include <mlx/transforms.h>

namespace robomlx::sim {

namespace {

using Arrays = std::vector<mx::array>;
constexpr double kPi = std::numbers::pi;

// (a + pi) mod 2 pi - pi with a floored modulo, as torch's % gives in Isaac's normalize_angle.
mx::array wrap(const mx::array& a) { return a - float(2 * kPi) * mx::floor((a + float(kPi)) / float(2 * kPi)); }

// One MuJoCo-Euler step. Joint coordinates q = (x, t1, t2), t2 relative to the pole; the maths is
// done with absolute link angles p1 = t1, p2 = t1 + t2 (where the mass matrix is simple) and
// carried to joint coordinates with J = [[1,0,0],[0,1,0],[0,1,1]]: M_q = J^T M_p J, f_q = J^T f_p.
// The pendulum motor's torque acts on t2 directly. (M_q + dt D) a = f_q - D v, D = diag(damping, 0, 0).
void physics_step(const CartDoublePendulumParams& p, double dt, const mx::array& force, const mx::array& torque,
                  Arrays& s) {
  auto &x = s[0], &t1 = s[1], &t2 = s[2], &vx = s[3], &w1 = s[4], &w2 = s[5];
  const double m = p.link_mass, l = p.link_com, L = p.pole_length;
  const float a = float(m * l + m * L), b = float(m * l), c = float(m * L * l);
  const float i1 = float(p.link_inertia + m * l * l + m * L * L), i2 = float(p.link_inertia + m * l * l);
  const float g = float(p.gravity);
  auto p2 = t1 + t2, o2 = w1 + w2;
  auto s1 = mx::sin(t1), c1 = mx::cos(t1), s2 = mx::sin(p2), c2 = mx::cos(p2);
  auto s12 = mx::sin(-t2), c12 = mx::cos(t2);  // p1 - p2 = -t2
  // Absolute-angle mass matrix (symmetric) and generalized forces.
  auto M11 = mx::full_like(x, float(p.cart_mass + 2 * m + dt * p.cart_damping));
  auto M12 = a * c1, M13 = b * c2, M23 = c * c12;
  auto f1 = force - float(p.cart_damping) * vx + a * s1 * w1 * w1 + b * s2 * o2 * o2;
  auto f2 = a * g * s1 - c * s12 * o2 * o2;
  auto f3 = b * g * s2 + c * s12 * w1 * w1;
  // To joint coordinates.
  auto A11 = M11, A12 = M12 + M13, A13 = M13, A22 = i1 + 2.0f * M23 + i2, A23 = M23 + i2;
  const float A33 = i2;
  auto r1 = f1, r2 = f2 + f3, r3 = f3 + torque;
  // Symmetric 3x3 solve by cofactors.
  auto C11 = A22 * A33 - A23 * A23, C12 = A13 * A23 - A12 * A33, C13 = A12 * A23 - A13 * A22;
  auto C22 = A11 * A33 - A13 * A13, C23 = A12 * A13 - A11 * A23, C33 = A11 * A22 - A12 * A12;
  auto inv_det = 1.0f / (A11 * C11 + A12 * C12 + A13 * C13);
  auto ax = (C11 * r1 + C12 * r2 + C13 * r3) * inv_det;
  auto a1 = (C12 * r1 + C22 * r2 + C23 * r3) * inv_det;
  auto a2 = (C13 * r1 + C23 * r2 + C33 * r3) * inv_det;
  const float h = float(dt);
  vx = vx + h * ax, w1 = w1 + h * a1, w2 = w2 + h * a2;
  x = x + h * vx, t1 = t1 + h * w1, t2 = t2 + h * w2;
}

mx::array observe(const Arrays& s) {
  auto pole = wrap(s[1]), pend = wrap(s[2]);
  return mx::stack({s[0], s[3], pole, s[4], pole + pend, pend, s[5]}, 1);
}

class CartDoublePendulumMlx final : public SimBackend {
 public:
  CartDoublePendulumMlx(int n, std::uint64_t seed, const CartDoublePendulumParams& params)
      : spec_(cart_double_pendulum_spec()), p_(params), n_(n), key_(mx::random::key(seed)) {
    const int max_len = spec_.max_episode_length();
    const double dt = spec_.physics_dt;
    const int decimation = spec_.decimation;
    const CartDoublePendulumParams p = p_;
    // inputs: x, t1, t2, vx, w1, w2, episode_length, actions [N, 2], key.
    step_fn_ = mx::compile([p, dt, decimation, max_len](const Arrays& in) -> Arrays {
      Arrays s(in.begin(), in.begin() + 6);
      auto len = in[6];
      const auto lim = mx::array(float(p.effort_limit));
      auto force = mx::clip(float(p.cart_action_scale) * mx::take(in[7], 0, 1), -lim, lim);
      auto torque = mx::clip(float(p.pendulum_action_scale) * mx::take(in[7], 1, 1), -lim, lim);
      for (int k = 0; k < decimation; ++k) physics_step(p, dt, force, torque, s);
      len = len + 1;
      auto terminated = mx::logical_or(mx::abs(s[0]) > float(p.max_cart_pos), mx::abs(s[1]) > float(kPi / 2));
      auto truncated = len >= max_len - 1;
      auto t = mx::astype(terminated, mx::float32);
      auto pole = wrap(s[1]), pend = wrap(s[2]);
      auto base = (1.0f - t) - 2.0f * t;
      auto cart_reward = base - pole * pole - 0.01f * mx::abs(s[3]) - 0.01f * mx::abs(s[4]);
      auto pendulum_reward = base - mx::square(pole + pend) - 0.01f * mx::abs(s[5]);
      auto done = mx::logical_or(terminated, truncated);
      const float r = float(p.reset_angle * kPi);
      auto fresh = mx::random::uniform(mx::array(-r), mx::array(r), {2, int(s[0].size())}, mx::float32, in[8]);
      auto zero = mx::zeros_like(s[0]);
      s[1] = mx::where(done, mx::take(fresh, 0, 0), s[1]);
      s[2] = mx::where(done, mx::take(fresh, 1, 0), s[2]);
      for (int i : {0, 3, 4, 5}) s[i] = mx::where(done, zero, s[i]);
      len = mx::where(done, mx::zeros_like(len), len);
      Arrays out = s;
      out.insert(out.end(), {len, observe(s), cart_reward + pendulum_reward, terminated, truncated});
      return out;
    });
    s_.assign(6, mx::zeros({n_}, mx::float32));
    len_ = mx::zeros({n_}, mx::int32);
    reset({});
  }

  const TaskSpec& spec() const override { return spec_; }
  std::string backend_name() const override { return "mlx"; }
  int num_envs() const override { return n_; }

  void reset(const std::vector<int>& env_ids) override {
    auto m = reset_mask(env_ids, n_);
    const float r = float(p_.reset_angle * kPi);
    auto fresh = mx::random::uniform(mx::array(-r), mx::array(r), {2, n_}, mx::float32, next_key());
    auto zero = mx::zeros({n_}, mx::float32);
    s_[1] = mx::where(m, mx::take(fresh, 0, 0), s_[1]);
    s_[2] = mx::where(m, mx::take(fresh, 1, 0), s_[2]);
    for (int i : {0, 3, 4, 5}) s_[i] = mx::where(m, zero, s_[i]);
    len_ = mx::where(m, mx::zeros({n_}, mx::int32), len_);
    mx::eval(s_);
    mx::eval(len_);
  }

  StepResult step(const mx::array& actions) override {
    if (actions.ndim() != 2 || actions.shape(0) != n_ || actions.shape(1) != 2) {
      throw std::invalid_argument("[sim.step] cart_double_pendulum actions must be [" + std::to_string(n_) + ", 2]");
    }
    Arrays in = s_;
    in.insert(in.end(), {len_, mx::astype(actions, mx::float32), next_key()});
    auto out = step_fn_(in);
    for (int i = 0; i < 6; ++i) s_[i] = out[i];
    len_ = out[6];
    return {out[7], out[8], out[9], out[10]};
  }

  mx::array observations() override { return observe(s_); }
  mx::array state() override { return mx::stack(s_, 1); }
  void set_state(const mx::array& state) override {
    if (state.ndim() != 2 || state.shape(0) != n_ || state.shape(1) != 6) {
      throw std::invalid_argument("[sim.state] cart_double_pendulum state must be [" + std::to_string(n_) + ", 6]");
    }
    auto s = mx::astype(state, mx::float32);
    for (int i = 0; i < 6; ++i) s_[i] = mx::take(s, i, 1);
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
  CartDoublePendulumParams p_;
  int n_;
  mx::array key_;
  Arrays s_;  // x, t1, t2, vx, w1, w2
  mx::array len_ = mx::array(0);
  std::function<Arrays(const Arrays&)> step_fn_;
};

}  // namespace

TaskSpec cart_double_pendulum_spec() {
  TaskSpec s;
  s.id = "Isaac-Cart-Double-Pendulum-Direct-v0";
  s.name = "cart_double_pendulum";
  s.obs_dim = 7;
  s.action_dim = 2;
  s.state_dim = 6;
  s.physics_dt = 1.0 / 120.0;
  s.decimation = 2;
  s.episode_length_s = 5.0;
  s.max_return = 2 * 299.0;  // both agents alive for the 299 steps before the time-out
  return s;
}

std::unique_ptr<SimBackend> make_cart_double_pendulum_mlx(int num_envs, std::uint64_t seed,
                                                          const CartDoublePendulumParams& params) {
  return std::make_unique<CartDoublePendulumMlx>(num_envs, seed, params);
}

}  // namespace robomlx::sim
