// boardemu command line.
//
// Exit codes (all below 128 so they never look like a signal death):
//   0..N  the guest's own exit status (semihosting exit), 0 when the user quits
//   2     bad command line
//   3     bad input: unknown board, malformed board file, missing/corrupt/wrong-arch ELF,
//         unusable host serial backend
//   4     the emulated system stopped on a fatal error (lockup, access with policy "stop")
//   124   the run reached the virtual-time limit (--max-cycles / --timeout-virtual-ms)
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <limits>
#include <memory>

#include "core/board.hpp"
#include "core/chardev.hpp"
#include "core/elf_loader.hpp"
#include "core/log.hpp"
#include "gdb/gdb_server.hpp"
#include "gdb/machine_target.hpp"
#include "machine/device_registry.hpp"
#include "core/vcd.hpp"
#include "hostio/nvm_file.hpp"
#include "machine/monitor.hpp"
#include "machine/probe.hpp"
#include "machine/circuit.hpp"
#include "machine/machine.hpp"
#include "unicorn/unicorn_bus.hpp"
#include "xtensa/lx106_cpu.hpp"

namespace {

constexpr int kExitUsage = 2, kExitBadInput = 3, kExitFatal = 4, kExitTimeLimit = 124;
constexpr int kMaxUarts = 4;

std::string repo_root() {
  if (const char* env = std::getenv("BOARDEMU_ROOT")) return env;
  return BOARDEMU_SOURCE_DIR;
}

// The first SIGINT/SIGTERM asks the run loop to stop (the UARTs hand over what they hold, the
// exit status is 0). Should anything keep the process from ending within a few seconds, or a
// second signal arrive, it ends at once: a signal always ends boardemu.
constexpr unsigned kQuitGraceSeconds = 5;
volatile std::sig_atomic_t g_signals = 0;

void on_signal(int sig) {
  const bool again = g_signals != 0;
  g_signals = 1;
  if (again || sig == SIGALRM) {
    static const char msg[] = "boardemu: stopping at once (signal)\n";
    ssize_t ignored = ::write(2, msg, sizeof msg - 1);
    (void)ignored;
    ::_exit(kExitFatal);
  }
  boardemu::request_host_quit();
  ::alarm(kQuitGraceSeconds);
}

void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: a blocking call returns EINTR and its loop sees the request
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGALRM, &sa, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
}

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

int fail(int code, const std::string& message) {
  std::fprintf(stderr, "boardemu: %s\n", message.c_str());
  return code;
}

struct RunOptions {
  std::string board = "mps2-an385";
  std::string boards_dir;
  std::string firmware;
  std::string uart[kMaxUarts];
  std::string max_cycles;          // as typed; checked in run()
  std::string timeout_virtual_ms;  // as typed; checked in run()
  std::string semihosting_files;
  std::string circuit;      // circuit file: parts wired to the board's pins
  std::string vcd;          // VCD output file
  std::string vcd_signals;  // comma-separated patterns of net names (default: all)
  std::string flash;        // file the board's flash (and parts' non-volatile memory) lives in
  std::string monitor;      // backend spec of the text monitor (machine/monitor.hpp)
  std::vector<std::string> display_png;  // PART=FILE: a display part's panel as PNG at the end
  std::string log;
  bool stats = false;
  std::string trace_cpu;
  std::string gdb;  // [HOST:]PORT of the GDB remote stub; empty: no debugger
  bool gdb_wait = false;
};

int run(const RunOptions& o) {
  using namespace boardemu;
  std::string bad;
  if (!o.log.empty() && !log::enable_from_string(o.log, &bad))
    return fail(kExitUsage, fmt::format("--log: unknown category '{}' (known: guest_error, unimp, trace, all)", bad));

  if (o.gdb_wait && o.gdb.empty()) return fail(kExitUsage, "--gdb-wait needs --gdb [HOST:]PORT");
  gdb::Endpoint gdb_at;
  try {
    if (!o.gdb.empty()) gdb_at = gdb::parse_endpoint(o.gdb);
  } catch (const gdb::GdbError& e) {
    return fail(kExitUsage, e.what());
  }

  std::uint64_t max_cycles = 0, timeout_ms = 0;
  if (!o.max_cycles.empty() && !parse_count("--max-cycles", o.max_cycles, &max_cycles, &bad)) return fail(kExitUsage, bad);
  if (max_cycles > kMaxLimitCycles)
    return fail(kExitUsage, fmt::format("--max-cycles: {} is too large (at most {})", o.max_cycles, kMaxLimitCycles));
  if (!o.timeout_virtual_ms.empty() && !parse_count("--timeout-virtual-ms", o.timeout_virtual_ms, &timeout_ms, &bad))
    return fail(kExitUsage, bad);

  std::unique_ptr<Machine> machine;
  std::vector<std::unique_ptr<CharBackend>> backends;
  std::unique_ptr<gdb::GdbServer> gdb_server;
  // After `machine`: destroyed (closed and synced) before the memories they keep.
  std::vector<std::unique_ptr<NvmFile>> stores;
  try {
    std::string dir = o.boards_dir.empty() ? repo_root() + "/boards" : o.boards_dir;
    BoardDesc board = load_board_by_name(o.board, dir);
    std::string firmware = o.firmware;
    if (firmware.empty()) {
      if (board.default_firmware.empty())
        return fail(kExitBadInput, fmt::format("board '{}' has no default firmware: give --firmware", board.name));
      firmware = board.default_firmware;
      if (std::filesystem::path(firmware).is_relative()) firmware = repo_root() + "/" + firmware;
      if (!std::filesystem::exists(firmware))
        return fail(kExitBadInput, fmt::format("{}: default firmware of board '{}' is missing (run `make build`)",
                                               firmware, board.name));
    }
    machine = std::make_unique<Machine>(std::move(board));
    if (!o.flash.empty()) {
      // The board's flash first: its saved contents are loaded before the firmware, whose
      // segments then land on top (as flashing new firmware onto a board keeps its
      // filesystem).
      auto memories = machine->nonvolatile_memories(/*parts=*/false);
      if (memories.empty())
        return fail(kExitUsage, fmt::format("--flash: board '{}' has no flash chip to keep", machine->board().name));
      stores.push_back(std::make_unique<NvmFile>(o.flash, *memories.front().second,
                                                 "flash chip of " + memories.front().first));
    }
    machine->load_firmware(firmware);
    if (!o.circuit.empty()) machine->add_circuit(load_circuit_file(o.circuit));
    if (!o.flash.empty()) {
      // Each part's EEPROM or flash beside it, in FILE.<part id>.
      for (auto& [id, memory] : machine->nonvolatile_memories(/*parts=*/true))
        stores.push_back(std::make_unique<NvmFile>(o.flash + "." + id, *memory, "memory of part " + id));
      for (auto& store : stores) store->start();
    }
    if (!o.semihosting_files.empty()) {
      try {
        machine->set_semihosting_files(o.semihosting_files);
      } catch (const std::invalid_argument& e) {
        return fail(kExitUsage, fmt::format("--semihosting-files: {}", e.what()));
      }
    }
    for (int i = 0; i < kMaxUarts; ++i) {
      std::string spec = o.uart[i];
      std::string name = fmt::format("uart{}", i);
      if (spec.empty()) {
        if (i != 0 || !machine->device(name)) continue;
        spec = "stdio";  // the console UART defaults to the terminal, as in QEMU -nographic
      }
      backends.push_back(make_char_backend(spec));
      machine->attach_serial(name, backends.back().get());
    }
  } catch (const BoardError& e) {
    return fail(kExitBadInput, e.what());
  } catch (const ElfError& e) {
    return fail(kExitBadInput, e.what());
  } catch (const ChardevError& e) {
    return fail(kExitBadInput, e.what());
  } catch (const std::invalid_argument& e) {
    return fail(kExitBadInput, e.what());
  } catch (const CircuitError& e) {
    return fail(kExitBadInput, e.what());
  } catch (const NvmFileError& e) {
    return fail(kExitBadInput, fmt::format("--flash: {}", e.what()));
  } catch (const UnicornError& e) {
    // The board reader refuses what the engine cannot map; this is the last resort.
    return fail(kExitBadInput, fmt::format("board '{}': the CPU engine refused it: {}", o.board, e.what()));
  }
  if (!o.gdb.empty()) {
    try {
      gdb_server = std::make_unique<gdb::GdbServer>(gdb_at);
    } catch (const gdb::GdbError& e) {
      return fail(kExitBadInput, e.what());
    }
    // On stderr only: with --uart0 pty the first stdout line must stay the pty's name.
    std::fprintf(stderr, "boardemu: gdb stub listening on %s:%u\n", gdb_server->host().c_str(),
                 static_cast<unsigned>(gdb_server->port()));
    std::fflush(stderr);
  }

  std::FILE* trace = nullptr;
  if (!o.trace_cpu.empty()) {
    auto* lx = dynamic_cast<xtensa::Lx106Cpu*>(&machine->cpu());
    if (!lx) return fail(kExitUsage, fmt::format("--trace-cpu: only the lx106 backend traces instructions, not {}",
                                                 machine->cpu().arch()));
    trace = o.trace_cpu == "-" ? stderr : std::fopen(o.trace_cpu.c_str(), "w");
    if (!trace) return fail(kExitBadInput, fmt::format("--trace-cpu: cannot open {}", o.trace_cpu));
    lx->set_trace(trace);
  }

  Cycles limit = kNever;
  std::uint64_t hz = machine->board().cpu_hz;
  if (max_cycles) limit = max_cycles;
  if (timeout_ms) {
    // Cycles in timeout_ms milliseconds, rounded up so that any timeout is at least a cycle.
    unsigned __int128 cycles = (static_cast<unsigned __int128>(timeout_ms) * hz + 999) / 1000;
    if (cycles > kMaxLimitCycles)
      return fail(kExitUsage, fmt::format("--timeout-virtual-ms: {} ms at the board's {} Hz is too long (at most {} cycles)",
                                          timeout_ms, hz, kMaxLimitCycles));
    limit = std::min<Cycles>(limit, static_cast<Cycles>(cycles));
  }

  // PART=FILE pairs, checked before the run so a typo does not cost the run.
  std::vector<std::pair<std::string, std::string>> pngs;
  for (const auto& spec : o.display_png) {
    auto eq = spec.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size())
      return fail(kExitUsage, fmt::format("--display-png: expected PART=FILE, got '{}'", spec));
    std::string id = spec.substr(0, eq);
    Part* p = machine->part(id);
    if (!p) return fail(kExitBadInput, fmt::format("--display-png: no part called '{}'", id));
    if (!p->picture()) return fail(kExitBadInput, fmt::format("--display-png: part '{}' has no display", id));
    pngs.emplace_back(id, spec.substr(eq + 1));
  }
  std::unique_ptr<CharBackend> monitor_backend;
  std::unique_ptr<Monitor> monitor;
  if (!o.monitor.empty()) {
    try {
      monitor_backend = make_char_backend(o.monitor, "monitor");
    } catch (const ChardevError& e) {
      return fail(kExitBadInput, fmt::format("--monitor: {}", e.what()));
    }
    monitor = std::make_unique<Monitor>(*machine, *monitor_backend);
  }

  std::unique_ptr<VcdRecorder> vcd;
  if (!o.vcd.empty()) {
    try {
      vcd = std::make_unique<VcdRecorder>(o.vcd, machine->scheduler(), hz);
    } catch (const VcdError& e) {
      return fail(kExitBadInput, fmt::format("--vcd: {}", e.what()));
    }
    std::string names;
    for (Net* n : machine->nets()) {
      names += (names.empty() ? "" : ", ") + n->name();
      if (vcd_signal_selected(n->name(), o.vcd_signals)) vcd->add(*n);
    }
    if (vcd->signals() == 0)
      return fail(kExitUsage, fmt::format("--vcd-signals: '{}' matches no net (nets: {})", o.vcd_signals,
                                          names.empty() ? "none" : names));
    vcd->start();
  } else if (!o.vcd_signals.empty()) {
    return fail(kExitUsage, "--vcd-signals needs --vcd FILE");
  }

  RunResult r;
  try {
    if (gdb_server) {
      gdb::MachineTarget target(*machine, limit);
      // Poll the debugger every millisecond of virtual time while the target runs.
      gdb_server->set_slice(std::max<Cycles>(hz / 1000, 1));
      r = gdb_server->serve(target, o.gdb_wait);
    } else {
      r = machine->run(limit);
    }
  } catch (const std::exception& e) {
    // Last resort: an engine or host error the models did not turn into a guest fault.
    r = {StopReason::fatal, 0, fmt::format("emulation stopped: {}", e.what())};
  }
  // Let the UARTs hand over what they hold before the process ends.
  backends.clear();
  monitor.reset();
  monitor_backend.reset();
  for (const auto& [id, path] : pngs) {
    try {
      BoardProbe(*machine).write_picture_png(id, path, 1);
    } catch (const std::exception& e) {
      return fail(kExitBadInput, fmt::format("--display-png: {}", e.what()));
    }
  }
  bool store_failed = false;
  for (auto& store : stores) {
    store->close();
    store_failed |= store->failed();
  }
  if (store_failed && r.reason != StopReason::fatal)
    r = {StopReason::fatal, 0, "--flash: the flash file could not be kept up to date (see above)"};
  if (vcd) {
    try {
      vcd->finish();
    } catch (const VcdError& e) {
      return fail(kExitBadInput, fmt::format("--vcd: {}", e.what()));
    }
  }
  if (o.stats)
    std::fprintf(stderr, "boardemu: %llu cycles (%.3f s virtual), %llu instructions\n",
                 static_cast<unsigned long long>(machine->scheduler().now()),
                 static_cast<double>(machine->scheduler().now()) / static_cast<double>(hz),
                 static_cast<unsigned long long>(machine->cpu().instructions()));
  switch (r.reason) {
    case StopReason::exit:
      return r.exit_code;
    case StopReason::host_quit:
      return 0;
    case StopReason::time_limit:
      return fail(kExitTimeLimit, fmt::format("virtual-time limit reached at cycle {}",
                                              machine->scheduler().now()));
    case StopReason::fatal:
      return fail(kExitFatal, r.message);
    default:
      return fail(kExitFatal, "run ended unexpectedly");
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"boardemu: a cycle-level board emulator for microcontroller firmware"};
  app.require_subcommand(1);
  RunOptions o;

  auto* run_cmd = app.add_subcommand("run", "Run firmware on an emulated board");
  run_cmd->add_option("--board", o.board, "Board name: a file boards/NAME.yaml")
      ->capture_default_str();
  run_cmd->add_option("--boards-dir", o.boards_dir, "Directory with board files (default: the repository's boards/)");
  run_cmd->add_option("--firmware", o.firmware,
                      "ELF file to run (default: the board's default firmware, built by `make build`)");
  for (int i = 0; i < kMaxUarts; ++i)
    run_cmd->add_option(fmt::format("--uart{}", i), o.uart[i],
                        fmt::format("Host side of uart{}: stdio | pty | tcp:PORT | tcp:HOST:PORT | serial:DEVICE[:BAUD] | null{}", i,
                                    i == 0 ? " (default: stdio)" : " (default: unconnected)"));
  run_cmd->add_option("--max-cycles", o.max_cycles,
                      "Stop after N CPU cycles of virtual time (exit code 124); 1 <= N <= 2^62");
  run_cmd->add_option("--timeout-virtual-ms", o.timeout_virtual_ms,
                      "Stop after N milliseconds of virtual time (exit code 124); N >= 1");
  run_cmd->add_option("--circuit", o.circuit,
                      "Circuit file (YAML): parts (EEPROM, SPI flash, LED, button) wired by nets to the board's pins");
  run_cmd->add_option("--vcd", o.vcd, "Record the nets' levels in virtual time as a Value Change Dump to FILE");
  run_cmd->add_option("--vcd-signals", o.vcd_signals,
                      "With --vcd: only nets whose names match these comma-separated patterns (e.g. 'gpio.*,scl')");
  run_cmd->add_option("--flash", o.flash,
                      "Keep the board's flash in FILE (created on first use, then every erase and program is written "
                      "through at once; the firmware's segments are written over it at start). Parts with "
                      "EEPROM or flash keep theirs in FILE.<part id>");
  run_cmd->add_option("--monitor", o.monitor,
                      "A text monitor (tcp:[HOST:]PORT, pty, stdio): observe and control the board while it runs "
                      "(press buttons, set sensors, read nets, dump displays; `help` lists the commands)");
  run_cmd->add_option("--display-png", o.display_png,
                      "PART=FILE: at the end, write display part PART's panel (e.g. an SSD1306) to FILE as PNG; "
                      "repeatable");
  run_cmd->add_option("--semihosting-files", o.semihosting_files,
                      "Let the guest's semihosting (lx106 SIMCALL) open files inside DIR only: relative paths,\n"
                      "no '..', no symbolic links. Without it the guest has the console and exit only");
  run_cmd->add_option("--log", o.log,
                      "Diagnostics on stderr, comma-separated: guest_error, unimp, trace, all (default: none)");
  run_cmd->add_flag("--stats", o.stats, "Print cycles and instructions executed on stderr at the end");
  run_cmd->add_option("--trace-cpu", o.trace_cpu,
                      "lx106 only: write PC and registers before every instruction to FILE ('-': stderr),\n"
                      "one line each: PC=... A00=... .. A15=... SAR=... PS=... CCOUNT=...");
  run_cmd->add_option("--gdb", o.gdb,
                      "Serve the GDB remote protocol on TCP [HOST:]PORT (host default 127.0.0.1; port 0: any free\n"
                      "port, printed on stderr); a debugger may attach any time (the target halts)");
  run_cmd->add_flag("--gdb-wait", o.gdb_wait, "With --gdb: stay halted at reset until a debugger attaches");
  app.footer(
      "Exit codes: the guest's exit status (semihosting), 2 bad command line, 3 bad input file,\n"
      "4 fatal emulation error, 124 virtual-time limit reached.\n"
      "In the stdio console, Ctrl-A x quits.");

  auto* boards_cmd = app.add_subcommand("boards", "List the available boards");
  std::string boards_dir;
  boards_cmd->add_option("--boards-dir", boards_dir, "Directory with board files");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }

  // An option given with an empty value ("--firmware ''") is a mistake, never the default.
  for (CLI::App* cmd : {run_cmd, boards_cmd})
    if (cmd->parsed())
      for (const CLI::Option* opt : cmd->get_options())
        for (const std::string& value : opt->results())
          if (value.empty() && opt->get_expected_min() > 0)
            return fail(kExitUsage, fmt::format("{}: empty value (leave the option out for its default)", opt->get_name()));

  install_signal_handlers();

  if (boards_cmd->parsed()) {
    std::string dir = boards_dir.empty() ? repo_root() + "/boards" : boards_dir;
    int status = 0;
    try {
      for (const std::string& file : boardemu::board_files(dir)) {
        try {
          auto b = boardemu::load_board_file(file);
          std::printf("%-16s %s\n", b.name.c_str(), b.description.c_str());
        } catch (const boardemu::BoardError& e) {
          std::fprintf(stderr, "boardemu: %s\n", e.what());
          status = kExitBadInput;
        }
      }
    } catch (const boardemu::BoardError& e) {
      return fail(kExitBadInput, e.what());
    }
    return status;
  }
  return run(o);
}
