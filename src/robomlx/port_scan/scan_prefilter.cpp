// SPDX-License-Identifier: Apache-2.0
// The literal sets of a language: per rule, the literals all of its matches hold (rule_literals);
// per kernel kind its marker ("__global__", "triton" of @triton.jit); a CUDA device string is
// "cuda" in any of its 16 cases. A file passes when it holds every literal of some rule. The
// search hashes each position's next three bytes into a 256 Kbit table of the literals' first
// three (few positions of real code pass it) and compares only where that passes; the first time a literal is found, the rules that hold it are
// checked, so a file with a blocker is usually let through early. A literal that is a whole
// identifier ("sl" of `sl ::`) counts only with no identifier byte beside it, as the lexers split
// identifiers there, and an #include prefix only right after '<' or '"'.
#include "robomlx/port_scan/scan_prefilter.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "robomlx/port_scan/scan_rules.h"
#include "robomlx/port_scan/scan_rules_internal.h"
#include "robomlx/port_scan/source_lexer_internal.h"

namespace robomlx::port_scan {

namespace {

using detail::RuleLiteral;

struct Needle {
  RuleLiteral literal;
  std::uint32_t id = 0;  // the literal it stands for (the 16 spellings of "cuda" share one)
};

struct Literals {
  bool all = false;  // a rule with no literal: every file passes
  static constexpr unsigned kLeadBits = 18;
  std::vector<std::uint64_t> lead = std::vector<std::uint64_t>((1u << kLeadBits) / 64);  // first three bytes, hashed
  std::vector<Needle> needles;                                              // by their first two bytes
  std::vector<std::uint32_t> first = std::vector<std::uint32_t>(65536 + 1);  // needles[first[k], first[k + 1]) lead with k
  std::vector<std::vector<std::uint32_t>> rules;     // literal ids of each rule
  std::vector<std::vector<std::uint32_t>> rules_of;  // rules holding each literal id

  static unsigned key(const std::string& t) { return static_cast<unsigned char>(t[0]) << 8 | static_cast<unsigned char>(t[1]); }
  // Three bytes (b0 lowest) to kLeadBits bits.
  static unsigned hash3(std::uint32_t three) { return (three * 0x9E3779B1u) >> (32 - kLeadBits); }
  void mark(std::uint32_t three) { lead[hash3(three) >> 6] |= std::uint64_t{1} << (hash3(three) & 63); }
  bool marked(std::uint32_t three) const { return lead[hash3(three) >> 6] >> (hash3(three) & 63) & 1; }

  std::uint32_t id_of(const RuleLiteral& l) {
    for (const Needle& n : needles) {
      if (n.literal.text == l.text && n.literal.word_begin == l.word_begin && n.literal.word_end == l.word_end &&
          n.literal.after_open == l.after_open)
        return n.id;
    }
    const auto id = static_cast<std::uint32_t>(rules_of.size());
    rules_of.emplace_back();
    if (l.text == "@cuda") {
      for (unsigned m = 0; m < 16; ++m) {
        std::string v = "cuda";
        for (unsigned k = 0; k < 4; ++k) {
          if (m >> k & 1) v[k] = static_cast<char>(v[k] - 'a' + 'A');
        }
        needles.push_back({{v, false, false, false}, id});
      }
      needles.push_back({l, id});  // "@cuda" itself: only found by id_of
    } else {
      needles.push_back({l, id});
    }
    return id;
  }

  Literals(unsigned bit, const char* kernel_marker) {
    std::vector<std::vector<RuleLiteral>> in = detail::rule_literals(bit);
    in.push_back({{kernel_marker, true, true, false}});
    for (const auto& rule : in) {
      if (rule.empty()) {
        all = true;
        return;
      }
      std::vector<std::uint32_t>& ids = rules.emplace_back();
      for (const RuleLiteral& l : rule) ids.push_back(id_of(l));
      for (std::uint32_t id : ids) rules_of[id].push_back(static_cast<std::uint32_t>(rules.size() - 1));
    }
    std::erase_if(needles, [](const Needle& n) { return n.literal.text == "@cuda"; });
    std::stable_sort(needles.begin(), needles.end(), [](const Needle& a, const Needle& b) { return key(a.literal.text) < key(b.literal.text); });
    std::size_t at = 0;
    for (unsigned k = 0; k <= 65536; ++k) {
      while (at < needles.size() && key(needles[at].literal.text) < k) ++at;
      first[k] = static_cast<std::uint32_t>(at);
    }
    for (const Needle& n : needles) {
      const std::string& t = n.literal.text;
      const std::uint32_t two = static_cast<unsigned char>(t[0]) | static_cast<unsigned char>(t[1]) << 8;
      if (t.size() >= 3) {
        mark(two | static_cast<std::uint32_t>(static_cast<unsigned char>(t[2])) << 16);
      } else {  // two bytes ("sl", a whole word): any byte after it, 0 for the end of the text
        for (std::uint32_t b = 0; b < 256; ++b) mark(two | b << 16);
      }
    }
  }

  bool found_in(std::string_view text) const {
    if (all) return true;
    std::vector<char> found(rules_of.size());
    const unsigned char* const s = reinterpret_cast<const unsigned char*>(text.data());
    const std::size_t n = text.size();
    for (std::size_t i = 0; i + 1 < n; ++i) {
      std::uint32_t three;
      if (i + 4 <= n) {
        std::memcpy(&three, s + i, 4);
        three &= 0xFFFFFFu;
      } else {  // the last bytes: what is past the end reads as 0
        three = s[i] | static_cast<std::uint32_t>(s[i + 1]) << 8 | (i + 2 < n ? static_cast<std::uint32_t>(s[i + 2]) << 16 : 0u);
      }
      if (!marked(three)) continue;
      const unsigned k = s[i] << 8 | s[i + 1];
      for (std::uint32_t w = first[k]; w < first[k + 1]; ++w) {
        const Needle& needle = needles[w];
        if (found[needle.id]) continue;
        const RuleLiteral& l = needle.literal;
        const std::size_t m = l.text.size();
        if (m > n - i) continue;
        std::size_t j = 2;  // the first two bytes are the key
        while (j < m && s[i + j] == static_cast<unsigned char>(l.text[j])) ++j;
        if (j < m) continue;
        if (l.word_begin && i > 0 && detail::is_ident_char(s[i - 1])) continue;
        if (l.word_end && i + m < n && detail::is_ident_char(s[i + m])) continue;
        if (l.after_open && (i == 0 || (s[i - 1] != '<' && s[i - 1] != '"'))) continue;
        found[needle.id] = 1;
        for (std::uint32_t r : rules_of[needle.id]) {
          bool every = true;
          for (std::uint32_t id : rules[r]) every = every && found[id];
          if (every) return true;
        }
      }
    }
    return false;
  }
};

}  // namespace

bool may_have_findings(Language language, std::string_view text) {
  static const Literals python(kPython, "triton"), cpp(kCpp, "__global__"), cuda(kCuda, "__global__");
  switch (language) {
    case Language::python: return python.found_in(text);
    case Language::c_family: return cpp.found_in(text);
    case Language::cuda: return cuda.found_in(text);
    default: return true;
  }
}

}  // namespace robomlx::port_scan
