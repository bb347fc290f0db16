// SPDX-License-Identifier: Apache-2.0
// The literal set of a language: each rule's literal (rule_literals), the kernel markers
// ("__global__" for CUDA, "triton" for @triton.jit), and "cuda" in all 16 cases for CUDA device
// strings; a literal that contains another is dropped (the shorter one already lets its files
// through). A literal that is a whole identifier token ("sl" of `sl ::`) is only found with no
// identifier byte beside it, as the lexers split identifiers, so "slice" does not let a file in. The search reads each byte pair once against a 64 Kbit table of the literals' first
// two bytes and compares only at the rare positions that pass.
#include "robomlx/port_scan/scan_prefilter.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "robomlx/port_scan/scan_rules.h"
#include "robomlx/port_scan/scan_rules_internal.h"
#include "robomlx/port_scan/source_lexer_internal.h"

namespace robomlx::port_scan {

namespace {

using detail::RuleLiteral;

struct Literals {
  bool all = true;  // no usable set (a rule without a literal): every file passes
  std::vector<std::uint64_t> lead = std::vector<std::uint64_t>(65536 / 64);  // first two bytes
  std::vector<RuleLiteral> words;                // sorted by their first two bytes
  std::vector<std::uint32_t> first = std::vector<std::uint32_t>(65536 + 1);  // words[first[k], first[k + 1]) lead with k

  static unsigned key(const char* p) { return static_cast<unsigned char>(p[0]) << 8 | static_cast<unsigned char>(p[1]); }

  // Whether every file holding `w` holds `k` too, so `w` can go.
  static bool covers(const RuleLiteral& k, const RuleLiteral& w) {
    if (k.text == w.text) return (!k.word_begin || w.word_begin) && (!k.word_end || w.word_end);
    return !k.word_begin && !k.word_end && w.text.find(k.text) != std::string::npos;
  }

  Literals(unsigned bit, const char* kernel_marker) {
    std::vector<RuleLiteral> set;
    std::vector<RuleLiteral> in = detail::rule_literals(bit);
    in.push_back({kernel_marker, true, true});
    for (const RuleLiteral& w : in) {
      if (w.text == "@cuda") {
        for (unsigned m = 0; m < 16; ++m) {
          std::string v = "cuda";
          for (unsigned k = 0; k < 4; ++k) {
            if (m >> k & 1) v[k] = static_cast<char>(v[k] - 'a' + 'A');
          }
          set.push_back({v, false, false});
        }
      } else if (w.text.size() < 2) {
        return;  // too short to filter on (or none): `all` stays true
      } else {
        set.push_back(w);
      }
    }
    // Shorter and less bounded first: they are the ones that cover others.
    std::sort(set.begin(), set.end(), [](const RuleLiteral& a, const RuleLiteral& b) {
      if (a.text.size() != b.text.size()) return a.text.size() < b.text.size();
      return a.word_begin + a.word_end < b.word_begin + b.word_end;
    });
    for (const RuleLiteral& w : set) {
      if (std::none_of(words.begin(), words.end(), [&](const RuleLiteral& k) { return covers(k, w); })) words.push_back(w);
    }
    std::stable_sort(words.begin(), words.end(), [](const RuleLiteral& a, const RuleLiteral& b) { return key(a.text.data()) < key(b.text.data()); });
    std::size_t at = 0;
    for (unsigned k = 0; k <= 65536; ++k) {
      while (at < words.size() && key(words[at].text.data()) < k) ++at;
      first[k] = static_cast<std::uint32_t>(at);
    }
    for (const RuleLiteral& w : words) lead[key(w.text.data()) >> 6] |= std::uint64_t{1} << (key(w.text.data()) & 63);
    all = false;
  }

  bool found_in(std::string_view text) const {
    if (all) return true;
    const unsigned char* const s = reinterpret_cast<const unsigned char*>(text.data());
    const std::size_t n = text.size();
    for (std::size_t i = 0; i + 1 < n; ++i) {
      const unsigned k = s[i] << 8 | s[i + 1];
      if (!(lead[k >> 6] >> (k & 63) & 1)) continue;
      for (std::uint32_t w = first[k]; w < first[k + 1]; ++w) {
        const RuleLiteral& word = words[w];
        const std::size_t m = word.text.size();
        if (m > n - i) continue;
        std::size_t j = 2;  // the first two bytes are the key
        while (j < m && s[i + j] == static_cast<unsigned char>(word.text[j])) ++j;
        if (j < m) continue;
        if (word.word_begin && i > 0 && detail::is_ident_char(s[i - 1])) continue;
        if (word.word_end && i + m < n && detail::is_ident_char(s[i + m])) continue;
        return true;
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
