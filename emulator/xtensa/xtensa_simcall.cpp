#include "xtensa/xtensa_simcall.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
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

// newlib's O_* values (sys/_default_fcntl.h), which guests built with Debian's lx106
// toolchain pass; QEMU passes them to the host unchanged, which mistranslates O_CREAT.
constexpr std::uint32_t kGuestAccMode = 3, kGuestAppend = 0x0008, kGuestCreat = 0x0200,
                        kGuestTrunc = 0x0400, kGuestExcl = 0x0800;

XtensaSimcall::XtensaSimcall(Bus& bus) : bus_(bus) {}

XtensaSimcall::~XtensaSimcall() {
  for (auto& [guest, host] : files_) ::close(host);
  if (root_fd_ >= 0) ::close(root_fd_);
}

void XtensaSimcall::set_file_root(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw std::invalid_argument(dir + ": cannot use as the semihosting file directory: " + std::strerror(errno));
  if (root_fd_ >= 0) ::close(root_fd_);
  root_fd_ = fd;
}

int XtensaSimcall::host_fd(std::uint32_t guest_fd) const {
  auto it = files_.find(guest_fd);
  return it == files_.end() ? -1 : it->second;
}

XtensaSimcall::Outcome XtensaSimcall::open_file(const std::string& name, std::uint32_t guest_flags,
                                                std::uint32_t mode) {
  Outcome o;
  o.a2 = 0xFFFFFFFF;
  auto refuse = [&](std::uint32_t err, const char* why) {
    BE_LOG(guest_error, "simcall open(\"{}\"): {}", name, why);
    o.a3 = err;
    return o;
  };
  if (root_fd_ < 0) return refuse(kEACCES, "host files are off (run with --semihosting-files DIR)");
  if (files_.size() >= kMaxOpenFiles) return refuse(kEMFILE, "too many open files");
  if (name.empty()) return refuse(kENOENT, "empty path");
  if (name[0] == '/') return refuse(kEACCES, "absolute paths are refused (relative to the --semihosting-files directory only)");
  std::uint32_t acc = guest_flags & kGuestAccMode;
  if (acc == 3 || (guest_flags & ~(kGuestAccMode | kGuestAppend | kGuestCreat | kGuestTrunc | kGuestExcl)))
    return refuse(kEINVAL, "unsupported open flags");
  int flags = acc == 0 ? O_RDONLY : acc == 1 ? O_WRONLY : O_RDWR;
  if (guest_flags & kGuestAppend) flags |= O_APPEND;
  if (guest_flags & kGuestCreat) flags |= O_CREAT;
  if (guest_flags & kGuestTrunc) flags |= O_TRUNC;
  if (guest_flags & kGuestExcl) flags |= O_EXCL;

  // Walk the path one component at a time from the root, never following a symbolic link.
  std::vector<std::string> parts;
  for (std::size_t at = 0; at <= name.size();) {
    std::size_t slash = name.find('/', at);
    if (slash == std::string::npos) slash = name.size();
    std::string part = name.substr(at, slash - at);
    at = slash + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") return refuse(kEACCES, "'..' is refused (paths stay inside the --semihosting-files directory)");
    parts.push_back(part);
  }
  if (parts.empty()) return refuse(kEACCES, "names the directory itself");
  int dir = root_fd_;
  auto close_dir = [&] {
    if (dir != root_fd_) ::close(dir);
  };
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    int next = ::openat(dir, parts[i].c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int err = errno;
    close_dir();
    if (next < 0) {
      o.a3 = guest_errno(err);
      BE_LOG(guest_error, "simcall open(\"{}\"): {}", name, std::strerror(err));
      return o;
    }
    dir = next;
  }
  // O_NONBLOCK: a FIFO must not block the emulator in open(); fstat then refuses it.
  int fd = ::openat(dir, parts.back().c_str(), flags | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY,
                    static_cast<mode_t>(mode & 0777));
  int err = errno;
  close_dir();
  if (fd < 0) {
    BE_LOG(guest_error, "simcall open(\"{}\"): {}", name, std::strerror(err));
    o.a3 = guest_errno(err);
    return o;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return refuse(kEACCES, "not a regular file");
  }
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  std::uint32_t guest_fd = 3;
  while (files_.count(guest_fd)) ++guest_fd;
  files_[guest_fd] = fd;
  o.a2 = guest_fd;
  o.a3 = 0;
  return o;
}

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
      } else if (int hfd = host_fd(fd); hfd < 0) {
        o.a2 = 0xFFFFFFFF;
        o.a3 = kEBADF;
      } else {
        ssize_t n = ::write(hfd, bytes.data(), bytes.size());
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
        std::optional<std::size_t> n = (input_ && len) ? input_(dst, len) : std::optional<std::size_t>(0);
        if (!n) {
          o.host_quit = true;
          return o;
        }
        o.a2 = static_cast<std::uint32_t>(*n);
        o.a3 = 0;
      } else if (fd == 1 || fd == 2) {
        o.a2 = 0xFFFFFFFF;
        o.a3 = kEBADF;
      } else if (int hfd = host_fd(fd); hfd < 0) {
        o.a2 = 0xFFFFFFFF;
        o.a3 = kEBADF;
      } else {
        ssize_t n = ::read(hfd, dst, len);
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
      return open_file(name, a[2], a[3]);
    }
    case kSysClose:
      if (a[1] < 3) {
        o.a2 = o.a3 = 0;  // the console descriptors stay open
      } else if (int hfd = host_fd(a[1]); hfd < 0) {
        o.a2 = 0xFFFFFFFF;
        o.a3 = kEBADF;
      } else {
        files_.erase(a[1]);
        int rc = ::close(hfd);
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
      int hfd = host_fd(a[1]);
      if (hfd < 0 || a[3] > 2) {  // SEEK_SET/CUR/END are 0/1/2 in newlib and Linux alike
        o.a2 = 0xFFFFFFFF;
        o.a3 = hfd < 0 ? kEBADF : kEINVAL;
        return o;
      }
      off_t r = ::lseek(hfd, static_cast<off_t>(static_cast<std::int32_t>(a[2])), static_cast<int>(a[3]));
      if (r > 0x7FFFFFFF) {  // the guest's off_t is 32 bits
        o.a2 = 0xFFFFFFFF;
        o.a3 = kEINVAL;
        return o;
      }
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
