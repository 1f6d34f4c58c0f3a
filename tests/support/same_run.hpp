// A run a debugger interrupted (or could have) must end exactly as the unbroken run: same
// virtual time, instruction count, guest log and memory. Shared by the CPU debug tests; the
// target types provide now(), cpu(), log() and table().
#pragma once

#include <gtest/gtest.h>

namespace boardemu::test_support {

template <class Target>
void expect_same_end(Target& t, Target& plain) {
  EXPECT_EQ(t.now(), plain.now());
  EXPECT_EQ(t.cpu().instructions(), plain.cpu().instructions());
  EXPECT_EQ(t.log(), plain.log());
  EXPECT_EQ(t.table(), plain.table());
}

}  // namespace boardemu::test_support
