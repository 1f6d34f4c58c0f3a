// libFuzzer target over the GDB stub: the bytes are what a client sends (packets, acks, 0x03,
// line noise), fed one at a time to the framing layer and the command dispatcher of a GdbStub
// whose target is the fake system of gdb_fake_target.hpp. Whenever the stub resumes the
// target, one bounded slice runs per received byte and its stop is reported, as the server's
// run loop does.
//
// Built two ways: with clang's -fsanitize=fuzzer (tests/fuzz/CMakeLists.txt, when clang++ is
// available) for fuzzing, and as a plain program (replay_main.cpp) that replays the committed
// corpus in tests/fuzz/corpus/gdb_rsp/ as a regression test.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/gdb_fake_target.hpp"
#include "gdb/gdb_stub.hpp"

// Fake instructions run per received byte while the target runs: enough for a few watchpoint
// hits (every 10th instruction stores), few enough that inputs stay cheap to execute.
constexpr boardemu::Cycles kSliceCycles = 4;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace boardemu;
  gdbtest::FakeTarget target;
  std::size_t sent = 0;
  gdb::GdbStub stub(target, [&](std::string_view bytes) { sent += bytes.size(); });
  stub.start_session();
  for (std::size_t i = 0; i < size; ++i) {
    stub.receive(data + i, 1);
    switch (stub.state()) {
      case gdb::GdbStub::State::running: {
        RunResult r = target.run_until(target.now() + kSliceCycles);
        if (r.reason != StopReason::deadline) stub.report_stop(r, false);
        else if (stub.interrupt_requested()) stub.report_stop(r, true);
        break;
      }
      case gdb::GdbStub::State::killed:
      case gdb::GdbStub::State::detached:
        stub.end_session();
        stub.start_session();
        break;
      case gdb::GdbStub::State::halted:
        break;
    }
  }
  if (stub.state() == gdb::GdbStub::State::running) stub.report_stop({StopReason::deadline, 0, {}}, true);
  stub.end_session();
  // Every point the session inserted is gone once it ends.
  if (!target.cpu.breakpoints.empty() || !target.cpu.watchpoints.empty()) __builtin_trap();
  return 0;
}
