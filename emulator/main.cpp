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

#include "cli/flash_tool.hpp"
#include "cli/romfs_tool.hpp"
#include "cli/session.hpp"
#include "cli/test_tool.hpp"
#include "core/board.hpp"
#include "machine/machine.hpp"
#ifdef BOARDEMU_WITH_GUI
#include "gui/gui.hpp"
#endif

using boardemu::cli::fail;
using boardemu::cli::kExitBadInput;
using boardemu::cli::kExitFatal;
using boardemu::cli::kExitUsage;
using boardemu::cli::kMaxUarts;

namespace {

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

}  // namespace

// The options `run` and `gui` share: everything that describes the board and its session.
void add_session_options(CLI::App* cmd, boardemu::cli::SessionOptions& o) {
  cmd->add_option("--board", o.board, "Board name: a file boards/NAME.yaml")
      ->capture_default_str();
  cmd->add_option("--boards-dir", o.boards_dir, "Directory with board files (default: the repository's boards/)");
  cmd->add_option("--firmware", o.firmware,
                      "ELF file to run (default: the board's default firmware, built by `make build`)");
  for (int i = 0; i < kMaxUarts; ++i)
    cmd->add_option(fmt::format("--uart{}", i), o.uart[i],
                        fmt::format("Host side of uart{}: stdio | pty | tcp:PORT | tcp:HOST:PORT | serial:DEVICE[:BAUD] | null{}", i,
                                    i == 0 ? " (default: stdio)" : " (default: unconnected)"));
  cmd->add_option("--max-cycles", o.max_cycles,
                      "Stop after N CPU cycles of virtual time (exit code 124); 1 <= N <= 2^62");
  cmd->add_option("--timeout-virtual-ms", o.timeout_virtual_ms,
                      "Stop after N milliseconds of virtual time (exit code 124); N >= 1");
  cmd->add_option("--circuit", o.circuit,
                      "Circuit file (YAML): parts (EEPROM, SPI flash, LED, button) wired by nets to the board's pins");
  cmd->add_option("--vcd", o.vcd, "Record the nets' levels in virtual time as a Value Change Dump to FILE");
  cmd->add_option("--vcd-signals", o.vcd_signals,
                      "With --vcd: only nets whose names match these comma-separated patterns (e.g. 'gpio.*,scl')");
  cmd->add_option("--flash", o.flash,
                      "Keep the board's flash in FILE (created on first use, then every erase and program is written "
                      "through at once; the firmware's segments are written over it at start). Parts with "
                      "EEPROM or flash keep theirs in FILE.<part id>");
  cmd->add_option("--romfs", o.romfs,
                  "Write this ROMFS image (`boardemu romfs check` it first) into the board's ROMFS partition before "
                  "boot; the firmware mounts it at /rom. With --flash it is kept in the flash file");
  cmd->add_option("--monitor", o.monitor,
                      "A text monitor (tcp:[HOST:]PORT, pty, stdio): observe and control the board while it runs "
                      "(press buttons, set sensors, read nets, dump displays; `help` lists the commands)");
  cmd->add_option("--display-png", o.display_png,
                      "PART=FILE: at the end, write display part PART's panel (e.g. an SSD1306) to FILE as PNG; "
                      "repeatable");
  cmd->add_option("--semihosting-files", o.semihosting_files,
                      "Let the guest's semihosting (lx106 SIMCALL) open files inside DIR only: relative paths,\n"
                      "no '..', no symbolic links. Without it the guest has the console and exit only");
  cmd->add_option("--log", o.log,
                      "Diagnostics on stderr, comma-separated: guest_error, unimp, trace, all (default: none)");
  cmd->add_flag("--stats", o.stats, "Print cycles and instructions executed on stderr at the end");
  cmd->add_option("--trace-cpu", o.trace_cpu,
                      "lx106 only: write PC and registers before every instruction to FILE ('-': stderr),\n"
                      "one line each: PC=... A00=... .. A15=... SAR=... PS=... CCOUNT=...");
  cmd->add_option("--engine", o.engine,
                      "lx106 only: jit (the translator to x86-64 host code, default where built) or interp (the\n"
                      "interpreter): the same instructions, cycles and state; docs/lx106-translator.md.\n"
                      "Single steps, breakpoints and --trace-cpu always run on the interpreter")
      ->check(CLI::IsMember({"interp", "jit"}));
  cmd->add_option("--gdb", o.gdb,
                      "Serve the GDB remote protocol on TCP [HOST:]PORT (host default 127.0.0.1; port 0: any free\n"
                      "port, printed on stderr); a debugger may attach any time (the target halts)");
  cmd->add_flag("--gdb-wait", o.gdb_wait, "With --gdb: stay halted at reset until a debugger attaches");
  cmd->add_option("--load-snapshot", o.load_snapshot,
                  "Start from a snapshot FILE (saved by --save-snapshot on the same board and circuit) instead of reset");
}

// `run` only (the GUI's --at-virtual-ms belongs to its --screenshot).
void add_snapshot_save_options(CLI::App* cmd, boardemu::cli::SessionOptions& o) {
  cmd->add_option("--save-snapshot", o.save_snapshot,
                  "Save a snapshot of the whole machine to FILE when virtual time reaches --at-virtual-ms; the run carries on");
  cmd->add_option("--at-virtual-ms", o.save_at_virtual_ms, "With --save-snapshot: the virtual time (ms since reset)");
}

int main(int argc, char** argv) {
  CLI::App app{"boardemu: a cycle-level board emulator for microcontroller firmware"};
  app.require_subcommand(1);
  boardemu::cli::SessionOptions o;

  auto* run_cmd = app.add_subcommand("run", "Run firmware on an emulated board");
  add_session_options(run_cmd, o);
  add_snapshot_save_options(run_cmd, o);
#ifdef BOARDEMU_WITH_GUI
  boardemu::gui::GuiOptions g;
  auto* gui_cmd = app.add_subcommand("gui", "Run firmware on an emulated board in a window: pins, parts, buses, consoles");
  add_session_options(gui_cmd, o);
  boardemu::gui::add_gui_options(gui_cmd, g);
#else
  auto* gui_cmd = app.add_subcommand("gui", "(not built: boardemu was built without SDL2 and Dear ImGui)");
  gui_cmd->allow_extras();
#endif
  app.footer(
      "Exit codes: the guest's exit status (semihosting), 2 bad command line, 3 bad input file,\n"
      "4 fatal emulation error, 124 virtual-time limit reached.\n"
      "In the stdio console, Ctrl-A x quits.");

  auto* romfs_cmd = app.add_subcommand("romfs", "MicroPython ROMFS images: list or check one");
  romfs_cmd->require_subcommand(1);
  std::string romfs_image;
  auto* romfs_ls_cmd = romfs_cmd->add_subcommand("ls", "Print an image's tree with sizes and which files are bytecode");
  romfs_ls_cmd->add_option("IMAGE", romfs_image, "ROMFS image file")->required();
  auto* romfs_check_cmd = romfs_cmd->add_subcommand("check", "Check an image; name the offset and problem of its first defect");
  romfs_check_cmd->add_option("IMAGE", romfs_image, "ROMFS image file")->required();
  std::string romfs_dir, mpy_cross = boardemu::cli::default_mpy_cross();
  bool no_mpy = false;
  auto* romfs_build_cmd = romfs_cmd->add_subcommand(
      "build", "Make the ROMFS image of a directory, as `mpremote romfs build` does (.py compiled to .mpy)");
  romfs_build_cmd->add_option("DIR", romfs_dir, "Source directory")->required();
  romfs_build_cmd->add_option("-o,--output", romfs_image, "Image file to write")->required();
  romfs_build_cmd->add_flag("--no-mpy", no_mpy, "Keep .py files as they are");
  romfs_build_cmd->add_option("--mpy-cross", mpy_cross, "The mpy-cross to compile with")->capture_default_str();

  auto* flash_cmd = app.add_subcommand("flash", "Flash files (what --flash FILE keeps)");
  flash_cmd->require_subcommand(1);
  std::string mkfs_board = "esp8266", mkfs_boards_dir, mkfs_dir, mkfs_file;
  auto* mkfs_cmd = flash_cmd->add_subcommand(
      "mkfs", "Put a host directory's files into a littlefs filesystem in the board's filesystem partition of FILE");
  mkfs_cmd->add_option("--board", mkfs_board, "Board name")->capture_default_str();
  mkfs_cmd->add_option("--boards-dir", mkfs_boards_dir, "Directory with board files");
  mkfs_cmd->add_option("--littlefs", mkfs_dir, "The directory whose files the filesystem gets")->required();
  mkfs_cmd->add_option("FILE", mkfs_file, "Flash file (created, or updated in that partition only)")->required();

  boardemu::cli::TestOptions t;
  auto* test_cmd = app.add_subcommand(
      "test", "Run scenario files (YAML steps: wait-serial, set-control, expect-pin, ...) as hardware-free tests");
  test_cmd->add_option("SCENARIO", t.scenarios, "Scenario files, or directories searched for *.yaml")->required(false);
  test_cmd->add_option("--junit", t.junit, "Write a JUnit XML report to FILE (one test case per scenario)");
  test_cmd->add_option("-j,--jobs", t.jobs, "Run N scenarios at a time, each in its own process")->capture_default_str();
  test_cmd->add_option("--shard", t.shard, "Run only shard I of N (I/N, 1-based): every N-th scenario from the I-th, "
                                           "in the order given (directories sorted)");
  test_cmd->add_option("--artifacts", t.artifacts,
                       "For each failed scenario, keep a VCD of the nets and the UART logs in DIR/<scenario>/");
  test_cmd->add_option("--board", t.board, "Board for scenarios that name none (e.g. Wokwi's; default mps2-an385)");
  test_cmd->add_option("--firmware", t.firmware, "Firmware for scenarios that name none");
  test_cmd->add_option("--circuit", t.circuit, "Circuit for scenarios that name none");
  test_cmd->add_option("--boards-dir", t.boards_dir, "Directory with board files");
  test_cmd->add_flag("--list", t.list, "Print the scenario files selected (after --shard) and exit");
  test_cmd->add_flag("--serve", t.serve,
                     "Drive one board over stdin/stdout, one JSON request per line (the pytest plugin's protocol)");
  test_cmd->footer("Exit codes: 0 every scenario passed, 1 some failed, 2 bad command line, 3 bad input "
                   "(a malformed scenario, unknown part or control, missing file): nothing ran.");

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
  for (CLI::App* cmd : {run_cmd, gui_cmd, test_cmd, boards_cmd, romfs_ls_cmd, romfs_check_cmd, romfs_build_cmd, mkfs_cmd})
    if (cmd->parsed())
      for (const CLI::Option* opt : cmd->get_options())
        for (const std::string& value : opt->results())
          if (value.empty() && opt->get_expected_min() > 0)
            return fail(kExitUsage, fmt::format("{}: empty value (leave the option out for its default)", opt->get_name()));

  install_signal_handlers();

  if (test_cmd->parsed()) {
    if (t.scenarios.empty() && !t.serve) return fail(kExitUsage, "test: give scenario files or directories");
    return boardemu::cli::run_tests(t);
  }
  if (mkfs_cmd->parsed()) return boardemu::cli::flash_mkfs(mkfs_board, mkfs_boards_dir, mkfs_dir, mkfs_file);
  if (romfs_ls_cmd->parsed()) return boardemu::cli::romfs_ls(romfs_image);
  if (romfs_check_cmd->parsed()) return boardemu::cli::romfs_check(romfs_image);
  if (romfs_build_cmd->parsed()) return boardemu::cli::romfs_build(romfs_dir, romfs_image, !no_mpy, mpy_cross);

  if (boards_cmd->parsed()) {
    std::string dir = boards_dir.empty() ? boardemu::cli::repo_root() + "/boards" : boards_dir;
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
  boardemu::cli::Session session(o);
  if (gui_cmd->parsed()) {
#ifdef BOARDEMU_WITH_GUI
    return boardemu::gui::run_gui(session, g);
#else
    return fail(kExitUsage, "this boardemu was built without the GUI (install libsdl2-dev and libimgui-dev, then rebuild)");
#endif
  }
  if (int status = session.open()) return status;
  return session.finish(session.run());
}
