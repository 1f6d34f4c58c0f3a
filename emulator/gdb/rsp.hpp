// GDB Remote Serial Protocol framing (GDB manual, appendix "Remote Protocol"; sections cited as
// E.1 "Overview", E.11 "Packet Acknowledgment", E.9 "Interrupts").
//
// A packet on the wire is `$` payload `#` cc, where cc is the two-digit hex sum of the payload
// bytes modulo 256 (E.1). Inside a payload, `}` escapes the next byte, which is the real byte
// XOR 0x20 (needed for `#`, `$`, `}` and `*` in binary data); `X*n` is a run-length encoding that
// repeats X another n-29 times (E.1 "Run-length encoding"). Outside packets the receiver sees
// acknowledgments (`+` received, `-` please retransmit; E.11) and the interrupt byte 0x03 (E.9).
//
// This layer is pure byte handling: no sockets, no target. It never buffers more than its
// packet-size limit; longer packets are swallowed up to their `#cc` and reported as oversized.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace boardemu::gdb {

// The largest payload (after escape and run-length decoding) we accept, advertised to GDB as
// qSupported's PacketSize (E.4 "General Query Packets"). GDB then never sends longer packets.
constexpr std::size_t kMaxPacket = 16384;

// Modulo-256 sum of the bytes, as carried after `#`.
std::uint8_t checksum(std::string_view bytes);

// Framing of the bytes a client sends. Feed it one byte at a time; it reports what each byte
// completed.
class PacketDecoder {
 public:
  enum class Event {
    none,          // nothing complete yet (or a stray byte outside a packet was ignored)
    packet,        // a well-formed packet: payload() holds it decoded
    bad_checksum,  // a complete packet whose checksum did not match (answer `-`)
    malformed,     // checksum matched but the escapes / run-lengths do not decode
    oversized,     // the packet exceeded kMaxPacket; its bytes were discarded
    interrupt,     // 0x03 outside a packet (E.9)
    ack,           // `+` outside a packet
    nack,          // `-` outside a packet
  };

  explicit PacketDecoder(std::size_t max_payload = kMaxPacket) : max_(max_payload) {}
  Event feed(std::uint8_t byte);
  // The decoded payload of the last Event::packet.
  const std::string& payload() const { return payload_; }
  // Drops a half-received packet (the client went away).
  void reset();

 private:
  enum class State { idle, body, checksum1, checksum2 };
  Event finish();

  std::size_t max_;
  State state_ = State::idle;
  std::string raw_;      // the payload bytes as on the wire (escapes and runs still encoded)
  bool overflow_ = false;
  std::uint8_t sum_ = 0;
  int received_sum_ = 0;
  std::string payload_;
};

// Undoes `}` escapes and `*` run-length encoding (E.1). False if the encoding is broken
// (a trailing `}`, a run with no preceding byte, a count below 3 or above 126-29) or the result
// would exceed `max`.
bool decode_payload(std::string_view raw, std::string* out, std::size_t max = kMaxPacket);

// `$payload#cc` with `#`, `$`, `}` and `*` escaped; with `rle`, runs of 4 or more equal bytes
// are run-length encoded (never with the count characters `#` or `$`, which E.1 forbids).
std::string frame(std::string_view payload, bool rle = true);

// Hex helpers (lower-case digits on output, either case on input).
std::string to_hex(std::string_view bytes);
std::string to_hex_u32_le(std::uint32_t value);  // a register: 4 bytes, target (little) order
bool from_hex(std::string_view hex, std::string* bytes);
bool parse_hex(std::string_view hex, std::uint32_t* value);  // 1..8 hex digits
bool parse_hex_u32_le(std::string_view hex, std::uint32_t* value);  // exactly 8 digits

}  // namespace boardemu::gdb
