// SPDX-License-Identifier: Apache-2.0
// One file's scan: tokens → rule hits and kernel sites → findings with snippets.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>

#include "robomlx/port_scan/kernel_classes.h"
#include "robomlx/port_scan/scan_prefilter.h"
#include "robomlx/port_scan/scan_rules.h"
#include "robomlx/port_scan/scan_tree.h"

namespace robomlx::port_scan {

namespace {
// Length of the valid UTF-8 sequence at s[i], or 0 when it is invalid (overlongs, surrogates and
// code points past U+10FFFF included).
std::size_t utf8_length(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  if (c < 0x80) return 1;
  std::size_t n = 0;
  unsigned cp = 0;
  if ((c & 0xE0) == 0xC0) n = 2, cp = c & 0x1Fu;
  else if ((c & 0xF0) == 0xE0) n = 3, cp = c & 0x0Fu;
  else if ((c & 0xF8) == 0xF0) n = 4, cp = c & 0x07u;
  else return 0;
  if (i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(i + k) & 0x3Fu);
  }
  const unsigned min[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < min[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

// The line holding `line` (1-based), trimmed, at most 160 code points, invalid bytes as U+FFFD.
std::string snippet(std::string_view text, const std::vector<std::size_t>& starts, std::uint32_t line) {
  if (line == 0 || line > starts.size()) return {};
  const std::size_t b = starts[line - 1];
  std::size_t e = text.find('\n', b);
  if (e == std::string_view::npos) e = text.size();
  std::string_view l = text.substr(b, e - b);
  while (!l.empty() && (l.front() == ' ' || l.front() == '\t')) l.remove_prefix(1);
  while (!l.empty() && (l.back() == ' ' || l.back() == '\t' || l.back() == '\r')) l.remove_suffix(1);
  std::string out;
  std::size_t points = 0;
  for (std::size_t i = 0; i < l.size() && points < 160; ++points) {
    const std::size_t n = utf8_length(l, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      const char c = l[i];
      out.append(c == '\t' ? std::string_view(" ") : l.substr(i, n));
      i += n;
    }
  }
  if (points == 160 && out.size() < l.size()) out += "...";
  return out;
}

std::string slug(KernelClass c) {
  std::string s;
  for (char ch : std::string(to_string(c))) {
    if (ch == '(') break;
    s += (ch == ' ' || ch == '/') ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  }
  while (!s.empty() && s.back() == '-') s.pop_back();
  std::string clean;  // "cub---thrust" -> "cub-thrust"
  for (char ch : s) {
    if (!(ch == '-' && !clean.empty() && clean.back() == '-')) clean += ch;
  }
  return clean;
}
}  // namespace

std::size_t first_invalid_utf8_line(std::string_view text) {
  // Validate first, sixteen ASCII bytes at a time (most source is ASCII); count lines only for
  // the rare file that has an invalid byte.
  std::size_t i = 0;
  while (i < text.size()) {
    if (i + 16 <= text.size()) {
      std::uint64_t w[2];
      std::memcpy(w, text.data() + i, 16);
      if (((w[0] | w[1]) & 0x8080808080808080ull) == 0) {
        i += 16;
        continue;
      }
    }
    if (static_cast<unsigned char>(text[i]) < 0x80) {
      ++i;
      continue;
    }
    const std::size_t n = utf8_length(text, i);
    if (n == 0) return 1 + static_cast<std::size_t>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(i), '\n'));
    i += n;
  }
  return 0;
}

std::vector<Finding> scan_text(std::string_view path, Language language, std::string_view text) {
  if (!may_have_findings(language, text)) return {};  // no literal any rule or kernel needs
  thread_local std::vector<Token> reused;  // see lex_source: no allocation, no page faults per file
  lex_source(language, text, reused);
  const std::vector<Token>& tokens = reused;
  std::vector<Finding> out;
  for (const RuleHit& h : match_rules(language, tokens)) {
    const Token& t = tokens[h.token];
    Finding f;
    f.line = t.line;
    f.column = t.column;
    f.rule_id = h.rule->id;
    f.bucket = h.rule->bucket;
    f.what = h.rule->what;
    f.replacement = h.rule->replacement;
    f.complexity = h.rule->complexity;
    f.confidence = h.rule->confidence;
    f.adapter = h.rule->adapter.empty() ? default_adapter(h.rule->bucket) : std::string(h.rule->adapter);
    out.push_back(std::move(f));
  }
  for (const KernelSite& k : find_kernels(language, tokens)) {
    const Token& t = tokens[k.name_token];
    const KernelRoute route = kernel_route(k.kernel_class);
    Finding f;
    f.line = t.line;
    f.column = t.column;
    f.rule_id = "kernel." + slug(k.kernel_class);
    f.bucket = Bucket::kernel;
    f.what = std::string(k.triton ? "Triton kernel " : "CUDA kernel ") + k.name + " (" + k.features.describe() + ")";
    f.replacement = std::string(route.route);
    f.complexity = route.complexity;
    f.confidence = Confidence::high;
    f.adapter = default_adapter(Bucket::kernel);
    f.kernel_class = to_string(k.kernel_class);
    out.push_back(std::move(f));
  }
  if (language == Language::pbtxt && !tokens.empty()) {  // a Triton model repository's config
    Finding f;
    f.line = tokens.front().line;
    f.column = tokens.front().column;
    f.rule_id = "server.model-repository";
    f.bucket = Bucket::server;
    f.what = "Triton model repository config";
    for (std::size_t i = 0; i + 2 < tokens.size(); ++i) {
      if ((tokens[i].text == "platform" || tokens[i].text == "backend") && tokens[i + 1].text == ":" &&
          tokens[i + 2].kind == TokenKind::string) {
        f.what += " (" + std::string(tokens[i].text) + " " + std::string(tokens[i + 2].text) + ")";
        break;
      }
    }
    f.replacement = "a robomlx serve model directory (models discovered by folder; config.json, GGUF / safetensors weights)";
    f.complexity = Complexity::medium;
    f.confidence = Confidence::high;
    f.adapter = default_adapter(Bucket::server);
    out.push_back(std::move(f));
  }
  if (out.empty()) return out;
  std::vector<std::size_t> starts{0};
  for (const char* p = text.data(); const void* nl = std::memchr(p, '\n', static_cast<std::size_t>(text.data() + text.size() - p));) {
    p = static_cast<const char*>(nl) + 1;
    starts.push_back(static_cast<std::size_t>(p - text.data()));
  }
  for (Finding& f : out) {
    f.file = std::string(path);
    f.snippet = snippet(text, starts, f.line);
  }
  std::stable_sort(out.begin(), out.end(), [](const Finding& a, const Finding& b) {
    return a.line != b.line ? a.line < b.line : a.column < b.column;
  });
  return out;
}

}  // namespace robomlx::port_scan
