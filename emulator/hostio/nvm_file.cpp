#include "hostio/nvm_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "core/host_file.hpp"

namespace boardemu {

namespace {

std::string errno_text() { return std::strerror(errno); }

// Writes all of `data` at `offset`, retrying short writes and EINTR. False on error (errno).
bool pwrite_all(int fd, const std::uint8_t* data, std::size_t len, off_t offset) {
  while (len > 0) {
    ssize_t n = ::pwrite(fd, data, len, offset);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data += n;
    len -= static_cast<std::size_t>(n);
    offset += n;
  }
  return true;
}

}  // namespace

NvmFile::NvmFile(std::string path, NonVolatileMemory& memory, std::string what)
    : path_(std::move(path)), memory_(memory), what_(std::move(what)) {
  // O_NONBLOCK: a FIFO named by mistake must not block open(); it is refused below.
  int fd = ::open(path_.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return;  // created by start()
    throw NvmFileError(path_ + ": cannot open for reading and writing: " + errno_text());
  }
  fd_ = fd;
  struct stat st{};
  if (::fstat(fd_, &st) != 0) {
    std::string why = errno_text();
    ::close(fd_);
    fd_ = -1;
    throw NvmFileError(path_ + ": " + why);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd_);
    fd_ = -1;
    throw NvmFileError(path_ + ": is " + file_kind(st.st_mode) + ", not a flash image file");
  }
  ::fcntl(fd_, F_SETFL, 0);  // back to blocking I/O for a regular file
  const std::uint32_t size = memory_.nvm_size();
  if (static_cast<std::uint64_t>(st.st_size) != size) {
    ::close(fd_);
    fd_ = -1;
    throw NvmFileError(path_ + ": is " + std::to_string(st.st_size) + " bytes, but the " + what_ + " is " +
                       std::to_string(size) + " bytes (" + std::to_string(size / 1024) +
                       " KiB); use another file, or delete this one to start from an erased chip");
  }
  std::vector<std::uint8_t> bytes(size);
  std::size_t done = 0;
  while (done < size) {
    ssize_t n = ::pread(fd_, bytes.data() + done, size - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      std::string why = n < 0 ? errno_text() : "file ended early";
      ::close(fd_);
      fd_ = -1;
      throw NvmFileError(path_ + ": cannot read: " + why);
    }
    done += static_cast<std::size_t>(n);
  }
  memory_.nvm_load(0, bytes);
  loaded_ = true;
}

NvmFile::~NvmFile() { close(); }

void NvmFile::start() {
  const std::uint32_t size = memory_.nvm_size();
  std::vector<std::uint8_t> bytes(size);
  memory_.nvm_read(0, bytes);
  if (fd_ < 0) {
    // A new file appears whole or not at all: written beside it, synced, then renamed.
    std::string tmp = path_ + ".tmp-" + std::to_string(::getpid());
    int fd = ::open(tmp.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) throw NvmFileError(path_ + ": cannot create: " + errno_text());
    if (!pwrite_all(fd, bytes.data(), bytes.size(), 0) || ::fsync(fd) != 0 ||
        ::rename(tmp.c_str(), path_.c_str()) != 0) {
      std::string why = errno_text();
      ::close(fd);
      ::unlink(tmp.c_str());
      throw NvmFileError(path_ + ": cannot write: " + why);
    }
    fd_ = fd;
  } else if (!pwrite_all(fd_, bytes.data(), bytes.size(), 0)) {
    // The firmware's segments were loaded over the saved contents: keep the file equal.
    throw NvmFileError(path_ + ": cannot write: " + errno_text());
  }
  observer_ = memory_.observe_nvm_changes([this](std::uint32_t addr, std::uint32_t len) { write_range(addr, len); });
  observing_ = true;
}

void NvmFile::write_range(std::uint32_t addr, std::uint32_t len) {
  if (failed_ || fd_ < 0) return;
  const std::uint32_t size = memory_.nvm_size();
  if (addr >= size) return;
  if (len > size - addr) len = size - addr;
  std::uint8_t chunk[4096];
  while (len > 0) {
    std::uint32_t n = len < sizeof chunk ? len : static_cast<std::uint32_t>(sizeof chunk);
    memory_.nvm_read(addr, std::span(chunk, n));
    if (!pwrite_all(fd_, chunk, n, static_cast<off_t>(addr))) {
      failed_ = true;
      std::fprintf(stderr, "boardemu: %s: writing the %s failed (%s); its changes from now on are NOT saved\n",
                   path_.c_str(), what_.c_str(), errno_text().c_str());
      return;
    }
    addr += n;
    len -= n;
  }
}

void NvmFile::close() {
  if (observing_) {
    memory_.unobserve_nvm_changes(observer_);
    observing_ = false;
  }
  if (fd_ >= 0) {
    if (::fdatasync(fd_) != 0 && !failed_) {
      failed_ = true;
      std::fprintf(stderr, "boardemu: %s: syncing the %s failed: %s\n", path_.c_str(), what_.c_str(),
                   errno_text().c_str());
    }
    ::close(fd_);
    fd_ = -1;
  }
}

}  // namespace boardemu
