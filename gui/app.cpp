// The GUI's frame loop: the SDL window, Dear ImGui, the windows, screenshots.
#include <SDL.h>
#include <imgui.h>
#include <imgui_impl_sdl.h>
#include <imgui_impl_sdlrenderer.h>

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

#include "core/png.hpp"
#include "gui/gui.hpp"
#include "gui/windows.hpp"

namespace boardemu::gui {

namespace {

using cli::fail;
using cli::kExitBadInput;
using cli::kExitUsage;

// Where the window layout is kept between runs.
std::string default_layout_path() {
  std::string base;
  if (const char* x = std::getenv("XDG_CONFIG_HOME"); x && *x)
    base = x;
  else if (const char* h = std::getenv("HOME"); h && *h)
    base = std::string(h) + "/.config";
  else
    return {};
  return base + "/boardemu/gui.ini";
}

bool parse_size(const std::string& text, int* w, int* h) {
  unsigned a = 0, b = 0;
  char x = 0, extra = 0;
  if (std::sscanf(text.c_str(), "%u%c%u%c", &a, &x, &b, &extra) != 3 || (x != 'x' && x != 'X')) return false;
  if (a < 320 || b < 240 || a > 8192 || b > 8192) return false;
  *w = static_cast<int>(a);
  *h = static_cast<int>(b);
  return true;
}

struct Windows {
  bool board = true, logic = true, bus = true, console = true, cpu = true, peripherals = true, flash = true;
};

// Default places for a first run (and every screenshot): the layout file overrides them.
void place(float x, float y, float w, float h, const ImVec2& display) {
  const float sx = display.x / 1400.0f, sy = (display.y - 20.0f) / 880.0f;
  ImGui::SetNextWindowPos(ImVec2(std::floor(x * sx), std::floor(20.0f + y * sy)), ImGuiCond_FirstUseEver);
  ImGui::SetNextWindowSize(ImVec2(std::floor(w * sx), std::floor(h * sy)), ImGuiCond_FirstUseEver);
}

void draw_menu(Frame& f, Windows& w, bool* quit, bool* save) {
  if (!ImGui::BeginMainMenuBar()) return;
  if (ImGui::BeginMenu("Board")) {
    const bool paused = f.state.run == RunState::paused;
    if (ImGui::MenuItem(paused ? "Run" : "Pause", "F5", false, f.state.run != RunState::ended))
      paused ? f.live.resume() : f.live.pause();
    if (ImGui::MenuItem("Step instruction", "F10", false, paused)) f.live.step();
    if (ImGui::MenuItem("Reset", nullptr, false, f.state.run != RunState::ended)) f.live.reset();
    ImGui::Separator();
    if (ImGui::MenuItem("Save screenshot", "F12")) *save = true;
    if (ImGui::MenuItem("Quit", "Ctrl+Q")) *quit = true;
    ImGui::EndMenu();
  }
  if (ImGui::BeginMenu("Windows")) {
    ImGui::MenuItem("Board view", nullptr, &w.board);
    ImGui::MenuItem("Logic analyzer", nullptr, &w.logic);
    ImGui::MenuItem("Bus monitor", nullptr, &w.bus);
    ImGui::MenuItem("UART consoles", nullptr, &w.console);
    ImGui::MenuItem("CPU", nullptr, &w.cpu);
    ImGui::MenuItem("Peripherals", nullptr, &w.peripherals);
    ImGui::MenuItem("Flash", nullptr, &w.flash);
    ImGui::EndMenu();
  }
  ImGui::Separator();
  ImGui::Text("%s  %s  %s", f.state.board.c_str(), format_time(f.state.now, f.state.hz).c_str(), f.state.status.c_str());
  if (!f.deterministic && f.state.run == RunState::running)
    ImGui::Text("  %.2fx real time, %.1f MHz", f.state.achieved, f.state.effective_mhz);
  ImGui::EndMainMenuBar();
}

// What a key press sends to a terminal, for keys that are not text (SDL_TEXTINPUT brings text).
std::string terminal_bytes(const SDL_KeyboardEvent& k) {
  const SDL_Keycode sym = k.keysym.sym;
  if ((k.keysym.mod & KMOD_CTRL) && sym >= SDLK_a && sym <= SDLK_z && sym != SDLK_q)
    return std::string(1, static_cast<char>(sym - SDLK_a + 1));
  switch (sym) {
    case SDLK_RETURN:
    case SDLK_KP_ENTER: return "\r";
    case SDLK_BACKSPACE: return "\x7f";
    case SDLK_TAB: return "\t";
    case SDLK_ESCAPE: return "\x1b";
    case SDLK_UP: return "\x1b[A";
    case SDLK_DOWN: return "\x1b[B";
    case SDLK_RIGHT: return "\x1b[C";
    case SDLK_LEFT: return "\x1b[D";
    case SDLK_HOME: return "\x1b[H";
    case SDLK_END: return "\x1b[F";
    case SDLK_DELETE: return "\x1b[3~";
    default: return {};
  }
}

// The widgets noted this frame (note_widget), written out for tests.
std::map<std::string, std::pair<ImVec2, ImVec2>> g_widgets;

void write_widgets(const char* path, const BoardState& st) {
  // And the run's state, as "state:<running|paused|ended> cycles instructions pc 0".
  const char* run = st.run == RunState::running ? "running" : st.run == RunState::paused ? "paused" : "ended";
  std::string text = fmt::format("state:{} {} {} {} 0\n", run, st.now, st.instructions, st.pc);
  for (const auto& [name, r] : g_widgets)
    text += fmt::format("{} {:.0f} {:.0f} {:.0f} {:.0f}\n", name, r.first.x, r.first.y, r.second.x, r.second.y);
  std::string tmp = std::string(path) + ".tmp";
  if (std::FILE* out = std::fopen(tmp.c_str(), "w")) {
    std::fputs(text.c_str(), out);
    std::fclose(out);
    std::rename(tmp.c_str(), path);  // readers never see half a file
  }
}

// Saves what the window shows as a PNG; returns an error message or "".
std::string save_png(SDL_Renderer* renderer, const std::string& path) {
  int w = 0, h = 0;
  SDL_GetRendererOutputSize(renderer, &w, &h);
  std::vector<std::uint8_t> rgb(static_cast<std::size_t>(w) * h * 3);
  if (SDL_RenderReadPixels(renderer, nullptr, SDL_PIXELFORMAT_RGB24, rgb.data(), w * 3) != 0)
    return fmt::format("cannot read the window's pixels: {}", SDL_GetError());
  try {
    write_png_rgb8(path, static_cast<unsigned>(w), static_cast<unsigned>(h), rgb);
  } catch (const std::exception& e) {
    return e.what();
  }
  return {};
}

}  // namespace

void note_widget(const std::string& name, ImVec2 min, ImVec2 max) { g_widgets[name] = {min, max}; }
void note_widget(const std::string& name) { note_widget(name, ImGui::GetItemRectMin(), ImGui::GetItemRectMax()); }

ImU32 level_colour(Level level) {
  switch (level) {
    case Level::high: return IM_COL32(80, 220, 90, 255);
    case Level::low: return IM_COL32(40, 70, 45, 255);
    case Level::contention: return IM_COL32(230, 50, 50, 255);
    default: return IM_COL32(110, 110, 120, 255);
  }
}

std::string format_time(Cycles cycles, std::uint64_t hz) {
  if (hz == 0) hz = 1;
  const std::uint64_t us = static_cast<std::uint64_t>(static_cast<unsigned __int128>(cycles) * 1000000 / hz);
  return fmt::format("{}.{:03} {:03} s", us / 1000000, us / 1000 % 1000, us % 1000);
}

void add_gui_options(CLI::App* cmd, GuiOptions& g) {
  cmd->add_option("--screenshot", g.screenshot,
                  "Render the window at --at-virtual-ms to FILE (PNG) and exit; the same picture every run");
  cmd->add_option("--at-virtual-ms", g.at_virtual_ms, "With --screenshot: the virtual time of the picture (ms)");
  cmd->add_option("--speed", g.speed,
                  "Virtual time against real time: 1 (default: a 1 Hz blink blinks at 1 Hz), a factor such as 0.1 "
                  "or 4, or max (as fast as possible)")
      ->capture_default_str();
  cmd->add_option("--layout", g.layout, "Where the window layout is kept (default ~/.config/boardemu/gui.ini)");
  cmd->add_option("--window-size", g.size, "Window size WxH")->capture_default_str();
  cmd->add_flag("--paused", g.paused, "Start paused (Board > Run, or F5, starts the firmware)");
}

int run_gui(cli::Session& session, const GuiOptions& g) {
  // Options first, then the session: nothing opens before everything is known to be right.
  double speed = 1;
  if (g.speed == "max") {
    speed = 0;
  } else {
    char* end = nullptr;
    speed = std::strtod(g.speed.c_str(), &end);
    if (g.speed.empty() || *end || !(speed > 0) || speed > 1000)
      return fail(kExitUsage, fmt::format("--speed: expected max or a factor between 0 and 1000, got '{}'", g.speed));
  }
  int width = 0, height = 0;
  if (!parse_size(g.size, &width, &height))
    return fail(kExitUsage, fmt::format("--window-size: expected WxH of at least 320x240, got '{}'", g.size));
  std::uint64_t at_ms = 0;
  if (!g.screenshot.empty()) {
    if (g.at_virtual_ms.empty()) return fail(kExitUsage, "--screenshot needs --at-virtual-ms N");
    char* end = nullptr;
    at_ms = std::strtoull(g.at_virtual_ms.c_str(), &end, 10);
    if (*end || g.at_virtual_ms[0] == '-' || at_ms > (1ull << 40))
      return fail(kExitUsage, fmt::format("--at-virtual-ms: expected a whole number of milliseconds, got '{}'",
                                          g.at_virtual_ms));
  } else if (!g.at_virtual_ms.empty()) {
    return fail(kExitUsage, "--at-virtual-ms needs --screenshot FILE");
  }
  if (!g.screenshot.empty() && !session.options().gdb.empty())
    return fail(kExitUsage, "--screenshot runs without a debugger: leave out --gdb");
  const bool shot = !g.screenshot.empty();

  // Every UART the user gave no backend gets a console window.
  std::vector<std::unique_ptr<ConsoleBackend>> consoles;
  session.set_default_uart([&](const std::string& uart) -> CharBackend* {
    consoles.push_back(std::make_unique<ConsoleBackend>(uart, &session.machine().scheduler()));
    return consoles.back().get();
  });
  if (int status = session.open()) return status;

  const char* forced = std::getenv("SDL_VIDEODRIVER");
  const bool x11 = std::getenv("DISPLAY") && *std::getenv("DISPLAY");
  const bool wayland = std::getenv("WAYLAND_DISPLAY") && *std::getenv("WAYLAND_DISPLAY");
  const bool display = x11 || wayland;
  if (shot) {
    SDL_SetHint(SDL_HINT_RENDER_DRIVER, "software");  // the same pixels on every machine
    // A screenshot needs no screen: without one, SDL's off-screen video driver draws it.
    if (!forced && !display) SDL_SetHint(SDL_HINT_VIDEODRIVER, "offscreen");
  } else if (!forced) {
    if (!display)
      return fail(kExitBadInput,
                  "gui: no display available (neither DISPLAY nor WAYLAND_DISPLAY is set); use `boardemu run` "
                  "without a window, or run under Xvfb: xvfb-run -a boardemu gui ...");
    // Only the display the environment names (never a console framebuffer; no probing of the
    // other, which prints its own complaints).
    SDL_SetHint(SDL_HINT_VIDEODRIVER, x11 && wayland ? "x11,wayland" : x11 ? "x11" : "wayland");
  }
  SDL_SetHint(SDL_HINT_VIDEO_X11_NET_WM_BYPASS_COMPOSITOR, "0");
  // Software rendering (Mesa's llvmpipe: Xvfb, CI, machines without a GPU driver) starts one
  // render thread per core, which took the emulator thread's core on a 2-core machine: the
  // workload ran 15% slower with the window open, 0% with one render thread. Leave the emulator
  // and the GUI thread a core each (at least one render thread); the environment's own setting
  // wins. GPU drivers ignore the variable.
  if (!std::getenv("LP_NUM_THREADS")) {
    unsigned cores = std::thread::hardware_concurrency();
    setenv("LP_NUM_THREADS", std::to_string(cores > 3 ? cores - 2 : 1).c_str(), 0);
  }
  if (SDL_Init(SDL_INIT_VIDEO) != 0) {
    std::string why = SDL_GetError();
    return fail(kExitBadInput,
                fmt::format("gui: no display available ({}{}); use `boardemu run` without a window, or run under "
                            "Xvfb: xvfb-run -a boardemu gui ...",
                            x11 ? fmt::format("cannot open DISPLAY {}: ", std::getenv("DISPLAY")) : "",
                            why.empty() ? "SDL could not open a video device" : why));
  }
  SDL_Window* window = SDL_CreateWindow(
      fmt::format("boardemu - {}", session.machine().board().name).c_str(), SDL_WINDOWPOS_CENTERED,
      SDL_WINDOWPOS_CENTERED, width, height, shot ? SDL_WINDOW_HIDDEN : (SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI));
  SDL_Renderer* renderer = nullptr;
  if (window) {
    renderer = SDL_CreateRenderer(window, -1, shot ? SDL_RENDERER_SOFTWARE : SDL_RENDERER_ACCELERATED);
    if (!renderer) renderer = SDL_CreateRenderer(window, -1, SDL_RENDERER_SOFTWARE);
  }
  if (!window || !renderer) {
    std::string why = SDL_GetError();
    if (window) SDL_DestroyWindow(window);
    SDL_Quit();
    return fail(kExitBadInput, fmt::format("gui: cannot open a window ({}); use `boardemu run`, or xvfb-run -a", why));
  }

  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  std::string layout = g.layout.empty() ? default_layout_path() : g.layout;
  if (shot || layout.empty()) {
    io.IniFilename = nullptr;  // screenshots always use the default layout
  } else {
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(layout).parent_path(), ec);
    io.IniFilename = layout.c_str();
  }
  ImGui::StyleColorsDark();
  ImGui_ImplSDL2_InitForSDLRenderer(window);
  ImGui_ImplSDLRenderer_Init(renderer);

  std::vector<ConsoleBackend*> console_ptrs;
  for (auto& c : consoles) console_ptrs.push_back(c.get());
  LiveBoard live(session, console_ptrs, shot ? 0 : speed, g.paused && !shot);

  Windows shown;
  BoardViewState board_view;
  LogicAnalyzerState logic;
  BusMonitorState bus;
  std::map<std::string, ConsoleState> console_state;
  PeripheralsState peripherals;
  CpuState cpu;
  std::map<std::string, Trace> traces;
  std::vector<BusMessage> messages;
  bool console_focused = false;
  bool save_requested = false;
  std::string typed;  // keyboard bytes of the events since the last frame
  std::vector<int> key_presses;  // and the keys pressed

  auto frame = [&](bool deterministic, bool* quit) {
    auto state = live.state();
    live.take_history(traces, messages);
    ImGui_ImplSDLRenderer_NewFrame();
    ImGui_ImplSDL2_NewFrame();
    if (deterministic) io.DeltaTime = 1.0f / 60.0f;
    ImGui::NewFrame();
    Frame f{live, *state, traces, messages, renderer, deterministic, console_focused, typed, key_presses};
    draw_menu(f, shown, quit, &save_requested);
    const ImVec2 d = io.DisplaySize;
    if (shown.board) {
      place(0, 0, 700, 520, d);
      draw_board_view(f, board_view);
    }
    if (shown.cpu) {
      place(700, 0, 340, 520, d);
      draw_cpu(f, cpu);
    }
    if (shown.peripherals) {
      place(1040, 0, 360, 250, d);
      draw_peripherals(f, peripherals);
    }
    if (shown.flash) {
      place(1040, 250, 360, 270, d);
      draw_flash(f);
    }
    if (shown.console) {
      place(0, 520, 700, 360, d);
      console_focused = draw_consoles(f, console_state);
    }
    if (shown.logic) {
      place(700, 520, 700, 220, d);
      draw_logic_analyzer(f, logic);
    }
    if (shown.bus) {
      place(700, 740, 700, 140, d);
      draw_bus_monitor(f, bus);
    }
    ImGui::Render();
    SDL_SetRenderDrawColor(renderer, 24, 26, 30, 255);
    SDL_RenderClear(renderer);
    ImGui_ImplSDLRenderer_RenderDrawData(ImGui::GetDrawData());
  };

  int status = 0;
  RunResult result{StopReason::host_quit, 0, {}};
  if (shot) {
    const std::uint64_t hz = session.machine().board().cpu_hz;
    const Cycles at = static_cast<Cycles>(static_cast<unsigned __int128>(at_ms) * hz / 1000);
    RunResult r = live.run_to(at);
    if (r.reason != StopReason::deadline) result = r;
    bool quit = false;
    // A few frames: windows size themselves on their first frames.
    for (int i = 0; i < 4; ++i) {
      SDL_Event e;
      while (SDL_PollEvent(&e)) {
      }
      frame(true, &quit);
    }
    if (std::string err = save_png(renderer, g.screenshot); !err.empty())
      status = fail(kExitBadInput, fmt::format("--screenshot: {}", err));
  } else {
    live.start();
    bool quit = false;
    const char* widgets_file = std::getenv("BOARDEMU_GUI_WIDGETS");
    int shots = 0;
    while (!quit) {
      SDL_Event e;
      bool save = false;
      while (SDL_PollEvent(&e)) {
        ImGui_ImplSDL2_ProcessEvent(&e);
        if (e.type == SDL_KEYDOWN && e.key.keysym.sym == SDLK_F12) save = true;
        if (e.type == SDL_KEYDOWN) typed += terminal_bytes(e.key);
        if (e.type == SDL_KEYDOWN && !e.key.repeat) key_presses.push_back(e.key.keysym.scancode);
        if (e.type == SDL_TEXTINPUT) typed += e.text.text;
        if (e.type == SDL_QUIT) quit = true;
        if (e.type == SDL_WINDOWEVENT && e.window.event == SDL_WINDOWEVENT_CLOSE &&
            e.window.windowID == SDL_GetWindowID(window))
          quit = true;
        if (e.type == SDL_KEYDOWN && e.key.keysym.sym == SDLK_q && (e.key.keysym.mod & KMOD_CTRL)) quit = true;
      }
      if (Machine::quit_requested()) quit = true;  // SIGINT, SIGTERM
      auto t0 = SDL_GetTicks64();
      g_widgets.clear();
      frame(false, &quit);
      typed.clear();
      key_presses.clear();
      if (widgets_file) write_widgets(widgets_file, *live.state());
      if (save || save_requested) {
        // F12 (Board > Save screenshot): the window as it is now, before it is shown.
        save_requested = false;
        std::string path = fmt::format("boardemu-screenshot-{}.png", ++shots);
        std::string err = save_png(renderer, path);
        std::fprintf(stderr, "boardemu: %s\n", err.empty() ? ("screenshot saved to " + path).c_str() : err.c_str());
      }
      SDL_RenderPresent(renderer);
      auto spent = SDL_GetTicks64() - t0;
      if (spent < 16) SDL_Delay(static_cast<Uint32>(16 - spent));  // about 60 frames per second
    }
    result = live.stop();
    if (!live.ended()) result = {StopReason::host_quit, 0, {}};
  }

  ImGui_ImplSDLRenderer_Shutdown();
  ImGui_ImplSDL2_Shutdown();
  ImGui::DestroyContext();  // writes the layout file
  for (auto& [id, tex] : board_view.textures) SDL_DestroyTexture(tex);
  board_view.textures.clear();
  SDL_DestroyRenderer(renderer);
  SDL_DestroyWindow(window);
  SDL_Quit();
  int end_status = session.finish(result);
  return status ? status : end_status;
}

}  // namespace boardemu::gui
