#include "machine/machine.hpp"

#include <fmt/format.h>

#include <atomic>
#include <cstdio>
#include <stdexcept>

#include "core/elf_loader.hpp"
#include "cortexm/cortexm_cpu.hpp"
#include "machine/device_registry.hpp"

namespace boardemu {

namespace {
std::atomic<bool> g_quit{false};
}

void request_host_quit() { g_quit = true; }

Machine::Machine(BoardDesc board) : board_(std::move(board)), bus_(scheduler_) {
  semihost_console_ = [](const std::string& s) {
    std::fwrite(s.data(), 1, s.size(), stderr);
    std::fflush(stderr);
  };
  semihosting_ = std::make_unique<Semihosting>(bus_, board_.cpu_hz, [this](const std::string& s) {
    semihost_console_(s);
  });
  for (const auto& m : board_.memory) bus_.add_ram(m);
  for (const auto& p : board_.peripherals) {
    DeviceContext ctx{&scheduler_, board_.cpu_hz, p.clock_hz.value_or(board_.cpu_hz)};
    auto dev = create_device(board_, p, ctx);
    bus_.add_device(p.base, p.size, dev.get(), p.wait_states);
    by_name_[p.name] = dev.get();
    devices_.push_back(std::move(dev));
  }
  if (board_.cpu_arch == "cortex-m3") {
    build_cortex_m();
  } else {
    throw BoardError(fmt::format("{}: cpu.arch: '{}' has no backend yet (available: cortex-m3)",
                                 board_.source_path, board_.cpu_arch));
  }
}

Machine::~Machine() = default;

void Machine::build_cortex_m() {
  auto cpu = std::make_unique<cortexm::CortexMCpu>(board_, bus_, *semihosting_);
  // The System Control Space and the DWT live in the Private Peripheral Bus of every
  // ARMv7-M core (ARMv7-M ARM B3.1): the CPU brings them, the board does not list them.
  bus_.add_device(0xE000E000, 0x1000, &cpu->scs(), 0);
  bus_.add_device(0xE0001000, 0x1000, &cpu->dwt(), 0);
  cpu->map_bus();
  cortexm::Scs* scs = &cpu->scs();
  wire_irqs([scs](unsigned line, bool level) { scs->set_irq_level(line, level); });
  cpu_ = std::move(cpu);
}

void Machine::wire_irqs(std::function<void(unsigned, bool)> controller_input) {
  irq_sources_high_.assign(board_.num_irqs, 0);
  for (const auto& p : board_.peripherals) {
    Device* dev = by_name_[p.name];
    for (const auto& [output, line] : p.irqs) {
      IrqLine* irq = dev->irq(output);
      if (!irq)
        throw BoardError(fmt::format("{}:{}: peripheral '{}': irqs: model '{}' has no interrupt output '{}'",
                                     board_.source_path, p.line, p.name, p.model, output));
      // Several outputs may drive one input: the input is their OR.
      irq->connect([this, controller_input, line = line](bool level) {
        irq_sources_high_[line] += level ? 1 : -1;
        controller_input(line, irq_sources_high_[line] > 0);
      });
    }
  }
}

Device* Machine::device(const std::string& name) {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second;
}

void Machine::attach_serial(const std::string& name, CharBackend* backend) {
  Device* dev = device(name);
  if (!dev || !boardemu::attach_serial(*dev, backend))
    throw std::invalid_argument(fmt::format("board '{}' has no UART named '{}'", board_.name, name));
}

void Machine::load_firmware(const std::string& path) {
  ElfMachine arch = ElfMachine::arm;
  ElfImage image = read_elf(path, arch);
  load_elf_segments(path, image, [this](std::uint32_t addr, const std::vector<std::uint8_t>& data) {
    return bus_.write_block(addr, data.data(), data.size());
  });
  // Code that came from the file is taken as fixed; the zero-filled rest of a segment (.bss,
  // where heaps live) may hold code the guest writes at run time.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> code;
  for (const auto& seg : image.segments)
    if (seg.executable && seg.file_size) code.emplace_back(seg.paddr, seg.paddr + seg.file_size);
  cpu_->set_static_code(std::move(code));
  reset();
}

void Machine::reset() {
  for (auto& d : devices_) d->reset();
  cpu_->reset();
}

RunResult Machine::run(Cycles limit) {
  for (;;) {
    if (g_quit || host_quit_requested()) return {StopReason::host_quit, 0, {}};
    scheduler_.run_due();
    Cycles now = scheduler_.now();
    if (now >= limit) return {StopReason::time_limit, 0, {}};
    Cycles deadline = std::min(scheduler_.next_deadline(), limit);
    // With nothing scheduled at all, run in one-second slices so quit requests are seen.
    if (deadline == kNever) deadline = now + board_.cpu_hz;
    RunResult r = cpu_->run(deadline);
    switch (r.reason) {
      case StopReason::deadline:
        continue;
      case StopReason::reset_request:
        reset();
        continue;
      default:
        return r;
    }
  }
}

}  // namespace boardemu
