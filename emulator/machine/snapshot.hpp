// Whole-machine snapshots: the state of a running board in one byte string, saved between two
// CPU slices and loaded into a machine built from the same board description and circuit, so
// that the restored run carries on exactly as the unbroken one (same cycles, same output).
//
// API (the machine's, declared on Machine; the file helpers here):
//   std::vector<std::uint8_t> Machine::save_snapshot();
//   void Machine::load_snapshot(const std::vector<std::uint8_t>& bytes);
//   void write_snapshot_file(const std::string& path, const std::vector<std::uint8_t>& bytes);
//   std::vector<std::uint8_t> read_snapshot_file(const std::string& path);
//   void load_snapshot_file(Machine& machine, const std::string& path);
// Every problem throws SnapshotError (core/state.hpp) with one line; the file helpers put the
// path in front ("snap.bin: made for board 'virt-rv32', this is 'esp8266'").
//
// When: between Machine::run() calls (a pause with run(limit, pause_at) is the usual way);
// never from inside an event or a device callback. The machine must have been built like the
// one that saved (same board file, same circuits added in the same order: a hash of both is in
// the header) and its firmware loaded (loading replaces memory, CPU, devices, parts, nets and
// events, but the ELF's symbols and the CPU's list of code loaded from the file are the
// machine's). If loading fails part way the machine is in no defined state: discard it.
//
// What is in it: the scheduler's time and every armed machine-side Event (name and due time,
// in firing order, so events due at the same cycle fire in the same order after loading); the
// CPU (core/cpu.hpp Cpu::state); every memory region of the bus; every device and part
// (Device::state, Part::state); every pin's drive and every net's level and voltage; the
// interrupt lines' levels. Not in it (the host's side, which the loading session brings):
// host-side events (Event::Side::host: a UART's or the monitor's host polling), host serial
// backends and the bytes they hold that the guest has not taken yet, the monitor, debugger
// breakpoints, VCD recording, `--flash` files (a loaded snapshot's flash contents are written
// to the file as the session starts it).
//
// File format, version 2 (kSnapshotFormatVersion; 2 since the Unicorn CPUs no longer keep
// per-block fields only a debugger needs), integers little-endian:
//   header:  "BEMUSNAP" | u32 format version | u32 length + boardemu version text |
//            u32 length + board name | u64 configuration hash (FNV-1a 64 of the board file's
//            text and the circuits' parts and nets) | u64 total file length
//   sections, in a fixed order: u32 length + name ("cpu", "memory.dram", "device.uart0",
//            "part.led1", "nets", "events", ...) | u64 payload length | payload (StateArchive)
//   trailer: u64 FNV-1a 64 of every byte before it
// Memory regions are stored page by page (4 KiB): a page holding one byte value throughout is
// that byte (erased flash, untouched RAM), others are stored as they are.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/state.hpp"

namespace boardemu {

class Machine;

// The layout version of this boardemu's snapshots; a file with another is refused.
constexpr std::uint32_t kSnapshotFormatVersion = 2;

// Writes atomically (a temporary file beside `path`, then renamed). Throws SnapshotError.
void write_snapshot_file(const std::string& path, const std::vector<std::uint8_t>& bytes);
// Reads the whole file. Throws SnapshotError "<path>: <problem>".
std::vector<std::uint8_t> read_snapshot_file(const std::string& path);
// read_snapshot_file + Machine::load_snapshot, with the path in front of any message.
void load_snapshot_file(Machine& machine, const std::string& path);

// FNV-1a 64: the header's configuration hash and the trailer's checksum.
std::uint64_t fnv1a64(const std::uint8_t* data, std::size_t len, std::uint64_t h = 0xcbf29ce484222325ull);

}  // namespace boardemu
