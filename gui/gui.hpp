// boardemu's desktop GUI (SDL2 + Dear ImGui): the board live, its pins, parts, buses, consoles,
// CPU, peripheral registers and flash. It is an observer and controller from outside, built on
// the machine's nets, parts and probe API; nothing in the emulator includes a GUI header.
//
//   boardemu gui --board esp8266 --circuit examples/esp8266/weather-station.yaml
//
// The emulator runs in its own thread (gui/live_board.hpp); the window reads published state
// between run slices, so the same firmware gives the same cycle counts with the GUI as without.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

#include "cli/session.hpp"

namespace boardemu::gui {

struct GuiOptions {
  std::string screenshot;     // --screenshot FILE: render at --at-virtual-ms, write PNG, exit
  std::string at_virtual_ms;  // as typed
  std::string speed = "1";    // 1 = real time; a factor (0.1, 0.5, 2); "max" = as fast as possible
  std::string layout;         // where the window layout is kept (default: ~/.config/boardemu/gui.ini)
  std::string size = "1400x900";  // window size WxH
  bool paused = false;        // start paused
};

void add_gui_options(CLI::App* cmd, GuiOptions& options);

// Opens the session (the same checks and messages as `run`), then the window; returns the
// process's exit status.
int run_gui(cli::Session& session, const GuiOptions& options);

}  // namespace boardemu::gui
