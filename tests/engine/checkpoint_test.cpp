#include <cstring>
#include <filesystem>
#include <fstream>

#include "engine/io/checkpoint.h"
#include "engine/io/safetensors.h"
#include "engine/nn/linear.h"
#include "engine/ops.h"
#include "engine/optim/adam.h"
#include "engine/optim/lr_schedule.h"
#include "tests/support/testing.h"

using namespace leuko;
namespace fs = std::filesystem;

static std::string temp_file(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / "leuko_checkpoint_test";
  fs::create_directories(dir);
  return (dir / name).string();
}

// A small training run whose every step depends on the model, the optimizer state, the
// schedule and the data generator: a resumed run is exact only if all four come back.
struct Run {
  nn::Linear model{6, 3};
  optim::Adam optimizer{model.parameters(), {.lr = 0.05, .weight_decay = 1e-3}};
  optim::OneCycle schedule{optimizer, {.max_lr = 0.05, .total_steps = 12}};
  Generator data{99};

  float train_step() {
    const Tensor x = randn({4, 6}, data);
    const Tensor y = from_vector_i64({static_cast<int64_t>(data.next_u64() % 3), 0, 1, 2}, {4});
    Tensor loss = cross_entropy(model(x), y);
    loss.backward();
    optimizer.step();
    optimizer.zero_grad();
    schedule.step();
    return loss.item();
  }

  Checkpoint capture(int64_t epoch) const {
    return {model.state_dict(),
            optimizer.state_dict(),
            schedule.state_dict(),
            {{"data", data.state()}},
            epoch,
            {{"note", "test"}}};
  }

  void restore(const Checkpoint& c) {
    model.load_state_dict(c.model);
    optimizer.load_state_dict(c.optimizer);
    schedule.load_state_dict(c.schedule);
    data.set_state(c.generators.at("data"));
  }
};

TEST_CASE("a run stopped, saved and resumed gives exactly the losses of an uninterrupted run") {
  std::vector<float> uninterrupted;
  {
    manual_seed(5);
    Run run;
    for (int i = 0; i < 10; ++i) uninterrupted.push_back(run.train_step());
  }
  std::vector<float> resumed;
  const std::string path = temp_file("resume.safetensors");
  {
    manual_seed(5);
    Run first;
    for (int i = 0; i < 4; ++i) resumed.push_back(first.train_step());
    save_checkpoint(path, first.capture(4));
  }
  manual_seed(1234);  // the resumed process starts from different weights
  Run second;
  const Checkpoint loaded = load_checkpoint(path);
  CHECK(loaded.epoch == 4);
  CHECK(loaded.info.at("note") == "test");
  second.restore(loaded);
  for (int i = 4; i < 10; ++i) resumed.push_back(second.train_step());
  CHECK(resumed == uninterrupted);  // bit for bit
}

TEST_CASE("truncated and foreign checkpoint files get clear errors") {
  const std::string path = temp_file("good.safetensors");
  save_checkpoint(path, {{{"w", ones({4})}}, {}, {}, {}, 1, {}});
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  const std::string truncated = temp_file("truncated.safetensors");
  std::ofstream(truncated, std::ios::binary) << bytes.substr(0, bytes.size() - 5);
  CHECK_THROWS_WITH_AS(load_checkpoint(truncated), doctest::Contains("truncated"), Error);

  const std::string weights = temp_file("weights.safetensors");
  save_safetensors(weights, {{"fc.weight", ones({2})}});
  CHECK_THROWS_WITH_AS(load_checkpoint(weights), doctest::Contains("not a leuko checkpoint"),
                       Error);
}

TEST_CASE("a checkpoint whose header length is 1 to 3 bytes short is refused, not read shifted") {
  const std::string path = temp_file("shifted.safetensors");
  std::string bytes;
  uint64_t header_size = 0;
  // A note of the length that leaves at least 3 spaces of header padding, so that the
  // shortened header still parses as JSON (the case that used to load shifted weights).
  for (size_t note = 0;; ++note) {
    save_checkpoint(path, {{{"w", ones({4})}}, {}, {}, {}, 1, {{"note", std::string(note, 'x')}}});
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    std::memcpy(&header_size, bytes.data(), 8);
    if (bytes.compare(8 + header_size - 3, 3, "   ") == 0) break;
  }
  CHECK(load_checkpoint(path).model.at("w").to_vector() == std::vector<float>{1, 1, 1, 1});
  const std::string shifted = temp_file("shifted_by.safetensors");
  for (uint64_t short_by = 1; short_by <= 3; ++short_by) {
    INFO("short by ", short_by);
    std::string bad = bytes;
    const uint64_t length = header_size - short_by;
    std::memcpy(bad.data(), &length, 8);
    std::ofstream(shifted, std::ios::binary) << bad;
    CHECK_THROWS_WITH_AS(load_checkpoint(shifted), doctest::Contains("belong to no tensor"), Error);
  }
}
