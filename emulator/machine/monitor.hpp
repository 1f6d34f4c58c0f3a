// A text monitor: commands from the host, over a serial backend (`--monitor tcp:PORT` or `pty`),
// that observe and control the board while the firmware runs, as QEMU's monitor does for its
// machines. It is a thin front end over BoardProbe (machine/probe.hpp); the scenario runner and
// the GUI use the probe directly.
//
// One command per line; each reply starts "ok" or "error: <what>" (and "ok <n>" is followed
// by n more lines where a command lists things):
//   help                          the commands
//   time                          ok <cycles> <milliseconds of virtual time>
//   parts | nets                  ok <n>, then one id / net name per line
//   level NET                     ok low|high|floating|contention (a net, or a pin's net)
//   voltage NET                   ok <volts> (an analog source's, or the level's: core/net.hpp)
//   drive NET off|low|high|pull-up|pull-down|VOLTS   the monitor's own driver on that net (a
//                                 number: an analog source of that many volts)
//   set PART CONTROL VALUE        a button's pressed 1, a sensor's temperature 21.5, ...
//   get PART READING              ok <value>
//   png PART FILE [SCALE]         writes a display part's panel as PNG
//   i2c-watch SCL SDA             starts decoding I2C on two nets
//   i2c-log                       ok <n>, then the decoded messages since the last i2c-log
//   spi-watch SCK MOSI MISO CS [MODE]  starts decoding SPI frames on four nets (mode 0 default)
//   spi-log                       ok <n>, then the frames since the last spi-log ("MOSI .. MISO ..")
//   peek ADDR [LEN]               ok <LEN (default 4, at most 256) bytes in hex>: memory and
//                                 device registers as the bus holds them, without side effects
//   quit                          ends the run (as Ctrl-A x does)
//
// Commands run between the CPU's slices, at the monitor's poll event (every millisecond of
// virtual time, an event the monitor owns): what they change happens at that virtual time.
#pragma once

#include <memory>
#include <string>

#include "core/chardev.hpp"
#include "core/event.hpp"
#include "core/i2c.hpp"
#include "core/scheduler.hpp"
#include "machine/machine.hpp"
#include "machine/probe.hpp"

namespace boardemu {

class Monitor {
 public:
  // `backend` is not owned and must outlive the monitor.
  Monitor(Machine& machine, CharBackend& backend);
  ~Monitor();
  Monitor(const Monitor&) = delete;
  Monitor& operator=(const Monitor&) = delete;

  // Runs one command line and returns the reply (without the final newline). Public for tests.
  std::string execute(const std::string& line);
  BoardProbe& probe() { return probe_; }

 private:
  void poll(Cycles lateness);

  Machine& machine_;
  CharBackend& backend_;
  BoardProbe probe_;
  Cycles period_;
  Event poll_event_;
  std::string line_;
  I2cMonitor* i2c_ = nullptr;
  std::size_t i2c_seen_ = 0;
  SpiMonitor* spi_ = nullptr;
  std::size_t spi_seen_ = 0;
};

}  // namespace boardemu
