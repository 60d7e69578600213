// Every device decision of the CLI in one place: which devices are usable now and checking a
// --device value (models move with nn::Module::to, batches with Tensor::to).
// Which devices work is the engine's answer (device_available in engine/storage.h).
#pragma once

#include <string>
#include <vector>

#include "engine/storage.h"

namespace leuko::cli {

// "cpu", then every other device the engine can run on now.
std::vector<std::string> usable_devices();

// Parses a --device value and checks it can run here. An unknown name is a
// CLI::ValidationError (a usage error: every subcommand calls this before any work); a device
// not usable here is a leuko::Error saying why and which devices are usable.
Device select_device(const std::string& name);

}  // namespace leuko::cli
