// Unit tests of the GDB Remote Serial Protocol framing (emulator/gdb/rsp.hpp), after the GDB
// manual, appendix "Remote Protocol": E.1 "Overview" (packet format, checksum, `}` escapes,
// run-length encoding), E.9 "Interrupts" (0x03), E.11 "Packet Acknowledgment".
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "gdb/rsp.hpp"

namespace boardemu::gdb {
namespace {

using Event = PacketDecoder::Event;

std::vector<Event> feed(PacketDecoder& d, std::string_view bytes) {
  std::vector<Event> out;
  for (unsigned char c : bytes) {
    Event e = d.feed(c);
    if (e != Event::none) out.push_back(e);
  }
  return out;
}

// A packet exactly as given (no escaping), with its checksum.
std::string raw_packet(const std::string& body) {
  char cc[3];
  std::snprintf(cc, sizeof cc, "%02x", checksum(body));
  return "$" + body + "#" + cc;
}

TEST(GdbRsp, ChecksumIsModulo256Sum) {
  EXPECT_EQ(checksum(""), 0);
  EXPECT_EQ(checksum("g"), 0x67);
  // The manual's own example: $qSupported...; "OK" sums to 0x9a.
  EXPECT_EQ(checksum("OK"), 0x9a);
  EXPECT_EQ(checksum(std::string(300, '\xff')), (300 * 0xff) & 0xff);
}

TEST(GdbRsp, FrameAddsChecksum) {
  EXPECT_EQ(frame("OK"), "$OK#9a");
  EXPECT_EQ(frame(""), "$#00");
}

TEST(GdbRsp, FrameEscapesSpecialBytes) {
  // `#`, `$`, `}` and `*` travel as `}` followed by the byte XOR 0x20 (E.1).
  std::string f = frame(std::string("a#b$c}d*e"), false);
  EXPECT_EQ(f.substr(0, f.size() - 3), "$a}\x03" "b}\x04" "c}]d}\x0a" "e");
  PacketDecoder d;
  ASSERT_EQ(feed(d, f), std::vector<Event>{Event::packet});
  EXPECT_EQ(d.payload(), "a#b$c}d*e");
}

TEST(GdbRsp, RunLengthEncodingRoundTrips) {
  for (std::size_t n : {1u, 3u, 4u, 5u, 7u, 8u, 9u, 10u, 30u, 98u, 99u, 200u, 1000u}) {
    std::string payload = "x" + std::string(n, '0') + "y";
    std::string f = frame(payload, true);
    if (n >= 4) {
      EXPECT_LT(f.size(), payload.size() + 4) << n;
    }
    // The count characters `#` (6 repeats) and `$` (7 repeats) never appear (E.1).
    std::string body = f.substr(1, f.size() - 4);
    for (std::size_t i = 0; i + 1 < body.size(); ++i) {
      if (body[i] == '*') {
        EXPECT_TRUE(body[i + 1] != '#' && body[i + 1] != '$') << n;
      }
    }
    PacketDecoder d;
    ASSERT_EQ(feed(d, f), std::vector<Event>{Event::packet}) << n;
    EXPECT_EQ(d.payload(), payload) << n;
  }
}

TEST(GdbRsp, DecodesRunLengthFromTheManual) {
  // "0* " means "0000": a space is 32, 32 - 29 = 3 more repeats.
  std::string out;
  ASSERT_TRUE(decode_payload("0* ", &out));
  EXPECT_EQ(out, "0000");
  EXPECT_FALSE(decode_payload("*!", &out));     // no byte to repeat
  EXPECT_FALSE(decode_payload("0*", &out));     // count missing
  EXPECT_FALSE(decode_payload("0*\x1f", &out)); // count below 3
  EXPECT_FALSE(decode_payload("ab}", &out));    // escape without its byte
  EXPECT_FALSE(decode_payload(std::string(10, 'a') + "*~", &out, 50));  // beyond the limit
}

TEST(GdbRsp, AcksInterruptAndNoiseOutsidePackets) {
  PacketDecoder d;
  EXPECT_EQ(feed(d, "+-\x03zz\n"), (std::vector<Event>{Event::ack, Event::nack, Event::interrupt}));
  // 0x03 inside a packet is data, not an interrupt.
  std::string body = "X0,1:\x03";
  EXPECT_EQ(feed(d, frame(body, false)), std::vector<Event>{Event::packet});
  EXPECT_EQ(d.payload(), body);
}

TEST(GdbRsp, BadChecksumIsReported) {
  PacketDecoder d;
  EXPECT_EQ(feed(d, "$g#00"), std::vector<Event>{Event::bad_checksum});
  EXPECT_EQ(feed(d, "$g#zz"), std::vector<Event>{Event::bad_checksum});
  // The decoder recovers: the next good packet decodes.
  EXPECT_EQ(feed(d, "$g#67"), std::vector<Event>{Event::packet});
  EXPECT_EQ(d.payload(), "g");
}

TEST(GdbRsp, TruncatedPacketIsReplacedByTheNextStart) {
  PacketDecoder d;
  // A packet cut short by a new `$` (the client retransmitted): only the latter counts.
  EXPECT_EQ(feed(d, "$m0,4$g#67"), std::vector<Event>{Event::packet});
  EXPECT_EQ(d.payload(), "g");
  // A packet cut short by the client leaving: reset() forgets it.
  feed(d, "$m20000000,");
  d.reset();
  EXPECT_EQ(feed(d, "$?#3f"), std::vector<Event>{Event::packet});
  EXPECT_EQ(d.payload(), "?");
}

TEST(GdbRsp, OversizedPacketIsDiscardedNotBuffered) {
  PacketDecoder d(64);
  std::string big(1000, 'a');
  EXPECT_EQ(feed(d, frame(big, false)), std::vector<Event>{Event::oversized});
  EXPECT_EQ(feed(d, frame(std::string(64, 'b'), false)), std::vector<Event>{Event::packet});
  // Run-length expansion past the limit is refused too.
  EXPECT_EQ(feed(d, raw_packet("a*~a*~")), std::vector<Event>{Event::oversized});
}

TEST(GdbRsp, MalformedEscapeIsReported) {
  PacketDecoder d;
  EXPECT_EQ(feed(d, raw_packet("*!")), std::vector<Event>{Event::malformed});
  EXPECT_EQ(feed(d, raw_packet("ab}")), std::vector<Event>{Event::malformed});
}

TEST(GdbRsp, Hex) {
  EXPECT_EQ(to_hex(std::string("\x00\x7f\xff", 3)), "007fff");
  EXPECT_EQ(to_hex_u32_le(0x12345678), "78563412");
  std::uint32_t v;
  ASSERT_TRUE(parse_hex_u32_le("78563412", &v));
  EXPECT_EQ(v, 0x12345678u);
  EXPECT_FALSE(parse_hex_u32_le("785634", &v));
  ASSERT_TRUE(parse_hex("DeadBeef", &v));
  EXPECT_EQ(v, 0xdeadbeefu);
  EXPECT_FALSE(parse_hex("123456789", &v));
  EXPECT_FALSE(parse_hex("", &v));
  std::string b;
  EXPECT_FALSE(from_hex("abc", &b));
  EXPECT_FALSE(from_hex("zz", &b));
}

}  // namespace
}  // namespace boardemu::gdb
