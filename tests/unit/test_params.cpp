// core/params.hpp: typed model settings from board and circuit files.
#include <gtest/gtest.h>

#include <map>
#include <stdexcept>
#include <string>

#include "core/params.hpp"

namespace boardemu {
namespace {

using Map = std::map<std::string, std::string>;

std::string error_of(const Map& m, void (*read)(ParamReader&)) {
  try {
    ParamReader r("model-x", m);
    read(r);
    r.finish();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

TEST(ParamReader, ReadsTypedValuesWithDefaults) {
  Map m{{"size", "0x200000"}, {"persist", "true"}, {"timing", "instant"}, {"temperature", "-10.5"}, {"image", "a.bin"}};
  ParamReader r("esp8266-spi-flash", m);
  EXPECT_EQ(r.uint("size", 0x400000, 0x10000, 0x1000000), 0x200000u);
  EXPECT_EQ(r.uint("jedec_id", 0), 0u);  // absent: the default
  EXPECT_FALSE(r.optional_uint("other"));
  EXPECT_TRUE(r.boolean("persist", false));
  EXPECT_EQ(r.choice("timing", {"typical", "instant"}), "instant");
  EXPECT_EQ(r.choice("mode", {"typical", "instant"}), "typical");
  EXPECT_DOUBLE_EQ(r.number("temperature", 25, -40, 85), -10.5);
  EXPECT_EQ(r.text("image"), "a.bin");
  EXPECT_TRUE(r.has("image"));
  EXPECT_NO_THROW(r.finish());
}

TEST(ParamReader, EveryBadValueIsOneLineNamingModelKeyAndText) {
  EXPECT_EQ(error_of({{"size", "12k"}}, [](ParamReader& r) { r.uint("size", 0); }),
            "model-x: params.size: expected an integer (decimal or 0x hex), got '12k'");
  EXPECT_EQ(error_of({{"size", "-1"}}, [](ParamReader& r) { r.uint("size", 0); }),
            "model-x: params.size: expected an integer (decimal or 0x hex), got '-1'");
  EXPECT_EQ(error_of({{"size", "0x1000001"}}, [](ParamReader& r) { r.uint("size", 0, 0x10000, 0x1000000); }),
            "model-x: params.size: expected an integer (decimal or 0x hex) from 65536 to 16777216, got '0x1000001'");
  EXPECT_EQ(error_of({{"size", "99999999999999999999999"}}, [](ParamReader& r) { r.uint("size", 0); }),
            "model-x: params.size: expected an integer (decimal or 0x hex), got '99999999999999999999999'");
  EXPECT_EQ(error_of({{"t", "warm"}}, [](ParamReader& r) { r.number("t", 0, -40, 85); }),
            "model-x: params.t: expected a number from -40 to 85, got 'warm'");
  EXPECT_EQ(error_of({{"t", "nan"}}, [](ParamReader& r) { r.number("t", 0, -40, 85); }),
            "model-x: params.t: expected a number from -40 to 85, got 'nan'");
  EXPECT_EQ(error_of({{"on", "yes"}}, [](ParamReader& r) { r.boolean("on", false); }),
            "model-x: params.on: expected true or false, got 'yes'");
  EXPECT_EQ(error_of({{"vcc", "usb"}}, [](ParamReader& r) { r.choice("vcc", {"charge_pump", "external", "none"}); }),
            "model-x: params.vcc: expected charge_pump, external or none, got 'usb'");
  EXPECT_EQ(error_of({{"colour", "red"}}, [](ParamReader& r) { r.boolean("on", false); }),
            "model-x: unknown param 'colour' (known: on)");
  EXPECT_EQ(error_of({{"colour", "red"}}, [](ParamReader&) {}), "model-x: unknown param 'colour' (the model takes none)");
}

}  // namespace
}  // namespace boardemu
