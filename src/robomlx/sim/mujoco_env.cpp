// SPDX-License-Identifier: Apache-2.0
// The mujoco backend: DirectRLEnv's step order over one mjData per env, envs split across threads
// (core/parallel.h); inputs and outputs cross to MLX arrays once per step.
#include "robomlx/sim/mujoco_env.h"

#include <cmath>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

#include <unistd.h>

#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "robomlx/core/error.h"
#include "robomlx/core/parallel.h"
#include "robomlx/sim/mujoco_env_internal.h"

namespace robomlx::sim {

namespace detail {

namespace {
// MuJoCo's default error handler prints and calls exit(); a library must not end the process.
void throw_mujoco_error(const char* msg) { throw std::runtime_error(std::string("[sim.mujoco] ") + msg); }
}  // namespace

void MujocoTask::get_state(const mjModel* m, const mjData* d, float* s) const {
  for (int i = 0; i < m->nq; ++i) s[i] = float(d->qpos[i]);
  for (int i = 0; i < m->nv; ++i) s[m->nq + i] = float(d->qvel[i]);
}

void MujocoTask::set_state(const mjModel* m, mjData* d, const float* s) const {
  for (int i = 0; i < m->nq; ++i) d->qpos[i] = s[i];
  for (int i = 0; i < m->nv; ++i) d->qvel[i] = s[m->nq + i];
}

std::string read_mjcf_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FormatError("sim.mjcf", path, "cannot read the model file");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

mjModel* compile_mjcf(const std::string& xml, const std::string& name, const MujocoTask* task) {
  mju_user_error = throw_mujoco_error;
  char error[1000] = "";
  mjSpec* spec = mj_parseXMLString(xml.c_str(), nullptr, error, sizeof(error));
  if (spec == nullptr) throw FormatError("sim.mjcf", name, std::string("MuJoCo cannot parse it: ") + error);
  if (task) task->edit_spec(spec);
  mjModel* m = mj_compile(spec, nullptr);
  const std::string why = m == nullptr ? mjs_getError(spec) : "";
  mj_deleteSpec(spec);
  if (m == nullptr) throw FormatError("sim.mjcf", name, "MuJoCo cannot compile it: " + why);
  return m;
}

}  // namespace detail

namespace {

class MujocoBackend final : public SimBackend {
 public:
  MujocoBackend(std::unique_ptr<detail::MujocoTask> task, int n, std::uint64_t seed, const std::string& mjcf)
      : task_(std::move(task)), n_(n), len_(n, 0) {
    std::string name;
    const std::string xml = task_->mjcf(mjcf, name);
    model_ = detail::compile_mjcf(xml, name, task_.get());
    // A constructor that throws runs no destructor: free what exists so far, then rethrow.
    try {
      task_->check_model(model_, name);
      check_memory(name);
      const auto& sp = task_->spec();
      model_->opt.timestep = sp.physics_dt;  // Isaac's dt, whatever the model file says
      for (int i = 0; i < n_; ++i) {
        data_.push_back(mj_makeData(model_));
        if (data_.back() == nullptr) throw std::runtime_error("[sim.mujoco] mj_makeData failed (out of memory)");
        rng_.emplace_back(seed * 0x9e3779b97f4a7c15ULL + std::uint64_t(i));
      }
      obs_.resize(std::size_t(n_) * sp.obs_dim);
      reset({});
    } catch (...) {
      release();
      throw;
    }
  }
  ~MujocoBackend() override { release(); }

  const TaskSpec& spec() const override { return task_->spec(); }
  std::string backend_name() const override { return "mujoco"; }
  int num_envs() const override { return n_; }

  void reset(const std::vector<int>& env_ids) override {
    std::vector<int> ids = env_ids;
    if (ids.empty())
      for (int i = 0; i < n_; ++i) ids.push_back(i);
    for (int id : ids)
      if (id < 0 || id >= n_)
        throw std::invalid_argument("[sim.reset] env id must be in [0, " + std::to_string(n_) + "), got " + std::to_string(id));
    for (int id : ids) reset_one(id);
    const int max_len = task_->spec().max_episode_length();
    if (env_ids.empty() && task_->spec().randomize_episode_start)
      for (int i = 0; i < n_; ++i) len_[i] = std::uniform_int_distribution<int>(0, max_len - 1)(rng_[i]);
  }

  StepResult step(const mx::array& actions) override {
    const auto& sp = task_->spec();
    if (actions.ndim() != 2 || actions.shape(0) != n_ || actions.shape(1) != sp.action_dim)
      throw std::invalid_argument("[sim.step] " + sp.name + " actions must be [" + std::to_string(n_) + ", " +
                                  std::to_string(sp.action_dim) + "]");
    auto a = mx::astype(actions, mx::float32, mx::Device::cpu);
    mx::eval(a);
    const float* act = a.data<float>();
    std::vector<float> reward(n_);
    std::vector<char> term(n_), trunc(n_);
    const int max_len = sp.max_episode_length();
    parallel_for(n_, 16, [&](std::int64_t b, std::int64_t e) {
      for (std::int64_t i = b; i < e; ++i) {
        mjData* d = data_[i];
        task_->apply_action(model_, d, act + i * sp.action_dim);
        for (int k = 0; k < sp.decimation; ++k) mj_step(model_, d);
        task_->after_physics(model_, d);
        len_[i] += 1;
        const bool t = task_->terminated(model_, d);
        term[i] = t;
        trunc[i] = len_[i] >= max_len - 1;
        reward[i] = float(task_->reward(model_, d, t));
        if (term[i] || trunc[i]) reset_one(int(i));
        task_->observe(model_, d, obs_.data() + i * sp.obs_dim);
      }
    });
    StepResult r;
    r.obs = mx::array(obs_.data(), {n_, sp.obs_dim});
    r.reward = mx::array(reward.data(), {n_});
    r.terminated = mx::array(reinterpret_cast<const bool*>(term.data()), {n_}, mx::bool_);
    r.truncated = mx::array(reinterpret_cast<const bool*>(trunc.data()), {n_}, mx::bool_);
    return r;
  }

  mx::array observations() override {
    return mx::array(obs_.data(), {n_, task_->spec().obs_dim});
  }
  mx::array state() override {
    const int w = task_->spec().state_dim;
    std::vector<float> s(std::size_t(n_) * w);
    for (int i = 0; i < n_; ++i) task_->get_state(model_, data_[i], s.data() + std::size_t(i) * w);
    return mx::array(s.data(), {n_, w});
  }
  void set_state(const mx::array& state) override {
    const int w = task_->spec().state_dim;
    if (state.ndim() != 2 || state.shape(0) != n_ || state.shape(1) != w)
      throw std::invalid_argument("[sim.state] " + task_->spec().name + " state must be [" + std::to_string(n_) + ", " +
                                  std::to_string(w) + "]");
    auto s = mx::astype(state, mx::float32, mx::Device::cpu);
    mx::eval(s);
    for (int i = 0; i < n_; ++i) {
      task_->set_state(model_, data_[i], s.data<float>() + std::size_t(i) * w);
      mj_forward(model_, data_[i]);
      task_->observe(model_, data_[i], obs_.data() + std::size_t(i) * task_->spec().obs_dim);
    }
  }
  mx::array episode_length() override { return mx::array(len_.data(), {n_}, mx::int32); }
  std::vector<float> capsules(int env) override {
    if (env < 0 || env >= n_) throw std::invalid_argument("[sim.play] env index out of range");
    // Geoms of moving bodies (the floor stays out), posed by the last kinematics pass (the step's
    // start: one physics step behind the state, invisible in a drawing).
    const mjData* d = data_[env];
    std::vector<float> out;
    for (int g = 0; g < model_->ngeom; ++g) {
      const int type = model_->geom_type[g];
      if (model_->geom_bodyid[g] == 0 || type == mjGEOM_PLANE || type == mjGEOM_HFIELD || type == mjGEOM_MESH) continue;
      const double* c = d->geom_xpos + 3 * g;
      const double* R = d->geom_xmat + 9 * g;
      const double half = (type == mjGEOM_CAPSULE || type == mjGEOM_CYLINDER) ? model_->geom_size[3 * g + 1] : 0.0;
      const double r = model_->geom_size[3 * g];
      for (double sgn : {-1.0, 1.0})
        for (int k = 0; k < 3; ++k) out.push_back(float(c[k] + sgn * half * R[3 * k + 2]));
      out.push_back(float(r));
    }
    return out;
  }

 private:
  // mj_makeData allocates narena + nbuffer bytes per env: refuse a batch that cannot fit in half
  // the machine's memory with one line instead of dying in the allocator.
  void check_memory(const std::string& name) {
    const double per_env = double(model_->narena) + double(model_->nbuffer);
    const double budget = 0.5 * double(sysconf(_SC_PHYS_PAGES)) * double(sysconf(_SC_PAGESIZE));
    if (per_env * n_ > budget) {
      std::ostringstream m;
      m.precision(3);
      m << "[sim.env] " << n_ << " mujoco envs of " << name << " need " << per_env * n_ / (1 << 30) << " GiB ("
        << per_env / (1 << 20) << " MiB of mjData each), over half this machine's memory; use fewer envs";
      throw std::invalid_argument(m.str());
    }
  }

  void release() {
    for (auto* d : data_)
      if (d) mj_deleteData(d);
    data_.clear();
    if (model_) mj_deleteModel(model_);
    model_ = nullptr;
  }

  void reset_one(int i) {
    mj_resetData(model_, data_[i]);
    task_->reset(model_, data_[i], rng_[i]);
    mj_forward(model_, data_[i]);
    len_[i] = 0;
    task_->observe(model_, data_[i], obs_.data() + std::size_t(i) * task_->spec().obs_dim);
  }

  std::unique_ptr<detail::MujocoTask> task_;
  int n_;
  mjModel* model_ = nullptr;
  std::vector<mjData*> data_;
  std::vector<std::mt19937_64> rng_;
  std::vector<std::int32_t> len_;
  std::vector<float> obs_;
};

}  // namespace

bool mujoco_built() { return true; }
std::string mujoco_version() { return mj_versionString(); }

std::unique_ptr<SimBackend> make_mujoco_env(const std::string& task, int num_envs, std::uint64_t seed,
                                            const std::string& mjcf) {
  std::unique_ptr<detail::MujocoTask> t;
  if (task == "cartpole") t = detail::make_cartpole_mujoco_task();
  if (task == "cart_double_pendulum") t = detail::make_cart_double_pendulum_mujoco_task();
  if (task == "quadcopter") t = detail::make_quadcopter_mujoco_task();
  if (!t) t = detail::make_locomotion_mujoco_task(task);
  if (!t) throw UnsupportedFeatureError("[sim.mujoco] task " + task + " has no MuJoCo model");
  return std::make_unique<MujocoBackend>(std::move(t), num_envs, seed, mjcf);
}

}  // namespace robomlx::sim
