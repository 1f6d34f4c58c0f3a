// Peripherals: every device with its window and, where the model declares them as data, its
// registers by datasheet name. Values are peeks (Device::peek): reading them here pops no FIFO
// and clears no status. A value that changed since the last frame is drawn brighter.
#include <fmt/format.h>

#include "gui/windows.hpp"

namespace boardemu::gui {

void draw_peripherals(Frame& f, PeripheralsState& ps) {
  if (!ImGui::Begin("Peripherals")) {
    ImGui::End();
    return;
  }
  for (const DeviceView& d : f.state.devices) {
    std::string title = fmt::format("{}  ({}, 0x{:08X})###{}", d.name, d.model, d.base, d.name);
    if (!ImGui::TreeNode(title.c_str())) continue;
    if (d.registers.empty()) {
      ImGui::TextDisabled("the model declares no registers as data");
    } else if (ImGui::BeginTable("regs", 3, ImGuiTableFlags_SizingFixedFit | ImGuiTableFlags_RowBg)) {
      auto& prev = ps.previous[d.name];
      for (const RegisterView& r : d.registers) {
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::TextDisabled("+%03X", r.offset);
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(r.name.c_str());
        ImGui::TableNextColumn();
        auto it = prev.find(r.offset);
        bool changed = it != prev.end() && it->second != r.value;
        if (changed)
          ImGui::TextColored(ImVec4(1, 0.85f, 0.3f, 1), "%08X", r.value);
        else
          ImGui::Text("%08X", r.value);
        prev[r.offset] = r.value;
      }
      ImGui::EndTable();
    }
    ImGui::TreePop();
  }
  ImGui::End();
}

}  // namespace boardemu::gui
