#include "cli/session.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <limits>

#include "core/board.hpp"
#include "core/elf_loader.hpp"
#include "cli/romfs_tool.hpp"
#include "core/log.hpp"
#include "gdb/machine_target.hpp"
#include "machine/circuit.hpp"
#include "machine/probe.hpp"
#include "machine/snapshot.hpp"
#include "unicorn/unicorn_bus.hpp"
#include "xtensa/lx106_cpu.hpp"

namespace boardemu::cli {

namespace {

// Largest run length accepted on the command line: 2^62 cycles (about 1460 years at 100 MHz),
// far below the scheduler's kNever, so limits never wrap.
constexpr std::uint64_t kMaxLimitCycles = std::uint64_t{1} << 62;

// A non-negative decimal integer, or an error naming the option.
bool parse_count(const std::string& option, const std::string& text, std::uint64_t* out, std::string* error) {
  std::uint64_t v = 0;
  if (text.empty()) {
    *error = option + ": expected a number, got nothing";
    return false;
  }
  for (char c : text) {
    if (c < '0' || c > '9') {
      *error = fmt::format("{}: expected a whole number of at least 1, got \"{}\"", option, text);
      return false;
    }
    if (v > (std::numeric_limits<std::uint64_t>::max() - 9) / 10) {
      *error = fmt::format("{}: {} is too large", option, text);
      return false;
    }
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  if (v == 0) {
    *error = option + ": must be at least 1";
    return false;
  }
  *out = v;
  return true;
}

}  // namespace

std::string repo_root() {
  if (const char* env = std::getenv("BOARDEMU_ROOT")) return env;
  return BOARDEMU_SOURCE_DIR;
}

int fail(int code, const std::string& message) {
  std::fprintf(stderr, "boardemu: %s\n", message.c_str());
  return code;
}

int Session::report(int code, const std::string& message) {
  error_ = message;
  if (!quiet_) fail(code, message);
  return code;
}

Session::~Session() {
  if (trace_ && trace_ != stderr) std::fclose(trace_);
}

int Session::open() {
  const SessionOptions& o = o_;
  std::string bad;
  if (!o.log.empty() && !log::enable_from_string(o.log, &bad))
    return report(kExitUsage, fmt::format("--log: unknown category '{}' (known: guest_error, unimp, trace, all)", bad));

  if (o.gdb_wait && o.gdb.empty()) return report(kExitUsage, "--gdb-wait needs --gdb [HOST:]PORT");
  gdb::Endpoint gdb_at;
  try {
    if (!o.gdb.empty()) gdb_at = gdb::parse_endpoint(o.gdb);
  } catch (const gdb::GdbError& e) {
    return report(kExitUsage, e.what());
  }

  std::uint64_t max_cycles = 0, timeout_ms = 0;
  if (!o.max_cycles.empty() && !parse_count("--max-cycles", o.max_cycles, &max_cycles, &bad)) return report(kExitUsage, bad);
  if (max_cycles > kMaxLimitCycles)
    return report(kExitUsage, fmt::format("--max-cycles: {} is too large (at most {})", o.max_cycles, kMaxLimitCycles));
  if (!o.timeout_virtual_ms.empty() && !parse_count("--timeout-virtual-ms", o.timeout_virtual_ms, &timeout_ms, &bad))
    return report(kExitUsage, bad);

  std::uint64_t save_ms = 0;
  if (!o.save_snapshot.empty()) {
    if (o.save_at_virtual_ms.empty()) return report(kExitUsage, "--save-snapshot needs --at-virtual-ms N");
    if (!o.gdb.empty()) return report(kExitUsage, "--save-snapshot cannot be combined with --gdb");
    if (o.save_at_virtual_ms != "0" &&
        !parse_count("--at-virtual-ms", o.save_at_virtual_ms, &save_ms, &bad))
      return report(kExitUsage, bad);
  } else if (!o.save_at_virtual_ms.empty()) {
    return report(kExitUsage, "--at-virtual-ms needs --save-snapshot FILE");
  }

  try {
    std::string dir = o.boards_dir.empty() ? repo_root() + "/boards" : o.boards_dir;
    BoardDesc board = load_board_by_name(o.board, dir);
    firmware_ = o.firmware;
    if (firmware_.empty()) {
      if (board.default_firmware.empty())
        return report(kExitBadInput, fmt::format("board '{}' has no default firmware: give --firmware", board.name));
      firmware_ = board.default_firmware;
      if (std::filesystem::path(firmware_).is_relative()) firmware_ = repo_root() + "/" + firmware_;
      if (!std::filesystem::exists(firmware_))
        return report(kExitBadInput, fmt::format("{}: default firmware of board '{}' is missing (run `make build`)",
                                               firmware_, board.name));
    }
    machine_ = std::make_unique<Machine>(std::move(board));
    if (!o.flash.empty()) {
      // The board's flash first: its saved contents are loaded before the firmware, whose
      // segments then land on top (as flashing new firmware onto a board keeps its
      // filesystem).
      auto memories = machine_->nonvolatile_memories(/*parts=*/false);
      if (memories.empty())
        return report(kExitUsage, fmt::format("--flash: board '{}' has no flash chip to keep", machine_->board().name));
      stores_.push_back(std::make_unique<NvmFile>(o.flash, *memories.front().second,
                                                  "flash chip of " + memories.front().first));
    }
    machine_->load_firmware(firmware_);
    // After the firmware and before the flash file is brought up to date: with --flash the
    // image is kept there too, as if it had been deployed.
    if (!o.romfs.empty()) install_romfs(*machine_, read_romfs_image(o.romfs), o.romfs);
    if (!o.circuit.empty()) machine_->add_circuit(load_circuit_file(o.circuit));
    if (!o.flash.empty()) {
      // Each part's EEPROM or flash beside it, in FILE.<part id>.
      for (auto& [id, memory] : machine_->nonvolatile_memories(/*parts=*/true))
        stores_.push_back(std::make_unique<NvmFile>(o.flash + "." + id, *memory, "memory of part " + id));
    }
    if (!o.semihosting_files.empty()) {
      try {
        machine_->set_semihosting_files(o.semihosting_files);
      } catch (const std::invalid_argument& e) {
        return report(kExitUsage, fmt::format("--semihosting-files: {}", e.what()));
      }
    }
    for (int i = 0; i < kMaxUarts; ++i) {
      std::string spec = o.uart[i];
      std::string name = fmt::format("uart{}", i);
      if (spec.empty()) {
        if (!machine_->device(name)) continue;
        if (default_uart_) {
          if (CharBackend* b = default_uart_(name)) machine_->attach_serial(name, b);
          continue;
        }
        if (i != 0) continue;
        spec = "stdio";  // the console UART defaults to the terminal, as in QEMU -nographic
      }
      backends_.push_back(make_char_backend(spec));
      machine_->attach_serial(name, backends_.back().get());
    }
    // Last, once everything that resets or attaches is in place: memory, CPU, devices, parts,
    // nets and events come from the snapshot.
    if (!o.load_snapshot.empty()) load_snapshot_file(*machine_, o.load_snapshot);
    // The flash files get what the memories hold now (a snapshot's flash contents included).
    for (auto& store : stores_) store->start();
  } catch (const SnapshotError& e) {
    return report(kExitBadInput, e.what());
  } catch (const BoardError& e) {
    return report(kExitBadInput, e.what());
  } catch (const ElfError& e) {
    return report(kExitBadInput, e.what());
  } catch (const ChardevError& e) {
    return report(kExitBadInput, e.what());
  } catch (const std::invalid_argument& e) {
    return report(kExitBadInput, e.what());
  } catch (const CircuitError& e) {
    return report(kExitBadInput, e.what());
  } catch (const NvmFileError& e) {
    return report(kExitBadInput, fmt::format("--flash: {}", e.what()));
  } catch (const RomfsError& e) {
    return report(kExitBadInput, fmt::format("--romfs: {}", e.what()));
  } catch (const UnicornError& e) {
    // The board reader refuses what the engine cannot map; this is the last resort.
    return report(kExitBadInput, fmt::format("board '{}': the CPU engine refused it: {}", o.board, e.what()));
  }
  if (!o.gdb.empty()) {
    try {
      gdb_server_ = std::make_unique<gdb::GdbServer>(gdb_at);
    } catch (const gdb::GdbError& e) {
      return report(kExitBadInput, e.what());
    }
    // On stderr only: with --uart0 pty the first stdout line must stay the pty's name.
    std::fprintf(stderr, "boardemu: gdb stub listening on %s:%u\n", gdb_server_->host().c_str(),
                 static_cast<unsigned>(gdb_server_->port()));
    std::fflush(stderr);
  }

  if (!o.engine.empty()) {
    auto* lx = dynamic_cast<xtensa::Lx106Cpu*>(&machine_->cpu());
    if (!lx) return report(kExitUsage, fmt::format("--engine {}: only the lx106 backend has engines, not {}", o.engine,
                                                 machine_->cpu().arch()));
    auto engine = o.engine == "jit" ? xtensa::Lx106Cpu::Engine::jit : xtensa::Lx106Cpu::Engine::interp;
    if (!lx->set_engine(engine))
      return report(kExitUsage, fmt::format("--engine {}: not available in this build (x86-64 with Xbyak only)", o.engine));
  }
  if (!o.trace_cpu.empty()) {
    auto* lx = dynamic_cast<xtensa::Lx106Cpu*>(&machine_->cpu());
    if (!lx) return report(kExitUsage, fmt::format("--trace-cpu: only the lx106 backend traces instructions, not {}",
                                                 machine_->cpu().arch()));
    trace_ = o.trace_cpu == "-" ? stderr : std::fopen(o.trace_cpu.c_str(), "w");
    if (!trace_) return report(kExitBadInput, fmt::format("--trace-cpu: cannot open {}", o.trace_cpu));
    lx->set_trace(trace_);
  }

  std::uint64_t hz = machine_->board().cpu_hz;
  if (max_cycles) limit_ = max_cycles;
  if (timeout_ms) {
    // Cycles in timeout_ms milliseconds, rounded up so that any timeout is at least a cycle.
    unsigned __int128 cycles = (static_cast<unsigned __int128>(timeout_ms) * hz + 999) / 1000;
    if (cycles > kMaxLimitCycles)
      return report(kExitUsage, fmt::format("--timeout-virtual-ms: {} ms at the board's {} Hz is too long (at most {} cycles)",
                                          timeout_ms, hz, kMaxLimitCycles));
    limit_ = std::min<Cycles>(limit_, static_cast<Cycles>(cycles));
  }

  if (!o.save_snapshot.empty()) {
    unsigned __int128 cycles = (static_cast<unsigned __int128>(save_ms) * hz + 999) / 1000;
    if (cycles > kMaxLimitCycles) return report(kExitUsage, fmt::format("--at-virtual-ms: {} ms is too long", save_ms));
    save_at_ = static_cast<Cycles>(cycles);
    if (save_at_ < machine_->scheduler().now())
      return report(kExitUsage, fmt::format("--at-virtual-ms: {} ms is before the loaded snapshot's time (cycle {})", save_ms,
                                          machine_->scheduler().now()));
  }

  // PART=FILE pairs, checked before the run so a typo does not cost the run.
  for (const auto& spec : o.display_png) {
    auto eq = spec.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size())
      return report(kExitUsage, fmt::format("--display-png: expected PART=FILE, got '{}'", spec));
    std::string id = spec.substr(0, eq);
    Part* p = machine_->part(id);
    if (!p) return report(kExitBadInput, fmt::format("--display-png: no part called '{}'", id));
    if (!p->picture()) return report(kExitBadInput, fmt::format("--display-png: part '{}' has no display", id));
    pngs_.emplace_back(id, spec.substr(eq + 1));
  }
  if (!o.monitor.empty()) {
    try {
      monitor_backend_ = make_char_backend(o.monitor, "monitor");
    } catch (const ChardevError& e) {
      return report(kExitBadInput, fmt::format("--monitor: {}", e.what()));
    }
    monitor_ = std::make_unique<Monitor>(*machine_, *monitor_backend_);
  }

  if (!o.vcd.empty()) {
    try {
      vcd_ = std::make_unique<VcdRecorder>(o.vcd, machine_->scheduler(), hz);
    } catch (const VcdError& e) {
      return report(kExitBadInput, fmt::format("--vcd: {}", e.what()));
    }
    std::string names;
    for (Net* n : machine_->nets()) {
      names += (names.empty() ? "" : ", ") + n->name();
      if (vcd_signal_selected(n->name(), o.vcd_signals)) vcd_->add(*n);
    }
    if (vcd_->signals() == 0)
      return report(kExitUsage, fmt::format("--vcd-signals: '{}' matches no net (nets: {})", o.vcd_signals,
                                          names.empty() ? "none" : names));
    vcd_->start();
  } else if (!o.vcd_signals.empty()) {
    return report(kExitUsage, "--vcd-signals needs --vcd FILE");
  }
  return 0;
}

RunResult Session::run() {
  try {
    if (gdb_server_) {
      gdb::MachineTarget target(*machine_, limit_);
      // Poll the debugger every millisecond of virtual time while the target runs.
      gdb_server_->set_slice(std::max<Cycles>(machine_->board().cpu_hz / 1000, 1));
      return gdb_server_->serve(target, o_.gdb_wait);
    }
    if (save_at_ != kNever) {
      RunResult r = machine_->run(limit_, save_at_);
      if (r.reason != StopReason::deadline) {
        std::fprintf(stderr, "boardemu: --save-snapshot: the run ended at cycle %llu, before --at-virtual-ms %s: no snapshot written\n",
                     static_cast<unsigned long long>(machine_->scheduler().now()), o_.save_at_virtual_ms.c_str());
        snapshot_missed_ = true;
        return r;
      }
      try {
        write_snapshot_file(o_.save_snapshot, machine_->save_snapshot());
      } catch (const SnapshotError& e) {
        return {StopReason::fatal, 0, fmt::format("--save-snapshot: {}", e.what())};
      }
    }
    return machine_->run(limit_);
  } catch (const std::exception& e) {
    // Last resort: an engine or host error the models did not turn into a guest fault.
    return {StopReason::fatal, 0, fmt::format("emulation stopped: {}", e.what())};
  }
}

int Session::finish(RunResult r) {
  // Let the UARTs hand over what they hold before the process ends.
  backends_.clear();
  monitor_.reset();
  monitor_backend_.reset();
  for (const auto& [id, path] : pngs_) {
    try {
      BoardProbe(*machine_).write_picture_png(id, path, 1);
    } catch (const std::exception& e) {
      return fail(kExitBadInput, fmt::format("--display-png: {}", e.what()));
    }
  }
  bool store_failed = false;
  for (auto& store : stores_) {
    store->close();
    store_failed |= store->failed();
  }
  if (store_failed && r.reason != StopReason::fatal)
    r = {StopReason::fatal, 0, "--flash: the flash file could not be kept up to date (see above)"};
  if (vcd_) {
    try {
      vcd_->finish();
    } catch (const VcdError& e) {
      return fail(kExitBadInput, fmt::format("--vcd: {}", e.what()));
    }
  }
  std::uint64_t hz = machine_->board().cpu_hz;
  if (o_.stats)
    std::fprintf(stderr, "boardemu: %llu cycles (%.3f s virtual), %llu instructions\n",
                 static_cast<unsigned long long>(machine_->scheduler().now()),
                 static_cast<double>(machine_->scheduler().now()) / static_cast<double>(hz),
                 static_cast<unsigned long long>(machine_->cpu().instructions()));
  if (o_.stats)
    if (auto* lx = dynamic_cast<xtensa::Lx106Cpu*>(&machine_->cpu()); lx && lx->jit())
      std::fprintf(stderr, "boardemu: %s\n", lx->jit()->summary(lx->instructions()).c_str());
  // A snapshot asked for and not written fails a run that would otherwise succeed.
  if (snapshot_missed_ && (r.reason == StopReason::host_quit || (r.reason == StopReason::exit && r.exit_code == 0)))
    return kExitFatal;
  switch (r.reason) {
    case StopReason::exit:
      return r.exit_code;
    case StopReason::host_quit:
      return 0;
    case StopReason::time_limit:
      return fail(kExitTimeLimit, fmt::format("virtual-time limit reached at cycle {}", machine_->scheduler().now()));
    case StopReason::fatal:
      return fail(kExitFatal, r.message);
    default:
      return fail(kExitFatal, "run ended unexpectedly");
  }
}

}  // namespace boardemu::cli
