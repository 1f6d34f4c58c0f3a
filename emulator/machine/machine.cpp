#include "machine/machine.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include <poll.h>
#include <unistd.h>

#include <cerrno>

#include "core/debug.hpp"
#include "core/elf_loader.hpp"
#include "core/host_file.hpp"
#include "cortexm/cortexm_cpu.hpp"
#include "machine/device_registry.hpp"
#include "riscv/rv32_cpu.hpp"
#include "timer/riscv_clint.hpp"
#include "xtensa/lx106_cpu.hpp"

namespace boardemu {

namespace {
std::atomic<bool> g_quit{false};
}

void request_host_quit() {
  g_quit = true;
  set_host_quit_requested();  // host backends waiting for a slow client give up at once
}

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
    DeviceContext ctx{&scheduler_, board_.cpu_hz, p.clock_hz.value_or(board_.cpu_hz), &bus_,
                      [this] { system_reset_requested_ = true; }};
    auto dev = create_device(board_, p, ctx);
    bus_.add_device(p.base, p.size, dev.get(), p.wait_states);
    by_name_[p.name] = dev.get();
    devices_.push_back(std::move(dev));
  }
  const CpuBackend* backend = nullptr;
  for (const CpuBackend& b : kCpuBackends)
    if (board_.cpu_arch == b.arch) backend = &b;
  if (!backend)
    throw BoardError(fmt::format("{}: cpu.arch: '{}' has no backend yet (available: {})", board_.source_path,
                                 board_.cpu_arch, fmt::join(cpu_architectures(), ", ")));
  (this->*backend->build)();
  // Flash partitions lie inside the board's flash chip.
  if (!board_.partitions.empty()) {
    auto flash = nonvolatile_memories(/*parts=*/false);
    const FlashPartition& first = board_.partitions.front();
    if (flash.empty())
      throw BoardError(fmt::format("{}:{}: partitions: board '{}' has no flash chip to divide", board_.source_path,
                                   first.line, board_.name));
    const std::uint64_t chip = flash.front().second->nvm_size();
    for (const FlashPartition& p : board_.partitions)
      if (std::uint64_t{p.offset} + p.size > chip)
        throw BoardError(fmt::format("{}:{}: partitions: '{}' (0x{:X}..0x{:X}) ends beyond the {} KiB flash chip of {}",
                                     board_.source_path, p.line, p.name, p.offset,
                                     std::uint64_t{p.offset} + p.size - 1, chip / 1024, flash.front().first));
  }
  // On-board parts (a development board's LED, button, sensor), wired like a circuit's.
  if (board_.has_circuit) {
    try {
      add_circuit(parse_board_circuit(board_.source_text, board_.source_path));
    } catch (const CircuitError& e) {
      throw BoardError(e.what());
    }
  }
}

// The CPU backends by the architecture a board file names (`cpu.arch`), as device_registry.cpp
// lists the peripheral models: adding a backend is one line here and its build function.
const Machine::CpuBackend Machine::kCpuBackends[3] = {
    {"cortex-m3", &Machine::build_cortex_m},  // Unicorn (Arm), cortexm/
    {"rv32imac", &Machine::build_rv32},       // Unicorn (RISC-V), riscv/
    {"lx106", &Machine::build_lx106},         // our interpreter, xtensa/
};

std::vector<std::string> Machine::cpu_architectures() {
  std::vector<std::string> out;
  for (const CpuBackend& b : kCpuBackends) out.push_back(b.arch);
  return out;
}

Machine::~Machine() = default;

void Machine::build_cortex_m() {
  auto cpu = std::make_unique<cortexm::CortexMCpu>(board_, bus_, *semihosting_);
  // The System Control Space and the DWT live in the Private Peripheral Bus of every
  // ARMv7-M core (ARMv7-M ARM B3.1): the CPU brings them, the board does not list them.
  bus_.add_device(0xE000E000, 0x1000, &cpu->scs(), 0);
  bus_.add_device(0xE0001000, 0x1000, &cpu->dwt(), 0);
  cpu->map_bus();
  cpu_ = std::move(cpu);
  wire_irqs(&static_cast<cortexm::CortexMCpu&>(*cpu_).scs());
}

void Machine::build_rv32() {
  auto cpu = std::make_unique<riscv::Rv32Cpu>(board_, bus_, *semihosting_);
  cpu->map_bus();
  for (auto& d : devices_)
    if (auto* timer = dynamic_cast<RiscvClint*>(d.get())) cpu->set_time_source([timer] { return timer->mtime(); });
  cpu_ = std::move(cpu);
  InterruptController* controller = nullptr;
  if (!board_.interrupt_controller.empty())
    controller = dynamic_cast<InterruptController*>(device(board_.interrupt_controller));
  if (!board_.interrupt_controller.empty() && !controller)
    throw BoardError(fmt::format("{}: cpu.interrupt_controller: peripheral '{}' is not an interrupt controller",
                                 board_.source_path, board_.interrupt_controller));
  wire_irqs(controller);
}

void Machine::build_lx106() {
  auto cpu = std::make_unique<xtensa::Lx106Cpu>(board_, bus_);
  // SIMCALL semihosting writes fd 1 and 2 to the host's stdout and stderr, as QEMU's `sim`
  // machine does with -nographic (its console is stdio); fd 0 reads the host's stdin.
  cpu->simcall().set_console([](int fd, const std::string& bytes) {
    std::FILE* f = fd == 2 ? stderr : stdout;
    std::fwrite(bytes.data(), 1, bytes.size(), f);
    std::fflush(f);
  });
  cpu->simcall().set_input([](std::uint8_t* out, std::size_t max) -> std::optional<std::size_t> {
    // What is available, up to max; waits until some is, but not past a quit request (the
    // run then ends at once), so SIGTERM ends a guest blocked on console input.
    for (;;) {
      if (quit_requested()) return std::nullopt;
      pollfd p{0, POLLIN, 0};
      int r = ::poll(&p, 1, 100);
      if (r < 0 && errno != EINTR) return 0;
      if (r <= 0) continue;
      ssize_t n = ::read(0, out, max);
      if (n < 0 && errno == EINTR) continue;
      return n > 0 ? static_cast<std::size_t>(n) : 0;
    }
  });
  // The core is its own interrupt controller (INTERRUPT/INTENABLE, 15 inputs); a board may
  // still name a peripheral instead.
  InterruptController* controller = cpu.get();
  cpu_ = std::move(cpu);
  if (!board_.interrupt_controller.empty() && board_.interrupt_controller != "cpu") {
    controller = dynamic_cast<InterruptController*>(device(board_.interrupt_controller));
    if (!controller)
      throw BoardError(fmt::format("{}: cpu.interrupt_controller: peripheral '{}' is not an interrupt controller",
                                   board_.source_path, board_.interrupt_controller));
  }
  wire_irqs(controller);
}

void Machine::wire_irqs(InterruptController* controller) {
  irq_sources_high_.assign(controller ? controller->num_inputs() : 0, 0);
  for (const auto& p : board_.peripherals) {
    Device* dev = by_name_[p.name];
    auto output = [&](const std::string& name) {
      IrqLine* irq = dev->irq(name);
      if (!irq)
        throw BoardError(fmt::format("{}:{}: peripheral '{}': irqs: model '{}' has no interrupt output '{}'",
                                     board_.source_path, p.line, p.name, p.model, name));
      return irq;
    };
    // Each wired output is also a pin on its own net, "<device>.<output>", for observers.
    auto show = [&](const std::string& name, IrqLine* irq) {
      irq_pins_.push_back(std::make_unique<Pin>(p.name + "." + name, &scheduler_));
      netlist_.connect(*irq_pins_.back(), p.name + "." + name);
      irq->show_on(irq_pins_.back().get());
    };
    for (const auto& [name, line] : p.irqs) {
      if (!controller || line >= controller->num_inputs())
        throw BoardError(fmt::format("{}:{}: peripheral '{}': irqs.{}: the board has no interrupt input {}",
                                     board_.source_path, p.line, p.name, name, line));
      show(name, output(name));
      // Several outputs may drive one input: the input is their OR.
      output(name)->connect([this, controller, line = line](bool level) {
        irq_sources_high_[line] += level ? 1 : -1;
        controller->set_irq_level(line, irq_sources_high_[line] > 0);
      });
    }
    for (const auto& [name, line] : p.cpu_irqs) {
      auto sink = cpu_->cpu_line(line);
      if (!sink)
        throw BoardError(fmt::format("{}:{}: peripheral '{}': irqs.{}: the {} CPU has no line 'cpu.{}'",
                                     board_.source_path, p.line, p.name, name, board_.cpu_arch, line));
      output(name)->connect(std::move(sink));
      show(name, output(name));
    }
  }
}

std::vector<Pin*> Machine::pins_of(const std::string& owner) {
  if (Device* d = device(owner)) return d->pins();
  if (Part* p = part(owner)) return p->pins();
  return {};
}

Pin* Machine::pin(const std::string& name) {
  for (Pin* p : pins_of(name.substr(0, name.find('.'))))
    if (p->name() == name) return p;
  return nullptr;
}

Part* Machine::part(const std::string& id) {
  for (auto& p : parts_)
    if (p->id() == id) return p.get();
  return nullptr;
}

const CircuitPart* Machine::part_description(const std::string& id) const {
  for (const CircuitPart& d : part_descs_)
    if (d.id == id) return &d;
  return nullptr;
}

std::vector<Part*> Machine::parts() {
  std::vector<Part*> out;
  for (auto& p : parts_) out.push_back(p.get());
  return out;
}

std::vector<std::pair<std::string, NonVolatileMemory*>> Machine::nonvolatile_memories(bool parts) {
  std::vector<std::pair<std::string, NonVolatileMemory*>> out;
  if (parts) {
    for (auto& p : parts_)
      if (NonVolatileMemory* m = p->nonvolatile()) out.emplace_back(p->id(), m);
  } else {
    for (auto& d : devices_)
      if (NonVolatileMemory* m = d->nonvolatile()) out.emplace_back(d->name(), m);
  }
  return out;
}

std::vector<Net*> Machine::nets() {
  std::vector<Net*> out = netlist_.nets();
  auto add_unwired = [&](const std::vector<Pin*>& pins) {
    for (Pin* p : pins)
      if (std::find(out.begin(), out.end(), &p->net()) == out.end()) out.push_back(&p->net());
  };
  for (auto& d : devices_) add_unwired(d->pins());
  for (auto& p : parts_) add_unwired(p->pins());
  return out;
}

void Machine::add_circuit(const CircuitDesc& c) {
  auto fail = [&](int line, const std::string& field, const std::string& problem) {
    throw CircuitError(one_line(fmt::format("{}:{}: {}: {}", c.source_path, line, field, problem)));
  };
  PartContext ctx{&scheduler_, board_.cpu_hz};
  const std::size_t first = parts_.size();
  // What the circuit is, for snapshots' configuration hash (file paths and lines left out).
  circuits_text_ += "circuit\n";
  for (const CircuitPart& cp : c.parts) {
    circuits_text_ += fmt::format("part {} {}", cp.id, cp.type);
    for (const auto& [k, v] : cp.params) circuits_text_ += fmt::format(" {}={}", k, v);
    circuits_text_ += "\n";
  }
  for (const CircuitNet& n : c.nets) circuits_text_ += fmt::format("net {} {} {}\n", n.name, n.pull, fmt::join(n.pins, " "));
  for (std::size_t i = 0; i < c.parts.size(); ++i) {
    const CircuitPart& cp = c.parts[i];
    std::string field = fmt::format("parts[{}]", i);
    if (device(cp.id)) fail(cp.line, field + ".id", fmt::format("'{}' is already a device of board '{}'", cp.id, board_.name));
    try {
      parts_.push_back(create_part(cp.type, cp.id, cp.params, ctx));
      part_descs_.push_back(cp);
    } catch (const std::invalid_argument& e) {
      fail(cp.line, field, e.what());
    }
  }
  for (std::size_t i = 0; i < c.nets.size(); ++i) {
    const CircuitNet& n = c.nets[i];
    for (std::size_t j = 0; j < n.pins.size(); ++j) {
      Pin* p = pin(n.pins[j]);
      if (!p) {
        std::string owner = n.pins[j].substr(0, n.pins[j].find('.'));
        std::vector<Pin*> have = pins_of(owner);
        std::string hint;
        if (have.empty()) hint = fmt::format(" (no device or part '{}' has pins)", owner);
        else if (have.size() <= 4) {
          for (Pin* h : have) hint += (hint.empty() ? " (" + owner + " has " : ", ") + h->name();
          hint += ")";
        } else {
          hint = fmt::format(" ({} has {} .. {})", owner, have.front()->name(), have.back()->name());
        }
        fail(n.pin_lines[j], fmt::format("nets[{}].pins[{}]", i, j), fmt::format("no pin '{}'{}", n.pins[j], hint));
      }
      // A pin the board file (or an earlier circuit) already wired stays where it is.
      const std::vector<Net*> wired = netlist_.nets();
      if (std::find(wired.begin(), wired.end(), &p->net()) != wired.end() && p->net().name() != n.name)
        fail(n.pin_lines[j], fmt::format("nets[{}].pins[{}]", i, j),
             fmt::format("pin '{}' is already on net '{}'", n.pins[j], p->net().name()));
      netlist_.connect(*p, n.name);
    }
    if (!n.pull.empty()) {
      resistors_.push_back(std::make_unique<Pin>(n.name + ".pull_" + n.pull, &scheduler_));
      netlist_.connect(*resistors_.back(), n.name);
      resistors_.back()->drive(n.pull == "up" ? Drive::pull_up : Drive::pull_down);
    }
  }
  // Two I2C targets on one address of one bus (the same SCL and SDA nets) would both answer.
  for (std::size_t j = first; j < parts_.size(); ++j) {
    Part* b = parts_[j].get();
    if (!b->i2c_address()) continue;
    for (std::size_t i = 0; i < j; ++i) {
      Part* a = parts_[i].get();
      if (a->i2c_address() == b->i2c_address() && &a->i2c_scl()->net() == &b->i2c_scl()->net() &&
          &a->i2c_sda()->net() == &b->i2c_sda()->net())
        fail(c.parts[j - first].line, fmt::format("parts[{}]", j - first),
             fmt::format("'{}' and '{}' both answer I2C address 0x{:02x} on nets {}/{}", b->id(), a->id(),
                         *b->i2c_address(), b->i2c_scl()->net().name(), b->i2c_sda()->net().name()));
    }
  }
}

void Machine::set_semihosting_files(const std::string& dir) {
  if (!board_.semihosting)
    throw std::invalid_argument(fmt::format("board '{}' has no semihosting (its cpu.semihosting is off)", board_.name));
  auto* lx = dynamic_cast<xtensa::Lx106Cpu*>(cpu_.get());
  if (!lx)
    throw std::invalid_argument(fmt::format("the {} semihosting of board '{}' serves the console and exit only, no host files",
                                            board_.cpu_arch, board_.name));
  lx->simcall().set_file_root(dir);
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
  ElfMachine arch = board_.cpu_arch == "rv32imac" ? ElfMachine::riscv32
                    : board_.cpu_arch == "lx106"  ? ElfMachine::xtensa
                                                  : ElfMachine::arm;
  ElfImage image = read_elf(path, arch);
  if (arch == ElfMachine::riscv32) {
    // e_flags: EF_RISCV_FLOAT_ABI (bits 1..2) and EF_RISCV_RVE (bit 3), RISC-V ELF psABI.
    if (image.flags & 0x6)
      throw ElfError(fmt::format("{}: built for the {} floating-point ABI, but the board's CPU ({}) has no F/D extension",
                                 path, (image.flags & 0x6) == 2 ? "single" : (image.flags & 0x6) == 4 ? "double" : "quad",
                                 board_.cpu_arch));
    if (image.flags & 0x8)
      throw ElfError(fmt::format("{}: built for RV32E, but the board's CPU is {}", path, board_.cpu_arch));
  }
  load_elf_segments(path, image, [this](std::uint32_t addr, const std::vector<std::uint8_t>& data) {
    return bus_.write_block(addr, data.data(), data.size());
  });
  // Code that came from the file is taken as fixed; the zero-filled rest of a segment (.bss,
  // where heaps live) may hold code the guest writes at run time.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> code;
  for (const auto& seg : image.segments)
    if (seg.executable && seg.file_size) code.emplace_back(seg.paddr, seg.paddr + seg.file_size);
  cpu_->set_static_code(std::move(code));
  if (auto* rv = dynamic_cast<riscv::Rv32Cpu*>(cpu_.get())) rv->set_entry(image.entry);
  if (auto* lx = dynamic_cast<xtensa::Lx106Cpu*>(cpu_.get())) lx->set_entry(image.entry);
  reset();
}

void Machine::reset() {
  for (auto& d : devices_) d->reset();
  cpu_->reset();
}

void Machine::take_system_reset() {
  if (!system_reset_requested_) return;
  system_reset_requested_ = false;
  reset();
}

bool Machine::quit_requested() { return g_quit || host_quit_requested(); }

RunResult Machine::step() {
  CpuDebug* debug = cpu_->debug();
  if (!debug) return {StopReason::fatal, 0, fmt::format("the {} backend cannot single-step", cpu_->arch())};
  scheduler_.run_due();
  take_system_reset();
  RunResult r = debug->step();
  if (r.reason == StopReason::reset_request) {
    reset();
    // The step ended in a system reset: report it as a completed step at the reset vector.
    r = {StopReason::debug, 0, {}};
  }
  return r;
}

RunResult Machine::run(Cycles limit, Cycles pause_at) {
  for (;;) {
    if (g_quit || host_quit_requested()) return {StopReason::host_quit, 0, {}};
    scheduler_.run_due();
    take_system_reset();
    Cycles now = scheduler_.now();
    if (now >= limit) return {StopReason::time_limit, 0, {}};
    if (now >= pause_at || pause_requested_) {
      pause_requested_ = false;
      return {StopReason::deadline, 0, {}};
    }
    Cycles deadline = std::min({scheduler_.next_deadline(), limit, pause_at});
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
