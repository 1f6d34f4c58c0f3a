#include "core/semihosting.hpp"

#include <vector>

#include "core/log.hpp"

namespace boardemu {

Semihosting::Semihosting(Bus& bus, std::uint64_t cpu_hz,
                         std::function<void(const std::string&)> console)
    : bus_(bus), cpu_hz_(cpu_hz), console_(std::move(console)) {}

bool Semihosting::read_word(std::uint32_t addr, std::uint32_t* out) const {
  std::uint8_t b[4];
  if (!bus_.read_block(addr, b, 4)) return false;
  *out = b[0] | b[1] << 8 | b[2] << 16 | static_cast<std::uint32_t>(b[3]) << 24;
  return true;
}

std::string Semihosting::read_string(std::uint32_t addr, std::uint32_t max_len) const {
  std::string s;
  for (std::uint32_t i = 0; i < max_len; ++i) {
    std::uint8_t c;
    if (!bus_.read_block(addr + i, &c, 1) || c == 0) break;
    s.push_back(static_cast<char>(c));
  }
  return s;
}

Semihosting::Outcome Semihosting::call(std::uint32_t op, std::uint32_t param) {
  Outcome out;
  constexpr std::uint32_t kFail = 0xFFFFFFFF;
  std::uint32_t a[4] = {0, 0, 0, 0};
  auto args = [&](int n) {
    for (int i = 0; i < n; ++i)
      if (!read_word(param + 4 * i, &a[i])) return false;
    return true;
  };
  switch (op) {
    case SYS_OPEN:
      // Only the console (":tt") exists: handle 1 for reading, 2 for writing.
      if (!args(3)) return {kFail, {}};
      if (read_string(a[0], a[2] + 1) == ":tt") return {a[1] < 4 ? 1u : 2u, {}};
      BE_LOG(unimp, "semihosting: SYS_OPEN of a host file is not supported");
      return {kFail, {}};
    case SYS_CLOSE:
      return {0, {}};
    case SYS_WRITEC: {
      std::uint8_t c;
      if (bus_.read_block(param, &c, 1)) console_(std::string(1, static_cast<char>(c)));
      return {0, {}};
    }
    case SYS_WRITE0:
      console_(read_string(param, 1u << 16));
      return {0, {}};
    case SYS_WRITE: {
      if (!args(3)) return {kFail, {}};
      std::vector<std::uint8_t> buf(a[2]);
      if (!bus_.read_block(a[1], buf.data(), buf.size())) return {a[2], {}};
      if (a[0] == 1 || a[0] == 2) console_(std::string(buf.begin(), buf.end()));
      return {0, {}};  // number of bytes NOT written
    }
    case SYS_READ:
      if (!args(3)) return {kFail, {}};
      BE_LOG(unimp, "semihosting: SYS_READ is not supported (input comes through the UART)");
      return {a[2], {}};  // nothing read
    case SYS_READC:
      BE_LOG(unimp, "semihosting: SYS_READC is not supported");
      return {kFail, {}};
    case SYS_ISERROR:
      if (!args(1)) return {kFail, {}};
      return {static_cast<std::int32_t>(a[0]) < 0 ? 1u : 0u, {}};
    case SYS_ISTTY:
      return {1, {}};
    case SYS_SEEK:
      return {0, {}};
    case SYS_FLEN:
      return {kFail, {}};
    case SYS_CLOCK:  // centiseconds of virtual time
      return {static_cast<std::uint32_t>(bus_.scheduler().now() / (cpu_hz_ / 100)), {}};
    case SYS_TIME:  // seconds; virtual time since reset, so runs repeat
      return {static_cast<std::uint32_t>(bus_.scheduler().now() / cpu_hz_), {}};
    case SYS_ERRNO:
      return {0, {}};
    case SYS_GET_CMDLINE: {
      if (!args(2)) return {kFail, {}};
      std::uint8_t zero = 0;
      std::uint8_t len0[4] = {0, 0, 0, 0};
      if (a[1] == 0 || !bus_.write_block(a[0], &zero, 1) || !bus_.write_block(param + 4, len0, 4))
        return {kFail, {}};
      return {0, {}};
    }
    case SYS_HEAPINFO: {
      // Zeros: the C library then uses its linker-script defaults.
      std::uint32_t block;
      if (!read_word(param, &block)) return {kFail, {}};
      std::uint8_t zeros[16] = {};
      bus_.write_block(block, zeros, sizeof zeros);
      return {0, {}};
    }
    case SYS_EXIT:
      // AArch32: the parameter is the reason code itself. ApplicationExit means success; any
      // other reason is reported as failure, as QEMU does.
      out.exit_code = param == ADP_Stopped_ApplicationExit ? 0 : 1;
      return out;
    case SYS_EXIT_EXTENDED:
      if (!args(2)) return {kFail, {}};
      out.exit_code = a[0] == ADP_Stopped_ApplicationExit ? static_cast<int>(a[1]) : 1;
      return out;
    case SYS_ELAPSED: {  // 64-bit tick count at param
      std::uint64_t t = bus_.scheduler().now();
      std::uint8_t b[8];
      for (int i = 0; i < 8; ++i) b[i] = static_cast<std::uint8_t>(t >> (8 * i));
      return {bus_.write_block(param, b, 8) ? 0u : kFail, {}};
    }
    case SYS_TICKFREQ:
      return {static_cast<std::uint32_t>(cpu_hz_), {}};
    default:
      BE_LOG(unimp, "semihosting: operation 0x{:02x} is not supported", op);
      return {kFail, {}};
  }
}

}  // namespace boardemu
