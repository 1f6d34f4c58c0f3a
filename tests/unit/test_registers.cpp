// Unit tests of RegisterBank, the "registers declared as data" helper every model uses: reset
// values, writable masks, write-1-to-clear fields, read-only / write-only registers, byte and
// halfword access at every lane of a little-endian 32-bit register, and the read/write hooks.
//
// Sub-word access follows the AMBA APB/AHB little-endian byte-lane convention used by all the
// Arm peripherals modelled here: byte n of a word lives at address offset n (ARMv7-M ARM,
// DDI 0403E, A3.3 "Endian support"; the System Control Space is little-endian, B3.2).
#include <gtest/gtest.h>

#include <cstdint>
#include <stdexcept>
#include <vector>

#include "core/registers.hpp"

namespace boardemu {
namespace {

constexpr std::uint32_t kCtrl = 0x00;    // RW, only the low half writable
constexpr std::uint32_t kStatus = 0x04;  // bits [3:0] RW, bits [7:4] W1C
constexpr std::uint32_t kId = 0x08;      // RO
constexpr std::uint32_t kCmd = 0x0C;     // WO
constexpr std::uint32_t kData = 0x10;    // RW, hooks
constexpr std::uint32_t kFlags = 0x14;   // W1C in every lane
constexpr std::uint32_t kCount = 0x18;   // computed on read (on_read)

struct WriteCall {
  std::uint32_t offset, old_value, written;
  bool operator==(const WriteCall& o) const {
    return offset == o.offset && old_value == o.old_value && written == o.written;
  }
};

class RegisterBankTest : public ::testing::Test {
 protected:
  RegisterBankTest()
      : bank_("test", {
                          {kCtrl, "CTRL", 0x12345678, 0x0000FFFF},
                          {kStatus, "STATUS", 0x000000F5, 0x0000000F, 0x000000F0},
                          {kId, "ID", 0xCAFEF00D, 0xFFFFFFFF, 0, Access::RO, nullptr,
                           [this](std::uint32_t o, std::uint32_t w) { writes_.push_back({kId, o, w}); }},
                          {kCmd, "CMD", 0xA5A5A5A5, 0xFFFFFFFF, 0, Access::WO,
                           [this](std::uint32_t v) { ++cmd_reads_; return v; },
                           [this](std::uint32_t o, std::uint32_t w) { writes_.push_back({kCmd, o, w}); }},
                          {kData, "DATA", 0x44332211, 0xFFFFFFFF, 0, Access::RW, nullptr,
                           [this](std::uint32_t o, std::uint32_t w) { writes_.push_back({kData, o, w}); }},
                          {kFlags, "FLAGS", 0xFFFFFFFF, 0, 0xFFFFFFFF},
                          {kCount, "COUNT", 0x00000100, 0xFFFFFFFF, 0, Access::RW,
                           [this](std::uint32_t stored) { ++count_reads_; return stored + count_reads_; }},
                      }) {}

  std::uint32_t rd(std::uint32_t off, unsigned size = 4) {
    std::uint32_t v = 0xDEADBEEF;
    EXPECT_TRUE(bank_.read(off, size, &v)) << "offset " << off;
    return v;
  }
  void wr(std::uint32_t off, std::uint32_t v, unsigned size = 4) {
    EXPECT_TRUE(bank_.write(off, v, size)) << "offset " << off;
  }

  std::vector<WriteCall> writes_;
  int cmd_reads_ = 0;
  std::uint32_t count_reads_ = 0;
  RegisterBank bank_;
};

TEST_F(RegisterBankTest, ResetValues) {
  EXPECT_EQ(rd(kCtrl), 0x12345678u);
  EXPECT_EQ(rd(kStatus), 0x000000F5u);
  EXPECT_EQ(rd(kId), 0xCAFEF00Du);
  EXPECT_EQ(bank_.get(kCmd), 0xA5A5A5A5u);
  EXPECT_EQ(rd(kData), 0x44332211u);
  EXPECT_EQ(rd(kFlags), 0xFFFFFFFFu);
}

TEST_F(RegisterBankTest, ResetRestoresValuesAfterWrites) {
  wr(kCtrl, 0);
  wr(kStatus, 0xFF);
  wr(kData, 0x01020304);
  wr(kFlags, 0xFFFFFFFF);
  ASSERT_EQ(rd(kData), 0x01020304u);
  bank_.reset();
  EXPECT_EQ(rd(kCtrl), 0x12345678u);
  EXPECT_EQ(rd(kStatus), 0x000000F5u);
  EXPECT_EQ(rd(kData), 0x44332211u);
  EXPECT_EQ(rd(kFlags), 0xFFFFFFFFu);
}

TEST_F(RegisterBankTest, UnknownOffsetIsReportedToTheCaller) {
  std::uint32_t v = 0x11111111;
  EXPECT_FALSE(bank_.read(0x40, 4, &v));
  EXPECT_EQ(v, 0x11111111u) << "a miss must not write the output";
  EXPECT_FALSE(bank_.write(0x40, 0, 4));
  EXPECT_EQ(bank_.spec_at(0x40), nullptr);
  ASSERT_NE(bank_.spec_at(kData + 3), nullptr);
  EXPECT_STREQ(bank_.spec_at(kData + 3)->name, "DATA");
  EXPECT_THROW(bank_.get(0x40), std::logic_error);
  EXPECT_THROW(bank_[0x40], std::logic_error);
}

TEST_F(RegisterBankTest, UnalignedSpecIsRejected) {
  EXPECT_THROW(RegisterBank("bad", {{0x02, "BAD"}}), std::logic_error);
}

TEST_F(RegisterBankTest, WritableMaskKeepsReadOnlyBits) {
  wr(kCtrl, 0xFFFFFFFF);
  EXPECT_EQ(rd(kCtrl), 0x1234FFFFu);
  wr(kCtrl, 0x00000000);
  EXPECT_EQ(rd(kCtrl), 0x12340000u);
}

TEST_F(RegisterBankTest, WriteOneToClear) {
  // STATUS = 0xF5: bits [7:4] are W1C (all set), bits [3:0] plain RW (0x5).
  wr(kStatus, 0x00000035);  // clear bits 4,5; write 0x5 to the RW field
  EXPECT_EQ(rd(kStatus), 0x000000C5u);
  wr(kStatus, 0x0000000A);  // writing 0 to W1C bits leaves them alone
  EXPECT_EQ(rd(kStatus), 0x000000CAu);
  wr(kStatus, 0x000000F0);
  EXPECT_EQ(rd(kStatus), 0x00000000u);
  wr(kStatus, 0x000000F0);  // writing 1 never sets a W1C bit
  EXPECT_EQ(rd(kStatus), 0x00000000u);
}

TEST_F(RegisterBankTest, NarrowWriteOneToClearOnlyTouchesItsLane) {
  wr(kFlags + 1, 0x01, 1);
  EXPECT_EQ(rd(kFlags), 0xFFFFFEFFu);
  wr(kFlags + 2, 0x8001, 2);
  EXPECT_EQ(rd(kFlags), 0x7FFEFEFFu);
  wr(kFlags + 0, 0x80, 1);
  EXPECT_EQ(rd(kFlags), 0x7FFEFE7Fu);
  wr(kFlags + 3, 0x7F, 1);
  EXPECT_EQ(rd(kFlags), 0x00FEFE7Fu);
}

TEST_F(RegisterBankTest, ReadOnlyIgnoresWritesAndSkipsHook) {
  wr(kId, 0x00000000);
  wr(kId + 2, 0xFFFF, 2);
  EXPECT_EQ(rd(kId), 0xCAFEF00Du);
  EXPECT_TRUE(writes_.empty());
}

TEST_F(RegisterBankTest, WriteOnlyReadsZeroWithoutReadHook) {
  EXPECT_EQ(rd(kCmd), 0u);
  EXPECT_EQ(rd(kCmd + 1, 1), 0u);
  EXPECT_EQ(cmd_reads_, 0) << "on_read must not run for a write-only register";
  wr(kCmd, 0x00000042);
  EXPECT_EQ(bank_.get(kCmd), 0x00000042u);
  EXPECT_EQ(rd(kCmd), 0u);
  EXPECT_EQ(writes_, (std::vector<WriteCall>{{kCmd, 0xA5A5A5A5, 0x00000042}}));
}

TEST_F(RegisterBankTest, ByteAndHalfwordReadsAtEveryLane) {
  EXPECT_EQ(rd(kData + 0, 1), 0x11u);
  EXPECT_EQ(rd(kData + 1, 1), 0x22u);
  EXPECT_EQ(rd(kData + 2, 1), 0x33u);
  EXPECT_EQ(rd(kData + 3, 1), 0x44u);
  EXPECT_EQ(rd(kData + 0, 2), 0x2211u);
  EXPECT_EQ(rd(kData + 2, 2), 0x4433u);
  EXPECT_EQ(rd(kData + 0, 4), 0x44332211u);
}

TEST_F(RegisterBankTest, ByteAndHalfwordWritesAtEveryLane) {
  wr(kData + 0, 0xAA, 1);
  EXPECT_EQ(rd(kData), 0x443322AAu);
  wr(kData + 1, 0xBB, 1);
  EXPECT_EQ(rd(kData), 0x4433BBAAu);
  wr(kData + 2, 0xCC, 1);
  EXPECT_EQ(rd(kData), 0x44CCBBAAu);
  wr(kData + 3, 0xDD, 1);
  EXPECT_EQ(rd(kData), 0xDDCCBBAAu);
  wr(kData + 0, 0x1357, 2);
  EXPECT_EQ(rd(kData), 0xDDCC1357u);
  wr(kData + 2, 0x2468, 2);
  EXPECT_EQ(rd(kData), 0x24681357u);
  // Only the value's low bits for the access size are used.
  wr(kData + 1, 0xFFFFFF00, 1);
  EXPECT_EQ(rd(kData), 0x24680057u);
}

TEST_F(RegisterBankTest, NarrowWritesRespectWritableMaskPerLane) {
  wr(kCtrl + 3, 0x00, 1);  // read-only lane: unchanged
  wr(kCtrl + 1, 0x00, 1);  // writable lane
  EXPECT_EQ(rd(kCtrl), 0x12340078u);
  wr(kCtrl + 2, 0xFFFF, 2);
  EXPECT_EQ(rd(kCtrl), 0x12340078u);
}

TEST_F(RegisterBankTest, OnWriteSeesOldValueAndMergedWrite) {
  wr(kData, 0x01020304);
  wr(kData + 1, 0x99, 1);
  wr(kData + 2, 0xABCD, 2);
  EXPECT_EQ(writes_, (std::vector<WriteCall>{
                         {kData, 0x44332211, 0x01020304},
                         {kData, 0x01020304, 0x01029904},
                         {kData, 0x01029904, 0xABCD9904},
                     }));
  EXPECT_EQ(rd(kData), 0xABCD9904u);
}

TEST_F(RegisterBankTest, OnReadComputesValueOncePerAccessAndNarrowReadsUseIt) {
  // COUNT stores 0x100; on_read returns stored + number of reads so far.
  EXPECT_EQ(rd(kCount), 0x101u);
  EXPECT_EQ(rd(kCount), 0x102u);
  EXPECT_EQ(rd(kCount + 0, 1), 0x03u);
  EXPECT_EQ(rd(kCount + 1, 1), 0x01u);
  EXPECT_EQ(count_reads_, 4u);
  EXPECT_EQ(bank_.get(kCount), 0x100u) << "on_read does not change the stored value";
}

TEST_F(RegisterBankTest, DirectAccessForTheModel) {
  bank_[kId] = 0x00000001;  // the model itself may change read-only state
  EXPECT_EQ(rd(kId), 0x00000001u);
  EXPECT_EQ(bank_.get(kFlags), 0xFFFFFFFFu);
}

}  // namespace
}  // namespace boardemu
