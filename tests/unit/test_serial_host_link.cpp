// Tests of the host side shared by the UART models (core/serial_host_link.hpp), no CPU and no
// UART: a scripted receiver stands in for the model, BufferCharBackend for the host, and
// virtual time is stepped by hand.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <thread>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "core/serial_host_link.hpp"
#include "hostio/buffer_chardev.hpp"
#include "hostio/host_chardevs.hpp"

namespace boardemu {
namespace {

class SerialHostLinkTest : public ::testing::Test {
 protected:
  static constexpr std::uint64_t kCpuHz = 1'000'000;  // default host poll: every 1000 cycles

  explicit SerialHostLinkTest(std::uint64_t cpu_hz = kCpuHz, std::uint64_t clock_hz = 0,
                              SerialHostLink::Params params = {})
      : ctx_{&sched_, cpu_hz, clock_hz},
        link_("test-uart", "uart0", ctx_, params,
              {.can_accept = [this] { return accepting_; },
               .deliver =
                   [this](std::uint8_t byte, std::uint64_t edge) {
                     got_.push_back({byte, edge, sched_.now()});
                     if (one_byte_buffer_) accepting_ = false;
                   },
               .char_clocks = [this] { return char_clocks_; }}) {}

  // Moves time to `t`, stopping at every event deadline on the way, as the CPU does.
  void run_to(Cycles t) {
    for (;;) {
      Cycles next = sched_.next_deadline();
      if (next > t) break;
      sched_.advance_to(next);
      sched_.run_due();
    }
    sched_.advance_to(t);
    sched_.run_due();
  }

  struct Landed {
    std::uint8_t byte;
    std::uint64_t edge;
    Cycles at;
  };

  Scheduler sched_;
  DeviceContext ctx_;
  // The stand-in receiver: takes bytes while `accepting_`; with `one_byte_buffer_` it is full
  // after each byte until the test "reads" it (sets accepting_ and calls receiver_ready()).
  bool accepting_ = true;
  bool one_byte_buffer_ = false;
  std::uint64_t char_clocks_ = 100;
  std::vector<Landed> got_;
  SerialHostLink link_;
  BufferCharBackend host_;
};

// ---- parameters and construction ------------------------------------------------------------

TEST(SerialHostLinkParams, ParsesHostPollCycles) {
  EXPECT_EQ(SerialHostLink::parse_params("m", {}).host_poll_cycles, 0u);
  EXPECT_EQ(SerialHostLink::parse_params("m", {{"host_poll_cycles", "0x100"}}).host_poll_cycles,
            256u);
  EXPECT_EQ(SerialHostLink::parse_params("m", {{"host_poll_cycles", "500"}}).host_poll_cycles,
            500u);
  for (const char* bad : {"soon", "-1", "", "12ab", "0x"}) {
    try {
      SerialHostLink::parse_params("my-uart", {{"host_poll_cycles", bad}});
      ADD_FAILURE() << "no error for '" << bad << "'";
    } catch (const std::invalid_argument& e) {
      std::string what = e.what();
      EXPECT_NE(what.find("my-uart"), std::string::npos) << what;
      EXPECT_NE(what.find("host_poll_cycles"), std::string::npos) << what;
    }
  }
  try {
    SerialHostLink::parse_params("my-uart", {{"baud", "9600"}});
    ADD_FAILURE() << "no error for an unknown key";
  } catch (const std::invalid_argument& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("my-uart"), std::string::npos) << what;
    EXPECT_NE(what.find("'baud'"), std::string::npos) << what;
  }
}

TEST(SerialHostLinkParams, RejectsMissingSchedulerOrClock) {
  Scheduler sched;
  SerialHostLink::Receiver rx{.can_accept = [] { return true; },
                              .deliver = [](std::uint8_t, std::uint64_t) {},
                              .char_clocks = [] { return std::uint64_t{10}; }};
  EXPECT_THROW(SerialHostLink("m", "u", DeviceContext{nullptr, 1000, 0}, {}, rx),
               std::invalid_argument);
  EXPECT_THROW(SerialHostLink("m", "u", DeviceContext{&sched, 0, 0}, {}, rx),
               std::invalid_argument);
}

TEST(SerialHostLinkParams, DefaultPollPeriodIsOneMillisecondAndAtLeastOneCycle) {
  Scheduler sched;
  SerialHostLink::Receiver rx{.can_accept = [] { return true; },
                              .deliver = [](std::uint8_t, std::uint64_t) {},
                              .char_clocks = [] { return std::uint64_t{10}; }};
  EXPECT_EQ(SerialHostLink("m", "u", DeviceContext{&sched, 48'000'000, 0}, {}, rx)
                .host_poll_cycles(),
            48'000u);
  EXPECT_EQ(SerialHostLink("m", "u", DeviceContext{&sched, 500, 0}, {}, rx).host_poll_cycles(),
            1u);
  EXPECT_EQ(SerialHostLink("m", "u", DeviceContext{&sched, 1000, 0}, {.host_poll_cycles = 7}, rx)
                .host_poll_cycles(),
            7u);
}

// ---- host connection and polling ------------------------------------------------------------

TEST_F(SerialHostLinkTest, NoEventsWithoutBackend) {
  EXPECT_EQ(link_.backend(), nullptr);
  EXPECT_EQ(sched_.pending_count(), 0u);
  link_.send('x');  // discarded, no host
  link_.receiver_ready();
  run_to(100'000);
  EXPECT_EQ(sched_.pending_count(), 0u);
  EXPECT_TRUE(got_.empty());
}

TEST_F(SerialHostLinkTest, SendHandsBytesToTheHost) {
  link_.attach(&host_);
  EXPECT_EQ(link_.backend(), &host_);
  link_.send('o');
  link_.send('k');
  EXPECT_EQ(host_.output(), "ok");
  link_.attach(nullptr);
  link_.send('!');
  EXPECT_EQ(host_.output(), "ok");
}

TEST_F(SerialHostLinkTest, PollsEveryPeriodFromAttach) {
  run_to(300);
  link_.attach(&host_);  // the grid starts one period after attach
  run_to(1299);
  EXPECT_EQ(host_.poll_count(), 0u);
  run_to(1300);
  EXPECT_EQ(host_.poll_count(), 1u);
  run_to(10'300);
  EXPECT_EQ(host_.poll_count(), 10u);
  link_.set_host_poll_cycles(250);  // restarts the grid from now
  EXPECT_EQ(sched_.next_deadline(), 10'550u);
  run_to(11'300);
  EXPECT_EQ(host_.poll_count(), 14u);
  link_.attach(nullptr);
  run_to(20'000);
  EXPECT_EQ(host_.poll_count(), 14u);
  EXPECT_EQ(sched_.pending_count(), 0u);
}

TEST_F(SerialHostLinkTest, LatePollSkipsMissedPeriodsAndKeepsTheGrid) {
  link_.attach(&host_);
  // One big jump, as a CPU slice overshooting: missed polls are skipped, not bunched.
  sched_.advance_to(3500);
  sched_.run_due();
  EXPECT_EQ(host_.poll_count(), 1u);
  EXPECT_EQ(sched_.next_deadline(), 4000u);
  // Late by a little: the next one is still on the grid.
  sched_.advance_to(4007);
  sched_.run_due();
  EXPECT_EQ(host_.poll_count(), 2u);
  EXPECT_EQ(sched_.next_deadline(), 5000u);
  // Exactly one period late: the poll due then is skipped as well.
  sched_.advance_to(6000);
  sched_.run_due();
  EXPECT_EQ(host_.poll_count(), 3u);
  EXPECT_EQ(sched_.next_deadline(), 7000u);
}

TEST_F(SerialHostLinkTest, ReattachRestartsPolling) {
  BufferCharBackend other;
  link_.attach(&host_);
  run_to(2500);
  EXPECT_EQ(host_.poll_count(), 2u);
  link_.attach(&other);
  run_to(3499);
  EXPECT_EQ(other.poll_count(), 0u);
  run_to(3500);
  EXPECT_EQ(other.poll_count(), 1u);
  EXPECT_EQ(host_.poll_count(), 2u);
  EXPECT_EQ(sched_.pending_count(), 1u);  // one poll event, not one per attach
}

TEST_F(SerialHostLinkTest, DestructionCancelsEvents) {
  {
    SerialHostLink link("m", "u", ctx_, {},
                        {.can_accept = [] { return true; },
                         .deliver = [](std::uint8_t, std::uint64_t) {},
                         .char_clocks = [] { return std::uint64_t{10}; }});
    link.attach(&host_);
    host_.push_input("abc");
    run_to(1000);  // first poll: a delivery is pending too
    EXPECT_GE(sched_.pending_count(), 1u);
  }
  EXPECT_EQ(sched_.pending_count(), 0u);
  run_to(10'000);  // nothing fires into the destroyed link
}

// ---- receive pacing -------------------------------------------------------------------------

TEST_F(SerialHostLinkTest, InputLandsAtPollThenOneCharacterTimeApart) {
  link_.attach(&host_);
  host_.push_input("ABC");
  run_to(999);
  EXPECT_TRUE(got_.empty());
  run_to(5000);
  ASSERT_EQ(got_.size(), 3u);
  EXPECT_EQ(got_[0].byte, 'A');
  EXPECT_EQ(got_[0].at, 1000u);
  EXPECT_EQ(got_[0].edge, 1000u);  // UART clock = CPU clock
  EXPECT_EQ(got_[1].byte, 'B');
  EXPECT_EQ(got_[1].at, 1100u);  // no poll needed: the byte was already waiting
  EXPECT_EQ(got_[2].byte, 'C');
  EXPECT_EQ(got_[2].at, 1200u);
  EXPECT_EQ(host_.input_pending(), 0u);
}

TEST_F(SerialHostLinkTest, PacingFollowsCharacterTimeAtEachByte) {
  link_.attach(&host_);
  host_.push_input("ab");
  run_to(1000);
  ASSERT_EQ(got_.size(), 1u);
  char_clocks_ = 40;  // the guest changed the baud rate after the first byte landed
  run_to(2000);
  ASSERT_EQ(got_.size(), 2u);
  EXPECT_EQ(got_[1].at, 1100u);  // the first byte's time was fixed when it landed
  host_.push_input("c");
  run_to(2999);
  EXPECT_EQ(got_.size(), 2u);
  run_to(3000);  // idle line: the next byte lands at the next poll
  ASSERT_EQ(got_.size(), 3u);
  EXPECT_EQ(got_[2].at, 3000u);
}

TEST_F(SerialHostLinkTest, FullReceiverKeepsInputInBackend) {
  one_byte_buffer_ = true;
  link_.attach(&host_);
  host_.push_input("xyz");
  run_to(5000);
  ASSERT_EQ(got_.size(), 1u);
  EXPECT_EQ(host_.input_pending(), 2u);
  // The guest reads long after one character time: the next byte lands in the same cycle.
  accepting_ = true;
  link_.receiver_ready();
  run_to(5000);
  ASSERT_EQ(got_.size(), 2u);
  EXPECT_EQ(got_[1].byte, 'y');
  EXPECT_EQ(got_[1].at, 5000u);
  // Read at once: the third byte waits out the character time.
  accepting_ = true;
  link_.receiver_ready();
  run_to(5099);
  EXPECT_EQ(got_.size(), 2u);
  run_to(5100);
  ASSERT_EQ(got_.size(), 3u);
  EXPECT_EQ(got_[2].byte, 'z');
}

TEST_F(SerialHostLinkTest, SlowReaderLosesNothing) {
  one_byte_buffer_ = true;
  link_.attach(&host_);
  const std::string text = "the quick brown fox";
  host_.push_input(text);
  for (Cycles t = 5000; got_.size() < text.size() && t < 1'000'000; t += 5000) {
    run_to(t);
    accepting_ = true;  // the guest empties its buffer every 5000 cycles
    link_.receiver_ready();
  }
  std::string received;
  for (const Landed& l : got_) received += static_cast<char>(l.byte);
  EXPECT_EQ(received, text);
  EXPECT_EQ(host_.input_pending(), 0u);
}

TEST_F(SerialHostLinkTest, ReceiverStoppedCancelsPendingDelivery) {
  link_.attach(&host_);
  host_.push_input("ab");
  run_to(1000);
  ASSERT_EQ(got_.size(), 1u);
  // 'b' is due at 1100; the receiver is disabled before that.
  run_to(1050);
  accepting_ = false;
  link_.receiver_stopped();
  EXPECT_EQ(sched_.pending_count(), 1u);  // only the poll event
  run_to(3000);
  EXPECT_EQ(got_.size(), 1u);
  EXPECT_EQ(host_.input_pending(), 1u);
  accepting_ = true;
  link_.receiver_ready();  // enabled again: the waiting byte lands at once
  run_to(3000);
  ASSERT_EQ(got_.size(), 2u);
  EXPECT_EQ(got_[1].byte, 'b');
  EXPECT_EQ(got_[1].at, 3000u);
}

TEST_F(SerialHostLinkTest, ReceiverReadyWhilePendingDoesNotDoubleDeliver) {
  link_.attach(&host_);
  host_.push_input("ab");
  run_to(1000);
  for (int i = 0; i < 3; ++i) link_.receiver_ready();
  run_to(1100);
  ASSERT_EQ(got_.size(), 2u);
  EXPECT_EQ(got_[1].at, 1100u);
}

TEST_F(SerialHostLinkTest, ResetReceiverForgetsThePreviousCharacter) {
  link_.attach(&host_);
  host_.push_input("ab");
  run_to(1000);
  ASSERT_EQ(got_.size(), 1u);
  run_to(1010);
  link_.reset_receiver();  // 'b', due at 1100, is cancelled and stays with the host
  EXPECT_EQ(host_.input_pending(), 1u);
  link_.receiver_ready();  // the line starts afresh: no character time to wait out
  run_to(1010);
  ASSERT_EQ(got_.size(), 2u);
  EXPECT_EQ(got_[1].at, 1010u);
}

TEST_F(SerialHostLinkTest, PollsHostWhenItsQueueRunsDry) {
  link_.attach(&host_);
  host_.push_input("ab");
  run_to(1000);
  EXPECT_EQ(host_.poll_count(), 1u);  // the periodic poll
  run_to(1100);
  // 'b' emptied the queue: the host is asked for more at once, not a period later.
  EXPECT_EQ(host_.poll_count(), 2u);
}

// A real host backend with a sender far faster than the line: the backend holds at most its
// bound, the rest waits in the kernel (ChardevBackpressure tests that it is held back), and the guest still sees every byte, in order, back to
// back at character rate from the first poll on, exactly as if all of it had been queued.
TEST_F(SerialHostLinkTest, FastHostSenderIsHeldBackAndTheGuestSeesAnUnbrokenStream) {
  testing::internal::CaptureStderr();  // the backend's connection notes
  hostio::TcpCharBackend tcp("127.0.0.1", 0);
  int c = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(tcp.port());
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(c, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ::fcntl(c, F_SETFL, O_NONBLOCK);
  for (int i = 0; i < 1000 && !tcp.connected(); ++i) {
    tcp.poll();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_TRUE(tcp.connected());
  link_.attach(&tcp);

  const std::size_t total = 1u << 20;
  std::string data(total, '\0');
  for (std::size_t i = 0; i < total; ++i) data[i] = static_cast<char>((i * 13 + i / 509) & 0xFF);
  std::size_t sent = 0;
  auto pump = [&] {
    while (sent < total) {
      ssize_t n = ::send(c, data.data() + sent, total - sent, MSG_NOSIGNAL);
      if (n <= 0) break;
      sent += static_cast<std::size_t>(n);
    }
  };
  pump();
  // (The socket's bytes reach the backend a moment after send(); the first poll is at 1000.)
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  for (Cycles t = 1000; got_.size() < total && t < 200'000'000; t += 100'000) {
    run_to(t);
    EXPECT_LE(tcp.input_pending(), hostio::kMaxPendingInput);
    pump();
  }
  ::close(c);
  ASSERT_EQ(got_.size(), total);
  bool in_order = true, back_to_back = true;
  for (std::size_t i = 0; i < total; ++i) {
    in_order &= got_[i].byte == static_cast<std::uint8_t>(data[i]);
    back_to_back &= got_[i].at == 1000 + 100 * i;
  }
  EXPECT_TRUE(in_order);
  EXPECT_TRUE(back_to_back);
  testing::internal::GetCapturedStderr();
}

// ---- UART clock <-> CPU cycles --------------------------------------------------------------

// UART clock 2 MHz, CPU clock 3 MHz: UART edge k is at CPU time 1.5 k.
class SerialHostLinkSlowClockTest : public SerialHostLinkTest {
 protected:
  SerialHostLinkSlowClockTest() : SerialHostLinkTest(3'000'000, 2'000'000) {}
};

TEST_F(SerialHostLinkSlowClockTest, EdgesAndCyclesConvertExactly) {
  EXPECT_EQ(link_.edge_at_or_after(0), 0u);
  EXPECT_EQ(link_.edge_at_or_after(1), 1u);  // edge 1 at CPU 1.5
  EXPECT_EQ(link_.edge_at_or_after(2), 2u);  // edge 2 at CPU 3.0
  EXPECT_EQ(link_.edge_at_or_after(3), 2u);
  EXPECT_EQ(link_.cycle_of_edge(1), 2u);     // seen from CPU cycle 2
  EXPECT_EQ(link_.cycle_of_edge(2), 3u);
  EXPECT_EQ(link_.cycle_of_edge(321), 482u);  // CPU 481.5
  // From CPU 241 the next edge is 161 (CPU 241.5); 160 clocks later is edge 321.
  EXPECT_EQ(link_.cycle_after_clocks(241, 160), 482u);
  EXPECT_EQ(link_.cycle_after_clocks(0, 160), 240u);
  run_to(241);
  EXPECT_EQ(link_.cycles_from_now(160), 241u);
}

TEST_F(SerialHostLinkSlowClockTest, ReceivedBytesLandOnUartEdges) {
  link_.set_host_poll_cycles(1001);  // the first poll at CPU 1001, between edges 667 and 668
  link_.attach(&host_);
  host_.push_input("ab");
  run_to(10'000);
  ASSERT_EQ(got_.size(), 2u);
  EXPECT_EQ(got_[0].edge, 668u);  // CPU 1002
  EXPECT_EQ(got_[0].at, 1002u);
  EXPECT_EQ(got_[1].edge, 768u);  // 100 clocks later, CPU 1152
  EXPECT_EQ(got_[1].at, 1152u);
}

TEST(SerialHostLinkClock, LargeTimesDoNotOverflow) {
  // QEMU virt: 100 MHz CPU, 3.6864 MHz UART. A year of virtual time still converts exactly.
  Scheduler sched;
  SerialHostLink link("m", "u", DeviceContext{&sched, 100'000'000, 3'686'400}, {},
                      {.can_accept = [] { return true; },
                       .deliver = [](std::uint8_t, std::uint64_t) {},
                       .char_clocks = [] { return std::uint64_t{112}; }});
  const Cycles year = 100'000'000ull * 3600 * 24 * 365;
  std::uint64_t edge = link.edge_at_or_after(year);
  EXPECT_EQ(edge, year / 100'000'000 * 3'686'400);  // a whole second: on an edge
  EXPECT_EQ(link.cycle_of_edge(edge), year);
  // Round trip one edge later: the cycle of an edge is the first at or after it.
  Cycles c = link.cycle_of_edge(edge + 1);
  EXPECT_EQ(link.edge_at_or_after(c - 1), edge + 1);
  EXPECT_GT(link.edge_at_or_after(c), edge + 1);
}

TEST(SerialHostLinkClock, BackToBackCharactersDoNotDrift) {
  // A non-integer ratio: n characters of 112 clocks end exactly on edge n * 112.
  Scheduler sched;
  std::vector<std::uint64_t> edges;
  std::vector<Cycles> cycles;
  SerialHostLink link("m", "u", DeviceContext{&sched, 100'000'000, 3'686'400}, {},
                      {.can_accept = [] { return true; },
                       .deliver =
                           [&](std::uint8_t, std::uint64_t edge) {
                             edges.push_back(edge);
                             cycles.push_back(sched.now());
                           },
                       .char_clocks = [] { return std::uint64_t{112}; }});
  BufferCharBackend host;
  link.attach(&host);
  const std::size_t n = 1000;
  host.push_input(std::string(n, 'x'));
  while (edges.size() < n) {
    sched.advance_to(sched.next_deadline());
    sched.run_due();
  }
  EXPECT_EQ(edges[0], 3687u);  // the first poll, CPU 100000, is between edges 3686 and 3687
  for (std::size_t i = 1; i < n; ++i) {
    ASSERT_EQ(edges[i], edges[0] + 112u * i) << i;
    ASSERT_EQ(cycles[i], link.cycle_of_edge(edges[i])) << i;
  }
}

}  // namespace
}  // namespace boardemu
