// The board reader's engine limits (emulator/core/board.hpp: engine_page_size, kMaxPeripherals,
// kMaxMemoryRegions, the Cortex-M Private Peripheral Bus) against the engines themselves: what
// the reader accepts, a Machine builds; the page sizes are Unicorn's own.
#include <gtest/gtest.h>
#include <unicorn/unicorn.h>

#include <string>

#include "core/board.hpp"
#include "machine/machine.hpp"

namespace boardemu {
namespace {

std::uint32_t unicorn_page_size(uc_arch arch, uc_mode mode) {
  uc_engine* uc = nullptr;
  EXPECT_EQ(uc_open(arch, mode, &uc), UC_ERR_OK);
  std::uint32_t page = 0;
  EXPECT_EQ(uc_ctl_get_page_size(uc, &page), UC_ERR_OK);
  uc_close(uc);
  return page;
}

TEST(BoardEngineLimits, PageSizesAreUnicorns) {
  EXPECT_EQ(engine_page_size("cortex-m3"), unicorn_page_size(UC_ARCH_ARM, UC_MODE_THUMB));
  EXPECT_EQ(engine_page_size("rv32imac"), unicorn_page_size(UC_ARCH_RISCV, UC_MODE_RISCV32));
  EXPECT_EQ(engine_page_size("lx106"), 1u);
}

BoardDesc widest_board(const std::string& arch) {
  BoardDesc b;
  b.name = "widest";
  b.source_path = "(cpu_tests)";
  b.cpu_arch = arch;
  b.cpu_hz = 1'000'000;
  if (arch != "cortex-m3") b.interrupt_controller = "cpu";
  const std::uint32_t page = engine_page_size(arch);
  // The most regions the reader accepts, each one engine page, then the most windows.
  for (std::size_t i = 0; i < kMaxMemoryRegions; ++i)
    b.memory.push_back(MemoryRegion{"m" + std::to_string(i), static_cast<std::uint32_t>(0x10000000 + i * 2 * page),
                                    page, MemoryKind::ram, 0, false});
  for (std::size_t i = 0; i < kMaxPeripherals; ++i) {
    PeripheralDesc p;
    p.name = "d" + std::to_string(i);
    p.model = "unimplemented";
    p.base = static_cast<std::uint32_t>(0x50000000 + i * 2 * page);
    p.size = page;
    b.peripherals.push_back(p);
  }
  return b;
}

TEST(BoardEngineLimits, TheWidestAcceptedBoardBuilds) {
  for (const char* arch : {"cortex-m3", "rv32imac", "lx106"}) {
    BoardDesc b = widest_board(arch);
    if (std::string(arch) == "rv32imac") b.interrupt_controller.clear();
    EXPECT_NO_THROW(Machine m(b)) << arch;
  }
}

// Nearly the whole address space as one RAM region (allocated lazily) maps on RISC-V.
TEST(BoardEngineLimits, NearlyFourGibOfRamMaps) {
  BoardDesc b;
  b.name = "huge";
  b.source_path = "(cpu_tests)";
  b.cpu_arch = "rv32imac";
  b.cpu_hz = 1'000'000;
  b.memory.push_back(MemoryRegion{"ram", 0x1000, 0xFFFFE000, MemoryKind::ram, 0, false});
  EXPECT_NO_THROW(Machine m(b));
}

}  // namespace
}  // namespace boardemu
