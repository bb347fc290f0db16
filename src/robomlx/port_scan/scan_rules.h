// SPDX-License-Identifier: Apache-2.0
// The rules table: token patterns for the seed's blockers, each with its bucket, the seed's
// replacement, a complexity and a confidence. Kernels are not in the table: they are found and
// classified by their bodies (kernel_classes.h).
//
// Pattern syntax (items separated by one space, each matching one token in order):
//   word        a token with exactly this text (identifier or punctuation): `torch . cuda`
//   word*       an identifier starting with `word` (or equal to it): `manual_seed*`
//   word^       an identifier that is `word` plus at least one more character, and when `word` ends
//               in a letter that character is an upper-case letter (CUDA's API naming), or '_' when
//               `word` is camel case itself: `cuda^` matches cudaMalloc, not cudart, cudaq or a
//               user's cuda_stream; `cudaStream^` matches cudaStream_t
//   ~text       an identifier containing `text` (CMake words such as ${CMAKE_CUDA_FLAGS})
//   "text"      a string literal equal to `text`; "text* starts with it; "*text contains it
//   @cuda       a string literal naming a CUDA device: "cuda", "cuda:0", "CUDA"
//   #text       a C/C++ #include whose header name starts with `text`
// and two whole-pattern forms:
//   import:a.b  a Python `import a.b[.c]` or `from a.b[.c] import ...` (also `from a import b`)
//   dep:name    a dependency in a build file (pyproject.toml, setup.py, requirements*.txt) whose
//               normalised name equals `name`, or starts with it when it ends in '*';
//               dep:+cu is a version with a CUDA local tag (torch==2.1+cu118), dep:[cuda an extra
//               naming CUDA (jax[cuda12])
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "robomlx/port_scan/scan_finding.h"
#include "robomlx/port_scan/source_lexer.h"

namespace robomlx::port_scan {

/// Rule::languages bits.
enum LanguageBits : unsigned {
  kPython = 1u << 0,
  kSetupPy = 1u << 1,
  kCpp = 1u << 2,
  kCuda = 1u << 3,
  kCMake = 1u << 4,
  kToml = 1u << 5,
  kRequirements = 1u << 6,
  kPbtxt = 1u << 7,
  kPy = kPython | kSetupPy,
  kC = kCpp | kCuda,
  kDeps = kSetupPy | kToml | kRequirements,
};

unsigned language_bit(Language language);

struct Rule {
  std::string_view id;
  Bucket bucket = Bucket::compute;
  unsigned languages = 0;
  std::string_view pattern;
  Complexity complexity = Complexity::easy;
  Confidence confidence = Confidence::high;
  std::string_view what;
  std::string_view replacement;
  std::string_view adapter = {};  // empty: default_adapter(bucket)
};

/// Every rule, in priority order: when two rules match the same number of tokens at one place,
/// the earlier wins (specific rules come before general ones).
const std::vector<Rule>& scan_rules();

struct RuleHit {
  const Rule* rule = nullptr;
  std::size_t token = 0;  // index of the first matched token
};

/// Matches the table against one file's tokens. At each token the longest matching pattern wins
/// and matching resumes after it, so one construct gives one hit.
std::vector<RuleHit> match_rules(Language language, const std::vector<Token>& tokens);

}  // namespace robomlx::port_scan
