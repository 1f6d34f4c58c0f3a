// Xtensa semihosting through the SIMCALL instruction, as QEMU implements it for its `sim`
// machine (qemu target/xtensa/xtensa-semi.c, which follows the Tensilica instruction set
// simulator's convention): a2 = call number, arguments in a3..a6, the result comes back in
// a2 and the guest errno value in a3 (Xtensa/newlib numbering, not the host's).
//
// Calls served: exit (1), read (3), write (4), open (5), close (6), lseek (19), select_one
// (29), argc (1000), argv_sz (1001), argv (1002), memset (1004); anything else answers -1
// with errno ENOSYS (88), as QEMU does. fd 1 and 2 go to the console sinks (QEMU writes them
// to its stdio chardev, i.e. stdout with -nographic); fd 0 reads the console input source.
//
// Host files: QEMU hands the guest's path and flags to the host's open() and lets it use any
// host descriptor. Here the guest reaches no host file unless the user named a directory
// (set_file_root, `--semihosting-files DIR`): then open takes relative paths only, resolved
// inside DIR component by component without following symbolic links and without `..`, and
// only regular files and directories' regular files are opened. Descriptors are the guest's
// own (3, 4, ... mapped to host descriptors this object opened); a number the guest did not get
// from open is EBADF, so the emulator's own files and sockets are out of reach. Everything not
// allowed answers -1 with a guest errno and is logged under guest_error.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "core/bus.hpp"

namespace boardemu::xtensa {

class XtensaSimcall {
 public:
  using Sink = std::function<void(int fd, const std::string& bytes)>;
  // Reads up to `max` bytes of console input into `out`; returns the count, 0 at end of input,
  // nothing when the host is quitting while the guest waits for input (the call is then not
  // made: Outcome::host_quit).
  using Source = std::function<std::optional<std::size_t>(std::uint8_t* out, std::size_t max)>;

  explicit XtensaSimcall(Bus& bus);
  ~XtensaSimcall();

  // Allows open/read/write/lseek/close of files inside `dir` (an existing directory; throws
  // std::invalid_argument otherwise). Without it the guest has the console and exit only.
  void set_file_root(const std::string& dir);
  bool files_allowed() const { return root_fd_ >= 0; }
  std::size_t open_files() const { return files_.size(); }

  void set_console(Sink out) { console_ = std::move(out); }
  void set_input(Source in) { input_ = std::move(in); }

  struct Outcome {
    std::uint32_t a2 = 0, a3 = 0;
    std::optional<int> exit_code;  // set by exit: the run ends with this status
    // The call was not made because the host is quitting: the CPU leaves the SIMCALL to run
    // again and ends its slice, so the run loop sees the quit request at once.
    bool host_quit = false;
  };
  // `a` holds a2..a6.
  Outcome call(const std::uint32_t a[5]);

  // Guest errno numbers (newlib's sys/errno.h, which QEMU's TARGET_E* mirror).
  static constexpr std::uint32_t kENOENT = 2, kEBADF = 9, kEAGAIN = 11, kEACCES = 13, kEFAULT = 14,
                                 kEINVAL = 22, kEMFILE = 24, kENOSYS = 88;
  // At most this many files open at once.
  static constexpr std::size_t kMaxOpenFiles = 64;
  static std::uint32_t guest_errno(int host_errno);

 private:
  bool copy_in(std::uint32_t addr, std::uint32_t len, std::string* out) const;
  Outcome open_file(const std::string& name, std::uint32_t guest_flags, std::uint32_t mode);
  int host_fd(std::uint32_t guest_fd) const;  // -1: not a file the guest opened

  Bus& bus_;
  int root_fd_ = -1;                    // the --semihosting-files directory, or -1
  std::map<std::uint32_t, int> files_;  // guest descriptor -> host descriptor
  Sink console_;
  Source input_;
};

}  // namespace boardemu::xtensa
