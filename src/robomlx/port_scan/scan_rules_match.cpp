// SPDX-License-Identifier: Apache-2.0
// The rule matcher: patterns compiled once into token items, indexed by what their first item can
// match (exact text, identifier prefix by first character, string, include), so each token is
// tried against a handful of rules, not the whole table. Python imports and build-file
// dependencies are statements, not token runs: they have their own readers below.
#include <algorithm>
#include <array>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "robomlx/port_scan/scan_rules.h"
#include "robomlx/port_scan/scan_rules_internal.h"

namespace robomlx::port_scan {

unsigned language_bit(Language language) {
  switch (language) {
    case Language::python: return kPython;
    case Language::python_build: return kSetupPy;
    case Language::c_family: return kCpp;
    case Language::cuda: return kCuda;
    case Language::cmake: return kCMake;
    case Language::toml: return kToml;
    case Language::requirements: return kRequirements;
    case Language::pbtxt: return kPbtxt;
    case Language::none: break;
  }
  return 0;
}

namespace {

enum class ItemKind { exact, prefix, prefix_boundary, contains, str_exact, str_prefix, str_contains, cuda_device, include };
struct Item {
  ItemKind kind;
  std::string text;
};

struct Compiled {
  std::vector<Item> items;
  std::string import_module;  // import:... rules
  std::string dep_name;       // dep:... rules
};

bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

Item compile_item(std::string_view w) {
  if (w == "@cuda") return {ItemKind::cuda_device, ""};
  if (w.size() > 1 && w.front() == '#') return {ItemKind::include, std::string(w.substr(1))};
  if (w.size() > 1 && w.front() == '~') return {ItemKind::contains, std::string(w.substr(1))};
  if (w.size() > 1 && w.front() == '"') {
    if (w.back() == '"' && w.size() > 2) return {ItemKind::str_exact, std::string(w.substr(1, w.size() - 2))};
    if (w[1] == '*') return {ItemKind::str_contains, std::string(w.substr(2))};
    return {ItemKind::str_prefix, std::string(w.substr(1, w.size() - 2))};  // "text* : drop quote and star
  }
  if (w.size() > 1 && w.back() == '*') return {ItemKind::prefix, std::string(w.substr(0, w.size() - 1))};
  if (w.size() > 1 && w.back() == '^') return {ItemKind::prefix_boundary, std::string(w.substr(0, w.size() - 1))};
  return {ItemKind::exact, std::string(w)};
}

bool is_cuda_device(std::string_view s) {
  if (s.size() < 4) return false;
  for (std::size_t i = 0; i < 4; ++i) {
    if ((s[i] | 0x20) != "cuda"[i]) return false;
  }
  if (s.size() == 4) return true;
  if (s[4] != ':' || s.size() == 5) return false;
  return std::all_of(s.begin() + 5, s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool match_item(const Item& it, const Token& t) {
  const bool ident = t.kind == TokenKind::identifier;
  const bool str = t.kind == TokenKind::string;
  switch (it.kind) {
    case ItemKind::exact: return (ident || t.kind == TokenKind::punct) && t.text == it.text;
    case ItemKind::prefix: return ident && t.text.substr(0, it.text.size()) == it.text;
    case ItemKind::prefix_boundary:
      return ident && t.text.size() > it.text.size() && t.text.substr(0, it.text.size()) == it.text &&
             (!is_letter(it.text.back()) || is_upper(t.text[it.text.size()]) ||
              (t.text[it.text.size()] == '_' && std::any_of(it.text.begin(), it.text.end(), is_upper)));
    case ItemKind::contains: return ident && t.text.find(it.text) != std::string_view::npos;
    case ItemKind::str_exact: return str && t.text == it.text;
    case ItemKind::str_prefix: return str && t.text.substr(0, it.text.size()) == it.text;
    case ItemKind::str_contains: return str && t.text.find(it.text) != std::string_view::npos;
    case ItemKind::cuda_device: return str && is_cuda_device(t.text);
    case ItemKind::include: return t.kind == TokenKind::include && t.text.substr(0, it.text.size()) == it.text;
  }
  return false;
}

struct Index {
  std::vector<Compiled> compiled;  // parallel to scan_rules()
  std::unordered_map<std::string_view, std::vector<int>> exact;
  std::array<std::vector<int>, 256> exact_char;  // one-character keys ("." "("), by the character
  std::array<std::vector<int>, 256> ident_prefix;  // by the prefix's first byte
  // Which (first byte, second byte) pairs can start a match of an exact key of two or more
  // characters or of an identifier prefix: most tokens fail this one bit test and are never
  // hashed or compared. The second byte of a one-character token is 0.
  std::vector<bool> lead = std::vector<bool>(65536);
  std::vector<int> ident_contains, strings, includes, imports, deps;
  std::vector<std::string> import_modules, dep_names;  // parallel to imports, deps

  static unsigned lead_key(std::string_view t) {
    return static_cast<unsigned char>(t[0]) << 8 | (t.size() > 1 ? static_cast<unsigned char>(t[1]) : 0u);
  }
  // A one-byte prefix ("x*" may equal "x") leads with any second byte, 0 included.
  void mark_lead(std::string_view key, bool prefix) {
    if (key.size() >= 2) {
      lead[lead_key(key)] = true;
    } else if (prefix) {
      for (unsigned b = 0; b < 256; ++b) lead[static_cast<unsigned char>(key[0]) << 8 | b] = true;
    }
  }
};

const Index& index() {
  static const Index idx = [] {
    Index x;
    const auto& rules = scan_rules();
    for (const Rule& r : rules) {
      Compiled c;
      if (r.pattern.rfind("import:", 0) == 0) c.import_module = r.pattern.substr(7);
      else if (r.pattern.rfind("dep:", 0) == 0) c.dep_name = r.pattern.substr(4);
      else {
        std::size_t at = 0;
        while (at < r.pattern.size()) {
          std::size_t sp = r.pattern.find(' ', at);
          if (sp == std::string_view::npos) sp = r.pattern.size();
          c.items.push_back(compile_item(r.pattern.substr(at, sp - at)));
          at = sp + 1;
        }
      }
      x.compiled.push_back(std::move(c));
    }
    for (int i = 0; i < static_cast<int>(rules.size()); ++i) {
      const Compiled& c = x.compiled[static_cast<std::size_t>(i)];
      if (!c.import_module.empty()) {
        x.imports.push_back(i);
        x.import_modules.push_back(c.import_module);
        continue;
      }
      if (!c.dep_name.empty()) {
        x.deps.push_back(i);
        x.dep_names.push_back(c.dep_name);
        continue;
      }
      const Item& first = c.items.front();
      switch (first.kind) {
        case ItemKind::exact:
          if (first.text.size() == 1) {
            x.exact_char[static_cast<unsigned char>(first.text[0])].push_back(i);
          } else {
            x.exact[first.text].push_back(i);
            x.mark_lead(first.text, false);
          }
          break;
        case ItemKind::prefix:
        case ItemKind::prefix_boundary:
          x.ident_prefix[static_cast<unsigned char>(first.text[0])].push_back(i);
          x.mark_lead(first.text, true);
          break;
        case ItemKind::contains: x.ident_contains.push_back(i); break;
        case ItemKind::include: x.includes.push_back(i); break;
        default: x.strings.push_back(i); break;
      }
    }
    return x;
  }();
  return idx;
}

// The number of tokens rule `r` matches at `at`, or 0.
std::size_t match_at(const Compiled& c, const std::vector<Token>& tokens, std::size_t at) {
  if (at + c.items.size() > tokens.size()) return 0;
  for (std::size_t k = 0; k < c.items.size(); ++k) {
    if (!match_item(c.items[k], tokens[at + k])) return 0;
  }
  return c.items.size();
}

}  // namespace

std::vector<RuleHit> match_rules(Language language, const std::vector<Token>& tokens) {
  const Index& x = index();
  const auto& rules = scan_rules();
  const unsigned bit = language_bit(language);
  const bool python = (bit & kPy) != 0, deps = (bit & kDeps) != 0, cmake = language == Language::cmake;

  std::vector<RuleHit> out;
  for (std::size_t i = 0; i < tokens.size();) {
    const Token& t = tokens[i];
    if (python && t.kind == TokenKind::identifier && (t.text == "import" || t.text == "from") &&
        (t.line_start || (i > 0 && (tokens[i - 1].text == ":" || tokens[i - 1].text == ";")))) {
      i = detail::match_import(tokens, i, bit, x.imports, x.import_modules, out);
      continue;
    }
    if (deps && detail::match_dependency(tokens, i, language, bit, x.deps, x.dep_names, out)) {
      ++i;
      continue;
    }
    // Each candidate list is in rule order; the longest match wins, the earlier rule on a tie.
    std::size_t best_len = 0;
    int best = -1;
    auto try_list = [&](const std::vector<int>& list) {
      for (int r : list) {
        if ((rules[static_cast<std::size_t>(r)].languages & bit) == 0) continue;
        const std::size_t n = match_at(x.compiled[static_cast<std::size_t>(r)], tokens, i);
        if (n > best_len || (n == best_len && n > 0 && r < best)) {
          best_len = n;
          best = r;
        }
      }
    };
    if ((t.kind == TokenKind::identifier || t.kind == TokenKind::punct) && !t.text.empty()) {
      if (t.text.size() == 1) try_list(x.exact_char[static_cast<unsigned char>(t.text[0])]);
      if (x.lead[Index::lead_key(t.text)]) {
        if (t.text.size() > 1) {
          if (auto e = x.exact.find(t.text); e != x.exact.end()) try_list(e->second);
        }
        if (t.kind == TokenKind::identifier) try_list(x.ident_prefix[static_cast<unsigned char>(t.text[0])]);
      }
      if (cmake && t.kind == TokenKind::identifier) try_list(x.ident_contains);
    }
    if (t.kind == TokenKind::string) try_list(x.strings);
    if (t.kind == TokenKind::include) try_list(x.includes);
    if (best >= 0) {
      out.push_back(RuleHit{&rules[static_cast<std::size_t>(best)], i});
      i += best_len;
      // The rest of a dotted or scoped name belongs to this hit: torch.cuda.amp.autocast and
      // c10::cuda::CUDAGuard are one construct each, not two.
      if (tokens[i - 1].kind == TokenKind::identifier) {
        while (i + 1 < tokens.size() && (tokens[i].text == "." || tokens[i].text == "::") &&
               tokens[i].kind == TokenKind::punct && tokens[i + 1].kind == TokenKind::identifier)
          i += 2;
      }
    } else {
      ++i;
    }
  }
  return out;
}

}  // namespace robomlx::port_scan
