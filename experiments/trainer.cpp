#include "experiments/trainer.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <thread>

#include "engine/autograd.h"
#include "engine/data/device_batches.h"
#include "engine/data/image.h"
#include "engine/error.h"
#include "engine/io/checkpoint.h"
#include "engine/optim/clip_grad.h"
#include "engine/random.h"
#include "experiments/progress.h"

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
      best_validation_loss_(std::numeric_limits<double>::infinity()) {
  if (settings_.loss.kind != LossKind::cross_entropy && settings_.loss.target == Target::masks) {
    const data::Loader* loaders[] = {&train_, validation_, &test_};
    for (const data::Loader* loader : loaders)
      LEUKO_CHECK(!loader || loader->options().mask_targets, "a segmentation run (masks as the target) ",
                  "needs loaders made with mask_targets");
  }
}

void Trainer::resume() {
  if (!folder_.exists(kCheckpoint)) return;
  const std::string path = folder_.file(kCheckpoint).string();
  const Checkpoint checkpoint = load_checkpoint(path);
  const auto info = [&](const std::string& key) {
    auto it = checkpoint.info.find(key);
    LEUKO_CHECK(it != checkpoint.info.end(), path, ": not a leuko training checkpoint (no '",
                key, "' entry)");
    return it->second;
  };
  LEUKO_CHECK(info("model") == settings_.model_name, path, " holds a run of model '",
              info("model"), "', not '", settings_.model_name,
              "': give this run another --out folder");
  model_.module->load_state_dict(checkpoint.model);
  optimizer_.load_state_dict(checkpoint.optimizer);
  if (schedule_) schedule_->load_state_dict(checkpoint.schedule);
  auto generator = checkpoint.generators.find("default");
  if (generator != checkpoint.generators.end()) default_generator().set_state(generator->second);
  history_ = history_from_json(nlohmann::json::parse(info("history")));
  if (auto seconds = checkpoint.info.find("epoch_seconds"); seconds != checkpoint.info.end())
    epoch_seconds_ = nlohmann::json::parse(seconds->second).get<std::vector<double>>();
  best_validation_loss_ = std::stod(info("best_validation_loss"));
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
                     {"epoch_seconds", nlohmann::json(epoch_seconds_).dump()}};
  save_checkpoint(folder_.file(file).string(), checkpoint);
}

EpochRecord Trainer::train_epoch(int64_t epoch) {
  const bool classify = settings_.loss.kind == LossKind::cross_entropy;
  const auto start = std::chrono::steady_clock::now();
  model_.module->train();
  // On a GPU the next batch is uploaded on the copy stream while this step runs.
  data::DeviceBatches batches(train_, settings_.device);
  batches.start_epoch(epoch);
  Progress progress(cat("epoch ", epoch + 1, "/", settings_.epochs), train_.batches_per_epoch());
  double loss_sum = 0.0;
  int64_t step = 0, seen = 0, correct = 0;
  while (std::optional<data::Batch> batch = batches.next()) {
    ++step;
    const Tensor& images = batch->images;
    const Tensor output = model_.forward(images);
    const Tensor loss =
        batch_loss(settings_.loss, output, loss_target(settings_.loss, *batch, images, settings_.device));
    const double value = loss.item();
    if (!std::isfinite(value))
      throw Error(cat("epoch ", epoch + 1, " step ", step, ": the loss is ", value,
                      "; training stopped. ",
                      epoch > 0 ? cat("The last good checkpoint (epoch ", epoch, ") is kept in ",
                                      folder_.file(kCheckpoint).string())
                                : std::string("No checkpoint had been written yet.")));
    loss.backward();
    if (settings_.clip_value > 0) optim::clip_grad_value_(optimizer_.params(), settings_.clip_value);
    if (settings_.clip_norm > 0) optim::clip_grad_norm_(optimizer_.params(), settings_.clip_norm);
    optimizer_.step();
    optimizer_.zero_grad();
    if (schedule_ && settings_.schedule_unit == ScheduleUnit::per_batch) schedule_->step();
    loss_sum += value;
    seen += images.size(0);
    if (classify) {
      const std::vector<int64_t> truth = batch->labels.to_vector_i64();
      const std::vector<int64_t> predicted = argmax_rows(output.detach().to(Device::cpu));
      for (size_t i = 0; i < truth.size(); ++i) correct += truth[i] == predicted[i];
    }
    progress.update(step, loss_sum / static_cast<double>(step), seen);
  }
  if (schedule_ && settings_.schedule_unit == ScheduleUnit::per_epoch) schedule_->step();

  EpochRecord record{epoch + 1, optimizer_.lr(), loss_sum / static_cast<double>(std::max<int64_t>(step, 1)),
                     classify ? static_cast<double>(correct) / static_cast<double>(seen) : kNaN,
                     kNaN, kNaN, kNaN};
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
  resume();
  folder_.write("config.json", settings_.config.dump(2) + "\n");
  for (int64_t epoch = start_epoch_; epoch < settings_.epochs; ++epoch) {
    const EpochRecord record = train_epoch(epoch);
    history_.push_back(record);
    if (settings_.test_best_validation && record.val_loss < best_validation_loss_) {
      best_validation_loss_ = record.val_loss;
      save(epoch + 1, kBestCheckpoint);
    }
    save(epoch + 1, kCheckpoint);
    folder_.write("metrics.csv", metrics_csv(history_));
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
      return batch_tensor.slice(0, k, k + 1).reshape({3, batch_tensor.size(2), batch_tensor.size(3)});
    };
    const std::optional<data::ChannelStats>& normalization = test_.options().normalization;
    for (int64_t k = 0; k < n; ++k) {
      ExampleImages e{cat(dir, "/", k, "_input.png"), cat(dir, "/", k, "_output.png"), ""};
      // The input as it looked before normalisation, so it shows as a picture.
      const Tensor shown = normalization ? data::denormalize(image(batch->images, k), *normalization)
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
                             .dump(2) + "\n");
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
  if (settings_.loss.kind != LossKind::cross_entropy) input.examples = write_examples();

  folder_.write("results.json", results_json(input).dump(2) + "\n");
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
