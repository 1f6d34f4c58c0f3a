// `monitor regs DEVICE`: the stub lists a board device's registers by datasheet name, from the
// model's RegisterBank, without the side effects of a guest read.
#include <gtest/gtest.h>

#include <string>

#include "core/board.hpp"
#include "gdb/machine_target.hpp"
#include "machine/machine.hpp"

namespace boardemu {
namespace {

const std::string kBoardsDir = std::string(BOARDEMU_SOURCE_DIR) + "/boards";

TEST(GdbMachineTarget, MonitorRegsListsADevicesRegistersByName) {
  Machine m(load_board_by_name("mps2-an385", kBoardsDir));
  gdb::MachineTarget t(m, kNever);
  // CMSDK APB UART (ARM DDI 0479C, 4.2): DATA +0x000, STATE +0x004, CTRL +0x008, BAUDDIV +0x010.
  m.device("uart0")->write(0x010, 0x123, 4);
  std::string out = t.describe_device("uart0");
  EXPECT_NE(out.find("uart0: model cmsdk-apb-uart at 0x40004000"), std::string::npos) << out;
  EXPECT_NE(out.find("CTRL"), std::string::npos) << out;
  EXPECT_NE(out.find("BAUDDIV              0x40004010 (+0x010) = 0x00000123"), std::string::npos) << out;
}

TEST(GdbMachineTarget, MonitorRegsNamesWhatItCannotList) {
  Machine m(load_board_by_name("virt-rv32", kBoardsDir));
  gdb::MachineTarget t(m, kNever);
  // `test` is an `unimplemented` window: no register list, but the window and how to read it.
  std::string out = t.describe_device("test");
  EXPECT_NE(out.find("declares no register list"), std::string::npos) << out;
  out = t.describe_device("nosuch");
  EXPECT_NE(out.find("no device 'nosuch' on board virt-rv32"), std::string::npos) << out;
}

}  // namespace
}  // namespace boardemu
