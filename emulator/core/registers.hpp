// Registers declared as data.
//
// A model lists its registers once (offset, datasheet name, reset value, which bits software
// may write, which bits are write-1-to-clear, side-effect hooks). Reset, sub-word access,
// read-only/write-only checks and guest-error logging are written here once for every model.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/state.hpp"

namespace boardemu {

enum class Access : std::uint8_t { RW, RO, WO };

struct RegisterSpec {
  std::uint32_t offset;
  const char* name;       // as in the datasheet
  std::uint32_t reset = 0;
  std::uint32_t writable = 0xFFFFFFFF;  // bits a write stores (RW/WO registers)
  std::uint32_t w1c = 0;                // bits cleared by writing 1 (ignored by `writable`)
  Access access = Access::RW;
  // Computes the value a read returns from the stored value (counters, status derived from
  // state). Must not change state: peeks (debuggers, the GUI) call it too.
  std::function<std::uint32_t(std::uint32_t stored)> on_read = nullptr;
  // Runs after a write was applied; `written` is the raw value the guest wrote (full 32-bit,
  // merged with the current value for narrow writes).
  std::function<void(std::uint32_t old_value, std::uint32_t written)> on_write = nullptr;
};

class RegisterBank {
 public:
  RegisterBank(std::string owner, std::vector<RegisterSpec> specs);

  void reset();
  // Save state: every register's stored value.
  void state(StateArchive& ar) {
    const std::size_t n = values_.size();
    ar.field("registers", values_);
    if (values_.size() != n) {
      values_.resize(n);
      ar.bad("registers", "another number of registers than this model has");
    }
  }

  // Returns false if no register lives at `offset` (the caller decides what that means).
  bool read(std::uint32_t offset, unsigned size, std::uint32_t* out);
  // The same value without logging (a write-only register peeks as 0): Device::peek. on_read
  // hooks must therefore be free of side effects; a register whose read changes state (a FIFO
  // pop, read-to-clear) is handled by the model before the bank, in read() and peek().
  bool peek(std::uint32_t offset, unsigned size, std::uint32_t* out) const;
  bool write(std::uint32_t offset, std::uint32_t value, unsigned size);

  // Direct access to the stored value, for the model's own logic.
  std::uint32_t& operator[](std::uint32_t offset);
  std::uint32_t get(std::uint32_t offset) const;
  const RegisterSpec* spec_at(std::uint32_t offset) const;
  // Every register, in declaration order (debugger dumps).
  const std::vector<RegisterSpec>& specs() const { return specs_; }

 private:
  int index_of(std::uint32_t word_offset) const;

  std::string owner_;
  std::vector<RegisterSpec> specs_;
  std::vector<std::uint32_t> values_;
};

}  // namespace boardemu
