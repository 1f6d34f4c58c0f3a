// ESP8266 SPI0 flash controller: ESP8266 Technical Reference (Espressif), SPI chapter; SDK
// spi_register.h. See esp8266_spi_flash.hpp for what is modelled.
#include "flash/esp8266_spi_flash.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <span>
#include <stdexcept>
#include <utility>
#include <vector>

#include "core/bus.hpp"
#include "core/log.hpp"
#include "core/params.hpp"

namespace boardemu {

namespace {

constexpr const char* kModel = "esp8266-spi-flash";

}  // namespace

Esp8266SpiFlash::Params Esp8266SpiFlash::parse_params(
    const std::map<std::string, std::string>& params) {
  ParamReader r(kModel, params);
  Params p;
  p.xip_region = r.text("xip_region");
  p.size = static_cast<std::uint32_t>(r.uint("size", p.size, 0, 0x1000000));
  if (auto id = r.optional_uint("jedec_id", 0, 0xFFFFFF)) p.jedec_id = static_cast<std::uint32_t>(*id);
  p.image = r.text("image");
  p.persist = r.boolean("persist", false);
  p.instant = r.choice("timing", {"typical", "instant"}) == "instant";
  r.finish();
  if (p.persist && p.image.empty())
    throw std::invalid_argument(std::string(kModel) +
                                ": params.persist: needs params.image (the file to write back)");
  return p;
}

Esp8266SpiFlash::Esp8266SpiFlash(std::string name, const DeviceContext& ctx, Params params)
    : Device(std::move(name)),
      params_(std::move(params)),
      regs_(this->name(), [this] {
        std::vector<RegisterSpec> specs = {
            {.offset = SPI_CMD, .name = "SPI_CMD",
             .on_write = [this](std::uint32_t, std::uint32_t) { execute(regs_.get(SPI_CMD)); }},
            {.offset = SPI_ADDR, .name = "SPI_ADDR"},
            {.offset = SPI_CTRL, .name = "SPI_CTRL"},
            {.offset = SPI_CTRL1, .name = "SPI_CTRL1"},
            {.offset = SPI_RD_STATUS, .name = "SPI_RD_STATUS"},
            {.offset = SPI_CTRL2, .name = "SPI_CTRL2"},
            {.offset = SPI_CLOCK, .name = "SPI_CLOCK"},
            {.offset = SPI_USER, .name = "SPI_USER"},
            {.offset = SPI_USER1, .name = "SPI_USER1"},
            {.offset = SPI_USER2, .name = "SPI_USER2"},
            {.offset = SPI_WR_STATUS, .name = "SPI_WR_STATUS"},
            {.offset = SPI_PIN, .name = "SPI_PIN"},
            {.offset = SPI_SLAVE, .name = "SPI_SLAVE"},
            {.offset = SPI_SLAVE + 4, .name = "SPI_SLAVE1"},
            {.offset = SPI_SLAVE + 8, .name = "SPI_SLAVE2"},
            {.offset = SPI_SLAVE + 12, .name = "SPI_SLAVE3"},
        };
        static const char* const kW[16] = {"SPI_W0",  "SPI_W1",  "SPI_W2",  "SPI_W3",
                                           "SPI_W4",  "SPI_W5",  "SPI_W6",  "SPI_W7",
                                           "SPI_W8",  "SPI_W9",  "SPI_W10", "SPI_W11",
                                           "SPI_W12", "SPI_W13", "SPI_W14", "SPI_W15"};
        for (unsigned i = 0; i < 16; ++i) specs.push_back({.offset = SPI_W0 + 4 * i, .name = kW[i]});
        static const char* const kExt[4] = {"SPI_EXT0", "SPI_EXT1", "SPI_EXT2", "SPI_EXT3"};
        for (unsigned i = 0; i < 4; ++i)
          specs.push_back({.offset = SPI_EXT0 + 4 * i, .name = kExt[i]});
        return specs;
      }()) {
  if (!ctx.scheduler) throw std::invalid_argument(this->name() + ": no scheduler");
  std::span<std::uint8_t> mapped;
  if (!params_.xip_region.empty()) {
    if (!ctx.bus)
      throw std::invalid_argument("params.xip_region: '" + params_.xip_region +
                                  "' cannot be found (no bus)");
    RamRegion* region = nullptr;
    for (auto& r : ctx.bus->ram())
      if (r->desc.name == params_.xip_region) region = r.get();
    if (!region)
      throw std::invalid_argument("params.xip_region: no memory region named '" +
                                  params_.xip_region + "'");
    if (region->desc.kind != MemoryKind::flash)
      throw std::invalid_argument("params.xip_region: memory region '" + params_.xip_region +
                                  "' is not of kind flash");
    if (region->bytes.size() > params_.size)
      throw std::invalid_argument("params.xip_region: region '" + params_.xip_region + "' (" +
                                  std::to_string(region->bytes.size()) +
                                  " bytes) is larger than the flash chip (params.size " +
                                  std::to_string(params_.size) + ")");
    mapped = std::span<std::uint8_t>(region->bytes.data(), region->bytes.size());
    xip_base_ = region->desc.base;
    xip_size_ = static_cast<std::uint32_t>(region->bytes.size());
  }
  std::uint32_t jedec = params_.jedec_id.value_or(0);
  if (!params_.jedec_id) {
    // Winbond (0xEF), W25Q series (0x40), capacity code log2(size in bytes).
    unsigned log2 = 0;
    while ((1u << log2) < params_.size) ++log2;
    jedec = 0xEF4000u | log2;
  }
  SpiNorFlash::Timing timing = params_.instant ? SpiNorFlash::Timing::instant()
                                               : SpiNorFlash::Timing::w25q_typical(ctx.cpu_hz);
  try {
    chip_ = std::make_unique<SpiNorFlash>(params_.size, jedec, timing, *ctx.scheduler, mapped, this->name() + ".flash");
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(std::string("params.size: ") + e.what());
  }
  if (!params_.image.empty()) {
    std::error_code ec;
    bool exists = std::filesystem::exists(params_.image, ec);
    if (exists || !params_.persist) chip_->load_file(params_.image);  // throws, naming the file
  }
  // Program and erase change the cache window behind the CPU's back: tell whoever caches
  // decoded code from it (the CPU backend) through the bus.
  if (xip_size_ && ctx.bus) {
    Bus* bus = ctx.bus;
    on_xip_modified([bus](std::uint32_t addr, std::uint32_t len) { bus->notify_written(addr, len); });
  }
  reset();
}

Esp8266SpiFlash::~Esp8266SpiFlash() {
  if (!params_.persist) return;
  try {
    save();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "boardemu: %s: flash contents NOT saved: %s\n", name().c_str(), e.what());
  }
}

void Esp8266SpiFlash::on_xip_modified(std::function<void(std::uint32_t, std::uint32_t)> cb) {
  if (!cb) {
    chip_->on_modified(nullptr);
    return;
  }
  chip_->on_modified([this, cb = std::move(cb)](std::uint32_t off, std::uint32_t len) {
    if (off >= xip_size_) return;
    cb(xip_base_ + off, std::min(len, xip_size_ - off));
  });
}

void Esp8266SpiFlash::save() { chip_->save_file(params_.image); }

void Esp8266SpiFlash::reset() { regs_.reset(); }

std::uint32_t Esp8266SpiFlash::read(std::uint32_t offset, unsigned size) {
  std::uint32_t v = 0;
  if (!regs_.read(offset, size, &v)) {
    BE_LOG(guest_error, "{}: read of unknown offset 0x{:x} (size {})", name(), offset, size);
    return 0;
  }
  return v;
}

void Esp8266SpiFlash::write(std::uint32_t offset, std::uint32_t value, unsigned size) {
  if (!regs_.write(offset, value, size))
    BE_LOG(guest_error, "{}: write 0x{:x} to unknown offset 0x{:x} (size {})", name(), value,
           offset, size);
}

// ---- the data buffer W0..W15 ----------------------------------------------------------------

void Esp8266SpiFlash::buffer_to(std::uint8_t* out, unsigned n) const {
  for (unsigned i = 0; i < n; ++i)
    out[i] = static_cast<std::uint8_t>(regs_.get(SPI_W0 + 4 * (i / 4)) >> (8 * (i % 4)));
}

void Esp8266SpiFlash::buffer_from(const std::uint8_t* in, unsigned n) {
  for (unsigned i = 0; i < n; ++i) {
    std::uint32_t& w = regs_[SPI_W0 + 4 * (i / 4)];
    unsigned shift = 8 * (i % 4);
    w = (w & ~(0xFFu << shift)) | (std::uint32_t{in[i]} << shift);
  }
}

unsigned Esp8266SpiFlash::transfer_length(const char* what) const {
  unsigned n = regs_.get(SPI_ADDR) >> 24;
  if (n > kBufferBytes) {
    BE_LOG(guest_error, "{}: {} of {} bytes (SPI_ADDR[31:24]) exceeds the 64-byte buffer; clamped",
           name(), what, n);
    n = kBufferBytes;
  }
  return n;
}

// ---- commands -------------------------------------------------------------------------------

void Esp8266SpiFlash::execute(std::uint32_t cmd) {
  regs_[SPI_CMD] = 0;  // the command completes before the guest can read SPI_CMD again
  cmd &= 0xFFFC0000u;
  if (cmd == 0) return;
  std::uint32_t top = 1u << (31 - __builtin_clz(cmd));
  if (cmd != top)
    BE_LOG(guest_error, "{}: SPI_CMD 0x{:08x} sets several commands; only 0x{:08x} runs", name(),
           cmd, top);
  SpiNorFlash& chip = *chip_;
  std::uint32_t addr = regs_.get(SPI_ADDR) & 0xFFFFFF;
  std::array<std::uint8_t, kBufferBytes> buf{};
  switch (top) {
    case CMD_READ: {
      unsigned n = transfer_length("READ");
      chip.transfer(0x03, addr, {}, std::span(buf.data(), n));
      buffer_from(buf.data(), n);
      break;
    }
    case CMD_PP: {
      unsigned n = transfer_length("PP");
      buffer_to(buf.data(), n);
      chip.transfer(0x02, addr, std::span<const std::uint8_t>(buf.data(), n), {});
      break;
    }
    case CMD_WREN: chip.transfer(0x06, 0, {}, {}); break;
    case CMD_WRDI: chip.transfer(0x04, 0, {}, {}); break;
    case CMD_SE: chip.transfer(0x20, addr, {}, {}); break;
    case CMD_BE: chip.transfer(0xD8, addr, {}, {}); break;
    case CMD_CE: chip.transfer(0xC7, 0, {}, {}); break;
    case CMD_RDID: {
      chip.transfer(0x9F, 0, {}, std::span(buf.data(), 3));
      regs_[SPI_W0] = buf[0] | (buf[1] << 8) | (buf[2] << 16);
      break;
    }
    case CMD_RDSR: {
      chip.transfer(0x05, 0, {}, std::span(buf.data(), 1));
      std::uint32_t& rs = regs_[SPI_RD_STATUS];
      rs = (rs & ~0xFFu) | buf[0];
      break;
    }
    case CMD_WRSR: {
      std::uint32_t rs = regs_.get(SPI_RD_STATUS);
      buf[0] = static_cast<std::uint8_t>(rs);
      buf[1] = static_cast<std::uint8_t>(rs >> 8);
      unsigned n = (regs_.get(SPI_CTRL) & CTRL_TWO_BYTE_STATUS_EN) ? 2 : 1;
      chip.transfer(0x01, 0, std::span<const std::uint8_t>(buf.data(), n), {});
      break;
    }
    case CMD_USR:
      user_command();
      break;
    default:
      BE_LOG(unimp, "{}: SPI_CMD 0x{:08x} (DP/RES/HPM) is not modelled; completes at once", name(),
             top);
      break;
  }
}

void Esp8266SpiFlash::user_command() {
  std::uint32_t user = regs_.get(SPI_USER);
  std::uint32_t user1 = regs_.get(SPI_USER1);
  std::uint32_t user2 = regs_.get(SPI_USER2);
  if (!(user & USER_COMMAND)) {
    BE_LOG(unimp, "{}: USR transaction without a command phase is not modelled", name());
    return;
  }
  unsigned cmd_bits = ((user2 >> 28) & 0xF) + 1;
  if (cmd_bits != 8) {
    BE_LOG(unimp, "{}: USR command of {} bits: only 8-bit commands are modelled", name(), cmd_bits);
    return;
  }
  std::uint8_t opcode = static_cast<std::uint8_t>(user2);
  std::uint32_t addr = 0;
  if (user & USER_ADDR) {
    unsigned addr_bits = ((user1 >> 26) & 0x3F) + 1;
    if (addr_bits > 32) {
      BE_LOG(unimp, "{}: USR address phase of {} bits: at most 32 are modelled", name(), addr_bits);
      addr_bits = 32;
    }
    addr = regs_.get(SPI_ADDR) >> (32 - addr_bits);  // left-aligned in SPI_ADDR
  }
  unsigned mosi_bits = (user & USER_MOSI) ? ((user1 >> 17) & 0x1FF) + 1 : 0;
  unsigned miso_bits = (user & USER_MISO) ? ((user1 >> 8) & 0x1FF) + 1 : 0;
  if (mosi_bits % 8 || miso_bits % 8)
    BE_LOG(unimp, "{}: USR data phase of {}/{} bits: whole bytes only (rounded down)", name(),
           mosi_bits, miso_bits);
  unsigned mosi_n = std::min(mosi_bits / 8, kBufferBytes);
  unsigned miso_n = std::min(miso_bits / 8, kBufferBytes);
  std::array<std::uint8_t, kBufferBytes> out{};
  std::array<std::uint8_t, kBufferBytes> in{};
  buffer_to(out.data(), mosi_n);
  chip_->transfer(opcode, addr, std::span<const std::uint8_t>(out.data(), mosi_n),
                  std::span(in.data(), miso_n));
  buffer_from(in.data(), miso_n);
}

void Esp8266SpiFlash::state(StateArchive& ar) {
  regs_.state(ar);
  chip_->state(ar);
}

}  // namespace boardemu
