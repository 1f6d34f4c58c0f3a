#include "gdb/gdb_server.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace boardemu::gdb {

namespace {
// How long a halted target waits on the socket before looking at host quit requests again.
// Host responsiveness only: virtual time does not move while halted.
constexpr int kHaltedPollMs = 100;
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
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  int rc = getaddrinfo(where.host.c_str(), nullptr, &hints, &res);
  if (rc != 0 || !res)
    throw GdbError(fmt::format("--gdb: cannot resolve host '{}': {}", where.host, gai_strerror(rc)));
  sockaddr_in addr{};
  std::memcpy(&addr, res->ai_addr, sizeof addr);
  freeaddrinfo(res);
  addr.sin_port = htons(where.port);

  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) throw GdbError(fmt::format("--gdb: socket: {}", std::strerror(errno)));
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0 || ::listen(listen_fd_, 4) < 0) {
    int err = errno;
    ::close(listen_fd_);
    listen_fd_ = -1;
    throw GdbError(fmt::format("--gdb: cannot listen on {}:{}: {}", where.host, where.port, std::strerror(err)));
  }
  socklen_t len = sizeof addr;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
}

GdbServer::~GdbServer() {
  if (client_fd_ >= 0) ::close(client_fd_);
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

int GdbServer::accept_client() {
  int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
  if (fd < 0) return -1;
  int one = 1;
  // Packets are small and strictly request/reply: send each at once.
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

void GdbServer::refuse_extra_clients(int timeout_ms) {
  pollfd p{listen_fd_, POLLIN, 0};
  while (::poll(&p, 1, timeout_ms) > 0 && (p.revents & POLLIN)) {
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) break;
    ::close(fd);  // one debugger at a time: the second is closed with nothing sent
    timeout_ms = 0;
  }
}

void GdbServer::drop_client() {
  if (client_fd_ >= 0) ::close(client_fd_);
  client_fd_ = -1;
  client_lost_ = false;
}

void GdbServer::send_bytes(std::string_view bytes) {
  if (client_fd_ < 0 || client_lost_) return;
  while (!bytes.empty()) {
    ssize_t n = ::send(client_fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      client_lost_ = true;
      return;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

bool GdbServer::pump_client(int timeout_ms) {
  pollfd p[2] = {{client_fd_, POLLIN, 0}, {listen_fd_, POLLIN, 0}};
  int n = ::poll(p, 2, timeout_ms);
  if (n <= 0) return !client_lost_;
  if (p[1].revents & POLLIN) refuse_extra_clients(0);
  if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
    std::uint8_t buf[4096];
    ssize_t got = ::recv(client_fd_, buf, sizeof buf, 0);
    if (got < 0 && (errno == EINTR || errno == EAGAIN)) return !client_lost_;
    if (got <= 0) return false;
    stub_->receive(buf, static_cast<std::size_t>(got));
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
      client_fd_ = accept_client();
      if (client_fd_ < 0) continue;
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
          drop_client();
          return r;
        }
        if (client_lost_) lose_client();
        break;
      }
      case GdbStub::State::detached:
        stub.end_session();
        drop_client();
        halted_without_client = false;  // runs freely until a debugger attaches again
        break;
      case GdbStub::State::killed:
        drop_client();
        // Ended by the program itself during a step (a run's end returned above), or by `k`.
        if (stub.program_end()) return *stub.program_end();
        return {StopReason::host_quit, 0, {}};
    }
  }
}

}  // namespace boardemu::gdb
