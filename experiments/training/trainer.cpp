#include "experiments/training/trainer.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <set>
#include <thread>

#include "engine/autograd.h"
#include "engine/data/device_batches.h"
#include "engine/data/image.h"
#include "engine/error.h"
#include "engine/io/checkpoint.h"
#include "engine/optim/clip_grad.h"
#include "engine/random.h"
#include "experiments/training/progress.h"

namespace leuko::cli {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string exact(double value) {  // round-trips a double through text
  char text[40];
  std::snprintf(text, sizeof text, "%.17g", value);
  return text;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// "AMD EPYC, 2 threads, cpu": the processor (/proc/cpuinfo), its hardware threads and the
// device trained on, so that a wall time can be read beside the machine that made it.
std::string machine_description(Device device) {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line, model = "unknown CPU";
  while (std::getline(cpuinfo, line))
    if (line.rfind("model name", 0) == 0 && line.find(':') != std::string::npos) {
      model = line.substr(line.find(':') + 2);
      break;
    }
  return cat(model, ", ", std::thread::hardware_concurrency(), " threads, ", to_string(device));
}

// Run-config entries that do not change what a run computes (see trainer.h).
const std::set<std::string> kNotSettings = {"git_commit", "leuko_version", "workers"};

// The first setting, in key order, in which two run configs differ, as
// "seed is 7 there, 5 here"; "" when they match.
std::string first_difference(const nlohmann::json& before, const nlohmann::json& now) {
  std::set<std::string> keys;
  for (const auto& [key, value] : before.items()) keys.insert(key);
  for (const auto& [key, value] : now.items()) keys.insert(key);
  const auto shown = [](const nlohmann::json& config, const std::string& key) {
    return config.contains(key) ? config[key].dump() : std::string("(not set)");
  };
  for (const std::string& key : keys) {
    if (kNotSettings.count(key) ||
        (before.contains(key) && now.contains(key) && before[key] == now[key]))
      continue;
    return cat(key, " is ", shown(before, key), " there, ", shown(now, key), " here");
  }
  return "";
}

}  // namespace

Trainer::Trainer(BuiltModel model, optim::Optimizer& optimizer, optim::LRSchedule* schedule,
                 data::Loader& train, data::Loader* validation, data::Loader& test,
                 const RunFolder& folder, TrainerSettings settings)
    : model_(std::move(model)),
      optimizer_(optimizer),
      schedule_(schedule),
      train_(train),
      validation_(validation),
      test_(test),
      folder_(folder),
      settings_(std::move(settings)),
      best_validation_loss_(std::numeric_limits<double>::infinity()),
      first_loss_(kNaN) {
  if (ranks() > 1) {
    LEUKO_CHECK(settings_.device == Device::cpu, "data-parallel training over ",
                settings_.communicator->backend(), " runs on --device cpu (GPU ranks need NCCL, ",
                "not built yet); this run asked for ", to_string(settings_.device));
    const data::Loader* loaders[] = {&train_, validation_, &test_};
    for (const data::Loader* loader : loaders)
      LEUKO_CHECK(!loader || loader == &train_ || loader->options().ranks == 1,
                  "data-parallel training: only the training loader is sharded");
    LEUKO_CHECK(train_.options().ranks == ranks() &&
                    train_.options().rank == settings_.communicator->rank(),
                "data-parallel training: the training loader is made for rank ",
                train_.options().rank, " of ", train_.options().ranks, ", this is rank ",
                settings_.communicator->rank(), " of ", ranks());
    reducer_ = std::make_unique<distributed::GradientReducer>(
        *settings_.communicator, model_.module->trainable_parameters());
  }
  if (settings_.loss.kind != LossKind::cross_entropy && settings_.loss.target == Target::masks) {
    const data::Loader* loaders[] = {&train_, validation_, &test_};
    for (const data::Loader* loader : loaders)
      LEUKO_CHECK(!loader || loader->options().mask_targets,
                  "a segmentation run (masks as the target) ",
                  "needs loaders made with mask_targets");
  }
}

std::vector<double> Trainer::sum_over_ranks(const std::vector<double>& values) const {
  if (ranks() == 1) return values;
  std::vector<float> floats(values.begin(), values.end());
  const Tensor buffer = from_vector(floats, {static_cast<int64_t>(floats.size())});
  settings_.communicator->all_reduce_sum_now(buffer);
  const std::vector<float> sums = buffer.to_vector();
  return {sums.begin(), sums.end()};
}

void Trainer::broadcast_model() const {
  if (ranks() == 1) return;
  std::vector<Tensor> state;
  for (const auto& [name, tensor] : model_.module->named_parameters()) state.push_back(tensor);
  for (const auto& [name, tensor] : model_.module->named_buffers()) state.push_back(tensor);
  distributed::broadcast_tensors(*settings_.communicator, state);
}

void Trainer::check_same_settings(const nlohmann::json& config) const {
  const std::string difference = first_difference(config, settings_.config);
  LEUKO_CHECK(difference.empty(), folder_.root().string(), " holds a run with other settings (",
              kCheckpoint, "): ", difference,
              ". Give this run another --out, or start it over (--restart deletes the earlier ",
              "run)");
}

void Trainer::resume() {
  if (!folder_.exists(kCheckpoint)) return;  // nothing trained yet: nothing to keep
  const std::string path = folder_.file(kCheckpoint).string();
  const Checkpoint checkpoint = load_checkpoint(path);
  const auto info = [&](const std::string& key) {
    auto it = checkpoint.info.find(key);
    LEUKO_CHECK(it != checkpoint.info.end(), path, ": not a leuko training checkpoint (no '", key,
                "' entry)");
    return it->second;
  };
  LEUKO_CHECK(info("model") == settings_.model_name, path, " holds a run of model '", info("model"),
              "', not '", settings_.model_name, "': give this run another --out folder");
  check_same_settings(nlohmann::json::parse(info("config")));
  model_.module->load_state_dict(checkpoint.model);
  optimizer_.load_state_dict(checkpoint.optimizer);
  if (schedule_) schedule_->load_state_dict(checkpoint.schedule);
  auto generator = checkpoint.generators.find("default");
  if (generator != checkpoint.generators.end()) default_generator().set_state(generator->second);
  history_ = history_from_json(nlohmann::json::parse(info("history")));
  if (auto seconds = checkpoint.info.find("epoch_seconds"); seconds != checkpoint.info.end())
    epoch_seconds_ = nlohmann::json::parse(seconds->second).get<std::vector<double>>();
  best_validation_loss_ = std::stod(info("best_validation_loss"));
  if (auto first = checkpoint.info.find("first_loss"); first != checkpoint.info.end())
    first_loss_ = std::stod(first->second);
  if (auto skipped = checkpoint.info.find("skipped_images"); skipped != checkpoint.info.end())
    skipped_before_ = nlohmann::json::parse(skipped->second);
  start_epoch_ = checkpoint.epoch;
  std::printf("resuming from %s after epoch %lld\n", path.c_str(),
              static_cast<long long>(start_epoch_));
}

void Trainer::save(int64_t epochs_done, const std::string& file) const {
  Checkpoint checkpoint;
  for (const auto& [name, tensor] : model_.module->state_dict())
    checkpoint.model[name] = tensor.to(Device::cpu);
  checkpoint.optimizer = optimizer_.state_dict();
  if (schedule_) checkpoint.schedule = schedule_->state_dict();
  checkpoint.generators["default"] = default_generator().state();
  checkpoint.epoch = epochs_done;
  checkpoint.info = {{"model", settings_.model_name},
                     {"history", history_to_json(history_).dump()},
                     {"best_validation_loss", exact(best_validation_loss_)},
                     {"classes", nlohmann::json(settings_.classes).dump()},
                     {"config", settings_.config.dump()},
                     {"epoch_seconds", nlohmann::json(epoch_seconds_).dump()},
                     {"first_loss", exact(first_loss_)},
                     {"skipped_images", skipped_images().dump()}};
  save_checkpoint(folder_.file(file).string(), checkpoint);
}

nlohmann::json Trainer::skipped_images() const {
  // A loader counts what it met since this process started. A resumed run meets the same
  // bad images again in its first epoch, or none when it resumes after its last one: the
  // larger of its count and the checkpoint's is the run's.
  const auto before = [&](const char* split) { return skipped_before_.value(split, int64_t{0}); };
  return {{"train", std::max(before("train"), train_.skipped_images())},
          {"validation",
           std::max(before("validation"), validation_ ? validation_->skipped_images() : 0)},
          {"test", test_.skipped_images()}};
}

std::string Trainer::stop_note(int64_t epoch) const {
  return epoch > 0 ? cat("The last good checkpoint (epoch ", epoch, ") is kept in ",
                         folder_.file(kCheckpoint).string())
                   : std::string("No checkpoint had been written yet.");
}

void Trainer::check_gradients(int64_t epoch, int64_t step, double loss) const {
  const std::string name = first_non_finite_gradient(model_.module->named_parameters());
  LEUKO_CHECK(name.empty(), "epoch ", epoch + 1, " step ", step, ": the gradient of ", name,
              " is not finite (NaN or Inf; the loss was ", loss, "; --detect-anomaly names the op ",
              "that made it); training stopped. ", stop_note(epoch));
}

EpochRecord Trainer::train_epoch(int64_t epoch) {
  const bool classify = settings_.loss.kind == LossKind::cross_entropy;
  const auto start = std::chrono::steady_clock::now();
  model_.module->train();
  // On a GPU the next batch is uploaded on the copy stream while this step runs.
  data::DeviceBatches batches(train_, settings_.device);
  batches.start_epoch(epoch);
  Progress progress(cat("epoch ", epoch + 1, "/", settings_.epochs), train_.batches_per_epoch());
  double loss_sum = 0.0, weighted_loss_sum = 0.0;  // the latter: by this rank's share
  int64_t step = 0, seen = 0, correct = 0;
  while (std::optional<data::Batch> batch = batches.next()) {
    ++step;
    const Tensor& images = batch->images;
    Tensor output, loss;
    try {
      output = model_.forward(images);
      loss = batch_loss(settings_.loss, output,
                        loss_target(settings_.loss, *batch, images, settings_.device));
    } catch (const Error& e) {  // e.g. --detect-anomaly's finding: said with where it happened
      throw Error(cat("epoch ", epoch + 1, " step ", step, ": ", e.what()));
    }
    const double value = loss.item();
    if (std::isnan(first_loss_)) first_loss_ = value;
    if (!std::isfinite(value)) {
      std::string weights = " (the weights are finite: --detect-anomaly names the op that made it)";
      for (const auto& [name, parameter] : model_.module->named_parameters())
        if (!all_finite(parameter)) {
          weights = cat(" (the first parameter that is not finite: ", name, ")");
          break;
        }
      throw Error(cat("epoch ", epoch + 1, " step ", step, ": the loss is ", value, weights,
                      "; training stopped. ", stop_note(epoch)));
    }
    const double limit = kDivergence * std::max(first_loss_, 1.0);
    if (value > limit)
      throw Error(cat("epoch ", epoch + 1, " step ", step, ": the loss ", value, " is more than ",
                      kDivergence, " times the first step's loss (", first_loss_,
                      "): training diverged (try a smaller --lr) and was stopped. ",
                      stop_note(epoch)));
    double share = 1.0;  // this rank's share of the global batch's images
    if (reducer_) {
      const double here = static_cast<double>(images.size(0));
      share = here / sum_over_ranks({here})[0];
    }
    try {
      if (reducer_) {
        reducer_->backward(loss, share);
      } else {
        loss.backward();
      }
    } catch (const Error& e) {
      throw Error(cat("epoch ", epoch + 1, " step ", step, ": ", e.what()));
    }
    check_gradients(epoch, step, value);
    if (settings_.clip_value > 0)
      optim::clip_grad_value_(optimizer_.params(), settings_.clip_value);
    if (settings_.clip_norm > 0) optim::clip_grad_norm_(optimizer_.params(), settings_.clip_norm);
    optimizer_.step();
    optimizer_.zero_grad();
    if (schedule_ && settings_.schedule_unit == ScheduleUnit::per_batch) schedule_->step();
    loss_sum += value;
    weighted_loss_sum += value * share;
    seen += images.size(0);
    if (classify) {
      const std::vector<int64_t> truth = batch->labels.to_vector_i64();
      const std::vector<int64_t> predicted = argmax_rows(output.detach().to(Device::cpu));
      for (size_t i = 0; i < truth.size(); ++i) correct += truth[i] == predicted[i];
    }
    progress.update(step, loss_sum / static_cast<double>(step), seen);
  }
  if (schedule_ && settings_.schedule_unit == ScheduleUnit::per_epoch) schedule_->step();
  if (ranks() > 1) {
    // Each step's loss over the global batch is the sum of the ranks' losses weighted by
    // their shares; the images seen and the correct ones add up.
    const std::vector<double> sums = sum_over_ranks(
        {weighted_loss_sum, static_cast<double>(seen), static_cast<double>(correct)});
    loss_sum = sums[0];
    seen = static_cast<int64_t>(sums[1]);
    correct = static_cast<int64_t>(sums[2]);
    broadcast_model();  // every rank evaluates rank 0's batch-norm statistics
  }

  EpochRecord record{epoch + 1,
                     optimizer_.lr(),
                     loss_sum / static_cast<double>(std::max<int64_t>(step, 1)),
                     classify ? static_cast<double>(correct) / static_cast<double>(seen) : kNaN,
                     kNaN,
                     kNaN,
                     kNaN};
  std::string summary = cat("train loss ", record.train_loss);
  if (classify) summary += cat(", accuracy ", record.train_accuracy);
  if (validation_) {
    const Evaluation validation = evaluate(model_, *validation_, settings_.loss, settings_.device,
                                           static_cast<int64_t>(settings_.classes.size()));
    record.val_loss = validation.loss;
    summary += cat("; validation loss ", record.val_loss);
    if (validation.confusion) {
      const ClassificationReport report = classification_report(*validation.confusion);
      record.val_accuracy = report.accuracy;
      record.val_macro_f1 = report.macro_f1;
      summary += cat(", accuracy ", report.accuracy, ", macro F1 ", report.macro_f1);
    }
  }
  epoch_seconds_.push_back(seconds_since(start));
  if (train_.skipped_images() > 0) {
    summary += cat("; ", train_.skipped_images(), " unreadable training image(s) skipped so far");
  }
  progress.finish(summary);
  return record;
}

bool Trainer::run() {
  const DetectAnomalyGuard anomaly(settings_.detect_anomaly);
  resume();
  if (ranks() > 1) {
    const double start = static_cast<double>(start_epoch_);
    LEUKO_CHECK(sum_over_ranks({start})[0] == start * ranks(), "rank ",
                settings_.communicator->rank(), " resumes after epoch ", start_epoch_,
                ", but not every rank does: every rank must see the same --out folder (one ",
                "machine, or a shared file system)");
    broadcast_model();
  }
  if (is_root()) folder_.write("config.json", settings_.config.dump(2) + "\n");
  for (int64_t epoch = start_epoch_; epoch < settings_.epochs; ++epoch) {
    const EpochRecord record = train_epoch(epoch);
    history_.push_back(record);
    if (settings_.test_best_validation && record.val_loss < best_validation_loss_) {
      best_validation_loss_ = record.val_loss;
      if (is_root()) save(epoch + 1, kBestCheckpoint);
    }
    if (is_root()) {
      save(epoch + 1, kCheckpoint);
      folder_.write("metrics.csv", metrics_csv(history_));
    }
    const int64_t done_here = epoch + 1 - start_epoch_;
    if (settings_.stop_after_epochs > 0 && done_here >= settings_.stop_after_epochs &&
        epoch + 1 < settings_.epochs) {
      std::printf("stopped after %lld epoch(s) as asked; run the same command again to continue\n",
                  static_cast<long long>(done_here));
      return false;
    }
  }
  finish();
  return true;
}

std::vector<ExampleImages> Trainer::write_examples() const {
  std::vector<ExampleImages> examples;
  if (settings_.reconstruction_examples <= 0) return examples;
  NoGradGuard no_grad;
  model_.module->eval();
  test_.start_epoch(0);
  if (std::optional<data::Batch> batch = test_.next()) {
    const Tensor output = model_.forward(batch->images.to(settings_.device)).to(Device::cpu);
    const int64_t n = std::min<int64_t>(settings_.reconstruction_examples, output.size(0));
    const bool segmentation = settings_.loss.target == Target::masks;
    const std::string dir = segmentation ? "segmentations" : "reconstructions";
    std::filesystem::create_directories(folder_.file(dir));
    // The k-th [3, H, W] image of a batch tensor.
    const auto image = [](const Tensor& batch_tensor, int64_t k) {
      return batch_tensor.slice(0, k, k + 1)
          .reshape({3, batch_tensor.size(2), batch_tensor.size(3)});
    };
    const std::optional<data::ChannelStats>& normalization = test_.options().normalization;
    for (int64_t k = 0; k < n; ++k) {
      ExampleImages e{cat(dir, "/", k, "_input.png"), cat(dir, "/", k, "_output.png"), ""};
      // The input as it looked before normalisation, so it shows as a picture.
      const Tensor shown = normalization
                               ? data::denormalize(image(batch->images, k), *normalization)
                               : image(batch->images, k);
      data::write_image(data::from_tensor(shown), folder_.file(e.input));
      data::write_image(data::from_tensor(image(output, k)), folder_.file(e.output));
      if (segmentation) {
        e.target = cat(dir, "/", k, "_mask.png");
        data::write_image(data::from_tensor(image(batch->masks, k)), folder_.file(e.target));
      }
      examples.push_back(e);
    }
  }
  model_.module->train();
  return examples;
}

void Trainer::finish() {
  if (!is_root()) return;  // rank 0 tests and reports
  if (settings_.test_best_validation && folder_.exists(kBestCheckpoint)) {
    model_.module->load_state_dict(load_checkpoint(folder_.file(kBestCheckpoint).string()).model);
    std::printf("testing the weights of the epoch with the lowest validation loss (%g)\n",
                best_validation_loss_);
  }
  const auto start = std::chrono::steady_clock::now();
  const Evaluation test = evaluate(model_, test_, settings_.loss, settings_.device,
                                   static_cast<int64_t>(settings_.classes.size()));
  const double test_seconds = seconds_since(start);
  double wall_seconds = test_seconds;
  for (double s : epoch_seconds_) wall_seconds += s;
  folder_.write(kTiming, nlohmann::json{{"wall_seconds", wall_seconds},
                                        {"epoch_seconds", epoch_seconds_},
                                        {"test_seconds", test_seconds},
                                        {"machine", machine_description(settings_.device)}}
                                 .dump(2) +
                             "\n");
  ReportInput input;
  input.title = settings_.title;
  input.config = settings_.config;
  input.classes = settings_.classes;
  input.history = history_;
  input.test_loss = test.loss;
  input.test_images = test.images;
  input.test_confusion = test.confusion;
  input.test_mask_iou = test.mask_iou;
  input.published = settings_.published;
  input.note = settings_.note;
  const nlohmann::json skipped = skipped_images();
  const int64_t total_skipped = skipped["train"].get<int64_t>() +
                                skipped["validation"].get<int64_t>() +
                                skipped["test"].get<int64_t>();
  if (total_skipped > 0)
    input.note +=
        cat(input.note.empty() ? "" : " ", total_skipped, " unreadable image(s) were left out ",
            "(--skip-bad-images): ", skipped["train"].get<int64_t>(), " training, ",
            skipped["validation"].get<int64_t>(), " validation, ", skipped["test"].get<int64_t>(),
            " test.");
  if (settings_.loss.kind != LossKind::cross_entropy) input.examples = write_examples();

  nlohmann::json results = results_json(input);
  results["skipped_images"] = skipped;
  folder_.write("results.json", results.dump(2) + "\n");
  write_report(folder_, input);
  if (input.test_confusion) {
    const ClassificationReport report = classification_report(*input.test_confusion);
    std::printf("test: accuracy %.4f, macro F1 %.4f, weighted F1 %.4f, loss %.4f (%lld images)\n",
                report.accuracy, report.macro_f1, report.weighted_f1, test.loss,
                static_cast<long long>(test.images));
  } else if (test.mask_iou) {
    std::printf("test: loss %.6g, mask IoU %.4f (%lld images)\n", test.loss, *test.mask_iou,
                static_cast<long long>(test.images));
  } else {
    std::printf("test: loss %.6g (%lld images)\n", test.loss, static_cast<long long>(test.images));
  }
  std::printf("run folder: %s (report.md, results.json, metrics.csv)\n",
              folder_.root().string().c_str());
}

}  // namespace leuko::cli
