// libFuzzer target over the circuit-file reader (emulator/machine/circuit.cpp): the bytes are the
// text of a circuit file, read as `--circuit FILE` reads it after loading the file. A malformed
// file must end in one CircuitError whose message is one line starting with the file's name;
// anything else (another exception, a crash, a sanitizer report) is a finding.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "machine/circuit.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace boardemu;
  const std::string name = "fuzz.yaml";
  std::string text(reinterpret_cast<const char*>(data), size);
  try {
    parse_circuit_text(text, name);
  } catch (const CircuitError& e) {
    std::string msg = e.what();
    if (msg.rfind(name, 0) != 0 || msg.find('\n') != std::string::npos) {
      std::fprintf(stderr, "circuit error message is not one line naming the file: \"%s\"\n", msg.c_str());
      __builtin_trap();
    }
  }
  return 0;
}
