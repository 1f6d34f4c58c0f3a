// Listening TCP sockets: see listen_socket.hpp.
#include "hostio/listen_socket.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace boardemu::hostio {

Listener listen_tcp(const std::string& host, std::uint16_t port, int backlog) {
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &res);
  if (rc != 0 || !res) {
    if (res) ::freeaddrinfo(res);
    throw ListenError("cannot resolve host '" + host + "': " + ::gai_strerror(rc));
  }
  sockaddr_in addr{};
  std::memcpy(&addr, res->ai_addr, sizeof addr);
  ::freeaddrinfo(res);
  addr.sin_port = htons(port);

  const std::string where = host + ":" + std::to_string(port);
  Listener l;
  l.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (l.fd < 0) throw ListenError("cannot listen on " + where + ": socket: " + std::strerror(errno));
  int one = 1;
  ::setsockopt(l.fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(l.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(l.fd, backlog) != 0) {
    int err = errno;
    ::close(l.fd);
    throw ListenError("cannot listen on " + where + ": " + std::strerror(err));
  }
  socklen_t len = sizeof addr;
  if (::getsockname(l.fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    int err = errno;
    ::close(l.fd);
    throw ListenError("cannot listen on " + where + ": getsockname: " + std::strerror(err));
  }
  l.port = ntohs(addr.sin_port);
  l.loopback = (ntohl(addr.sin_addr.s_addr) >> 24) == 127;
  return l;
}

std::string exposure_warning(std::string_view what, const std::string& host, const Listener& l) {
  if (l.loopback) return {};
  return "boardemu: warning: " + std::string(what) + " listening on " + host + ":" +
         std::to_string(l.port) + " is reachable from other hosts and has no authentication";
}

void warn_if_exposed(std::string_view what, const std::string& host, const Listener& l) {
  std::string w = exposure_warning(what, host, l);
  if (w.empty()) return;
  std::fprintf(stderr, "%s\n", w.c_str());
  std::fflush(stderr);
}

}  // namespace boardemu::hostio
