// One emulation session as the command line describes it: the board, its firmware, circuit,
// flash file, host serial lines, monitor, VCD recorder and GDB stub, built and checked before
// anything runs, and the orderly end (UARTs flushed, flash files synced, display PNGs and the
// VCD written, the exit status). `boardemu run` and `boardemu gui` share it, so both accept the
// same options and report bad input with the same messages.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/chardev.hpp"
#include "core/cpu.hpp"
#include "core/scheduler.hpp"
#include "core/vcd.hpp"
#include "gdb/gdb_server.hpp"
#include "hostio/nvm_file.hpp"
#include "machine/machine.hpp"
#include "machine/monitor.hpp"

namespace boardemu::cli {

// Exit codes (all below 128 so they never look like a signal death).
constexpr int kExitUsage = 2, kExitBadInput = 3, kExitFatal = 4, kExitTimeLimit = 124;
constexpr int kMaxUarts = 4;

struct SessionOptions {
  std::string board = "mps2-an385";
  std::string boards_dir;
  std::string firmware;
  std::string uart[kMaxUarts];
  std::string max_cycles;          // as typed; checked by open()
  std::string timeout_virtual_ms;  // as typed; checked by open()
  std::string semihosting_files;
  std::string circuit;      // circuit file: parts wired to the board's pins
  std::string vcd;          // VCD output file
  std::string vcd_signals;  // comma-separated patterns of net names (default: all)
  std::string flash;        // file the board's flash (and parts' non-volatile memory) lives in
  std::string romfs;        // ROMFS image written into the board's ROMFS partition before boot
  std::string monitor;      // backend spec of the text monitor (machine/monitor.hpp)
  std::vector<std::string> display_png;  // PART=FILE: a display part's panel as PNG at the end
  std::string log;
  bool stats = false;
  std::string trace_cpu;
  std::string engine;  // lx106: interp or jit (Lx106Cpu::set_engine); empty: the CPU's default
  std::string gdb;  // [HOST:]PORT of the GDB remote stub; empty: no debugger
  bool gdb_wait = false;
  // Snapshots (machine/snapshot.hpp): start from one instead of reset, and/or save one when
  // virtual time reaches save_at_virtual_ms (then the run carries on unchanged).
  std::string load_snapshot;
  std::string save_snapshot;
  std::string save_at_virtual_ms;  // as typed; checked by open()
};

// The repository root (BOARDEMU_ROOT, else the source directory the binary was built from).
std::string repo_root();

// Prints "boardemu: <message>" on stderr and returns `code`.
int fail(int code, const std::string& message);

class Session {
 public:
  // For a UART the user gave no backend for: what the session connects (the GUI gives its own
  // console). Returning nullptr leaves the UART unconnected. Without one, uart0 gets stdio.
  using DefaultUart = std::function<CharBackend*(const std::string& uart)>;

  explicit Session(SessionOptions options) : o_(std::move(options)) {}
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void set_default_uart(DefaultUart provider) { default_uart_ = std::move(provider); }
  // open() keeps its one-line message in error() instead of printing it (the scenario runner
  // reports it with the scenario's file and line).
  void set_quiet(bool quiet) { quiet_ = quiet; }
  const std::string& error() const { return error_; }

  // Builds and checks everything. Returns 0, or an exit code after printing one line saying
  // what is wrong (bad option: kExitUsage; bad file or host resource: kExitBadInput).
  int open();

  // Runs to the end: under the GDB stub if one was asked for, else freely.
  RunResult run();

  // Ends the session after `r`: hands over what the UARTs hold, writes display PNGs, syncs
  // flash files, finishes the VCD, prints --stats, and returns the process's exit status.
  int finish(RunResult r);

  Machine& machine() { return *machine_; }
  const SessionOptions& options() const { return o_; }
  std::string firmware_path() const { return firmware_; }
  // The run's virtual-time limit (--max-cycles / --timeout-virtual-ms), kNever if none.
  Cycles limit() const { return limit_; }
  gdb::GdbServer* gdb_server() { return gdb_server_.get(); }

 private:
  int report(int code, const std::string& message);

  SessionOptions o_;
  DefaultUart default_uart_;
  bool quiet_ = false;
  std::string error_;
  std::string firmware_;
  Cycles limit_ = kNever;
  Cycles save_at_ = kNever;  // --save-snapshot's time in cycles
  bool snapshot_missed_ = false;  // the run ended before save_at_
  std::unique_ptr<Machine> machine_;
  std::vector<std::unique_ptr<CharBackend>> backends_;
  std::unique_ptr<gdb::GdbServer> gdb_server_;
  // After `machine_`: destroyed (closed and synced) before the memories they keep.
  std::vector<std::unique_ptr<NvmFile>> stores_;
  std::vector<std::pair<std::string, std::string>> pngs_;
  std::unique_ptr<CharBackend> monitor_backend_;
  std::unique_ptr<Monitor> monitor_;
  std::unique_ptr<VcdRecorder> vcd_;
  std::FILE* trace_ = nullptr;
};

}  // namespace boardemu::cli
