// SPDX-License-Identifier: Apache-2.0
#include "robomlx/depth/bag.h"

#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>

#include "robomlx/core/error.h"

namespace robomlx::depth {

namespace {

constexpr std::string_view kMagic = "#ROSBAG V2.0\n";

const char* op_name(int op) {
  switch (op) {
    case 0x02: return "message data";
    case 0x03: return "bag header";
    case 0x04: return "index data";
    case 0x05: return "chunk";
    case 0x06: return "chunk info";
    case 0x07: return "connection";
    default: return "unknown";
  }
}

std::uint32_t load_u32(const char* p) {
  std::uint32_t v;
  std::memcpy(&v, p, 4);  // bag files are little-endian, as are all supported hosts
  return v;
}

std::uint64_t load_u64(const char* p) {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

// One parsed record: header fields by name plus the data block.
struct Record {
  std::size_t offset = 0;  // of the record's first byte within its buffer
  int op = -1;
  std::map<std::string, std::string_view, std::less<>> fields;
  std::string_view data;
};

// Walks records of one buffer (the file, or a decompressed chunk). `where` prefixes errors.
class RecordCursor {
 public:
  RecordCursor(std::string_view buf, std::size_t start, const std::string& name, std::string where)
      : buf_(buf), pos_(start), name_(name), where_(std::move(where)) {}

  bool done() const { return pos_ >= buf_.size(); }

  Record next() {
    Record r;
    r.offset = pos_;
    std::uint32_t header_len = read_len("header_len", r);
    std::string_view header = take(header_len, "header", r);
    parse_fields(header, r);
    std::uint32_t data_len = read_len("data_len", r);
    r.data = take(data_len, "data", r);
    return r;
  }

  [[noreturn]] void fail(const Record& r, const std::string& field, const std::string& what) const {
    std::ostringstream os;
    os << where_ << "byte offset " << r.offset << ": " << op_name(r.op) << " record";
    if (r.op >= 0) os << " (op 0x" << std::hex << r.op << std::dec << ")";
    os << ", field '" << field << "': " << what;
    throw FormatError(name_, os.str());
  }

  std::uint32_t u32(const Record& r, const char* field) const {
    auto v = raw(r, field, 4);
    return load_u32(v.data());
  }
  std::uint64_t u64(const Record& r, const char* field) const {
    auto v = raw(r, field, 8);
    return load_u64(v.data());
  }
  std::string_view str(const Record& r, const char* field) const {
    auto it = r.fields.find(field);
    if (it == r.fields.end()) fail(r, field, "missing");
    return it->second;
  }

 private:
  std::uint32_t read_len(const char* field, Record& r) {
    if (buf_.size() - pos_ < 4)
      fail(r, field, "truncated: needs 4 bytes, " + std::to_string(buf_.size() - pos_) + " left");
    std::uint32_t v = load_u32(buf_.data() + pos_);
    pos_ += 4;
    return v;
  }
  std::string_view take(std::uint32_t n, const char* field, Record& r) {
    if (buf_.size() - pos_ < n)
      fail(r, field,
           "truncated: declares " + std::to_string(n) + " bytes, " + std::to_string(buf_.size() - pos_) + " left");
    std::string_view v = buf_.substr(pos_, n);
    pos_ += n;
    return v;
  }
  void parse_fields(std::string_view header, Record& r) const {
    std::size_t p = 0;
    while (p < header.size()) {
      if (header.size() - p < 4) fail(r, "header", "truncated header field length");
      std::uint32_t len = load_u32(header.data() + p);
      p += 4;
      if (len > header.size() - p) fail(r, "header", "field length " + std::to_string(len) + " runs past the header");
      std::string_view f = header.substr(p, len);
      p += len;
      auto eq = f.find('=');
      if (eq == std::string_view::npos) fail(r, "header", "field without '='");
      r.fields[std::string(f.substr(0, eq))] = f.substr(eq + 1);
    }
    auto it = r.fields.find("op");
    if (it == r.fields.end()) fail(r, "op", "missing");
    if (it->second.size() != 1) fail(r, "op", "must be 1 byte, got " + std::to_string(it->second.size()));
    r.op = static_cast<unsigned char>(it->second[0]);
  }
  std::string_view raw(const Record& r, const char* field, std::size_t size) const {
    auto v = str(r, field);
    if (v.size() != size)
      fail(r, field, "must be " + std::to_string(size) + " bytes, got " + std::to_string(v.size()));
    return v;
  }

  std::string_view buf_;
  std::size_t pos_;
  const std::string& name_;
  std::string where_;
};

BagConnection parse_connection(const RecordCursor& cur, const Record& r) {
  BagConnection c;
  c.id = cur.u32(r, "conn");
  c.topic = std::string(cur.str(r, "topic"));
  // The data block is itself a header: topic, type, md5sum, message_definition, ...
  std::size_t p = 0;
  while (p < r.data.size()) {
    if (r.data.size() - p < 4) cur.fail(r, "data", "truncated connection field length");
    std::uint32_t len = load_u32(r.data.data() + p);
    p += 4;
    if (len > r.data.size() - p) cur.fail(r, "data", "connection field length " + std::to_string(len) + " runs past the record");
    std::string_view f = r.data.substr(p, len);
    p += len;
    auto eq = f.find('=');
    if (eq == std::string_view::npos) cur.fail(r, "data", "connection field without '='");
    auto key = f.substr(0, eq);
    auto value = std::string(f.substr(eq + 1));
    if (key == "type") c.type = value;
    else if (key == "md5sum") c.md5sum = value;
    else if (key == "message_definition") c.message_definition = value;
  }
  if (c.type.empty()) cur.fail(r, "type", "missing in connection data");
  return c;
}

struct Scanner {
  const std::string& name;
  const BagVisitor& visitor;
  std::map<std::uint32_t, BagConnection> connections;

  // Records that may appear at top level or inside chunks.
  void handle(const RecordCursor& cur, const Record& r, const std::string& where) {
    if (r.op == 0x07) {
      BagConnection c = parse_connection(cur, r);
      auto [it, inserted] = connections.emplace(c.id, c);
      if (inserted && visitor.on_connection) visitor.on_connection(it->second);
    } else if (r.op == 0x02) {
      std::uint32_t conn = cur.u32(r, "conn");
      std::uint64_t t = cur.u64(r, "time");
      auto it = connections.find(conn);
      if (it == connections.end()) cur.fail(r, "conn", "unknown connection id " + std::to_string(conn));
      if (visitor.on_message) {
        BagMessageView m;
        m.connection = &it->second;
        m.time_ns = (t & 0xffffffffu) * 1000000000ull + (t >> 32);
        m.data = r.data;
        m.where = where + "byte offset " + std::to_string(r.offset);
        visitor.on_message(m);
      }
    } else if (r.op == 0x04 || r.op == 0x06 || r.op == 0x03) {
      // Index records are redundant for a sequential scan.
    } else {
      cur.fail(r, "op", "unknown record kind " + std::to_string(r.op));
    }
  }
};

}  // namespace

void scan_bag(std::string_view bytes, const std::string& name, const BagVisitor& visitor) {
  if (bytes.size() < kMagic.size() || bytes.substr(0, kMagic.size()) != kMagic) {
    if (bytes.substr(0, 9) == "#ROSBAG V")
      throw FormatError(name, "byte offset 0: unsupported bag version '" +
                                  std::string(bytes.substr(0, std::min<std::size_t>(bytes.find('\n'), 16))) +
                                  "' (only ROS1 bag V2.0 is read)");
    throw FormatError(name, "byte offset 0: not a ROS1 bag (missing '#ROSBAG V2.0' magic)");
  }
  Scanner scanner{name, visitor, {}};
  RecordCursor cur(bytes, kMagic.size(), name, "");
  bool first = true;
  while (!cur.done()) {
    Record r = cur.next();
    if (first && r.op != 0x03) cur.fail(r, "op", "the first record must be the bag header");
    first = false;
    if (r.op != 0x05) {
      scanner.handle(cur, r, "");
      continue;
    }
    std::string_view compression = cur.str(r, "compression");
    std::uint32_t size = cur.u32(r, "size");
    std::string where = "chunk at byte offset " + std::to_string(r.offset) + ", ";
    std::string owned;
    std::string_view body = r.data;
    if (compression != "none") {
      owned = decompress_chunk(compression, r.data, size, name, where);
      body = owned;
    } else if (size != r.data.size()) {
      cur.fail(r, "size", "uncompressed chunk declares " + std::to_string(size) + " bytes but holds " +
                              std::to_string(r.data.size()));
    }
    RecordCursor inner(body, 0, name, where + "inner ");
    while (!inner.done()) {
      Record ir = inner.next();
      if (ir.op != 0x07 && ir.op != 0x02)
        inner.fail(ir, "op", std::string("a chunk may hold only connection and message records, got ") + op_name(ir.op));
      scanner.handle(inner, ir, where + "inner ");
    }
  }
  if (first) throw FormatError(name, "byte offset " + std::to_string(kMagic.size()) + ": bag header record missing (file ends after the magic)");
}

std::string read_file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FormatError(path, "cannot open file");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw FormatError(path, "read error");
  return ss.str();
}

}  // namespace robomlx::depth
