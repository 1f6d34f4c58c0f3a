// Listening TCP sockets for the emulator's network peers: the GDB stub (gdb/gdb_server.hpp) and
// the tcp: serial backend (hostio/host_chardevs.hpp).
//
// Both speak protocols without authentication (GDB's remote protocol can read and write all of
// the target's memory), so both listen on 127.0.0.1 unless given another address, and a
// listener that other hosts can reach is announced with a one-line warning on stderr (never on
// stdout, which may carry the guest console or the pty announcement).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace boardemu::hostio {

struct ListenError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Listener {
  int fd = -1;             // non-blocking, close-on-exec
  std::uint16_t port = 0;  // the bound port (the kernel's choice when 0 was asked for)
  bool loopback = false;   // bound to 127.0.0.0/8: only this host can connect
};

// Resolves `host` (IPv4 name or address), binds HOST:PORT and listens. Throws ListenError with
// "cannot resolve host 'H': ..." or "cannot listen on H:P: <reason>".
Listener listen_tcp(const std::string& host, std::uint16_t port, int backlog);

// The warning for a listener that is not loopback-only ("" for loopback): "boardemu: warning:
// WHAT listening on HOST:PORT is reachable from other hosts and has no authentication".
std::string exposure_warning(std::string_view what, const std::string& host, const Listener& l);

// Writes exposure_warning() (if any) on stderr.
void warn_if_exposed(std::string_view what, const std::string& host, const Listener& l);

}  // namespace boardemu::hostio
