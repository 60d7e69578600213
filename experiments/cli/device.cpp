#include "experiments/cli/device.h"

#include <CLI/CLI.hpp>

#include "engine/error.h"

namespace leuko::cli {

std::vector<std::string> usable_devices() {
  std::vector<std::string> names{"cpu"};
  for (Device device : {Device::cuda, Device::cuda_emu})
    if (device_available(device)) names.emplace_back(to_string(device));
  return names;
}

Device select_device(const std::string& name) {
  // An unknown name is a wrong value (a usage error, exit code 2); a known device that cannot
  // run here is a failed run (exit code 1).
  Device device;
  try {
    device = parse_device(name);
  } catch (const Error& e) {
    throw CLI::ValidationError("--device", e.what());
  }
  if (!device_available(device)) {
    std::string usable;
    for (const std::string& d : usable_devices()) usable += (usable.empty() ? "" : ", ") + d;
    throw Error(cat("--device ", name, ": this device is not usable here (",
                    device == Device::cuda ? "no CUDA GPU or no CUDA backend in this build"
                                           : "the emulated CUDA backend is not in this build",
                    "); usable devices: ", usable));
  }
  return device;
}

}  // namespace leuko::cli
