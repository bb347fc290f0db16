// SPDX-License-Identifier: Apache-2.0
// COLMAP's text model files: '#' comment lines, whitespace-separated fields, numbers parsed
// locale-independently and range-checked (no overflowing casts).
#include <cmath>
#include <string>

#include "robomlx/core/input_policy.h"
#include "robomlx/splat/colmap_internal.h"

namespace robomlx::splat::detail {

namespace {

struct Line {
  std::size_t number = 0;  // 1-based
  std::string_view text;
};

// Every line, '\r' dropped; comment lines are kept out by the callers (images.txt pairs lines).
std::vector<Line> split_lines(std::string_view data) {
  std::vector<Line> out;
  std::size_t start = 0, number = 1;
  while (start < data.size()) {
    std::size_t end = data.find('\n', start);
    if (end == std::string_view::npos) end = data.size();
    std::string_view line = data.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    out.push_back({number++, line});
    start = end + 1;
  }
  return out;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

std::vector<std::string_view> tokens(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && is_space(line[i])) ++i;
    std::size_t j = i;
    while (j < line.size() && !is_space(line[j])) ++j;
    if (j > i) out.push_back(line.substr(i, j - i));
    i = j;
  }
  return out;
}

bool skip(const Line& l) {
  const auto t = tokens(l.text);
  return t.empty() || t[0][0] == '#';
}

class LineParser {
 public:
  LineParser(const std::string& name, const Line& line) : name_(name), line_(line), tok_(tokens(line.text)) {}
  std::size_t size() const { return tok_.size(); }
  [[noreturn]] void fail(const std::string& what) const {
    fail_format(kColmapTag, name_, "line " + std::to_string(line_.number) + ": " + what);
  }
  void need(std::size_t n, const std::string& layout) const {
    if (tok_.size() < n) {
      fail("expected " + layout + " (" + std::to_string(n) + " fields), got " + std::to_string(tok_.size()));
    }
  }
  long long integer(std::size_t i, const std::string& field, long long lo, long long hi) const {
    auto v = parse_integer(tok_[i], lo, hi);
    if (!v) fail(field + " must be an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got '" + token(i) + "'");
    return *v;
  }
  double number(std::size_t i, const std::string& field) const {
    auto v = parse_finite_number(tok_[i]);
    if (!v) fail(field + " must be a finite number, got '" + token(i) + "'");
    return *v;
  }
  std::string token(std::size_t i) const { return std::string(tok_[i].substr(0, 40)); }
  std::string_view rest_from(std::size_t i) const {  // the line from token i to its end, trimmed
    std::string_view s = line_.text.substr(std::size_t(tok_[i].data() - line_.text.data()));
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
  }

 private:
  const std::string& name_;
  const Line& line_;
  std::vector<std::string_view> tok_;
};

constexpr long long kU32 = 4294967295LL;

// Appends " value" (separate appends: GCC 12 warns falsely about " " + std::string temporaries).
void field(std::string& out, const std::string& value) {
  out += ' ';
  out += value;
}

}  // namespace

std::vector<ColmapCamera> parse_cameras_text(std::string_view data, const std::string& name) {
  std::vector<ColmapCamera> out;
  for (const Line& l : split_lines(data)) {
    if (skip(l)) continue;
    LineParser p(name, l);
    p.need(4, "CAMERA_ID MODEL WIDTH HEIGHT PARAMS[]");
    ColmapCamera c;
    c.id = std::uint32_t(p.integer(0, "CAMERA_ID", 0, kU32));
    c.model = p.token(1);
    const ColmapModelInfo* m = colmap_model_by_name(c.model);
    if (!m) p.fail("unknown camera model '" + c.model + "' (known: " + colmap_model_names() + ")");
    c.width = std::uint64_t(p.integer(2, "WIDTH", 0, kU32));
    c.height = std::uint64_t(p.integer(3, "HEIGHT", 0, kU32));
    if (p.size() != std::size_t(4 + m->params)) {
      p.fail("camera " + std::to_string(c.id) + ": model " + c.model + " has " + std::to_string(m->params) +
             " parameters, got " + std::to_string(p.size() - 4));
    }
    for (int k = 0; k < m->params; ++k) c.params.push_back(p.number(4 + k, "PARAMS[" + std::to_string(k) + "]"));
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<ColmapImage> parse_images_text(std::string_view data, const std::string& name) {
  std::vector<ColmapImage> out;
  const auto lines = split_lines(data);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (skip(lines[i])) continue;
    LineParser p(name, lines[i]);
    p.need(10, "IMAGE_ID QW QX QY QZ TX TY TZ CAMERA_ID NAME");
    ColmapImage im;
    im.id = std::uint32_t(p.integer(0, "IMAGE_ID", 0, kU32));
    const char* q[] = {"QW", "QX", "QY", "QZ"};
    const char* t[] = {"TX", "TY", "TZ"};
    for (int k = 0; k < 4; ++k) im.qvec[k] = p.number(1 + k, q[k]);
    for (int k = 0; k < 3; ++k) im.tvec[k] = p.number(5 + k, t[k]);
    im.camera_id = std::uint32_t(p.integer(8, "CAMERA_ID", 0, kU32));
    im.name = std::string(p.rest_from(9));  // names may hold spaces: the rest of the line
    // The next line holds the keypoints, possibly empty; a file may end without it.
    if (i + 1 < lines.size()) {
      LineParser k(name, lines[++i]);
      if (k.size() % 3 != 0) k.fail("POINTS2D of image " + std::to_string(im.id) + " must be (X Y POINT3D_ID) triples, got " + std::to_string(k.size()) + " fields");
    }
    out.push_back(std::move(im));
  }
  return out;
}

SfmPoints parse_points3d_text(std::string_view data, const std::string& name) {
  std::vector<float> xyz;
  std::vector<std::uint8_t> rgb;
  std::uint64_t n = 0;
  for (const Line& l : split_lines(data)) {
    if (skip(l)) continue;
    LineParser p(name, l);
    p.need(8, "POINT3D_ID X Y Z R G B ERROR TRACK[]");
    if ((p.size() - 8) % 2 != 0) p.fail("TRACK must be (IMAGE_ID POINT2D_IDX) pairs, got " + std::to_string(p.size() - 8) + " fields");
    with_tag(kColmapTag, [&] {
      check_input_cap(InputCap::points, ++n, name, "points3D count (at line " + std::to_string(l.number) + ")");
      return 0;
    });
    p.integer(0, "POINT3D_ID", 0, 9223372036854775807LL);
    const char* axes[] = {"X", "Y", "Z"};
    for (int k = 0; k < 3; ++k) {
      const double v = p.number(1 + k, axes[k]);
      if (!std::isfinite(float(v))) p.fail(std::string(axes[k]) + " must fit in float32, got " + number_text(v));
      xyz.push_back(float(v));
    }
    const char* channels[] = {"R", "G", "B"};
    for (int k = 0; k < 3; ++k) rgb.push_back(std::uint8_t(p.integer(4 + k, channels[k], 0, 255)));
    p.number(7, "ERROR");
  }
  return make_points(xyz, rgb);
}

std::string encode_cameras_text(const std::vector<ColmapCamera>& cameras) {
  std::string out = "# cameras: CAMERA_ID MODEL WIDTH HEIGHT PARAMS[] (written by robomlx)\n";
  out += "# count: " + std::to_string(cameras.size()) + "\n";
  for (const auto& c : cameras) {
    out += std::to_string(c.id);
    field(out, c.model);
    field(out, std::to_string(c.width));
    field(out, std::to_string(c.height));
    for (double p : c.params) field(out, exact_text(p));
    out += "\n";
  }
  return out;
}

std::string encode_images_text(const std::vector<ColmapImage>& images) {
  std::string out = "# images: IMAGE_ID QW QX QY QZ TX TY TZ CAMERA_ID NAME, then POINTS2D[] as (X Y POINT3D_ID)\n";
  out += "# count: " + std::to_string(images.size()) + " (keypoints not written)\n";
  for (const auto& im : images) {
    out += std::to_string(im.id);
    for (double q : im.qvec) field(out, exact_text(q));
    for (double t : im.tvec) field(out, exact_text(t));
    field(out, std::to_string(im.camera_id));
    field(out, im.name);
    out += "\n\n";
  }
  return out;
}

std::string encode_points3d_text(const float* xyz, const std::uint8_t* rgb, std::size_t n) {
  std::string out = "# points3D: POINT3D_ID X Y Z R G B ERROR TRACK[] (errors and tracks not kept)\n";
  out += "# count: " + std::to_string(n) + "\n";
  for (std::size_t i = 0; i < n; ++i) {
    out += std::to_string(i + 1);
    for (int k = 0; k < 3; ++k) field(out, exact_text(xyz[i * 3 + k]));
    for (int k = 0; k < 3; ++k) field(out, std::to_string(rgb[i * 3 + k]));
    out += " 0\n";
  }
  return out;
}

}  // namespace robomlx::splat::detail
