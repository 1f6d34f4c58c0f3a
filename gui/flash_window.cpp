// Flash: the board's flash chip and the parts' memories as a map of 4 KiB sectors: blank
// (all 0xFF), holding data, and erased or programmed recently (brighter the more recent).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "gui/windows.hpp"

namespace boardemu::gui {

void draw_flash(Frame& f) {
  if (!ImGui::Begin("Flash")) {
    ImGui::End();
    return;
  }
  const BoardState& s = f.state;
  if (s.flash.empty()) ImGui::TextDisabled("this board has no flash chip");
  for (const FlashView& v : s.flash) {
    ImGui::Text("%s: %u KiB, %llu erase/program operations", v.name.c_str(), v.size / 1024,
                static_cast<unsigned long long>(v.total_writes));
    if (!v.partitions.empty() &&
        ImGui::BeginTable(("partitions" + v.name).c_str(), 5, ImGuiTableFlags_SizingFixedFit | ImGuiTableFlags_RowBg)) {
      for (const char* h : {"partition", "kind", "offset", "size", "in use"}) ImGui::TableSetupColumn(h);
      ImGui::TableHeadersRow();
      for (const FlashPartition& p : v.partitions) {
        std::size_t used = 0, total = 0;
        for (std::uint32_t a = p.offset; a < p.offset + p.size && a / v.sector < v.blank.size(); a += v.sector, ++total)
          used += !v.blank[a / v.sector];
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(p.name.c_str());
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(to_string(p.kind));
        ImGui::TableNextColumn();
        ImGui::Text("0x%06X", p.offset);
        ImGui::TableNextColumn();
        ImGui::Text("%u KiB", p.size / 1024);
        ImGui::TableNextColumn();
        ImGui::Text("%zu of %zu sectors", used, total);
      }
      ImGui::EndTable();
    }
    for (const auto& [name, files] : v.files) {
      std::string title = fmt::format("files of {} ({})###files-{}", name,
                                      files.status.empty() ? fmt::format("{} entries", files.entries.size()) : files.status,
                                      name);
      ImGui::SetNextItemOpen(true, ImGuiCond_FirstUseEver);
      if (!ImGui::TreeNode(title.c_str())) continue;
      if (!files.status.empty()) ImGui::TextDisabled("%s", files.status.c_str());
      if (!files.entries.empty() &&
          ImGui::BeginTable(("files" + name).c_str(), 2, ImGuiTableFlags_SizingFixedFit | ImGuiTableFlags_RowBg)) {
        for (const FsEntry& e : files.entries) {
          ImGui::TableNextRow();
          ImGui::TableNextColumn();
          if (e.directory)
            ImGui::TextColored(ImVec4(0.6f, 0.8f, 1, 1), "%s/", e.path.c_str());
          else
            ImGui::TextUnformatted(e.path.c_str());
          note_widget("flash:file:" + name + ":" + e.path);
          ImGui::TableNextColumn();
          if (!e.directory)
            ImGui::Text("%llu B%s", static_cast<unsigned long long>(e.size), e.bytecode ? ", .mpy" : "");
        }
        ImGui::EndTable();
      }
      ImGui::TreePop();
    }
    const int cols = 64;
    const float cell = std::max(3.0f, std::floor((ImGui::GetContentRegionAvail().x - 4) / cols));
    ImVec2 o = ImGui::GetCursorScreenPos();
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const std::size_t n = v.writes.size();
    const int rows = static_cast<int>((n + cols - 1) / cols);
    const double second = static_cast<double>(s.hz);
    int hovered = -1;
    for (std::size_t i = 0; i < n; ++i) {
      float x = o.x + static_cast<float>(i % cols) * cell, y = o.y + static_cast<float>(i / cols) * cell;
      ImU32 c = v.blank[i] ? IM_COL32(40, 40, 48, 255) : IM_COL32(70, 110, 160, 255);
      if (v.writes[i]) {
        // Written: orange fading to the data colour over ten seconds of virtual time.
        double age = static_cast<double>(s.now - v.last_write[i]) / second;
        float heat = static_cast<float>(std::clamp(1.0 - age / 10.0, 0.0, 1.0));
        c = ImGui::GetColorU32(ImVec4(0.27f + 0.73f * heat, 0.43f + 0.2f * heat, 0.63f - 0.5f * heat, 1));
      }
      dl->AddRectFilled(ImVec2(x, y), ImVec2(x + cell - 1, y + cell - 1), c);
      if (ImGui::IsMouseHoveringRect(ImVec2(x, y), ImVec2(x + cell, y + cell))) hovered = static_cast<int>(i);
    }
    ImGui::Dummy(ImVec2(cell * cols, cell * static_cast<float>(rows) + 4));
    if (hovered >= 0 && ImGui::IsWindowHovered()) {
      const std::size_t i = static_cast<std::size_t>(hovered);
      ImGui::BeginTooltip();
      ImGui::Text("sector %zu: 0x%06zX..0x%06zX", i, i * v.sector, (i + 1) * v.sector - 1);
      ImGui::Text("%s", v.blank[i] ? "blank (all FF)" : "holds data");
      if (v.writes[i])
        ImGui::Text("%u operations, last at %s", v.writes[i], format_time(v.last_write[i], s.hz).c_str());
      ImGui::EndTooltip();
    }
  }
  ImGui::End();
}

}  // namespace boardemu::gui
