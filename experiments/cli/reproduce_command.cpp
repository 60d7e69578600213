// `leuko reproduce study-a|study-b|study-c|study-d`: the command line of the study
// drivers (experiments/studies/study_drivers.h): profile, data root (or generated data, said
// loudly), device, output folder; then the study's sub-runs and its report.
#include <algorithm>
#include <cstdio>
#include <memory>

#include "engine/data/data_root.h"
#include "engine/error.h"
#include "experiments/cli/commands.h"
#include "experiments/cli/device.h"
#include "experiments/studies/study_drivers.h"
#include "experiments/training/run_lock.h"

namespace leuko::cli {

namespace {

struct ReproduceOptions {
  std::string study, data, out, profile = "quick", device = "cpu", weights;
  std::vector<std::string> only;
  bool dry_run = false, restart = false;
  int workers = 2;
  std::string command_line;
};

// "45 min", "3.2 h".
std::string duration(double seconds) {
  char text[32];
  if (seconds < 5400)
    std::snprintf(text, sizeof text, "%.0f min", std::max(1.0, seconds / 60));
  else
    std::snprintf(text, sizeof text, "%.1f h", seconds / 3600);
  return text;
}

void run_reproduce(const ReproduceOptions& o) {
  const Profile profile = find_profile(o.profile);
  const Device device = select_device(o.device);
  const std::string out = o.out.empty() ? cat("runs/", o.study, "-", o.profile) : o.out;
  RunFolder folder(out);
  // One reproduce per study folder at a time (a dry run too: it may generate the data there);
  // run_sub_run also locks each sub-run's folder while it trains.
  const RunLock lock(folder);

  const std::filesystem::path root = data::resolve_data_root(o.data);
  std::string note;
  if (root.empty())
    note =
        cat("No --data and no LEUKO_DATA: every number below comes from GENERATED cell images (",
            (folder.root() / "synthetic-data").string(),
            "), not from the studies' data; it shows the pipeline runs, nothing about real cells.");
  if (!note.empty()) std::printf("\n*** %s ***\n\n", note.c_str());
  // Generated images are small; the loader resizes them to each network's input. 100 cells a
  // class are enough for WBC-1 to hold one of each (smoke); 800 make WBC-10 large enough to
  // learn the generated classes in the study's 10 epochs (400 images, 250 steps).
  const bool smoke = profile.name == "smoke";
  StudyData study_data(root, folder.root() / "synthetic-data", smoke ? 32 : 64, smoke ? 100 : 800);

  StudyContext context{o.study,   o.command_line, profile, folder, study_data, device,
                       o.workers, o.weights,      note,    o.only, o.restart};
  std::printf("leuko reproduce %s, profile %s, data %s, output %s\n", o.study.c_str(),
              profile.name.c_str(), study_data.root().string().c_str(),
              folder.root().string().c_str());
  const auto run_study = [&](const StudyContext& c) {
    if (o.study == "study-a") return run_study_a(c);
    if (o.study == "study-b") return run_study_b(c);
    if (o.study == "study-c") return run_study_c(c);
    return run_study_d(c);
  };
  // First a planning pass: what is left to train, and about how long it takes.
  std::vector<StudyContext::PlannedRun> plan;
  StudyContext planning = context;
  planning.plan = &plan;
  run_study(planning);
  double total = 0.0;
  for (const StudyContext::PlannedRun& run : plan) total += run.seconds;
  std::printf(
      "%zu sub-run(s) to train, estimated %s on 2 CPU cores (rates measured on 2-core "
      "Xeon/EPYC machines; a GPU is much faster):\n",
      plan.size(), duration(total).c_str());
  for (const StudyContext::PlannedRun& run : plan)
    std::printf("  %-34s ~%s\n", run.name.c_str(), duration(run.seconds).c_str());
  std::fflush(stdout);
  if (o.dry_run) return;

  const StudyReport report = run_study(context);
  write_study_report(context, report);
  std::printf("study report: %s\n", folder.file("report.md").string().c_str());
  if (!o.only.empty()) {
    std::vector<std::string> names;
    for (const StudyRow& row : report.rows)
      for (const SubRunResult& run : row.runs) names.push_back(run.name);
    for (const SubRunResult& run : report.other_runs) names.push_back(run.name);
    if (std::none_of(names.begin(), names.end(),
                     [&](const std::string& n) { return context.selected(n); })) {
      std::string list;
      for (const std::string& n : names) list += (list.empty() ? "" : ", ") + n;
      throw CLI::ValidationError("--only",
                                 cat("matched no sub-run of ", o.study, "; its sub-runs: ", list));
    }
  }
}

}  // namespace

void add_reproduce_command(CLI::App& app, const std::string& command_line) {
  auto o = std::make_shared<ReproduceOptions>();
  o->command_line = command_line;
  CLI::App* cmd = app.add_subcommand(
      "reproduce",
      "Re-run one of the four WBC studies; writes a run folder per sub-run and a study report");
  cmd->footer(
      "Studies:\n"
      "  study-a  Ramesh (seeds 000/002): pRCC autoencoder (SSIM), Camelyon16 classifier, base\n"
      "           WBC net and combined model on WBC-1/10/50/100\n"
      "  study-b  Kan-Hon (seed 001): ResNet-18 pretraining chain, then fine-tuning vs a baseline\n"
      "  study-c  ResNet-50 fine-tuning, early stages frozen (seed 003)\n"
      "  study-d  Roure et al. (seed 004): Kandel ELU CNN x4 optimizers, ResNet-50 "
      "frozen/partial/full\n"
      "Profiles:\n"
      "  quick   reduced resolution and epochs, a few images per class: minutes on 2 CPU cores\n"
      "  capped  the studies' epochs, at most 40 images per class, 128 px histology: hours\n"
      "  cpu     faithful: all the data, the studies' resolutions and epochs (study-a: about a\n"
      "          day on 2 cores; run it in parts with --only)\n"
      "  full    the same as cpu, named for a GPU\n"
      "  smoke  tiny and 1 epoch: a test that the pipeline runs (CI)\n"
      "Examples:\n"
      "  leuko reproduce study-a --profile quick                 (generated data, with a banner)\n"
      "  leuko reproduce study-a --data /work/shared/data --out runs/study-a --profile cpu\n"
      "  leuko reproduce study-a --profile cpu --only 'wbc-1-base*' --only wbc-10-base   (a part)\n"
      "  LEUKO_DATA=/work/shared/data leuko reproduce study-d --profile full --device cuda \\\n"
      "        --weights resnet50_imagenet.safetensors\n"
      "Running the same command again resumes: finished sub-runs are reused, an unfinished one\n"
      "continues from its last checkpoint. With --only, the other sub-runs are not trained; the\n"
      "report still shows every finished one and marks the rest as not run. --restart deletes\n"
      "what the selected sub-runs (all of them without --only) wrote and trains them again from\n"
      "scratch; finished sub-runs that --only leaves out are kept as they are, also those that\n"
      "started from a restarted one's weights.");
  cmd->add_option("study", o->study, "study-a | study-b | study-c | study-d")
      ->required()
      ->check(CLI::IsMember({"study-a", "study-b", "study-c", "study-d"}));
  cmd->add_option(
      "--data", o->data,
      "data root holding pbc/, idc/, monuseg/, segwbc/ (default: $LEUKO_DATA, else generated)");
  cmd->add_option("--out", o->out, "output folder (default runs/<study>-<profile>)");
  cmd->add_option("--profile", o->profile, "quick | capped | cpu | full | smoke")
      ->check(CLI::IsMember({"quick", "capped", "cpu", "full", "smoke"}));
  cmd->add_option("--only", o->only,
                  "train only the sub-runs with these names (glob patterns, e.g. 'wbc-1-base*'); "
                  "repeat or separate with commas")
      ->delimiter(',');
  cmd->add_flag("--restart", o->restart,
                "delete what the selected sub-runs wrote (finished or not) and train them from "
                "scratch");
  cmd->add_flag("--dry-run", o->dry_run,
                "print the sub-runs left to train and their estimated time, train nothing");
  cmd->add_option("--device", o->device, "cpu | cuda | cuda-emu");
  cmd->add_option(
         "--weights", o->weights,
         "ImageNet weights of the study's backbone as safetensors (torchvision names: "
         "ResNet-18 for study-a, ResNet-50 for study-c/d); without it, trained from scratch")
      ->check(CLI::ExistingFile);
  cmd->add_option("--workers", o->workers, "data loader threads")->check(CLI::Range(0, 64));
  cmd->callback([o] { run_reproduce(*o); });
}

}  // namespace leuko::cli
