// Board view: the chip with its pins around it, and the circuit's parts drawn live.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "gui/windows.hpp"

namespace boardemu::gui {

namespace {

const char* direction(Drive d) {
  switch (d) {
    case Drive::low:
    case Drive::high: return "out";
    case Drive::pull_up: return "in, pull-up";
    case Drive::pull_down: return "in, pull-down";
    case Drive::analog: return "analog";
    default: return "in";
  }
}

const char* level_name(Level l) {
  switch (l) {
    case Level::high: return "high";
    case Level::low: return "low";
    case Level::contention: return "contention";
    default: return "floating";
  }
}

void pin_tooltip(const PinView& p) {
  ImGui::BeginTooltip();
  ImGui::Text("%s", p.name.c_str());
  ImGui::Text("function  %s", p.function.empty() ? "-" : p.function.c_str());
  ImGui::Text("direction %s", direction(p.drive));
  ImGui::Text("level     %s (%.2f V)", level_name(p.level), p.volts);
  ImGui::Text("net       %s", p.net.c_str());
  if (p.wired.empty()) {
    ImGui::TextDisabled("nothing else on this net");
  } else {
    ImGui::Text("wired to:");
    for (const std::string& w : p.wired) ImGui::BulletText("%s", w.c_str());
  }
  ImGui::EndTooltip();
}

// The colour a LED part glows in, from its circuit parameter `color`.
ImVec4 led_colour(const PartView& p) {
  auto it = p.params.find("color");
  std::string c = it == p.params.end() ? "red" : it->second;
  if (c == "green") return {0.2f, 1.0f, 0.3f, 1};
  if (c == "blue") return {0.3f, 0.5f, 1.0f, 1};
  if (c == "yellow") return {1.0f, 0.9f, 0.2f, 1};
  if (c == "white") return {1.0f, 1.0f, 1.0f, 1};
  if (c == "orange") return {1.0f, 0.6f, 0.1f, 1};
  return {1.0f, 0.15f, 0.1f, 1};
}

double reading(const PartView& p, const std::string& name, double fallback = 0) {
  for (const auto& [n, v] : p.readings)
    if (n == name) return v;
  for (const auto& [n, v] : p.controls)
    if (n == name) return v;
  return fallback;
}

// A control's slider range and format by its name (the parts' headers give the units).
struct Range {
  float lo, hi;
  const char* format;
};
Range range_of(const std::string& control) {
  if (control == "temperature") return {-40, 85, "%.1f C"};
  if (control == "pressure") return {30000, 110000, "%.0f Pa"};
  if (control == "humidity") return {0, 100, "%.1f %%RH"};
  if (control == "position") return {0, 1, "%.3f"};
  return {0, 1, "%.3f"};
}

void draw_display(Frame& f, BoardViewState& s, const PartView& p) {
  const Part::Picture& pic = *p.picture;
  if (pic.width == 0 || pic.height == 0) return;
  SDL_Texture*& tex = s.textures[p.id];
  int tw = 0, th = 0;
  if (tex) SDL_QueryTexture(tex, nullptr, nullptr, &tw, &th);
  if (!tex || tw != static_cast<int>(pic.width) || th != static_cast<int>(pic.height)) {
    if (tex) SDL_DestroyTexture(tex);
    tex = SDL_CreateTexture(f.renderer, SDL_PIXELFORMAT_RGB24, SDL_TEXTUREACCESS_STREAMING,
                            static_cast<int>(pic.width), static_cast<int>(pic.height));
    if (!tex) return;
    SDL_SetTextureScaleMode(tex, SDL_ScaleModeNearest);  // pixel-exact at any zoom
  }
  // An OLED's lit pixels in its blue-white, dark ones black.
  std::vector<std::uint8_t> rgb(pic.luminance.size() * 3);
  for (std::size_t i = 0; i < pic.luminance.size(); ++i) {
    std::uint8_t l = pic.luminance[i];
    rgb[3 * i] = static_cast<std::uint8_t>(l * 200 / 255);
    rgb[3 * i + 1] = static_cast<std::uint8_t>(l * 230 / 255);
    rgb[3 * i + 2] = l;
  }
  SDL_UpdateTexture(tex, nullptr, rgb.data(), static_cast<int>(pic.width * 3));
  const float scale = 2.0f;
  ImGui::Image(reinterpret_cast<ImTextureID>(tex), ImVec2(pic.width * scale, pic.height * scale));
  note_widget("display:" + p.id);
}

void draw_part(Frame& f, BoardViewState& s, const PartView& p, int key) {
  ImGui::PushID(p.id.c_str());
  ImGui::BeginGroup();
  ImGui::TextColored(ImVec4(0.9f, 0.8f, 0.4f, 1), "%s", p.id.c_str());
  ImGui::SameLine();
  ImGui::TextDisabled("%s", p.type.c_str());
  ImDrawList* dl = ImGui::GetWindowDrawList();

  bool has_brightness = false;
  for (const auto& [n, v] : p.readings) has_brightness |= n == "brightness";
  if (has_brightness) {
    // A LED: its body, glowing with its brightness.
    const float b = static_cast<float>(std::clamp(reading(p, "brightness"), 0.0, 1.0));
    ImVec4 c = led_colour(p);
    ImVec2 at = ImGui::GetCursorScreenPos();
    ImVec2 centre(at.x + 18, at.y + 16);
    if (b > 0) dl->AddCircleFilled(centre, 16, ImGui::GetColorU32(ImVec4(c.x, c.y, c.z, 0.35f * b)), 32);
    ImVec4 body(0.18f + c.x * 0.8f * b, 0.18f + c.y * 0.8f * b, 0.18f + c.z * 0.8f * b, 1);
    dl->AddCircleFilled(centre, 11, ImGui::GetColorU32(body), 32);
    dl->AddCircle(centre, 11, IM_COL32(200, 200, 200, 120), 32);
    ImGui::Dummy(ImVec2(36, 32));
    note_widget("led:" + p.id);
    ImGui::SameLine();
    ImGui::Text("%s  %3.0f%%", b > 0.5 ? "on " : "off", b * 100.0);
  }
  for (const auto& [control, value] : p.controls) {
    if (control == "pressed") {
      // A push button: pressed while the mouse holds it (or its key is down).
      bool down = value != 0;
      if (down) ImGui::PushStyleColor(ImGuiCol_Button, ImVec4(0.8f, 0.4f, 0.1f, 1));
      std::string label = key ? fmt::format("press  [{}]", key) : std::string("press");
      ImGui::Button(label.c_str(), ImVec2(110, 28));
      note_widget("button:" + p.id);
      if (down) ImGui::PopStyleColor();
      bool held = ImGui::IsItemActive();
      if (key && !f.console_focused) {
        // Digit keys 1..9 hold buttons while the console does not have the keyboard.
        held |= ImGui::IsKeyDown(SDL_SCANCODE_1 + key - 1) || f.pressed(SDL_SCANCODE_1 + key - 1);
      }
      bool& was = s.key_held[p.id];
      if (held != was) {
        f.live.set_control(p.id, "pressed", held ? 1 : 0);
        was = held;
      }
    } else if (p.type == "slide-switch" && control == "position") {
      // A slide switch: click a side, or its digit key flips it.
      int pos = static_cast<int>(value);
      if (ImGui::RadioButton("1-2", pos == 0)) f.live.set_control(p.id, control, 0);
      ImGui::SameLine();
      if (ImGui::RadioButton("2-3", pos == 1)) f.live.set_control(p.id, control, 1);
      note_widget("switch:" + p.id);
      if (key) {
        ImGui::SameLine();
        ImGui::TextDisabled("[%d]", key);
        if (!f.console_focused && f.pressed(SDL_SCANCODE_1 + key - 1))
          f.live.set_control(p.id, control, pos ? 0 : 1);
      }
    } else {
      Range r = range_of(control);
      float v = static_cast<float>(value);
      ImGui::SetNextItemWidth(-95);
      if (ImGui::SliderFloat(control.c_str(), &v, r.lo, r.hi, r.format)) f.live.set_control(p.id, control, v);
      // The slider's frame, without its label.
      const float frame_w = ImGui::GetItemRectSize().x - ImGui::CalcTextSize(control.c_str()).x -
                            ImGui::GetStyle().ItemInnerSpacing.x;
      note_widget("slider:" + p.id + "." + control, ImGui::GetItemRectMin(),
                  ImVec2(ImGui::GetItemRectMin().x + frame_w, ImGui::GetItemRectMax().y));
    }
  }
  for (const auto& [name, value] : p.readings) {
    bool is_control = false;
    for (const auto& c : p.controls) is_control |= c.first == name;
    if (is_control || name == "brightness" || name == "lit") continue;
    ImGui::TextDisabled("%s %.3f", name.c_str(), value);
  }
  if (p.picture) draw_display(f, s, p);
  ImGui::EndGroup();
  if (ImGui::IsItemHovered() && !p.pins.empty()) {
    ImGui::BeginTooltip();
    for (const std::string& pin : p.pins) ImGui::Text("%s", pin.c_str());
    ImGui::EndTooltip();
  }
  ImGui::PopID();
}

}  // namespace

BoardViewState::~BoardViewState() {
  for (auto& [id, tex] : textures)
    if (tex) SDL_DestroyTexture(tex);
}

void draw_board_view(Frame& f, BoardViewState& s) {
  if (!ImGui::Begin("Board view")) {
    ImGui::End();
    return;
  }
  const BoardState& st = f.state;
  // The chip: a package with its pins on the left and right, alternately.
  const auto& pins = st.chip_pins;
  const std::size_t left = (pins.size() + 1) / 2;
  const float pitch = 22, pin_w = 14, label_w = 124;
  const float chip_w = 96;
  const float chip_h = std::max(80.0f, pitch * static_cast<float>(left) + 16);
  ImVec2 origin = ImGui::GetCursorScreenPos();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  ImVec2 chip0(origin.x + label_w + pin_w, origin.y + 4);
  ImVec2 chip1(chip0.x + chip_w, chip0.y + chip_h);
  dl->AddRectFilled(chip0, chip1, IM_COL32(45, 45, 52, 255), 4);
  dl->AddRect(chip0, chip1, IM_COL32(150, 150, 160, 255), 4);
  dl->AddText(ImVec2(chip0.x + 8, chip0.y + 8), IM_COL32(230, 230, 230, 255), st.board.c_str());
  dl->AddText(ImVec2(chip0.x + 8, chip0.y + 24), IM_COL32(160, 160, 170, 255), st.arch.c_str());
  for (std::size_t i = 0; i < pins.size(); ++i) {
    const PinView& p = pins[i];
    const bool on_left = i < left;
    const std::size_t row = on_left ? i : i - left;
    const float y = chip0.y + 12 + pitch * static_cast<float>(row);
    ImVec2 a = on_left ? ImVec2(chip0.x - pin_w, y) : ImVec2(chip1.x, y);
    ImVec2 b(a.x + pin_w, y + 12);
    dl->AddRectFilled(a, b, level_colour(p.level));
    dl->AddRect(a, b, IM_COL32(180, 180, 180, 255));
    note_widget("pin:" + p.name, a, b);
    std::string text = p.label;
    if (!p.function.empty() && p.function != "GPIO") text += " " + p.function;
    text += p.drive == Drive::low || p.drive == Drive::high ? " >" : " <";
    ImVec2 size = ImGui::CalcTextSize(text.c_str());
    ImVec2 at = on_left ? ImVec2(a.x - 4 - size.x, y - 1) : ImVec2(b.x + 4, y - 1);
    const bool wired = !p.wired.empty();
    dl->AddText(at, wired ? IM_COL32(240, 240, 240, 255) : IM_COL32(150, 150, 150, 255), text.c_str());
    // Hovering the pin or its label shows its net.
    ImVec2 h0(std::min(a.x, at.x), y - 2), h1(std::max(b.x, at.x + size.x), y + 14);
    if (ImGui::IsMouseHoveringRect(h0, h1) && ImGui::IsWindowHovered()) pin_tooltip(p);
  }
  ImGui::Dummy(ImVec2(2 * (label_w + pin_w) + chip_w, chip_h + 12));

  // Parts: to the right of the chip when there is room, else below it.
  const float parts_x = 2 * (label_w + pin_w) + chip_w + 16;
  const bool beside = ImGui::GetWindowContentRegionMax().x > parts_x + 220;
  if (beside) ImGui::SetCursorScreenPos(ImVec2(origin.x + parts_x, origin.y));
  ImGui::BeginGroup();
  if (st.parts.empty()) ImGui::TextDisabled("no circuit (--circuit FILE wires parts to the pins)");
  // Buttons and switches get the digit keys 1..9, in circuit order.
  int key = 0;
  for (const PartView& p : st.parts) {
    bool keyed = p.type == "slide-switch";
    for (const auto& c : p.controls) keyed |= c.first == "pressed";
    draw_part(f, s, p, keyed && key < 9 ? ++key : 0);
    ImGui::Separator();
  }
  ImGui::EndGroup();
  ImGui::End();
}

}  // namespace boardemu::gui
