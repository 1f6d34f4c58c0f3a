// Xtensa semihosting through the SIMCALL instruction, as QEMU implements it for its `sim`
// machine (qemu target/xtensa/xtensa-semi.c, which follows the Tensilica instruction set
// simulator's convention): a2 = call number, arguments in a3..a6, the result comes back in
// a2 and the guest errno value in a3 (Xtensa/newlib numbering, not the host's).
//
// Calls served: exit (1), read (3), write (4), open (5), close (6), lseek (19), select_one
// (29), argc (1000), argv_sz (1001), argv (1002), memset (1004); anything else answers -1
// with errno ENOSYS (88), as QEMU does. fd 1 and 2 go to the console sinks (QEMU writes them
// to its stdio chardev, i.e. stdout with -nographic); fd 0 reads the console input source.
// File calls (open/close/lseek on fd >= 3) reach the host file system, as QEMU's do.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "core/bus.hpp"

namespace boardemu::xtensa {

class XtensaSimcall {
 public:
  using Sink = std::function<void(int fd, const std::string& bytes)>;
  // Reads up to `max` bytes of console input into `out`; returns the count, 0 at end of input.
  using Source = std::function<std::size_t(std::uint8_t* out, std::size_t max)>;

  explicit XtensaSimcall(Bus& bus);
  ~XtensaSimcall();

  void set_console(Sink out) { console_ = std::move(out); }
  void set_input(Source in) { input_ = std::move(in); }

  struct Outcome {
    std::uint32_t a2 = 0, a3 = 0;
    std::optional<int> exit_code;  // set by exit: the run ends with this status
  };
  // `a` holds a2..a6.
  Outcome call(const std::uint32_t a[5]);

  // Guest errno numbers (newlib's sys/errno.h, which QEMU's TARGET_E* mirror).
  static constexpr std::uint32_t kEBADF = 9, kEAGAIN = 11, kEFAULT = 14, kEINVAL = 22,
                                 kENOSYS = 88;
  static std::uint32_t guest_errno(int host_errno);

 private:
  bool copy_in(std::uint32_t addr, std::uint32_t len, std::string* out) const;

  Bus& bus_;
  Sink console_;
  Source input_;
};

}  // namespace boardemu::xtensa
