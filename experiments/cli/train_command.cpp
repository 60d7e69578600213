// `leuko train`: trains one network on an image-folder dataset (or on generated cells when
// no data is given) and writes a run folder (experiments/training/trainer.h).
#include <cstdio>
#include <memory>
#include <optional>

#include "engine/data/data_root.h"
#include "engine/data/image_folder.h"
#include "engine/data/subsets.h"
#include "engine/data/synthetic.h"
#include "engine/distributed/communicator.h"
#include "engine/distributed/sync_batch_norm.h"
#include "engine/error.h"
#include "engine/optim/adam.h"
#include "engine/optim/rmsprop.h"
#include "engine/optim/sgd.h"
#include "engine/random.h"
#include "experiments/training/checkpoint_model.h"
#include "experiments/cli/commands.h"
#include "experiments/cli/device.h"
#include "experiments/cli/model_options.h"
#include "experiments/cli/option_checks.h"
#include "experiments/training/run_data.h"
#include "experiments/training/run_lock.h"
#include "experiments/training/trainer.h"

namespace leuko::cli {

namespace {

struct TrainOptions {
  std::string model, data, out, size, optimizer = "adam", schedule = "onecycle";
  std::string loss, normalize = "default", class_weights = "none", select = "last";
  std::string weights, freeze, freeze_mode = "gradients-only", prcc_weights, cam16_weights;
  std::string device = "cpu", target = "images";
  int64_t epochs = 10, batch = 16, step_size = 5, stop_after = 0, synthetic_per_class = 20;
  double lr = 0.01, weight_decay = -1.0, momentum = 0.0, gamma = 0.1;
  double clip_value = 0.0, clip_norm = 0.0, val_fraction = 0.3, ssim_data_range = 255.0;
  bool masks = false, four_copies = false;
  bool skip_bad_images = false;
  bool verbose = false;
  bool restart = false, detect_anomaly = false;
  bool sync_bn = false;
  int workers = 2;
  uint64_t seed = 0;
};

std::unique_ptr<optim::Optimizer> make_optimizer(const TrainOptions& o,
                                                 std::vector<Tensor> params) {
  const bool default_decay = o.weight_decay < 0;
  if (o.optimizer == "adam")
    return std::make_unique<optim::Adam>(
        params,
        optim::AdamOptions{.lr = o.lr, .weight_decay = default_decay ? 0.0 : o.weight_decay});
  if (o.optimizer == "adamw")
    return std::make_unique<optim::AdamW>(
        params,
        optim::AdamWOptions{.lr = o.lr, .weight_decay = default_decay ? 0.01 : o.weight_decay});
  if (o.optimizer == "sgd")
    return std::make_unique<optim::SGD>(
        params, optim::SGDOptions{.lr = o.lr,
                                  .momentum = o.momentum,
                                  .weight_decay = default_decay ? 0.0 : o.weight_decay});
  return std::make_unique<optim::RMSprop>(
      params, optim::RMSpropOptions{.lr = o.lr,
                                    .weight_decay = default_decay ? 0.0 : o.weight_decay,
                                    .momentum = o.momentum});
}

std::unique_ptr<optim::LRSchedule> make_schedule(const TrainOptions& o, optim::Optimizer& optimizer,
                                                 int64_t steps_per_epoch) {
  if (o.schedule == "onecycle")
    return std::make_unique<optim::OneCycle>(
        optimizer, optim::OneCycleOptions{
                       .max_lr = o.lr, .epochs = o.epochs, .steps_per_epoch = steps_per_epoch});
  if (o.schedule == "step") return std::make_unique<optim::StepLR>(optimizer, o.step_size, o.gamma);
  if (o.schedule == "cosine")
    return std::make_unique<optim::CosineAnnealingLR>(optimizer, o.epochs);
  return nullptr;  // constant
}

void run_train(TrainOptions o) {
  const ModelInfo& info = find_model(o.model);
  const bool segment = o.target == "masks";
  LEUKO_CHECK(!segment || info.task == Task::reconstruction,
              "--target masks needs a network whose output ",
              "is an image of its input's size (an autoencoder), not ", o.model);
  const Device device = select_device(o.device);
  const auto [height, width] = checked_input_size(info, o.size);
  if (o.out.empty()) o.out = cat("runs/", o.model, "-seed", o.seed);
  // Under mpirun every rank runs this; rank 0 speaks and writes the run folder.
  distributed::Communicator& ranks = distributed::world();
  if (!ranks.is_root()) LEUKO_CHECK(std::freopen("/dev/null", "w", stdout), "no /dev/null");
  const RunFolder folder(o.out);
  std::optional<RunLock> lock;
  if (ranks.is_root()) {
    lock.emplace(folder);
    if (o.restart) start_over(folder);
  }
  ranks.barrier();  // the folder is locked and, with --restart, empty

  // The data: --data, else LEUKO_DATA, else generated cells (said loudly).
  std::filesystem::path root = data::resolve_data_root(o.data);
  std::string note;
  if (root.empty()) {
    root = folder.file("synthetic-data");
    if (ranks.is_root() && !std::filesystem::exists(root / "test"))
      data::write_synthetic_folder(
          root, {.size = 64,
                 .train_per_class = o.synthetic_per_class,
                 .test_per_class = std::max<int64_t>(4, o.synthetic_per_class / 2),
                 .mask_fraction = segment ? 1.0 : 0.1,
                 .seed = o.seed});
    ranks.barrier();  // the generated images are in place
    note = cat("No --data and no LEUKO_DATA: trained on SYNTHETIC cell images (", root.string(),
               "); these numbers say nothing about real data.");
    std::printf("*** %s ***\n", note.c_str());
  }
  data::Dataset train =
      segment ? scan_split_with_masks(root, "train") : scan_split(root, "train", info.task);
  if (o.masks) {
    const std::filesystem::path masks = root / "masks" / "train";
    LEUKO_CHECK(std::filesystem::is_directory(masks), "--masks: no mask folder ", masks.string());
    train = data::with_masked_copies(data::scan_image_folder(root / "train", masks));
  }
  if (o.four_copies) train = data::four_copy_augmentation(train);
  data::Dataset test;
  if (!segment) {
    test = scan_split(root, "test", info.task);
  } else if (std::filesystem::is_directory(root / "masks" / "test")) {
    test = scan_split_with_masks(root, "test");
  } else {
    // Without test masks: 20% of the masked training images (seeded) are held out.
    const int64_t held_out = std::max<int64_t>(1, train.size() / 5);
    std::vector<data::Dataset> parts =
        data::random_split_by_size(train, {train.size() - held_out, held_out}, o.seed);
    train = parts[0];
    test = parts[1];
  }
  std::optional<data::Dataset> validation;
  if (std::filesystem::is_directory(root / "val")) {
    validation = segment ? scan_split_with_masks(root, "val") : scan_split(root, "val", info.task);
  } else if (o.val_fraction > 0) {
    // As Study A: the test folder split (seeded here) into test (1 - f) and validation (f).
    std::vector<data::Dataset> parts =
        data::random_split(test, {1.0 - o.val_fraction, o.val_fraction}, o.seed);
    test = parts[0];
    validation = parts[1];
  }
  const bool classify = info.task == Task::classification;
  LEUKO_CHECK(!classify || test.classes == train.classes, "the train/ and test/ folders of ",
              root.string(), " have different classes");

  const std::string normalize =
      o.normalize == "default" ? (info.imagenet_normalized ? "imagenet" : "none") : o.normalize;
  const std::string loss_name = !o.loss.empty() ? o.loss
                                : classify      ? "cross-entropy"
                                : segment       ? "mse"
                                                : "ssim";
  LEUKO_CHECK(!segment || loss_name != "cross-entropy",
              "--target masks needs an image loss (mse or ssim)");
  nlohmann::json config{{"model", o.model},
                        {"data", root.string()},
                        {"synthetic_data", !note.empty()},
                        {"epochs", o.epochs},
                        {"batch", o.batch},
                        {"lr", o.lr},
                        {"optimizer", o.optimizer},
                        {"weight_decay", o.weight_decay},
                        {"momentum", o.momentum},
                        {"schedule", o.schedule},
                        {"step_size", o.step_size},
                        {"gamma", o.gamma},
                        {"clip_value", o.clip_value},
                        {"clip_norm", o.clip_norm},
                        {"loss", loss_name},
                        {"target", o.target},
                        {"ssim_data_range", o.ssim_data_range},
                        {"class_weights", o.class_weights},
                        {"masks", o.masks},
                        {"four_copies", o.four_copies},
                        {"weights", o.weights},
                        {"freeze", o.freeze},
                        {"freeze_mode", o.freeze_mode},
                        {"prcc_weights", o.prcc_weights},
                        {"cam16_weights", o.cam16_weights},
                        {"device", o.device},
                        {"seed", o.seed},
                        {"height", height},
                        {"width", width},
                        {"side", height},
                        {"normalize", normalize},
                        {"val_fraction", o.val_fraction},
                        {"select", o.select},
                        {"workers", o.workers},
                        {"ranks", ranks.size()},
                        {"sync_bn", o.sync_bn},
                        {"skip_bad_images", o.skip_bad_images},
                        {"classes", classify ? train.classes : std::vector<std::string>{}},
                        {"train_images", train.size()},
                        {"validation_images", validation ? validation->size() : 0},
                        {"test_images", test.size()},
                        {"git_commit", git_commit()},
                        {"leuko_version", LEUKO_VERSION}};
  // The generated cells were made with this count: a rerun with another one is another run.
  if (!note.empty()) config["synthetic_per_class"] = o.synthetic_per_class;

  // The network, initialised from the seed, optionally from --weights, then on its device.
  manual_seed(o.seed);
  ModelSettings settings{.name = o.model,
                         .num_classes = classify ? static_cast<int64_t>(train.classes.size()) : 0,
                         .freeze_mode = o.freeze_mode == "full"
                                            ? nn::Module::FreezeMode::full
                                            : nn::Module::FreezeMode::gradients_only,
                         .freeze = o.freeze,
                         .prcc_weights = o.prcc_weights,
                         .cam16_weights = o.cam16_weights,
                         .seed = o.seed,
                         .side = height};
  BuiltModel model = build_model(settings);
  if (!o.weights.empty()) {
    const std::map<std::string, Tensor> weights = read_weights(o.weights);
    load_weights(*model.module, o.model, weights, o.weights, /*strict=*/false, o.verbose);
    std::printf("loaded %s into %s\n", o.weights.c_str(), o.model.c_str());
  }
  model.module->to(device);
  if (o.sync_bn) {
    const int layers = distributed::synchronise_batch_norm(*model.module, ranks);
    LEUKO_CHECK(layers > 0, "--sync-bn: ", o.model, " has no batch norm");
  }

  data::LoaderOptions train_options = loader_options(config, /*shuffle=*/true);
  train_options.rank = ranks.rank();
  train_options.ranks = ranks.size();
  data::Loader train_loader(train, train_options);
  // Every rank evaluates the whole split, in batches of the global batch's size, so that the
  // numbers are those of one process with that batch.
  data::LoaderOptions evaluation_options = loader_options(config, false);
  evaluation_options.batch_size *= ranks.size();
  data::Loader test_loader(test, evaluation_options);
  std::unique_ptr<data::Loader> validation_loader;
  if (validation)
    validation_loader = std::make_unique<data::Loader>(*validation, evaluation_options);

  std::unique_ptr<optim::Optimizer> optimizer = make_optimizer(o, model.module->parameters());
  std::unique_ptr<optim::LRSchedule> schedule =
      make_schedule(o, *optimizer, train_loader.batches_per_epoch());

  TrainerSettings t;
  t.model_name = o.model;
  t.epochs = o.epochs;
  t.loss.kind = parse_loss_kind(loss_name);
  t.loss.target = parse_target(o.target);
  t.loss.ssim_data_range = static_cast<float>(o.ssim_data_range);
  if (o.class_weights == "balanced")
    t.loss.class_weights =
        from_vector(data::balanced_class_weights(train.labels(),
                                                 static_cast<int64_t>(train.classes.size())),
                    {static_cast<int64_t>(train.classes.size())})
            .to(device);
  if (classify) t.classes = train.classes;
  t.clip_value = o.clip_value;
  t.clip_norm = o.clip_norm;
  t.schedule_unit = o.schedule == "onecycle" ? ScheduleUnit::per_batch : ScheduleUnit::per_epoch;
  t.test_best_validation = o.select == "best-val-loss";
  t.stop_after_epochs = o.stop_after;
  t.detect_anomaly = o.detect_anomaly;
  t.device = device;
  t.config = config;
  t.communicator = &ranks;
  t.title = cat("leuko train: ", o.model, " (", info.description, "), seed ", o.seed);
  t.note = note;
  std::printf(
      "training %s: %lld parameters (%lld trainable), %lld train / %lld validation / %lld test "
      "images, %dx%d, on %s\n",
      o.model.c_str(), static_cast<long long>(model.module->parameter_count()),
      static_cast<long long>(model.module->parameter_count(true)),
      static_cast<long long>(train.size()),
      static_cast<long long>(validation ? validation->size() : 0),
      static_cast<long long>(test.size()), height, width, to_string(device));
  if (ranks.size() > 1)
    std::printf("data-parallel over %d %s ranks: %lld images per rank and step, %lld per step\n",
                ranks.size(), ranks.backend().c_str(), static_cast<long long>(o.batch),
                static_cast<long long>(o.batch * ranks.size()));
  Trainer(model, *optimizer, schedule.get(), train_loader, validation_loader.get(), test_loader,
          folder, t)
      .run();
}

}  // namespace

void add_train_command(CLI::App& app) {
  auto o = std::make_shared<TrainOptions>();
  CLI::App* cmd = app.add_subcommand(
      "train", "Train a network; writes a run folder with checkpoints, metrics and a report");
  cmd->footer(
      "Examples:\n"
      "  leuko train --model tiny_cnn --epochs 3 --size 32 --out runs/try     (synthetic data)\n"
      "  leuko train --model wbc_net --data data/WBC_100 --epochs 10 --batch 16 --lr 0.01 \\\n"
      "              --optimizer adam --weight-decay 1e-4 --schedule onecycle --clip-value 0.1 "
      "--masks\n"
      "  leuko train --model resnet18 --data data/WBC_10 --optimizer adamw --lr 1e-4 --batch 64 "
      "\\\n"
      "              --class-weights balanced --weights resnet18.safetensors --select "
      "best-val-loss\n"
      "  leuko train --model study_b_autoencoder --target masks --size 64 --optimizer adamw --lr "
      "1e-4 \\\n"
      "              --schedule constant --select best-val-loss --out runs/seg   (synthetic cells "
      "+ masks)\n"
      "Running the same command again with the same --out resumes from the last checkpoint.\n"
      "Data-parallel: mpirun -n 2 leuko train ... runs 2 ranks, each on --batch images of every\n"
      "step, the gradients averaged over the 2 x --batch (see the README's 'Several processes').");
  add_model_options(cmd, o->model, o->size);
  cmd->add_option("--data", o->data,
                  "image-folder root with train/, test/ and optional val/ (default: $LEUKO_DATA, "
                  "else synthetic)");
  cmd->add_option("--out", o->out, "run folder (default runs/<model>-seed<seed>)");
  cmd->add_option("--epochs", o->epochs, "epochs")->check(in_range(1, kMaxEpochs));
  cmd->add_option("--batch", o->batch, "images per step (per rank, under mpirun)")
      ->check(in_range(1, kMaxBatch));
  cmd->add_option("--lr", o->lr, "learning rate (OneCycle: the peak)")->check(positive());
  cmd->add_option("--optimizer", o->optimizer, "adam | adamw | sgd | rmsprop")
      ->check(CLI::IsMember({"adam", "adamw", "sgd", "rmsprop"}));
  cmd->add_option("--weight-decay", o->weight_decay,
                  "weight decay (default: 0.01 for adamw, else 0)")
      ->check(in_range(0, 1));
  cmd->add_option("--momentum", o->momentum, "momentum of sgd / rmsprop")->check(in_range(0, 1));
  cmd->add_option("--schedule", o->schedule, "onecycle (per step) | step | cosine | constant")
      ->check(CLI::IsMember({"onecycle", "step", "cosine", "constant"}));
  cmd->add_option("--step-size", o->step_size, "StepLR: epochs per decay")
      ->check(in_range(1, kMaxEpochs));
  cmd->add_option("--gamma", o->gamma, "StepLR: decay factor")->check(positive());
  cmd->add_option("--clip-value", o->clip_value, "clamp every gradient element to [-c, c]")
      ->check(non_negative());
  cmd->add_option("--clip-norm", o->clip_norm, "scale gradients to this total 2-norm at most")
      ->check(non_negative());
  cmd->add_option("--loss", o->loss, "cross-entropy | ssim | mse (default by model)")
      ->check(CLI::IsMember({"cross-entropy", "ssim", "mse"}));
  cmd->add_option("--ssim-data-range", o->ssim_data_range, "SSIM data range L (Study A used 255)")
      ->check(positive());
  cmd->add_option("--class-weights", o->class_weights, "none | balanced (sklearn's n / (k n_c))")
      ->check(CLI::IsMember({"none", "balanced"}));
  cmd->add_option(
         "--target", o->target,
         "autoencoders: images (reconstruct the input) | masks (predict <data>/masks/<split>; "
         "without masks/test, 20% of the masked training images are held out)")
      ->check(CLI::IsMember({"images", "masks"}));
  cmd->add_flag("--masks", o->masks, "add masked copies of training images (<data>/masks/train)");
  cmd->add_flag("--four-copies", o->four_copies,
                "Study A's four-copy augmentation of the training set");
  cmd->add_flag("--skip-bad-images", o->skip_bad_images,
                "leave out (and count) images that cannot be decoded instead of stopping");
  cmd->add_option("--normalize", o->normalize, "default | none | imagenet")
      ->check(CLI::IsMember({"default", "none", "imagenet"}));
  cmd->add_option("--weights", o->weights,
                  "start from these weights (safetensors or leuko checkpoint)")
      ->check(CLI::ExistingFile);
  cmd->add_flag("--verbose", o->verbose,
                "on --weights that do not fit the network, list every mismatched tensor");
  cmd->add_option("--freeze", o->freeze,
                  "resnets: last stage to freeze (e.g. layer2); others: parameter-name prefix");
  cmd->add_option("--freeze-mode", o->freeze_mode,
                  "gradients-only (BN still trains, as the studies) | full")
      ->check(CLI::IsMember({"gradients-only", "full"}));
  cmd->add_option("--prcc-weights", o->prcc_weights, "combined_wbc: pRCC autoencoder checkpoint")
      ->check(CLI::ExistingFile);
  cmd->add_option("--cam16-weights", o->cam16_weights,
                  "combined_wbc: Camelyon16 classifier checkpoint")
      ->check(CLI::ExistingFile);
  cmd->add_option("--val-fraction", o->val_fraction,
                  "without val/: share of test/ split off (seeded) for validation")
      ->check(in_range(0, 0.9));
  cmd->add_option("--select", o->select, "weights to test: last | best-val-loss")
      ->check(CLI::IsMember({"last", "best-val-loss"}));
  cmd->add_option("--device", o->device, "cpu | cuda | cuda-emu");
  cmd->add_option("--seed", o->seed, "seed of initialisation, data order and splits")
      ->check(seed_check());
  cmd->add_option("--workers", o->workers, "data loader threads")->check(in_range(0, kMaxWorkers));
  cmd->add_option("--synthetic-per-class", o->synthetic_per_class,
                  "synthetic data: training images per class")
      ->check(in_range(1, 10000));
  cmd->add_option("--stop-after", o->stop_after,
                  "leave after this many epochs (resume later with the same command)")
      ->check(in_range(0, kMaxEpochs));
  cmd->add_flag("--restart", o->restart,
                "delete what --out holds (an earlier run) and start from scratch");
  cmd->add_flag("--sync-bn", o->sync_bn,
                "under mpirun: batch norm over all ranks' images of a step (default: each "
                "rank's own, as PyTorch's DDP)");
  cmd->add_flag("--detect-anomaly", o->detect_anomaly,
                "check every op's output and gradient; name the first NaN/Inf (slower)");
  cmd->callback([o] { run_train(*o); });
}

}  // namespace leuko::cli
