#include "machine/probe.hpp"

#include <stdexcept>

#include "core/png.hpp"

namespace boardemu {

BoardProbe::BoardProbe(Machine& machine) : machine_(machine) {}

BoardProbe::~BoardProbe() {
  monitors_.clear();
  for (auto& [net, r] : recordings_) net->unobserve(r.id);
  // The probe's own pins leave their nets as they are destroyed (nobody is told: core/net.hpp).
  drivers_.clear();
}

Net& BoardProbe::net(const std::string& name) {
  if (Pin* p = machine_.pin(name)) return p->net();
  if (Net* n = machine_.netlist().find(name)) return *n;
  throw std::invalid_argument("no pin or net called '" + name + "'");
}

Pin& BoardProbe::driver(const std::string& name) {
  Net& n = net(name);
  auto& pin = drivers_[&n];
  if (!pin) {
    pin = std::make_unique<Pin>("probe." + name, &machine_.scheduler());
    n.attach(*pin);
  }
  return *pin;
}

void BoardProbe::drive(const std::string& name, Drive drive) { driver(name).drive(drive); }

void BoardProbe::drive_voltage(const std::string& name, double volts) { driver(name).drive_voltage(volts); }

void BoardProbe::record(const std::string& name) {
  Net& n = net(name);
  if (recordings_.count(&n)) return;
  Recording& r = recordings_[&n];
  r.net = &n;
  r.changes.push_back({machine_.scheduler().now(), n.level()});
  r.id = n.observe([&r](const Net&, Level level, Cycles time) { r.changes.push_back({time, level}); });
}

const std::vector<BoardProbe::Change>& BoardProbe::history(const std::string& name) {
  auto it = recordings_.find(&net(name));
  if (it == recordings_.end()) throw std::invalid_argument("'" + name + "' is not recorded (record() it first)");
  return it->second.changes;
}

Part& BoardProbe::part(const std::string& id) {
  if (Part* p = machine_.part(id)) return *p;
  throw std::invalid_argument("no part called '" + id + "'");
}

Part::Picture BoardProbe::picture(const std::string& id) {
  auto pic = part(id).picture();
  if (!pic) throw std::invalid_argument(id + ": has no display");
  return *pic;
}

void BoardProbe::write_picture_png(const std::string& id, const std::string& path, unsigned scale) {
  Part::Picture pic = picture(id);
  if (scale < 1) scale = 1;
  std::vector<std::uint8_t> scaled(static_cast<std::size_t>(pic.width) * scale * pic.height * scale);
  for (unsigned y = 0; y < pic.height * scale; ++y)
    for (unsigned x = 0; x < pic.width * scale; ++x)
      scaled[static_cast<std::size_t>(y) * pic.width * scale + x] = pic.luminance[(y / scale) * pic.width + x / scale];
  write_png_gray8(path, pic.width * scale, pic.height * scale, scaled);
}

I2cMonitor& BoardProbe::watch_i2c(const std::string& scl, const std::string& sda) {
  Net& c = net(scl);
  Net& d = net(sda);
  if (&c == &d) throw std::invalid_argument("watch_i2c: SCL and SDA are the same net ('" + c.name() + "')");
  auto& m = monitors_[{&c, &d}];
  if (!m) m = std::make_unique<I2cMonitor>(c, d, &machine_.scheduler());
  return *m;
}

SpiMonitor& BoardProbe::watch_spi(const std::string& sck, const std::string& mosi, const std::string& miso,
                                  const std::string& cs, SpiFormat format) {
  std::vector<Net*> nets = {&net(sck), &net(mosi), &net(miso), &net(cs)};
  for (std::size_t i = 0; i < nets.size(); ++i)
    for (std::size_t j = i + 1; j < nets.size(); ++j)
      if (nets[i] == nets[j] && !(i == 1 && j == 2))  // MOSI and MISO may share a 3-wire net
        throw std::invalid_argument("watch_spi: two of SCK, MOSI, MISO, CS are the same net ('" + nets[i]->name() + "')");
  auto& m = spi_monitors_[nets];
  if (!m) m = std::make_unique<SpiMonitor>(*nets[0], *nets[1], *nets[2], *nets[3], &machine_.scheduler(), format);
  return *m;
}

}  // namespace boardemu
