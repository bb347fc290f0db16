// SPDX-License-Identifier: Apache-2.0
// Header of index_in_header.cu: a thread index in a header (MLX finds Metal attribute names in the
// kernel body only, so on Metal the name would be undeclared).

RM_FUNC unsigned neg_lane() { return RM_THREAD_IDX.x & 31u; }
