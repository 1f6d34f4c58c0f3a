// Logic analyzer: chosen nets over virtual time, with rows of decoded bus messages (I2C, SPI,
// UART bytes), zoom (mouse wheel), pan (drag), two cursors (left / right click) with time and
// frequency readout, and export of the shown nets' recorded history to a VCD file.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include "core/vcd.hpp"
#include "gui/windows.hpp"

namespace boardemu::gui {

namespace {

constexpr float kNameWidth = 150, kRowHeight = 22, kBusRowHeight = 22;

// The nets shown at first: those wired to something (a circuit's nets), else the chip's pins.
std::vector<std::string> initial_nets(const Frame& f) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const PinView& p : f.state.chip_pins)
    if (!p.wired.empty() && seen.insert(p.net).second && f.traces.count(p.net)) out.push_back(p.net);
  for (const PartView& part : f.state.parts)
    for (const std::string& pin : part.pins) {
      // "SDA -> i2c_sda"; an unwired pin sits on a net named after itself ("WP -> eeprom1.WP").
      std::string label = pin.substr(0, pin.find(" -> "));
      std::string net = pin.substr(pin.find(" -> ") + 4);
      if (net == part.id + "." + label) continue;
      if (seen.insert(net).second && f.traces.count(net)) out.push_back(net);
    }
  if (out.empty())
    for (const auto& [name, t] : f.traces)
      if (out.size() < 8 && name.find(".irq") == std::string::npos) out.push_back(name);
  return out;
}

// Writes the shown nets' recorded history as a VCD (IEEE 1364-2005 clause 18), in the same
// exact timescale as `run --vcd` (core/vcd.hpp).
std::string export_vcd(const Frame& f, const std::vector<std::string>& nets, const std::string& path) {
  try {
    VcdFile out(path, f.state.hz);
    out.begin_header("gui export of board " + f.state.board);
    std::vector<std::pair<std::string, const Trace*>> vars;
    for (const std::string& net : nets) {
      auto it = f.traces.find(net);
      if (it == f.traces.end()) continue;
      vars.emplace_back(VcdFile::code(vars.size()), &it->second);
      out.wire(vars.back().first, net);
    }
    out.end_header();
    // Merge the changes of all nets in time order.
    struct Item {
      Cycles t;
      std::size_t var;
      Level level;
    };
    std::vector<Item> items;
    for (std::size_t v = 0; v < vars.size(); ++v)
      for (const auto& c : vars[v].second->changes) items.push_back({c.time, v, c.level});
    std::stable_sort(items.begin(), items.end(), [](const Item& a, const Item& b) { return a.t < b.t; });
    for (const Item& it : items) {
      out.time(it.t);
      out.value(vars[it.var].first, it.level);
    }
    out.flush();
    return fmt::format("wrote {} nets, {} changes to {}", vars.size(), items.size(), path);
  } catch (const VcdError& e) {
    return e.what();
  }
}

float level_y(Level l, float top, float h) {
  switch (l) {
    case Level::high: return top + 3;
    case Level::low: return top + h - 3;
    default: return top + h / 2;
  }
}

}  // namespace

void draw_logic_analyzer(Frame& f, LogicAnalyzerState& s) {
  if (!ImGui::Begin("Logic analyzer")) {
    ImGui::End();
    return;
  }
  const BoardState& st = f.state;
  const double hz = static_cast<double>(st.hz);
  if (!s.initialised && !f.traces.empty()) {
    s.shown = initial_nets(f);
    s.initialised = true;
  }
  if (s.cycles_per_pixel <= 0) s.cycles_per_pixel = hz * 0.010 / 500;  // 10 ms across 500 px
  if (s.follow) s.right_edge = static_cast<double>(st.now);

  // Toolbar.
  if (ImGui::Button("Nets...")) ImGui::OpenPopup("nets");
  if (ImGui::BeginPopup("nets")) {
    for (const auto& [name, t] : f.traces) {
      bool on = std::find(s.shown.begin(), s.shown.end(), name) != s.shown.end();
      if (ImGui::Checkbox(name.c_str(), &on)) {
        if (on) s.shown.push_back(name);
        else s.shown.erase(std::remove(s.shown.begin(), s.shown.end(), name), s.shown.end());
      }
    }
    ImGui::EndPopup();
  }
  ImGui::SameLine();
  ImGui::Checkbox("follow", &s.follow);
  ImGui::SameLine();
  if (ImGui::Button("Zoom in")) s.cycles_per_pixel = std::max(s.cycles_per_pixel / 2, 0.05);
  ImGui::SameLine();
  if (ImGui::Button("Zoom out")) s.cycles_per_pixel = std::min(s.cycles_per_pixel * 2, hz * 100);
  note_widget("logic:zoom-out");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(160);
  char path[256];
  std::snprintf(path, sizeof path, "%s", s.export_path.c_str());
  if (ImGui::InputText("##vcd", path, sizeof path)) s.export_path = path;
  ImGui::SameLine();
  if (ImGui::Button("Export VCD")) s.export_message = export_vcd(f, s.shown, s.export_path);
  note_widget("logic:export");
  ImGui::SameLine();
  ImGui::TextDisabled("%s", s.export_message.c_str());

  // Geometry.
  ImVec2 origin = ImGui::GetCursorScreenPos();
  ImVec2 avail = ImGui::GetContentRegionAvail();
  const float wave_x = origin.x + kNameWidth;
  const float wave_w = std::max(50.0f, avail.x - kNameWidth);
  const double left_t = s.right_edge - s.cycles_per_pixel * wave_w;
  auto x_of = [&](double t) { return wave_x + static_cast<float>((t - left_t) / s.cycles_per_pixel); };
  auto t_of = [&](float x) { return left_t + static_cast<double>(x - wave_x) * s.cycles_per_pixel; };
  ImDrawList* dl = ImGui::GetWindowDrawList();

  // Buses with messages in view get a row each.
  std::vector<std::string> buses;
  for (const BusMessage& m : f.messages)
    if (std::find(buses.begin(), buses.end(), m.bus) == buses.end()) buses.push_back(m.bus);
  const float top = origin.y + 16;  // time axis above
  const float height = 16 + kRowHeight * static_cast<float>(s.shown.size()) + kBusRowHeight * static_cast<float>(buses.size());
  ImGui::InvisibleButton("waves", ImVec2(kNameWidth + wave_w, std::max(height, 40.0f)),
                         ImGuiButtonFlags_MouseButtonLeft | ImGuiButtonFlags_MouseButtonRight);
  const bool hovered = ImGui::IsItemHovered();
  ImGuiIO& io = ImGui::GetIO();
  if (hovered && io.MouseWheel != 0) {
    // Zoom around the mouse.
    double at = t_of(io.MousePos.x);
    double factor = io.MouseWheel > 0 ? 0.8 : 1.25;
    s.cycles_per_pixel = std::clamp(s.cycles_per_pixel * factor, 0.05, hz * 100);
    s.right_edge = at + (wave_x + wave_w - io.MousePos.x) * s.cycles_per_pixel;
    s.follow = false;
  }
  if (ImGui::IsItemActive() && ImGui::IsMouseDragging(ImGuiMouseButton_Left, 4)) {
    s.right_edge -= io.MouseDelta.x * s.cycles_per_pixel;
    s.follow = false;
  } else if (hovered && ImGui::IsMouseReleased(ImGuiMouseButton_Left) && io.MousePos.x >= wave_x &&
             std::abs(io.MouseDragMaxDistanceSqr[0]) < 16) {
    s.cursor_a = t_of(io.MousePos.x);
  }
  if (hovered && ImGui::IsMouseClicked(ImGuiMouseButton_Right) && io.MousePos.x >= wave_x) s.cursor_b = t_of(io.MousePos.x);

  dl->PushClipRect(origin, ImVec2(origin.x + kNameWidth + wave_w, origin.y + std::max(height, 40.0f)), true);
  // Time axis: ticks at a round step.
  const double span_s = s.cycles_per_pixel * wave_w / hz;
  double step = std::pow(10.0, std::floor(std::log10(span_s / 5)));
  if (span_s / step > 10) step *= 2;
  if (span_s / step > 10) step *= 2.5;
  const double step_c = step * hz;
  for (double t = std::ceil(left_t / step_c) * step_c; t <= s.right_edge; t += step_c) {
    float x = x_of(t);
    dl->AddLine(ImVec2(x, origin.y + 12), ImVec2(x, origin.y + height), IM_COL32(60, 60, 70, 255));
    std::string label = step >= 1e-3 ? fmt::format("{:.0f} ms", t / hz * 1e3)
                        : step >= 1e-6 ? fmt::format("{:.3f} ms", t / hz * 1e3)
                                       : fmt::format("{:.0f} ns", t / hz * 1e9);
    dl->AddText(ImVec2(x + 2, origin.y), IM_COL32(150, 150, 160, 255), label.c_str());
  }
  // Nets.
  float y = top;
  for (const std::string& name : s.shown) {
    dl->AddText(ImVec2(origin.x + 2, y + 3), IM_COL32(220, 220, 220, 255), name.c_str());
    note_widget("logic:net:" + name, ImVec2(wave_x, y), ImVec2(wave_x + wave_w, y + kRowHeight));
    auto it = f.traces.find(name);
    if (it != f.traces.end() && !it->second.changes.empty()) {
      const auto& ch = it->second.changes;
      // The change in force at the left edge, then every change up to the right edge.
      auto first = std::upper_bound(ch.begin(), ch.end(), left_t,
                                    [](double t, const BoardProbe::Change& c) { return t < static_cast<double>(c.time); });
      std::size_t i = first == ch.begin() ? 0 : static_cast<std::size_t>(first - ch.begin() - 1);
      float px = std::max(x_of(static_cast<double>(ch[i].time)), wave_x);
      Level lv = ch[i].level;
      float busy_from = -1;  // several changes within one pixel: drawn as a block
      for (std::size_t j = i + 1; j <= ch.size(); ++j) {
        const bool end = j == ch.size() || static_cast<double>(ch[j].time) > s.right_edge;
        float nx = end ? std::min(x_of(static_cast<double>(st.now)), wave_x + wave_w) : x_of(static_cast<double>(ch[j].time));
        if (nx - px < 1.0f && !end) {
          if (busy_from < 0) busy_from = px;
          lv = ch[j].level;
          px = nx;
          continue;
        }
        if (busy_from >= 0) {
          dl->AddRectFilled(ImVec2(busy_from, y + 3), ImVec2(std::max(px, busy_from + 1), y + kRowHeight - 3),
                            IM_COL32(80, 200, 90, 160));
          busy_from = -1;
        }
        float ly = level_y(lv, y, kRowHeight);
        dl->AddLine(ImVec2(px, ly), ImVec2(nx, ly), level_colour(lv) | IM_COL32(0, 0, 0, 255), lv == Level::low ? 1.0f : 2.0f);
        if (end) break;
        Level next = ch[j].level;
        dl->AddLine(ImVec2(nx, level_y(lv, y, kRowHeight)), ImVec2(nx, level_y(next, y, kRowHeight)),
                    IM_COL32(150, 220, 150, 255));
        lv = next;
        px = nx;
      }
    }
    dl->AddLine(ImVec2(origin.x, y + kRowHeight), ImVec2(wave_x + wave_w, y + kRowHeight), IM_COL32(45, 45, 50, 255));
    y += kRowHeight;
  }
  // Decoded rows.
  for (const std::string& bus : buses) {
    dl->AddText(ImVec2(origin.x + 2, y + 3), IM_COL32(240, 200, 120, 255), bus.c_str());
    note_widget("logic:bus:" + bus, ImVec2(wave_x, y), ImVec2(wave_x + wave_w, y + kBusRowHeight));
    for (const BusMessage& m : f.messages) {
      if (m.bus != bus || static_cast<double>(m.end) < left_t || static_cast<double>(m.start) > s.right_edge) continue;
      float x0 = std::max(x_of(static_cast<double>(m.start)), wave_x);
      float x1 = std::max(x_of(static_cast<double>(m.end)), x0 + 3);
      ImU32 fill = m.ok ? IM_COL32(60, 90, 140, 255) : IM_COL32(140, 60, 50, 255);
      dl->AddRectFilled(ImVec2(x0, y + 2), ImVec2(x1, y + kBusRowHeight - 2), fill, 3);
      std::string text = message_text(m);
      if (ImGui::CalcTextSize(text.c_str()).x < x1 - x0 - 4)
        dl->AddText(ImVec2(x0 + 3, y + 4), IM_COL32(240, 240, 240, 255), text.c_str());
      if (hovered && io.MousePos.x >= x0 && io.MousePos.x <= x1 && io.MousePos.y >= y && io.MousePos.y < y + kBusRowHeight) {
        ImGui::BeginTooltip();
        ImGui::Text("%s  %s", format_time(m.start, st.hz).c_str(), m.bus.c_str());
        if (!m.device.empty()) ImGui::Text("device %s", m.device.c_str());
        ImGui::TextUnformatted(text.c_str());
        ImGui::EndTooltip();
      }
    }
    y += kBusRowHeight;
  }
  // Cursors.
  auto cursor = [&](double t, ImU32 c, const char* name) {
    if (t < 0 || t < left_t || t > s.right_edge) return;
    float x = x_of(t);
    dl->AddLine(ImVec2(x, origin.y), ImVec2(x, origin.y + height), c, 1.5f);
    dl->AddText(ImVec2(x + 2, origin.y + height - 14), c, name);
  };
  cursor(s.cursor_a, IM_COL32(255, 220, 60, 255), "A");
  cursor(s.cursor_b, IM_COL32(80, 200, 255, 255), "B");
  dl->PopClipRect();

  if (s.cursor_a >= 0 || s.cursor_b >= 0) {
    std::string text;
    if (s.cursor_a >= 0) text += fmt::format("A {}   ", format_time(static_cast<Cycles>(s.cursor_a), st.hz));
    if (s.cursor_b >= 0) text += fmt::format("B {}   ", format_time(static_cast<Cycles>(s.cursor_b), st.hz));
    if (s.cursor_a >= 0 && s.cursor_b >= 0) {
      double dt = std::abs(s.cursor_b - s.cursor_a) / hz;
      text += dt > 0 ? fmt::format("B-A {:.3f} us  ({:.3f} Hz)", dt * 1e6, 1 / dt) : "B-A 0";
    }
    ImGui::TextUnformatted(text.c_str());
  } else {
    ImGui::TextDisabled("wheel: zoom   drag: pan   left click: cursor A   right click: cursor B");
  }
  ImGui::End();
}

}  // namespace boardemu::gui
