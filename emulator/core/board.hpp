// A board, as described by a data file under boards/ (YAML). Adding a board wires existing
// models: nothing here is specific to one board.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace boardemu {

// Thrown for any problem with a board file. what() is one line naming the file, the line
// (when known) and the field, e.g. "boards/x.yaml:12: memory[1].size: expected an integer".
class BoardError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class MemoryKind { ram, rom, flash };

struct MemoryRegion {
  std::string name;
  std::uint32_t base = 0;
  std::uint32_t size = 0;
  MemoryKind kind = MemoryKind::ram;
  // Extra cycles per access (instruction fetch or data) beyond the zero-wait-state timing.
  unsigned wait_states = 0;
  // Only aligned 32-bit data accesses are allowed (ESP8266 IRAM and flash cache); narrower ones
  // raise the CPU's load/store error. Instruction fetches are not affected.
  bool word_only = false;
};

// A part of the board's flash chip as the firmware uses it (`partitions:`): where the firmware
// image, a MicroPython ROMFS image or a filesystem lives. Offsets are in the chip, from 0.
enum class PartitionKind { firmware, romfs, filesystem, data };
struct FlashPartition {
  std::string name;
  std::uint32_t offset = 0;
  std::uint32_t size = 0;
  PartitionKind kind = PartitionKind::data;
  int line = 0;  // where it was declared
};
const char* to_string(PartitionKind kind);

enum class UnmappedPolicy {
  bus_fault,  // deliver a precise bus fault to the guest (and log it under guest_error)
  stop,       // stop the run with an error naming PC and address
};

struct PeripheralDesc {
  std::string name;   // instance name, e.g. "uart0"; the CLI option --uart0 refers to it
  std::string model;  // model name, e.g. "cmsdk-apb-uart"
  std::uint32_t base = 0;
  std::uint32_t size = 0x1000;
  // Interrupt outputs of the device (by the model's output name) to interrupt-controller
  // inputs. Several outputs may share one input: the input is then the OR of them.
  std::map<std::string, unsigned> irqs;
  // Interrupt outputs wired to the CPU's own lines instead ("cpu.mtip" -> "mtip").
  std::map<std::string, std::string> cpu_irqs;
  std::optional<std::uint64_t> clock_hz;  // input clock; defaults to the CPU clock
  unsigned wait_states = 0;
  std::map<std::string, std::string> params;  // model-specific settings, as written
  int line = 0;                               // where it was declared, for error messages
};

struct BoardDesc {
  std::string name;
  std::string description;
  std::string source_path;  // the file it was read from
  // The board carries parts wired by nets (`parts:` and `nets:`, the circuit-file format:
  // machine/circuit.hpp), e.g. a development board's LED and button; then its text is kept for
  // the circuit reader.
  bool has_circuit = false;
  std::string source_text;

  std::string cpu_arch;  // "cortex-m3" (later: "cortex-m4", "rv32imac", "lx106")
  std::uint64_t cpu_hz = 0;
  unsigned nvic_priority_bits = 3;  // implemented priority bits (Cortex-M)
  unsigned num_irqs = 32;           // external interrupt inputs
  std::uint64_t systick_ref_hz = 0; // SysTick external reference clock (0: none, NOREF)
  UnmappedPolicy unmapped = UnmappedPolicy::bus_fault;
  // The peripheral whose numbered inputs device interrupts go to (e.g. a PLIC). Empty for
  // Cortex-M, whose NVIC is part of the CPU.
  // "cpu" names the CPU itself (Xtensa: the core's own INTERRUPT/INTENABLE inputs).
  std::string interrupt_controller;
  int interrupt_controller_line = 0;
  // Where execution starts after reset; absent: at the ELF entry point. (Xtensa: the core's
  // fixed reset vector, e.g. 0x50000000 on QEMU's lx106 `sim` machine.)
  std::optional<std::uint32_t> reset_vector;
  // The CPU serves semihosting requests (Arm/RISC-V: the semihosting trap sequences; Xtensa:
  // SIMCALL). Off by default, as on real silicon and in QEMU without -semihosting: an Arm BKPT
  // 0xAB is then an ordinary breakpoint, a RISC-V EBREAK an ordinary trap, and SIMCALL raises
  // IllegalInstruction (what the ESP8266, which has no simulator, does).
  bool semihosting = false;

  std::vector<MemoryRegion> memory;
  std::vector<PeripheralDesc> peripherals;
  // How the firmware divides the board's flash chip (its first non-volatile memory), in
  // offset order; empty if the board file does not say.
  std::vector<FlashPartition> partitions;

  std::string default_firmware;  // path relative to the repository root
};

// Reads and validates a board file. Throws BoardError. Only regular files are read (a FIFO or
// device node is refused without blocking on it), and at most kMaxBoardFileBytes of them.
BoardDesc load_board_file(const std::string& path);
constexpr std::uint64_t kMaxBoardFileBytes = 1u << 20;

// Limits of what a board may hold, checked by the reader so that a board it accepts can be
// built: the CPU engines refuse (Unicorn) or assert on windows beyond these.
constexpr std::size_t kMaxMemoryRegions = 64;
constexpr std::size_t kMaxPeripherals = 256;
constexpr std::size_t kMaxPartitions = 32;
// The granule in which the CPU engine maps memory and device windows: base and size of every
// window must be multiples of it (Unicorn 2.1's target page: 1 KiB for Arm, 4 KiB for RISC-V;
// the LX106 interpreter maps at any byte). tests/unit/test_board.cpp checks these against the
// engine itself.
std::uint32_t engine_page_size(const std::string& arch);
// The Private Peripheral Bus of ARMv7-M (ARMv7-M ARM B3.1: 0xE0000000..0xE00FFFFF), where the
// CPU itself puts the System Control Space, DWT, ITM and the rest: a board may not map there.
constexpr std::uint32_t kArmPpbBase = 0xE0000000, kArmPpbSize = 0x00100000;

// Throws BoardError unless `dir` is an existing directory.
void check_boards_dir(const std::string& dir);
// The board files (*.yaml) in a boards directory, sorted. Throws BoardError for a directory
// that is missing, not a directory or unreadable.
std::vector<std::string> board_files(const std::string& dir);

// Validates board-file text already in memory; `path` only names it in error messages.
// Throws BoardError, as load_board_file does.
BoardDesc parse_board_text(const std::string& text, const std::string& path);

// Looks a board name up in the boards directory ("mps2-an385" -> <dir>/mps2-an385.yaml).
// Throws BoardError naming the board and the directory if there is no such file.
BoardDesc load_board_by_name(const std::string& name, const std::string& boards_dir);

}  // namespace boardemu
