// The GUI's windows. Each draws one frame from the published BoardState and the history the
// frame loop collected, and sends user actions to the LiveBoard as commands. Windows hold their
// own view state (zoom, filters, selections) in a struct the frame loop keeps.
#pragma once

#include <SDL.h>
#include <imgui.h>

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gui/live_board.hpp"

namespace boardemu::gui {

// What every window gets for one frame.
struct Frame {
  LiveBoard& live;
  const BoardState& state;
  std::map<std::string, Trace>& traces;   // every net's history (by net name)
  std::vector<BusMessage>& messages;      // decoded bus messages and UART bytes, oldest first
  SDL_Renderer* renderer;
  // Screenshot mode: the picture must depend on virtual time only, so nothing that measures
  // host time (speed achieved, effective MHz) is shown and nothing animates.
  bool deterministic = false;
  // The console had the keyboard in the last frame (keys then go to the guest, not to
  // shortcuts such as the buttons' digit keys).
  bool console_focused = false;
  // What the keyboard typed since the last frame, in order, as a terminal sends it (Enter is
  // CR, Backspace DEL, arrows ESC [ A..D, Ctrl+letter its control code): for the console.
  const std::string& typed;
  // The keys pressed since the last frame (SDL scancodes, in order), however short the press:
  // ImGui's per-frame key state misses a press and release within one frame.
  const std::vector<int>& key_presses;
  bool pressed(int scancode) const {
    return std::find(key_presses.begin(), key_presses.end(), scancode) != key_presses.end();
  }
};

// Level colours shared by the board view and the logic analyzer.
ImU32 level_colour(Level level);

// ---- Board view (gui/board_view.cpp) ----
struct BoardViewState {
  std::map<std::string, SDL_Texture*> textures;  // display parts' pictures, by part id
  std::map<std::string, int> key_of_part;        // keyboard shortcuts of buttons (1..9)
  std::map<std::string, bool> key_held;
  ~BoardViewState();
};
void draw_board_view(Frame& f, BoardViewState& s);

// ---- Logic analyzer (gui/logic_analyzer.cpp) ----
struct LogicAnalyzerState {
  std::vector<std::string> shown;  // net names shown, in order (empty at first: chosen on first draw)
  bool initialised = false;
  double cycles_per_pixel = 0;     // zoom (0: fit on first draw)
  double right_edge = 0;           // virtual time (cycles) at the right edge
  bool follow = true;              // keep the right edge at "now"
  double cursor_a = -1, cursor_b = -1;  // cursors in cycles (-1: not placed)
  std::string export_path = "boardemu-gui.vcd";
  std::string export_message;
};
void draw_logic_analyzer(Frame& f, LogicAnalyzerState& s);

// ---- Bus monitor (gui/bus_monitor.cpp) ----
struct BusMonitorState {
  char filter[128] = "";
  bool show_uart = false;
  bool follow = true;
};
void draw_bus_monitor(Frame& f, BusMonitorState& s);

// ---- UART consoles (gui/console_window.cpp) ----
struct ConsoleState {
  bool follow = true;
};
// Returns whether a console has the keyboard.
bool draw_consoles(Frame& f, std::map<std::string, ConsoleState>& s);

// ---- CPU (gui/cpu_window.cpp) ----
struct CpuState {
  std::string last_error;  // of the last command that failed (a control out of range, a step)
};
void draw_cpu(Frame& f, CpuState& s);

// ---- Peripherals (gui/peripherals_window.cpp) ----
struct PeripheralsState {
  std::map<std::string, std::map<std::uint32_t, std::uint32_t>> previous;  // to mark changes
};
void draw_peripherals(Frame& f, PeripheralsState& s);

// ---- Flash (gui/flash_window.cpp) ----
void draw_flash(Frame& f);

// Where named widgets are on the screen in this frame ("button:btn1", "console:uart0"), for
// tests that click them with xdotool: written to $BOARDEMU_GUI_WIDGETS as "name x0 y0 x1 y1"
// lines when that variable is set. note_widget() takes the last item's rectangle.
void note_widget(const std::string& name);
void note_widget(const std::string& name, ImVec2 min, ImVec2 max);

// A message as one line of text (UART bytes as an escaped string).
std::string message_text(const BusMessage& m);

// Formats virtual time in cycles as "12.345 678 ms" style text at the board's clock.
std::string format_time(Cycles cycles, std::uint64_t hz);

}  // namespace boardemu::gui
