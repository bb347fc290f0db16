// SPDX-License-Identifier: Apache-2.0
// One entry point for the vision models: a Hugging Face checkpoint folder and a device choice in,
// a loaded model and the device it runs on out. The only backend is MLX (CPU, CUDA or Metal
// through MLX's own kernels); what it cannot serve is refused, never approximated:
// - a folder with PyTorch pickles only (pytorch_model.bin), TensorFlow / Flax weights or an
//   open_clip / original segment-anything checkpoint: UnsupportedFeatureError naming the file and
//   how to get model.safetensors;
// - a config.json of another model type: UnsupportedFeatureError;
// - --device gpu without a usable GPU: UnsupportedBackendError (core/device.h).
// Run the model's ops on `device` (pass it as the StreamOrDevice argument).
#pragma once

#include <memory>
#include <string>

#include <mlx/device.h>

#include "robomlx/core/device.h"
#include "robomlx/vision/clip_model.h"
#include "robomlx/vision/sam_image_preprocess.h"
#include "robomlx/vision/sam_model.h"

namespace robomlx::vision {

struct ClipHandle {
  std::unique_ptr<ClipModel> model;
  mx::Device device = mx::Device::cpu;
};

/// Loads a CLIPModel folder (config.json model_type "clip") for `device` (auto: the GPU when one
/// is usable, core/device_policy.h).
ClipHandle create_clip(const std::string& path, DeviceChoice device = DeviceChoice::Auto, const ClipLoadOptions& options = {});
/// The same for a device already chosen (the CLI's --device, resolved once per command).
ClipHandle create_clip(const std::string& path, const mx::Device& device, const ClipLoadOptions& options = {});

struct SamHandle {
  std::unique_ptr<SamModel> model;
  SamImageSettings image_settings;
  mx::Device device = mx::Device::cpu;
};

/// Loads a SamModel folder (config.json model_type "sam") and its preprocessor_config.json.
SamHandle create_sam(const std::string& path, DeviceChoice device = DeviceChoice::Auto, const SamLoadOptions& options = {});
SamHandle create_sam(const std::string& path, const mx::Device& device, const SamLoadOptions& options = {});

/// The model_type of a checkpoint folder's config.json after the format checks above ("clip",
/// "sam"); `want` is what the caller needs (a mismatch is UnsupportedFeatureError).
std::string check_vision_checkpoint(const std::string& path, const std::string& want);

}  // namespace robomlx::vision
