#include "gdb/rsp.hpp"

namespace boardemu::gdb {

namespace {
int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
constexpr char kHex[] = "0123456789abcdef";
}  // namespace

std::uint8_t checksum(std::string_view bytes) {
  std::uint8_t sum = 0;
  for (unsigned char c : bytes) sum = static_cast<std::uint8_t>(sum + c);
  return sum;
}

void PacketDecoder::reset() {
  state_ = State::idle;
  raw_.clear();
  overflow_ = false;
  sum_ = 0;
}

PacketDecoder::Event PacketDecoder::feed(std::uint8_t byte) {
  switch (state_) {
    case State::idle:
      // Between packets only acknowledgments, the interrupt byte and a packet start mean
      // anything; line noise is ignored, as GDB itself does (E.1).
      if (byte == '$') {
        state_ = State::body;
        raw_.clear();
        overflow_ = false;
        sum_ = 0;
        return Event::none;
      }
      if (byte == 0x03) return Event::interrupt;
      if (byte == '+') return Event::ack;
      if (byte == '-') return Event::nack;
      return Event::none;
    case State::body:
      if (byte == '#') {
        state_ = State::checksum1;
        return Event::none;
      }
      if (byte == '$') {
        // A new start inside a packet: the previous one was truncated; start over (GDB
        // retransmits whole packets, so the latest `$` is the one to believe).
        raw_.clear();
        overflow_ = false;
        sum_ = 0;
        return Event::none;
      }
      sum_ = static_cast<std::uint8_t>(sum_ + byte);
      if (raw_.size() >= max_)
        overflow_ = true;  // keep counting the checksum, store nothing more
      else
        raw_.push_back(static_cast<char>(byte));
      return Event::none;
    case State::checksum1: {
      int d = hex_digit(static_cast<char>(byte));
      received_sum_ = d < 0 ? -1 : d << 4;
      state_ = State::checksum2;
      return Event::none;
    }
    case State::checksum2: {
      int d = hex_digit(static_cast<char>(byte));
      if (d < 0 || received_sum_ < 0) received_sum_ = -1;
      else received_sum_ |= d;
      state_ = State::idle;
      return finish();
    }
  }
  return Event::none;
}

PacketDecoder::Event PacketDecoder::finish() {
  bool overflow = overflow_;
  overflow_ = false;
  if (overflow) {
    raw_.clear();
    return Event::oversized;
  }
  if (received_sum_ != sum_) {
    raw_.clear();
    return Event::bad_checksum;
  }
  bool ok = decode_payload(raw_, &payload_, max_);
  raw_.clear();
  if (!ok) return payload_.size() >= max_ ? Event::oversized : Event::malformed;
  return Event::packet;
}

bool decode_payload(std::string_view raw, std::string* out, std::size_t max) {
  out->clear();
  bool have_last = false;  // a run may only repeat a byte of this packet
  for (std::size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c == '}') {
      if (++i >= raw.size()) return false;
      c = static_cast<char>(raw[i] ^ 0x20);
    } else if (c == '*') {
      if (++i >= raw.size() || !have_last) return false;
      int n = static_cast<unsigned char>(raw[i]) - 29;
      if (n < 3 || n > 126 - 29) return false;
      if (out->size() + static_cast<std::size_t>(n) > max) {
        out->resize(max);
        return false;
      }
      out->append(static_cast<std::size_t>(n), out->back());
      continue;
    }
    if (out->size() >= max) return false;
    out->push_back(c);
    have_last = true;
  }
  return true;
}

std::string frame(std::string_view payload, bool rle) {
  std::string body;
  body.reserve(payload.size() + 8);
  for (std::size_t i = 0; i < payload.size();) {
    char c = payload[i];
    if (c == '#' || c == '$' || c == '}' || c == '*') {
      body.push_back('}');
      body.push_back(static_cast<char>(c ^ 0x20));
      ++i;
      continue;
    }
    std::size_t run = 1;
    while (i + run < payload.size() && payload[i + run] == c) ++run;
    i += run;
    body.push_back(c);
    std::size_t rest = run - 1;
    // A count character n+29 repeats the byte n more times; n=6 and n=7 would be `#` and `$`,
    // so such runs are cut to 5 (E.1). Runs of 1..3 repeats gain nothing.
    while (rle && rest >= 3) {
      std::size_t n = rest > 97 ? 97 : rest;
      if (n == 6 || n == 7) n = 5;
      body.push_back('*');
      body.push_back(static_cast<char>(n + 29));
      rest -= n;
    }
    body.append(rest, c);
  }
  std::uint8_t sum = checksum(body);
  std::string out;
  out.reserve(body.size() + 4);
  out.push_back('$');
  out += body;
  out.push_back('#');
  out.push_back(kHex[sum >> 4]);
  out.push_back(kHex[sum & 15]);
  return out;
}

std::string to_hex(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

std::string to_hex_u32_le(std::uint32_t v) {
  char b[4] = {static_cast<char>(v), static_cast<char>(v >> 8), static_cast<char>(v >> 16),
               static_cast<char>(v >> 24)};
  return to_hex(std::string_view(b, 4));
}

bool from_hex(std::string_view hex, std::string* bytes) {
  if (hex.size() % 2) return false;
  bytes->clear();
  bytes->reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    int hi = hex_digit(hex[i]), lo = hex_digit(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    bytes->push_back(static_cast<char>(hi << 4 | lo));
  }
  return true;
}

bool parse_hex(std::string_view hex, std::uint32_t* value) {
  if (hex.empty() || hex.size() > 8) return false;
  std::uint32_t v = 0;
  for (char c : hex) {
    int d = hex_digit(c);
    if (d < 0) return false;
    v = v << 4 | static_cast<std::uint32_t>(d);
  }
  *value = v;
  return true;
}

bool parse_hex_u32_le(std::string_view hex, std::uint32_t* value) {
  std::string b;
  if (hex.size() != 8 || !from_hex(hex, &b)) return false;
  *value = static_cast<std::uint8_t>(b[0]) | static_cast<std::uint8_t>(b[1]) << 8 |
           static_cast<std::uint8_t>(b[2]) << 16 | static_cast<std::uint32_t>(static_cast<std::uint8_t>(b[3])) << 24;
  return true;
}

}  // namespace boardemu::gdb
