// The escapes that keep user and guest text readable in messages and reports
// (core/host_file.hpp: one_line, printable_lines).
#include <gtest/gtest.h>

#include <string>

#include "core/host_file.hpp"

using boardemu::one_line;
using boardemu::printable_lines;

TEST(TextEscapes, OneLineEscapesEveryControlCharacter) {
  EXPECT_EQ(one_line("a\nb\rc\td"), "a\\nb\\rc\\td");
  EXPECT_EQ(one_line(std::string("x\0y\x7f", 4)), "x\\x00y\\x7f");
  EXPECT_EQ(one_line("caf\xc3\xa9"), "caf\xc3\xa9");  // UTF-8 kept
}

TEST(TextEscapes, PrintableLinesKeepsLinesAndDropsCarriageReturns) {
  EXPECT_EQ(printable_lines("ok\r\n>>> \tx", true), "ok\n>>> \tx");
  EXPECT_EQ(printable_lines(std::string("\x1b[0m\0\x7f", 6), false), "\\x1b[0m\\x00\\x7f");
  // Bytes from 0x80 up: escaped for a plain-ASCII message, kept (UTF-8) for a report.
  EXPECT_EQ(printable_lines("caf\xc3\xa9", true), "caf\\xc3\\xa9");
  EXPECT_EQ(printable_lines("caf\xc3\xa9", false), "caf\xc3\xa9");
}
