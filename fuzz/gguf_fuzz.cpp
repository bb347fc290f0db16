// SPDX-License-Identifier: Apache-2.0
// GGUF model files (serve/gguf_reader_internal.h): the header, the metadata and the tensor table.
// Any content either parses or throws std::invalid_argument naming the file; a file that parses
// reads and dequantizes the first row of each of its tensors (bounded in size) without error.
// The reader takes a path: each input is written to one scratch file first.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>

#include <mlx/ops.h>
#include <mlx/transforms.h>

#include "robomlx/serve/gguf_reader_internal.h"

namespace {
// The scratch file, removed when the fuzzer exits.
struct Scratch {
  std::string path = "/tmp/robomlx-gguf-fuzz-" + std::to_string(::getpid()) + ".gguf";
  ~Scratch() { std::remove(path.c_str()); }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Scratch scratch;
  const std::string& path = scratch.path;
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(data),
                                                                 static_cast<std::streamsize>(size));
  try {
    const auto file = robomlx::serve::detail::read_gguf(path);
    for (const auto& t : file.tensors) {
      if (t.rows() < 1 || t.dims.empty() || t.dims[0] > (1 << 16)) continue;
      auto row = robomlx::serve::detail::dequantize_rows(file, t, 0, 1);
      mlx::core::eval(row);
    }
  } catch (const std::invalid_argument&) {
  }
  return 0;
}
