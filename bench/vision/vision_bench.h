// SPDX-License-Identifier: Apache-2.0
// The `vision` bench suite's parts (random_checkpoints_bench.cpp): random checkpoints at the real sizes, written in the Hugging
// Face layout so that the timed models come through the same loaders as a user's download
// (speed does not depend on the values).
#pragma once

#include <string>

namespace robomlx::vision {

/// CLIP ViT-B/32 (openai/clip-vit-base-patch32 sizes; `quick`: a 64-wide, 2-layer model) with a
/// synthetic 49408-token vocabulary, into `dir`.
void write_random_clip(const std::string& dir, bool quick);
/// SAM ViT-B (facebook/sam-vit-base sizes; `quick`: the golden tiny sizes), into `dir`.
void write_random_sam(const std::string& dir, bool quick);

}  // namespace robomlx::vision
