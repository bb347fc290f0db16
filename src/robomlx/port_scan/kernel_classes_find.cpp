// SPDX-License-Identifier: Apache-2.0
// Finding kernels in token streams: CUDA functions qualified __global__ (and the __device__ helpers
// whose features they inherit), Triton functions under @triton.jit.
#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "robomlx/port_scan/kernel_classes.h"

namespace robomlx::port_scan {

namespace {
bool is(const Token& t, std::string_view text) { return t.text == text && t.kind != TokenKind::string; }

struct Function {
  std::size_t name_token = 0, body_begin = 0, body_end = 0;  // body: tokens inside the braces
  bool global = false;
};

// The index after the bracket group opening at `at` ( "(" or "{" ), or tokens.size().
std::size_t skip_group(const std::vector<Token>& tokens, std::size_t at, std::string_view open, std::string_view close) {
  int depth = 0;
  for (std::size_t i = at; i < tokens.size(); ++i) {
    if (is(tokens[i], open)) ++depth;
    if (is(tokens[i], close) && --depth == 0) return i + 1;
  }
  return tokens.size();
}

// From a __global__ / __device__ qualifier: the function it qualifies, when it has a body. A
// qualifier on a variable (`__device__ float x;`) reaches ';' or '=' first and yields nothing.
bool read_function(const std::vector<Token>& tokens, std::size_t at, Function& fn) {
  std::size_t i = at + 1;
  for (; i < tokens.size(); ++i) {
    const Token& t = tokens[i];
    if (is(t, ";") || is(t, "=") || is(t, "{")) return false;
    if (is(t, "(")) {
      const Token& before = tokens[i - 1];
      if (before.kind == TokenKind::identifier &&
          (before.text == "__launch_bounds__" || before.text == "__attribute__" || before.text == "__align__" ||
           before.text == "alignas" || before.text == "decltype")) {
        i = skip_group(tokens, i, "(", ")") - 1;
        continue;
      }
      if (before.kind != TokenKind::identifier) return false;
      fn.name_token = i - 1;
      break;
    }
  }
  if (i >= tokens.size()) return false;
  i = skip_group(tokens, i, "(", ")");
  for (; i < tokens.size(); ++i) {  // const, noexcept, -> T ... up to the body
    if (is(tokens[i], ";") || is(tokens[i], "}")) return false;
    if (is(tokens[i], "{")) break;
  }
  if (i >= tokens.size()) return false;
  const std::size_t close = skip_group(tokens, i, "{", "}");
  fn.body_begin = i + 1;
  fn.body_end = close > fn.body_begin ? close - 1 : fn.body_begin;
  return true;
}

std::vector<KernelSite> find_cuda_kernels(const std::vector<Token>& tokens) {
  std::vector<Function> functions;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const Token& t = tokens[i];
    if (t.kind != TokenKind::identifier || (t.text != "__global__" && t.text != "__device__")) continue;
    Function fn;
    fn.global = t.text == "__global__";
    if (read_function(tokens, i, fn)) {
      functions.push_back(fn);
      i = fn.body_end;  // a body holds no further definitions
    }
  }
  if (functions.empty()) return {};
  // Helpers by name: a kernel inherits the features of the __device__ functions it calls,
  // to a depth of three calls (enough for real code, and it bounds recursion).
  std::map<std::string_view, KernelFeatures> own;
  std::map<std::string_view, std::vector<std::string_view>> calls;
  for (const Function& fn : functions) {
    const std::string_view name = tokens[fn.name_token].text;
    own[name] += cuda_body_features(tokens, fn.body_begin, fn.body_end);
  }
  for (const Function& fn : functions) {
    auto& list = calls[tokens[fn.name_token].text];
    for (std::size_t k = fn.body_begin; k + 1 < fn.body_end; ++k) {
      const Token& t = tokens[k];
      if (t.kind == TokenKind::identifier && (is(tokens[k + 1], "(") || is(tokens[k + 1], "<")) && own.count(t.text) &&
          t.text != tokens[fn.name_token].text)
        list.push_back(t.text);
    }
  }
  std::vector<KernelSite> sites;
  for (const Function& fn : functions) {
    if (!fn.global) continue;
    KernelSite s;
    s.name_token = fn.name_token;
    s.name = std::string(tokens[fn.name_token].text);
    s.features = own[tokens[fn.name_token].text];
    std::vector<std::string_view> frontier = calls[tokens[fn.name_token].text], seen;
    for (int depth = 0; depth < 3 && !frontier.empty(); ++depth) {
      std::vector<std::string_view> next;
      for (std::string_view h : frontier) {
        if (std::find(seen.begin(), seen.end(), h) != seen.end()) continue;
        seen.push_back(h);
        s.features += own[h];
        next.insert(next.end(), calls[h].begin(), calls[h].end());
      }
      frontier = std::move(next);
    }
    s.kernel_class = classify_cuda(s.features);
    sites.push_back(std::move(s));
  }
  return sites;
}

std::vector<KernelSite> find_triton_kernels(const std::vector<Token>& tokens) {
  std::vector<KernelSite> sites;
  for (std::size_t i = 0; i + 3 < tokens.size(); ++i) {
    if (!(is(tokens[i], "@") && tokens[i].line_start && is(tokens[i + 1], "triton") && is(tokens[i + 2], ".") &&
          is(tokens[i + 3], "jit")))
      continue;
    std::size_t d = i + 4;  // the def after this and any further decorators
    while (d < tokens.size() && !(tokens[d].line_start && is(tokens[d], "def"))) ++d;
    if (d + 1 >= tokens.size()) break;
    const std::uint32_t indent = tokens[d].column;
    std::size_t end = d + 1;
    while (end < tokens.size() && !(tokens[end].line_start && tokens[end].column <= indent)) ++end;
    KernelSite s;
    s.triton = true;
    s.name_token = d + 1;
    s.name = std::string(tokens[d + 1].text);
    s.features = triton_body_features(tokens, d + 2, end);
    s.kernel_class = classify_triton(s.features);
    sites.push_back(std::move(s));
    i = end - 1;
  }
  return sites;
}
}  // namespace

std::vector<KernelSite> find_kernels(Language language, const std::vector<Token>& tokens) {
  switch (language) {
    case Language::c_family:
    case Language::cuda: return find_cuda_kernels(tokens);
    case Language::python:
    case Language::python_build: return find_triton_kernels(tokens);
    default: return {};
  }
}

}  // namespace robomlx::port_scan
