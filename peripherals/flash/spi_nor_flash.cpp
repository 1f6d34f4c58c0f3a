// Serial NOR flash driven one instruction at a time. See spi_nor_flash.hpp.
#include "flash/spi_nor_flash.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <vector>

namespace boardemu {

SpiNorFlash::SpiNorFlash(std::uint32_t size, std::uint32_t jedec_id, Timing timing,
                         Scheduler& clock, std::span<std::uint8_t> mapped, std::string name)
    : W25qFlash(std::move(name), clock, {.size = size, .jedec_id = jedec_id, .timing = timing},
                mapped) {}

void SpiNorFlash::transfer(std::uint8_t opcode, std::uint32_t address,
                           std::span<const std::uint8_t> mosi, std::span<std::uint8_t> miso) {
  const Instruction* format = instruction(opcode);
  select();
  exchange(opcode);
  if (format) {
    for (unsigned i = format->address_bytes; i-- > 0;)
      exchange(static_cast<std::uint8_t>(address >> (8 * i)));
    for (unsigned i = 0; i < format->dummy_bytes; ++i) exchange(0xFF);
  }
  for (std::uint8_t b : mosi) exchange(b);
  for (std::uint8_t& b : miso) b = exchange(0xFF);
  deselect();
}

void SpiNorFlash::on_modified(std::function<void(std::uint32_t addr, std::uint32_t len)> cb) {
  if (modified_) unobserve_changes(modified_);
  modified_ = cb ? observe_changes(std::move(cb)) : 0;
}

// ---- image files ----------------------------------------------------------------------------

void SpiNorFlash::load_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open flash image: " + std::strerror(errno));
  std::vector<std::uint8_t> data((std::istreambuf_iterator<char>(in)),
                                 std::istreambuf_iterator<char>());
  if (in.bad()) throw std::runtime_error(path + ": error reading flash image");
  if (data.size() > size())
    throw std::runtime_error(path + ": flash image is " + std::to_string(data.size()) +
                             " bytes, larger than the " + std::to_string(size()) +
                             "-byte flash chip");
  load(0, data);
}

void SpiNorFlash::save_file(const std::string& path) const {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    throw std::runtime_error(tmp + ": cannot create flash image: " + std::strerror(errno));
  auto fail = [&](const std::string& what) {
    int err = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    throw std::runtime_error(tmp + ": " + what + ": " + std::strerror(err));
  };
  auto write_all = [&](const std::uint8_t* p, std::size_t n) {
    while (n > 0) {
      ssize_t w = ::write(fd, p, n);
      if (w < 0) {
        if (errno == EINTR) continue;
        fail("write failed");
      }
      p += w;
      n -= static_cast<std::size_t>(w);
    }
  };
  for (std::span<const std::uint8_t> piece : contents()) write_all(piece.data(), piece.size());
  if (::fsync(fd) != 0) fail("fsync failed");
  if (::close(fd) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    throw std::runtime_error(tmp + ": close failed: " + std::strerror(err));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    throw std::runtime_error(path + ": cannot replace flash image: " + std::strerror(err));
  }
  // Make the rename itself durable.
  std::string dir = path.find('/') == std::string::npos ? "." : path.substr(0, path.rfind('/'));
  int dfd = ::open(dir.empty() ? "/" : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

}  // namespace boardemu
