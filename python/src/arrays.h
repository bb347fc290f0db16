// SPDX-License-Identifier: Apache-2.0
// What every binding file shares: arrays in (mlx.core.array as itself; NumPy, anything with the
// buffer protocol or DLPack wrapped without a copy where MLX's allocator allows), the `device=`
// keyword, and the submodule registrars module.cpp calls.
#pragma once
#include <functional>
#include <optional>
#include <string>

#include <mlx/array.h>
#include <mlx/utils.h>
#include <nanobind/nanobind.h>

#include "robomlx/core/device_policy.h"

namespace robomlx::py {

namespace nb = nanobind;
namespace mx = mlx::core;

/// An array argument: what the caster accepted, as an mx::array (lazy MLX arrays pass through
/// unchanged, so mx.grad traces through them).
struct ArrayArg {
  mx::array a{0};
  operator const mx::array&() const { return a; }
};

/// Wraps a host buffer (nanobind ndarray of the CPU, C-contiguous) as an mx::array. Zero-copy
/// where the default allocator is MLX's CPU one (the wrapped array holds `owner` alive and is
/// never donated to an op's output); a copy elsewhere (CUDA, or a layout MLX cannot hold).
/// `release` drops the exporter's memory: called with the GIL held, once MLX is done with it.
mx::array wrap_host(const void* data, const mx::Shape& shape, mx::Dtype dtype, std::function<void()> release);

/// True when wrap_host shares memory on this build (tests and docs ask).
bool zero_copy_available();

/// The `device=` keyword's value as given (its caster only names the accepted types for stubs).
struct DeviceArg {
  nb::object value;
};

/// The `device=` keyword: None (MLX's default device, as MLX's own ops), "cpu" / "gpu" / "auto"
/// (robomlx's rule: auto picks per workload, core/device_policy.h, as the CLI's --device does),
/// an mlx.core.Device or an mlx.core.Stream.
mx::StreamOrDevice to_stream(const DeviceArg& device, Workload w = Workload::general);

void init_core(nb::module_& m);
void init_io(nb::module_& m);
void init_depth(nb::module_& m);
void init_stereo(nb::module_& m);
void init_sparse(nb::module_& m);
void init_splat(nb::module_& m);

}  // namespace robomlx::py

namespace nanobind::detail {

template <>
struct type_caster<robomlx::py::ArrayArg> {
  NB_TYPE_CASTER(robomlx::py::ArrayArg, const_name("mlx.core.array | numpy.typing.ArrayLike"))
  bool from_python(handle src, uint8_t flags, cleanup_list* cleanup) noexcept;
  static handle from_cpp(const robomlx::py::ArrayArg& v, rv_policy p, cleanup_list* c) noexcept {
    return make_caster<::mlx::core::array>::from_cpp(v.a, p, c);
  }
};

template <>
struct type_caster<robomlx::py::DeviceArg> {
  NB_TYPE_CASTER(robomlx::py::DeviceArg,
                 const_name("str | mlx.core.Device | mlx.core.DeviceType | mlx.core.Stream"))
  bool from_python(handle src, uint8_t, cleanup_list*) noexcept {
    value.value = borrow(src);  // checked by to_stream, which names what it got
    return true;
  }
  static handle from_cpp(const robomlx::py::DeviceArg& v, rv_policy, cleanup_list*) noexcept {
    return v.value.inc_ref();
  }
};

}  // namespace nanobind::detail
