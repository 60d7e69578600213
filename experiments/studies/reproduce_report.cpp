// The top-level report of a study (experiments/studies/reproduce.h): our numbers beside the
// published ones, per-class metrics and confusion matrices of every run, links to each
// sub-run's own report (curves, plots), and what differs from the study.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>

#include "engine/error.h"
#include "engine/format.h"
#include "experiments/studies/reproduce.h"

namespace leuko::cli {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Four decimals unless said otherwise; a dash for a value not measured.
std::string number(double value, int digits = 4) { return fixed(value, digits, "–"); }

double value_of(const nlohmann::json& results, const char* key, const char* sub = nullptr) {
  if (!results.contains(key)) return kNaN;
  const nlohmann::json& v = sub ? results.at(key).value(sub, nlohmann::json()) : results.at(key);
  return v.is_number() ? v.get<double>() : kNaN;
}

// The values of `key` (or key.sub) over the runs that have it.
std::vector<double> values_of(const std::vector<SubRunResult>& runs, const char* key,
                              const char* sub = nullptr) {
  std::vector<double> values;
  for (const SubRunResult& run : runs) {
    const double v = value_of(run.results, key, sub);
    if (!std::isnan(v)) values.push_back(v);
  }
  return values;
}

double mean(const std::vector<double>& values) {
  if (values.empty()) return kNaN;
  double sum = 0.0;
  for (double v : values) sum += v;
  return sum / static_cast<double>(values.size());
}

// "0.8123" for one run, "0.8123 ± 0.0456 (n=3)" (mean ± sample standard deviation) for several.
std::string mean_spread(const std::vector<SubRunResult>& runs, const char* key,
                        const char* sub = nullptr, int digits = 4) {
  const std::vector<double> values = values_of(runs, key, sub);
  if (values.empty()) return "–";
  const double m = mean(values);
  if (values.size() == 1) return number(m, digits);
  double squares = 0.0;
  for (double v : values) squares += (v - m) * (v - m);
  const double spread = std::sqrt(squares / static_cast<double>(values.size() - 1));
  return cat(number(m, digits), " ± ", number(spread, digits), " (n=", values.size(), ")");
}

// Ours minus published: accuracy where both have one, else the test loss. "+0.0123 acc".
std::string difference(const std::vector<SubRunResult>& runs, const Published& p) {
  const double ours_accuracy = mean(values_of(runs, "accuracy"));
  if (!std::isnan(ours_accuracy) && !std::isnan(p.accuracy))
    return cat(ours_accuracy >= p.accuracy ? "+" : "", number(ours_accuracy - p.accuracy), " acc");
  const double ours_loss = mean(values_of(runs, "test_loss"));
  if (!std::isnan(ours_loss) && !std::isnan(p.test_loss))
    return cat(ours_loss >= p.test_loss ? "+" : "", number(ours_loss - p.test_loss, 5), " loss");
  return "–";
}

// The runs' summed wall time ("14 min", "2.3 h"), from their timing.json.
std::string wall_time(const std::vector<SubRunResult>& runs) {
  double seconds = 0.0;
  bool any = false;
  for (const SubRunResult& run : runs)
    if (run.timing.contains("wall_seconds")) {
      seconds += run.timing.at("wall_seconds").get<double>();
      any = true;
    }
  if (!any) return "–";
  if (seconds < 5400) return cat(static_cast<int64_t>(std::lround(seconds / 60)), " min");
  return cat(number(seconds / 3600, 1), " h");
}

std::vector<SubRunResult> finished(const std::vector<SubRunResult>& runs) {
  std::vector<SubRunResult> out;
  for (const SubRunResult& run : runs)
    if (run.finished) out.push_back(run);
  return out;
}

void run_details(std::ostringstream& md, const SubRunResult& run,
                 const std::filesystem::path& out) {
  const std::string folder = std::filesystem::relative(run.folder, out).string();
  md << "### " << run.name << "\n\n";
  md << "Curves, plots and configuration: [" << folder << "/report.md](" << folder
     << "/report.md). Test loss " << number(value_of(run.results, "test_loss"), 6) << " on "
     << run.results.value("test_images", 0) << " images.\n\n";
  if (!run.results.contains("per_class")) return;
  md << "![loss](" << folder << "/plots/loss.svg) ![accuracy](" << folder
     << "/plots/accuracy.svg)\n\n";
  md << "| class | precision | recall | F1 | support |\n|---|---|---|---|---|\n";
  for (const nlohmann::json& c : run.results.at("per_class"))
    md << "| " << c.at("class").get<std::string>() << " | "
       << number(c.at("precision").get<double>()) << " | " << number(c.at("recall").get<double>())
       << " | " << number(c.at("f1").get<double>()) << " | " << c.at("support").get<int64_t>()
       << " |\n";
  md << "| macro avg | " << number(value_of(run.results, "macro", "precision")) << " | "
     << number(value_of(run.results, "macro", "recall")) << " | "
     << number(value_of(run.results, "macro", "f1")) << " | |\n";
  md << "| weighted avg | " << number(value_of(run.results, "weighted", "precision")) << " | "
     << number(value_of(run.results, "weighted", "recall")) << " | "
     << number(value_of(run.results, "weighted", "f1")) << " | |\n\n";
  const auto classes = run.results.at("classes").get<std::vector<std::string>>();
  md << "Confusion matrix (rows = true class, columns = predicted):\n\n| true \\ predicted |";
  for (const std::string& c : classes) md << " " << c << " |";
  md << "\n|---|";
  for (size_t i = 0; i < classes.size(); ++i) md << "---|";
  md << "\n";
  const nlohmann::json& matrix = run.results.at("confusion_matrix");
  for (size_t r = 0; r < classes.size(); ++r) {
    md << "| " << classes[r] << " |";
    for (const nlohmann::json& count : matrix.at(r)) md << " " << count.get<int64_t>() << " |";
    md << "\n";
  }
  md << "\n";
}

}  // namespace

Published published(std::string source, double accuracy, double test_loss, double macro_f1,
                    double weighted_f1) {
  const auto given = [](double v) { return v < 0 ? kNaN : v; };
  return {std::move(source), given(accuracy), given(test_loss), given(macro_f1),
          given(weighted_f1)};
}

void write_study_report(const StudyContext& context, const StudyReport& report) {
  std::ostringstream md;
  md << "# " << report.title << "\n\n";
  if (!context.data_note.empty()) md << "> **" << context.data_note << "**\n\n";
  md << report.summary << "\n\n";
  md << "- command: `" << context.command << "`\n- profile: `" << context.profile.name
     << "`\n- seeds:";
  for (uint64_t seed : report.seeds) md << " " << seed;
  md << "\n- data: `" << context.data.root().string() << "`"
     << (context.data.synthetic() ? " (generated)" : "")
     << "\n- device: " << to_string(context.device) << "\n- git commit: " << git_commit() << "\n\n";

  std::vector<std::string> machines;
  const auto note_machine = [&](const SubRunResult& run) {
    if (!run.timing.is_object()) return;
    const std::string machine = run.timing.value("machine", std::string());
    if (!machine.empty() && std::find(machines.begin(), machines.end(), machine) == machines.end())
      machines.push_back(machine);
  };
  for (const StudyRow& row : report.rows)
    std::for_each(row.runs.begin(), row.runs.end(), note_machine);
  std::for_each(report.other_runs.begin(), report.other_runs.end(), note_machine);
  md << "- ran on:";
  for (const std::string& machine : machines) md << " " << machine << ";";
  md << (machines.empty() ? " –" : "") << "\n\n";

  md << "## Ours next to the published numbers\n\n"
        "Test accuracy, test loss, macro F1 and weighted F1. Several seeds: mean ± sample "
        "standard deviation. Difference: our (mean) accuracy minus the published one, or the "
        "test loss where no accuracy is published. Wall time: training, validation and test "
        "of the row's runs together. \"–\": not reported.\n\n"
        "| experiment | ours: accuracy | ours: test loss | ours: macro F1 | ours: weighted F1 "
        "| published: accuracy | published: test loss | published: macro F1 | published: "
        "weighted F1 | difference | wall time | published source |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|\n";
  for (const StudyRow& row : report.rows) {
    const std::vector<SubRunResult> done = finished(row.runs);
    const size_t lines = std::max<size_t>(1, row.published.size());
    for (size_t i = 0; i < lines; ++i) {
      md << "| " << (i == 0 ? row.label : "") << " | ";
      if (i > 0) {
        md << " | | | | ";
      } else if (row.runs.empty()) {
        md << "not in this profile | | | | ";
      } else if (done.empty()) {
        md << "not run yet | | | | ";
      } else {
        md << mean_spread(done, "accuracy") << " | " << mean_spread(done, "test_loss", nullptr, 5)
           << " | " << mean_spread(done, "macro", "f1") << " | "
           << mean_spread(done, "weighted", "f1")
           << (done.size() < row.runs.size()
                   ? cat(" (", done.size(), " of ", row.runs.size(), " runs)")
                   : "")
           << " | ";
      }
      if (i < row.published.size()) {
        const Published& p = row.published[i];
        const std::string ours_minus_published = done.empty() ? "–" : difference(done, p);
        md << number(p.accuracy) << " | " << number(p.test_loss, 5) << " | " << number(p.macro_f1)
           << " | " << number(p.weighted_f1) << " | " << ours_minus_published << " | "
           << (i == 0 ? wall_time(done) : "") << " | " << p.source << " |\n";
      } else {
        md << "– | – | – | – | – | " << wall_time(done) << " | none |\n";
      }
    }
  }
  md << "\n";

  md << "## Differences from the study\n\n";
  for (const std::string& difference : report.differences) md << "- " << difference << "\n";
  md << "\n## Runs\n\n";
  nlohmann::json summary{{"study", context.study},
                         {"profile", context.profile.name},
                         {"command", context.command},
                         {"seeds", report.seeds},
                         {"synthetic_data", context.data.synthetic()},
                         {"rows", nlohmann::json::array()}};
  for (const StudyRow& row : report.rows) {
    nlohmann::json entry{{"label", row.label},
                         {"runs", nlohmann::json::array()},
                         {"published", nlohmann::json::array()}};
    for (const SubRunResult& run : row.runs) {
      if (!run.finished) {
        entry["runs"].push_back({{"name", run.name}, {"finished", false}});
        continue;
      }
      entry["runs"].push_back({{"name", run.name},
                               {"finished", true},
                               {"timing", run.timing},
                               {"accuracy", run.results.value("accuracy", nlohmann::json())},
                               {"test_loss", run.results.value("test_loss", nlohmann::json())},
                               {"macro_f1", value_of(run.results, "macro", "f1")},
                               {"weighted_f1", value_of(run.results, "weighted", "f1")}});
      run_details(md, run, context.out.root());
    }
    for (const Published& p : row.published)
      entry["published"].push_back(
          {{"source", p.source},
           {"accuracy", std::isnan(p.accuracy) ? nlohmann::json() : nlohmann::json(p.accuracy)},
           {"test_loss", std::isnan(p.test_loss) ? nlohmann::json() : nlohmann::json(p.test_loss)},
           {"macro_f1", std::isnan(p.macro_f1) ? nlohmann::json() : nlohmann::json(p.macro_f1)},
           {"weighted_f1",
            std::isnan(p.weighted_f1) ? nlohmann::json() : nlohmann::json(p.weighted_f1)}});
    summary["rows"].push_back(entry);
  }
  if (!report.other_runs.empty()) md << "## Pretraining stages\n\n";
  for (const SubRunResult& run : finished(report.other_runs))
    run_details(md, run, context.out.root());
  context.out.write("study.json", summary.dump(2) + "\n");
  context.out.write("report.md", md.str());
}

}  // namespace leuko::cli
