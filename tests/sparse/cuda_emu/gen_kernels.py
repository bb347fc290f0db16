#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes the bodies of the sparse fast::cuda_kernel sources as plain C++ functions (kernels.inc)
for emulate_kernels.cpp, which runs them on the CPU with one std::thread per CUDA thread.
Usage: python3 gen_kernels.py /tmp/kernels.inc && g++ -std=c++20 -O1 -pthread -I/tmp \
         emulate_kernels.cpp -o /tmp/emu && /tmp/emu   (prints ALL OK)"""
import os, sys
src=os.path.join(os.path.dirname(os.path.abspath(__file__)), '../../../src/robomlx/sparse/')
def raw(path, name):
    s=open(src+path).read()
    i=s.index(name+' = R"(')+len(name+' = R"(')
    return s[i:s.index(')"',i)]
out=open(sys.argv[1] if len(sys.argv) > 1 else 'kernels.inc','w')
idx='const float* a, const float* b, const int32_t* a_idx, const int32_t* b_idx, const int32_t* o_idx, const int32_t* dims, float* o'
out.write(f'void k_mvmr({idx}) {{\n{raw("mvmr_cuda.cpp","kMvmrSource")}\n}}\n')
out.write(f'void k_vvor({idx}) {{\n{raw("mvmr_cuda.cpp","kVvorSource")}\n}}\n')
out.write(f'template <int OP, int LANES> void k_seg(const float* x, const int32_t* offsets, const int32_t* dims, float* y) {{\n{raw("segment_reduce_cuda.cpp","kSource")}\n}}\n')
