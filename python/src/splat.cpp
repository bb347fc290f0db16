// SPDX-License-Identifier: Apache-2.0
// robomlx.splat: 3DGS PLY scenes and the differentiable rasterizer.
#include "arrays.h"

namespace robomlx::py {

void init_splat(nb::module_& m) { (void)m; }

}  // namespace robomlx::py
