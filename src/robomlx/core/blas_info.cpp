// SPDX-License-Identifier: Apache-2.0
#include "robomlx/core/blas_info.h"

#include <dlfcn.h>

namespace robomlx {

std::string blas_provider() {
  void* sym = dlsym(RTLD_DEFAULT, "cblas_sgemm");
  Dl_info info{};
  if (sym == nullptr || dladdr(sym, &info) == 0 || info.dli_fname == nullptr) return "";
  return info.dli_fname;
}

}  // namespace robomlx
