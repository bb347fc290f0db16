// SPDX-License-Identifier: Apache-2.0
// Cartpole on MLX: the whole env step (2 physics substeps, dones, rewards, masked resets,
// observations) is one compiled pure function of the state, so on a GPU it is a handful of fused
// kernels for all envs, and on the CPU one fused loop per stage.
#include "robomlx/sim/cartpole_env.h"

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

// One physics step of MuJoCo's Euler integrator on the cart-pole: q'' from
// (M + dt*D) q'' = tau - c(q, q') - D q', then v += dt q'', q += dt v (new velocity).
// Generalized coordinates: cart position x, pole angle th (0 = upright).
void physics_step(const CartpoleParams& p, double dt, const mx::array& force, mx::array& x, mx::array& th,
                  mx::array& vx, mx::array& vth) {
  const double l = p.pole_com;
  const double mpl = p.pole_mass * l;
  const float m11 = float(p.cart_mass + p.pole_mass + dt * p.cart_damping);
  const float m22 = float(p.pole_inertia + p.pole_mass * l * l);
  auto s = mx::sin(th), c = mx::cos(th);
  auto m12 = float(mpl) * c;
  auto rhs1 = force + float(mpl) * s * vth * vth - float(p.cart_damping) * vx;
  auto rhs2 = float(mpl * p.gravity) * s;
  auto det = m11 * m22 - m12 * m12;
  auto ax = (rhs1 * m22 - m12 * rhs2) / det;
  auto ath = (m11 * rhs2 - m12 * rhs1) / det;
  vx = vx + float(dt) * ax;
  vth = vth + float(dt) * ath;
  x = x + float(dt) * vx;
  th = th + float(dt) * vth;
}

class CartpoleMlx final : public SimBackend {
 public:
  CartpoleMlx(int num_envs, std::uint64_t seed, const CartpoleParams& params)
      : spec_(cartpole_spec()), params_(params), n_(num_envs), key_(mx::random::key(seed)) {
    const int max_len = spec_.max_episode_length();
    const double dt = spec_.physics_dt;
    const int decimation = spec_.decimation;
    const CartpoleParams p = params_;
    // inputs: x, th, vx, vth, episode_length, actions [N,1], key.
    step_fn_ = mx::compile([p, dt, decimation, max_len](const Arrays& in) -> Arrays {
      auto x = in[0], th = in[1], vx = in[2], vth = in[3];
      auto len = in[4];
      // _pre_physics_step: actions * action_scale; the effort limit clamps what the joint gets.
      auto force = mx::clip(float(p.action_scale) * mx::reshape(in[5], {-1}), mx::array(-float(p.effort_limit)),
                            mx::array(float(p.effort_limit)));
      for (int k = 0; k < decimation; ++k) physics_step(p, dt, force, x, th, vx, vth);
      len = len + 1;
      auto terminated = mx::logical_or(mx::abs(x) > float(p.max_cart_pos), mx::abs(th) > float(kPi / 2));
      auto truncated = len >= max_len - 1;
      auto term_f = mx::astype(terminated, mx::float32);
      auto reward = (1.0f - term_f) - 2.0f * term_f - th * th - 0.01f * mx::abs(vx) - 0.005f * mx::abs(vth);
      auto done = mx::logical_or(terminated, truncated);
      auto fresh = mx::random::uniform(mx::array(-float(p.reset_angle * kPi)), mx::array(float(p.reset_angle * kPi)),
                                       th.shape(), mx::float32, in[6]);
      auto zero = mx::zeros_like(x);
      x = mx::where(done, zero, x);
      th = mx::where(done, fresh, th);
      vx = mx::where(done, zero, vx);
      vth = mx::where(done, zero, vth);
      len = mx::where(done, mx::zeros_like(len), len);
      auto obs = mx::stack({th, vth, x, vx}, 1);
      return {x, th, vx, vth, len, obs, reward, terminated, truncated};
    });
    x_ = th_ = vx_ = vth_ = mx::zeros({n_}, mx::float32);
    len_ = mx::zeros({n_}, mx::int32);
    reset({});
  }

  const TaskSpec& spec() const override { return spec_; }
  std::string backend_name() const override { return "mlx"; }
  int num_envs() const override { return n_; }

  void reset(const std::vector<int>& env_ids) override {
    // The same reset distribution as the step function's in-episode resets.
    auto m = reset_mask(env_ids, n_);
    auto fresh = mx::random::uniform(mx::array(-float(params_.reset_angle * kPi)),
                                     mx::array(float(params_.reset_angle * kPi)), {n_}, mx::float32, next_key());
    auto zero = mx::zeros({n_}, mx::float32);
    x_ = mx::where(m, zero, x_);
    th_ = mx::where(m, fresh, th_);
    vx_ = mx::where(m, zero, vx_);
    vth_ = mx::where(m, zero, vth_);
    len_ = mx::where(m, mx::zeros({n_}, mx::int32), len_);
    mx::eval({x_, th_, vx_, vth_, len_});
  }

  StepResult step(const mx::array& actions) override {
    if (actions.ndim() != 2 || actions.shape(0) != n_ || actions.shape(1) != 1) {
      throw std::invalid_argument("[sim.step] cartpole actions must be [" + std::to_string(n_) + ", 1]");
    }
    auto out = step_fn_({x_, th_, vx_, vth_, len_, mx::astype(actions, mx::float32), next_key()});
    x_ = out[0], th_ = out[1], vx_ = out[2], vth_ = out[3], len_ = out[4];
    return {out[5], out[6], out[7], out[8]};
  }

  mx::array observations() override { return mx::stack({th_, vth_, x_, vx_}, 1); }
  mx::array state() override { return mx::stack({x_, th_, vx_, vth_}, 1); }
  void set_state(const mx::array& state) override {
    if (state.ndim() != 2 || state.shape(0) != n_ || state.shape(1) != 4) {
      throw std::invalid_argument("[sim.state] cartpole state must be [" + std::to_string(n_) + ", 4]");
    }
    auto s = mx::astype(state, mx::float32);
    x_ = mx::take(s, 0, 1), th_ = mx::take(s, 1, 1), vx_ = mx::take(s, 2, 1), vth_ = mx::take(s, 3, 1);
    mx::eval({x_, th_, vx_, vth_});
  }
  mx::array episode_length() override { return len_; }

 private:
  mx::array next_key() {
    auto pair = mx::random::split(key_);
    key_ = pair.first;
    return pair.second;
  }

  TaskSpec spec_;
  CartpoleParams params_;
  int n_;
  mx::array key_;
  mx::array x_ = mx::array(0.0f), th_ = mx::array(0.0f), vx_ = mx::array(0.0f), vth_ = mx::array(0.0f);
  mx::array len_ = mx::array(0);
  std::function<Arrays(const Arrays&)> step_fn_;
};

}  // namespace

TaskSpec cartpole_spec() {
  TaskSpec s;
  s.id = "Isaac-Cartpole-Direct-v0";
  s.name = "cartpole";
  s.obs_dim = 4;
  s.action_dim = 1;
  s.state_dim = 4;
  s.physics_dt = 1.0 / 120.0;
  s.decimation = 2;
  s.episode_length_s = 5.0;
  s.max_return = 299.0;  // alive 1.0 on each of the 299 steps before the time-out, no penalty
  return s;
}

std::unique_ptr<SimBackend> make_cartpole_mlx(int num_envs, std::uint64_t seed, const CartpoleParams& params) {
  return std::make_unique<CartpoleMlx>(num_envs, seed, params);
}

}  // namespace robomlx::sim
