// Host serial backends (core/chardev.hpp, hostio/): spec parsing, the pty and TCP backends
// against real file descriptors, piped stdio, the Ctrl-A escape, and the test buffer backend.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <functional>
#include <memory>
#include <regex>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "core/chardev.hpp"
#include "hostio/buffer_chardev.hpp"
#include "hostio/host_chardevs.hpp"

namespace boardemu {
namespace {

using hostio::ByteQueue;
using hostio::ConsoleEscape;

// Polls `backend` until it has at least `n` bytes queued or a second has passed, then takes
// what is there.
std::string collect(CharBackend& backend, std::size_t n, const std::function<void()>& pump = {}) {
  std::string got;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (got.size() < n && std::chrono::steady_clock::now() < deadline) {
    if (pump) pump();
    backend.poll();
    while (backend.readable()) got += static_cast<char>(backend.read_byte());
    if (got.size() < n) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return got;
}

// Reads from a non-blocking fd until `n` bytes came or a second passed.
std::string read_fd(int fd, std::size_t n) {
  std::string got;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (got.size() < n && std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    ::poll(&p, 1, 20);
    char buf[4096];
    ssize_t r = ::read(fd, buf, sizeof buf);
    if (r > 0) got.append(buf, static_cast<std::size_t>(r));
  }
  return got;
}

void write_str(CharBackend& b, const std::string& s) {
  b.write(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}

void expect_one_line_error(const std::string& spec) {
  try {
    make_char_backend(spec);
    ADD_FAILURE() << "no error for '" << spec << "'";
  } catch (const ChardevError& e) {
    std::string what = e.what();
    EXPECT_FALSE(what.empty()) << spec;
    EXPECT_EQ(what.find('\n'), std::string::npos) << spec << ": " << what;
  }
}

TEST(ChardevSpec, BadSpecsThrowOneLineErrors) {
  for (const char* spec : {"tcp:abc", "tcp:", "tcp", "tcp:70000", "tcp:-1", "tcp:12ab",
                           "serial:", "serial", "serial::9600", "serial:/dev/ttyS0:",
                           "bogus", "", "PTY", "file:/tmp/x"})
    expect_one_line_error(spec);
}

TEST(ChardevSpec, UnknownKindNamesTheChoices) {
  try {
    make_char_backend("telnet:23");
    FAIL();
  } catch (const ChardevError& e) {
    EXPECT_NE(std::string(e.what()).find("telnet:23"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("pty"), std::string::npos);
  }
}

TEST(ChardevSpec, SerialSpecParsing) {
  auto a = hostio::parse_serial_spec("serial:/dev/ttyUSB0");
  EXPECT_EQ(a.device, "/dev/ttyUSB0");
  EXPECT_EQ(a.baud, 115200u);
  auto b = hostio::parse_serial_spec("serial:/dev/ttyUSB0:9600");
  EXPECT_EQ(b.device, "/dev/ttyUSB0");
  EXPECT_EQ(b.baud, 9600u);
  auto c =
      hostio::parse_serial_spec("serial:/dev/serial/by-path/pci-0000:00:14.0-usb-0:2:1.0-port0");
  EXPECT_EQ(c.device, "/dev/serial/by-path/pci-0000:00:14.0-usb-0:2:1.0-port0");
  EXPECT_EQ(c.baud, 115200u);
  EXPECT_THROW(hostio::parse_serial_spec("serial:/dev/ttyUSB0:0"), ChardevError);
  EXPECT_THROW(hostio::parse_serial_spec("serial:/dev/ttyUSB0:49"), ChardevError);
  EXPECT_THROW(hostio::parse_serial_spec("serial:/dev/ttyUSB0:4000001"), ChardevError);
  EXPECT_EQ(hostio::parse_serial_spec("serial:/dev/ttyUSB0:4000000").baud, 4000000u);
}

TEST(ChardevSpec, TcpSpecTakesAnOptionalHost) {
  auto a = hostio::parse_tcp_spec("tcp:4555");
  EXPECT_EQ(a.host, "127.0.0.1");
  EXPECT_EQ(a.port, 4555);
  EXPECT_EQ(hostio::parse_tcp_spec("tcp:0").port, 0);
  auto b = hostio::parse_tcp_spec("tcp:0.0.0.0:23");
  EXPECT_EQ(b.host, "0.0.0.0");
  EXPECT_EQ(b.port, 23);
  EXPECT_EQ(hostio::parse_tcp_spec("tcp:localhost:0").host, "localhost");
  for (const char* bad : {"tcp::5", "tcp:host:", "tcp:host:x", "tcp:1.2.3.4:70000", "tcp:"})
    EXPECT_THROW(hostio::parse_tcp_spec(bad), ChardevError) << bad;
}

TEST(ChardevSpec, MissingSerialDeviceIsAnError) {
  expect_one_line_error("serial:/dev/boardemu-no-such-port");
}

TEST(ChardevNull, NoInputOutputDiscarded) {
  auto b = make_char_backend("null");
  b->poll();
  EXPECT_FALSE(b->readable());
  EXPECT_FALSE(b->closed());
  write_str(*b, "into the void");
}

TEST(ChardevBuffer, QueuesInputAndCollectsOutput) {
  BufferCharBackend b;
  b.push_input("ab");
  ASSERT_TRUE(b.readable());
  EXPECT_EQ(b.read_byte(), 'a');
  write_str(b, "xyz");
  EXPECT_EQ(b.output(), "xyz");
  EXPECT_EQ(b.take_output(), "xyz");
  EXPECT_EQ(b.output(), "");
  b.set_eof(true);
  EXPECT_FALSE(b.closed());  // 'b' still waiting
  EXPECT_EQ(b.read_byte(), 'b');
  EXPECT_TRUE(b.closed());
}

TEST(ChardevByteQueue, LongStreamsStayInOrder) {
  ByteQueue q;
  std::uint32_t in = 0, out = 0;
  for (int round = 0; round < 50; ++round) {
    for (int i = 0; i < 3000; ++i) q.push(static_cast<std::uint8_t>(in++));
    for (int i = 0; i < 2000; ++i) ASSERT_EQ(q.pop(), static_cast<std::uint8_t>(out++));
  }
  while (!q.empty()) ASSERT_EQ(q.pop(), static_cast<std::uint8_t>(out++));
  EXPECT_EQ(in, out);
}

TEST(ChardevEscape, CtrlAxQuitsAndCtrlACtrlASendsCtrlA) {
  ConsoleEscape esc;
  ByteQueue out;
  auto feed = [&](const std::string& s) {
    ConsoleEscape::Action last = ConsoleEscape::Action::none;
    for (char c : s) {
      auto a = esc.feed(static_cast<std::uint8_t>(c), out);
      if (a != ConsoleEscape::Action::none) last = a;
    }
    return last;
  };
  auto drain = [&] {
    std::string s;
    while (!out.empty()) s += static_cast<char>(out.pop());
    return s;
  };
  EXPECT_EQ(feed("ab"), ConsoleEscape::Action::none);
  EXPECT_EQ(drain(), "ab");
  EXPECT_EQ(feed("\x01\x01"), ConsoleEscape::Action::none);
  EXPECT_EQ(drain(), "\x01");
  EXPECT_EQ(feed("\x01" "c"), ConsoleEscape::Action::none);
  EXPECT_EQ(drain(), "\x01" "c");
  EXPECT_EQ(feed("\x01"), ConsoleEscape::Action::none);  // escape pending across reads
  EXPECT_EQ(drain(), "");
  EXPECT_EQ(feed("h"), ConsoleEscape::Action::help);
  EXPECT_EQ(feed("z\x01x"), ConsoleEscape::Action::quit);
  EXPECT_EQ(drain(), "z");
}

TEST(ChardevPty, AnnouncesSlaveLikeQemuAndCarriesBytesBothWays) {
  testing::internal::CaptureStdout();
  std::unique_ptr<CharBackend> b = make_char_backend("pty");
  std::string announced = testing::internal::GetCapturedStdout();
  // Exactly one line, which pyboard.py's execpty: searches with this pattern.
  ASSERT_FALSE(announced.empty());
  EXPECT_EQ(announced.find('\n'), announced.size() - 1) << announced;
  EXPECT_EQ(announced.rfind("char device redirected to ", 0), 0u) << announced;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(announced, m, std::regex("/dev/pts/[0-9]+"))) << announced;
  std::string slave = m.str();
  auto* pty = dynamic_cast<hostio::PtyCharBackend*>(b.get());
  ASSERT_NE(pty, nullptr);
  EXPECT_EQ(pty->slave_name(), slave);

  // Nobody has the slave open: output goes nowhere and does not block.
  b->poll();
  EXPECT_FALSE(pty->connected());
  std::string big(2 << 20, 'z');
  auto t0 = std::chrono::steady_clock::now();
  write_str(*b, big);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(500));

  int fd = ::open(slave.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK);
  ASSERT_GE(fd, 0) << std::strerror(errno);
  // Raw mode on the slave side: no echo, no line editing, CR passed unchanged.
  termios tio{};
  ASSERT_EQ(tcgetattr(fd, &tio), 0);
  EXPECT_EQ(tio.c_lflag & (ECHO | ICANON), 0u);

  ASSERT_EQ(::write(fd, "hello\r\x03", 7), 7);
  EXPECT_EQ(collect(*b, 7), "hello\r\x03");
  EXPECT_TRUE(pty->connected());

  write_str(*b, "world\n");
  // What was written while nobody listened must not show up now.
  EXPECT_EQ(read_fd(fd, 6), "world\n");

  ::close(fd);
  b->poll();
  EXPECT_FALSE(pty->connected());
  write_str(*b, "dropped");
  fd = ::open(slave.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK);
  ASSERT_GE(fd, 0);
  write_str(*b, "fresh");
  EXPECT_EQ(read_fd(fd, 5), "fresh");
  ::close(fd);
}

TEST(ChardevPty, LargeInputArrivesInFull) {
  testing::internal::CaptureStdout();
  auto b = make_char_backend("pty");
  testing::internal::GetCapturedStdout();
  auto* pty = dynamic_cast<hostio::PtyCharBackend*>(b.get());
  ASSERT_NE(pty, nullptr);
  int fd = ::open(pty->slave_name().c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK);
  ASSERT_GE(fd, 0);
  std::string data(64 * 1024, '\0');
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>('a' + i % 26);
  std::size_t sent = 0;
  // The kernel's pty buffer is small: feed it while the backend drains it.
  std::string got = collect(*b, data.size(), [&] {
    while (sent < data.size()) {
      ssize_t n = ::write(fd, data.data() + sent, data.size() - sent);
      if (n <= 0) break;
      sent += static_cast<std::size_t>(n);
    }
  });
  ::close(fd);
  EXPECT_EQ(got.size(), data.size());
  EXPECT_TRUE(got == data);
}

int connect_loopback(std::uint16_t port) {
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(s);
    return -1;
  }
  fcntl(s, F_SETFL, fcntl(s, F_GETFL) | O_NONBLOCK);
  return s;
}

TEST(ChardevTcp, OneClientAtATimeOnLoopback) {
  testing::internal::CaptureStderr();
  auto b = make_char_backend("tcp:0");
  auto* tcp = dynamic_cast<hostio::TcpCharBackend*>(b.get());
  ASSERT_NE(tcp, nullptr);
  ASSERT_NE(tcp->port(), 0);
  write_str(*b, "nobody hears this");  // no client: discarded

  int c = connect_loopback(tcp->port());
  ASSERT_GE(c, 0);
  for (int i = 0; i < 1000 && !tcp->connected(); ++i) {
    b->poll();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_TRUE(tcp->connected());
  ASSERT_EQ(::send(c, "ping", 4, 0), 4);
  EXPECT_EQ(collect(*b, 4), "ping");
  write_str(*b, "pong");
  EXPECT_EQ(read_fd(c, 4), "pong");

  ::close(c);
  for (int i = 0; i < 1000 && tcp->connected(); ++i) {
    b->poll();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_FALSE(tcp->connected());
  write_str(*b, "lost");
  int c2 = connect_loopback(tcp->port());
  ASSERT_GE(c2, 0);
  for (int i = 0; i < 1000 && !tcp->connected(); ++i) {
    b->poll();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_TRUE(tcp->connected());
  write_str(*b, "again");
  EXPECT_EQ(read_fd(c2, 5), "again");
  ::close(c2);
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("127.0.0.1:" + std::to_string(tcp->port())), std::string::npos) << err;

  // The port is taken now: a second listener on it is a clear error.
  testing::internal::CaptureStderr();
  EXPECT_THROW(make_char_backend("tcp:" + std::to_string(tcp->port())), ChardevError);
  testing::internal::GetCapturedStderr();
}

TEST(ChardevStdio, PipedStdinIsReadWithoutBlockingAndEofCloses) {
  int saved_stdin = ::dup(STDIN_FILENO);
  ASSERT_GE(saved_stdin, 0);
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  ASSERT_EQ(::dup2(p[0], STDIN_FILENO), STDIN_FILENO);
  ::close(p[0]);
  {
    auto b = make_char_backend("stdio");
    b->poll();  // empty pipe, writer still open: returns at once with nothing
    EXPECT_FALSE(b->readable());
    EXPECT_FALSE(b->closed());
    ASSERT_EQ(::write(p[1], "abc\x01x", 5), 5);  // no escape handling on a pipe
    ::close(p[1]);
    EXPECT_EQ(collect(*b, 5), "abc\x01x");
    b->poll();
    EXPECT_TRUE(b->closed());
    EXPECT_FALSE(host_quit_requested());

    testing::internal::CaptureStdout();
    write_str(*b, "guest says hi");
    EXPECT_EQ(testing::internal::GetCapturedStdout(), "guest says hi");
  }
  // The backend put stdin's flags back.
  EXPECT_EQ(fcntl(STDIN_FILENO, F_GETFL) & O_NONBLOCK, 0);
  ::dup2(saved_stdin, STDIN_FILENO);
  ::close(saved_stdin);
}

// ---- a peer that misbehaves ----

std::string error_of(const std::string& spec) {
  try {
    make_char_backend(spec);
  } catch (const ChardevError& e) {
    return e.what();
  }
  return "<no error>";
}

TEST(ChardevSerial, ErrorsSayWhatIsWrongWithTheDevice) {
  auto expect_error = [](const std::string& spec, const std::string& says) {
    std::string e = error_of(spec);
    EXPECT_NE(e.find(says), std::string::npos) << spec << ": " << e;
    EXPECT_EQ(e.find("Success"), std::string::npos) << spec << ": " << e;
    EXPECT_EQ(e.find('\n'), std::string::npos) << spec << ": " << e;
    EXPECT_NE(e.find("serial"), std::string::npos) << e;  // names the backend it is about
  };
  expect_error("serial:/etc/passwd:9600", "not a serial port (a regular file)");
  expect_error("serial:/etc/passwd", "not a serial port (a regular file)");
  expect_error("serial:/tmp", "not a serial port (a directory)");
  expect_error("serial:/dev/null", "not a serial port (a character device that is not a terminal)");
  expect_error("serial:/dev/boardemu-no-such-port", "no such device");
  expect_error("serial:/dev/null:fast", "bad baud rate 'fast'");
  expect_error("serial:/dev/null:0", "bad baud rate '0'");
  expect_error("serial:/dev/null:99999999", "bad baud rate '99999999'");

  // A pseudo-terminal is a terminal, but not one libserialport opens: say so.
  int master = posix_openpt(O_RDWR | O_NOCTTY);
  ASSERT_GE(master, 0);
  ASSERT_EQ(grantpt(master), 0);
  ASSERT_EQ(unlockpt(master), 0);
  std::string slave = ptsname(master);
  expect_error("serial:" + slave, "pseudo-terminal");
  ::close(master);
}

TEST(ChardevSerial, DeviceProblemNamesTheKindOfFile) {
  EXPECT_EQ(hostio::serial_device_problem("/etc/passwd"), "not a serial port (a regular file)");
  EXPECT_EQ(hostio::serial_device_problem("/dev/boardemu-no-such-port"), "no such device");
  EXPECT_NE(hostio::serial_device_problem("/dev/zero").find("not a terminal"), std::string::npos);
}

TEST(ChardevTcp, ListensOnLoopbackSilentlyAndWarnsForOtherAddresses) {
  testing::internal::CaptureStdout();
  testing::internal::CaptureStderr();
  auto local = make_char_backend("tcp:0");
  auto any = make_char_backend("tcp:0.0.0.0:0");
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(testing::internal::GetCapturedStdout(), "");  // stdout may carry the pty's name
  auto* l = dynamic_cast<hostio::TcpCharBackend*>(local.get());
  auto* a = dynamic_cast<hostio::TcpCharBackend*>(any.get());
  ASSERT_TRUE(l && a);
  std::string warning = "boardemu: warning: serial line (tcp) listening on 0.0.0.0:" +
                        std::to_string(a->port()) +
                        " is reachable from other hosts and has no authentication\n";
  EXPECT_NE(err.find(warning), std::string::npos) << err;
  // Exactly one warning: none for the loopback listener.
  EXPECT_EQ(err.find("warning"), err.rfind("warning")) << err;
  EXPECT_NE(err.find("127.0.0.1:" + std::to_string(l->port())), std::string::npos) << err;

  // The explicit address really is used: the wildcard listener takes loopback connections too.
  int c = connect_loopback(a->port());
  ASSERT_GE(c, 0);
  ::close(c);
}

// Feeds `total` bytes of a counting pattern through a backend whose host side `send` writes
// without blocking (returns the bytes it took). First the guest reads nothing: the backend must
// stop at kMaxPendingInput, with the sender held back. Then the guest reads everything: every
// byte must arrive, in order, and the backlog never exceeds the bound.
void expect_backpressure(CharBackend& b, const std::function<std::size_t(const char*, std::size_t)>& send,
                         std::size_t total) {
  auto* q = dynamic_cast<hostio::QueuedCharBackend*>(&b);
  ASSERT_NE(q, nullptr);
  std::string data(total, '\0');
  for (std::size_t i = 0; i < total; ++i) data[i] = static_cast<char>((i * 7 + i / 251) & 0xFF);
  std::size_t sent = 0;
  auto pump = [&] {
    while (sent < total) {
      std::size_t n = send(data.data() + sent, std::min<std::size_t>(total - sent, 65536));
      if (n == 0) break;
      sent += n;
    }
  };
  // Phase 1: the guest reads nothing. Fill until the host side is held back.
  std::size_t stuck_rounds = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (stuck_rounds < 50 && std::chrono::steady_clock::now() < deadline) {
    std::size_t before = sent;
    pump();
    b.poll();
    ASSERT_LE(q->input_pending(), hostio::kMaxPendingInput);
    stuck_rounds = (sent == before && q->input_pending() == hostio::kMaxPendingInput) ? stuck_rounds + 1 : 0;
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  EXPECT_EQ(q->input_pending(), hostio::kMaxPendingInput) << "the backend did not fill to its bound";
  EXPECT_LT(sent, total) << "the sender was never held back";

  // Phase 2: the guest reads; the rest flows in, in order.
  std::string got;
  deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (got.size() < total && std::chrono::steady_clock::now() < deadline) {
    pump();
    b.poll();
    ASSERT_LE(q->input_pending(), hostio::kMaxPendingInput);
    for (int i = 0; i < 3000 && b.readable(); ++i) got += static_cast<char>(b.read_byte());
  }
  ASSERT_EQ(got.size(), total);
  EXPECT_TRUE(got == data) << "bytes lost or reordered";
}

TEST(ChardevBackpressure, TcpStopsReadingAboveTheBoundAndLosesNothing) {
  testing::internal::CaptureStderr();
  auto b = make_char_backend("tcp:0");
  auto* tcp = dynamic_cast<hostio::TcpCharBackend*>(b.get());
  ASSERT_NE(tcp, nullptr);
  int c = connect_loopback(tcp->port());
  ASSERT_GE(c, 0);
  for (int i = 0; i < 1000 && !tcp->connected(); ++i) {
    b->poll();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_TRUE(tcp->connected());
  expect_backpressure(*b, [&](const char* d, std::size_t n) -> std::size_t {
    ssize_t r = ::send(c, d, n, MSG_NOSIGNAL | MSG_DONTWAIT);
    return r > 0 ? static_cast<std::size_t>(r) : 0;
  }, 24u << 20);  // more than loopback TCP buffers hold
  ::close(c);
  testing::internal::GetCapturedStderr();
}

TEST(ChardevBackpressure, PtyStopsReadingAboveTheBoundAndLosesNothing) {
  testing::internal::CaptureStdout();
  auto b = make_char_backend("pty");
  testing::internal::GetCapturedStdout();
  auto* pty = dynamic_cast<hostio::PtyCharBackend*>(b.get());
  ASSERT_NE(pty, nullptr);
  int fd = ::open(pty->slave_name().c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK);
  ASSERT_GE(fd, 0);
  expect_backpressure(*b, [&](const char* d, std::size_t n) -> std::size_t {
    ssize_t r = ::write(fd, d, n);
    return r > 0 ? static_cast<std::size_t>(r) : 0;
  }, 1u << 20);
  ::close(fd);
}

TEST(ChardevBackpressure, PipedStdinStopsReadingAboveTheBoundAndLosesNothing) {
  int saved_stdin = ::dup(STDIN_FILENO);
  ASSERT_GE(saved_stdin, 0);
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  ASSERT_EQ(::dup2(p[0], STDIN_FILENO), STDIN_FILENO);
  ::close(p[0]);
  fcntl(p[1], F_SETFL, O_NONBLOCK);
  {
    auto b = make_char_backend("stdio");
    expect_backpressure(*b, [&](const char* d, std::size_t n) -> std::size_t {
      ssize_t r = ::write(p[1], d, n);
      return r > 0 ? static_cast<std::size_t>(r) : 0;
    }, 1u << 20);
  }
  ::close(p[1]);
  ::dup2(saved_stdin, STDIN_FILENO);
  ::close(saved_stdin);
}

// A quit request (SIGTERM, SIGINT, Ctrl-A x) must end any wait for a client that does not read.
// The request is process-wide and final, so each case runs in a child process.
class ChardevQuitDeathTest : public testing::Test {
 protected:
  void SetUp() override { GTEST_FLAG_SET(death_test_style, "threadsafe"); }
};

TEST_F(ChardevQuitDeathTest, TcpOutputWaitEndsAtOnceOnQuit) {
  EXPECT_EXIT(
      {
        alarm(20);  // a hang fails the test instead of stalling the run
        ::dup2(::open("/dev/null", O_WRONLY), STDERR_FILENO);  // the notes are not what is tested
        auto b = make_char_backend("tcp:0");
        auto* tcp = dynamic_cast<hostio::TcpCharBackend*>(b.get());
        int c = connect_loopback(tcp->port());
        while (!tcp->connected()) b->poll();
        set_host_quit_requested();
        // A client that reads nothing: far more output than the buffer and the socket hold.
        std::string chunk(1 << 20, 'x');
        auto t0 = std::chrono::steady_clock::now();
        for (int i = 0; i < 32; ++i) write_str(*b, chunk);
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
        ::close(c);
        std::_Exit(ms < 500 ? 0 : 1);
      },
      testing::ExitedWithCode(0), "");
}

TEST_F(ChardevQuitDeathTest, StdoutThatNobodyReadsDoesNotHoldOffAQuit) {
  EXPECT_EXIT(
      {
        alarm(20);
        int p[2];
        if (::pipe(p) != 0) std::_Exit(2);
        ::dup2(p[1], STDOUT_FILENO);  // a pipe whose reader never reads
        auto b = make_char_backend("stdio");
        std::thread quitter([] {
          std::this_thread::sleep_for(std::chrono::milliseconds(300));
          set_host_quit_requested();
        });
        std::string big(1 << 20, 'x');  // 16 times what the pipe holds
        auto t0 = std::chrono::steady_clock::now();
        write_str(*b, big);
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
        quitter.join();
        std::_Exit(ms >= 250 && ms < 1500 ? 0 : 1);
      },
      testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace boardemu
