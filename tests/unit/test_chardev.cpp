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
  EXPECT_EQ(hostio::parse_tcp_port("tcp:4555"), 4555);
  EXPECT_EQ(hostio::parse_tcp_port("tcp:0"), 0);
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

}  // namespace
}  // namespace boardemu
