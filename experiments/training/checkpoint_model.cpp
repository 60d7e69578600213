#include "experiments/training/checkpoint_model.h"

#include <cstdio>

#include "engine/error.h"
#include "engine/io/checkpoint.h"
#include "engine/io/safetensors.h"
#include "experiments/cli/option_checks.h"
#include "experiments/training/run_data.h"

namespace leuko::cli {

namespace {

// The run config comes from a file, so what it asks for is bounded as a flag would be: a
// crafted "workers": 100000 would otherwise start 100000 threads.
void check_config_bounds(const nlohmann::json& config, const std::string& path) {
  const auto check = [&](const char* key, int64_t min, int64_t max) {
    if (!config.contains(key)) return;
    const nlohmann::json& value = config.at(key);
    LEUKO_CHECK(
        value.is_number_integer() && value.get<int64_t>() >= min && value.get<int64_t>() <= max,
        path, ": its run config asks for ", key, " ", value.dump(), "; expected ", min, " to ",
        max);
  };
  check("workers", 0, kMaxWorkers);
  check("batch", 1, kMaxBatch);
  check("height", kMinSide, kMaxSide);
  check("width", kMinSide, kMaxSide);
  check("crop", 0, kMaxSide);
  check("side", kMinSide, kMaxSide);
  check("decoder_width", 1, 4096);
}

std::string first_of(const std::vector<std::string>& names) {
  return names.empty() ? std::string() : "'" + names.front() + "'";
}

}  // namespace

void load_weights(nn::Module& module, const std::string& model_name,
                  const std::map<std::string, Tensor>& weights, const std::string& path,
                  bool strict, bool verbose) {
  check_finite(weights, path);
  const std::map<std::string, Tensor> own = module.state_dict();
  std::vector<std::string> missing, unexpected;  // in the network only / in the file only
  for (const auto& [name, tensor] : own)
    if (!weights.count(name)) missing.push_back(name);
  for (const auto& [name, tensor] : weights)
    if (!own.count(name)) unexpected.push_back(name);
  const size_t found = own.size() - missing.size();
  const bool fits = strict ? missing.empty() && unexpected.empty() : 2 * found >= own.size();
  if (!fits) {
    if (verbose) {
      for (const std::string& name : missing)
        std::fprintf(stderr, "missing from the file: '%s'\n", name.c_str());
      for (const std::string& name : unexpected)
        std::fprintf(stderr, "not in %s: '%s'\n", model_name.c_str(), name.c_str());
    }
    const std::string first = !missing.empty()
                                  ? cat(first_of(missing), " is missing")
                                  : cat(first_of(unexpected), " is not in ", model_name);
    throw Error(cat(path, ": does not fit ", model_name, " (", found, " of its ", own.size(),
                    " tensors found", strict ? "" : ", at least half needed", "; ", first, "; ",
                    missing.size(), " missing, ", unexpected.size(),
                    " not in the network; --verbose lists them). Another model's file?"));
  }
  try {
    module.load_state_dict(weights, /*strict=*/false);  // names checked above; shapes here
  } catch (const Error& e) {
    throw Error(cat(path, ": ", e.what()));
  }
}

CheckpointModel load_checkpoint_model(const std::string& path, Device device, bool verbose) {
  const Checkpoint checkpoint = load_checkpoint(path);
  auto config = checkpoint.info.find("config");
  LEUKO_CHECK(config != checkpoint.info.end(), path,
              ": not a checkpoint of `leuko train` (it has no run config)");
  CheckpointModel out;
  try {
    out.config = nlohmann::json::parse(config->second);
    check_config_bounds(out.config, path);
    out.classes = config_value(out.config, "classes").get<std::vector<std::string>>();
  } catch (const nlohmann::json::exception& e) {
    throw Error(cat(path, ": its run config is malformed (", e.what(), ")"));
  }
  out.info = find_model(config_value(out.config, "model").get<std::string>());
  ModelSettings settings;
  settings.name = out.info.name;
  settings.num_classes = static_cast<int64_t>(out.classes.size());
  settings.prcc_weights = out.config.value("prcc_weights", "");
  settings.cam16_weights = out.config.value("cam16_weights", "");
  // Size-dependent networks (study_b_autoencoder) are rebuilt at the size they trained at.
  settings.side = out.config.value("side", settings.side);
  settings.decoder_width = out.config.value("decoder_width", settings.decoder_width);
  out.model = build_model(settings);
  load_weights(*out.model.module, out.info.name, checkpoint.model, path, /*strict=*/true, verbose);
  out.model.module->to(device);
  out.model.module->eval();
  return out;
}

}  // namespace leuko::cli
