// `boardemu test SCENARIO|DIR... [--junit FILE] [--jobs N] [--shard I/N] [--artifacts DIR]`:
// runs scenario files (scenario/scenario.hpp) and reports each as a test case, on the terminal
// and as JUnit XML. Every scenario is read and checked against its board before any of them
// runs: bad input is one line and exit 3. Then exit 0 if every scenario passed, else 1.
//
// `boardemu test --serve [SCENARIO]`: the pytest plugin's side (scripts/python/
// boardemu_pytest): builds the scenario's board (running its steps, if any), then reads one
// JSON object per line on stdin (a step, as a scenario's steps list has them, or a query) and
// answers each with one JSON line on stdout.
#pragma once

#include <string>
#include <vector>

namespace boardemu::cli {

struct TestOptions {
  std::vector<std::string> scenarios;  // files and directories (searched for *.yaml, *.yml)
  std::string junit;                   // JUnit XML report file
  unsigned jobs = 1;                   // scenarios run in parallel processes
  std::string shard;                   // "I/N": every N-th scenario from the I-th (1-based)
  std::string artifacts;               // failed scenarios' VCD and UART logs go under DIR
  std::string board, firmware, circuit, boards_dir;  // for scenarios that do not say (Wokwi's)
  bool serve = false;
  bool list = false;  // print the scenarios the shard selects and exit
};

// Returns the exit status.
int run_tests(const TestOptions& options);

}  // namespace boardemu::cli
