// Unit tests of the GDB stub's command dispatcher (emulator/gdb/gdb_stub.hpp) and its TCP
// server (gdb_server.hpp) against the fake system of tests/fuzz/gdb_fake_target.hpp. Packet
// semantics after the GDB manual, appendix "Remote Protocol" (E.2 "Packets", E.3 "Stop Reply
// Packets", E.4 "General Query Packets", E.11 "Packet Acknowledgment").
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include <fcntl.h>
#include <pthread.h>

#include "fuzz/gdb_fake_target.hpp"
#include "gdb/gdb_server.hpp"
#include "gdb/gdb_stub.hpp"

namespace boardemu::gdb {
namespace {

using gdbtest::FakeTarget;

std::string raw_packet(const std::string& body) {
  char cc[3];
  std::snprintf(cc, sizeof cc, "%02x", checksum(body));
  return "$" + body + "#" + cc;
}

// Drives a GdbStub directly; collects what it sends and decodes the reply packets.
struct Session {
  FakeTarget target;
  std::string wire;
  GdbStub stub{target, [this](std::string_view b) { wire += b; }};
  Session() { stub.start_session(); }

  void send_raw(const std::string& bytes) {
    stub.receive(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  }
  // Sends one packet, returns the payload of the (last) reply packet; "<none>" if none came.
  std::string ask(const std::string& body) {
    wire.clear();
    send_raw(frame(body, false));
    return last_reply();
  }
  std::string last_reply() {
    PacketDecoder d;
    std::string last = "<none>";
    for (unsigned char c : wire)
      if (d.feed(c) == PacketDecoder::Event::packet) last = d.payload();
    return last;
  }
  // The run loop's part: run slices until the target stops.
  std::string run_to_stop() {
    wire.clear();
    for (int i = 0; i < 1000 && stub.state() == GdbStub::State::running; ++i) {
      RunResult r = target.run_until(target.now() + 16);
      if (r.reason != StopReason::deadline) stub.report_stop(r, false);
      else if (stub.interrupt_requested()) stub.report_stop(r, true);
    }
    return last_reply();
  }
};

TEST(GdbStub, AcknowledgesAndStopsAcknowledgingAfterNoAckMode) {
  Session s;
  s.send_raw(frame("?"));
  EXPECT_EQ(s.wire.substr(0, 1), "+");
  EXPECT_EQ(s.last_reply(), "S05");
  EXPECT_EQ(s.ask("QStartNoAckMode"), "OK");
  EXPECT_EQ(s.wire.substr(0, 1), "+");  // the request itself is still acknowledged (E.11)
  s.ask("?");
  EXPECT_EQ(s.wire.substr(0, 1), "$");
}

TEST(GdbStub, BadChecksumGetsNakThenRetransmissionWorks) {
  Session s;
  s.send_raw("$g#00");
  EXPECT_EQ(s.wire, "-");
  s.wire.clear();
  s.send_raw(frame("g"));
  EXPECT_EQ(s.last_reply().size(), 17u * 8);
  // `-` from the client: the last reply again.
  std::string before = s.wire.substr(1);
  s.wire.clear();
  s.send_raw("-");
  EXPECT_EQ(s.wire, before);
}

TEST(GdbStub, OversizedAndMalformedPacketsGetAnError) {
  Session s;
  s.wire.clear();
  s.send_raw(frame(std::string(kMaxPacket + 100, 'm'), false));
  EXPECT_EQ(s.wire.substr(0, 1), "+");
  EXPECT_EQ(s.last_reply(), "E22");
  s.wire.clear();
  s.send_raw(raw_packet("*!"));
  EXPECT_EQ(s.last_reply(), "E22");
  // Still alive.
  EXPECT_EQ(s.ask("qC"), "QC1");
}

TEST(GdbStub, UnknownPacketsGetTheEmptyReply) {
  Session s;
  EXPECT_EQ(s.ask("vMustReplyEmpty"), "");
  EXPECT_EQ(s.ask("qTStatus"), "");
  EXPECT_EQ(s.ask("!"), "");
  EXPECT_EQ(s.ask("Z9,0,0"), "");
}

TEST(GdbStub, QSupportedAdvertisesPacketSizeAndFeatures) {
  Session s;
  std::string r = s.ask("qSupported:multiprocess+;swbreak+;hwbreak+;xmlRegisters=arm");
  EXPECT_NE(r.find("PacketSize=4000"), std::string::npos) << r;
  EXPECT_NE(r.find("qXfer:features:read+"), std::string::npos) << r;
  EXPECT_NE(r.find("vContSupported+"), std::string::npos) << r;
  EXPECT_NE(r.find("QStartNoAckMode+"), std::string::npos) << r;
  // Without a target description (LX106) the feature is not offered.
  s.target.cpu.xml.clear();
  EXPECT_EQ(s.ask("qSupported").find("qXfer"), std::string::npos);
}

TEST(GdbStub, QXferFeaturesReadsInChunks) {
  Session s;
  s.target.cpu.xml = std::string(100, 'a') + "#$*}" + std::string(50, 'z');
  std::string got;
  for (std::uint32_t off = 0;;) {
    std::string r = s.ask(fmt::format("qXfer:features:read:target.xml:{:x},20", off));
    ASSERT_FALSE(r.empty());
    ASSERT_TRUE(r[0] == 'm' || r[0] == 'l') << r;
    got += r.substr(1);
    off += static_cast<std::uint32_t>(r.size() - 1);
    if (r[0] == 'l') break;
    ASSERT_LT(off, 1000u);
  }
  EXPECT_EQ(got, s.target.cpu.xml);  // special bytes travel escaped and come back intact
  EXPECT_EQ(s.ask("qXfer:features:read:target.xml:1000,20"), "l");
  EXPECT_EQ(s.ask("qXfer:features:read:other.xml:0,20"), "E00");
  EXPECT_EQ(s.ask("qXfer:features:read:target.xml:zz"), "E22");
}

TEST(GdbStub, RegistersReadAndWrite) {
  Session s;
  s.target.cpu.regs[0] = 0x11223344;
  std::string g = s.ask("g");
  ASSERT_EQ(g.size(), 17u * 8);
  EXPECT_EQ(g.substr(0, 8), "44332211");
  EXPECT_EQ(g.substr(15 * 8, 8), "00010000");  // pc = 0x100
  EXPECT_EQ(s.ask("p0f"), "00010000");
  EXPECT_EQ(s.ask("P1=78563412"), "OK");
  EXPECT_EQ(s.target.cpu.regs[1], 0x12345678u);
  EXPECT_EQ(s.ask("p63"), "E22");
  EXPECT_EQ(s.ask("P1=zz"), "E22");
  std::string all(17 * 8, '0');
  all.replace(2 * 8, 8, "efbeadde");
  EXPECT_EQ(s.ask("G" + all), "OK");
  EXPECT_EQ(s.target.cpu.regs[2], 0xdeadbeefu);
  EXPECT_EQ(s.ask("G123"), "E22");
  s.target.has_debug = false;
  EXPECT_EQ(s.ask("g"), "E01");
}

TEST(GdbStub, MemoryThroughTheBus) {
  Session s;
  EXPECT_EQ(s.ask("M20000010,4:01020304"), "OK");
  EXPECT_EQ(s.ask("m20000010,4"), "01020304");
  // Writes are announced to the bus's observers (code caches refresh).
  ASSERT_FALSE(s.target.observed.empty());
  EXPECT_EQ(s.target.observed.back(), (std::pair<std::uint32_t, std::uint32_t>{0x20000010, 4}));
  // X carries binary, escaped on the wire: 0x23 `#` and 0x7d `}` among the bytes.
  s.wire.clear();
  s.send_raw(raw_packet("X20000020,4:}\x03}]ab"));
  EXPECT_EQ(s.last_reply(), "OK");
  EXPECT_EQ(s.ask("m20000020,4"), "237d6162");
  EXPECT_EQ(s.ask("X20000020,4:ab"), "E22");  // length does not match the data
  // Unmapped: E14; a read running off the end of RAM is partial.
  EXPECT_EQ(s.ask("m10000000,4"), "E14");
  EXPECT_EQ(s.ask("M10000000,1:00"), "E14");
  EXPECT_EQ(s.ask("m20000ffe,4").size(), 4u);
  EXPECT_EQ(s.ask("m2000000,"), "E22");
}

TEST(GdbStub, DeviceWindowsAreReadAndWrittenThroughTheModel) {
  Session s;
  EXPECT_EQ(s.ask("m40000004,4"), "040000d0");
  EXPECT_EQ(s.ask("m40000004,1"), "04");
  EXPECT_EQ(s.ask("M40000008,4:78563412"), "OK");
  ASSERT_EQ(s.target.dev.writes.size(), 1u);
  EXPECT_EQ(std::get<0>(s.target.dev.writes[0]), 8u);
  EXPECT_EQ(std::get<1>(s.target.dev.writes[0]), 0x12345678u);
  EXPECT_EQ(std::get<2>(s.target.dev.writes[0]), 4u);
  EXPECT_EQ(s.target.now(), 0u);  // debugger accesses take no virtual time
}

TEST(GdbStub, BreakpointStopsAndStepAdvances) {
  Session s;
  EXPECT_EQ(s.ask("Z0,108,2"), "OK");
  EXPECT_EQ(s.ask("c"), "<none>");  // the reply comes when the target stops
  EXPECT_EQ(s.stub.state(), GdbStub::State::running);
  EXPECT_EQ(s.run_to_stop(), "T05");
  EXPECT_EQ(s.target.cpu.regs[15], 0x108u);
  EXPECT_EQ(s.target.now(), 4u);  // four 1-cycle instructions: 0x100..0x106
  EXPECT_EQ(s.ask("s"), "T05");   // resumes from the breakpoint address
  EXPECT_EQ(s.target.cpu.regs[15], 0x10au);
  EXPECT_EQ(s.target.now(), 5u);  // exactly the stepped instruction's cycle
  EXPECT_EQ(s.ask("vCont;s:1"), "T05");
  EXPECT_EQ(s.target.cpu.regs[15], 0x10cu);
  EXPECT_EQ(s.ask("z0,108,2"), "OK");
  EXPECT_EQ(s.ask("z0,108,2"), "E22");  // not there any more
  EXPECT_EQ(s.ask("s200"), "T05");      // step from an explicit address
  EXPECT_EQ(s.target.cpu.regs[15], 0x202u);
}

TEST(GdbStub, WatchpointReportsTheAddress) {
  Session s;
  EXPECT_EQ(s.ask("Z2,20000100,4"), "OK");
  s.ask("vCont;c");
  EXPECT_EQ(s.run_to_stop(), "T05watch:20000100;");
  EXPECT_EQ(s.target.cpu.retired, 10u);
  EXPECT_EQ(s.ask("z2,20000100,4"), "OK");
  EXPECT_EQ(s.ask("Z4,20000100,4"), "OK");
  s.ask("c");
  EXPECT_EQ(s.run_to_stop(), "T05awatch:20000100;");
  EXPECT_EQ(s.ask("Z2,20000100,0"), "E22");
}

TEST(GdbStub, InterruptStopsARunningTarget) {
  Session s;
  s.ask("c");
  s.send_raw("\x03");
  EXPECT_TRUE(s.stub.interrupt_requested());
  EXPECT_EQ(s.run_to_stop(), "T02");
  EXPECT_EQ(s.ask("?"), "T02");
  // 0x03 while halted means nothing.
  s.send_raw("\x03");
  EXPECT_FALSE(s.stub.interrupt_requested());
}

TEST(GdbStub, ExitEndsTheSessionWithW) {
  Session s;
  s.target.cpu.exit_at = 7;
  s.ask("c");
  EXPECT_EQ(s.run_to_stop(), "W03");
  EXPECT_EQ(s.stub.state(), GdbStub::State::killed);
}

TEST(GdbStub, VContQueryAndActions) {
  Session s;
  EXPECT_EQ(s.ask("vCont?"), "vCont;c;C;s;S");
  EXPECT_EQ(s.ask("vCont;t"), "E22");
  EXPECT_EQ(s.ask("vCont;x:1"), "E22");
  EXPECT_EQ(s.ask("vCont;s:2;c"), "<none>");  // thread 2 does not exist: `c` for all applies
  EXPECT_EQ(s.stub.state(), GdbStub::State::running);
}

TEST(GdbStub, ThreadQueries) {
  Session s;
  EXPECT_EQ(s.ask("qfThreadInfo"), "m1");
  EXPECT_EQ(s.ask("qsThreadInfo"), "l");
  EXPECT_EQ(s.ask("qC"), "QC1");
  EXPECT_EQ(s.ask("qAttached"), "1");
  EXPECT_EQ(s.ask("Hg0"), "OK");
  EXPECT_EQ(s.ask("T1"), "OK");
}

TEST(GdbStub, MonitorCommands) {
  Session s;
  std::string out;
  ASSERT_TRUE(from_hex(s.ask("qRcmd," + to_hex("help")), &out));
  EXPECT_NE(out.find("cycles"), std::string::npos);
  s.ask("s");
  s.ask("s");
  ASSERT_TRUE(from_hex(s.ask("qRcmd," + to_hex("cycles")), &out));
  EXPECT_EQ(out, "cycles: 2 (0.002 ms virtual), instructions: 2\n");
  ASSERT_TRUE(from_hex(s.ask("qRcmd," + to_hex("reset")), &out));
  EXPECT_EQ(s.target.resets, 1);
  EXPECT_EQ(s.target.cpu.regs[15], gdbtest::kResetPc);
  ASSERT_TRUE(from_hex(s.ask("qRcmd," + to_hex("regs fake")), &out));
  EXPECT_EQ(out, "device fake\n");
  ASSERT_TRUE(from_hex(s.ask("qRcmd," + to_hex("frobnicate")), &out));
  EXPECT_NE(out.find("unknown monitor command"), std::string::npos);
  EXPECT_EQ(s.ask("qRcmd,zz"), "E22");
}

TEST(GdbStub, EndingASessionRemovesItsPoints) {
  Session s;
  s.ask("Z0,200,2");
  s.ask("Z3,20000000,8");
  s.stub.end_session();
  EXPECT_TRUE(s.target.cpu.breakpoints.empty());
  EXPECT_TRUE(s.target.cpu.watchpoints.empty());
}

TEST(GdbStub, KillAndDetach) {
  Session s;
  EXPECT_EQ(s.ask("k"), "<none>");
  EXPECT_EQ(s.stub.state(), GdbStub::State::killed);
  Session d;
  EXPECT_EQ(d.ask("D"), "OK");
  EXPECT_EQ(d.stub.state(), GdbStub::State::detached);
}

// ---- the TCP server ----

int connect_to(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) < 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

void send_all(int fd, const std::string& s) { ASSERT_EQ(::send(fd, s.data(), s.size(), MSG_NOSIGNAL), static_cast<ssize_t>(s.size())); }

// Reads until a complete reply packet arrived (generous timeout: loaded CI machines).
std::string read_reply(int fd) {
  PacketDecoder d;
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 20000) <= 0) return "<timeout>";
    char c;
    if (::recv(fd, &c, 1, 0) != 1) return "<closed>";
    if (d.feed(static_cast<std::uint8_t>(c)) == PacketDecoder::Event::packet) return d.payload();
  }
}

// True if the peer closed the connection without sending anything.
bool closed_silently(int fd) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, 20000) <= 0) return false;
  char c;
  return ::recv(fd, &c, 1, 0) == 0;
}

// Connects once the server has noticed that the previous client left: until then a new
// connection is a second client and is refused (closed with nothing sent), so retry.
int reconnect(std::uint16_t port) {
  for (int i = 0; i < 500; ++i) {
    int fd = connect_to(port);
    if (fd >= 0) {
      send_all(fd, frame("?"));
      std::string r = read_reply(fd);
      if (r == "S05" || r == "T05") return fd;
      ::close(fd);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return -1;
}

// Runs serve() on a thread; always ends it, so a failing test cannot hang.
struct ServeThread {
  GdbServer& server;
  RunResult result;
  std::atomic<bool> done{false};
  std::thread t;
  ServeThread(GdbServer& s, RunTarget& target)
      : server(s), t([this, &target] {
          result = server.serve(target, true);
          done = true;
        }) {}
  // Waits up to `limit` for serve() to return.
  bool wait_done(std::chrono::milliseconds limit) {
    auto end = std::chrono::steady_clock::now() + limit;
    while (!done && std::chrono::steady_clock::now() < end) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    return done;
  }
  void join() {
    if (t.joinable()) t.join();
  }
  ~ServeThread() {
    server.request_stop();
    join();
  }
};

TEST(GdbServer, ParsesEndpoints) {
  EXPECT_EQ(parse_endpoint("1234").port, 1234);
  EXPECT_EQ(parse_endpoint("1234").host, "127.0.0.1");
  EXPECT_EQ(parse_endpoint("0.0.0.0:99").host, "0.0.0.0");
  EXPECT_EQ(parse_endpoint(":99").host, "127.0.0.1");
  EXPECT_THROW(parse_endpoint("99999"), GdbError);
  EXPECT_THROW(parse_endpoint("abc"), GdbError);
  EXPECT_THROW(parse_endpoint("host:"), GdbError);
  EXPECT_THROW(parse_endpoint(""), GdbError);
}

TEST(GdbServer, PortInUseIsAClearError) {
  GdbServer first(Endpoint{"127.0.0.1", 0});
  try {
    GdbServer second(Endpoint{"127.0.0.1", first.port()});
    FAIL() << "second bind succeeded";
  } catch (const GdbError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot listen"), std::string::npos) << e.what();
  }
}

TEST(GdbServer, SecondClientIsRefusedFirstUnaffectedAndReconnectWorks) {
  FakeTarget target;
  GdbServer server(Endpoint{"127.0.0.1", 0});
  ServeThread serving(server, target);

  int a = connect_to(server.port());
  ASSERT_GE(a, 0);
  send_all(a, frame("?"));
  EXPECT_EQ(read_reply(a), "S05");
  int b = connect_to(server.port());
  ASSERT_GE(b, 0);
  EXPECT_TRUE(closed_silently(b));
  ::close(b);
  send_all(a, frame("m20000000,4"));
  EXPECT_EQ(read_reply(a), "00000000");

  // Disconnect in the middle of a packet, with a breakpoint inserted: the target halts, the
  // breakpoint goes, and a new client is served.
  send_all(a, frame("Z0,300,2"));
  EXPECT_EQ(read_reply(a), "OK");
  send_all(a, "$m2000");
  ::close(a);
  int c = reconnect(server.port());
  ASSERT_GE(c, 0);
  send_all(c, frame("qC"));
  EXPECT_EQ(read_reply(c), "QC1");
  EXPECT_TRUE(target.cpu.breakpoints.empty());
  Cycles halted_at = target.now();
  EXPECT_EQ(halted_at, 0u);  // --gdb-wait and halted sessions: time stood still

  // Continue to a breakpoint, then interrupt a free run with 0x03.
  send_all(c, frame("Z0,120,2"));
  EXPECT_EQ(read_reply(c), "OK");
  send_all(c, frame("c"));
  EXPECT_EQ(read_reply(c), "T05");
  send_all(c, frame("z0,120,2"));
  EXPECT_EQ(read_reply(c), "OK");
  send_all(c, frame("c"));
  send_all(c, "\x03");
  EXPECT_EQ(read_reply(c), "T02");
  send_all(c, frame("k"));
  serving.join();
  EXPECT_EQ(serving.result.reason, StopReason::host_quit);
  ::close(c);
}

TEST(GdbServer, DisconnectWhileRunningHaltsTheTarget) {
  FakeTarget target;
  GdbServer server(Endpoint{"127.0.0.1", 0});
  ServeThread serving(server, target);
  int a = connect_to(server.port());
  ASSERT_GE(a, 0);
  send_all(a, frame("c"));
  // Wait until it really runs, then vanish.
  for (int i = 0; i < 2000 && target.now() == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  ::close(a);
  int c = reconnect(server.port());  // answered `?` with S05: the target is halted
  ASSERT_GE(c, 0);
  Cycles t1 = target.now();
  send_all(c, frame("qC"));
  EXPECT_EQ(read_reply(c), "QC1");
  EXPECT_EQ(target.now(), t1);  // halted: virtual time stands still
  send_all(c, frame("vKill;1"));
  EXPECT_EQ(read_reply(c), "OK");
  serving.join();
  EXPECT_EQ(serving.result.reason, StopReason::host_quit);
  ::close(c);
}

TEST(GdbServer, GuestExitEndsTheServeWithW) {
  FakeTarget target;
  target.cpu.exit_at = 100000;
  GdbServer server(Endpoint{"127.0.0.1", 0});
  server.set_slice(1000);
  ServeThread serving(server, target);
  int a = connect_to(server.port());
  ASSERT_GE(a, 0);
  send_all(a, frame("c"));
  EXPECT_EQ(read_reply(a), "W03");
  serving.join();
  EXPECT_EQ(serving.result.reason, StopReason::exit);
  EXPECT_EQ(serving.result.exit_code, 3);
  EXPECT_EQ(target.cpu.retired, 100000u);
  ::close(a);
}

TEST(GdbServer, GuestExitDuringAStepEndsTheServeWithTheGuestsStatus) {
  FakeTarget target;
  target.cpu.exit_at = 2;
  GdbServer server(Endpoint{"127.0.0.1", 0});
  ServeThread serving(server, target);
  int a = connect_to(server.port());
  ASSERT_GE(a, 0);
  send_all(a, frame("s"));
  EXPECT_EQ(read_reply(a), "T05");
  send_all(a, frame("s"));
  EXPECT_EQ(read_reply(a), "W03");
  serving.join();
  EXPECT_EQ(serving.result.reason, StopReason::exit);
  EXPECT_EQ(serving.result.exit_code, 3);
  ::close(a);
}

// ---- a client that misbehaves ----

// A client that sends requests and reads nothing: a small receive buffer so the kernel holds
// little on its side, and a non-blocking socket so the test never waits on it.
int connect_non_reading(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  int small = 4096;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) < 0) {
    ::close(fd);
    return -1;
  }
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

// Floods `fd` with memory reads, register reads and `-` (each asks for the last reply again)
// until the server closes the connection or `limit` passes. Returns true if it was closed.
bool flood_until_closed(int fd, std::chrono::milliseconds limit) {
  std::string burst = frame("m20000000,1000") + frame("g") + std::string(64, '-');
  while (burst.size() < 16384) burst += burst;
  auto end = std::chrono::steady_clock::now() + limit;
  std::size_t off = 0;
  while (std::chrono::steady_clock::now() < end) {
    ssize_t n = ::send(fd, burst.data() + off, burst.size() - off, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) off = (off + static_cast<std::size_t>(n)) % burst.size();
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return true;
    pollfd p{fd, POLLOUT, 0};
    ::poll(&p, 1, 10);
    if (p.revents & (POLLERR | POLLHUP)) return true;
  }
  return false;
}

std::size_t open_fds() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

std::size_t rss_kib() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stoul(line.substr(6));
  return 0;
}

TEST(GdbServerHostile, ClientThatFloodsAndNeverReadsIsDroppedAndTheNextIsServed) {
  FakeTarget target;
  GdbServer server(Endpoint{"127.0.0.1", 0});
  server.set_output_stall_limit(std::chrono::milliseconds(300));
  testing::internal::CaptureStderr();
  ServeThread serving(server, target);
  int a = connect_non_reading(server.port());
  ASSERT_GE(a, 0);
  auto t0 = std::chrono::steady_clock::now();
  bool dropped = flood_until_closed(a, std::chrono::seconds(20));
  auto took = std::chrono::steady_clock::now() - t0;
  ::close(a);  // (unblocks a server stuck in send(), should this test fail)
  EXPECT_TRUE(dropped) << "the server never let go of a client that does not read";
  EXPECT_LT(took, std::chrono::seconds(10));
  std::printf("non-reading client dropped after %lld ms\n",
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(took).count()));

  // The target halted and waits for the next debugger, which is served normally.
  int c = reconnect(server.port());
  ASSERT_GE(c, 0);
  send_all(c, frame("m20000000,4"));
  EXPECT_EQ(read_reply(c), "00000000");
  send_all(c, frame("k"));
  EXPECT_TRUE(serving.wait_done(std::chrono::seconds(5)));
  ::close(c);
  serving.join();
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("boardemu: gdb client has read none of"), std::string::npos) << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  EXPECT_EQ(target.now(), 0u);  // halted throughout: virtual time stood still
}

TEST(GdbServerHostile, QuitIsSeenPromptlyWhileAClientFloodsWithoutReading) {
  FakeTarget target;
  GdbServer server(Endpoint{"127.0.0.1", 0});  // the default stall limit: seconds
  ServeThread serving(server, target);
  int a = connect_non_reading(server.port());
  ASSERT_GE(a, 0);
  EXPECT_FALSE(flood_until_closed(a, std::chrono::milliseconds(1500)));  // buffers full by now
  auto t0 = std::chrono::steady_clock::now();
  server.request_stop();
  bool ended = serving.wait_done(std::chrono::seconds(2));
  auto took = std::chrono::steady_clock::now() - t0;
  ::close(a);
  EXPECT_TRUE(ended) << "serve() did not return while the client was not reading";
  EXPECT_LT(took, std::chrono::milliseconds(1000));
  serving.join();
  EXPECT_EQ(serving.result.reason, StopReason::host_quit);
}

TEST(GdbServerHostile, ClientsConnectingInALoopLeakNothingAndDoNotDisturbTheSession) {
  std::size_t fds_before = open_fds();
  {
    FakeTarget target;
    GdbServer server(Endpoint{"127.0.0.1", 0});
    ServeThread serving(server, target);
    // Connect and vanish, some in the middle of a packet, while nobody is attached.
    for (int i = 0; i < 200; ++i) {
      int fd = connect_to(server.port());
      ASSERT_GE(fd, 0);
      if (i % 2) ::send(fd, "$m2000", 6, MSG_NOSIGNAL);
      ::close(fd);
      // (Faster than the server accepts, the kernel's accept queue overflows and connect()
      // itself waits a second for a SYN retransmission: the test would only measure that.)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    int c = reconnect(server.port());
    ASSERT_GE(c, 0);
    // And while a debugger is attached: each is refused, the session goes on.
    for (int i = 0; i < 200; ++i) {
      int fd = connect_to(server.port());
      if (fd >= 0) ::close(fd);
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      if (i % 50 == 0) {
        send_all(c, frame("qC"));
        EXPECT_EQ(read_reply(c), "QC1");
      }
    }
    send_all(c, frame("m20000000,4"));
    EXPECT_EQ(read_reply(c), "00000000");
    send_all(c, frame("k"));
    EXPECT_TRUE(serving.wait_done(std::chrono::seconds(5)));
    ::close(c);
  }
  EXPECT_EQ(open_fds(), fds_before);
}

TEST(GdbServerHostile, PacketWithoutEndCostsNoMemoryAndIsRefused) {
  FakeTarget target;
  GdbServer server(Endpoint{"127.0.0.1", 0});
  ServeThread serving(server, target);
  int c = connect_to(server.port());
  ASSERT_GE(c, 0);
  std::size_t rss0 = rss_kib();
  std::string junk(1 << 20, 'a');
  send_all(c, "$");
  for (int i = 0; i < 32; ++i) send_all(c, junk);  // 32 MiB of one packet
  std::size_t rss1 = rss_kib();
  send_all(c, "#00");
  EXPECT_EQ(read_reply(c), "E22");
  EXPECT_LT(rss1, rss0 + 8 * 1024) << "KiB before " << rss0 << ", after " << rss1;
  send_all(c, frame("?"));
  EXPECT_EQ(read_reply(c), "S05");
  send_all(c, frame("k"));
  EXPECT_TRUE(serving.wait_done(std::chrono::seconds(5)));
  ::close(c);
}

extern "C" void ignore_signal(int) {}

TEST(GdbServerHostile, SignalsInterruptingSystemCallsDisturbNothing) {
  struct sigaction sa {}, old {};
  sa.sa_handler = ignore_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: poll, recv, send and accept see EINTR
  ASSERT_EQ(sigaction(SIGUSR1, &sa, &old), 0);
  {
    FakeTarget target;
    GdbServer server(Endpoint{"127.0.0.1", 0});
    ServeThread serving(server, target);
    std::atomic<bool> stop{false};
    std::thread pester([&] {
      while (!stop) {
        pthread_kill(serving.t.native_handle(), SIGUSR1);
        std::this_thread::sleep_for(std::chrono::microseconds(200));
      }
    });
    int c = reconnect(server.port());
    ASSERT_GE(c, 0);
    for (int i = 0; i < 300; ++i) {
      send_all(c, frame("m20000000,4"));
      ASSERT_EQ(read_reply(c), "00000000") << i;
    }
    send_all(c, frame("c"));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    send_all(c, "\x03");
    EXPECT_EQ(read_reply(c), "T02");
    send_all(c, frame("k"));
    EXPECT_TRUE(serving.wait_done(std::chrono::seconds(5)));
    stop = true;
    pester.join();
    ::close(c);
  }
  sigaction(SIGUSR1, &old, nullptr);
}

TEST(GdbServer, WarnsOnStderrOnlyWhenReachableFromOtherHosts) {
  testing::internal::CaptureStdout();
  testing::internal::CaptureStderr();
  GdbServer local(Endpoint{"127.0.0.1", 0});
  std::string quiet = testing::internal::GetCapturedStderr();
  testing::internal::CaptureStderr();
  GdbServer any(Endpoint{"0.0.0.0", 0});
  std::string warned = testing::internal::GetCapturedStderr();
  EXPECT_EQ(testing::internal::GetCapturedStdout(), "");
  EXPECT_EQ(quiet, "");
  EXPECT_EQ(warned, "boardemu: warning: gdb stub listening on 0.0.0.0:" + std::to_string(any.port()) +
                        " is reachable from other hosts and has no authentication\n");
}

}  // namespace
}  // namespace boardemu::gdb
