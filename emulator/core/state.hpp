// Save state: one function per model names each of its fields once and serves both directions.
//
// A device, part or CPU backend writes
//
//   void state(StateArchive& ar) override {
//     ar.field("lcr", lcr_);
//     ar.field("rx_fifo", rx_.slot);
//     regs_.state(ar);
//   }
//
// and the same code saves (ar.saving()) or restores (ar.loading()) the model, so a field cannot
// be saved and then forgotten on restore. The encoding is compact binary, little-endian, in
// declaration order, with no names stored: the names are for error messages ("truncated at
// byte 1234 (uart0.lcr)"). Layout changes are caught by the snapshot's format version
// (machine/snapshot.hpp), not per field.
//
// Scheduler events are not saved here: the machine saves every armed Event in one list, in
// firing order (machine/snapshot.cpp), so events of different devices due at the same cycle
// keep their order. A model saves the fields its event callbacks use (e.g. the edge a delivery
// lands on), not the events themselves.
//
// Restoring sets fields only: a model's state() must not drive pins, raise interrupt lines or
// arm events while loading; the machine restores nets, interrupt levels and events itself.
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <deque>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace boardemu {

// A snapshot cannot be made or used. what(): one line naming what and where.
class SnapshotError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class StateArchive {
 public:
  // An archive that appends to `out`.
  static StateArchive writer(std::vector<std::uint8_t>& out) { return StateArchive(&out, {}, 0); }
  // An archive that reads `in`; `base` is the offset of in[0] in the whole snapshot (messages
  // name absolute byte offsets).
  static StateArchive reader(std::span<const std::uint8_t> in, std::size_t base) {
    return StateArchive(nullptr, in, base);
  }

  bool saving() const { return out_ != nullptr; }
  bool loading() const { return out_ == nullptr; }

  // What is being archived ("uart0"), for messages.
  void set_context(std::string context) { context_ = std::move(context); }
  const std::string& context() const { return context_; }

  // Integers, bools, enums and doubles (doubles by their bits: exact).
  template <class T>
    requires(std::is_arithmetic_v<T> || std::is_enum_v<T>)
  void field(const char* name, T& v) {
    if constexpr (std::is_enum_v<T>) {
      auto u = static_cast<std::underlying_type_t<T>>(v);
      field(name, u);
      v = static_cast<T>(u);
    } else if constexpr (std::is_same_v<T, bool>) {
      std::uint8_t b = v ? 1 : 0;
      raw(name, &b, 1);
      if (loading()) {
        if (b > 1) bad(name, "a bool that is neither 0 nor 1");
        v = b != 0;
      }
    } else if constexpr (std::is_floating_point_v<T>) {
      static_assert(sizeof(T) == 8, "doubles only");
      auto bits = std::bit_cast<std::uint64_t>(v);
      field(name, bits);
      v = std::bit_cast<T>(bits);
    } else {
      std::uint8_t b[sizeof(T)];
      if (saving()) {
        auto u = static_cast<std::make_unsigned_t<T>>(v);
        for (std::size_t i = 0; i < sizeof(T); ++i) b[i] = static_cast<std::uint8_t>(u >> (8 * i));
      }
      raw(name, b, sizeof(T));
      if (loading()) {
        std::make_unsigned_t<T> u = 0;
        for (std::size_t i = 0; i < sizeof(T); ++i) u |= static_cast<std::make_unsigned_t<T>>(b[i]) << (8 * i);
        v = static_cast<T>(u);
      }
    }
  }

  // Fixed-size arrays of the above, element by element (byte arrays as bytes).
  template <class T, std::size_t N>
  void field(const char* name, std::array<T, N>& a) {
    if constexpr (std::is_same_v<T, std::uint8_t>) {
      raw(name, a.data(), N);
    } else {
      for (auto& e : a) field(name, e);
    }
  }
  template <class T, std::size_t N>
  void field(const char* name, T (&a)[N]) {
    for (auto& e : a) field(name, e);
  }

  // Variable-length vectors and strings: a 32-bit count, then the elements.
  template <class T, class A>
  void field(const char* name, std::vector<T, A>& v) {
    std::size_t n = count(name, v.size(), sizeof(T) > 8 ? 1 : sizeof(T));
    if (loading()) v.resize(n);
    if constexpr (std::is_same_v<T, std::uint8_t>) {
      raw(name, v.data(), n);
    } else {
      for (auto& e : v) field(name, e);
    }
  }
  void field(const char* name, std::vector<bool>& v) {
    std::size_t n = count(name, v.size());
    if (loading()) v.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      bool b = v[i];
      field(name, b);
      v[i] = b;
    }
  }
  void field(const char* name, std::string& s) {
    std::size_t n = count(name, s.size(), 1);
    if (loading()) s.resize(n);
    raw(name, reinterpret_cast<std::uint8_t*>(s.data()), n);
  }
  // Fixed-size bytes the caller owns (memories, framebuffers).
  void bytes(const char* name, std::uint8_t* data, std::size_t len) { raw(name, data, len); }

  // Large memories (RAM, flash, EEPROM arrays) of a fixed `len`, page by page (4 KiB): a page
  // holding one byte value throughout (erased flash, untouched RAM) is stored as that byte,
  // other pages as they are. Loading leaves a page alone that already holds what was saved (a
  // lazily allocated zero page stays untouched).
  void paged(const char* name, std::uint8_t* data, std::size_t len) {
    constexpr std::size_t kPage = 4096;
    std::uint64_t size = len;
    field(name, size);
    if (loading() && size != len)
      bad(name, "the snapshot's memory has " + std::to_string(size) + " bytes, this one " + std::to_string(len));
    for (std::size_t at = 0; at < len; at += kPage) {
      const std::size_t n = len - at < kPage ? len - at : kPage;
      std::uint8_t* page = data + at;
      std::uint8_t kind = 1, fill = page[0];
      if (saving()) kind = uniform(page, n, fill) ? 0 : 1;
      field(name, kind);
      if (kind == 0) {
        field(name, fill);
        if (loading() && !uniform(page, n, fill)) std::memset(page, fill, n);
      } else if (kind == 1) {
        raw(name, page, n);
      } else {
        bad(name, "unknown page kind " + std::to_string(kind));
      }
    }
  }

  // A count of elements the caller then archives one by one (a deque, a list of structs):
  // saving writes `n` and returns it; loading returns the saved count, refused if the rest of
  // the section could not hold that many elements of at least `min_element_bytes` each.
  std::size_t count(const char* name, std::size_t n, std::size_t min_element_bytes = 1) {
    std::uint32_t c = static_cast<std::uint32_t>(n);
    if (saving() && n > 0xFFFFFFFFu) throw SnapshotError(where(name) + ": too many elements to save");
    field(name, c);
    if (loading() && min_element_bytes && c > (in_.size() - pos_) / min_element_bytes)
      truncated(name);
    return c;
  }

  // Loading: the saved value is not one the model can hold (an index past a table, an unknown
  // enum value). Throws SnapshotError naming the field.
  [[noreturn]] void bad(const char* name, const std::string& problem) const {
    throw SnapshotError(where(name) + ": " + problem);
  }
  // Saving: the model cannot be saved (yet). Throws SnapshotError.
  [[noreturn]] void unsupported(const std::string& what) const {
    throw SnapshotError(what + " cannot be saved in a snapshot (no save state yet)");
  }

  // Loading: bytes of the section not read yet.
  std::size_t remaining() const { return in_.size() - pos_; }
  std::size_t position() const { return base_ + pos_; }

 private:
  StateArchive(std::vector<std::uint8_t>* out, std::span<const std::uint8_t> in, std::size_t base)
      : out_(out), in_(in), base_(base) {}

  void raw(const char* name, std::uint8_t* data, std::size_t len) {
    if (out_) {
      out_->insert(out_->end(), data, data + len);
      return;
    }
    if (len > in_.size() - pos_) truncated(name);
    if (len) std::memcpy(data, in_.data() + pos_, len);
    pos_ += len;
  }
  static bool uniform(const std::uint8_t* p, std::size_t n, std::uint8_t v) {
    for (std::size_t i = 0; i < n; ++i)
      if (p[i] != v) return false;
    return true;
  }
  [[noreturn]] void truncated(const char* name) const {
    throw SnapshotError("truncated at byte " + std::to_string(base_ + in_.size()) + " (" + where_short(name) + ")");
  }
  std::string where_short(const char* name) const { return context_.empty() ? name : context_ + "." + name; }
  std::string where(const char* name) const {
    return "byte " + std::to_string(base_ + pos_) + " (" + where_short(name) + ")";
  }

  std::vector<std::uint8_t>* out_;
  std::span<const std::uint8_t> in_;
  std::size_t base_ = 0;
  std::size_t pos_ = 0;
  std::string context_;
};

}  // namespace boardemu
