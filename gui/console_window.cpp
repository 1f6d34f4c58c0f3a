// UART consoles: one tab per UART with a GUI console. Keys typed while the console has focus go
// to the guest as a terminal would send them (Enter is CR, Backspace DEL, arrows ESC [ A..D,
// Ctrl+letter its control code); Paste sends the clipboard, Copy takes the whole scrollback.
#include <fmt/format.h>

#include "gui/windows.hpp"

namespace boardemu::gui {

namespace {

std::string utf8(ImWchar c) {
  std::string out;
  unsigned u = c;
  if (u < 0x80) {
    out.push_back(static_cast<char>(u));
  } else if (u < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (u >> 6)));
    out.push_back(static_cast<char>(0x80 | (u & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xE0 | (u >> 12)));
    out.push_back(static_cast<char>(0x80 | ((u >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (u & 0x3F)));
  }
  return out;
}

// What the keyboard produced this frame, as terminal bytes.
std::string typed_bytes() {
  ImGuiIO& io = ImGui::GetIO();
  std::string out;
  if (io.KeyCtrl) {
    for (int k = SDL_SCANCODE_A; k <= SDL_SCANCODE_Z; ++k)
      if (ImGui::IsKeyPressed(k)) out.push_back(static_cast<char>(k - SDL_SCANCODE_A + 1));
  } else {
    for (ImWchar c : io.InputQueueCharacters) out += utf8(c);
  }
  struct Key {
    int scancode;
    const char* bytes;
  };
  static const Key keys[] = {
      {SDL_SCANCODE_RETURN, "\r"},     {SDL_SCANCODE_KP_ENTER, "\r"}, {SDL_SCANCODE_BACKSPACE, "\x7f"},
      {SDL_SCANCODE_TAB, "\t"},        {SDL_SCANCODE_ESCAPE, "\x1b"}, {SDL_SCANCODE_UP, "\x1b[A"},
      {SDL_SCANCODE_DOWN, "\x1b[B"},   {SDL_SCANCODE_RIGHT, "\x1b[C"}, {SDL_SCANCODE_LEFT, "\x1b[D"},
      {SDL_SCANCODE_HOME, "\x1b[H"},   {SDL_SCANCODE_END, "\x1b[F"},  {SDL_SCANCODE_DELETE, "\x1b[3~"},
  };
  for (const Key& k : keys)
    if (ImGui::IsKeyPressed(k.scancode)) out += k.bytes;
  return out;
}

}  // namespace

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
      const bool has_focus = ImGui::IsWindowFocused();
      focused |= has_focus;
      if (has_focus) {
        std::string bytes = typed_bytes();
        if (!bytes.empty()) {
          c->type(bytes);
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
