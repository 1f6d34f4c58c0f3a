// hostio/nvm_file.hpp: a non-volatile memory kept in a host file, written through. No CPU: the
// memories are a W25Q flash driven over its SPI byte interface and a 24LC32A EEPROM on its bus.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "core/i2c.hpp"
#include "core/scheduler.hpp"
#include "hostio/nvm_file.hpp"
#include "parts/eeprom_24lc32.hpp"
#include "parts/w25q_flash.hpp"

namespace boardemu {
namespace {

namespace fs = std::filesystem;

struct TempDir {
  fs::path path;
  TempDir() {
    char tmpl[] = "/tmp/boardemu-nvm-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string file(const char* name) const { return (path / name).string(); }
};

std::vector<std::uint8_t> slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

constexpr std::uint32_t kFlashSize = 0x10000;  // 64 KiB, the smallest W25Q

// One instruction as one chip-select frame (W25Q32JV 8.2: WREN 06h, PP 02h, SE 20h).
void frame(W25qFlash& f, std::vector<std::uint8_t> bytes) {
  f.select();
  for (auto b : bytes) f.exchange(b);
  f.deselect();
}

struct Flash {
  Scheduler s;
  W25qFlash chip{"flash", s, W25qFlash::Params{kFlashSize, 0, W25qFlash::Timing{}}};
  void program(std::uint32_t addr, std::vector<std::uint8_t> data) {
    frame(chip, {0x06});
    std::vector<std::uint8_t> f = {0x02, static_cast<std::uint8_t>(addr >> 16), static_cast<std::uint8_t>(addr >> 8),
                                   static_cast<std::uint8_t>(addr)};
    f.insert(f.end(), data.begin(), data.end());
    frame(chip, f);
  }
  void erase_sector(std::uint32_t addr) {
    frame(chip, {0x06});
    frame(chip, {0x20, static_cast<std::uint8_t>(addr >> 16), static_cast<std::uint8_t>(addr >> 8),
                 static_cast<std::uint8_t>(addr)});
  }
};

TEST(NvmFile, AMissingFileIsCreatedWholeAtStartAndEachProgramIsWrittenThrough) {
  TempDir d;
  Flash f;
  std::vector<std::uint8_t> image = {1, 2, 3, 4};
  f.chip.load(0x100, image);  // as a firmware loader would, before start()
  NvmFile store(d.file("flash.bin"), f.chip, "test flash");
  EXPECT_FALSE(store.loaded());
  EXPECT_FALSE(fs::exists(d.file("flash.bin")));  // nothing until start()
  store.start();
  auto bytes = slurp(d.file("flash.bin"));
  ASSERT_EQ(bytes.size(), kFlashSize);
  EXPECT_EQ(bytes[0x100], 1);
  EXPECT_EQ(bytes[0x103], 4);
  EXPECT_EQ(bytes[0x0], 0xFF);

  f.program(0x2000, {0x12, 0x34});
  bytes = slurp(d.file("flash.bin"));  // no close, no sync: as a kill -9 would leave it
  EXPECT_EQ(bytes[0x2000], 0x12);
  EXPECT_EQ(bytes[0x2001], 0x34);
  f.erase_sector(0x0000);
  bytes = slurp(d.file("flash.bin"));
  EXPECT_EQ(bytes[0x100], 0xFF);
  EXPECT_EQ(bytes[0x2000], 0x12);  // another sector
  EXPECT_FALSE(store.failed());
}

TEST(NvmFile, AnExistingFileIsLoadedAndTheFirmwareLandsOnTop) {
  TempDir d;
  {
    Flash f;
    NvmFile store(d.file("flash.bin"), f.chip, "test flash");
    store.start();
    f.program(0x3000, {0xAB});
    f.program(0x100, {0x55});
  }
  Flash f;
  NvmFile store(d.file("flash.bin"), f.chip, "test flash");
  EXPECT_TRUE(store.loaded());
  EXPECT_EQ(f.chip.byte_at(0x3000), 0xAB);
  std::vector<std::uint8_t> firmware = {0x77};
  f.chip.load(0x100, firmware);
  store.start();
  auto bytes = slurp(d.file("flash.bin"));
  EXPECT_EQ(bytes[0x3000], 0xAB);
  EXPECT_EQ(bytes[0x100], 0x77);
}

TEST(NvmFile, WrongSizeDirectoryAndFifoAreRefusedAndLeftAlone) {
  TempDir d;
  Flash f;
  {
    std::ofstream(d.file("small.bin"), std::ios::binary) << "abc";
  }
  try {
    NvmFile store(d.file("small.bin"), f.chip, "test flash");
    FAIL() << "a 3-byte file was accepted";
  } catch (const NvmFileError& e) {
    EXPECT_NE(std::string(e.what()).find("is 3 bytes, but the test flash is 65536 bytes"), std::string::npos) << e.what();
  }
  EXPECT_EQ(slurp(d.file("small.bin")).size(), 3u);
  EXPECT_THROW(NvmFile(d.path.string(), f.chip, "test flash"), NvmFileError);
  ASSERT_EQ(::mkfifo(d.file("fifo").c_str(), 0600), 0);
  try {
    NvmFile store(d.file("fifo"), f.chip, "test flash");
    FAIL() << "a FIFO was accepted";
  } catch (const NvmFileError& e) {
    EXPECT_NE(std::string(e.what()).find("is a FIFO"), std::string::npos) << e.what();
  }
  NvmFile nowhere(d.file("no/such/dir.bin"), f.chip, "test flash");
  EXPECT_THROW(nowhere.start(), NvmFileError);
}

TEST(NvmFile, AnEepromPageReachesTheFileWhenItsWriteCycleEnds) {
  TempDir d;
  Scheduler s;
  I2cBus bus("i2c", &s);
  Eeprom24lc32 rom("eeprom1", s, Eeprom24lc32::Timing{1000});
  rom.attach_to(bus);
  NvmFile store(d.file("e.bin"), rom, "test eeprom");
  store.start();
  ASSERT_EQ(bus.start(0x50, I2cDirection::write), I2cAck::ack);
  bus.write(0x00);
  bus.write(0x40);
  bus.write('h');
  bus.write('i');
  bus.stop();
  EXPECT_EQ(slurp(d.file("e.bin"))[0x40], 0xFF);  // the write cycle is still running
  s.advance(1000);
  s.run_due();
  auto bytes = slurp(d.file("e.bin"));
  ASSERT_EQ(bytes.size(), Eeprom24lc32::kSize);
  EXPECT_EQ(bytes[0x40], 'h');
  EXPECT_EQ(bytes[0x41], 'i');
  store.close();
  store.close();  // idempotent
}

}  // namespace
}  // namespace boardemu
