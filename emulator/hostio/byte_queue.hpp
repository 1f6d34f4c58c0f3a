// Input side shared by the host backends: a FIFO of bytes read from the host and not yet taken
// by the UART. Nothing in it is ever dropped; the backends bound it by reading from the host
// only while it holds less than kMaxPendingInput bytes (QueuedCharBackend::input_room).
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

// Host input waiting for the guest, at most. Above it a backend stops reading from the host:
// further bytes wait in the kernel (socket, pty or pipe buffer) and, once that is full, in the
// peer, which the kernel's flow control holds back. They are read again as the guest takes
// bytes, in order, so a fast or endless sender costs bounded memory and loses nothing. The
// guest's view does not change: a poll reads at most 4 KiB, far below this bound, so the
// queue never runs dry while the host has bytes for it.
constexpr std::size_t kMaxPendingInput = 64 * 1024;

// A backend whose input waits in a ByteQueue; subclasses fill `input_` from poll(), reading at
// most input_room() bytes.
class QueuedCharBackend : public CharBackend {
 public:
  bool readable() const override { return !input_.empty(); }
  std::uint8_t read_byte() override { return input_.pop(); }
  std::size_t input_pending() const { return input_.size(); }

 protected:
  // How many bytes poll() may read from the host now.
  std::size_t input_room() const {
    return input_.size() >= kMaxPendingInput ? 0 : kMaxPendingInput - input_.size();
  }
  ByteQueue input_;
};

}  // namespace boardemu::hostio
