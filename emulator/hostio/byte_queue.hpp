// Input side shared by the host backends: an unbounded FIFO of bytes read from the host and not
// yet taken by the UART. It only grows with what the host actually sent, and nothing in it is
// ever dropped.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/chardev.hpp"

namespace boardemu::hostio {

class ByteQueue {
 public:
  bool empty() const { return head_ == buf_.size(); }
  std::size_t size() const { return buf_.size() - head_; }

  void push(const std::uint8_t* data, std::size_t len) {
    // Reclaim the consumed prefix once it dominates, so a long session does not grow forever.
    if (head_ > 4096 && head_ * 2 > buf_.size()) {
      buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
    buf_.insert(buf_.end(), data, data + len);
  }
  void push(std::uint8_t byte) { push(&byte, 1); }

  std::uint8_t pop() {
    std::uint8_t b = buf_[head_++];
    if (head_ == buf_.size()) {
      buf_.clear();
      head_ = 0;
    }
    return b;
  }

  const std::uint8_t* data() const { return buf_.data() + head_; }
  // Drops the first `n` bytes (used for output buffers after a partial write).
  void consume(std::size_t n) {
    head_ += n;
    if (head_ >= buf_.size()) {
      buf_.clear();
      head_ = 0;
    }
  }
  void clear() {
    buf_.clear();
    head_ = 0;
  }

 private:
  std::vector<std::uint8_t> buf_;
  std::size_t head_ = 0;
};

// A backend whose input waits in a ByteQueue; subclasses fill `input_` from poll().
class QueuedCharBackend : public CharBackend {
 public:
  bool readable() const override { return !input_.empty(); }
  std::uint8_t read_byte() override { return input_.pop(); }
  std::size_t input_pending() const { return input_.size(); }

 protected:
  ByteQueue input_;
};

}  // namespace boardemu::hostio
