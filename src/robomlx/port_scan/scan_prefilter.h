// SPDX-License-Identifier: Apache-2.0
// The file prefilter: most files of a real tree hold no blocker, and a literal search rejects
// them several times faster than the lexer can read them (the way rg is fast). Every match of a
// rule contains all of the rule's literals verbatim (tokens are views of the file), and every
// kernel its marker, so a file that holds no rule's full set cannot give a finding; one that
// does (even in comments) is lexed as before. The findings are the same with or without it.
#pragma once

#include <string_view>

#include "robomlx/port_scan/source_lexer.h"

namespace robomlx::port_scan {

/// False only when `text`, read as `language`, cannot give a finding. Python, C / C++ and CUDA are
/// filtered; build files (normalised dependency names, CMake) and configs always return true.
bool may_have_findings(Language language, std::string_view text);

}  // namespace robomlx::port_scan
