// SPDX-License-Identifier: Apache-2.0
// Statement-level rules: Python imports (`import omni.isaac.core as x`, `from gi.repository import
// Gst`) and dependency specs in build files (PEP 508: name, [extras], version; "cupy-cuda12x",
// "torch==2.1+cu118", "jax[cuda12]").
#include <cctype>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "robomlx/port_scan/scan_rules_internal.h"

namespace robomlx::port_scan::detail {

namespace {
bool is_word(const Token& t, std::string_view w) { return t.kind == TokenKind::identifier && t.text == w; }
bool is_punct(const Token& t, std::string_view p) { return t.kind == TokenKind::punct && t.text == p; }

// Reads `a.b.c` from tokens[at]; returns the dotted name and the index after it.
std::pair<std::string, std::size_t> dotted(const std::vector<Token>& tokens, std::size_t at, std::size_t end) {
  std::string name;
  while (at < end && tokens[at].kind == TokenKind::identifier) {
    name += tokens[at].text;
    if (at + 2 < end && is_punct(tokens[at + 1], ".") && tokens[at + 2].kind == TokenKind::identifier) {
      name += '.';
      at += 2;
    } else {
      return {name, at + 1};
    }
  }
  return {name, at};
}

// The longest rule target that `module` is or lies under; -1 when none.
int best_rule(const std::string& module, unsigned bit, const std::vector<int>& rules, const std::vector<std::string>& targets) {
  int best = -1;
  std::size_t best_len = 0;
  for (std::size_t k = 0; k < rules.size(); ++k) {
    const std::string& t = targets[k];
    if ((scan_rules()[static_cast<std::size_t>(rules[k])].languages & bit) == 0) continue;
    const bool under = module == t || (module.size() > t.size() && module.compare(0, t.size(), t) == 0 && module[t.size()] == '.');
    if (under && t.size() > best_len) {
      best = rules[k];
      best_len = t.size();
    }
  }
  return best;
}
}  // namespace

std::size_t match_import(const std::vector<Token>& tokens, std::size_t at, unsigned lang_bit, const std::vector<int>& rules,
                         const std::vector<std::string>& targets, std::vector<RuleHit>& out) {
  std::size_t end = at + 1;
  while (end < tokens.size() && !tokens[end].line_start && !is_punct(tokens[end], ";")) ++end;
  std::vector<std::pair<std::string, std::size_t>> modules;  // name, token of the name
  if (is_word(tokens[at], "from")) {
    if (at + 1 >= end || tokens[at + 1].kind != TokenKind::identifier) return end;  // relative import
    auto [base, next] = dotted(tokens, at + 1, end);
    modules.emplace_back(base, at + 1);
    if (next < end && is_word(tokens[next], "import")) {
      for (std::size_t k = next + 1; k < end; ++k) {
        const Token& t = tokens[k];
        if (t.kind != TokenKind::identifier || t.text == "as") continue;
        if (k > 0 && is_word(tokens[k - 1], "as")) continue;  // an alias, not a name
        modules.emplace_back(base + "." + std::string(t.text), k);
      }
    }
  } else {
    std::size_t k = at + 1;
    while (k < end) {
      if (tokens[k].kind != TokenKind::identifier) {
        ++k;
        continue;
      }
      auto [name, next] = dotted(tokens, k, end);
      modules.emplace_back(name, k);
      k = next;
      if (k + 1 < end && is_word(tokens[k], "as")) k += 2;
    }
  }
  std::vector<int> seen;
  for (const auto& [name, token] : modules) {
    const int r = best_rule(name, lang_bit, rules, targets);
    if (r < 0) continue;
    bool dup = false;
    for (int s : seen) dup = dup || s == r;
    if (dup) continue;
    seen.push_back(r);
    out.push_back(RuleHit{&scan_rules()[static_cast<std::size_t>(r)], token});
  }
  return end;
}

bool match_dependency(const std::vector<Token>& tokens, std::size_t at, Language language, unsigned lang_bit,
                      const std::vector<int>& rules, const std::vector<std::string>& targets, std::vector<RuleHit>& out) {
  const Token& t = tokens[at];
  std::string spec;
  if (language == Language::requirements) {
    if (t.kind != TokenKind::identifier || !t.line_start) return false;
    for (std::size_t k = at; k < tokens.size() && (k == at || !tokens[k].line_start); ++k) spec += tokens[k].text;
  } else {
    if (t.kind != TokenKind::string || t.text.size() > 200) return false;
    spec = t.text;
  }
  // PEP 508 / PEP 503: the name, normalised (lower case, runs of -_. as '-'), then [extras], then
  // the version; anything else after the name means this string is no dependency.
  std::size_t i = 0;
  std::string name;
  while (i < spec.size() && (std::isalnum(static_cast<unsigned char>(spec[i])) || spec[i] == '-' || spec[i] == '_' || spec[i] == '.')) {
    const char c = spec[i++];
    name += (c == '_' || c == '.') ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (name.empty()) return false;
  std::string extras;
  if (i < spec.size() && spec[i] == '[') {
    const std::size_t close = spec.find(']', i);
    if (close == std::string::npos) return false;
    extras = spec.substr(i + 1, close - i - 1);
    i = close + 1;
  }
  while (i < spec.size() && spec[i] == ' ') ++i;
  if (i < spec.size() && std::string_view("=<>!~;@(").find(spec[i]) == std::string_view::npos) return false;
  const std::string rest = spec.substr(i);
  for (std::size_t k = 0; k < rules.size(); ++k) {
    const Rule& rule = scan_rules()[static_cast<std::size_t>(rules[k])];
    if ((rule.languages & lang_bit) == 0) continue;
    const std::string& want = targets[k];
    bool hit = false;
    if (want == "+cu") hit = rest.find("+cu") != std::string::npos;
    else if (want == "[cuda") hit = extras.find("cuda") != std::string::npos;
    else if (want.back() == '*') hit = name.compare(0, want.size() - 1, want, 0, want.size() - 1) == 0;
    else hit = name == want;
    if (hit) {
      out.push_back(RuleHit{&rule, at});
      return true;
    }
  }
  return false;
}

}  // namespace robomlx::port_scan::detail
