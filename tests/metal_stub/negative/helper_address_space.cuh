// SPDX-License-Identifier: Apache-2.0
// Header of helper_address_space.cu: a helper whose pointer parameter names no address space.

RM_FUNC float neg_first(const float* p) { return p[0]; }
