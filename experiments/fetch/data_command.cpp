// `leuko data fetch NAME DIR`: downloads a stand-in dataset from the public repository its
// SOURCE.md names, checks every file against the git ids pinned in its recipe, and lays it
// out under DIR/NAME as the studies read it. Resumable: run the same command again.
#include <cstdlib>
#include <memory>

#include "experiments/cli/commands.h"
#include "experiments/fetch/dataset_recipe.h"
#include "experiments/fetch/fetch_dataset.h"

namespace leuko::cli {

namespace {

struct FetchOptions {
  std::string dataset;
  std::string root;
  std::string mirror;
  std::string pins;
};

void run_fetch(const FetchOptions& o) {
  for (fetch::DatasetRecipe& recipe : fetch::all_recipes()) {
    if (recipe.name != o.dataset) continue;
    if (!o.pins.empty()) fetch::override_pins(recipe.pins, recipe.name, o.pins);
    fetch::SourceServers servers;
    if (!o.mirror.empty()) servers.api = servers.raw = o.mirror;
    fetch::fetch_dataset(recipe, o.root, servers);
  }
}

}  // namespace

void add_data_command(CLI::App& app) {
  CLI::App* data = app.add_subcommand("data", "Get the real datasets the studies use");
  data->require_subcommand(1);
  auto options = std::make_shared<FetchOptions>();
  CLI::App* cmd = data->add_subcommand(
      "fetch", "Download a dataset from its public source, verify it, lay it out in DIR/NAME");
  std::vector<std::string> names;
  std::string listing = "\nDatasets:\n";
  for (const fetch::DatasetRecipe& recipe : fetch::all_recipes()) {
    names.push_back(recipe.name);
    listing += "  " + recipe.name + std::string(9 - recipe.name.size(), ' ') + recipe.summary +
               "\n              from github.com/" + recipe.pins.repository + " @ " +
               recipe.pins.commit.substr(0, 12) + "\n";
  }
  cmd->footer(listing +
              "\nEvery file is checked against the git ids pinned in leuko's source. Stopped? Run\n"
              "the same command again: verified files are kept, partial ones continue.\n"
              "\nExamples:\n"
              "  leuko data fetch pbc ~/data        # then: leuko reproduce study-a --data ~/data\n"
              "  leuko data fetch idc ~/data --mirror http://127.0.0.1:8080");
  cmd->add_option("NAME", options->dataset, "the dataset")->required()->check(CLI::IsMember(names));
  cmd->add_option("DIR", options->root, "the data root; the dataset goes to DIR/NAME")->required();
  cmd->add_option("--mirror", options->mirror,
                  "one server in place of GitHub's two: /repos/<owner>/<name>/git/trees/<id> "
                  "(listings) and /<owner>/<name>/<commit>/<path> (files)")
      ->envname("LEUKO_FETCH_MIRROR");
  cmd->add_option("--pins", options->pins,
                  "JSON replacing the pinned source: {NAME: {repository, commit, folders: "
                  "{path: tree id}}} (a fork, a test mirror)")
      ->check(CLI::ExistingFile);
  cmd->callback([options] { run_fetch(*options); });
}

}  // namespace leuko::cli
