#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes the bodies of the sparse fast::cuda_kernel sources as plain C++ functions (kernels.inc)
for emulate_kernels.cpp, which runs them on the CPU with one std::thread per CUDA thread.
Usage (from this folder): python3 gen_kernels.py /tmp/kernels.inc && g++ -std=c++20 -O1 -pthread -I/tmp -I../../cuda_emu \
         emulate_kernels.cpp -o /tmp/emu && /tmp/emu   (prints ALL OK)"""
import os, sys
src=os.path.join(os.path.dirname(os.path.abspath(__file__)), '../../../src/robomlx/')
def raw(path, name):
    s=open(src+path).read()
    i=s.index(name+' = R"(')+len(name+' = R"(')
    return s[i:s.index(')"',i)]
out=open(sys.argv[1] if len(sys.argv) > 1 else 'kernels.inc','w')
# Parameters in the order fast::cuda_kernel generates them: each input (then its shape when the
# source uses it), then the outputs; template arguments become template parameters.
sig='const float* a, const int* a_shape, const float* b, const int* b_shape, const int32_t* a_idx, const int* a_idx_shape, const int32_t* b_idx, const int32_t* o_idx, float* o'
out.write(f'template <bool WIDE> void k_mvmr({sig}) {{\n{raw("sparse/mvmr_cuda.cpp","kMvmrSource")}\n}}\n')
out.write(f'template <bool WIDE> void k_vvor({sig}) {{\n{raw("sparse/mvmr_cuda.cpp","kVvorSource")}\n}}\n')
out.write(raw("sparse/segment_reduce_cuda_ops.h","kCudaSegmentOps"))
out.write(f'template <int OP, bool INDEXED, int SEGS> void k_seg(const float* x, const int* x_shape, const int32_t* idx, const int32_t* ends, const int* ends_shape, float* y) {{\n{raw("sparse/segment_reduce_cuda.cpp","kSource")}\n}}\n')
out.write(f'template <int OP, int THREADS, int PER> void k_segtile(const float* x, const int* x_shape, const int32_t* ends, const int* ends_shape, const int32_t* first, float* y) {{\n{raw("sparse/segment_reduce_tile_cuda.cpp","kSource")}\n}}\n')
out.write(f'template <int TILE> void k_segfirst(const int* values_shape, const int32_t* ends, const int* ends_shape, int32_t* first) {{\n{raw("sparse/segment_reduce_tile_cuda.cpp","kFirstSource")}\n}}\n')
out.write(f'void k_totals(const int32_t* x, const int* x_shape, int32_t* totals) {{\n{raw("core/scan_cuda.cpp","kTotals")}\n}}\n')
out.write(f'template <int LEAD> void k_scan(const int32_t* x, const int* x_shape, const int32_t* totals, int32_t* out) {{\n{raw("core/scan_cuda.cpp","kScan")}\n}}\n')
