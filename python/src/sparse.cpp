// SPDX-License-Identifier: Apache-2.0
// robomlx.sparse: the point-cloud engines. MVMR, VVOR, segment reductions and point_conv keep
// their custom VJPs: called on mlx.core arrays inside mx.grad, MLX's tape records the very
// primitives the C++ library builds, so the gradients are the C++ ones.
#include <nanobind/stl/optional.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>

#include "arrays.h"
#include "robomlx/sparse/mvmr.h"
#include "robomlx/sparse/neighbors.h"
#include "robomlx/sparse/point_conv.h"
#include "robomlx/sparse/segment_reduce.h"
#include "robomlx/sparse/voxel.h"
#include "robomlx/sparse/vvor.h"

namespace robomlx::py {

namespace {

using namespace robomlx::sparse;

std::optional<mx::array> opt(const std::optional<ArrayArg>& a) {
  return a ? std::optional<mx::array>(a->a) : std::nullopt;
}

IndexCheck check_of(bool check) { return check ? IndexCheck::host : IndexCheck::none; }

ReduceOp reduce_op(const std::string& op) {
  for (ReduceOp r : {ReduceOp::sum, ReduceOp::mean, ReduceOp::max, ReduceOp::min})
    if (op == to_string(r)) return r;
  throw std::invalid_argument("[sparse.segment_reduce] op must be one of sum, mean, max, min, got '" + op + "'");
}

constexpr const char* kCheckDoc =
    "check=True validates index values on the host (one synchronisation); check=False keeps the call lazy "
    "(usable under mx.compile; out-of-range indices are then undefined behaviour).";

}  // namespace

void init_sparse(nb::module_& m) {
  auto w = Workload::sparse_ops;
  m.def("mvmr", [w](const ArrayArg& a, const ArrayArg& b, const ArrayArg& a_idx, const ArrayArg& b_idx,
                    const ArrayArg& o_idx, int num_outputs, bool check, const DeviceArg& device) {
    return mvmr(a, b, a_idx, b_idx, o_idx, num_outputs, check_of(check), to_stream(device, w));
  }, nb::arg("a"), nb::arg("b"), nb::arg("a_idx"), nb::arg("b_idx"), nb::arg("o_idx"), nb::arg("num_outputs"),
  nb::kw_only(), nb::arg("check") = true, nb::arg("device") = nb::none(),
  (std::string("Sparse matrix-vector multiplication and reduction (the forward of point convolution):\n"
   "  for t, g: o[o_idx[t], g, :] += b[b_idx[t], g, :] @ a[a_idx[t], g, :, :]\n"
   "a: [K, G, C, M] weights, b: [N_b, G, C] features, indices int32/int64 [T]; returns [num_outputs, G, M].\n"
   "float32/float16/bfloat16 (float64 on CPU); accumulates in float32. Differentiable in a and b (custom VJP:\n"
   "grad_a is a VVOR, grad_b an MVMR), so mx.grad / mx.value_and_grad work through it.\n") + kCheckDoc).c_str());
  m.def("vvor", [w](const ArrayArg& a, const ArrayArg& b, const ArrayArg& a_idx, const ArrayArg& b_idx,
                    const ArrayArg& o_idx, int num_outputs, bool check, const DeviceArg& device) {
    return vvor(a, b, a_idx, b_idx, o_idx, num_outputs, check_of(check), to_stream(device, w));
  }, nb::arg("a"), nb::arg("b"), nb::arg("a_idx"), nb::arg("b_idx"), nb::arg("o_idx"), nb::arg("num_outputs"),
  nb::kw_only(), nb::arg("check") = true, nb::arg("device") = nb::none(),
  (std::string("Sparse vector-vector outer-product reduction (the weight gradient of point convolution):\n"
   "  for t, g: o[o_idx[t], g] += outer(a[a_idx[t], g, :], b[b_idx[t], g, :])\n"
   "a: [N_a, G, M], b: [N_b, G, C]; returns [num_outputs, G, M, C]. Differentiable in a and b (custom VJP).\n") +
   kCheckDoc).c_str());
  m.def("segment_reduce", [w](const ArrayArg& x, const ArrayArg& lengths, const std::string& op, bool check,
                              const DeviceArg& device) {
    return segment_reduce(x, lengths, reduce_op(op), check_of(check), to_stream(device, w));
  }, nb::arg("x"), nb::arg("lengths"), nb::arg("op") = "sum", nb::kw_only(), nb::arg("check") = true,
  nb::arg("device") = nb::none(),
  "y[k] = op over rows x[off_k : off_k + lengths[k]] (off = exclusive cumsum of lengths).\n"
  "x: [T, C...] float; lengths: int [K] with sum == T; returns [K, C...]. op: sum, mean, max, min.\n"
  "Empty segments give 0. Differentiable in x (max/min split the gradient equally among ties).");
  m.def("indexed_segment_reduce", [w](const ArrayArg& x, const ArrayArg& indices, const ArrayArg& lengths,
                                      const std::string& op, bool check, const DeviceArg& device) {
    return indexed_segment_reduce(x, indices, lengths, reduce_op(op), check_of(check), to_stream(device, w));
  }, nb::arg("x"), nb::arg("indices"), nb::arg("lengths"), nb::arg("op") = "sum", nb::kw_only(),
  nb::arg("check") = true, nb::arg("device") = nb::none(),
  "y[k] = op over rows x[indices[off_k : off_k + lengths[k]]]; sum(lengths) == len(indices).\n"
  "Differentiable in x; a duplicated index collects one share per occurrence.");
  m.def("radius_search", [w](const ArrayArg& points, const ArrayArg& queries, float radius, int max_neighbors,
                             bool sort, const std::optional<ArrayArg>& point_batch,
                             const std::optional<ArrayArg>& query_batch, const DeviceArg& device) {
    auto r = radius_search(points, queries, RadiusSearchOptions{radius, max_neighbors, sort}, opt(point_batch),
                           opt(query_batch), to_stream(device, w));
    return nb::make_tuple(r.indices, r.distances, r.offsets);
  }, nb::arg("points"), nb::arg("queries"), nb::arg("radius"), nb::kw_only(), nb::arg("max_neighbors") = 0,
  nb::arg("sort") = false, nb::arg("point_batch") = nb::none(), nb::arg("query_batch") = nb::none(),
  nb::arg("device") = nb::none(),
  "Neighbours within `radius` (inclusive) of each query, same batch only. points [N, 3], queries [Q, 3] float32.\n"
  "Returns (indices int32 [E], distances float32 [E], offsets int32 [Q + 1]): query i owns [offsets[i], offsets[i+1]).");
  m.def("knn", [w](const ArrayArg& points, const ArrayArg& queries, int k, const std::optional<ArrayArg>& point_batch,
                   const std::optional<ArrayArg>& query_batch, const DeviceArg& device) {
    auto r = knn_search(points, queries, k, opt(point_batch), opt(query_batch), to_stream(device, w));
    return nb::make_tuple(r.indices, r.distances);
  }, nb::arg("points"), nb::arg("queries"), nb::arg("k"), nb::kw_only(), nb::arg("point_batch") = nb::none(),
  nb::arg("query_batch") = nb::none(), nb::arg("device") = nb::none(),
  "k nearest points per query, nearest first: (indices int32 [Q, k], distances float32 [Q, k]); -1 / inf pad.");
  m.def("voxel_downsample", [w](const ArrayArg& points, float voxel_size, const std::optional<ArrayArg>& batch,
                                const DeviceArg& device) {
    return voxel_downsample(points, VoxelDownsampleOptions{voxel_size}, opt(batch), to_stream(device, w));
  }, nb::arg("points"), nb::arg("voxel_size"), nb::kw_only(), nb::arg("batch") = nb::none(),
  nb::arg("device") = nb::none(),
  "Indices (int32 [M], ascending) of the point nearest each occupied voxel's centre; points [N, 3] float32.");

  nb::class_<ConvTriplets>(m, "ConvTriplets",
                           "Convolution triplets (tap, input, output), int32 [T] each, sorted by tap.")
      .def_ro("tap", &ConvTriplets::tap)
      .def_ro("input", &ConvTriplets::input)
      .def_ro("output", &ConvTriplets::output)
      .def_ro("num_inputs", &ConvTriplets::num_inputs)
      .def_ro("num_outputs", &ConvTriplets::num_outputs)
      .def_ro("num_taps", &ConvTriplets::num_taps)
      .def("__len__", &ConvTriplets::size);
  m.def("build_triplets", [w](const ArrayArg& in_points, const ArrayArg& out_points, float radius, int kernel_size,
                              int max_neighbors, const std::optional<ArrayArg>& in_batch,
                              const std::optional<ArrayArg>& out_batch, const DeviceArg& device) {
    TripletOptions o{radius, kernel_size, max_neighbors};
    return build_triplets(in_points, out_points, o, opt(in_batch), opt(out_batch), to_stream(device, w));
  }, nb::arg("in_points"), nb::arg("out_points"), nb::arg("radius"), nb::kw_only(), nb::arg("kernel_size") = 3,
  nb::arg("max_neighbors") = 0, nb::arg("in_batch") = nb::none(), nb::arg("out_batch") = nb::none(),
  nb::arg("device") = nb::none(),
  "Radius search from out_points [M, 3] into in_points [N, 3] and tap binning on a kernel_size^3 grid over\n"
  "[-radius, radius]^3. Evaluated (the search synchronises).");
  m.def("point_conv", [w](const ArrayArg& x, const ArrayArg& weight, const std::optional<ArrayArg>& bias,
                          const ConvTriplets& triplets, const DeviceArg& device) {
    return point_conv(x, weight, opt(bias), triplets, to_stream(device, w));
  }, nb::arg("x"), nb::arg("weight"), nb::arg("bias"), nb::arg("triplets"), nb::kw_only(),
  nb::arg("device") = nb::none(),
  "y[i] = bias + sum over neighbours j of x[j] @ weight[tap(i, j)] per group.\n"
  "x [N_in, C_in], weight [K, G, C_in/G, C_out/G], bias [C_out] or None; returns [N_out, C_out].\n"
  "Differentiable in x, weight and bias (through MVMR's custom VJP).");
}

}  // namespace robomlx::py
