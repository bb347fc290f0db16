// SPDX-License-Identifier: Apache-2.0
// Synthetic shape samples for the train demo (host-side generation; a few thousand points).
#include <algorithm>
#include <cmath>
#include <vector>

#include <mlx/ops.h>

#include "robomlx/sparse/train.h"

namespace robomlx::sparse {

namespace {
constexpr float kPi = 3.14159265358979f;

struct Vec3 {
  float x, y, z;
};

Vec3 sample_surface(int shape, std::mt19937& rng) {
  std::uniform_real_distribution<float> u(0, 1);
  std::normal_distribution<float> n(0, 1);
  switch (shape) {
    case 0: {  // unit sphere
      Vec3 v{n(rng), n(rng), n(rng)};
      float len = std::sqrt(v.x * v.x + v.y * v.y + v.z * v.z) + 1e-12f;
      return {v.x / len, v.y / len, v.z / len};
    }
    case 1: {  // cube of half-edge 0.8
      int face = static_cast<int>(u(rng) * 6) % 6;
      float a = (2 * u(rng) - 1) * 0.8f, b = (2 * u(rng) - 1) * 0.8f, s = face % 2 ? 0.8f : -0.8f;
      if (face < 2) return {s, a, b};
      if (face < 4) return {a, s, b};
      return {a, b, s};
    }
    case 2: {  // cylinder r = 0.7, half-height 0.8, with caps (area-weighted)
      float side = 2 * kPi * 0.7f * 1.6f, caps = 2 * kPi * 0.49f;
      float t = 2 * kPi * u(rng);
      if (u(rng) * (side + caps) < side) return {0.7f * std::cos(t), 0.7f * std::sin(t), (2 * u(rng) - 1) * 0.8f};
      float r = 0.7f * std::sqrt(u(rng));
      return {r * std::cos(t), r * std::sin(t), u(rng) < 0.5f ? -0.8f : 0.8f};
    }
    default: {  // torus R = 0.7, r = 0.3
      float a = 2 * kPi * u(rng), b = 2 * kPi * u(rng);
      float w = 0.7f + 0.3f * std::cos(b);
      return {w * std::cos(a), w * std::sin(a), 0.3f * std::sin(b)};
    }
  }
}

// Uniform random rotation from a unit quaternion (Shoemake), as a row-major 3x3 matrix.
void random_rotation(std::mt19937& rng, float r[9]) {
  std::uniform_real_distribution<float> u(0, 1);
  float u1 = u(rng), u2 = 2 * kPi * u(rng), u3 = 2 * kPi * u(rng);
  float a = std::sqrt(1 - u1), b = std::sqrt(u1);
  float w = a * std::sin(u2), x = a * std::cos(u2), y = b * std::sin(u3), z = b * std::cos(u3);
  float m[9] = {1 - 2 * (y * y + z * z), 2 * (x * y - z * w),     2 * (x * z + y * w),
                2 * (x * y + z * w),     1 - 2 * (x * x + z * z), 2 * (y * z - x * w),
                2 * (x * z - y * w),     2 * (y * z + x * w),     1 - 2 * (x * x + y * y)};
  for (int i = 0; i < 9; ++i) r[i] = m[i];
}

// Rotation about z by a uniform angle (the usual "up-right" augmentation).
void random_yaw(std::mt19937& rng, float r[9]) {
  float t = 2 * kPi * std::uniform_real_distribution<float>(0, 1)(rng);
  float m[9] = {std::cos(t), -std::sin(t), 0, std::sin(t), std::cos(t), 0, 0, 0, 1};
  for (int i = 0; i < 9; ++i) r[i] = m[i];
}
}  // namespace

ShapeBatch make_shape_batch(int samples, int points_per_sample, std::mt19937& rng, bool full_rotation) {
  std::uniform_real_distribution<float> u(0, 1);
  std::normal_distribution<float> noise(0, 0.01f);
  int n = samples * points_per_sample;
  std::vector<float> xyz(3 * static_cast<size_t>(n)), feats(4 * static_cast<size_t>(n));
  std::vector<int> batch(n), labels(samples);
  for (int s = 0; s < samples; ++s) {
    int shape = static_cast<int>(u(rng) * kNumShapes) % kNumShapes;
    labels[s] = shape;
    float rot[9];
    if (full_rotation) {
      random_rotation(rng, rot);
    } else {
      random_yaw(rng, rot);
    }
    float scale = 0.8f + 0.4f * u(rng);
    size_t first = static_cast<size_t>(s) * points_per_sample;
    float max_len = 0;
    for (int i = 0; i < points_per_sample; ++i) {
      Vec3 p = sample_surface(shape, rng);
      float q[3] = {p.x, p.y, p.z}, len2 = 0;
      for (int a = 0; a < 3; ++a) {
        float v = scale * (rot[3 * a] * q[0] + rot[3 * a + 1] * q[1] + rot[3 * a + 2] * q[2]) + noise(rng);
        xyz[3 * (first + i) + a] = v;
        len2 += v * v;
      }
      max_len = std::max(max_len, std::sqrt(len2));
      batch[first + i] = s;
    }
    // Unit-sphere normalisation (as ModelNet pipelines do): the random scale is an augmentation
    // of the raw sample, the network sees every shape fitted into the unit ball.
    for (int i = 0; i < points_per_sample; ++i) {
      float len2 = 0;
      for (int a = 0; a < 3; ++a) {
        float v = xyz[3 * (first + i) + a] / max_len;
        xyz[3 * (first + i) + a] = v;
        feats[4 * (first + i) + a] = v;
        len2 += v * v;
      }
      feats[4 * (first + i) + 3] = std::sqrt(len2);
    }
  }
  return ShapeBatch{mx::array(xyz.data(), {n, 3}, mx::float32), mx::array(batch.data(), {n}, mx::int32),
                    mx::array(feats.data(), {n, 4}, mx::float32), mx::array(labels.data(), {samples}, mx::int32),
                    samples};
}

}  // namespace robomlx::sparse
