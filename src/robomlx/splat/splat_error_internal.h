// SPDX-License-Identifier: Apache-2.0
// Private: the splat readers' error helpers. Every malformed-input error of this system reads
// "[splat.<op>] <file>: <what>" and is a FormatError (CLI exit 3); a size-cap error stays an
// InputLimitError so callers can tell it apart.
#pragma once

#include <string>
#include <string_view>

#include "robomlx/core/error.h"
#include "robomlx/core/input_policy.h"

namespace robomlx::splat::detail {

[[noreturn]] inline void fail_format(const std::string& tag, const std::string& file, const std::string& what) {
  throw FormatError(tag, file, what);
}

/// Re-throws an error of a core reader (whose message is "<file>: <what>") under `tag`; call it
/// only inside a catch block (an error already tagged is re-thrown as it is).
[[noreturn]] inline void retag(const std::string& tag, const FormatError& e) {
  std::string_view what = e.what();
  if (what.substr(0, 7) == "[splat.") throw;  // already ours
  const std::string prefix = e.file() + ": ";
  if (what.substr(0, prefix.size()) == prefix) what.remove_prefix(prefix.size());
  if (dynamic_cast<const InputLimitError*>(&e)) throw InputLimitError(tag, e.file(), std::string(what));
  throw FormatError(tag, e.file(), std::string(what));
}

/// Calls `read()` and re-tags any FormatError it throws.
template <typename F>
auto with_tag(const std::string& tag, F&& read) {
  try {
    return read();
  } catch (const FormatError& e) {
    retag(tag, e);
  }
}

}  // namespace robomlx::splat::detail
