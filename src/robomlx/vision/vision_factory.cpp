// SPDX-License-Identifier: Apache-2.0
#include "robomlx/vision/vision_factory.h"

#include <filesystem>

#include "robomlx/core/device_policy.h"
#include "robomlx/core/error.h"
#include "robomlx/vision/vision_checkpoint_internal.h"

namespace robomlx::vision {

namespace fs = std::filesystem;

std::string check_vision_checkpoint(const std::string& path, const std::string& want) {
  const std::string tag = "vision." + want;
  if (!fs::is_directory(path)) throw FormatError(tag, path, "must be a Hugging Face checkpoint folder (config.json, model.safetensors)");
  const fs::path dir(path);
  if (!fs::exists(dir / "model.safetensors")) {
    for (const char* other : {"pytorch_model.bin", "tf_model.h5", "flax_model.msgpack", "open_clip_pytorch_model.bin",
                              "model.safetensors.index.json", "sam_vit_b_01ec64.pth", "sam_vit_l_0b3195.pth", "sam_vit_h_4b8939.pth"})
      if (fs::exists(dir / other))
        throw UnsupportedFeatureError("[" + tag + "] " + (dir / other).string() +
                                      ": this checkpoint format is not supported by robomlx (one model.safetensors in the "
                                      "Hugging Face layout is; the Hub repositories openai/clip-vit-* and facebook/sam-vit-* have it)");
  }
  const auto j = detail::read_json_object((dir / "config.json").string(), tag);
  const std::string type = j.value("model_type", "");
  if (type != want)
    throw UnsupportedFeatureError("[" + tag + "] " + (dir / "config.json").string() + ": model_type \"" + type + "\" is not supported here (need \"" + want + "\")");
  return type;
}

ClipHandle create_clip(const std::string& path, DeviceChoice device, const ClipLoadOptions& options) {
  return create_clip(path, resolve_device_for(device, Workload::general), options);
}

ClipHandle create_clip(const std::string& path, const mx::Device& device, const ClipLoadOptions& options) {
  check_vision_checkpoint(path, "clip");
  ClipHandle h{nullptr, device};
  h.model = ClipModel::load(path, options);
  return h;
}

SamHandle create_sam(const std::string& path, DeviceChoice device, const SamLoadOptions& options) {
  return create_sam(path, resolve_device_for(device, Workload::general), options);
}

SamHandle create_sam(const std::string& path, const mx::Device& device, const SamLoadOptions& options) {
  check_vision_checkpoint(path, "sam");
  SamHandle h{nullptr, SamImageSettings::read(path), device};
  h.model = SamModel::load(path, options);
  if (h.image_settings.longest_edge != h.model->config().image_size || h.image_settings.pad_height != h.model->config().image_size ||
      h.image_settings.pad_width != h.model->config().image_size)
    throw FormatError("vision.sam", path + "/preprocessor_config.json", "size.longest_edge and pad_size must equal vision_config.image_size " +
                                                                          std::to_string(h.model->config().image_size));
  return h;
}

}  // namespace robomlx::vision
