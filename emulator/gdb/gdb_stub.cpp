#include "gdb/gdb_stub.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <sstream>

namespace boardemu::gdb {

namespace {

// Error numbers are not standardised by the protocol; GDB only checks for `E`. We follow QEMU's
// habit of E14 (EFAULT) for memory that cannot be accessed, E22 (EINVAL) for malformed requests.
constexpr const char* kErrFault = "E14";
constexpr const char* kErrInvalid = "E22";
constexpr const char* kErrNoDebug = "E01";

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// "ADDR,LEN" in hex. Addresses may carry leading zeros beyond 8 digits.
bool parse_addr_len(std::string_view s, std::uint32_t* addr, std::uint32_t* len) {
  auto comma = s.find(',');
  if (comma == std::string_view::npos) return false;
  auto trim = [](std::string_view h) {
    while (h.size() > 8 && h.front() == '0') h.remove_prefix(1);
    return h;
  };
  return parse_hex(trim(s.substr(0, comma)), addr) && parse_hex(trim(s.substr(comma + 1)), len);
}

}  // namespace

GdbStub::GdbStub(DebugTarget& target, Sender send) : target_(target), send_(std::move(send)) {}

void GdbStub::start_session() {
  decoder_.reset();
  no_ack_ = false;
  interrupt_ = false;
  pending_.clear();
  last_reply_.clear();
  last_stop_ = "S05";
  state_ = State::halted;
}

void GdbStub::end_session() {
  if (CpuDebug* d = target_.debug()) {
    for (auto [type, addr, len] : points_) {
      if (type <= 1) d->remove_breakpoint(addr);
      else d->remove_watchpoint(addr, len, type == 2 ? WatchKind::write : type == 3 ? WatchKind::read : WatchKind::access);
    }
  }
  points_.clear();
  decoder_.reset();
  pending_.clear();
}

void GdbStub::reply(std::string_view payload) {
  last_reply_ = frame(payload);
  send_(last_reply_);
}

void GdbStub::receive(const std::uint8_t* data, std::size_t len) {
  for (std::size_t i = 0; i < len; ++i) {
    if (state_ == State::killed || state_ == State::detached) return;
    switch (decoder_.feed(data[i])) {
      case PacketDecoder::Event::none:
      case PacketDecoder::Event::ack:
        break;
      case PacketDecoder::Event::nack:
        // E.11: the client asks for the last reply again.
        if (!no_ack_ && !last_reply_.empty()) send_(last_reply_);
        break;
      case PacketDecoder::Event::interrupt:
        // E.9: 0x03 asks a running target to stop; while halted it means nothing.
        if (state_ == State::running) interrupt_ = true;
        break;
      case PacketDecoder::Event::bad_checksum:
        // E.11: `-` asks for a retransmission. Without acknowledgments there is nobody to ask:
        // the packet is dropped.
        if (!no_ack_) send_("-");
        break;
      case PacketDecoder::Event::oversized:
      case PacketDecoder::Event::malformed:
        // Received intact but unusable: acknowledge (a `-` would only bring the same bytes
        // back) and refuse it with an error reply.
        if (!no_ack_) send_("+");
        reply(kErrInvalid);
        break;
      case PacketDecoder::Event::packet:
        if (!no_ack_) send_("+");
        if (state_ == State::running) {
          // All-stop mode: a client sends nothing but 0x03 while the target runs; anything
          // else is answered once it stopped. Bounded, so a flood cannot grow memory.
          if (pending_.size() < 64) pending_.push_back(decoder_.payload());
        } else {
          handle(decoder_.payload());
        }
        break;
    }
  }
}

void GdbStub::report_stop(const RunResult& r, bool interrupted) {
  if (state_ != State::running) return;
  interrupt_ = false;
  state_ = State::halted;
  std::string stop = interrupted ? "T02" : stop_reply_for(r);
  last_stop_ = stop;
  if (r.reason == StopReason::fatal && !r.message.empty()) reply("O" + to_hex(r.message + "\n"));
  reply(stop);
  if (stop[0] == 'W' || stop[0] == 'X') {
    state_ = State::killed;  // the program is gone (E.3): nothing more to debug
    program_end_ = r;
    return;
  }
  while (!pending_.empty() && state_ == State::halted) {
    std::string p = std::move(pending_.front());
    pending_.pop_front();
    handle(p);
  }
}

std::string GdbStub::stop_reply_for(const RunResult& r) {
  switch (r.reason) {
    case StopReason::exit:
      return fmt::format("W{:02x}", static_cast<unsigned>(r.exit_code) & 0xFF);
    case StopReason::fatal:
      return "X0b";  // terminated as by SIGSEGV: the system cannot go on
    case StopReason::time_limit:
      return "W7c";  // boardemu's own exit status for the virtual-time limit (124)
    case StopReason::host_quit:
      return "W00";
    case StopReason::debug: {
      DebugStop s = target_.debug() ? target_.debug()->last_stop() : DebugStop{};
      if (s.kind == DebugStop::Kind::watchpoint) {
        const char* kind = s.watch == WatchKind::write ? "watch" : s.watch == WatchKind::read ? "rwatch" : "awatch";
        return fmt::format("T05{}:{:x};", kind, s.address);
      }
      return "T05";
    }
    default:
      return "T05";
  }
}

unsigned GdbStub::pc_regno() {
  // Where the program counter sits in each architecture's GDB register numbering: ARM r15,
  // RISC-V 32 (after x0..x31), Xtensa lx106 16 (after a0..a15, REFERENCE section 5).
  std::string a = target_.arch();
  if (starts_with(a, "rv")) return 32;
  if (a == "lx106") return 16;
  return 15;
}

void GdbStub::resume(bool step, std::string_view addr_hex) {
  CpuDebug* d = target_.debug();
  if (!addr_hex.empty()) {
    std::uint32_t addr;
    if (!parse_hex(addr_hex, &addr) || !d || !d->gdb_write_register(pc_regno(), addr)) {
      reply(kErrInvalid);
      return;
    }
  }
  if (!step) {
    state_ = State::running;
    interrupt_ = false;
    return;  // the run loop takes over; report_stop() answers
  }
  if (!d) {
    reply(kErrNoDebug);
    return;
  }
  state_ = State::running;
  RunResult r = target_.step();
  report_stop(r, false);
}

std::string GdbStub::registers_packet() {
  CpuDebug* d = target_.debug();
  if (!d) return kErrNoDebug;
  std::string out;
  for (unsigned i = 0; i < d->gdb_register_count(); ++i) {
    std::uint32_t v;
    // E.6: `xx` marks a register whose value is unavailable.
    out += d->gdb_read_register(i, &v) ? to_hex_u32_le(v) : "xxxxxxxx";
  }
  return out;
}

std::string GdbStub::read_memory(std::uint32_t addr, std::uint32_t len) {
  len = std::min<std::uint32_t>(len, (kMaxPacket - 8) / 2);
  // Memory as stored, device registers through their side-effect-free peek (a UART's data
  // register is not consumed by looking at it); no virtual time passes. A read that runs into
  // unmapped space ends there (E.2 `m`: a partial reply).
  std::string bytes(len, '\0');
  bytes.resize(target_.bus().peek_block(addr, reinterpret_cast<std::uint8_t*>(bytes.data()), len));
  if (bytes.empty() && len) return kErrFault;
  return to_hex(bytes);
}

bool GdbStub::write_memory(std::uint32_t addr, const std::string& bytes) {
  return target_.bus().debug_write_block(addr, reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()) ==
         bytes.size();
}

std::string GdbStub::breakpoint(const std::string& p, bool insert) {
  // Z/z TYPE,ADDR,KIND (E.2): 0 software, 1 hardware breakpoint; 2 write, 3 read, 4 access
  // watchpoint. In an emulator software and hardware breakpoints are the same mechanism.
  CpuDebug* d = target_.debug();
  if (p.size() < 4 || p[2] != ',' || p[1] < '0' || p[1] > '4') return "";  // unsupported type
  int type = p[1] - '0';
  std::string_view rest(p);
  rest.remove_prefix(3);
  auto semi = rest.find(';');  // conditions / commands (";X...") are not supported: ignored
  if (semi != std::string_view::npos) rest = rest.substr(0, semi);
  std::uint32_t addr, len;
  if (!parse_addr_len(rest, &addr, &len)) return kErrInvalid;
  if (!d) return kErrNoDebug;
  bool ok;
  if (type <= 1) {
    len = 0;
    ok = insert ? d->insert_breakpoint(addr) : d->remove_breakpoint(addr);
  } else {
    if (len == 0) return kErrInvalid;
    WatchKind k = type == 2 ? WatchKind::write : type == 3 ? WatchKind::read : WatchKind::access;
    ok = insert ? d->insert_watchpoint(addr, len, k) : d->remove_watchpoint(addr, len, k);
  }
  if (!ok) return kErrInvalid;
  if (insert) points_.insert({type, addr, len});
  else points_.erase({type, addr, len});
  return "OK";
}

std::string GdbStub::vcont(const std::string& p) {
  // vCont;ACTION[:THREAD][;ACTION...] (E.2). One thread: the first action that applies to all
  // threads or to thread 1 decides.
  std::string_view rest(p);
  rest.remove_prefix(5);
  while (!rest.empty()) {
    if (rest.front() != ';') return kErrInvalid;
    rest.remove_prefix(1);
    auto end = rest.find(';');
    std::string_view action = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
    auto colon = action.find(':');
    std::string_view thread = colon == std::string_view::npos ? "" : action.substr(colon + 1);
    action = action.substr(0, colon);
    if (!thread.empty() && thread != "1" && thread != "-1" && thread != "p1.1" && thread != "p1.-1") continue;
    if (action.empty()) return kErrInvalid;
    char a = action[0];
    if (a == 'c' || a == 'C') {
      resume(false, "");
      return {};
    }
    if (a == 's' || a == 'S') {
      resume(true, "");
      return {};
    }
    return kErrInvalid;  // `t` (stop) and `r` (range step) are not offered by vCont?
  }
  return kErrInvalid;
}

std::string GdbStub::monitor(const std::string& command) {
  std::istringstream in(command);
  std::string word, arg;
  in >> word >> arg;
  if (word == "help" || word.empty())
    return "boardemu monitor commands:\n"
           "  reset         system reset; the target stays halted at the reset vector\n"
           "                (then `maintenance flush register-cache` so GDB re-reads registers)\n"
           "  cycles        virtual time (CPU cycles since reset) and instructions retired\n"
           "  regs DEVICE   a peripheral's registers by datasheet name\n"
           "  help          this text\n";
  if (word == "reset") {
    target_.reset();
    return "system reset; halted at the reset vector\n";
  }
  if (word == "cycles") {
    Cycles now = target_.now();
    double ms = target_.cpu_hz() ? static_cast<double>(now) * 1000.0 / static_cast<double>(target_.cpu_hz()) : 0;
    return fmt::format("cycles: {} ({:.3f} ms virtual), instructions: {}\n", now, ms, target_.instructions());
  }
  if (word == "regs") {
    if (arg.empty()) return "usage: monitor regs DEVICE\n";
    return target_.describe_device(arg);
  }
  return fmt::format("unknown monitor command '{}' (try `monitor help`)\n", word);
}

std::string GdbStub::query(const std::string& p) {
  CpuDebug* d = target_.debug();
  if (starts_with(p, "qSupported")) {
    std::string s = fmt::format("PacketSize={:x};vContSupported+;QStartNoAckMode+", kMaxPacket);
    if (d && !d->gdb_target_xml().empty()) s += ";qXfer:features:read+";
    return s;
  }
  if (starts_with(p, "qXfer:features:read:")) {
    // qXfer:features:read:ANNEX:OFFSET,LENGTH -> `m` DATA (more follows) or `l` DATA (last).
    std::string_view rest(p);
    rest.remove_prefix(20);
    auto colon = rest.find(':');
    if (colon == std::string_view::npos) return kErrInvalid;
    std::string_view annex = rest.substr(0, colon);
    std::uint32_t off, len;
    if (!parse_addr_len(rest.substr(colon + 1), &off, &len)) return kErrInvalid;
    std::string xml = d ? d->gdb_target_xml() : std::string{};
    if (xml.empty() || annex != "target.xml") return "E00";
    // The reply is binary data, escaped by frame(); keep it within the packet size even if
    // every byte needed escaping.
    len = std::min<std::uint32_t>(len, kMaxPacket / 2 - 8);
    if (off >= xml.size()) return "l";
    std::string chunk = xml.substr(off, len);
    return (off + chunk.size() >= xml.size() ? "l" : "m") + chunk;
  }
  if (p == "qAttached") return "1";  // we attached to an existing process: `kill` is explicit
  if (p == "qC") return "QC1";
  if (p == "qfThreadInfo") return "m1";
  if (p == "qsThreadInfo") return "l";
  if (p == "qOffsets") return "Text=0;Data=0;Bss=0";
  if (starts_with(p, "qRcmd,")) {
    std::string cmd;
    if (!from_hex(std::string_view(p).substr(6), &cmd)) return kErrInvalid;
    return to_hex(monitor(cmd));
  }
  return "";
}

void GdbStub::handle(const std::string& p) {
  if (p.empty()) {
    reply("");
    return;
  }
  CpuDebug* d = target_.debug();
  switch (p[0]) {
    case '?':
      reply(last_stop_);
      return;
    case 'g':
      reply(registers_packet());
      return;
    case 'G': {
      if (!d) return reply(kErrNoDebug);
      std::string_view hex(p);
      hex.remove_prefix(1);
      if (hex.size() % 8) return reply(kErrInvalid);
      for (unsigned i = 0; i < hex.size() / 8 && i < d->gdb_register_count(); ++i) {
        std::uint32_t v;
        if (hex.substr(i * 8, 8) == "xxxxxxxx") continue;
        if (!parse_hex_u32_le(hex.substr(i * 8, 8), &v)) return reply(kErrInvalid);
        d->gdb_write_register(i, v);
      }
      return reply("OK");
    }
    case 'p': {
      std::uint32_t n, v;
      if (!parse_hex(std::string_view(p).substr(1), &n)) return reply(kErrInvalid);
      if (!d) return reply(kErrNoDebug);
      if (n >= d->gdb_register_count()) return reply(kErrInvalid);
      return reply(d->gdb_read_register(n, &v) ? to_hex_u32_le(v) : "xxxxxxxx");
    }
    case 'P': {
      auto eq = p.find('=');
      std::uint32_t n, v;
      if (eq == std::string::npos || !parse_hex(std::string_view(p).substr(1, eq - 1), &n) ||
          !parse_hex_u32_le(std::string_view(p).substr(eq + 1), &v))
        return reply(kErrInvalid);
      if (!d) return reply(kErrNoDebug);
      return reply(n < d->gdb_register_count() && d->gdb_write_register(n, v) ? "OK" : kErrInvalid);
    }
    case 'm': {
      std::uint32_t addr, len;
      if (!parse_addr_len(std::string_view(p).substr(1), &addr, &len)) return reply(kErrInvalid);
      return reply(read_memory(addr, len));
    }
    case 'M':
    case 'X': {
      auto colon = p.find(':');
      std::uint32_t addr, len;
      if (colon == std::string::npos || !parse_addr_len(std::string_view(p).substr(1, colon - 1), &addr, &len))
        return reply(kErrInvalid);
      std::string bytes;
      if (p[0] == 'M') {
        if (!from_hex(std::string_view(p).substr(colon + 1), &bytes)) return reply(kErrInvalid);
      } else {
        bytes = p.substr(colon + 1);  // already unescaped by the framing layer
      }
      if (bytes.size() != len) return reply(kErrInvalid);
      return reply(write_memory(addr, bytes) ? "OK" : kErrFault);
    }
    case 'c':
    case 's':
      resume(p[0] == 's', std::string_view(p).substr(1));
      return;
    case 'C':
    case 'S': {
      // C sig[;addr]: the signal means nothing to bare metal; the address is honoured.
      auto semi = p.find(';');
      resume(p[0] == 'S', semi == std::string::npos ? std::string_view{} : std::string_view(p).substr(semi + 1));
      return;
    }
    case 'Z':
    case 'z':
      reply(breakpoint(p, p[0] == 'Z'));
      return;
    case 'H':
    case 'T':
      reply("OK");  // one thread (1), always selected and alive
      return;
    case 'D':
      reply("OK");
      state_ = State::detached;
      return;
    case 'k':
      state_ = State::killed;  // E.2: `k` expects no reply
      return;
    case 'q':
      reply(query(p));
      return;
    case 'Q':
      if (p == "QStartNoAckMode") {
        reply("OK");  // this reply is still acknowledged; from now on nothing is (E.11)
        no_ack_ = true;
        return;
      }
      reply("");
      return;
    case 'v':
      if (p == "vCont?") return reply("vCont;c;C;s;S");
      if (starts_with(p, "vCont;")) {
        std::string r = vcont(p);
        if (!r.empty()) reply(r);
        return;
      }
      if (starts_with(p, "vKill")) {
        reply("OK");
        state_ = State::killed;
        return;
      }
      reply("");  // vMustReplyEmpty and everything else we do not offer
      return;
    default:
      reply("");
      return;
  }
}

}  // namespace boardemu::gdb
