// Bus monitor: the decoded messages of the circuit's I2C and SPI buses (and, if asked, the
// bytes on the UARTs) in a table: virtual time, bus, device, message. A filter keeps the rows
// whose bus, device or text contains it.
#include <fmt/format.h>

#include <cctype>

#include "gui/windows.hpp"

namespace boardemu::gui {

std::string message_text(const BusMessage& m) {
  if (!m.text.empty()) return m.text;
  // UART bytes: printable text with the rest escaped.
  std::string s = "\"";
  for (std::uint8_t b : m.bytes) {
    if (b == '\r') s += "\\r";
    else if (b == '\n') s += "\\n";
    else if (b >= 0x20 && b < 0x7f) s.push_back(static_cast<char>(b));
    else s += fmt::format("\\x{:02x}", b);
  }
  return s + "\"";
}

namespace {

bool contains(const std::string& haystack, const char* needle) {
  if (!*needle) return true;
  std::string h = haystack, n = needle;
  for (char& c : h) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (char& c : n) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return h.find(n) != std::string::npos;
}

bool is_uart(const BusMessage& m) { return m.bus.rfind("uart", 0) == 0; }

}  // namespace

void draw_bus_monitor(Frame& f, BusMonitorState& s) {
  if (!ImGui::Begin("Bus monitor")) {
    ImGui::End();
    return;
  }
  ImGui::SetNextItemWidth(200);
  ImGui::InputTextWithHint("##filter", "filter (bus, device, bytes)", s.filter, sizeof s.filter);
  ImGui::SameLine();
  ImGui::Checkbox("UART bytes", &s.show_uart);
  ImGui::SameLine();
  ImGui::Checkbox("follow", &s.follow);
  std::vector<const BusMessage*> rows;
  for (const BusMessage& m : f.messages) {
    if (is_uart(m) && !s.show_uart) continue;
    std::string text = message_text(m);
    if (!contains(m.bus, s.filter) && !contains(m.device, s.filter) && !contains(text, s.filter)) continue;
    rows.push_back(&m);
  }
  ImGui::SameLine();
  ImGui::TextDisabled("%zu messages", rows.size());
  const ImGuiTableFlags flags = ImGuiTableFlags_ScrollY | ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV |
                                ImGuiTableFlags_Resizable | ImGuiTableFlags_SizingFixedFit;
  if (ImGui::BeginTable("messages", 4, flags)) {
    ImGui::TableSetupScrollFreeze(0, 1);
    ImGui::TableSetupColumn("time");
    ImGui::TableSetupColumn("bus");
    ImGui::TableSetupColumn("device");
    ImGui::TableSetupColumn("message", ImGuiTableColumnFlags_WidthStretch);
    ImGui::TableHeadersRow();
    ImGuiListClipper clipper;
    clipper.Begin(static_cast<int>(rows.size()));
    while (clipper.Step()) {
      for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i) {
        const BusMessage& m = *rows[static_cast<std::size_t>(i)];
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(format_time(m.start, f.state.hz).c_str());
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(m.bus.c_str());
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(m.device.empty() ? "-" : m.device.c_str());
        ImGui::TableNextColumn();
        std::string text = message_text(m);
        if (m.ok)
          ImGui::TextUnformatted(text.c_str());
        else
          ImGui::TextColored(ImVec4(1, 0.5f, 0.4f, 1), "%s", text.c_str());
      }
    }
    if (s.follow && ImGui::GetScrollY() >= ImGui::GetScrollMaxY() - 2) ImGui::SetScrollHereY(1.0f);
    ImGui::EndTable();
  }
  ImGui::End();
}

}  // namespace boardemu::gui
