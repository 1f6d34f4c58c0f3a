// CPU state in snapshots (Cpu::state): every register the debugger sees, written with distinct
// values on one machine, reads back the same on a machine the snapshot was loaded into, for the
// Cortex-M3 (banked stack pointers in Thread and Handler mode), RV32 and LX106 backends; and the
// backends' own counters (instructions, CCOUNT) come along.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/board.hpp"
#include "core/debug.hpp"
#include "machine/machine.hpp"

namespace {

using boardemu::CpuDebug;
using boardemu::Machine;

const std::string kBoardsDir = std::string(BOARDEMU_SOURCE_DIR) + "/boards";

std::unique_ptr<Machine> build(const std::string& board) {
  return std::make_unique<Machine>(boardemu::load_board_by_name(board, kBoardsDir));
}

std::vector<std::uint32_t> registers(Machine& m) {
  CpuDebug* d = m.cpu().debug();
  std::vector<std::uint32_t> out;
  for (unsigned r = 0; r < d->gdb_register_count(); ++r) {
    std::uint32_t v = 0xDEADBEEF;
    d->gdb_read_register(r, &v);
    out.push_back(v);
  }
  return out;
}

// Writes `values` (regno, value) in order, saves, loads into a new machine of the same board.
void round_trip(const std::string& board, const std::vector<std::pair<unsigned, std::uint32_t>>& values) {
  auto a = build(board);
  a->scheduler().advance(123456);
  for (auto [r, v] : values) a->cpu().debug()->gdb_write_register(r, v);
  std::vector<std::uint32_t> want = registers(*a);
  auto b = build(board);
  EXPECT_NE(registers(*b), want) << "the values written are the new machine's already: the test could not fail";
  b->load_snapshot(a->save_snapshot());
  std::vector<std::uint32_t> got = registers(*b);
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t r = 0; r < want.size(); ++r)
    EXPECT_EQ(got[r], want[r]) << board << " register " << r << " (" << b->cpu().debug()->register_name(static_cast<unsigned>(r)) << ")";
  EXPECT_EQ(b->scheduler().now(), a->scheduler().now());
  EXPECT_EQ(b->cpu().instructions(), a->cpu().instructions());
  EXPECT_EQ(b->save_snapshot(), a->save_snapshot());
}

TEST(CpuSnapshot, CortexM3ThreadModeOnTheProcessStack) {
  // r0..r12 sp lr pc xpsr (0..16), msp psp primask basepri faultmask control (17..22).
  std::vector<std::pair<unsigned, std::uint32_t>> v;
  for (unsigned r = 0; r <= 12; ++r) v.emplace_back(r, 0x1000 * (r + 1) + r);
  v.emplace_back(17, 0x20001000);  // msp
  v.emplace_back(18, 0x20002000);  // psp
  v.emplace_back(22, 2);           // control: SPSEL, SP is now PSP
  v.emplace_back(14, 0xFFFFFFFD);  // lr
  v.emplace_back(15, 0x00000400);  // pc
  v.emplace_back(16, 0x21000000);  // xpsr: Thumb, C flag
  v.emplace_back(19, 1);           // primask
  v.emplace_back(20, 0x40);        // basepri
  round_trip("mps2-an385", v);
}

TEST(CpuSnapshot, CortexM3HandlerMode) {
  std::vector<std::pair<unsigned, std::uint32_t>> v;
  v.emplace_back(17, 0x20003000);  // msp
  v.emplace_back(18, 0x20004000);  // psp
  v.emplace_back(16, 0x0100000F);  // xpsr: Thumb, IPSR = 15 (SysTick): Handler mode, SP is MSP
  v.emplace_back(14, 0xFFFFFFF1);
  v.emplace_back(15, 0x00000600);
  v.emplace_back(21, 1);  // faultmask
  round_trip("mps2-an385", v);
}

TEST(CpuSnapshot, Rv32RegistersAndMachineCsrs) {
  // x0..x31, pc (0..32), mstatus misa mie mtvec mscratch mepc mcause mtval mip (33..41).
  std::vector<std::pair<unsigned, std::uint32_t>> v;
  for (unsigned r = 1; r <= 31; ++r) v.emplace_back(r, 0x01010101u * r);
  v.emplace_back(32, 0x80000100);
  v.emplace_back(33, 0x1888);  // mstatus: MIE, MPIE, MPP = M
  v.emplace_back(35, 0x888);   // mie
  v.emplace_back(36, 0x80000200);
  v.emplace_back(37, 0x12345678);
  v.emplace_back(38, 0x80000300);
  v.emplace_back(39, 0x80000007);
  v.emplace_back(40, 0xABCDEF01);
  round_trip("virt-rv32", v);
}

TEST(CpuSnapshot, Lx106EveryRegisterTheDebuggerSees) {
  auto probe = build("esp8266");
  const unsigned n = probe->cpu().debug()->gdb_register_count();
  std::vector<std::pair<unsigned, std::uint32_t>> v;
  for (unsigned r = 0; r < n; ++r) v.emplace_back(r, 0x40100000u + 0x11u * r);
  round_trip("esp8266", v);
}

}  // namespace
