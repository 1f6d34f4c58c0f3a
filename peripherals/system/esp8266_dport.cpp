// ESP8266 DPORT block: ESP8266 SDK eagle_soc.h and start-up code as described in
// esp8266_dport.hpp.
#include "system/esp8266_dport.hpp"

#include <stdexcept>
#include <utility>

#include "core/params.hpp"
#include "core/log.hpp"

namespace boardemu {

Esp8266Dport::Params Esp8266Dport::parse_params(const std::map<std::string, std::string>& params) {
  ParamReader r("esp8266-dport", params);
  Params p;
  for (unsigned i = 0; i < 4; ++i)
    p.efuse[i] = static_cast<std::uint32_t>(r.uint("efuse" + std::to_string(i), p.efuse[i], 0, 0xFFFFFFFFu));
  r.finish();
  return p;
}

Esp8266Dport::Esp8266Dport(std::string name, Params params)
    : Device(std::move(name)), params_(params) {
  reset();
}

void Esp8266Dport::reset() {
  words_.fill(0);
  for (unsigned i = 0; i < 4; ++i) words_[EFUSE0 / 4 + i] = params_.efuse[i];
}

bool Esp8266Dport::documented(std::uint32_t off) {
  switch (off) {
    case DPORT0: case EDGE_INT_ENABLE: case SPI_READY: case CPU_CLOCK: case CLOCKGATE_WATCHDOG:
    case SPI_INT_STATUS: case SPI_CACHE_RAM: case PERI_IO: case SLC_TX_DESC_DEBUG:
      return true;
    default:
      return off >= EFUSE0 && off < EFUSE0 + 16;
  }
}

std::uint32_t Esp8266Dport::read(std::uint32_t offset, unsigned size) {
  if (offset >= kWindow) {
    BE_LOG(unimp, "{}: read of offset 0x{:x} (size {}): no register modelled; reads as 0", name(),
           offset, size);
    return 0;
  }
  std::uint32_t word = offset & ~3u;
  if (!documented(word))
    BE_LOG(unimp, "{}: read of undocumented register at offset 0x{:x} (reads what was written)",
           name(), word);
  std::uint32_t v = words_[word / 4];
  if (word == SPI_READY) v |= 1u << 9;  // the flash interface is idle
  unsigned shift = (offset & 3u) * 8;
  std::uint32_t mask = size >= 4 ? 0xFFFFFFFFu : ((1u << (size * 8)) - 1);
  return (v >> shift) & mask;
}

void Esp8266Dport::write(std::uint32_t offset, std::uint32_t value, unsigned size) {
  if (offset >= kWindow) {
    BE_LOG(unimp, "{}: write 0x{:x} at offset 0x{:x} (size {}): no register modelled; ignored",
           name(), value, offset, size);
    return;
  }
  std::uint32_t word = offset & ~3u;
  if (word >= EFUSE0 && word < EFUSE0 + 16) {
    BE_LOG(guest_error, "{}: write 0x{:x} to read-only efuse word at offset 0x{:x}", name(), value,
           word);
    return;
  }
  if (!documented(word))
    BE_LOG(unimp, "{}: write 0x{:x} to undocumented register at offset 0x{:x} (stored only)",
           name(), value, word);
  unsigned shift = (offset & 3u) * 8;
  std::uint32_t lane = size >= 4 ? 0xFFFFFFFFu : (((1u << (size * 8)) - 1) << shift);
  std::uint32_t& w = words_[word / 4];
  std::uint32_t old = w;
  w = (w & ~lane) | ((value << shift) & lane);
  if (word == CPU_CLOCK && (w & 1) && !(old & 1))
    BE_LOG(unimp, "{}: CPU_CLOCK bit 0 (160 MHz) set: the emulated CPU keeps the board's clock",
           name());
}

void Esp8266Dport::state(StateArchive& ar) {
  ar.field("words", words_);
}

}  // namespace boardemu
