// Tests of the SPI NOR flash chip model, no CPU and no controller.
//
// Reference: Winbond W25Q32JV datasheet: 8.2 Instructions (Write Enable 06h, Read Status
// Register-1 05h, Read JEDEC ID 9Fh, Read Data 03h, Page Program 02h, Sector Erase 20h, Block
// Erase D8h, Chip Erase C7h), 7.1 Status Registers (BUSY bit 0, WEL bit 1), and the AC
// characteristics (typical tPP 0.4 ms, tSE 45 ms, tBE2 150 ms, tCE 10 s).
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "flash/spi_nor_flash.hpp"
#include "support/log_capture.hpp"

namespace boardemu {
namespace {

constexpr std::uint64_t kHz = 80'000'000;
constexpr std::uint32_t kSize = 0x400000;  // 4 MiB: W25Q32

class SpiNorFlashTest : public ::testing::Test {
 protected:
  SpiNorFlashTest()
      : window_(0x10000, 0),
        chip_(kSize, 0xEF4016, SpiNorFlash::Timing::w25q_typical(kHz), sched_,
              std::span<std::uint8_t>(window_)) {}

  void cmd(std::uint8_t op, std::uint32_t addr = 0) { chip_.transfer(op, addr, {}, {}); }
  void program(std::uint32_t addr, const std::vector<std::uint8_t>& data) {
    cmd(0x06);
    chip_.transfer(0x02, addr, data, {});
  }
  std::vector<std::uint8_t> read(std::uint32_t addr, std::size_t n) {
    std::vector<std::uint8_t> out(n);
    chip_.transfer(0x03, addr, {}, out);
    return out;
  }
  std::uint8_t rdsr() {
    std::array<std::uint8_t, 1> sr{};
    chip_.transfer(0x05, 0, {}, sr);
    return sr[0];
  }
  void wait_idle() {
    while (rdsr() & 1) sched_.advance(1000);
  }

  Scheduler sched_;
  std::vector<std::uint8_t> window_;
  SpiNorFlash chip_;
};

TEST_F(SpiNorFlashTest, JedecIdAndErasedContents) {
  std::array<std::uint8_t, 3> id{};
  chip_.transfer(0x9F, 0, {}, id);
  EXPECT_EQ(id, (std::array<std::uint8_t, 3>{0xEF, 0x40, 0x16}));
  EXPECT_EQ(rdsr(), 0u);
  // An erased chip, including the mapped window the caller owns.
  EXPECT_EQ(window_[0], 0xFF);
  EXPECT_EQ(window_[0xFFFF], 0xFF);
  EXPECT_EQ(read(kSize - 2, 2), (std::vector<std::uint8_t>{0xFF, 0xFF}));
}

TEST_F(SpiNorFlashTest, ProgramNeedsWriteEnableAndOnlyClearsBits) {
  testing::LogCapture log;
  chip_.transfer(0x02, 0x100, std::vector<std::uint8_t>{0x00}, {});
  EXPECT_EQ(read(0x100, 1)[0], 0xFF);
  EXPECT_NE(log.take().find("without Write Enable"), std::string::npos);
  program(0x100, {0xF0, 0x3C});
  EXPECT_EQ(rdsr(), 0x03);  // BUSY and WEL during tPP
  wait_idle();
  EXPECT_EQ(rdsr(), 0x00);  // WEL cleared at the end
  program(0x100, {0x0F, 0xFF});
  wait_idle();
  EXPECT_EQ(read(0x100, 2), (std::vector<std::uint8_t>{0x00, 0x3C}));
  EXPECT_EQ(window_[0x100], 0x00);  // the mapped bytes are the chip's
}

TEST_F(SpiNorFlashTest, PageProgramWrapsWithinItsPage) {
  std::vector<std::uint8_t> data(10);
  for (int i = 0; i < 10; ++i) data[i] = static_cast<std::uint8_t>(i);
  program(0x12FA, data);  // page 0x1200, column 0xFA: 6 bytes to the end, 4 wrap
  wait_idle();
  EXPECT_EQ(read(0x12FA, 6), (std::vector<std::uint8_t>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(read(0x1200, 4), (std::vector<std::uint8_t>{6, 7, 8, 9}));
  EXPECT_EQ(read(0x1300, 1)[0], 0xFF);  // the next page untouched
  // More than 256 bytes: the last 256 are programmed.
  std::vector<std::uint8_t> big(300);
  for (int i = 0; i < 300; ++i) big[i] = static_cast<std::uint8_t>(i < 44 ? 0x00 : 0xA5);
  program(0x2000, big);
  wait_idle();
  EXPECT_EQ(read(0x2000, 256), std::vector<std::uint8_t>(256, 0xA5));
}

TEST_F(SpiNorFlashTest, EraseTimingAndGranularity) {
  program(0x3456, {0x00});
  wait_idle();
  program(0x10000 - 1, {0x00});
  wait_idle();
  Cycles t0 = sched_.now();
  cmd(0x06);
  cmd(0x20, 0x3FFF);  // Sector Erase: rounds down to 0x3000
  Cycles tse = kHz * 45 / 1000;
  sched_.advance_to(t0 + tse - 1);
  EXPECT_EQ(rdsr() & 1, 1);
  // Anything but a status read is ignored while BUSY.
  testing::LogCapture log;
  EXPECT_EQ(read(0x10000 - 1, 1)[0], 0xFF);  // ignored: the chip drives nothing
  EXPECT_NE(log.take().find("BUSY = 1"), std::string::npos);
  sched_.advance_to(t0 + tse);
  EXPECT_EQ(rdsr(), 0u);
  EXPECT_EQ(read(0x3456, 1)[0], 0xFF);
  EXPECT_EQ(read(0x10000 - 1, 1)[0], 0x00);  // another sector: kept
  // Block Erase (64 KiB) takes tBE2.
  t0 = sched_.now();
  cmd(0x06);
  cmd(0xD8, 0x1234);
  sched_.advance_to(t0 + kHz * 150 / 1000 - 1);
  EXPECT_EQ(rdsr() & 1, 1);
  sched_.advance_to(t0 + kHz * 150 / 1000);
  EXPECT_EQ(rdsr() & 1, 0);
  EXPECT_EQ(window_[0xFFFF], 0xFF);
  // Chip Erase.
  program(0x300000, {0x12});
  wait_idle();
  cmd(0x06);
  cmd(0xC7);
  sched_.advance(kHz * 10);
  EXPECT_EQ(rdsr(), 0u);
  EXPECT_EQ(read(0x300000, 1)[0], 0xFF);
}

TEST_F(SpiNorFlashTest, WriteDisableAndAddressWrap) {
  cmd(0x06);
  EXPECT_EQ(rdsr(), 0x02);
  cmd(0x04);
  EXPECT_EQ(rdsr(), 0x00);
  program(kSize + 0x10, {0x42});  // wraps to 0x10
  wait_idle();
  EXPECT_EQ(window_[0x10], 0x42);
  testing::LogCapture log;
  cmd(0x77);
  EXPECT_NE(log.take().find("unknown instruction 0x77"), std::string::npos);
}

TEST_F(SpiNorFlashTest, ModifiedCallbackReportsTheRange) {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> seen;
  chip_.on_modified([&](std::uint32_t a, std::uint32_t n) { seen.emplace_back(a, n); });
  program(0x1010, {1});
  wait_idle();
  cmd(0x06);
  cmd(0x20, 0x5004);
  EXPECT_EQ(seen, (std::vector<std::pair<std::uint32_t, std::uint32_t>>{{0x1000, 256},
                                                                        {0x5000, 4096}}));
}

class FlashFileTest : public ::testing::Test {
 protected:
  FlashFileTest()
      : dir_(std::filesystem::temp_directory_path() /
             ("boardemu-flash-" + std::to_string(::getpid()) + "-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name())) {
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  ~FlashFileTest() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
  Scheduler sched_;
};

TEST_F(FlashFileTest, SaveAndLoadRoundTrip) {
  std::string path = (dir_ / "flash.bin").string();
  {
    SpiNorFlash chip(0x10000, 0xEF4010, SpiNorFlash::Timing::instant(), sched_);
    chip.load(0x1234, std::vector<std::uint8_t>{1, 2, 3});
    chip.save_file(path);
  }
  EXPECT_EQ(std::filesystem::file_size(path), 0x10000u);
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  SpiNorFlash again(0x10000, 0xEF4010, SpiNorFlash::Timing::instant(), sched_);
  again.load_file(path);
  EXPECT_EQ(again.byte_at(0x1233), 0xFF);
  EXPECT_EQ(again.byte_at(0x1234), 1);
  EXPECT_EQ(again.byte_at(0x1236), 3);
}

TEST_F(FlashFileTest, AFailedSaveLeavesThePreviousFileUntouched) {
  std::string path = (dir_ / "flash.bin").string();
  { std::ofstream(path, std::ios::binary) << "previous contents"; }
  // The temporary file cannot be created (a directory is in the way).
  std::filesystem::create_directory(path + ".tmp");
  SpiNorFlash chip(0x10000, 0xEF4010, SpiNorFlash::Timing::instant(), sched_);
  EXPECT_THROW(chip.save_file(path), std::runtime_error);
  std::ifstream in(path, std::ios::binary);
  std::string got((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(got, "previous contents");
}

TEST_F(FlashFileTest, BadImagesAreClearErrors) {
  SpiNorFlash chip(0x10000, 0xEF4010, SpiNorFlash::Timing::instant(), sched_);
  std::string missing = (dir_ / "missing.bin").string();
  try {
    chip.load_file(missing);
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(missing), std::string::npos);
  }
  std::string big = (dir_ / "big.bin").string();
  { std::ofstream(big, std::ios::binary) << std::string(0x10001, 'x'); }
  try {
    chip.load_file(big);
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("larger than"), std::string::npos);
  }
  EXPECT_EQ(chip.byte_at(0), 0xFF);  // nothing loaded
  EXPECT_THROW(SpiNorFlash(3000, 0, SpiNorFlash::Timing::instant(), sched_), std::invalid_argument);
  std::vector<std::uint8_t> window(0x20000);
  EXPECT_THROW(SpiNorFlash(0x10000, 0, SpiNorFlash::Timing::instant(), sched_,
                           std::span<std::uint8_t>(window)),
               std::invalid_argument);
}

}  // namespace
}  // namespace boardemu
