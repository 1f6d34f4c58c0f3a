// Register-level tests of the ESP8266 SPI0 flash controller driving its SPI NOR chip, with the
// chip's first bytes mapped as the board's flash cache window (a Bus memory region), no CPU.
//
// Reference: ESP8266 SDK spi_register.h (SPI_CMD 0x00: READ 31, WREN 30, WRDI 29, RDID 28,
// RDSR 27, WRSR 26, PP 25, SE 24, BE 23, CE 22, USR 18; SPI_ADDR 0x04 with the byte count in
// [31:24]; SPI_RD_STATUS 0x10; SPI_USER 0x1C, SPI_USER1 0x20, SPI_USER2 0x24; SPI_W0..W15
// 0x40..0x7C) and the sequences the mask ROM's SPIRead/SPIWrite/SPIEraseSector use; W25Q32JV
// datasheet for the chip (JEDEC ID EF 40 16, tSE 45 ms).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "core/bus.hpp"
#include "flash/esp8266_spi_flash.hpp"
#include "machine/device_registry.hpp"
#include "support/log_capture.hpp"

namespace boardemu {
namespace {

constexpr std::uint32_t kCmd = 0x00, kAddr = 0x04, kCtrl = 0x08, kRdStatus = 0x10, kUser = 0x1C,
                        kUser1 = 0x20, kUser2 = 0x24, kW0 = 0x40;
constexpr std::uint32_t kRead = 1u << 31, kWren = 1u << 30, kWrdi = 1u << 29, kRdid = 1u << 28,
                        kRdsr = 1u << 27, kWrsr = 1u << 26, kPp = 1u << 25, kSe = 1u << 24,
                        kBe = 1u << 23, kUsr = 1u << 18;
constexpr std::uint32_t kXipBase = 0x40200000, kXipSize = 0x100000;
constexpr std::uint64_t kHz = 80'000'000;

class Esp8266SpiFlashTest : public ::testing::Test {
 protected:
  Esp8266SpiFlashTest()
      : bus_(sched_),
        dir_(std::filesystem::temp_directory_path() /
             ("boardemu-spi0-" + std::to_string(::getpid()) + "-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name())) {
    board_.source_path = "test.yaml";
    MemoryRegion flash{.name = "flash", .base = kXipBase, .size = kXipSize,
                       .kind = MemoryKind::flash, .word_only = true};
    region_ = &bus_.add_ram(flash);
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  ~Esp8266SpiFlashTest() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<Device> make(std::map<std::string, std::string> params) {
    PeripheralDesc d;
    d.name = "spi0";
    d.model = "esp8266-spi-flash";
    d.params = std::move(params);
    DeviceContext ctx{&sched_, kHz, kHz, &bus_};
    return create_device(board_, d, ctx);
  }
  Esp8266SpiFlash& spi() { return *dynamic_cast<Esp8266SpiFlash*>(dev_.get()); }
  std::uint32_t rd(std::uint32_t off) { return dev_->read(off, 4); }
  void wr(std::uint32_t off, std::uint32_t v) { dev_->write(off, v, 4); }
  // What the ROM does: write SPI_CMD, poll until it reads 0.
  void command(std::uint32_t bits) {
    wr(kCmd, bits);
    ASSERT_EQ(rd(kCmd), 0u);
  }
  std::uint8_t status() {
    command(kRdsr);
    return static_cast<std::uint8_t>(rd(kRdStatus));
  }
  std::uint32_t xip_word(std::uint32_t addr) {
    std::uint32_t v = 0;
    bus_.read_block(addr, reinterpret_cast<std::uint8_t*>(&v), 4);
    return v;
  }

  Scheduler sched_;
  Bus bus_;
  BoardDesc board_;
  RamRegion* region_ = nullptr;
  std::filesystem::path dir_;
  std::unique_ptr<Device> dev_;
};

TEST_F(Esp8266SpiFlashTest, RdidPutsTheJedecIdInW0) {
  dev_ = make({{"xip_region", "flash"}});
  command(kRdid);
  EXPECT_EQ(rd(kW0) & 0xFFFFFF, 0x1640EFu);  // EF 40 16: Winbond W25Q32, 4 MiB
  dev_.reset();  // one spi0 at a time: its events are named after it
  dev_ = make({{"xip_region", "flash"}, {"size", "0x200000"}});
  command(kRdid);
  EXPECT_EQ(rd(kW0) & 0xFFFFFF, 0x1540EFu);  // W25Q16, 2 MiB
  dev_.reset();
  dev_ = make({{"jedec_id", "0xC84016"}});
  command(kRdid);
  EXPECT_EQ(rd(kW0) & 0xFFFFFF, 0x1640C8u);  // GigaDevice GD25Q32
}

TEST_F(Esp8266SpiFlashTest, TheCacheWindowIsTheChipsFirstMegabyte) {
  dev_ = make({{"xip_region", "flash"}});
  // Erased at start.
  EXPECT_EQ(xip_word(kXipBase), 0xFFFFFFFFu);
  // An ELF segment linked at 0x40201000 lands at flash offset 0x1000.
  std::vector<std::uint8_t> seg = {0xDE, 0xAD, 0xBE, 0xEF, 0x01, 0x02, 0x03, 0x04};
  ASSERT_TRUE(bus_.write_block(kXipBase + 0x1000, seg.data(), seg.size()));
  wr(kAddr, 0x1000 | (8u << 24));
  command(kRead);
  EXPECT_EQ(rd(kW0), 0xEFBEADDEu);
  EXPECT_EQ(rd(kW0 + 4), 0x04030201u);
  EXPECT_EQ(spi().chip().byte_at(0x1003), 0xEF);
  // Beyond the window the chip still has storage.
  spi().chip().load(0x300000, std::vector<std::uint8_t>{0x5A});
  wr(kAddr, 0x300000 | (1u << 24));
  command(kRead);
  EXPECT_EQ(rd(kW0) & 0xFF, 0x5Au);
}

TEST_F(Esp8266SpiFlashTest, EraseAndProgramAsTheRomDoesShowInTheWindow) {
  dev_ = make({{"xip_region", "flash"}});
  std::vector<std::uint8_t> old(16, 0x00);
  ASSERT_TRUE(bus_.write_block(kXipBase + 0x2000, old.data(), old.size()));
  // SPIEraseSector: WREN, SE, poll RDSR until WIP clears.
  command(kWren);
  EXPECT_EQ(status() & 0x02, 0x02);  // WEL
  wr(kAddr, 0x2000);
  command(kSe);
  EXPECT_EQ(status() & 0x01, 0x01);  // WIP
  sched_.advance(kHz * 45 / 1000 - 1);
  EXPECT_EQ(status() & 0x01, 0x01);
  sched_.advance(1);
  EXPECT_EQ(status(), 0x00);
  EXPECT_EQ(xip_word(kXipBase + 0x2000), 0xFFFFFFFFu);
  // SPIWrite: WREN, data in W0.., SPI_ADDR = addr | len << 24, PP.
  command(kWren);
  wr(kW0, 0x11223344);
  wr(kW0 + 4, 0x55667788);
  wr(kAddr, 0x2004 | (8u << 24));
  command(kPp);
  EXPECT_EQ(status() & 0x01, 0x01);
  sched_.advance(kHz * 4 / 10000);  // tPP 0.4 ms
  EXPECT_EQ(status(), 0x00);
  EXPECT_EQ(xip_word(kXipBase + 0x2004), 0x11223344u);
  EXPECT_EQ(xip_word(kXipBase + 0x2008), 0x55667788u);
  EXPECT_EQ(xip_word(kXipBase + 0x2000), 0xFFFFFFFFu);
  // Programming again can only clear bits.
  command(kWren);
  wr(kW0, 0xFFFF0000);
  wr(kAddr, 0x2004 | (4u << 24));
  command(kPp);
  sched_.advance(kHz);
  EXPECT_EQ(xip_word(kXipBase + 0x2004), 0x11220000u);
  // BE erases 64 KiB.
  command(kWren);
  wr(kAddr, 0x0);
  command(kBe);
  sched_.advance(kHz);
  EXPECT_EQ(xip_word(kXipBase + 0x2004), 0xFFFFFFFFu);
}

TEST_F(Esp8266SpiFlashTest, WindowChangesAreReportedAsCpuAddresses) {
  dev_ = make({{"xip_region", "flash"}, {"timing", "instant"}});
  std::vector<std::pair<std::uint32_t, std::uint32_t>> seen;
  spi().on_xip_modified([&](std::uint32_t a, std::uint32_t n) { seen.emplace_back(a, n); });
  command(kWren);
  wr(kAddr, 0x5000);
  command(kSe);
  command(kWren);
  wr(kAddr, 0x200000);  // outside the 1 MiB window: nothing to report
  command(kSe);
  command(kWren);
  wr(kAddr, 0xF0000);  // the window's last 64 KiB block
  command(kBe);
  EXPECT_EQ(seen, (std::vector<std::pair<std::uint32_t, std::uint32_t>>{
                      {kXipBase + 0x5000, 0x1000}, {kXipBase + 0xF0000, 0x10000}}));
}

TEST_F(Esp8266SpiFlashTest, WriteDisableAndWriteStatus) {
  dev_ = make({{"timing", "instant"}});
  command(kWren);
  command(kWrdi);
  EXPECT_EQ(status(), 0x00);
  testing::LogCapture log;
  wr(kAddr, 0x0);
  command(kSe);  // no WEL: ignored
  EXPECT_NE(log.take().find("without Write Enable"), std::string::npos);
  command(kWren);
  wr(kRdStatus, 0x1C);  // BP0..2
  command(kWrsr);
  EXPECT_EQ(status(), 0x1C);
  EXPECT_NE(log.take().find("not enforced"), std::string::npos);
  (void)kCtrl;
}

TEST_F(Esp8266SpiFlashTest, UserCommandReadsTheJedecId) {
  dev_ = make({{"timing", "instant"}});
  wr(kUser, (1u << 31) | (1u << 28));     // COMMAND + MISO phases
  wr(kUser1, (23u << 8));                  // 24 MISO bits
  wr(kUser2, (7u << 28) | 0x9F);           // 8-bit command 9Fh
  command(kUsr);
  EXPECT_EQ(rd(kW0) & 0xFFFFFF, 0x1640EFu);
  // A user Read Data with a 24-bit address, left-aligned in SPI_ADDR.
  spi().chip().load(0x123456, std::vector<std::uint8_t>{0xAB, 0xCD});
  wr(kUser, (1u << 31) | (1u << 30) | (1u << 28));
  wr(kUser1, (23u << 26) | (15u << 8));
  wr(kUser2, (7u << 28) | 0x03);
  wr(kAddr, 0x123456u << 8);
  command(kUsr);
  EXPECT_EQ(rd(kW0) & 0xFFFF, 0xCDABu);
  // An address phase longer than 32 bits is clamped (and logged), not undefined behaviour.
  testing::LogCapture log;
  wr(kUser1, (63u << 26) | (15u << 8));
  wr(kAddr, 0x123456);
  command(kUsr);
  EXPECT_EQ(rd(kW0) & 0xFFFF, 0xCDABu);
  EXPECT_NE(log.take().find("at most 32"), std::string::npos);
}

TEST_F(Esp8266SpiFlashTest, OversizedTransfersAndSeveralCommandBitsAreGuestErrors) {
  dev_ = make({{"timing", "instant"}});
  testing::LogCapture log;
  wr(kAddr, 0 | (65u << 24));
  command(kRead);
  EXPECT_NE(log.take().find("exceeds the 64-byte buffer"), std::string::npos);
  command(kRead | kWren);
  EXPECT_NE(log.take().find("several commands"), std::string::npos);
}

TEST_F(Esp8266SpiFlashTest, PersistWritesTheChipBackAndLoadsItAgain) {
  std::string image = (dir_ / "flash.img").string();
  dev_ = make({{"xip_region", "flash"}, {"image", image}, {"persist", "true"}});
  command(kWren);
  wr(kW0, 0xCAFEF00D);
  wr(kAddr, 0x3000 | (4u << 24));
  command(kPp);
  std::uint32_t fw = 0x12345678;  // as if the ELF loader placed it
  ASSERT_TRUE(bus_.write_block(kXipBase + 0x10, reinterpret_cast<std::uint8_t*>(&fw), 4));
  EXPECT_FALSE(std::filesystem::exists(image));
  dev_.reset();  // the run ends
  ASSERT_TRUE(std::filesystem::exists(image));
  EXPECT_EQ(std::filesystem::file_size(image), 0x400000u);
  EXPECT_FALSE(std::filesystem::exists(image + ".tmp"));
  // A new run loads it into the window.
  std::fill(region_->bytes.begin(), region_->bytes.end(), 0);
  dev_ = make({{"xip_region", "flash"}, {"image", image}});
  EXPECT_EQ(xip_word(kXipBase + 0x3000), 0xCAFEF00Du);
  EXPECT_EQ(xip_word(kXipBase + 0x10), 0x12345678u);
  EXPECT_EQ(xip_word(kXipBase + 0x14), 0xFFFFFFFFu);
}

TEST_F(Esp8266SpiFlashTest, BadParamsAreBoardErrors) {
  auto expect_error = [&](std::map<std::string, std::string> params, const std::string& text) {
    try {
      make(std::move(params));
      ADD_FAILURE() << "no error for " << text;
    } catch (const BoardError& e) {
      EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
    }
  };
  expect_error({{"xip_region", "nosuch"}}, "no memory region named 'nosuch'");
  expect_error({{"size", "0x300000"}}, "power of two");
  expect_error({{"size", "0x80000"}, {"xip_region", "flash"}}, "larger than the flash chip");
  expect_error({{"persist", "yes"}}, "expected true or false");
  expect_error({{"persist", "true"}}, "needs params.image");
  expect_error({{"image", (dir_ / "none.img").string()}}, "none.img");
  expect_error({{"timing", "slow"}}, "typical or instant");
  expect_error({{"colour", "red"}}, "unknown param 'colour'");
  MemoryRegion ram{.name = "dram", .base = 0x3FFE8000, .size = 0x14000, .kind = MemoryKind::ram};
  bus_.add_ram(ram);
  expect_error({{"xip_region", "dram"}}, "not of kind flash");
}

}  // namespace
}  // namespace boardemu
