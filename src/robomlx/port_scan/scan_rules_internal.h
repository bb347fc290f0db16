// SPDX-License-Identifier: Apache-2.0
// Private pieces of the rules table: the second half of the table (kernel helpers, sim, sensor,
// platform, server), kept in its own file so each stays short.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "robomlx/port_scan/scan_rules.h"

namespace robomlx::port_scan::detail {

/// The table's rules for the kernel (non-body), sim, sensor, platform and server buckets.
std::vector<Rule> scan_rules_more();

// Statement readers (scan_rules_statements.cpp). `rules` are indices into scan_rules() and
// `targets` their module / dependency names, in the same order.

/// Reads the Python import statement starting at tokens[at] ("import" or "from"); appends a hit
/// per matching rule (the longest module prefix wins) and returns the index after the statement.
std::size_t match_import(const std::vector<Token>& tokens, std::size_t at, unsigned lang_bit,
                         const std::vector<int>& rules, const std::vector<std::string>& targets,
                         std::vector<RuleHit>& out);

/// If tokens[at] is a dependency spec of a build file (a string in pyproject.toml / setup.py, a
/// line of requirements.txt) that a dep: rule names, appends the hit and returns true.
bool match_dependency(const std::vector<Token>& tokens, std::size_t at, Language language, unsigned lang_bit,
                      const std::vector<int>& rules, const std::vector<std::string>& targets,
                      std::vector<RuleHit>& out);

/// A literal that every match of a rule contains verbatim. `word_begin` / `word_end`: it starts /
/// ends an identifier token there (no identifier byte before / after it in the file);
/// `after_open`: it starts an #include's header name (right after '<' or '"').
struct RuleLiteral {
  std::string text;  // "@cuda": a CUDA device string, "cuda" in any case
  bool word_begin = false, word_end = false, after_open = false;
};

/// For each rule of `lang_bit`, the literals that all of its matches contain: its items of three
/// or more bytes and its identifier words of two, a CUDA device string, an import rule's module
/// parts. An empty list: the rule has none to filter on (dependency rules: names are normalised).
/// The prefilter's input (scan_prefilter.cpp).
std::vector<std::vector<RuleLiteral>> rule_literals(unsigned lang_bit);

}  // namespace robomlx::port_scan::detail
