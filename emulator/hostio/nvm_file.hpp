// A non-volatile memory (core/nonvolatile.hpp) kept in a host file, written through: the file
// always holds every change the chip has completed, so killing the emulator at any moment
// (kill -9 included) loses nothing the firmware already saw written. Each change is one
// pwrite() of the changed range into the kernel's page cache, which outlives the process;
// close() (and the destructor) adds an fdatasync() for the case of the machine itself losing
// power.
//
// Life of a store:
//   NvmFile f(path, memory, "board flash");  // an existing file: checked and loaded into the
//                                            // memory; a missing one: nothing yet
//   ... load the firmware (its flash segments land in the memory) ...
//   f.start();   // writes the whole memory to the file once (a new file appears complete, by
//                // rename, or not at all), then writes every change through
//
// Errors: a file that is not a regular file, cannot be read or written, or whose size is not
// the memory's throws NvmFileError "<path>: <problem>" from the constructor or start(), before
// anything runs. A write that fails later (disk full) is reported once on stderr, and failed()
// turns true so the run can end with a non-zero status.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

#include "core/nonvolatile.hpp"

namespace boardemu {

class NvmFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class NvmFile {
 public:
  // `what` names the memory in messages ("board flash spi0", "part eeprom1").
  NvmFile(std::string path, NonVolatileMemory& memory, std::string what);
  ~NvmFile();
  NvmFile(const NvmFile&) = delete;
  NvmFile& operator=(const NvmFile&) = delete;

  const std::string& path() const { return path_; }
  // The file existed and was loaded into the memory.
  bool loaded() const { return loaded_; }
  void start();
  // Stops writing through and syncs the file. Idempotent.
  void close();
  bool failed() const { return failed_; }

 private:
  void write_range(std::uint32_t addr, std::uint32_t len);

  std::string path_;
  NonVolatileMemory& memory_;
  std::string what_;
  int fd_ = -1;
  bool loaded_ = false;
  bool failed_ = false;
  bool observing_ = false;
  NonVolatileMemory::ObserverId observer_ = 0;
};

}  // namespace boardemu
