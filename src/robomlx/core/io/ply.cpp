// SPDX-License-Identifier: Apache-2.0
// PLY header parsing and data decoding. Everything reads from one in-memory buffer with bounds
// checked before each access; sizes from the header are validated against the bytes present
// before any allocation that depends on them.
#include "robomlx/core/io/ply.h"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <string_view>
#include <unordered_set>

#include "robomlx/core/error.h"
#include "robomlx/core/input_policy.h"
#include "robomlx/core/io/ply_detail.h"

namespace robomlx {

namespace {

using detail::quote;

struct PropDecl {
  std::string name;
  PlyType type = PlyType::Float32;
  bool is_list = false;
  PlyType count_type = PlyType::UInt8;
};

struct ElementDecl {
  std::string name;
  std::uint64_t count = 0;
  std::vector<PropDecl> props;
  std::int64_t line = 0;
};

struct Header {
  PlyFormat format = PlyFormat::Ascii;
  std::vector<ElementDecl> elements;
  std::size_t data_offset = 0;
  std::int64_t header_lines = 0;
};

std::vector<std::string_view> split_ws(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    std::size_t j = i;
    while (j < line.size() && line[j] != ' ' && line[j] != '\t') ++j;
    if (j > i) out.push_back(line.substr(i, j - i));
    i = j;
  }
  return out;
}

Header parse_header(std::string_view text, const std::string& name) {
  auto fail = [&](const std::string& what) -> void { throw FormatError(name, what); };
  Header h;
  bool have_format = false;
  std::unordered_set<std::string> element_names, property_names;  // hashed: headers may be long
  std::size_t pos = 0;
  for (std::int64_t line_no = 1;; ++line_no) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) {
      // A final "end_header" without a newline is a complete header with no data after it.
      if (line_no > 1 && text.substr(pos).starts_with("end_header") &&
          text.substr(pos).find_first_not_of(" \t\r", 10) == std::string_view::npos) {
        nl = text.size();
      } else {
        fail(line_no == 1 ? "not a PLY file (empty or no header line)"
                          : "header: no 'end_header' line before the end of the file");
      }
    }
    std::string_view line = text.substr(pos, nl - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos = std::min(nl + 1, text.size());
    auto at = [&](const std::string& what) { fail("header line " + std::to_string(line_no) + ": " + what); };
    if (line_no == 1) {
      if (line != "ply") fail("not a PLY file (line 1 must be 'ply', got " + quote(line) + ")");
      continue;
    }
    auto tok = split_ws(line);
    if (tok.empty()) continue;
    const std::string_view key = tok[0];
    if (key == "comment" || key == "obj_info") continue;
    if (key == "end_header") {
      if (!have_format) at("'end_header' before any 'format' line");
      h.data_offset = pos;
      h.header_lines = line_no;
      return h;
    }
    if (key == "format") {
      if (have_format) at("second 'format' line");
      if (tok.size() != 3) at("expected 'format <ascii|binary_little_endian|binary_big_endian> 1.0'");
      if (tok[1] == "ascii") h.format = PlyFormat::Ascii;
      else if (tok[1] == "binary_little_endian") h.format = PlyFormat::BinaryLittleEndian;
      else if (tok[1] == "binary_big_endian") h.format = PlyFormat::BinaryBigEndian;
      else at("unknown format " + quote(tok[1]));
      if (tok[2] != "1.0") at("unsupported format version " + quote(tok[2]) + " (expected 1.0)");
      have_format = true;
    } else if (key == "element") {
      if (tok.size() != 3) at("expected 'element <name> <count>'");
      ElementDecl e;
      e.name = std::string(tok[1]);
      e.line = line_no;
      auto r = std::from_chars(tok[2].data(), tok[2].data() + tok[2].size(), e.count);
      if (r.ec != std::errc() || r.ptr != tok[2].data() + tok[2].size()) {
        at("element '" + e.name + "' count " + quote(tok[2]) + " is not a non-negative integer");
      }
      if (!element_names.insert(e.name).second) at("duplicate element '" + e.name + "'");
      property_names.clear();
      h.elements.push_back(std::move(e));
    } else if (key == "property") {
      if (h.elements.empty()) at("'property' before any 'element'");
      PropDecl p;
      bool list = tok.size() >= 2 && tok[1] == "list";
      if (list ? tok.size() != 5 : tok.size() != 3) {
        at("expected 'property <type> <name>' or 'property list <count type> <item type> <name>'");
      }
      auto type_at = [&](std::string_view s) {
        auto t = detail::parse_ply_type(s);
        if (!t) at("unknown property type " + quote(s));
        return *t;
      };
      if (list) {
        p.is_list = true;
        p.count_type = type_at(tok[2]);
        if (p.count_type == PlyType::Float32 || p.count_type == PlyType::Float64) {
          at("list count type must be an integer type, got " + quote(tok[2]));
        }
        p.type = type_at(tok[3]);
        p.name = std::string(tok[4]);
      } else {
        p.type = type_at(tok[1]);
        p.name = std::string(tok[2]);
      }
      // Control characters would not survive a write and a read (a '\r' ends a header line).
      if (std::any_of(p.name.begin(), p.name.end(), [](char c) { return (unsigned char)c < 32 || c == 127; })) {
        at("property name " + quote(p.name) + " holds a control character");
      }
      auto& props = h.elements.back().props;
      if (!property_names.insert(p.name).second) {
        at("duplicate property '" + p.name + "' in element '" + h.elements.back().name + "'");
      }
      props.push_back(std::move(p));
    } else {
      at("unknown keyword " + quote(key));
    }
  }
}

// Reads binary values with bounds checks; `swap` converts the file's byte order to native.
struct BinaryCursor {
  const std::uint8_t* p;
  const std::uint8_t* end;
  bool swap;
  std::size_t left() const { return std::size_t(end - p); }
  void read_native(std::size_t size, std::uint8_t* out) {
    if (swap) {
      for (std::size_t i = 0; i < size; ++i) out[i] = p[size - 1 - i];
    } else {
      std::memcpy(out, p, size);
    }
    p += size;
  }
};

// Where an element's rows are going: vertex scalar properties to columns, everything else skipped.
struct Sink {
  std::vector<PlyProperty>* columns = nullptr;  // null: skip
  std::vector<int> column_of;                   // per declared property, -1 for lists
};

class Decoder {
 public:
  Decoder(const std::string& name, std::string_view data, std::size_t offset, std::int64_t header_lines)
      : name_(name), data_(data), offset_(offset), line_no_(header_lines) {}

  void element(const ElementDecl& e, Sink& sink, PlyFormat format) {
    if (e.props.empty() || e.count == 0) return;
    if (format == PlyFormat::Ascii) {
      ascii_element(e, sink);
    } else {
      binary_element(e, sink, (format == PlyFormat::BinaryBigEndian) != (std::endian::native == std::endian::big));
    }
  }

 private:
  [[noreturn]] void fail(const std::string& what) const { throw FormatError(name_, what); }

  std::string row_name(const ElementDecl& e, std::uint64_t i) const {
    return e.name + " " + std::to_string(i) + " of " + std::to_string(e.count);
  }

  static void reserve_columns(Sink& sink, std::size_t rows) {
    if (!sink.columns) return;
    for (auto& c : *sink.columns) c.bytes.reserve(rows * ply_type_size(c.type));
  }

  void binary_element(const ElementDecl& e, Sink& sink, bool swap) {
    BinaryCursor cur{reinterpret_cast<const std::uint8_t*>(data_.data()) + offset_,
                     reinterpret_cast<const std::uint8_t*>(data_.data()) + data_.size(), swap};
    bool has_list = std::any_of(e.props.begin(), e.props.end(), [](const PropDecl& p) { return p.is_list; });
    std::size_t min_row = 0;
    for (const auto& p : e.props) min_row += ply_type_size(p.is_list ? p.count_type : p.type);
    // Every row needs at least min_row bytes: validate the declared count before reserving.
    if (e.count > cur.left() / min_row) {
      std::uint64_t complete = cur.left() / min_row;
      std::string expected = has_list ? "at least " : "";
      unsigned __int128 need = (unsigned __int128)e.count * min_row + offset_;
      fail(row_name(e, complete) + ": file truncated (expected " + expected + detail::u128_string(need) +
           " bytes in the file, got " + std::to_string(data_.size()) + ")");
    }
    if (!has_list) {
      // Fixed-size rows: one strided copy per column.
      if (sink.columns) {
        std::size_t offset = 0;
        for (std::size_t k = 0; k < e.props.size(); ++k) {
          std::size_t sz = ply_type_size(e.props[k].type);
          auto& col = (*sink.columns)[sink.column_of[k]].bytes;
          col.resize(std::size_t(e.count) * sz);
          const std::uint8_t* src = cur.p + offset;
          for (std::size_t i = 0; i < e.count; ++i, src += min_row) {
            for (std::size_t b = 0; b < sz; ++b) col[i * sz + b] = src[swap ? sz - 1 - b : b];
          }
          offset += sz;
        }
      }
      offset_ += std::size_t(e.count) * min_row;
      return;
    }
    reserve_columns(sink, e.count);
    std::uint8_t buf[8];
    for (std::uint64_t i = 0; i < e.count; ++i) {
      for (std::size_t k = 0; k < e.props.size(); ++k) {
        const auto& p = e.props[k];
        if (!p.is_list) {
          std::size_t sz = ply_type_size(p.type);
          if (cur.left() < sz) truncated(e, i, p);
          if (sink.columns) {
            cur.read_native(sz, buf);
            auto& col = (*sink.columns)[sink.column_of[k]].bytes;
            col.insert(col.end(), buf, buf + sz);
          } else {
            cur.p += sz;
          }
          continue;
        }
        std::size_t csz = ply_type_size(p.count_type);
        if (cur.left() < csz) truncated(e, i, p);
        cur.read_native(csz, buf);
        double n = detail::load_as_double(p.count_type, buf);
        if (n < 0) fail(row_name(e, i) + ": list '" + p.name + "' has negative length " + detail::num(n));
        std::size_t isz = ply_type_size(p.type);
        if (n > double(cur.left() / isz)) {
          fail(row_name(e, i) + ": list '" + p.name + "' of length " + detail::num(n) +
               " runs past the end of the file");
        }
        cur.p += std::size_t(n) * isz;
      }
    }
    offset_ = std::size_t(cur.p - reinterpret_cast<const std::uint8_t*>(data_.data()));
  }

  [[noreturn]] void truncated(const ElementDecl& e, std::uint64_t i, const PropDecl& p) const {
    fail(row_name(e, i) + ", property '" + p.name + "': file truncated (" + std::to_string(data_.size()) +
         " bytes in the file)");
  }

  // ASCII rows are lines (blank lines are skipped): a row with too few or too many values is an
  // error rather than a silent shift of every later value.
  bool next_line() {
    for (;;) {
      if (offset_ >= data_.size()) return false;
      std::size_t nl = data_.find('\n', offset_);
      std::size_t end = nl == std::string_view::npos ? data_.size() : nl;
      line_ = data_.substr(offset_, end - offset_);
      offset_ = nl == std::string_view::npos ? data_.size() : nl + 1;
      ++line_no_;
      if (line_.find_first_not_of(" \t\r\f\v") != std::string_view::npos) return true;
    }
  }

  // Next whitespace-separated token of the current line, or empty at its end.
  std::string_view token() {
    auto is_ws = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; };
    std::size_t i = 0;
    while (i < line_.size() && is_ws(line_[i])) ++i;
    std::size_t start = i;
    while (i < line_.size() && !is_ws(line_[i])) ++i;
    auto tok = line_.substr(start, i - start);
    line_.remove_prefix(i);
    return tok;
  }

  std::string at_line(const ElementDecl& e, std::uint64_t i) const {
    return row_name(e, i) + " (line " + std::to_string(line_no_) + ")";
  }

  [[noreturn]] void short_line(const ElementDecl& e, std::uint64_t i, const PropDecl& p) const {
    fail(at_line(e, i) + ", property '" + p.name + "': the line ends early");
  }

  void ascii_element(const ElementDecl& e, Sink& sink) {
    // Each row takes at least 2 bytes (a value and a newline): reserve no more than fits.
    std::size_t fit = (data_.size() - offset_) / 2 + 1;
    reserve_columns(sink, std::size_t(std::min<std::uint64_t>(e.count, fit)));
    std::uint8_t buf[8];
    for (std::uint64_t i = 0; i < e.count; ++i) {
      if (!next_line()) fail(row_name(e, i) + ": file truncated (no line left for it)");
      for (std::size_t k = 0; k < e.props.size(); ++k) {
        const auto& p = e.props[k];
        auto tok = token();
        if (tok.empty()) short_line(e, i, p);
        PlyType t = p.is_list ? p.count_type : p.type;
        if (!detail::parse_ascii_value(tok, t, buf)) bad_value(e, i, p, t, tok);
        if (!p.is_list) {
          if (sink.columns) {
            auto& col = (*sink.columns)[sink.column_of[k]].bytes;
            col.insert(col.end(), buf, buf + ply_type_size(p.type));
          }
          continue;
        }
        double n = detail::load_as_double(p.count_type, buf);
        if (n < 0) fail(at_line(e, i) + ": list '" + p.name + "' has negative length " + detail::num(n));
        for (double j = 0; j < n; ++j) {
          tok = token();
          if (tok.empty()) short_line(e, i, p);
          if (!detail::parse_ascii_value(tok, p.type, buf)) bad_value(e, i, p, p.type, tok);
        }
      }
      if (!token().empty()) fail(at_line(e, i) + ": more values than the header's properties");
    }
  }

  [[noreturn]] void bad_value(const ElementDecl& e, std::uint64_t i, const PropDecl& p, PlyType t,
                              std::string_view tok) const {
    fail(at_line(e, i) + ", property '" + p.name + "' (" + ply_type_name(t) + "): invalid value " + quote(tok));
  }

  const std::string& name_;
  std::string_view data_;
  std::size_t offset_;
  std::string_view line_;  // the rest of the current ASCII line
  std::int64_t line_no_;            // 1-based line number of line_ in the file
};

}  // namespace

PlyData decode_ply(const void* bytes, std::size_t size, const std::string& name) {
  std::string_view data(static_cast<const char*>(bytes), size);
  Header h = parse_header(data, name);
  const ElementDecl* vertex = nullptr;
  for (const auto& e : h.elements) {
    if (e.name == "vertex") vertex = &e;
  }
  if (!vertex) throw FormatError(name, "header: no 'vertex' element");
  constexpr auto kMaxCount = std::uint64_t(std::numeric_limits<std::int32_t>::max());
  if (vertex->count > kMaxCount) {
    throw FormatError(name, "header line " + std::to_string(vertex->line) + ": vertex count " +
                                std::to_string(vertex->count) + " exceeds " + std::to_string(kMaxCount));
  }
  // The size policy, from the header, before any row is decoded.
  std::uint64_t scalars = 0;
  for (const auto& p : vertex->props) scalars += p.is_list ? 0 : 1;
  check_input_cap(InputCap::points, vertex->count, name,
                  "header line " + std::to_string(vertex->line) + ": vertex count " + std::to_string(vertex->count));
  check_input_cap(InputCap::elements, vertex->count * scalars, name,
                  "vertex data (" + std::to_string(vertex->count) + " rows x " + std::to_string(scalars) + " properties)");
  PlyData out;
  out.format = h.format;
  Decoder dec(name, data, h.data_offset, h.header_lines);
  for (const auto& e : h.elements) {
    Sink sink;
    if (&e == vertex) {
      sink.columns = &out.properties;
      for (const auto& p : e.props) {
        sink.column_of.push_back(p.is_list ? -1 : int(out.properties.size()));
        if (!p.is_list) out.properties.push_back(PlyProperty{p.name, p.type, {}});
      }
    }
    dec.element(e, sink, h.format);
  }
  out.count = std::size_t(vertex->count);
  return out;
}

PlyData read_ply(const std::string& path) {
  std::string bytes = detail::read_file_bytes(path);
  return decode_ply(bytes.data(), bytes.size(), path);
}

}  // namespace robomlx
