#include "gdb/gdb_server.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hostio/listen_socket.hpp"

namespace boardemu::gdb {

namespace {
// Connections refused per look at the listening socket, so that a peer connecting in a loop
// cannot keep the server from its client and its target.
constexpr int kMaxRefusalsPerPoll = 16;

void note(const std::string& line) {
  std::fprintf(stderr, "%s\n", line.c_str());
  std::fflush(stderr);
}
}  // namespace

Endpoint parse_endpoint(const std::string& spec) {
  Endpoint e;
  std::string port = spec;
  auto colon = spec.rfind(':');
  if (colon != std::string::npos) {
    e.host = spec.substr(0, colon);
    port = spec.substr(colon + 1);
    if (e.host.empty()) e.host = "127.0.0.1";
  }
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
      std::stoul(port) > 65535)
    throw GdbError(fmt::format("--gdb: '{}' is not [HOST:]PORT with PORT 0..65535", spec));
  e.port = static_cast<std::uint16_t>(std::stoul(port));
  return e;
}

GdbServer::GdbServer(const Endpoint& where) : host_(where.host) {
  hostio::Listener l;
  try {
    l = hostio::listen_tcp(where.host, where.port, 4);
  } catch (const hostio::ListenError& e) {
    throw GdbError(fmt::format("--gdb: {}", e.what()));
  }
  listen_fd_ = l.fd;
  port_ = l.port;
  hostio::warn_if_exposed("gdb stub", host_, l);
}

GdbServer::~GdbServer() {
  if (client_fd_ >= 0) ::close(client_fd_);
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

bool GdbServer::accept_client() {
  int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0) return false;  // gone again before we took it (or EINTR): keep waiting
  int one = 1;
  // Packets are small and strictly request/reply: send each at once.
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  client_fd_ = fd;
  client_lost_ = false;
  in_pos_ = in_len_ = 0;
  out_.clear();
  last_progress_ = std::chrono::steady_clock::now();
  return true;
}

void GdbServer::refuse_extra_clients() {
  for (int i = 0; i < kMaxRefusalsPerPoll; ++i) {
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) break;
    ::close(fd);  // one debugger at a time: the second is closed with nothing sent
  }
}

void GdbServer::drop_client() {
  if (client_fd_ >= 0) ::close(client_fd_);
  client_fd_ = -1;
  client_lost_ = false;
  in_pos_ = in_len_ = 0;
  out_.clear();
}

void GdbServer::finish_client(RunTarget& target) {
  while (client_fd_ >= 0 && !client_lost_ && !out_.empty() && !stop_ &&
         !target.quit_requested() &&
         std::chrono::steady_clock::now() - last_progress_ < stall_limit_) {
    pollfd p{client_fd_, POLLOUT, 0};
    ::poll(&p, 1, 50);
    flush_output();
  }
  drop_client();
}

void GdbServer::send_bytes(std::string_view bytes) {
  if (client_fd_ < 0 || client_lost_) return;
  if (out_.empty()) last_progress_ = std::chrono::steady_clock::now();
  out_.push(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  flush_output();
}

void GdbServer::flush_output() {
  while (client_fd_ >= 0 && !client_lost_ && !out_.empty()) {
    ssize_t n = ::send(client_fd_, out_.data(), out_.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      out_.consume(static_cast<std::size_t>(n));
      last_progress_ = std::chrono::steady_clock::now();
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) client_lost_ = true;
      return;
    }
  }
}

bool GdbServer::output_stalled() const {
  return out_.size() >= kMaxOutput && std::chrono::steady_clock::now() - last_progress_ >= stall_limit_;
}

void GdbServer::feed_stub() {
  while (in_pos_ < in_len_ && out_.size() < kMaxOutput && !client_lost_) stub_->receive(&in_[in_pos_++], 1);
}

bool GdbServer::pump_client(int timeout_ms) {
  feed_stub();
  flush_output();
  if (client_lost_) return false;
  // While replies pile up unread, take no more requests: the client's bytes wait in the kernel
  // and, once its buffers are full, in the client itself.
  const bool want_input = in_pos_ == in_len_ && out_.size() < kMaxOutput;
  pollfd p[2] = {{client_fd_, static_cast<short>((want_input ? POLLIN : 0) | (out_.empty() ? 0 : POLLOUT)), 0},
                 {listen_fd_, POLLIN, 0}};
  if (::poll(p, 2, timeout_ms) > 0) {  // < 0 is EINTR (a signal): the caller looks at quit requests
    if (p[1].revents & POLLIN) refuse_extra_clients();
    if (p[0].revents & (POLLERR | POLLNVAL)) return false;
    if (p[0].revents & POLLOUT) flush_output();
    if (want_input && (p[0].revents & (POLLIN | POLLHUP))) {
      ssize_t got = ::recv(client_fd_, in_.data(), in_.size(), MSG_DONTWAIT);
      if (got == 0) return false;
      if (got < 0 && errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) return false;
      if (got > 0) {
        in_pos_ = 0;
        in_len_ = static_cast<std::size_t>(got);
        feed_stub();
      }
    }
  }
  if (output_stalled()) {
    note(fmt::format("boardemu: gdb client has read none of {} KiB of replies for {} ms; dropped it "
                     "(the target stays halted until a debugger attaches)",
                     out_.size() / 1024, stall_limit_.count()));
    return false;
  }
  return !client_lost_;
}

RunResult GdbServer::serve(RunTarget& target, bool wait) {
  GdbStub stub(target, [this](std::string_view b) { send_bytes(b); });
  stub_ = &stub;
  bool halted_without_client = wait;  // --gdb-wait, or the last client vanished
  auto lose_client = [&] {
    stub.end_session();
    drop_client();
    halted_without_client = true;  // the target halts and waits for a new debugger
  };
  for (;;) {
    if (target.quit_requested() || stop_) {
      drop_client();
      return {StopReason::host_quit, 0, {}};
    }
    if (client_fd_ < 0) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (halted_without_client) {
        if (::poll(&p, 1, kHaltedPollMs) <= 0) continue;
      } else {
        RunResult r = target.run_until(target.now() + slice_);
        // With no client there are no breakpoints; a debug stop cannot come from us.
        if (r.reason != StopReason::deadline && r.reason != StopReason::debug) return r;
        if (::poll(&p, 1, 0) <= 0) continue;
      }
      if (!accept_client()) continue;
      stub.start_session();  // a new debugger finds the target halted
      halted_without_client = false;
      continue;
    }
    switch (stub.state()) {
      case GdbStub::State::halted:
        if (!pump_client(kHaltedPollMs)) lose_client();
        break;
      case GdbStub::State::running: {
        RunResult r = target.run_until(target.now() + slice_);
        if (r.reason == StopReason::deadline) {
          if (!pump_client(0)) {
            lose_client();
            break;
          }
          if (stub.interrupt_requested()) stub.report_stop(r, true);
          break;
        }
        stub.report_stop(r, false);
        if (r.reason != StopReason::debug) {
          finish_client(target);  // the `W`/`X` stop reply reaches a client that reads
          return r;
        }
        if (client_lost_) lose_client();
        break;
      }
      case GdbStub::State::detached:
        stub.end_session();
        finish_client(target);
        halted_without_client = false;  // runs freely until a debugger attaches again
        break;
      case GdbStub::State::killed:
        finish_client(target);
        // Ended by the program itself during a step (a run's end returned above), or by `k`.
        if (stub.program_end()) return *stub.program_end();
        return {StopReason::host_quit, 0, {}};
    }
  }
}

}  // namespace boardemu::gdb
