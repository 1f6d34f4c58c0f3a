// UART consoles: one tab per UART with a GUI console. Keys typed while the console has focus go
// to the guest as a terminal would send them (Enter is CR, Backspace DEL, arrows ESC [ A..D,
// Ctrl+letter its control code); Paste sends the clipboard, Copy takes the whole scrollback.
#include <fmt/format.h>

#include "gui/windows.hpp"

namespace boardemu::gui {

bool draw_consoles(Frame& f, std::map<std::string, ConsoleState>& states) {
  bool focused = false;
  if (!ImGui::Begin("UART consoles")) {
    ImGui::End();
    return false;
  }
  const auto& consoles = f.live.consoles();
  if (consoles.empty()) ImGui::TextDisabled("every UART is connected to a host backend (--uartN)");
  if (ImGui::BeginTabBar("uarts")) {
    for (ConsoleBackend* c : consoles) {
      if (!ImGui::BeginTabItem(c->uart().c_str())) continue;
      ConsoleState& st = states[c->uart()];
      if (ImGui::SmallButton("Copy all")) c->with_screen([](const Terminal& t) { ImGui::SetClipboardText(t.text().c_str()); });
      ImGui::SameLine();
      if (ImGui::SmallButton("Paste")) {
        if (const char* clip = ImGui::GetClipboardText()) {
          std::string text = clip;
          for (char& ch : text)
            if (ch == '\n') ch = '\r';
          c->type(text);
        }
      }
      ImGui::SameLine();
      if (ImGui::SmallButton("Clear")) c->clear_screen();
      ImGui::SameLine();
      ImGui::Checkbox("follow", &st.follow);
      ImGui::SameLine();
      ImGui::TextDisabled("%llu bytes from the guest", static_cast<unsigned long long>(c->bytes_from_guest()));

      ImGui::PushStyleColor(ImGuiCol_ChildBg, ImVec4(0.05f, 0.05f, 0.06f, 1));
      ImGui::BeginChild("screen", ImVec2(0, 0), true, ImGuiWindowFlags_HorizontalScrollbar);
      note_widget("console:" + c->uart(), ImGui::GetWindowPos(),
                  ImVec2(ImGui::GetWindowPos().x + ImGui::GetWindowSize().x, ImGui::GetWindowPos().y + ImGui::GetWindowSize().y));
      const bool has_focus = ImGui::IsWindowFocused();
      focused |= has_focus;
      if (has_focus) {
        if (!f.typed.empty()) {
          c->type(f.typed);
          st.follow = true;
        }
      }
      c->with_screen([&](const Terminal& t) {
        const auto& lines = t.lines();
        ImGuiListClipper clipper;
        clipper.Begin(static_cast<int>(lines.size()));
        while (clipper.Step()) {
          for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i) {
            const std::string& line = lines[static_cast<std::size_t>(i)];
            ImVec2 at = ImGui::GetCursorScreenPos();
            ImGui::TextUnformatted(line.empty() ? " " : line.c_str());
            if (static_cast<std::size_t>(i) == t.cursor_line()) {
              // The cursor: a block, solid while the console has the keyboard.
              const float cw = ImGui::CalcTextSize("M").x, lh = ImGui::GetTextLineHeight();
              ImVec2 c0(at.x + cw * static_cast<float>(t.cursor_column()), at.y);
              ImVec2 c1(c0.x + cw, c0.y + lh);
              if (has_focus)
                ImGui::GetWindowDrawList()->AddRectFilled(c0, c1, IM_COL32(200, 200, 200, 160));
              else
                ImGui::GetWindowDrawList()->AddRect(c0, c1, IM_COL32(200, 200, 200, 160));
            }
          }
        }
      });
      if (st.follow) ImGui::SetScrollHereY(1.0f);
      if (ImGui::GetScrollY() < ImGui::GetScrollMaxY() - 4 && ImGui::GetIO().MouseWheel != 0 && ImGui::IsWindowHovered())
        st.follow = false;
      ImGui::EndChild();
      ImGui::PopStyleColor();
      ImGui::EndTabItem();
    }
    ImGui::EndTabBar();
  }
  ImGui::End();
  return focused;
}

}  // namespace boardemu::gui
