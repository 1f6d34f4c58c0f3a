// CPU: run / pause / step / reset, PC with its symbol, registers, virtual time, speed.
#include <fmt/format.h>

#include "gui/windows.hpp"

namespace boardemu::gui {

void draw_cpu(Frame& f, CpuState& cs) {
  if (!ImGui::Begin("CPU")) {
    ImGui::End();
    return;
  }
  const BoardState& s = f.state;
  const bool ended = s.run == RunState::ended;
  const bool paused = s.run == RunState::paused;
  ImGui::BeginDisabled(ended);
  if (ImGui::Button(paused ? "Run" : "Pause", ImVec2(70, 0))) paused ? f.live.resume() : f.live.pause();
  note_widget("cpu:run-pause");
  ImGui::SameLine();
  ImGui::BeginDisabled(!paused);
  if (ImGui::Button("Step", ImVec2(70, 0))) f.live.step();
  note_widget("cpu:step");
  ImGui::EndDisabled();
  ImGui::SameLine();
  if (ImGui::Button("Reset", ImVec2(70, 0))) f.live.reset();
  note_widget("cpu:reset");
  ImGui::EndDisabled();
  if (!f.console_focused) {
    if (f.pressed(SDL_SCANCODE_F5) && !ended) paused ? f.live.resume() : f.live.pause();
    if (f.pressed(SDL_SCANCODE_F10) && paused) f.live.step();
  }

  // Speed: real time (and slower or faster), or as fast as possible.
  static const struct {
    const char* name;
    double speed;
  } speeds[] = {{"0.01x", 0.01}, {"0.1x", 0.1}, {"0.5x", 0.5}, {"1x real time", 1}, {"2x", 2}, {"10x", 10}, {"as fast as possible", 0}};
  int current = -1;
  for (int i = 0; i < 7; ++i)
    if (speeds[i].speed == s.speed) current = i;
  std::string now = current >= 0 ? speeds[current].name : fmt::format("{}x", s.speed);
  ImGui::SetNextItemWidth(180);
  if (ImGui::BeginCombo("speed", now.c_str())) {
    for (int i = 0; i < 7; ++i)
      if (ImGui::Selectable(speeds[i].name, i == current)) f.live.set_speed(speeds[i].speed);
    ImGui::EndCombo();
  }
  ImGui::Separator();
  ImGui::Text("status   %s", s.status.c_str());
  ImGui::Text("time     %s", format_time(s.now, s.hz).c_str());
  ImGui::Text("cycles   %llu", static_cast<unsigned long long>(s.now));
  ImGui::Text("instr.   %llu", static_cast<unsigned long long>(s.instructions));
  ImGui::Text("clock    %.0f MHz (%s)", static_cast<double>(s.hz) / 1e6, s.arch.c_str());
  if (f.deterministic)
    ImGui::TextDisabled("speed    (not measured in a screenshot)");
  else
    ImGui::Text("speed    %.1f MHz effective, %.2fx real time", s.effective_mhz, s.achieved);
  ImGui::Separator();
  ImGui::Text("PC  %08X", s.pc);
  ImGui::TextColored(ImVec4(0.6f, 0.8f, 1, 1), "%s", s.symbol.empty() ? "(no symbol)" : s.symbol.c_str());
  if (ImGui::BeginTable("regs", 4, ImGuiTableFlags_SizingFixedFit | ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY)) {
    for (std::size_t i = 0; i < s.registers.size(); ++i) {
      if (i % 2 == 0) ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::TextDisabled("%s", s.registers[i].first.c_str());
      ImGui::TableNextColumn();
      ImGui::Text("%08X", s.registers[i].second);
    }
    ImGui::EndTable();
  }
  // The last command that failed (a control value out of range, a step at the end).
  if (std::string err = f.live.take_error(); !err.empty()) cs.last_error = err;
  if (!cs.last_error.empty()) ImGui::TextColored(ImVec4(1, 0.4f, 0.4f, 1), "%s", cs.last_error.c_str());
  ImGui::End();
}

}  // namespace boardemu::gui
