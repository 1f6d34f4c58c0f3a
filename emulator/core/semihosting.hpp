// Semihosting: the guest asks the host for services through a trap instruction (BKPT 0xAB on
// M-profile Arm, the EBREAK sequence on RISC-V). Operation numbers and parameter blocks follow
// Arm's "Semihosting for AArch32 and AArch64" specification (version 3.0), which the RISC-V
// semihosting specification reuses.
//
// Only what bare-metal firmware commonly needs is served; time-related calls answer in virtual
// time so runs stay deterministic.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "core/bus.hpp"

namespace boardemu {

class Semihosting {
 public:
  struct Outcome {
    std::uint32_t result = 0;       // value for r0 / a0
    std::optional<int> exit_code;   // set when the guest asked to end the run
  };

  // `console` receives SYS_WRITEC / SYS_WRITE0 / SYS_WRITE to handles 1 and 2.
  Semihosting(Bus& bus, std::uint64_t cpu_hz, std::function<void(const std::string&)> console);

  Outcome call(std::uint32_t op, std::uint32_t param);

  // Operation numbers (semihosting specification, table "Semihosting operations").
  static constexpr std::uint32_t SYS_OPEN = 0x01, SYS_CLOSE = 0x02, SYS_WRITEC = 0x03,
                                 SYS_WRITE0 = 0x04, SYS_WRITE = 0x05, SYS_READ = 0x06,
                                 SYS_READC = 0x07, SYS_ISERROR = 0x08, SYS_ISTTY = 0x09,
                                 SYS_SEEK = 0x0A, SYS_FLEN = 0x0C, SYS_CLOCK = 0x10,
                                 SYS_TIME = 0x11, SYS_ERRNO = 0x13, SYS_GET_CMDLINE = 0x15,
                                 SYS_HEAPINFO = 0x16, SYS_EXIT = 0x18, SYS_EXIT_EXTENDED = 0x20,
                                 SYS_ELAPSED = 0x30, SYS_TICKFREQ = 0x31;
  static constexpr std::uint32_t ADP_Stopped_ApplicationExit = 0x20026;

 private:
  bool read_word(std::uint32_t addr, std::uint32_t* out) const;
  std::string read_string(std::uint32_t addr, std::uint32_t max_len) const;

  Bus& bus_;
  std::uint64_t cpu_hz_;
  std::function<void(const std::string&)> console_;
};

}  // namespace boardemu
