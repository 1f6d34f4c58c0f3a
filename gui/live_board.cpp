#include "gui/live_board.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <regex>

#include "core/debug.hpp"
#include "core/elf_loader.hpp"
#include "core/registers.hpp"
#include "fs/littlefs.hpp"
#include "fs/romfs.hpp"
#include "gdb/machine_target.hpp"

namespace boardemu::gui {

using Clock = std::chrono::steady_clock;

namespace {

// Host time between two publications of the state (the window redraws at up to 60 Hz).
constexpr auto kPublishPeriod = std::chrono::milliseconds(15);
// Pacing: the emulator sleeps at most this long at a time, so commands are taken promptly.
constexpr auto kMaxSleep = std::chrono::milliseconds(10);
// Behind real time by more than this (a slow host, a debugger stop): start pacing afresh
// rather than running flat out to catch up.
constexpr double kMaxLagSeconds = 0.25;

ElfMachine elf_machine(const std::string& arch) {
  if (arch == "lx106") return ElfMachine::xtensa;
  if (arch.rfind("rv", 0) == 0) return ElfMachine::riscv32;
  return ElfMachine::arm;
}

std::string label_of(const std::string& pin) {
  auto dot = pin.rfind('.');
  return dot == std::string::npos ? pin : pin.substr(dot + 1);
}

// Register names in GDB's numbering, from the backend's target description.
std::vector<std::string> register_names(CpuDebug* debug) {
  std::vector<std::string> names;
  if (!debug) return names;
  names.resize(debug->gdb_register_count());
  static const std::regex reg_re(R"re(<reg\s[^>]*name="([^"]+)"[^>]*>)re");
  static const std::regex num_re(R"re(regnum="(\d+)")re");
  std::string xml = debug->gdb_target_xml();
  unsigned next = 0;
  for (auto it = std::sregex_iterator(xml.begin(), xml.end(), reg_re); it != std::sregex_iterator(); ++it) {
    std::string tag = (*it)[0];
    std::smatch num;
    unsigned n = next;
    if (std::regex_search(tag, num, num_re)) n = static_cast<unsigned>(std::stoul(num[1]));
    if (n < names.size()) names[n] = (*it)[1];
    next = n + 1;
  }
  for (unsigned i = 0; i < names.size(); ++i) {
    if (std::string own = debug->register_name(i); !own.empty()) names[i] = own;
    if (names[i].empty()) names[i] = fmt::format("r{}", i);
  }
  return names;
}

std::string hex_bytes(const std::vector<std::uint8_t>& bytes) {
  std::string s;
  for (std::uint8_t b : bytes) s += fmt::format("{}{:02X}", s.empty() ? "" : " ", b);
  return s;
}

}  // namespace

// The Machine as the GDB stub's target, run through the GUI's slices (commands, pacing,
// publication) so a debugger and the window can share one run.
class GuiTarget : public gdb::MachineTarget {
 public:
  GuiTarget(LiveBoard& live) : MachineTarget(live.m_, live.session_.limit()), live_(live) {}
  RunResult run_until(Cycles pause_at) override { return live_.run_slices(pause_at); }
  bool quit_requested() override { return live_.stop_ || Machine::quit_requested(); }

 private:
  LiveBoard& live_;
};

LiveBoard::LiveBoard(cli::Session& session, std::vector<ConsoleBackend*> consoles, double speed, bool paused)
    : session_(session),
      m_(session.machine()),
      consoles_(std::move(consoles)),
      paused_(paused),
      speed_(speed),
      probe_(session.machine()) {
  try {
    symbols_ = read_elf(session.firmware_path(), elf_machine(m_.board().cpu_arch)).symbols;
  } catch (const ElfError&) {
    // The firmware loaded, so this cannot fail for a file; without symbols the CPU view shows
    // addresses only.
  }
  std::erase_if(symbols_, [](const auto& s) { return s.first.empty() || s.first[0] == '$' || s.first[0] == '.'; });
  std::sort(symbols_.begin(), symbols_.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
  register_names_ = register_names(m_.cpu().debug());

  // Every net's history from now on.
  for (Net* net : m_.nets()) {
    Recorded r{net, 0, {}};
    r.pending.push_back({m_.scheduler().now(), net->level()});
    recorded_.push_back(std::move(r));
  }
  for (std::size_t i = 0; i < recorded_.size(); ++i) {
    recorded_[i].id = recorded_[i].net->observe([this, i](const Net&, Level level, Cycles time) {
      auto& p = recorded_[i].pending;
      if (p.size() < kMaxChanges) p.push_back({time, level});
    });
  }
  // Decoders on the circuit's buses: an I2C target's SCL/SDA, an SPI part's four lines.
  std::vector<std::pair<Net*, Net*>> i2c_seen;
  for (Part* p : m_.parts()) {
    if (p->i2c_scl() && p->i2c_sda()) {
      Net* scl = &p->i2c_scl()->net();
      Net* sda = &p->i2c_sda()->net();
      if (std::find(i2c_seen.begin(), i2c_seen.end(), std::make_pair(scl, sda)) != i2c_seen.end()) continue;
      i2c_seen.emplace_back(scl, sda);
      i2c_.emplace_back(fmt::format("i2c {}/{}", scl->name(), sda->name()), &probe_.watch_i2c(scl->name(), sda->name()));
      continue;
    }
    std::map<std::string, Net*> by_pin;
    for (Pin* pin : p->pins()) by_pin[label_of(pin->name())] = &pin->net();
    auto find = [&](std::initializer_list<const char*> names) -> Net* {
      for (const char* n : names)
        if (by_pin.count(n)) return by_pin[n];
      return nullptr;
    };
    Net* sck = find({"SCK", "CLK", "SCLK"});
    Net* mosi = find({"MOSI", "DI", "SDI", "DIN"});
    Net* miso = find({"MISO", "DO", "SDO"});
    Net* cs = find({"CS", "SS", "CSN", "nCS"});
    if (sck && mosi && cs) {
      if (!miso) miso = mosi;
      SpiFormat format;
      format.either_clock_polarity = true;
      spi_.emplace_back(fmt::format("spi {}/{}/{}/{}", sck->name(), mosi->name(), miso->name(), cs->name()),
                        &probe_.watch_spi(sck->name(), mosi->name(), miso->name(), cs->name(), format));
    }
  }
  // Flash activity: the board's flash chip and the parts' memories.
  auto add_flash = [&](const std::string& name, NonVolatileMemory* memory) {
    FlashWatch w{memory, 0, {}};
    w.view.name = name;
    w.view.size = memory->nvm_size();
    std::size_t sectors = (w.view.size + w.view.sector - 1) / w.view.sector;
    w.view.writes.assign(sectors, 0);
    w.view.last_write.assign(sectors, 0);
    w.view.blank.assign(sectors, 1);
    flash_.push_back(std::move(w));
  };
  for (auto& [name, memory] : m_.nonvolatile_memories(false)) {
    add_flash("flash chip of " + name, memory);
    if (flash_.size() == 1) flash_.back().view.partitions = m_.board().partitions;
  }
  for (auto& [name, memory] : m_.nonvolatile_memories(true)) add_flash("memory of part " + name, memory);
  for (std::size_t i = 0; i < flash_.size(); ++i) {
    flash_[i].id = flash_[i].memory->observe_nvm_changes([this, i](std::uint32_t addr, std::uint32_t len) {
      FlashView& v = flash_[i].view;
      if (len == 0) return;
      std::uint32_t first = addr / v.sector, last = (addr + len - 1) / v.sector;
      for (std::uint32_t s = first; s <= last && s < v.writes.size(); ++s) {
        ++v.writes[s];
        v.last_write[s] = m_.scheduler().now();
      }
      ++v.total_writes;
    });
  }
  publish(true);
}

LiveBoard::~LiveBoard() {
  stop();
  for (auto& r : recorded_) r.net->unobserve(r.id);
  for (auto& f : flash_) f.memory->unobserve_nvm_changes(f.id);
}

void LiveBoard::start() {
  stop_ = false;
  anchor_pacing();
  thread_ = std::thread([this] { thread_main(); });
}

RunResult LiveBoard::stop() {
  stop_ = true;
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mu_);
  return result_;
}

RunResult LiveBoard::result() const {
  std::lock_guard lock(mu_);
  return result_;
}

RunResult LiveBoard::run_to(Cycles t) {
  speed_ = 0;
  bool was_paused = paused_;
  paused_ = false;
  RunResult r;
  try {
    r = m_.run(session_.limit(), t);
  } catch (const std::exception& e) {
    r = {StopReason::fatal, 0, fmt::format("emulation stopped: {}", e.what())};
  }
  paused_ = was_paused;
  if (r.reason != StopReason::deadline) {
    std::lock_guard lock(mu_);
    result_ = r;
    ended_ = true;
  }
  publish(true);
  return r;
}

void LiveBoard::thread_main() {
  RunResult r;
  try {
    if (gdb::GdbServer* server = session_.gdb_server()) {
      GuiTarget target(*this);
      server->set_slice(std::max<Cycles>(m_.board().cpu_hz / 1000, 1));
      r = server->serve(target, session_.options().gdb_wait);
    } else {
      r = run_slices(kNever);
    }
  } catch (const std::exception& e) {
    r = {StopReason::fatal, 0, fmt::format("emulation stopped: {}", e.what())};
  }
  {
    std::lock_guard lock(mu_);
    result_ = r;
  }
  ended_ = true;
  publish(true);
  // The run is over; the window stays open with the final state until the user closes it.
}

void LiveBoard::anchor_pacing() {
  anchor_host_ = Clock::now();
  anchor_virtual_ = m_.scheduler().now();
}

RunResult LiveBoard::run_slices(Cycles pause_at) {
  const double hz = static_cast<double>(m_.board().cpu_hz);
  for (;;) {
    // 1 ms of virtual time per slice when paced (smooth pacing, prompt input); 5 ms as fast as
    // possible, where each slice takes a fraction of a frame of host time anyway.
    const Cycles slice = std::max<Cycles>(m_.board().cpu_hz / (speed_ > 0 ? 1000 : 200), 1);
    run_commands();
    if (stop_ || Machine::quit_requested()) return {StopReason::host_quit, 0, {}};
    Cycles now = m_.scheduler().now();
    if (now >= pause_at) return {StopReason::deadline, 0, {}};
    if (paused_) {
      publish(false);
      {
        std::unique_lock lock(mu_);
        wake_.wait_for(lock, kMaxSleep, [this] { return !commands_.empty() || stop_; });
      }
      // Under the debugger, give its stub a look at the socket now and then (an interrupt from
      // GDB while the window has the board paused); the stub calls again at once.
      if (pause_at != kNever) return {StopReason::deadline, 0, {}};
      continue;
    }
    RunResult r = m_.run(session_.limit(), std::min(pause_at, now + slice));
    if (r.reason == StopReason::debug) {
      // Without a debugger there are no breakpoints; with one, the stub handles this.
      return r;
    }
    if (r.reason != StopReason::deadline) return r;
    record_history();
    // Pacing: virtual time may not run ahead of real time x speed.
    if (speed_ > 0) {
      double virtual_s = static_cast<double>(m_.scheduler().now() - anchor_virtual_) / hz;
      auto due = anchor_host_ + std::chrono::duration_cast<Clock::duration>(
                                    std::chrono::duration<double>(virtual_s / speed_));
      auto host_now = Clock::now();
      if (host_now < due) {
        std::unique_lock lock(mu_);
        wake_.wait_until(lock, std::min(due, host_now + kMaxSleep), [this] { return !commands_.empty() || stop_; });
      } else if (std::chrono::duration<double>(host_now - due).count() > kMaxLagSeconds) {
        anchor_pacing();
      }
    }
    publish(false);
  }
}

void LiveBoard::run_commands() {
  std::deque<std::function<void()>> todo;
  {
    std::lock_guard lock(mu_);
    todo.swap(commands_);
  }
  for (auto& f : todo) {
    try {
      f();
    } catch (const std::exception& e) {
      std::lock_guard lock(mu_);
      error_ = e.what();
    }
  }
  if (!todo.empty()) publish(true);
}

void LiveBoard::post(std::function<void(Machine&)> f) {
  {
    std::lock_guard lock(mu_);
    commands_.push_back([this, f = std::move(f)] { f(m_); });
  }
  wake_.notify_all();
}

void LiveBoard::set_speed(double speed) {
  post([this, speed](Machine&) {
    speed_ = speed;
    anchor_pacing();
  });
}

void LiveBoard::pause() {
  post([this](Machine&) { paused_ = true; });
}

void LiveBoard::resume() {
  post([this](Machine&) {
    paused_ = false;
    anchor_pacing();
  });
}

void LiveBoard::step() {
  post([this](Machine& m) {
    if (!paused_ || ended_) return;
    // One instruction. A CPU asleep (WFI, WAITI) executes none until an interrupt wakes it:
    // then time moves on from event to event until one does (at most 100000 events).
    // (Taking an interrupt, which moves the PC to its vector, counts as the step.)
    const std::uint64_t before = m.cpu().instructions();
    for (int i = 0; i < 100000; ++i) {
      const std::uint32_t pc = m.cpu().pc();
      RunResult r = m.step();
      if (r.reason != StopReason::deadline && r.reason != StopReason::debug) {
        std::lock_guard lock(mu_);
        error_ = fmt::format("step: {}", r.message.empty() ? "the run ended" : r.message);
        break;
      }
      if (m.cpu().instructions() != before || m.cpu().pc() != pc) break;
      const Cycles next = m.scheduler().next_deadline();
      if (next == kNever || next >= session_.limit()) break;
      m.run(session_.limit(), next);
    }
    record_history();
  });
}

void LiveBoard::reset() {
  post([this](Machine& m) {
    m.reset();
    m.load_firmware(session_.firmware_path());
    anchor_pacing();
  });
}

void LiveBoard::set_control(const std::string& part, const std::string& control, double value) {
  post([part, control, value](Machine& m) {
    Part* p = m.part(part);
    if (!p) throw std::invalid_argument(fmt::format("no part called '{}'", part));
    p->set_control(control, value);
  });
}

std::shared_ptr<const BoardState> LiveBoard::state() const {
  std::lock_guard lock(mu_);
  return state_;
}

std::string LiveBoard::take_error() {
  std::lock_guard lock(mu_);
  std::string e;
  e.swap(error_);
  return e;
}

void LiveBoard::take_history(std::map<std::string, Trace>& traces, std::vector<BusMessage>& messages) {
  std::lock_guard lock(mu_);
  for (auto& [name, changes] : shared_changes_) {
    Trace& t = traces[name];
    t.net = name;
    t.changes.insert(t.changes.end(), changes.begin(), changes.end());
    if (t.changes.size() > kMaxChanges) t.changes.erase(t.changes.begin(), t.changes.end() - kMaxChanges);
    changes.clear();
  }
  messages.insert(messages.end(), shared_messages_.begin(), shared_messages_.end());
  if (messages.size() > kMaxMessages) messages.erase(messages.begin(), messages.end() - kMaxMessages);
  shared_messages_.clear();
}

void LiveBoard::record_history() {
  // Decoded bus messages since the last look.
  for (auto& [bus, mon] : i2c_) {
    for (const I2cTransaction& t : mon->transactions()) {
      BusMessage msg{t.start, t.end, bus, t.target, to_string(t), t.data, t.acked()};
      if (msg.device.empty()) {
        for (Part* p : m_.parts())
          if (p->i2c_address() == t.address) msg.device = p->id();
      }
      pending_messages_.push_back(std::move(msg));
    }
    mon->clear();
  }
  for (auto& [bus, mon] : spi_) {
    for (const SpiFrame& f : mon->frames()) {
      BusMessage msg{f.start, f.end, bus, f.target, "MOSI " + hex_bytes(f.mosi) + "  MISO " + hex_bytes(f.miso), f.mosi, true};
      pending_messages_.push_back(std::move(msg));
    }
    mon->clear();
  }
  for (ConsoleBackend* c : consoles_) {
    // Consecutive bytes in one direction at one time make one message.
    for (const UartByte& b : c->take_bytes()) {
      std::string bus = c->uart() + (b.from_guest ? " tx" : " rx");
      const Cycles gap = std::max<Cycles>(m_.board().cpu_hz / 1000, 1);
      if (!pending_messages_.empty() && pending_messages_.back().bus == bus &&
          b.time - pending_messages_.back().end <= gap && pending_messages_.back().bytes.size() < 64) {
        pending_messages_.back().bytes.push_back(b.byte);
        pending_messages_.back().end = b.time;
      } else {
        pending_messages_.push_back({b.time, b.time, bus, {}, {}, {b.byte}, true});
      }
    }
  }
  if (pending_messages_.size() > kMaxMessages)
    pending_messages_.erase(pending_messages_.begin(), pending_messages_.end() - kMaxMessages);
}

void LiveBoard::list_files(FlashWatch& f) {
  for (const FlashPartition& p : f.view.partitions) {
    if (p.kind != PartitionKind::romfs && p.kind != PartitionKind::filesystem) continue;
    FlashView::Files& out = f.view.files[p.name];
    out = {};
    std::vector<std::uint8_t> bytes(p.size);
    f.memory->nvm_read(p.offset, bytes);
    try {
      if (p.kind == PartitionKind::romfs) {
        if (!is_romfs(bytes)) out.status = "no ROMFS image";
        else out.entries = list_romfs(bytes);
      } else {
        if (!is_littlefs(bytes)) out.status = "no littlefs filesystem";
        else out.entries = list_littlefs(bytes);
      }
    } catch (const FsError& e) {
      out.status = e.what();
    }
  }
}

std::string LiveBoard::symbol_at(std::uint32_t pc) const {
  auto it = std::upper_bound(symbols_.begin(), symbols_.end(), pc,
                             [](std::uint32_t v, const auto& s) { return v < s.second; });
  if (it == symbols_.begin()) return {};
  --it;
  std::uint32_t off = pc - it->second;
  if (off > 0x10000) return {};
  return off ? fmt::format("{}+0x{:x}", it->first, off) : it->first;
}

void LiveBoard::publish(bool force) {
  auto host_now = Clock::now();
  if (!force && host_now - last_publish_ < kPublishPeriod) return;
  last_publish_ = host_now;
  record_history();

  auto s = std::make_shared<BoardState>();
  const Cycles now = m_.scheduler().now();
  s->now = now;
  s->hz = m_.board().cpu_hz;
  s->instructions = m_.cpu().instructions();
  s->board = m_.board().name;
  s->arch = m_.board().cpu_arch;
  s->firmware = session_.firmware_path();
  s->speed = speed_;
  if (ended_) {
    RunResult r = result();
    s->run = RunState::ended;
    switch (r.reason) {
      case StopReason::exit: s->status = fmt::format("ended: exit code {}", r.exit_code); break;
      case StopReason::time_limit: s->status = "ended: virtual-time limit"; break;
      case StopReason::fatal: s->status = "ended: " + r.message; break;
      case StopReason::host_quit: s->status = "ended: quit"; break;
      default: s->status = "ended"; break;
    }
  } else if (paused_) {
    s->run = RunState::paused;
    s->status = "paused";
  } else {
    s->run = RunState::running;
    s->status = "running";
  }
  // Speed over the last second of host time.
  rate_window_.emplace_back(host_now, now);
  while (rate_window_.size() > 2 && host_now - rate_window_.front().first > std::chrono::seconds(1))
    rate_window_.pop_front();
  if (rate_window_.size() >= 2) {
    double dt = std::chrono::duration<double>(rate_window_.back().first - rate_window_.front().first).count();
    double dc = static_cast<double>(rate_window_.back().second - rate_window_.front().second);
    if (dt > 0) {
      s->effective_mhz = dc / dt / 1e6;
      s->achieved = dc / dt / static_cast<double>(s->hz);
    }
  }
  // CPU.
  s->pc = m_.cpu().pc();
  s->symbol = symbol_at(s->pc);
  if (CpuDebug* d = m_.cpu().debug()) {
    for (unsigned i = 0; i < register_names_.size(); ++i) {
      std::uint32_t v = 0;
      if (d->gdb_read_register(i, &v)) s->registers.emplace_back(register_names_[i], v);
    }
  }
  // Pins of the board's devices (GPIO first: devices in board order).
  for (const PeripheralDesc& pd : m_.board().peripherals) {
    Device* dev = m_.device(pd.name);
    if (!dev) continue;
    for (Pin* pin : dev->pins()) {
      PinView v;
      v.name = pin->name();
      v.label = label_of(pin->name());
      v.function = dev->pin_function(*pin);
      v.level = pin->level();
      v.drive = pin->driving();
      v.volts = pin->voltage();
      v.net = pin->net().name();
      for (Pin* other : pin->net().pins())
        if (other != pin && other->name().rfind("probe.", 0) != 0) v.wired.push_back(other->name());
      s->chip_pins.push_back(std::move(v));
    }
    DeviceView dv{pd.name, pd.model, pd.base, pd.size, {}};
    if (const RegisterBank* bank = dev->registers()) {
      for (const RegisterSpec& spec : bank->specs())
        dv.registers.push_back({spec.name, spec.offset, dev->peek(spec.offset, 4)});
    }
    s->devices.push_back(std::move(dv));
  }
  // Parts.
  for (Part* p : m_.parts()) {
    PartView v;
    v.id = p->id();
    if (const CircuitPart* d = m_.part_description(p->id())) {
      v.type = d->type;
      v.params = d->params;
    }
    for (const std::string& c : p->controls()) v.controls.emplace_back(c, p->reading(c));
    for (const std::string& r : p->readings()) v.readings.emplace_back(r, p->reading(r));
    v.picture = p->picture();
    for (Pin* pin : p->pins()) v.pins.push_back(label_of(pin->name()) + " -> " + pin->net().name());
    s->parts.push_back(std::move(v));
  }
  // Flash: which sectors hold data now (a full scan of 4 MiB costs about a millisecond: done at
  // most once a second).
  bool scan = force || host_now - last_scan_ > std::chrono::seconds(1);
  if (scan) last_scan_ = host_now;
  std::vector<std::uint8_t> buf;
  for (auto& f : flash_) {
    if (scan) {
      buf.resize(f.view.sector);
      for (std::size_t i = 0; i < f.view.blank.size(); ++i) {
        std::uint32_t addr = static_cast<std::uint32_t>(i) * f.view.sector;
        std::uint32_t len = std::min<std::uint32_t>(f.view.sector, f.view.size - addr);
        f.memory->nvm_read(addr, std::span<std::uint8_t>(buf.data(), len));
        f.view.blank[i] = std::all_of(buf.begin(), buf.begin() + len, [](std::uint8_t b) { return b == 0xFF; });
      }
      if (f.listed_at_writes != f.view.total_writes) {
        f.listed_at_writes = f.view.total_writes;
        list_files(f);
      }
    }
    s->flash.push_back(f.view);
  }
  for (ConsoleBackend* c : consoles_) s->uarts.push_back(c->uart());

  std::lock_guard lock(mu_);
  for (auto& r : recorded_) {
    auto& dst = shared_changes_[r.net->name()];
    dst.insert(dst.end(), r.pending.begin(), r.pending.end());
    if (dst.size() > kMaxChanges) dst.erase(dst.begin(), dst.end() - kMaxChanges);
    r.pending.clear();
  }
  shared_messages_.insert(shared_messages_.end(), pending_messages_.begin(), pending_messages_.end());
  if (shared_messages_.size() > kMaxMessages)
    shared_messages_.erase(shared_messages_.begin(), shared_messages_.end() - kMaxMessages);
  pending_messages_.clear();
  s->serial = ++serial_;
  state_ = std::move(s);
}

}  // namespace boardemu::gui
