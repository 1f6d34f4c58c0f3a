// Serial NOR flash (Winbond W25Q32JV/W25Q16JV instruction set). See spi_nor_flash.hpp.
#include "spi_nor_flash.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include "core/log.hpp"

namespace boardemu {

namespace {

Cycles us_to_cycles(std::uint64_t cpu_hz, std::uint64_t us) { return cpu_hz * us / 1'000'000; }

}  // namespace

SpiNorFlash::Timing SpiNorFlash::Timing::w25q_typical(std::uint64_t cpu_hz) {
  // W25Q32JV AC electrical characteristics, typical column (microseconds here).
  return {.page_program = us_to_cycles(cpu_hz, 400),
          .sector_erase = us_to_cycles(cpu_hz, 45'000),
          .block_erase_32k = us_to_cycles(cpu_hz, 120'000),
          .block_erase_64k = us_to_cycles(cpu_hz, 150'000),
          .chip_erase = us_to_cycles(cpu_hz, 10'000'000),
          .write_status = us_to_cycles(cpu_hz, 10'000)};
}

SpiNorFlash::SpiNorFlash(std::uint32_t size, std::uint32_t jedec_id, Timing timing,
                         const Scheduler& clock, std::span<std::uint8_t> mapped)
    : size_(size), jedec_id_(jedec_id), timing_(timing), clock_(clock), mapped_(mapped) {
  if (size < 0x10000 || size > 0x1000000 || (size & (size - 1)) != 0)
    throw std::invalid_argument("flash size " + std::to_string(size) +
                                " is not a power of two from 64 KiB to 16 MiB");
  if (mapped.size() > size)
    throw std::invalid_argument("the mapped window (" + std::to_string(mapped.size()) +
                                " bytes) is larger than the flash chip (" + std::to_string(size) +
                                " bytes)");
  std::fill(mapped_.begin(), mapped_.end(), 0xFF);
  rest_.assign(size - mapped.size(), 0xFF);
}

std::uint8_t& SpiNorFlash::at(std::uint32_t addr) {
  addr &= size_ - 1;
  return addr < mapped_.size() ? mapped_[addr] : rest_[addr - mapped_.size()];
}

std::uint8_t SpiNorFlash::byte_at(std::uint32_t addr) const {
  addr &= size_ - 1;
  return addr < mapped_.size() ? mapped_[addr] : rest_[addr - mapped_.size()];
}

void SpiNorFlash::read(std::uint32_t addr, std::span<std::uint8_t> out) const {
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = byte_at(addr + static_cast<std::uint32_t>(i));
}

void SpiNorFlash::load(std::uint32_t addr, std::span<const std::uint8_t> data) {
  for (std::size_t i = 0; i < data.size(); ++i) at(addr + static_cast<std::uint32_t>(i)) = data[i];
}

std::uint8_t SpiNorFlash::status() const {
  std::uint8_t sr = sr1_;
  if (busy()) return sr | SR_BUSY;
  if (wel_clears_when_idle_) sr &= ~SR_WEL;
  return sr;
}

bool SpiNorFlash::begin_write_op(const char* what, Cycles duration) {
  if (!(sr1_ & SR_WEL)) {
    BE_LOG(guest_error, "spi-nor-flash: {} without Write Enable (WEL = 0): ignored", what);
    return false;
  }
  busy_until_ = clock_.now() + duration;
  wel_clears_when_idle_ = true;
  return true;
}

void SpiNorFlash::erase(std::uint32_t addr, std::uint32_t len, const char* what, Cycles duration) {
  if (!begin_write_op(what, duration)) return;
  std::uint32_t start = (addr & (size_ - 1)) & ~(len - 1);
  for (std::uint32_t i = 0; i < len; ++i) at(start + i) = 0xFF;
  if (modified_) modified_(start, len);
}

void SpiNorFlash::transfer(std::uint8_t opcode, std::uint32_t address,
                           std::span<const std::uint8_t> mosi, std::span<std::uint8_t> miso) {
  std::fill(miso.begin(), miso.end(), 0xFF);
  // The write-enable latch resets when the previous program/erase/write-status finished.
  if (wel_clears_when_idle_ && !busy()) {
    sr1_ &= ~SR_WEL;
    wel_clears_when_idle_ = false;
  }
  bool status_read = opcode == 0x05 || opcode == 0x35;
  if (busy() && !status_read) {
    BE_LOG(guest_error,
           "spi-nor-flash: instruction 0x{:02x} while a program/erase is in progress (BUSY = 1): "
           "ignored",
           opcode);
    return;
  }
  switch (opcode) {
    case 0x06:  // Write Enable
      sr1_ |= SR_WEL;
      break;
    case 0x04:  // Write Disable
      sr1_ &= ~SR_WEL;
      break;
    case 0x05:  // Read Status Register-1 (repeats while clocked)
      std::fill(miso.begin(), miso.end(), status());
      break;
    case 0x35:  // Read Status Register-2
      std::fill(miso.begin(), miso.end(), sr2_);
      break;
    case 0x01: {  // Write Status Register(-1, and -2 if a second byte follows)
      if (mosi.empty()) break;
      if (!begin_write_op("Write Status Register", timing_.write_status)) break;
      sr1_ = static_cast<std::uint8_t>((sr1_ & (SR_WEL | SR_BUSY)) | (mosi[0] & 0xFC));
      if (mosi.size() > 1) sr2_ = mosi[1];
      if (sr1_ & 0x1C)
        BE_LOG(unimp, "spi-nor-flash: block-protect bits BP0..2 = {} are stored, not enforced",
               (sr1_ >> 2) & 7);
      break;
    }
    case 0x9F:  // Read JEDEC ID
      for (std::size_t i = 0; i < miso.size() && i < 3; ++i)
        miso[i] = static_cast<std::uint8_t>(jedec_id_ >> (16 - 8 * i));
      break;
    case 0xAB:  // Release Power-down / Device ID: the device ID byte repeats after 3 dummies
      std::fill(miso.begin(), miso.end(), static_cast<std::uint8_t>((jedec_id_ & 0xFF) - 1));
      break;
    case 0xB9:  // Power-down: no power states are modelled
      BE_LOG(unimp, "spi-nor-flash: Power-down (0xB9) is not modelled; the chip stays active");
      break;
    case 0x03:  // Read Data
    case 0x0B:  // Fast Read (the controller handles the dummy byte)
      read(address, miso);
      break;
    case 0x02: {  // Page Program
      if (!begin_write_op("Page Program", timing_.page_program)) break;
      std::uint32_t page = (address & (size_ - 1)) & ~(kPageSize - 1);
      std::size_t skip = mosi.size() > kPageSize ? mosi.size() - kPageSize : 0;
      std::uint32_t col = (address + static_cast<std::uint32_t>(skip)) & (kPageSize - 1);
      for (std::size_t i = skip; i < mosi.size(); ++i) {
        at(page + col) &= mosi[i];  // programming only clears bits
        col = (col + 1) & (kPageSize - 1);
      }
      if (modified_ && !mosi.empty()) modified_(page, kPageSize);
      break;
    }
    case 0x20:
      erase(address, kSectorSize, "Sector Erase", timing_.sector_erase);
      break;
    case 0x52:
      erase(address, 0x8000, "Block Erase (32 KiB)", timing_.block_erase_32k);
      break;
    case 0xD8:
      erase(address, 0x10000, "Block Erase (64 KiB)", timing_.block_erase_64k);
      break;
    case 0xC7:
    case 0x60:
      erase(0, size_, "Chip Erase", timing_.chip_erase);
      break;
    default:
      BE_LOG(guest_error, "spi-nor-flash: unknown instruction 0x{:02x}: ignored", opcode);
      break;
  }
}

// ---- image files ----------------------------------------------------------------------------

void SpiNorFlash::load_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open flash image: " + std::strerror(errno));
  std::vector<std::uint8_t> data((std::istreambuf_iterator<char>(in)),
                                 std::istreambuf_iterator<char>());
  if (in.bad()) throw std::runtime_error(path + ": error reading flash image");
  if (data.size() > size_)
    throw std::runtime_error(path + ": flash image is " + std::to_string(data.size()) +
                             " bytes, larger than the " + std::to_string(size_) +
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
  write_all(mapped_.data(), mapped_.size());
  write_all(rest_.data(), rest_.size());
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
