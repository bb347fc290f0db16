// SPDX-License-Identifier: Apache-2.0
#include "arrays.h"

#include <cstdint>

#include <mlx/allocator.h>
#include <mlx/ops.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/string.h>

#include "robomlx/core/device.h"

namespace robomlx::py {

namespace {

using HostArray = nb::ndarray<nb::ro, nb::c_contig, nb::device::cpu>;

std::optional<mx::Dtype> to_dtype(nb::dlpack::dtype t) {
  using C = nb::dlpack::dtype_code;
  const auto code = C(t.code);
  if (t.lanes != 1) return std::nullopt;
  if (code == C::Bool && t.bits == 8) return mx::bool_;
  if (code == C::UInt) {
    if (t.bits == 8) return mx::uint8;
    if (t.bits == 16) return mx::uint16;
    if (t.bits == 32) return mx::uint32;
    if (t.bits == 64) return mx::uint64;
  }
  if (code == C::Int) {
    if (t.bits == 8) return mx::int8;
    if (t.bits == 16) return mx::int16;
    if (t.bits == 32) return mx::int32;
    if (t.bits == 64) return mx::int64;
  }
  if (code == C::Float) {
    if (t.bits == 16) return mx::float16;
    if (t.bits == 32) return mx::float32;
    if (t.bits == 64) return mx::float64;
  }
  if (code == C::Bfloat && t.bits == 16) return mx::bfloat16;
  return std::nullopt;
}

// MLX's CPU allocator (the Linux CPU wheel) keeps an 8-byte size header in front of every
// block and its Buffer::raw_ptr() is ptr + 8 (mlx 0.32 backend/cpu allocator). A foreign block
// is therefore a Buffer 8 bytes before it, with a Data deleter instead of an allocator free:
// MLX never frees it, never counts it, and never donates it (Data::is_owned() is false).
// CUDA and Metal have other Buffer layouts: there the copy path runs (Metal's make_buffer may
// still share page-aligned memory through mx::array's own constructor).
bool probe_zero_copy() {
  const auto report = probe_backends();
  if (report.cuda_compiled || report.metal_compiled) return false;
  alignas(16) static char probe[32];
  mx::allocator::Buffer b(probe);
  return b.raw_ptr() == probe + sizeof(std::size_t);
}

}  // namespace

bool zero_copy_available() {
  static const bool ok = probe_zero_copy();
  return ok;
}

mx::array wrap_host(const void* data, const mx::Shape& shape, mx::Dtype dtype, std::function<void()> release) {
  std::size_t n = 1;
  for (int d : shape) n *= std::size_t(d);
  auto* p = static_cast<char*>(const_cast<void*>(data));
  if (n > 0 && p && zero_copy_available() && reinterpret_cast<std::uintptr_t>(p) % mx::size_of(dtype) == 0) {
    // The last MLX reference may go away on any thread, after the interpreter is gone too.
    mx::allocator::Data d(mx::allocator::Buffer(p - sizeof(std::size_t)), [release](mx::allocator::Buffer) {
      if (!Py_IsInitialized()) return;  // leak rather than touch a finalized interpreter
      nb::gil_scoped_acquire gil;
      release();
    });
    return mx::array(std::move(d), shape, dtype);
  }
  // A copy (MLX's constructor copies unless its allocator can wrap the memory itself, and then
  // calls the deleter once it no longer needs the memory).
  return mx::array(p, shape, dtype, [release](void*) {
    if (!Py_IsInitialized()) return;
    nb::gil_scoped_acquire gil;
    release();
  });
}

mx::StreamOrDevice to_stream(const DeviceArg& arg, Workload w) {
  nb::handle device = arg.value;
  if (device.is_none()) return {};
  if (nb::isinstance<nb::str>(device))
    return resolve_device_for(parse_device_choice(nb::cast<std::string>(device)), w);
  if (nb::isinstance<mx::Device>(device)) return nb::cast<mx::Device>(device);
  if (nb::isinstance<mx::Device::DeviceType>(device)) return mx::Device(nb::cast<mx::Device::DeviceType>(device));
  if (nb::isinstance<mx::Stream>(device)) return nb::cast<mx::Stream>(device);
  throw std::invalid_argument("[python] device must be None, 'auto', 'cpu', 'gpu', an mlx.core.Device, "
                              "DeviceType or Stream, got " + nb::cast<std::string>(nb::repr(device.type())));
}

}  // namespace robomlx::py

namespace nanobind::detail {

bool type_caster<robomlx::py::ArrayArg>::from_python(handle src, uint8_t flags, cleanup_list* cleanup) noexcept {
  // mlx.core.array first and without conversions: the very array (lazy, traced by mx.grad).
  make_caster<::mlx::core::array> as_mx;
  if (as_mx.from_python(src, flags & ~uint8_t(cast_flags::convert), cleanup)) {
    value.a = as_mx.operator ::mlx::core::array&();
    return true;
  }
  if (!(flags & uint8_t(cast_flags::convert))) return false;
  // Buffer protocol / DLPack on the host; nanobind makes a contiguous copy only when needed.
  make_caster<robomlx::py::HostArray> as_host;
  if (as_host.from_python(src, flags, cleanup)) {
    auto& h = as_host.value;
    auto dtype = robomlx::py::to_dtype(h.dtype());
    if (dtype) {
      ::mlx::core::Shape dims;
      for (std::size_t i = 0; i < h.ndim(); ++i) dims.push_back(int(h.shape(i)));
      try {
        // A copy of the ndarray handle keeps the exporter's memory alive until MLX lets go.
        auto* keep = new robomlx::py::HostArray(h);
        value.a = robomlx::py::wrap_host(h.data(), dims, *dtype, [keep] { delete keep; });
        return true;
      } catch (...) {
        return false;
      }
    }
  }
  // Scalars, lists and whatever else mlx.core.array() accepts.
  try {
    object arr = module_::import_("mlx.core").attr("array")(src);
    value.a = nanobind::cast<::mlx::core::array>(arr);
    return true;
  } catch (...) {
    PyErr_Clear();
    return false;
  }
}

}  // namespace nanobind::detail
