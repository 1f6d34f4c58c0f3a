// Peripheral models by name, as board files refer to them (`model:`).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/board.hpp"
#include "core/chardev.hpp"
#include "core/device.hpp"

namespace boardemu {

// Builds the model a board file names. Throws BoardError (naming the board file, line and
// field) for an unknown model or bad parameters.
std::unique_ptr<Device> create_device(const BoardDesc& board, const PeripheralDesc& desc,
                                      const DeviceContext& ctx);

std::vector<std::string> known_models();

// Connects a host serial backend to a device that has a serial line. Returns false if the
// device is not a UART.
bool attach_serial(Device& device, CharBackend* backend);

}  // namespace boardemu
