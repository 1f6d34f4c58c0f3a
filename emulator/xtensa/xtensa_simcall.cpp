#include "xtensa/xtensa_simcall.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "core/log.hpp"

namespace boardemu::xtensa {

namespace {
enum : std::uint32_t {
  kSysExit = 1, kSysRead = 3, kSysWrite = 4, kSysOpen = 5, kSysClose = 6, kSysLseek = 19,
  kSysSelectOne = 29, kSysArgc = 1000, kSysArgvSz = 1001, kSysArgv = 1002, kSysMemset = 1004,
};
constexpr std::uint32_t kSelectRead = 1, kSelectWrite = 2;
constexpr std::uint32_t kMaxTransfer = 1u << 24;  // one call moves at most 16 MiB
}  // namespace

XtensaSimcall::XtensaSimcall(Bus& bus) : bus_(bus) {}
XtensaSimcall::~XtensaSimcall() = default;

std::uint32_t XtensaSimcall::guest_errno(int e) {
  // Host (Linux) and guest (newlib) numbers agree for 1..34; QEMU maps the rest it knows,
  // and everything else to EINVAL.
  if (e == 0) return 0;
  if (e >= 1 && e <= 34) return static_cast<std::uint32_t>(e);
  if (e == ENOSYS) return kENOSYS;
  if (e == ELOOP) return 92;
  return kEINVAL;
}

bool XtensaSimcall::copy_in(std::uint32_t addr, std::uint32_t len, std::string* out) const {
  out->resize(len);
  return len == 0 || bus_.read_block(addr, reinterpret_cast<std::uint8_t*>(out->data()), len);
}

XtensaSimcall::Outcome XtensaSimcall::call(const std::uint32_t a[5]) {
  Outcome o;
  const std::uint32_t op = a[0];
  switch (op) {
    case kSysExit:
      // QEMU calls exit(a3): the process status is its low 8 bits.
      o.exit_code = static_cast<int>(a[1] & 0xFF);
      return o;
    case kSysWrite: {
      std::uint32_t fd = a[1], addr = a[2], len = a[3];
      if (len > kMaxTransfer) len = kMaxTransfer;
      std::string bytes;
      if (!copy_in(addr, len, &bytes)) {
        o.a2 = 0xFFFFFFFF;
        o.a3 = kEINVAL;  // QEMU: the buffer could not be mapped
        return o;
      }
      if (fd == 1 || fd == 2) {
        if (console_) console_(static_cast<int>(fd), bytes);
        o.a2 = len;
        o.a3 = 0;
      } else if (fd == 0) {
        o.a2 = 0xFFFFFFFF;
        o.a3 = kEBADF;
      } else {
        ssize_t n = ::write(static_cast<int>(fd), bytes.data(), bytes.size());
        o.a2 = static_cast<std::uint32_t>(n);
        o.a3 = n < 0 ? guest_errno(errno) : 0;
      }
      return o;
    }
    case kSysRead: {
      std::uint32_t fd = a[1], addr = a[2], len = a[3];
      if (len > kMaxTransfer) len = kMaxTransfer;
      std::uint8_t* dst = len ? bus_.host_pointer(addr, len) : nullptr;
      if (len && !dst) {
        o.a2 = 0xFFFFFFFF;
        o.a3 = kEINVAL;
        return o;
      }
      if (fd == 0) {
        std::size_t n = (input_ && len) ? input_(dst, len) : 0;
        o.a2 = static_cast<std::uint32_t>(n);
        o.a3 = 0;
      } else if (fd == 1 || fd == 2) {
        o.a2 = 0xFFFFFFFF;
        o.a3 = kEBADF;
      } else {
        ssize_t n = ::read(static_cast<int>(fd), dst, len);
        o.a2 = static_cast<std::uint32_t>(n);
        o.a3 = n < 0 ? guest_errno(errno) : 0;
      }
      return o;
    }
    case kSysOpen: {
      std::string name;
      bool terminated = false;
      for (std::uint32_t i = 0; i < 1024; ++i) {
        std::uint8_t c = 0;
        if (!bus_.read_block(a[1] + i, &c, 1)) break;
        if (c == 0) {
          terminated = true;
          break;
        }
        name.push_back(static_cast<char>(c));
      }
      if (!terminated) {
        o.a2 = 0xFFFFFFFF;
        o.a3 = kEINVAL;
        return o;
      }
      // The flags are the guest's (newlib) O_* values, passed through as QEMU does; newlib
      // and Linux agree on O_RDONLY/O_WRONLY/O_RDWR, O_APPEND differs (8 vs 1024).
      int fd = ::open(name.c_str(), static_cast<int>(a[2]), static_cast<mode_t>(a[3]));
      o.a2 = static_cast<std::uint32_t>(fd);
      o.a3 = fd < 0 ? guest_errno(errno) : 0;
      return o;
    }
    case kSysClose:
      if (a[1] < 3) {
        o.a2 = o.a3 = 0;  // the console descriptors stay open
      } else {
        int rc = ::close(static_cast<int>(a[1]));
        o.a2 = static_cast<std::uint32_t>(rc);
        o.a3 = rc < 0 ? guest_errno(errno) : 0;
      }
      return o;
    case kSysLseek: {
      if (a[1] < 3) {
        o.a2 = 0xFFFFFFFF;
        o.a3 = 29;  // ESPIPE: the console is not seekable
        return o;
      }
      off_t r = ::lseek(static_cast<int>(a[1]), static_cast<off_t>(static_cast<std::int32_t>(a[2])),
                        static_cast<int>(a[3]));
      o.a2 = static_cast<std::uint32_t>(r);
      o.a3 = r < 0 ? guest_errno(errno) : 0;
      return o;
    }
    case kSysSelectOne:
      // The console is always writable; console input counts as ready (reads block until
      // bytes arrive, which keeps runs deterministic for the same input).
      o.a2 = (a[1] == 0 && a[2] == kSelectRead) || ((a[1] == 1 || a[1] == 2) && a[2] == kSelectWrite);
      o.a3 = 0;
      return o;
    case kSysArgc:
      o.a2 = 0;  // no semihosting command line
      o.a3 = 0;
      return o;
    case kSysArgvSz:
      o.a2 = 4;  // just the terminating null pointer
      o.a3 = 0;
      return o;
    case kSysArgv: {
      std::uint8_t zero[4] = {0, 0, 0, 0};
      bus_.write_block(a[1], zero, 4);
      o.a3 = 0;
      return o;
    }
    case kSysMemset: {
      std::uint32_t base = a[1], len = a[3];
      std::vector<std::uint8_t> fill(std::min(len, kMaxTransfer), static_cast<std::uint8_t>(a[2]));
      if (!fill.empty() && !bus_.write_block(base, fill.data(), fill.size())) {
        for (std::uint32_t i = 0; i < fill.size(); ++i) bus_.write_block(base + i, fill.data(), 1);
      }
      o.a2 = a[1];
      o.a3 = 0;
      return o;
    }
    default:
      BE_LOG(guest_error, "simcall {}: not implemented (returns -1, errno ENOSYS)", op);
      o.a2 = 0xFFFFFFFF;
      o.a3 = kENOSYS;
      return o;
  }
}

}  // namespace boardemu::xtensa
