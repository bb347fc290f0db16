// SPDX-License-Identifier: Apache-2.0
// 2D drawings of the classic tasks for `robomlx sim play`, from a state() row (no MuJoCo
// renderer: these are side views drawn on a Canvas). cartpole and cart_double_pendulum: the rail,
// the cart and the links at their true lengths; quadcopter: the x-z plane with the body's x axis
// projected (pitch shows, roll does not) and the goal; robots on MuJoCo models (ant, humanoid): a
// side projection of their capsules (no MuJoCo renderer: no OSMesa / EGL context here).
#pragma once

#include <vector>

#include "robomlx/core/image.h"
#include "robomlx/sim/sim_backend.h"

namespace robomlx::sim {

inline constexpr int kFrameWidth = 320, kFrameHeight = 200;

/// One uint8 RGB frame of kFrameWidth x kFrameHeight from the state (cartpole, cart double
/// pendulum, quadcopter) or, for the others, from `capsules` (SimBackend::capsules: a side view,
/// x across and z up, following the bodies' mean x). Throws UnsupportedFeatureError when neither
/// applies.
Image render_frame(const TaskSpec& spec, const float* state, const std::vector<float>& capsules = {});

/// Frames laid out in a grid of `columns` (a contact sheet, for PNG output).
Image contact_sheet(const std::vector<Image>& frames, int columns);

}  // namespace robomlx::sim
