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

// The patterns of one language as a trie of items: rules that share leading items ("torch ."
// starts 21 of them) share nodes, so a token is compared with each distinct item once, not once
// per rule. A node's `rule` is the earliest rule ending there (the tie-break of match_rules).
struct Node {
  Item item;
  int rule = -1;
  std::vector<int> children;  // indices into Trie::nodes
};

struct Trie {
  std::vector<Node> nodes;
  // Roots (first items), found by what the first token can be: exact text (one character by the
  // character, longer by hash), identifier prefix by its first byte, contains, string, include.
  std::array<std::vector<int>, 256> exact_char, ident_prefix;
  std::unordered_map<std::string_view, std::vector<int>> exact;
  std::vector<int> ident_contains, strings, includes;
  // Which first three bytes (hashed to 16 bits; a missing byte is 0) can start a match of an
  // exact key of two or more characters or of an identifier prefix: most tokens ("self", "def",
  // "int", "index") fail this one bit test and are never hashed or compared. A collision only
  // costs a lookup.
  std::vector<bool> lead = std::vector<bool>(65536);

  static unsigned lead_hash(unsigned b0, unsigned b1, unsigned b2) {
    return ((b0 * 0x9E3779B1u) ^ (b1 * 0x85EBCA77u) ^ (b2 * 0xC2B2AE3Du)) >> 16;
  }
  static unsigned byte(std::string_view t, std::size_t k) { return k < t.size() ? static_cast<unsigned char>(t[k]) : 0u; }
  static unsigned lead_key(std::string_view t) { return lead_hash(byte(t, 0), byte(t, 1), byte(t, 2)); }
  // A prefix shorter than three bytes leads with any byte after it ("x*" may equal "x": 0 too).
  void mark_lead(std::string_view key, bool prefix) {
    if (!prefix || key.size() >= 3) {
      lead[lead_key(key)] = true;
    } else if (key.size() == 2) {
      for (unsigned b = 0; b < 256; ++b) lead[lead_hash(byte(key, 0), byte(key, 1), b)] = true;
    } else {
      for (unsigned b = 0; b < 65536; ++b) lead[lead_hash(byte(key, 0), b >> 8, b & 255)] = true;
    }
  }

  // The child of `parent` (-1: the roots) holding `item`, created on first use.
  int child(int parent, const Item& item, std::vector<int>& roots) {
    std::vector<int>& list = parent < 0 ? roots : nodes[static_cast<std::size_t>(parent)].children;
    for (int n : list) {
      const Item& it = nodes[static_cast<std::size_t>(n)].item;
      if (it.kind == item.kind && it.text == item.text) return n;
    }
    nodes.push_back(Node{item, -1, {}});
    const int n = static_cast<int>(nodes.size()) - 1;
    // `list` may dangle after push_back when it is a node's own list: look it up again.
    (parent < 0 ? roots : nodes[static_cast<std::size_t>(parent)].children).push_back(n);
    return n;
  }

  void add(const Compiled& c, int rule) {
    const Item& first = c.items.front();
    std::vector<int> roots_scratch;
    std::vector<int>* roots = &roots_scratch;
    switch (first.kind) {
      case ItemKind::exact:
        if (first.text.size() == 1) {
          roots = &exact_char[static_cast<unsigned char>(first.text[0])];
        } else {
          roots = &exact[first.text];
          mark_lead(first.text, false);
        }
        break;
      case ItemKind::prefix:
      case ItemKind::prefix_boundary:
        roots = &ident_prefix[static_cast<unsigned char>(first.text[0])];
        mark_lead(first.text, true);
        break;
      case ItemKind::contains: roots = &ident_contains; break;
      case ItemKind::include: roots = &includes; break;
      default: roots = &strings; break;
    }
    int n = child(-1, first, *roots);
    for (std::size_t k = 1; k < c.items.size(); ++k) n = child(n, c.items[k], *roots);
    Node& end = nodes[static_cast<std::size_t>(n)];
    if (end.rule < 0) end.rule = rule;  // rules come in table order: the earliest stays
  }
};

struct Index {
  std::vector<Compiled> compiled;  // parallel to scan_rules()
  std::array<Trie, 8> tries;       // by language bit (LanguageBits)
  std::vector<int> imports, deps;
  std::vector<std::string> import_modules, dep_names;  // parallel to imports, deps
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
      } else if (!c.dep_name.empty()) {
        x.deps.push_back(i);
        x.dep_names.push_back(c.dep_name);
      } else {
        for (unsigned b = 0; b < x.tries.size(); ++b) {
          if (rules[static_cast<std::size_t>(i)].languages & (1u << b)) x.tries[b].add(c, i);
        }
      }
    }
    return x;
  }();
  return idx;
}

// Walks the trie from `node` (its item matched tokens[at - depth]); keeps the longest match, the
// earlier rule on a tie.
void walk_trie(const Trie& t, int node, const std::vector<Token>& tokens, std::size_t at, std::size_t depth,
               std::size_t& best_len, int& best) {
  const Node& n = t.nodes[static_cast<std::size_t>(node)];
  if (n.rule >= 0 && (depth > best_len || (depth == best_len && n.rule < best))) {
    best_len = depth;
    best = n.rule;
  }
  if (at + depth >= tokens.size()) return;
  const Token& tok = tokens[at + depth];
  for (int c : n.children) {
    if (match_item(t.nodes[static_cast<std::size_t>(c)].item, tok)) walk_trie(t, c, tokens, at, depth + 1, best_len, best);
  }
}

unsigned bit_index(unsigned bit) {
  unsigned b = 0;
  while (bit > 1) bit >>= 1, ++b;
  return b;
}

}  // namespace

std::vector<std::vector<detail::RuleLiteral>> detail::rule_literals(unsigned lang_bit) {
  const Index& x = index();
  const auto& rules = scan_rules();
  const auto ident = [](char c) { return is_letter(c) || c == '_' || (c >= '0' && c <= '9'); };
  std::vector<std::vector<RuleLiteral>> out;
  for (std::size_t i = 0; i < rules.size(); ++i) {
    if ((rules[i].languages & lang_bit) == 0) continue;
    const Compiled& c = x.compiled[i];
    std::vector<RuleLiteral>& all = out.emplace_back();
    if (!c.dep_name.empty()) continue;
    // Each dotted part of an import rule's module is an identifier token of the statement.
    for (std::size_t at = 0; at < c.import_module.size();) {
      std::size_t dot = c.import_module.find('.', at);
      if (dot == std::string::npos) dot = c.import_module.size();
      if (dot - at >= 2) all.push_back({c.import_module.substr(at, dot - at), true, true, false});
      at = dot + 1;
    }
    for (const Item& it : c.items) {
      if (it.kind == ItemKind::cuda_device) {
        all.push_back({"@cuda", false, false, false});
        continue;
      }
      const bool word = it.kind == ItemKind::exact || it.kind == ItemKind::prefix || it.kind == ItemKind::prefix_boundary;
      const bool begin = word && !it.text.empty() && ident(it.text.front());
      const bool end = it.kind == ItemKind::exact && !it.text.empty() && ident(it.text.back());
      // Short punctuation ("." "(" "::") is in every file: no use to a filter.
      if (it.text.size() >= 3 || (it.text.size() == 2 && begin && end))
        all.push_back({it.text, begin, end, it.kind == ItemKind::include});
    }
  }
  return out;
}

std::vector<RuleHit> match_rules(Language language, const std::vector<Token>& tokens) {
  const Index& x = index();
  const auto& rules = scan_rules();
  const unsigned bit = language_bit(language);
  const bool python = (bit & kPy) != 0, deps = (bit & kDeps) != 0;
  if (bit == 0) return {};
  const Trie& trie = x.tries[bit_index(bit)];

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
    // The longest match wins, the earlier rule on a tie.
    std::size_t best_len = 0;
    int best = -1;
    // `matched`: the list was found by the token's exact text, so its items match already.
    auto try_list = [&](const std::vector<int>& roots, bool matched = false) {
      for (int r : roots) {
        if (matched || match_item(trie.nodes[static_cast<std::size_t>(r)].item, t)) walk_trie(trie, r, tokens, i, 1, best_len, best);
      }
    };
    if ((t.kind == TokenKind::identifier || t.kind == TokenKind::punct) && !t.text.empty()) {
      if (t.text.size() == 1) try_list(trie.exact_char[static_cast<unsigned char>(t.text[0])], true);
      if (trie.lead[Trie::lead_key(t.text)]) {
        if (t.text.size() > 1) {
          if (auto e = trie.exact.find(t.text); e != trie.exact.end()) try_list(e->second, true);
        }
        if (t.kind == TokenKind::identifier) try_list(trie.ident_prefix[static_cast<unsigned char>(t.text[0])]);
      }
      if (t.kind == TokenKind::identifier) try_list(trie.ident_contains);
    }
    if (t.kind == TokenKind::string) try_list(trie.strings);
    if (t.kind == TokenKind::include) try_list(trie.includes);
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
