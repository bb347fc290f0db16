// SPDX-License-Identifier: Apache-2.0
#include "robomlx/serve/utf8_stream.h"

#include <algorithm>

namespace robomlx::serve {

namespace {

// Length of the valid character starting at text[i] (RFC 3629 table), 0 when invalid, or -n when
// the text ends after n bytes of a character that could still be completed.
int char_length(std::string_view text, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char c = b(i);
  if (c < 0x80) return 1;
  int need = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) need = 2;
  else if (c == 0xE0) need = 3, lo = 0xA0;
  else if (c >= 0xE1 && c <= 0xEC) need = 3;
  else if (c == 0xED) need = 3, hi = 0x9F;  // no surrogates
  else if (c >= 0xEE && c <= 0xEF) need = 3;
  else if (c == 0xF0) need = 4, lo = 0x90;
  else if (c >= 0xF1 && c <= 0xF3) need = 4;
  else if (c == 0xF4) need = 4, hi = 0x8F;  // nothing above U+10FFFF
  else return 0;
  for (int k = 1; k < need; ++k) {
    if (i + k >= text.size()) return -k;
    const unsigned char d = b(i + k);
    if (k == 1 ? (d < lo || d > hi) : (d < 0x80 || d > 0xBF)) return 0;
  }
  return need;
}

}  // namespace

bool is_valid_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const int n = char_length(text, i);
    if (n <= 0) return false;
    i += static_cast<std::size_t>(n);
  }
  return true;
}

std::size_t complete_utf8_prefix(std::string_view text) {
  // Only the last (at most 3) bytes can be an incomplete character.
  const std::size_t from = text.size() > 3 ? text.size() - 3 : 0;
  for (std::size_t i = from; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80 && c < 0xC0) continue;  // a continuation byte: not a start
    if (char_length(text, i) < 0) return i;
  }
  return text.size();
}

std::string sanitize_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const int n = char_length(text, i);
    if (n > 0) {
      out.append(text.substr(i, static_cast<std::size_t>(n)));
      i += static_cast<std::size_t>(n);
    } else {
      out += "\xEF\xBF\xBD";
      // A truncated character (n < 0) is one replacement for all its bytes; a bad byte is one.
      i += n < 0 ? static_cast<std::size_t>(-n) : 1;
    }
  }
  return out;
}

TextAssembler::TextAssembler(std::vector<std::string> stop) {
  for (auto& s : stop)
    if (!s.empty()) stop_.push_back(std::move(s));
}

std::string TextAssembler::update(const std::string& full) {
  if (stopped_) return {};
  full_ = full;
  const std::size_t end = complete_utf8_prefix(full_);
  if (end <= emitted_) return {};
  // A stop string may start up to (longest stop - 1) bytes before the released text ends.
  std::size_t longest = 0;
  for (const auto& s : stop_) longest = std::max(longest, s.size());
  const std::size_t search_from = emitted_ > longest ? emitted_ - longest : 0;
  const std::string_view view(full_.data(), end);
  std::size_t hit = std::string_view::npos;
  for (const auto& s : stop_) hit = std::min(hit, view.find(s, search_from));
  std::size_t release_end = end;
  if (hit != std::string_view::npos) {
    stopped_ = true;
    release_end = std::max(hit, emitted_);
  } else {
    // Hold back the longest tail that could still grow into a stop string.
    for (const auto& s : stop_)
      for (std::size_t k = std::min(s.size() - 1, end - emitted_); k > 0; --k)
        if (view.substr(end - k) == std::string_view(s).substr(0, k)) {
          release_end = std::min(release_end, end - k);
          break;
        }
  }
  if (release_end <= emitted_) return {};
  std::string out = sanitize_utf8(view.substr(emitted_, release_end - emitted_));
  emitted_ = release_end;
  released_ += out;
  return out;
}

std::string TextAssembler::flush() {
  if (stopped_ || emitted_ >= full_.size()) return {};
  std::string out = sanitize_utf8(std::string_view(full_).substr(emitted_));
  emitted_ = full_.size();
  released_ += out;
  return out;
}

}  // namespace robomlx::serve
