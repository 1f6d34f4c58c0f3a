#include "cli/test_tool.hpp"

#include <fmt/format.h>
#include <poll.h>
#include <sys/wait.h>
#include <tinyxml2.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/session.hpp"
#include "core/host_file.hpp"
#include "scenario/runner.hpp"

namespace boardemu::cli {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

// Files as given; directories searched (recursively, sorted) for *.yaml and *.yml.
std::vector<std::string> expand(const std::vector<std::string>& args) {
  std::vector<std::string> out;
  for (const std::string& a : args) {
    std::error_code ec;
    if (fs::is_directory(a, ec)) {
      std::vector<std::string> found;
      for (auto it = fs::recursive_directory_iterator(a, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
        if (it->is_regular_file() && (it->path().extension() == ".yaml" || it->path().extension() == ".yml"))
          found.push_back(it->path().lexically_normal().string());
      if (ec) throw ScenarioError(a + ": cannot read the directory: " + ec.message());
      if (found.empty()) throw ScenarioError(a + ": no scenario files (*.yaml, *.yml) in this directory");
      std::sort(found.begin(), found.end());
      out.insert(out.end(), found.begin(), found.end());
    } else {
      out.push_back(a);
    }
  }
  return out;
}

// The artifacts' subdirectory of a scenario: its path with separators as '-'.
std::string artifact_id(const std::string& path) {
  std::string s = fs::path(path).lexically_normal().replace_extension().string();
  while (s.rfind("../", 0) == 0) s = s.substr(3);
  while (!s.empty() && s[0] == '/') s = s.substr(1);
  for (char& c : s)
    if (c == '/' || c == '\\' || c == ' ') c = '-';
  return s.empty() ? "scenario" : s;
}

json to_json(const ScenarioResult& r) {
  return json{{"verdict", static_cast<int>(r.verdict)},
              {"path", r.path},
              {"name", r.name},
              {"message", r.message},
              {"virtual_ms", r.virtual_ms},
              {"cycles", r.cycles},
              {"instructions", r.instructions},
              {"start_virtual_ms", r.start_virtual_ms},
              {"start_instructions", r.start_instructions},
              {"host_seconds", r.host_seconds},
              // Bytes as numbers: a guest's output need not be UTF-8.
              {"serial_log", std::vector<std::uint8_t>(r.serial_log.begin(), r.serial_log.end())},
              {"uart_tail", r.uart_tail},
              {"artifacts", r.artifacts}};
}

ScenarioResult from_json(const json& j) {
  ScenarioResult r;
  r.verdict = static_cast<ScenarioResult::Verdict>(j.at("verdict").get<int>());
  r.path = j.at("path");
  r.name = j.at("name");
  r.message = j.at("message");
  r.virtual_ms = j.at("virtual_ms");
  r.cycles = j.at("cycles");
  r.instructions = j.at("instructions");
  r.start_virtual_ms = j.at("start_virtual_ms");
  r.start_instructions = j.at("start_instructions");
  r.host_seconds = j.at("host_seconds");
  auto bytes = j.at("serial_log").get<std::vector<std::uint8_t>>();
  r.serial_log.assign(bytes.begin(), bytes.end());
  r.uart_tail = j.at("uart_tail");
  r.artifacts = j.at("artifacts").get<std::vector<std::string>>();
  return r;
}

// XML 1.0 cannot hold most control characters: they are shown as \xNN.
std::string xml_text(const std::string& s) { return printable_lines(s, false); }

void write_junit(const std::string& path, const std::vector<ScenarioResult>& results) {
  tinyxml2::XMLDocument doc;
  doc.InsertEndChild(doc.NewDeclaration());
  auto* suites = doc.NewElement("testsuites");
  doc.InsertEndChild(suites);
  auto* suite = doc.NewElement("testsuite");
  suites->InsertEndChild(suite);
  unsigned failures = 0, errors = 0;
  double total = 0;
  for (const ScenarioResult& r : results) {
    auto* tc = doc.NewElement("testcase");
    std::string dir = fs::path(r.path).parent_path().string();
    tc->SetAttribute("classname", (dir.empty() ? std::string("scenarios") : dir).c_str());
    tc->SetAttribute("name", r.name.c_str());
    tc->SetAttribute("file", r.path.c_str());
    tc->SetAttribute("time", fmt::format("{:.3f}", r.host_seconds).c_str());
    total += r.host_seconds;
    auto* props = doc.NewElement("properties");
    auto prop = [&](const char* name, const std::string& value) {
      auto* p = doc.NewElement("property");
      p->SetAttribute("name", name);
      p->SetAttribute("value", value.c_str());
      props->InsertEndChild(p);
    };
    prop("virtual_ms", fmt::format("{:.3f}", r.virtual_ms));
    prop("cycles", std::to_string(r.cycles));
    prop("instructions", std::to_string(r.instructions));
    if (r.start_virtual_ms > 0) {  // started from a snapshot: where it began
      prop("start_virtual_ms", fmt::format("{:.3f}", r.start_virtual_ms));
      prop("start_instructions", std::to_string(r.start_instructions));
    }
    tc->InsertEndChild(props);
    if (r.verdict != ScenarioResult::Verdict::passed) {
      bool error = r.verdict == ScenarioResult::Verdict::error;
      (error ? errors : failures)++;
      auto* f = doc.NewElement(error ? "error" : "failure");
      f->SetAttribute("message", xml_text(r.message).c_str());
      f->SetAttribute("type", error ? "bad input" : "scenario failed");
      std::string body = r.message + "\n";
      if (!r.uart_tail.empty()) body += "last UART output:\n" + r.uart_tail + "\n";
      for (const auto& a : r.artifacts) body += "artifact: " + a + "\n";
      f->SetText(xml_text(body).c_str());
      tc->InsertEndChild(f);
    }
    auto* out = doc.NewElement("system-out");
    out->SetText(xml_text(r.serial_log).c_str());
    tc->InsertEndChild(out);
    if (!r.message.empty()) {
      auto* err = doc.NewElement("system-err");
      err->SetText(xml_text(r.message).c_str());
      tc->InsertEndChild(err);
    }
    suite->InsertEndChild(tc);
  }
  suite->SetAttribute("name", "boardemu");
  suite->SetAttribute("tests", static_cast<unsigned>(results.size()));
  suite->SetAttribute("failures", failures);
  suite->SetAttribute("errors", errors);
  suite->SetAttribute("skipped", 0);
  suite->SetAttribute("time", fmt::format("{:.3f}", total).c_str());
  suites->SetAttribute("tests", static_cast<unsigned>(results.size()));
  suites->SetAttribute("failures", failures);
  suites->SetAttribute("errors", errors);
  if (doc.SaveFile(path.c_str()) != tinyxml2::XML_SUCCESS)
    throw std::runtime_error(fmt::format("--junit: cannot write {}", path));
}

void print_result(const ScenarioResult& r) {
  const char* verdict = r.verdict == ScenarioResult::Verdict::passed ? "PASS"
                        : r.verdict == ScenarioResult::Verdict::failed ? "FAIL"
                                                                       : "ERROR";
  std::printf("%-5s %s (%s): %.3f ms virtual, %llu cycles, %.2f s\n", verdict, r.path.c_str(), r.name.c_str(),
              r.virtual_ms, static_cast<unsigned long long>(r.cycles), r.host_seconds);
  if (r.verdict != ScenarioResult::Verdict::passed) {
    std::printf("      %s\n", r.message.c_str());
    if (!r.uart_tail.empty()) {
      std::printf("      last UART output:\n");
      std::size_t pos = 0;
      while (pos < r.uart_tail.size()) {
        std::size_t nl = r.uart_tail.find('\n', pos);
        if (nl == std::string::npos) nl = r.uart_tail.size();
        std::printf("      | %s\n", r.uart_tail.substr(pos, nl - pos).c_str());
        pos = nl + 1;
      }
    }
    for (const auto& a : r.artifacts) std::printf("      artifact: %s\n", a.c_str());
  }
  std::fflush(stdout);
}

// Runs scenarios in up to `jobs` child processes; results in the scenarios' order.
std::vector<ScenarioResult> run_parallel(const std::vector<Scenario>& scenarios, const DriverOptions& base,
                                         unsigned jobs) {
  struct Worker {
    pid_t pid;
    int fd;
    std::size_t index;
    std::string data;
  };
  std::vector<ScenarioResult> results(scenarios.size());
  std::vector<bool> done(scenarios.size());
  std::vector<Worker> running;
  std::size_t next = 0, printed = 0;
  auto print_ready = [&] {
    while (printed < scenarios.size() && done[printed]) print_result(results[printed++]);
  };
  while (next < scenarios.size() || !running.empty()) {
    while (next < scenarios.size() && running.size() < jobs) {
      int fds[2];
      if (::pipe(fds) != 0) throw std::runtime_error(std::string("--jobs: pipe: ") + std::strerror(errno));
      std::fflush(stdout);
      std::fflush(stderr);
      pid_t pid = ::fork();
      if (pid < 0) throw std::runtime_error(std::string("--jobs: fork: ") + std::strerror(errno));
      if (pid == 0) {
        ::close(fds[0]);
        DriverOptions o = base;
        o.artifact_id = artifact_id(scenarios[next].path);
        std::string text = to_json(run_scenario(scenarios[next], o)).dump(-1, ' ', false, json::error_handler_t::replace);
        for (std::size_t off = 0; off < text.size();) {
          ssize_t n = ::write(fds[1], text.data() + off, text.size() - off);
          if (n < 0 && errno == EINTR) continue;
          if (n <= 0) ::_exit(2);
          off += static_cast<std::size_t>(n);
        }
        ::_exit(0);
      }
      ::close(fds[1]);
      running.push_back({pid, fds[0], next++, {}});
    }
    std::vector<pollfd> pfds;
    for (auto& w : running) pfds.push_back({w.fd, POLLIN, 0});
    if (::poll(pfds.data(), pfds.size(), -1) < 0 && errno != EINTR)
      throw std::runtime_error(std::string("--jobs: poll: ") + std::strerror(errno));
    for (std::size_t i = running.size(); i-- > 0;) {
      if (!(pfds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      Worker& w = running[i];
      char buf[65536];
      ssize_t n = ::read(w.fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n > 0) {
        w.data.append(buf, static_cast<std::size_t>(n));
        continue;
      }
      ::close(w.fd);
      int status = 0;
      while (::waitpid(w.pid, &status, 0) < 0 && errno == EINTR) {
      }
      ScenarioResult r;
      try {
        r = from_json(json::parse(w.data));
      } catch (const std::exception&) {
        r.path = scenarios[w.index].path;
        r.name = scenarios[w.index].name;
        r.verdict = ScenarioResult::Verdict::error;
        r.message = WIFSIGNALED(status)
                        ? fmt::format("{}: the worker process died of signal {} ({})", r.path, WTERMSIG(status),
                                      strsignal(WTERMSIG(status)))
                        : fmt::format("{}: the worker process ended without a result (status {})", r.path,
                                      WEXITSTATUS(status));
      }
      results[w.index] = std::move(r);
      done[w.index] = true;
      running.erase(running.begin() + static_cast<std::ptrdiff_t>(i));
    }
    print_ready();
  }
  return results;
}

// ---- the pytest plugin's protocol ----

json step_reply(BoardDriver& d, const StepResult& r) {
  json j{{"ok", r.ok}, {"time_ms", d.virtual_ms()}, {"cycles", d.cycles()}};
  if (!r.ok) {
    j["error"] = r.message;
    j["reason"] = r.reason;
  }
  if (!r.output.empty()) j["output"] = r.output;
  if (!r.groups.empty()) j["groups"] = r.groups;
  return j;
}

int serve(const Scenario& scenario, const DriverOptions& options) {
  BoardDriver d(scenario, options);
  try {
    d.open();
  } catch (const ScenarioError& e) {
    std::cout << json{{"ok", false}, {"reason", "bad-input"}, {"error", e.what()}}.dump() << std::endl;
    return kExitBadInput;
  }
  for (const Step& step : scenario.steps) {
    StepResult r = d.execute(step);
    if (!r.ok) {
      std::cout << step_reply(d, r).dump() << std::endl;
      return 1;
    }
  }
  std::cout << json{{"ok", true}, {"ready", true}, {"time_ms", d.virtual_ms()}}.dump() << std::endl;
  std::string base = fs::path(scenario.path).parent_path().string();
  std::string line;
  unsigned n = 0;
  while (std::getline(std::cin, line)) {
    ++n;
    json reply;
    try {
      json req = json::parse(line);
      if (req.is_object() && req.contains("query")) {
        std::string q = req.at("query");
        if (q == "level") {
          reply = {{"ok", true}, {"level", d.level(req.at("pin").get<std::string>())}};
        } else if (q == "time") {
          reply = {{"ok", true}, {"time_ms", d.virtual_ms()}, {"cycles", d.cycles()}, {"instructions", d.instructions()}};
        } else if (q == "serial-log") {
          const std::string& log = d.serial_log(req.value("serial", std::string()));
          reply = {{"ok", true}, {"output", log}};
        } else if (q == "finish") {
          StepResult r = d.finish();
          reply = step_reply(d, r);
        } else {
          reply = {{"ok", false}, {"error", "unknown query '" + q + "' (level, time, serial-log, finish)"}};
        }
      } else {
        // A step, written as in a scenario's steps list (JSON is YAML).
        Step step = parse_step(YAML::Load(line), fmt::format("request {}", n), base.empty() ? "." : base);
        step.line = 0;  // named by itself in messages, not by a line of the scenario file
        d.check(step);
        reply = step_reply(d, d.execute(step));
      }
    } catch (const json::exception& e) {
      reply = {{"ok", false}, {"reason", "bad-request"}, {"error", fmt::format("request {}: {}", n, e.what())}};
    } catch (const std::exception& e) {
      reply = {{"ok", false}, {"reason", "bad-request"}, {"error", one_line(e.what())}};
    }
    std::cout << reply.dump(-1, ' ', false, json::error_handler_t::replace) << std::endl;
  }
  return 0;
}

}  // namespace

int run_tests(const TestOptions& o) {
  ScenarioDefaults defaults;
  if (!o.board.empty()) defaults.board = o.board;
  defaults.firmware = o.firmware;
  defaults.circuit = o.circuit;
  for (const std::string* p : {&o.firmware, &o.circuit})
    if (!p->empty() && !fs::exists(*p)) return fail(kExitBadInput, *p + ": no such file");
  DriverOptions driver;
  driver.boards_dir = o.boards_dir;
  driver.artifacts_dir = o.artifacts;

  unsigned shard = 1, shards = 1;
  if (!o.shard.empty()) {
    unsigned a = 0, b = 0;
    char extra = 0;
    if (std::sscanf(o.shard.c_str(), "%u/%u%c", &a, &b, &extra) != 2 || a < 1 || b < 1 || a > b || b > 100000)
      return fail(kExitUsage, fmt::format("--shard: expected I/N with 1 <= I <= N (e.g. 2/4), got '{}'", o.shard));
    shard = a;
    shards = b;
  }
  if (o.jobs < 1 || o.jobs > 256) return fail(kExitUsage, "--jobs: expected 1 to 256");

  std::vector<Scenario> scenarios;
  try {
    std::vector<std::string> files = expand(o.scenarios);
    if (o.serve && files.size() > 1) return fail(kExitUsage, "--serve: one scenario at most");
    for (std::size_t i = 0; i < files.size(); ++i)
      if (i % shards == shard - 1) scenarios.push_back(load_scenario(files[i], defaults));
    if (o.serve && files.empty()) {
      // No scenario file: the board from the command line, nothing run before the requests.
      scenarios.push_back(parse_scenario_text("steps: []\n", "./(command line)", defaults));
    }
  } catch (const ScenarioError& e) {
    if (o.serve)  // the plugin reads its answer on stdout
      std::cout << json{{"ok", false}, {"reason", "bad-input"}, {"error", e.what()}}.dump() << std::endl;
    return fail(kExitBadInput, e.what());
  }
  if (o.serve) return serve(scenarios.front(), driver);
  if (o.list) {
    for (const Scenario& s : scenarios) std::printf("%s\n", s.path.c_str());
    return 0;
  }
  if (!o.artifacts.empty()) {
    std::error_code ec;
    fs::create_directories(o.artifacts, ec);
    if (ec) return fail(kExitBadInput, fmt::format("--artifacts: cannot make {}: {}", o.artifacts, ec.message()));
  }
  // Everything checked against its board before anything runs.
  for (const Scenario& s : scenarios) {
    try {
      BoardDriver(s, DriverOptions{o.boards_dir, "", ""}).open();
    } catch (const ScenarioError& e) {
      return fail(kExitBadInput, e.what());
    }
  }

  std::vector<ScenarioResult> results;
  try {
    if (o.jobs > 1 && scenarios.size() > 1) {
      results = run_parallel(scenarios, driver, o.jobs);
    } else {
      for (const Scenario& s : scenarios) {
        DriverOptions d = driver;
        d.artifact_id = artifact_id(s.path);
        results.push_back(run_scenario(s, d));
        print_result(results.back());
      }
    }
  } catch (const std::runtime_error& e) {
    return fail(kExitBadInput, e.what());
  }
  unsigned passed = 0;
  for (const auto& r : results) passed += r.verdict == ScenarioResult::Verdict::passed;
  std::string which = shards > 1 ? fmt::format(" (shard {}/{})", shard, shards) : "";
  std::printf("%zu scenarios%s: %u passed, %zu failed\n", results.size(), which.c_str(), passed,
              results.size() - passed);
  if (!o.junit.empty()) {
    try {
      write_junit(o.junit, results);
    } catch (const std::runtime_error& e) {
      return fail(kExitBadInput, e.what());
    }
  }
  return passed == results.size() ? 0 : 1;
}

}  // namespace boardemu::cli
