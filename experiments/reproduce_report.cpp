// The top-level report of a study (experiments/reproduce.h): our numbers beside the
// published ones, per-class metrics and confusion matrices of every run, links to each
// sub-run's own report (curves, plots), and what differs from the study.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>

#include "engine/error.h"
#include "experiments/reproduce.h"

namespace leuko::cli {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string number(double value, int digits = 4) {
  if (std::isnan(value)) return "–";
  char text[48];
  std::snprintf(text, sizeof text, "%.*f", digits, value);
  return text;
}

double value_of(const nlohmann::json& results, const char* key, const char* sub = nullptr) {
  if (!results.contains(key)) return kNaN;
  const nlohmann::json& v = sub ? results.at(key).value(sub, nlohmann::json()) : results.at(key);
  return v.is_number() ? v.get<double>() : kNaN;
}

// "0.8123" for one run, "0.8123 ± 0.0456 (n=3)" (mean ± sample standard deviation) for several.
std::string mean_spread(const std::vector<SubRunResult>& runs, const char* key,
                        const char* sub = nullptr) {
  std::vector<double> values;
  for (const SubRunResult& run : runs) {
    const double v = value_of(run.results, key, sub);
    if (!std::isnan(v)) values.push_back(v);
  }
  if (values.empty()) return "–";
  double mean = 0.0;
  for (double v : values) mean += v;
  mean /= static_cast<double>(values.size());
  if (values.size() == 1) return number(mean);
  double squares = 0.0;
  for (double v : values) squares += (v - mean) * (v - mean);
  const double spread = std::sqrt(squares / static_cast<double>(values.size() - 1));
  return cat(number(mean), " ± ", number(spread), " (n=", values.size(), ")");
}

void run_details(std::ostringstream& md, const SubRunResult& run, const std::filesystem::path& out) {
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
    md << "| " << c.at("class").get<std::string>() << " | " << number(c.at("precision").get<double>())
       << " | " << number(c.at("recall").get<double>()) << " | " << number(c.at("f1").get<double>())
       << " | " << c.at("support").get<int64_t>() << " |\n";
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
  return {std::move(source), given(accuracy), given(test_loss), given(macro_f1), given(weighted_f1)};
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
     << (context.data.synthetic() ? " (generated)" : "") << "\n- device: "
     << to_string(context.device) << "\n- git commit: " << git_commit() << "\n\n";

  md << "## Ours next to the published numbers\n\n"
        "Test accuracy, test loss, macro F1 and weighted F1. Several seeds: mean ± sample "
        "standard deviation. \"–\": not reported.\n\n"
        "| experiment | ours: accuracy | ours: test loss | ours: macro F1 | ours: weighted F1 "
        "| published: accuracy | published: test loss | published: macro F1 | published: "
        "weighted F1 | published source |\n|---|---|---|---|---|---|---|---|---|---|\n";
  for (const StudyRow& row : report.rows) {
    const size_t lines = std::max<size_t>(1, row.published.size());
    for (size_t i = 0; i < lines; ++i) {
      md << "| " << (i == 0 ? row.label : "") << " | ";
      if (i > 0) {
        md << " | | | | ";
      } else if (row.runs.empty()) {
        md << "not run under this profile | | | | ";
      } else {
        md << mean_spread(row.runs, "accuracy") << " | " << mean_spread(row.runs, "test_loss")
           << " | " << mean_spread(row.runs, "macro", "f1") << " | "
           << mean_spread(row.runs, "weighted", "f1") << " | ";
      }
      if (i < row.published.size()) {
        const Published& p = row.published[i];
        md << number(p.accuracy) << " | " << number(p.test_loss, 5) << " | " << number(p.macro_f1)
           << " | " << number(p.weighted_f1) << " | " << p.source << " |\n";
      } else {
        md << "– | – | – | – | none |\n";
      }
    }
  }
  md << "\n";

  md << "## Differences from the study\n\n";
  for (const std::string& difference : report.differences) md << "- " << difference << "\n";
  md << "\n## Runs\n\n";
  nlohmann::json summary{{"study", context.study}, {"profile", context.profile.name},
                         {"command", context.command}, {"seeds", report.seeds},
                         {"synthetic_data", context.data.synthetic()}, {"rows", nlohmann::json::array()}};
  for (const StudyRow& row : report.rows) {
    nlohmann::json entry{{"label", row.label}, {"runs", nlohmann::json::array()},
                         {"published", nlohmann::json::array()}};
    for (const SubRunResult& run : row.runs) {
      entry["runs"].push_back({{"name", run.name},
                               {"accuracy", run.results.value("accuracy", nlohmann::json())},
                               {"test_loss", run.results.value("test_loss", nlohmann::json())},
                               {"macro_f1", value_of(run.results, "macro", "f1")},
                               {"weighted_f1", value_of(run.results, "weighted", "f1")}});
      run_details(md, run, context.out.root());
    }
    for (const Published& p : row.published)
      entry["published"].push_back({{"source", p.source},
                                    {"accuracy", std::isnan(p.accuracy) ? nlohmann::json() : nlohmann::json(p.accuracy)},
                                    {"test_loss", std::isnan(p.test_loss) ? nlohmann::json() : nlohmann::json(p.test_loss)},
                                    {"macro_f1", std::isnan(p.macro_f1) ? nlohmann::json() : nlohmann::json(p.macro_f1)},
                                    {"weighted_f1", std::isnan(p.weighted_f1) ? nlohmann::json() : nlohmann::json(p.weighted_f1)}});
    summary["rows"].push_back(entry);
  }
  if (!report.other_runs.empty()) md << "## Pretraining stages\n\n";
  for (const SubRunResult& run : report.other_runs) run_details(md, run, context.out.root());
  context.out.write("study.json", summary.dump(2) + "\n");
  context.out.write("report.md", md.str());
}

}  // namespace leuko::cli
