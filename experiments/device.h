// Every device decision of the CLI in one place: which devices are usable now, checking a
// --device value, and moving a model's tensors there (batches move with Tensor::to).
// Which devices work is the engine's answer (device_available in engine/storage.h).
#pragma once

#include <string>
#include <vector>

#include "engine/nn/module.h"
#include "engine/storage.h"

namespace leuko::cli {

// "cpu", then every other device the engine can run on now.
std::vector<std::string> usable_devices();

// Parses a --device value and checks it can run here; otherwise a leuko::Error saying why
// and which devices are usable.
Device select_device(const std::string& name);

// Moves every parameter and buffer of `model` to `device` in place (the tensors keep their
// identity, so optimizers built later, or earlier, see the moved values).
void move_model(nn::Module& model, Device device);

}  // namespace leuko::cli
