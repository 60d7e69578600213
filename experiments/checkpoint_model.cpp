#include "experiments/checkpoint_model.h"

#include "engine/error.h"
#include "engine/io/checkpoint.h"
#include "experiments/device.h"
#include "experiments/run_data.h"

namespace leuko::cli {

CheckpointModel load_checkpoint_model(const std::string& path, Device device) {
  const Checkpoint checkpoint = load_checkpoint(path);
  auto config = checkpoint.info.find("config");
  LEUKO_CHECK(config != checkpoint.info.end(), path,
              ": not a checkpoint of `leuko train` (it has no run config)");
  CheckpointModel out;
  out.config = nlohmann::json::parse(config->second);
  out.classes = config_value(out.config, "classes").get<std::vector<std::string>>();
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
  out.model.module->load_state_dict(checkpoint.model);  // strict: any mismatch names the key
  out.model.module->to(device);
  out.model.module->eval();
  return out;
}

}  // namespace leuko::cli
