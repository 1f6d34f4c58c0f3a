// A host backend for tests: input is whatever the test pushes, output is collected in memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "hostio/byte_queue.hpp"

namespace boardemu {

class BufferCharBackend : public hostio::QueuedCharBackend {
 public:
  // Bytes the host "typed"; they wait here until the UART takes them.
  void push_input(std::string_view bytes) {
    input_.push(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  }
  void push_input(const std::uint8_t* data, std::size_t len) { input_.push(data, len); }

  // Everything the guest sent so far.
  const std::string& output() const { return output_; }
  // Returns the output so far and forgets it.
  std::string take_output() {
    std::string out;
    out.swap(output_);
    return out;
  }

  // Makes closed() report that the host went away (once the pushed input is consumed).
  void set_eof(bool eof) { eof_ = eof; }
  // How often the UART polled the host.
  std::uint64_t poll_count() const { return polls_; }

  void poll() override { ++polls_; }
  void write(const std::uint8_t* data, std::size_t len) override {
    output_.append(reinterpret_cast<const char*>(data), len);
  }
  bool closed() const override { return eof_ && input_.empty(); }

 private:
  std::string output_;
  bool eof_ = false;
  std::uint64_t polls_ = 0;
};

}  // namespace boardemu
